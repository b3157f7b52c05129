//! Drawing on the page: the registry's charts ([`ChartId`]) onto canvases
//! (through [`PageBackend`]) and to SVG, from a [`ChartStore`] (the live
//! snapshot) or [`ChartData`] (boundary panels); and the
//! list of chart cards the page builds.

use super::backend::{PageBackend, PageCanvas};
use super::err;
use crate::charts::{self, ChartReport};
use crate::figures::registry::{self, ChartId, ChartInput, DrawError, SnapshotChart, Source};
use crate::live::delta::{SnapshotDelta, SnapshotStore};
use crate::live::rewind;
use crate::run::{summary, Snapshot, TaskSnapshot};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea, SVGBackend};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

fn chart_id(chart: &str) -> Result<ChartId, JsError> {
    chart.parse::<ChartId>().map_err(err)
}

/// `json_text` parsed as the input of charts like `chart` (its [`Source`]).
fn parse_for(chart: &str, json_text: &str) -> Result<ChartInput, JsError> {
    Ok(match chart_id(chart)?.source() {
        Source::Boundaries => ChartInput::Boundaries(serde_json::from_str(json_text).map_err(err)?),
        Source::Snapshot => ChartInput::Snapshot(Box::new(serde_json::from_str(json_text).map_err(err)?)),
    })
}

/// Every chart is drawn through [`PageBackend`], so it is compiled once for both outputs.
fn draw_parsed(area: &DrawingArea<PageBackend<'_>, Shift>, chart: &str, input: &ChartInput) -> Result<ChartReport, JsError> {
    chart_id(chart)?.draw(area, input).map_err(err)
}

/// A snapshot chart of `s`.
fn draw_snapshot_chart(area: &DrawingArea<PageBackend<'_>, Shift>, chart: &str, s: &Snapshot) -> Result<ChartReport, JsError> {
    match chart_id(chart)? {
        ChartId::Snapshot(c) => c.draw(area, s).map_err(err),
        other => Err(JsError::new(&format!("chart `{other}` is not drawn from the snapshot"))),
    }
}

/// The page's snapshot charts' cards (JSON [{key, caption, place, class, when}], page
/// order; [`registry::cards`]): the page builds them from this list.
#[wasm_bindgen]
pub fn chart_cards() -> String {
    serde_json::to_string(&registry::cards()).unwrap_or_default()
}

/// The decision-boundary cards of a planar run of `tasks` tasks (JSON, as [`chart_cards`]).
#[wasm_bindgen]
pub fn boundary_cards(tasks: usize) -> String {
    let cards: Vec<_> = (0..tasks).map(|i| registry::boundary_card(i, tasks)).collect();
    serde_json::to_string(&cards).unwrap_or_default()
}

