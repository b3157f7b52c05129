//! The chart registry: every chart of the lab, once. [`ChartId`] names a
//! chart (parsed from and displayed as the key the page, the CLI's file names
//! and the tests use), says what it draws from ([`Source`]) and draws it with
//! `draw<DB>` on any plotters backend, so the page's canvases, its SVG
//! downloads, the CLI's SVG bundle and the tests all go through the same
//! function. The page builds its snapshot charts' cards from [`cards`].
//!
//! Adding a snapshot chart: its file in `src/charts` (data, `x_data(snapshot)`,
//! `draw_x<DB>`), then one entry in `snapshot_charts!` below (README, "Adding
//! a chart").

use super::{alignment_data, alignment_gap_data, loss_data, merge_bars, merge_path_data, norms_data, spectrum_data, spectrum_history};
use crate::charts::{self, BoundaryData, ChartError, ChartReport};
use crate::merge::MergeReport;
use crate::run::Snapshot;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use serde::Serialize;

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("unknown chart `{0}`")]
    Unknown(String),
    #[error("this run has one task: nothing merged")]
    NoMerge,
    #[error("no planar task to draw")]
    NoPlanarTask,
    #[error("chart `{0}` draws from {1}, not from {2}")]
    WrongInput(ChartId, &'static str, &'static str),
}

/// Where a snapshot chart's card sits on the page: the charts grid, or the merge panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Charts,
    Merge,
}

/// What the page needs to build a chart's card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChartCard {
    /// The chart's key ([`ChartId`]'s display form), e.g. "loss".
    pub key: String,
    /// The card's caption, HTML (a constant of this file: `<sub>` only).
    pub caption: String,
    pub place: Place,
    /// Extra CSS class of the card: "", "span2" (two columns) or "tall".
    pub class: &'static str,
    /// The page's `data-when` rule (e.g. "data.tasks>1"), if the card is shown only for some configs.
    pub when: Option<&'static str>,
    /// "What am I looking at?" (snapshot charts; none for the boundary panels, whose caption says it).
    pub explain: Option<super::explain::Explanation>,
}

fn merged(s: &Snapshot) -> Result<&MergeReport, DrawError> {
    s.merge.as_ref().ok_or(DrawError::NoMerge)
}

/// One entry per snapshot chart, in page order:
/// `Variant = "key", place, "class", when, (svg width, svg height), "caption",
///  bundle: |s| whether the CLI writes it for snapshot s,
///  draw: |area, s| chart function on data from s;`
macro_rules! snapshot_charts {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $key:literal, $place:ident, $class:literal, $when:expr, ($w:literal, $h:literal), $caption:literal,
        bundle: |$bs:ident| $bundle:expr,
        draw: |$a:ident, $s:ident| $draw:expr;
    )*) => {
        /// A chart drawn from a run's snapshot.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum SnapshotChart {
            $($(#[doc = $doc])* $variant,)*
        }

        impl SnapshotChart {
            /// Every snapshot chart, in page order.
            pub const ALL: &'static [SnapshotChart] = &[$(SnapshotChart::$variant,)*];

            /// The key ("loss", "spectrum_over_time", …).
            pub fn key(self) -> &'static str {
                match self { $(SnapshotChart::$variant => $key,)* }
            }

            /// Its card on the page.
            pub fn card(self) -> ChartCard {
                match self {
                    $(SnapshotChart::$variant => ChartCard {
                        key: $key.to_string(),
                        caption: $caption.to_string(),
                        place: Place::$place,
                        class: $class,
                        when: $when,
                        explain: Some(super::explain::explain(SnapshotChart::$variant)),
                    },)*
                }
            }

            /// Size (width, height) of its SVG in the CLI's bundle.
            pub fn svg_size(self) -> (u32, u32) {
                match self { $(SnapshotChart::$variant => ($w, $h),)* }
            }

            /// Whether the CLI's bundle has this chart for `s` (a merge chart
            /// needs two tasks; the balance chart two consecutive trained layers).
            pub fn in_bundle(self, s: &Snapshot) -> bool {
                match self { $(SnapshotChart::$variant => { let $bs = s; $bundle })* }
            }

            /// Draw the chart of `s` (task a for per-task charts) on `area`.
            pub fn draw<DB: DrawingBackend>(self, area: &DrawingArea<DB, Shift>, s: &Snapshot) -> Result<ChartReport, DrawError> {
                match self { $(SnapshotChart::$variant => { let $a = area; let $s = s; Ok($draw?) })* }
            }
        }
    };
}

