//! Run B of a comparison ([`crate::config::compare`]), trained in the same
//! worker beside the Lab's run A: every `advance` moves both by the same
//! steps, a reset resets both, and a live λ or η change reaches B too unless
//! it is one of the keys B differs in (B keeps its own value of those). Its
//! snapshots go out as deltas of their own (`compare_delta`), applied to the
//! page's `ChartStore` beside A's.

use super::err;
use super::Lab;
use crate::config::compare::{compare, CompareText};
use crate::config::Config;
use crate::live::delta::DeltaEncoder;
use crate::run::Run;
use wasm_bindgen::prelude::*;

/// Run B, what it differs in, and what its last delta sent.
pub(super) struct CompareRun {
    pub(super) run: Run,
    deltas: DeltaEncoder,
    text: CompareText,
}

impl CompareRun {
    /// Whether B keeps its own value of dotted `key` (one of the keys it differs in).
    pub(super) fn owns(&self, key: &str) -> bool {
        self.text.keys.iter().any(|k| k == key)
    }
}

fn sets_of(sets_json: &str) -> Result<Vec<String>, JsError> {
    serde_json::from_str(sets_json).map_err(|e| JsError::new(&format!("compare: expected a JSON array of \"key=value\" texts: {e}")))
}

#[wasm_bindgen]
impl Lab {
    /// Train run B beside A: A's config as started with `sets_json` (a JSON array
    /// of `key=value`) applied, checked by [`compare`] (refused with the reason).
    /// A goes back to its initial weights, so both start at step 0 together.
    /// Returns [`CompareText`] JSON {keys, a, b}.
    pub fn set_compare(&mut self, sets_json: &str) -> Result<String, JsError> {
        let sets = sets_of(sets_json)?;
        let a: Config = self.run.config().config().clone();
        let compared = compare(&a, &sets, |c| c.validate()).map_err(err)?;
        // The workers' builds fetch the digits' coding: refuse a digits B until it is there.
        #[cfg(all(web_worker, not(web_page)))]
        super::digits::require(compared.b.config())?;
        // Free the old B before allocating the new one.
        self.compare = None;
        let mut run = Run::new(&compared.b);
        run.set_span_steps(true);
        self.run.reset();
        self.deltas.reset();
        let text = serde_json::to_string(&compared.text).map_err(err)?;
        self.compare = Some(CompareRun {
            run,
            deltas: DeltaEncoder::new(),
            text: compared.text,
        });
        Ok(text)
    }

    /// Stop training run B (A goes on as it is).
    pub fn clear_compare(&mut self) {
        self.compare = None;
        self.replay_b = None;
    }

    /// Run B's decision-boundary panels (as [`Lab::boundaries`]; undefined without a run B).
    pub fn compare_boundaries(&mut self) -> Result<Option<String>, JsError> {
        match self.compare.as_mut() {
            Some(c) => serde_json::to_string(&crate::figures::boundary_panels(&c.run.synced()))
                .map(Some)
                .map_err(err),
            None => Ok(None),
        }
    }

    /// What B differs in ([`CompareText`] JSON), or undefined without a run B.
    pub fn compare_text(&self) -> Option<String> {
        self.compare.as_ref().and_then(|c| serde_json::to_string(&c.text).ok())
    }

    /// Run B's snapshot as a delta (as [`Lab::snapshot_delta`]), or undefined without a run B.
    pub fn compare_delta(&mut self, full: bool) -> Result<Option<String>, JsError> {
        let Some(c) = self.compare.as_mut() else {
            return Ok(None);
        };
        let d = c.deltas.encode(&c.run.synced(), full);
        serde_json::to_string(&d).map(Some).map_err(err)
    }

    /// The next [`Lab::compare_delta`] is full (the page could not apply one).
    pub fn resync_compare(&mut self) {
        if let Some(c) = self.compare.as_mut() {
            c.deltas.reset();
        }
    }

    /// Run B's full state (as [`Lab::export_state`]), or undefined without a run B.
    pub fn export_compare_state(&mut self) -> Result<Option<String>, JsError> {
        let Some(c) = self.compare.as_mut() else {
            return Ok(None);
        };
        serde_json::to_string(&c.run.synced().state()).map(Some).map_err(err)
    }

    /// Run B again from a state [`Lab::export_compare_state`] wrote, differing from A in
    /// `sets_json` (as given to [`Lab::set_compare`]); refused, with the reason, if the
    /// state is not at A's step or its config is not A's with those keys changed.
    pub fn restore_compare(&mut self, sets_json: &str, state_json: &str) -> Result<String, JsError> {
        let sets = sets_of(sets_json)?;
        let state = crate::run::RunState::from_json(state_json).map_err(|e| JsError::new(&e.to_string()))?;
        let a: Config = self.run.config().config().clone();
        let compared = compare(&a, &sets, |c| c.validate()).map_err(err)?;
        let changed = crate::config::change::config_change(compared.b.config(), &state.config);
        // λ and η may have changed live since B started (A's changes reach B unless B owns the key).
        if changed.kind == crate::config::change::ChangeKind::Restart {
            return Err(JsError::new(&format!(
                "compare: run B's saved state is another run's (it differs from A with {} in {})",
                sets.join(", "),
                changed.keys.join(", ")
            )));
        }
        let run = Run::from_state(state, crate::config::BROWSER_MEMORY_BUDGET).map_err(|e| JsError::new(&e.to_string()))?;
        let (sa, sb) = (self.run.progress().step, run.progress().step);
        if sa != sb {
            return Err(JsError::new(&format!(
                "compare: run B's saved state is at step {sb}, run A at step {sa}"
            )));
        }
        let text = serde_json::to_string(&compared.text).map_err(err)?;
        let mut run = run;
        run.set_span_steps(true);
        self.compare = Some(CompareRun {
            run,
            deltas: DeltaEncoder::new(),
            text: compared.text,
        });
        Ok(text)
    }
}