pub(super) type Drawer<'a> = &'a dyn Fn(&DrawingArea<PageBackend<'_>, Shift>) -> Result<ChartReport, JsError>;

pub(super) fn draw_on_canvas(canvas: HtmlCanvasElement, draw: Drawer<'_>) -> Result<String, JsError> {
    let backend = PageCanvas::new(canvas).ok_or_else(|| JsError::new("canvas has no 2-D context"))?;
    let area = PageBackend::Canvas(backend).into_drawing_area();
    let report = draw(&area)?;
    area.present().map_err(err)?;
    serde_json::to_string(&report).map_err(err)
}

pub(super) fn svg_of(width: u32, height: u32, draw: Drawer<'_>) -> Result<String, JsError> {
    if width == 0 || height == 0 {
        return Err(err(charts::ChartError::EmptySize(width, height)));
    }
    let mut buf = String::new();
    {
        let area = PageBackend::Svg(SVGBackend::with_string(&mut buf, (width, height))).into_drawing_area();
        draw(&area)?;
        area.present().map_err(err)?;
    }
    Ok(buf)
}

/// Chart input parsed once and drawn many times (a snapshot is parsed once
/// per frame, not once per chart).
#[wasm_bindgen]
pub struct ChartData {
    parsed: ChartInput,
}

#[wasm_bindgen]
impl ChartData {
    /// Parse `json_text` as the input of charts like `chart` (a snapshot, or
    /// boundary panels for `boundaries_*`).
    #[wasm_bindgen(constructor)]
    pub fn new(chart: &str, json_text: &str) -> Result<ChartData, JsError> {
        Ok(ChartData {
            parsed: parse_for(chart, json_text)?,
        })
    }

    /// Draw `chart` onto `canvas`; returns the chart's report JSON ({skipped: [...]}).
    /// `pixel_ratio` is the canvas's device pixels per CSS pixel (window.devicePixelRatio),
    /// so text keeps its size on HiDPI screens.
    pub fn draw(&self, canvas: HtmlCanvasElement, chart: &str, pixel_ratio: f64) -> Result<String, JsError> {
        charts::with_pixel_ratio(pixel_ratio, || draw_on_canvas(canvas, &|a| draw_parsed(a, chart, &self.parsed)))
    }

    /// The same chart as an SVG document.
    pub fn svg(&self, chart: &str, width: u32, height: u32) -> Result<String, JsError> {
        svg_of(width, height, &|a| draw_parsed(a, chart, &self.parsed))
    }
}

/// The page's live snapshot, kept in Rust and updated by the workers'
/// [`SnapshotDelta`]s, so a snapshot's history is parsed once when its points
/// arrive, not with every snapshot; the snapshot charts draw from it.
#[wasm_bindgen]
pub struct ChartStore {
    pub(super) store: SnapshotStore,
    /// The rewound view (the step asked for, and the snapshot at the recorded
    /// step shown for it), or None: the latest state is shown.
    pub(super) view: Option<(u64, Snapshot)>,
    /// Run B of a comparison (`draw_compare.rs`), and its rewound view at the same step.
    pub(super) compare: SnapshotStore,
    pub(super) compare_view: Option<Snapshot>,
    /// What differs between A and B as held now (legends, alt texts): computed when either
    /// changes (`refresh_labels`), not on every chart drawn.
    pub(super) compare_labels: Option<charts::CompareLabels>,
    /// The latest state's decision-boundary panels (planar runs), parsed once per arrival.
    pub(super) boundaries: Option<Vec<Vec<crate::charts::BoundaryData>>>,
    /// Run B's, with a comparison.
    pub(super) compare_boundaries: Option<Vec<Vec<crate::charts::BoundaryData>>>,
    /// The merge report and boundaries replayed for a rewound step (`draw_rewind.rs`).
    pub(super) replayed: super::draw_rewind::Replayed,
}

/// What the page's time slider shows ([`ChartStore::rewind_json`]).
#[derive(serde::Serialize)]
struct RewindView {
    /// Recorded steps (task a's history), increasing.
    steps: Vec<u64>,
    /// The x of each (step, or time t for gradient flow), as the charts' x axis.
    xs: Vec<f64>,
    x_label: String,
    /// The step shown, or null: the latest state (live).
    step: Option<u64>,
    /// The step of the latest state.
    latest: u64,
    /// The history's spacing now: `record_every · stride` steps.
    spacing: u64,
    /// What a rewound view does not show, and why.
    not_rewound: &'static str,
    /// Where the replay of the merged nets and boundaries at the step shown stands, in words
    /// (null: live, or nothing to replay).
    replay_note: Option<String>,
}

#[wasm_bindgen]
impl ChartStore {
    #[wasm_bindgen(constructor)]
    pub fn new() -> ChartStore {
        ChartStore {
            store: SnapshotStore::new(),
            view: None,
            compare: SnapshotStore::new(),
            compare_view: None,
            compare_labels: None,
            boundaries: None,
            compare_boundaries: None,
            replayed: Default::default(),
        }
    }

    /// Apply a delta JSON ([`Lab::snapshot_delta`], [`Analyst::snapshot_delta`]).
    /// Throws, keeping the held snapshot, if it does not parse or does not
    /// continue the held histories (the sender must then send a full one).
    /// Returns whether the delta was whole (every history from its first point).
    pub fn apply(&mut self, delta_json: &str) -> Result<bool, JsError> {
        let d: SnapshotDelta = serde_json::from_str(delta_json).map_err(err)?;
        let whole = d.is_full();
        self.store.apply(d).map_err(|e| JsError::new(&e.to_string()))?;
        if whole {
            // A reset or a rollback may have changed what was trained at a replayed step.
            self.replayed = Default::default();
        }
        self.refresh_labels();
        if let Some((step, _)) = self.view.take() {
            // The history may have thinned since: show the last step still recorded at or before.
            self.rewind_to(step);
        }
        Ok(whole)
    }

    /// Show the state at recorded step `step` (every snapshot chart and
    /// `summary_json`), or the latest state when `step` is negative; a step
    /// that is not recorded shows the last recorded one before it
    /// ([`crate::live::rewind`]). Downloads (`metrics_csv`, `snapshot_json`)
    /// keep the whole run.
    pub fn rewind(&mut self, step: f64) -> Result<(), JsError> {
        if step < 0.0 {
            self.view = None;
            self.compare_view = None;
            return Ok(());
        }
        if !step.is_finite() || step.fract() != 0.0 || step > 9.007_199_254_740_992e15 {
            return Err(JsError::new(&format!("rewind: step must be a whole number ≥ 0, got {step}")));
        }
        self.held_latest()?;
        self.rewind_to(step as u64);
        Ok(())
    }

    /// The time slider's data (JSON [`RewindView`]).
    pub fn rewind_json(&self) -> Result<String, JsError> {
        let s = self.held_latest()?;
        let steps = rewind::recorded_steps(s);
        let xs = s
            .tasks
            .first()
            .map(|t| t.history.points.iter().map(|m| s.x_of(m)).collect())
            .unwrap_or_default();
        let h = s.tasks.first().map(|t| &t.history);
        let view = RewindView {
            steps,
            xs,
            x_label: s.x_label(),
            step: self.view.as_ref().map(|(_, v)| v.tasks.first().map_or(0, |t| t.current.step)),
            latest: s.tasks.first().map_or(0, |t| t.current.step),
            spacing: h.map_or(0, |h| h.stride) * s.config.train.record_every,
            not_rewound: rewind::NOT_REWOUND,
            replay_note: self.replay_note(),
        };
        serde_json::to_string(&view).map_err(err)
    }

    pub(super) fn rewind_to(&mut self, step: u64) {
        let Some(latest) = self.store.snapshot() else {
            self.view = None;
            self.compare_view = None;
            return;
        };
        self.view = rewind::recorded_at_or_before(latest, step)
            .and_then(|k| rewind::at_step(latest, k).ok())
            .map(|v| (step, v));
        // Run B at the step A shows (both record at the same steps).
        self.compare_view = match (&self.view, self.compare.snapshot()) {
            (Some((_, a)), Some(b)) => {
                let k = a.tasks.first().map_or(0, |t| t.current.step);
                rewind::recorded_at_or_before(b, k).and_then(|k| rewind::at_step(b, k).ok())
            }
            _ => None,
        };
        self.attach_replayed();
    }

    /// The latest snapshot without its histories, as JSON: what the page's tables and
    /// run bar read (config, overlap, each task's name, status, current metrics and
    /// notes, the merge report, claims; `history` is its number of points). The
    /// snapshot's text is parsed once, in [`ChartStore::apply`], not again in JS.
    pub fn summary_json(&self) -> Result<String, JsError> {
        summary_of(self.held_latest()?)
    }

    /// As [`ChartStore::summary_json`] for the state shown: the rewound one
    /// ([`ChartStore::rewind`]; no merge report, no claims), else the latest.
    pub fn shown_summary_json(&self) -> Result<String, JsError> {
        summary_of(self.held()?)
    }

    /// Whether a rewound state is shown.
    pub fn is_rewound(&self) -> bool {
        self.view.is_some()
    }

    /// Forget the held snapshot (a new run follows).
    pub fn clear(&mut self) {
        self.store.clear();
        self.view = None;
        self.compare.clear();
        self.compare_view = None;
        self.compare_labels = None;
        self.boundaries = None;
        self.compare_boundaries = None;
        self.replayed = Default::default();
    }

    /// Whether a snapshot is held.
    pub fn has_snapshot(&self) -> bool {
        self.store.snapshot().is_some()
    }

    /// The held snapshot's metrics history as CSV, byte for byte what the CLI
    /// writes as `metrics.csv` for that history ([`summary::metrics_csv`]).
    pub fn metrics_csv(&self) -> Result<String, JsError> {
        Ok(summary::metrics_csv(self.held_latest()?))
    }

    /// The held snapshot as JSON (as [`super::Lab::snapshot`]).
    pub fn snapshot_json(&self) -> Result<String, JsError> {
        serde_json::to_string(self.held_latest()?).map_err(err)
    }

    /// Draw snapshot chart `chart` onto `canvas` (as [`ChartData::draw`]), at the rewound step if one is shown.
    pub fn draw(&self, canvas: HtmlCanvasElement, chart: &str, pixel_ratio: f64) -> Result<String, JsError> {
        let s = self.held()?;
        charts::with_pixel_ratio(pixel_ratio, || draw_on_canvas(canvas, &|a| self.draw_shown(a, chart, s)))
    }

    /// The same chart as an SVG document.
    pub fn svg(&self, chart: &str, width: u32, height: u32) -> Result<String, JsError> {
        let s = self.held()?;
        svg_of(width, height, &|a| self.draw_shown(a, chart, s))
    }

    /// A merge chart of a rewound view says why it is not drawn (the merge report is the latest state's).
    /// With a run B held, A and B together (`SnapshotChart::draw_compared`).
    /// Rewound, spectrum-over-time shows the whole run with a cursor at the step.
    fn draw_shown(&self, area: &DrawingArea<PageBackend<'_>, Shift>, chart: &str, s: &Snapshot) -> Result<ChartReport, JsError> {
        let id = chart_id(chart)?;
        if let ChartId::Boundaries(task) = id {
            return self.draw_boundaries(area, task);
        }
        if let (ChartId::Snapshot(SnapshotChart::SpectrumOverTime), Some(_)) = (id, &self.view) {
            let latest = self.held_latest()?;
            let at = s.tasks.first().map_or(0.0, |t| s.x_of(&t.current));
            let a = crate::figures::spectrum_history_at(latest, 0, at);
            return match (self.compare.snapshot(), self.held_compare()) {
                (Some(b), Some(_)) => {
                    let labels = self.labels()?;
                    charts::draw_spectrum_strips_compared(area, &a, &crate::figures::spectrum_history_at(b, 0, at), labels)
                }
                _ => charts::draw_spectrum_strips(area, &a),
            }
            .map_err(err);
        }
        if let (ChartId::Snapshot(c), Some(b)) = (id, self.held_compare()) {
            return c.draw_compared(area, s, b, self.labels()?).map_err(|e| match e {
                DrawError::NoMerge if self.view.is_some() => JsError::new(&self.no_merge_text()),
                e => err(e),
            });
        }
        match (chart_id(chart)?, &self.view) {
            (ChartId::Snapshot(c), Some(_)) => c.draw(area, s).map_err(|e| match e {
                DrawError::NoMerge => JsError::new(&self.no_merge_text()),
                e => err(e),
            }),
            _ => draw_snapshot_chart(area, chart, s),
        }
    }

    /// The text alternative of snapshot chart `chart` at the state shown
    /// (`figures::alt_text`: one sentence with the numbers it shows now), for
    /// its canvas's `aria-label`.
    pub fn alt_text(&self, chart: &str) -> Result<String, JsError> {
        match chart_id(chart)? {
            ChartId::Snapshot(c) => Ok(match self.held_compare() {
                Some(b) => {
                    let l = self.labels()?;
                    let alt = crate::figures::alt_text::alt_text;
                    format!("{} — {}; {} — {}", l.a, alt(c, self.held()?), l.b, alt(c, b))
                }
                None => crate::figures::alt_text::alt_text(c, self.held()?),
            }),
            other => Err(JsError::new(&format!("chart `{other}` is not drawn from the snapshot"))),
        }
    }

    /// The step the time slider asked for, or None: the latest state is shown.
    pub(super) fn rewound_step(&self) -> Option<u64> {
        self.view.as_ref().map(|(step, _)| *step)
    }

    /// The snapshot shown: the rewound one, or the latest.
    fn held(&self) -> Result<&Snapshot, JsError> {
        match &self.view {
            Some((_, v)) => Ok(v),
            None => self.held_latest(),
        }
    }

    /// The latest snapshot (the whole run).
    fn held_latest(&self) -> Result<&Snapshot, JsError> {
        self.store.snapshot().ok_or_else(|| JsError::new("no snapshot yet"))
    }
}

/// `s` without its histories (JSON; `history` is each task's number of points).
pub(super) fn summary_of(s: &Snapshot) -> Result<String, JsError> {
    let summary: Snapshot<usize> = Snapshot {
        config: s.config.clone(),
        data_hash: s.data_hash.clone(),
        overlap: s.overlap.clone(),
        tasks: s
            .tasks
            .iter()
            .map(|t| TaskSnapshot {
                task: t.task.clone(),
                status: t.status.clone(),
                current: t.current.clone(),
                notes: t.notes.clone(),
                history: t.history.points.len(),
            })
            .collect(),
        merge: s.merge.clone(),
        claims: s.claims.clone(),
    };
    serde_json::to_string(&summary).map_err(err)
}

impl Default for ChartStore {
    fn default() -> Self {
        ChartStore::new()
    }
}

/// Draw chart `chart` onto `canvas` from a snapshot JSON (or, for
/// `boundaries_*`, that chart's data JSON). Returns the
/// chart's report JSON ({skipped: [...]}). Parses on every call: use
/// [`ChartData`] to draw several charts from one snapshot.
#[wasm_bindgen]
pub fn draw_chart(canvas: HtmlCanvasElement, chart: &str, json_text: &str) -> Result<String, JsError> {
    let parsed = parse_for(chart, json_text)?;
    draw_on_canvas(canvas, &|a| draw_parsed(a, chart, &parsed))
}

/// The same chart as an SVG document (for "download SVG").
#[wasm_bindgen]
pub fn chart_svg(chart: &str, json_text: &str, width: u32, height: u32) -> Result<String, JsError> {
    let parsed = parse_for(chart, json_text)?;
    svg_of(width, height, &|a| draw_parsed(a, chart, &parsed))
}