snapshot_charts! {
    Loss = "loss", Charts, "", None, (900, 540), "Loss L and objective F = L + (λ/2)‖θ‖²",
        bundle: |_s| true,
        draw: |a, s| charts::draw_loss(a, &loss_data(s));
    Spectrum = "spectrum", Charts, "", None, (900, 540), "Singular values of each layer",
        bundle: |_s| true,
        draw: |a, s| charts::draw_spectrum(a, &spectrum_data(s, 0));
    SpectrumOverTime = "spectrum_over_time", Charts, "span2", None, (900, 540), "Spectrum over time",
        bundle: |_s| true,
        draw: |a, s| charts::draw_spectrum_strips(a, &spectrum_history(s, 0));
    Norms = "norms", Charts, "", None, (900, 540), "Layer norms ‖W<sub>k</sub>‖<sub>F</sub>",
        bundle: |_s| true,
        draw: |a, s| charts::draw_norms(a, &norms_data(s, 0).0);
    OutsideSpan = "outside_span", Charts, "", None, (900, 540), "W<sub>1</sub>'s part outside span(X)",
        bundle: |_s| true,
        draw: |a, s| charts::draw_outside_span(a, &charts::outside_span_data(s, 0));
    Alignment = "alignment", Charts, "tall", None, (900, 1080), "Alignment cos(W<sub>k</sub>, −∇L) and stationarity",
        bundle: |_s| true,
        draw: |a, s| { let (al, st) = alignment_data(s, 0); charts::draw_alignment_panels(a, &al, &st) };
    AlignmentGap = "alignment_gap", Charts, "", None, (900, 540), "Alignment gap 1 − cos(W<sub>k</sub>, −∇L), log scale",
        bundle: |_s| true,
        draw: |a, s| charts::draw_alignment_gap(a, &alignment_gap_data(s, 0));
    Balance = "balance", Charts, "", None, (900, 540), "Balance ‖W<sub>k+1</sub>ᵀW<sub>k+1</sub> − W<sub>k</sub>W<sub>k</sub>ᵀ‖",
        bundle: |s| !norms_data(s, 0).1.series.is_empty(),
        draw: |a, s| charts::draw_balance(a, &norms_data(s, 0).1);
    NormIdentity = "norm_identity", Charts, "", None, (900, 540), "Norm identity λ‖W<sub>k</sub>‖² and (1/n)Σ(−ℓ′)yf",
        bundle: |_s| true,
        draw: |a, s| charts::draw_norm_identity(a, &charts::norm_identity_data(s, 0));
    MergeAccuracy = "merge_accuracy", Charts, "", Some("data.tasks>1"), (900, 540), "Merged nets: accuracy per task",
        bundle: |s| s.merge.is_some(),
        draw: |a, s| charts::draw_merge_bars(a, &merge_bars(merged(s)?, "accuracy"));
    MergeLoss = "merge_loss", Charts, "", Some("data.tasks>1"), (900, 540), "Merged nets: loss per task",
        bundle: |s| s.merge.is_some(),
        draw: |a, s| charts::draw_merge_bars(a, &merge_bars(merged(s)?, "loss"));
    MergePath = "merge_path", Merge, "", None, (900, 540), "Interference paths from net a",
        bundle: |s| s.merge.is_some(),
        draw: |a, s| charts::draw_sweep(a, &merge_path_data(merged(s)?));
}

impl SnapshotChart {
    /// Draw the chart of runs `a` and `b` together (the page's Compare; task a
    /// of each for per-task charts): line charts overlaid, A solid and B dashed,
    /// the legend naming both with `labels`; spectrum-over-time and the merge bars
    /// side by side. A merge chart needs a merge report in at least one run.
    pub fn draw_compared<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
        a: &Snapshot,
        b: &Snapshot,
        labels: &charts::CompareLabels,
    ) -> Result<ChartReport, DrawError> {
        use SnapshotChart as C;
        let l = labels;
        Ok(match self {
            C::Loss => charts::draw_loss_compared(area, &loss_data(a), &loss_data(b), l)?,
            C::Spectrum => charts::draw_spectrum_compared(area, &spectrum_data(a, 0), &spectrum_data(b, 0), l)?,
            C::SpectrumOverTime => charts::draw_spectrum_strips_compared(area, &spectrum_history(a, 0), &spectrum_history(b, 0), l)?,
            C::Norms => charts::draw_norms_compared(area, &norms_data(a, 0).0, &norms_data(b, 0).0, l)?,
            C::OutsideSpan => {
                charts::draw_outside_span_compared(area, &charts::outside_span_data(a, 0), &charts::outside_span_data(b, 0), l)?
            }
            C::Alignment => {
                let (aa, sa) = alignment_data(a, 0);
                let (ab, sb) = alignment_data(b, 0);
                charts::draw_alignment_panels_compared(area, (&aa, &sa), (&ab, &sb), l)?
            }
            C::AlignmentGap => charts::draw_alignment_gap_compared(area, &alignment_gap_data(a, 0), &alignment_gap_data(b, 0), l)?,
            C::Balance => charts::draw_balance_compared(area, &norms_data(a, 0).1, &norms_data(b, 0).1, l)?,
            C::NormIdentity => {
                charts::draw_norm_identity_compared(area, &charts::norm_identity_data(a, 0), &charts::norm_identity_data(b, 0), l)?
            }
            C::MergeAccuracy | C::MergeLoss => {
                let metric = if self == C::MergeAccuracy { "accuracy" } else { "loss" };
                if a.merge.is_none() && b.merge.is_none() {
                    return Err(DrawError::NoMerge);
                }
                let (ba, bb) = (
                    a.merge.as_ref().map(|r| merge_bars(r, metric)),
                    b.merge.as_ref().map(|r| merge_bars(r, metric)),
                );
                charts::draw_merge_bars_compared(area, ba.as_ref(), bb.as_ref(), l)?
            }
            C::MergePath => match (&a.merge, &b.merge) {
                (Some(ra), Some(rb)) => charts::draw_sweep_compared(area, &merge_path_data(ra), &merge_path_data(rb), l)?,
                (Some(_), None) => self.draw(area, a)?,
                (None, Some(_)) => self.draw(area, b)?,
                (None, None) => return Err(DrawError::NoMerge),
            },
        })
    }
}

