//! The page's ChartStore side of a rewound view's replayed parts
//! ([`crate::live::replay`]): the merge report and decision boundaries at
//! the step shown, which the training worker replays on request. Until they
//! arrive, the merge charts and boundary panels say that the run is being
//! replayed to that step (and how far it is), never the latest state's.
//! The latest boundary panels are held here too, so every boundary card
//! draws from one place for whichever state is shown.

use super::backend::PageBackend;
use super::draw::ChartStore;
use super::err;
use crate::charts::{self, BoundaryData, ChartReport};
use crate::figures::registry::DrawError;
use crate::merge::MergeReport;
use plotters::coord::Shift;
use plotters::prelude::DrawingArea;
use wasm_bindgen::prelude::*;

/// What the page holds of the replay for the step shown.
#[derive(Default)]
pub(super) enum Replayed {
    /// Nothing asked for (live, or a run with nothing to replay).
    #[default]
    None,
    /// Asked for step `step`; the replay is at `at` (None: not heard from yet).
    Pending { step: u64, at: Option<u64> },
    /// The worker could not replay (the reason, in words).
    Failed { step: u64, why: String },
    /// [`super::Lab::replay_result`]: run A's merge report and boundary panels at `step`, and B's.
    Done(ReplayResult),
}

/// A run's merge report and boundary panels at the replayed step.
#[derive(serde::Deserialize)]
pub(super) struct ReplayedRun {
    merge: Option<MergeReport>,
    boundaries: Vec<Vec<BoundaryData>>,
}

/// [`super::Lab::replay_result`]'s JSON: {step, merge, boundaries, compare}.
#[derive(serde::Deserialize)]
pub(super) struct ReplayResult {
    step: u64,
    #[serde(flatten)]
    a: ReplayedRun,
    /// Run B's, with a comparison.
    #[serde(default)]
    compare: Option<ReplayedRun>,
}

/// Boundary panels as the worker sends them (JSON [[BoundaryData per panel] per planar task]); None when empty.
fn parse_panels(json: &str) -> Result<Option<Vec<Vec<BoundaryData>>>, JsError> {
    let sets: Vec<Vec<BoundaryData>> = serde_json::from_str(json).map_err(err)?;
    Ok((!sets.is_empty()).then_some(sets))
}

#[wasm_bindgen]
impl ChartStore {
    /// The recorded step whose merged nets and boundaries the page should ask the worker
    /// to replay, or undefined: live, a run with neither, or that step already held or asked for.
    pub fn replay_wanted(&self) -> Option<f64> {
        let step = self.shown()?;
        self.replayed_parts()?;
        match &self.replayed {
            Replayed::Pending { step: s, .. } | Replayed::Failed { step: s, .. } | Replayed::Done(ReplayResult { step: s, .. })
                if *s == step =>
            {
                None
            }
            _ => Some(step as f64),
        }
    }

    /// The worker is replaying toward `step` and is at `at` (negative: asked, not heard from yet).
    pub fn replay_pending(&mut self, step: f64, at: f64) {
        self.replayed = Replayed::Pending {
            step: step as u64,
            at: (at >= 0.0).then_some(at as u64),
        };
    }

    /// Whether the step shown still waits for its merged nets and boundaries (play-back
    /// waits for them before it moves on: every state it shows is whole).
    pub fn replay_waiting(&self) -> bool {
        self.replay_wanted().is_some() || matches!(self.replayed, Replayed::Pending { step, .. } if Some(step) == self.shown())
    }

    /// The worker could not replay toward `step`: `why`.
    pub fn replay_failed(&mut self, step: f64, why: &str) {
        self.replayed = Replayed::Failed {
            step: step as u64,
            why: why.to_string(),
        };
    }

    /// The replay's result ([`super::Lab::replay_result`]); the view at its step shows it.
    pub fn set_replayed(&mut self, json: &str) -> Result<(), JsError> {
        self.replayed = Replayed::Done(serde_json::from_str(json).map_err(err)?);
        self.attach_replayed();
        Ok(())
    }

    /// The latest state's boundary panels (JSON [[BoundaryData per panel] per planar task], `Lab::boundaries`).
    pub fn set_boundaries(&mut self, json: &str) -> Result<(), JsError> {
        self.boundaries = parse_panels(json)?;
        Ok(())
    }

    /// Run B's latest boundary panels (as [`ChartStore::set_boundaries`]), with a comparison.
    pub fn set_compare_boundaries(&mut self, json: &str) -> Result<(), JsError> {
        self.compare_boundaries = parse_panels(json)?;
        Ok(())
    }

