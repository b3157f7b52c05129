//! The page's run B of a comparison (`Lab::set_compare`): its snapshot, held
//! beside run A's in the [`ChartStore`] and updated by its own deltas, so
//! every snapshot chart draws A and B together (`SnapshotChart::draw_compared`)
//! and the Now table shows both. A rewound view shows B at A's step.

use super::draw::ChartStore;
use super::err;
use crate::live::delta::SnapshotDelta;
use crate::run::Snapshot;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl ChartStore {
    /// Apply a delta of run B ([`crate::web::Lab::compare_delta`]); throws, keeping
    /// the held B, if it does not continue B's histories (a full one must follow).
    pub fn apply_compare(&mut self, delta_json: &str) -> Result<(), JsError> {
        let d: SnapshotDelta = serde_json::from_str(delta_json).map_err(err)?;
        self.compare.apply(d).map_err(|e| JsError::new(&e.to_string()))?;
        self.refresh_labels();
        if let Some(step) = self.rewound_step() {
            self.rewind_to(step);
        }
        Ok(())
    }

    /// Forget run B (the charts show A alone).
    pub fn clear_compare(&mut self) {
        self.compare.clear();
        self.compare_view = None;
        self.compare_labels = None;
        self.compare_boundaries = None;
    }

    /// Whether a run B is held.
    pub fn has_compare(&self) -> bool {
        self.compare.snapshot().is_some()
    }

    /// Run B's summary at the state shown (as `shown_summary_json`), or undefined without a B.
    pub fn compare_summary_json(&self) -> Result<Option<String>, JsError> {
        self.held_compare().map(super::draw::summary_of).transpose()
    }

    /// What differs between A and B as they are now (JSON `config::compare::CompareText`
    /// {keys, a, b}), or undefined without a B.
    pub fn compare_text_json(&self) -> Result<Option<String>, JsError> {
        let (Some(a), Some(b)) = (self.store.snapshot(), self.compare.snapshot()) else {
            return Ok(None);
        };
        serde_json::to_string(&crate::config::compare::texts(&a.config, &b.config))
            .map(Some)
            .map_err(err)
    }
}

impl ChartStore {
    /// Recompute what differs between A and B (after either's delta: a live λ change alters A).
    pub(super) fn refresh_labels(&mut self) {
        self.compare_labels = match (self.store.snapshot(), self.compare.snapshot()) {
            (Some(a), Some(b)) => {
                let t = crate::config::compare::texts(&a.config, &b.config);
                Some(crate::charts::CompareLabels { a: t.a, b: t.b })
            }
            _ => None,
        };
    }

    /// The held labels (a run B is held whenever they are asked for).
    pub(super) fn labels(&self) -> Result<&crate::charts::CompareLabels, JsError> {
        self.compare_labels.as_ref().ok_or_else(|| JsError::new("no run B held"))
    }

    /// Run B as shown: at the rewound step, else its latest state.
    pub(super) fn held_compare(&self) -> Option<&Snapshot> {
        if self.rewound_step().is_some() {
            self.compare_view.as_ref()
        } else {
            self.compare.snapshot()
        }
    }
}
