//! The analysis worker's [`Analyst`]: snapshots of a [`super::Lab`]'s
//! trainer states, taken on the other core.

use super::config::parse;
use super::err;
use crate::config::ValidConfig;
use crate::live::delta::DeltaEncoder;
use crate::run::Snapshot;
use wasm_bindgen::prelude::*;

/// The page's analysis worker: snapshots of [`Lab::live_state`], taken off the
/// training worker (on the other core), equal to what [`Lab::snapshot`] would give.
#[wasm_bindgen]
pub struct Analyst {
    inner: crate::live::analyst::Analyst,
    deltas: DeltaEncoder,
    /// The config text of the last call and its checked config: a run's live
    /// states all carry the same text (until λ or η is changed live), so it
    /// is parsed and validated once, not with every state.
    bound: Option<(String, ValidConfig)>,
}

#[wasm_bindgen]
impl Analyst {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Analyst {
        Analyst {
            inner: crate::live::analyst::Analyst::new(),
            deltas: DeltaEncoder::new(),
            bound: None,
        }
    }

    /// The snapshot JSON (as [`Lab::snapshot`]) of the run in `meta` and `data` (a
    /// [`LiveState`]'s parts), trained with `config_json` ([`Lab::config_json`]); refuses
    /// states that do not parse or do not fit the config.
    pub fn snapshot(&mut self, config_json: &str, meta: &str, data: &[f64]) -> Result<String, JsError> {
        serde_json::to_string(&self.take(config_json, meta, data)?).map_err(err)
    }

    /// The same snapshot as a [`SnapshotDelta`] JSON against the deltas this
    /// analyst sent before (see [`Lab::snapshot_delta`]).
    pub fn snapshot_delta(&mut self, config_json: &str, meta: &str, data: &[f64]) -> Result<String, JsError> {
        let snap = self.take(config_json, meta, data)?;
        serde_json::to_string(&self.deltas.encode_snapshot(snap, false)).map_err(err)
    }

    /// The next [`Analyst::snapshot_delta`] is full (the page could not apply one).
    pub fn resync_deltas(&mut self) {
        self.deltas.reset();
    }

    fn take(&mut self, config_json: &str, meta: &str, data: &[f64]) -> Result<Snapshot, JsError> {
        if self.bound.as_ref().is_none_or(|(text, _)| text != config_json) {
            self.bound = Some((config_json.to_string(), parse(config_json)?));
        }
        let Some((_, cfg)) = self.bound.as_ref() else {
            unreachable!("bound just above")
        };
        self.inner.snapshot(cfg, meta, data).map_err(|e| JsError::new(&e.to_string()))
    }
}

impl Default for Analyst {
    fn default() -> Self {
        Analyst::new()
    }
}