    /// Whether boundary panels are held (the latest state's).
    pub fn has_boundaries(&self) -> bool {
        self.boundaries.is_some()
    }

    /// The step shown when rewound (the recorded step), else undefined.
    pub fn shown_step(&self) -> Option<f64> {
        self.shown().map(|s| s as f64)
    }

    /// What the merge tables say at a rewound step whose merge report has not arrived
    /// (undefined when live, or when there are no merged nets to show).
    pub fn merge_pending_note(&self) -> Option<String> {
        let shown = self.shown()?;
        self.store.snapshot()?.merge.as_ref()?;
        match &self.replayed {
            Replayed::Done(r) if r.step == shown => None,
            _ => Some(self.no_merge_text()),
        }
    }
}

impl ChartStore {
    /// The recorded step shown when rewound.
    fn shown(&self) -> Option<u64> {
        self.view.as_ref().and_then(|(_, v)| v.tasks.first()).map(|t| t.current.step)
    }

    /// The rewound view takes the replayed merge report when it is for its step.
    pub(super) fn attach_replayed(&mut self) {
        let Replayed::Done(r) = &self.replayed else {
            return;
        };
        if self.shown() != Some(r.step) {
            return;
        }
        if let Some((_, v)) = self.view.as_mut() {
            v.merge = r.a.merge.clone();
        }
        // Run B's view is at A's step (`rewind_to`).
        if let (Some(b), Some(rb)) = (self.compare_view.as_mut(), &r.compare) {
            b.merge = rb.merge.clone();
        }
    }

    /// What a rewound view needs trained again, in words (None: neither merged nets nor boundaries).
    fn replayed_parts(&self) -> Option<&'static str> {
        match (self.store.snapshot()?.merge.is_some(), self.boundaries.is_some()) {
            (true, true) => Some("Merged nets and decision boundaries"),
            (true, false) => Some("Merged nets"),
            (false, true) => Some("Decision boundaries"),
            (false, false) => None,
        }
    }

    /// Why the view at the step shown has no merged nets (yet): replaying, or why not.
    pub(super) fn not_replayed(&self) -> String {
        let shown = self.shown().unwrap_or(0);
        match &self.replayed {
            Replayed::Pending { step, at } if *step == shown => match at {
                Some(at) => {
                    format!("step {shown}: training the run again from its start to get the weights there (at step {at} of {shown})…")
                }
                None => format!("step {shown}: training the run again from its start to get the weights there…"),
            },
            Replayed::Failed { step, why } if *step == shown => format!("step {shown}: not shown, because {why}"),
            _ => format!("step {shown}: waiting for the run to be trained again to this step…"),
        }
    }

    /// Boundary chart `boundaries_<task>` (`task`: the planar task's index) for the state
    /// shown: the replayed panels when rewound, else the latest; with a run B, A's row over B's.
    pub(super) fn draw_boundaries(&self, area: &DrawingArea<PageBackend<'_>, Shift>, task: usize) -> Result<ChartReport, JsError> {
        let (sets, b_sets) = match (self.shown(), &self.replayed) {
            (None, _) => (
                self.boundaries.as_ref().ok_or_else(|| JsError::new("no decision boundaries yet"))?,
                self.compare_boundaries.as_ref(),
            ),
            (Some(shown), Replayed::Done(r)) if r.step == shown => (&r.a.boundaries, r.compare.as_ref().map(|c| &c.boundaries)),
            (Some(_), _) => return Err(JsError::new(&format!("Decision boundaries at {}", self.not_replayed()))),
        };
        let set = sets.get(task).ok_or_else(|| err(DrawError::NoPlanarTask))?;
        match self.held_compare() {
            Some(_) => {
                let b = b_sets.and_then(|s| s.get(task)).map(|v| v.as_slice());
                charts::draw_boundaries_compared(area, set, b, self.labels()?).map_err(err)
            }
            None => charts::draw_boundaries(area, set).map_err(err),
        }
    }

    /// The time slider's line on the replayed parts at the step shown (None: live, or a run with neither).
    pub(super) fn replay_note(&self) -> Option<String> {
        let shown = self.shown()?;
        let what = self.replayed_parts()?;
        Some(match &self.replayed {
            Replayed::Done(r) if r.step == shown => format!("{what} at step {shown}: the run trained again from its start to this step."),
            _ => format!("{what} at {}", self.not_replayed()),
        })
    }

    /// What a merge chart of a rewound view says while it has no merge report.
    pub(super) fn no_merge_text(&self) -> String {
        format!("Merged nets at {}", self.not_replayed())
    }
}