/// Every snapshot chart's card, in page order.
pub fn cards() -> Vec<ChartCard> {
    SnapshotChart::ALL.iter().map(|c| c.card()).collect()
}

/// The card of the decision-boundary chart of task `task` (index) in a run of `tasks` tasks.
pub fn boundary_card(task: usize, tasks: usize) -> ChartCard {
    let t = crate::data::task_name(task);
    ChartCard {
        key: ChartId::Boundaries(task).to_string(),
        caption: format!(
            "Decision boundaries on task {t}'s plane (net {t}{})",
            if tasks > 1 { ", other nets and merges" } else { "" }
        ),
        place: Place::Charts,
        class: "boundary",
        when: None,
        explain: None,
    }
}

/// What a chart draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A run's [`Snapshot`].
    Snapshot,
    /// Decision-boundary panels per planar task ([`super::boundary_panels`]).
    Boundaries,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Snapshot => "a snapshot",
            Source::Boundaries => "boundary panels",
        }
    }
}

/// A chart's input, parsed once and drawn into any number of charts of its [`Source`].
pub enum ChartInput {
    Snapshot(Box<Snapshot>),
    Boundaries(Vec<Vec<BoundaryData>>),
}

impl ChartInput {
    pub fn source(&self) -> Source {
        match self {
            ChartInput::Snapshot(_) => Source::Snapshot,
            ChartInput::Boundaries(_) => Source::Boundaries,
        }
    }
}

/// Every chart of the lab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartId {
    /// A chart of a run's snapshot.
    Snapshot(SnapshotChart),
    /// Decision boundaries on planar task `i`'s plane ("boundaries_a", …).
    Boundaries(usize),
}

const BOUNDARIES: &str = "boundaries_";

impl ChartId {
    /// What the chart draws from.
    pub fn source(self) -> Source {
        match self {
            ChartId::Snapshot(_) => Source::Snapshot,
            ChartId::Boundaries(_) => Source::Boundaries,
        }
    }

    /// Draw the chart from `input` (which must be of its [`ChartId::source`]).
    pub fn draw<DB: DrawingBackend>(self, area: &DrawingArea<DB, Shift>, input: &ChartInput) -> Result<ChartReport, DrawError> {
        match (self, input) {
            (ChartId::Snapshot(c), ChartInput::Snapshot(s)) => c.draw(area, s),
            (ChartId::Boundaries(i), ChartInput::Boundaries(sets)) => {
                let set = sets.get(i).ok_or(DrawError::NoPlanarTask)?;
                Ok(charts::draw_boundaries(area, set)?)
            }
            (id, input) => Err(DrawError::WrongInput(id, id.source().name(), input.source().name())),
        }
    }
}

impl std::fmt::Display for ChartId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChartId::Snapshot(c) => f.write_str(c.key()),
            ChartId::Boundaries(i) => write!(f, "{BOUNDARIES}{}", crate::data::task_name(*i)),
        }
    }
}

impl std::str::FromStr for ChartId {
    type Err = DrawError;

    /// The chart whose key is `key` ([`ChartId`]'s display form).
    fn from_str(key: &str) -> Result<ChartId, DrawError> {
        if let Some(c) = SnapshotChart::ALL.iter().find(|c| c.key() == key) {
            return Ok(ChartId::Snapshot(*c));
        }
        key.strip_prefix(BOUNDARIES)
            .and_then(task_index)
            .map(ChartId::Boundaries)
            .ok_or_else(|| DrawError::Unknown(key.to_string()))
    }
}

/// The index of the task named `name` (`data::task_name`'s inverse: "a" → 0, "b1" → 27).
fn task_index(name: &str) -> Option<usize> {
    let first = *name.as_bytes().first()?;
    if !first.is_ascii_lowercase() {
        return None;
    }
    let rest = &name[1..];
    let round: usize = if rest.is_empty() { 0 } else { rest.parse().ok()? };
    let i = round.checked_mul(26)?.checked_add((first - b'a') as usize)?;
    (crate::data::task_name(i) == name).then_some(i)
}
