//! The training worker's [`Lab`]: one run, advanced in small budgets, with
//! its snapshots (whole or as deltas), state export and import, and the
//! trainers' states for the analysis worker ([`LiveState`]).

use super::config::parse;
use super::err;
use crate::io::npy;
use crate::live::delta::DeltaEncoder;
use crate::merge::NetId;
use crate::run::summary;
use crate::run::Run;
use crate::{data, figures};
use serde_json::json;
use wasm_bindgen::prelude::*;

/// One run: K trainers and their data. Lives in the Web Worker.
#[wasm_bindgen]
pub struct Lab {
    pub(super) run: Run,
    /// What [`Lab::snapshot_delta`] sent last.
    pub(super) deltas: DeltaEncoder,
    /// Run B of a comparison, trained beside this run (`lab_compare.rs`).
    pub(super) compare: Option<super::lab_compare::CompareRun>,
    /// This run trained again toward a rewound step (`lab_rewind.rs`).
    pub(super) replay: Option<crate::live::replay::Replay>,
    /// Run B of a comparison trained again toward the same step.
    pub(super) replay_b: Option<crate::live::replay::Replay>,
}

#[wasm_bindgen]
impl Lab {
    /// Validate `config_json` and initialise the run (refused before allocation if invalid).
    #[wasm_bindgen(constructor)]
    /// GD runs in span steps where they pay (`Trainer::set_span_steps`), as the CLI's do.
    pub fn new(config_json: &str) -> Result<Lab, JsError> {
        let mut run = Run::new(&parse(config_json)?);
        run.set_span_steps(true);
        Ok(Lab {
            run,
            deltas: DeltaEncoder::new(),
            compare: None,
            replay: None,
            replay_b: None,
        })
    }

    /// Advance every task by at most `max_steps`; returns a small progress JSON
    /// {step, time, running, status: [..]} (cheap: no spectra). Layer 1's
    /// matrices are written out of span coordinates only when something reads
    /// them (the worker advances a wide net one step per call).
    /// With a run B (`set_compare`), B advances by the same steps.
    pub fn advance(&mut self, max_steps: u32) -> Result<String, JsError> {
        self.run.advance_deferred(max_steps as u64);
        if let Some(c) = self.compare.as_mut() {
            c.run.advance_deferred(max_steps as u64);
        }
        self.progress()
    }

    /// [`crate::run::Progress`] as JSON: {step, time, running, total_steps, total_time,
    /// optimizer, tasks: [names], status: [per task]}; A's, except that `running`
    /// stays true while a run B can still advance.
    pub fn progress(&self) -> Result<String, JsError> {
        let mut p = self.run.progress();
        if let Some(c) = &self.compare {
            p.running |= c.run.progress().running;
        }
        serde_json::to_string(&p).map_err(err)
    }

    /// The full snapshot (config, data hash, overlap, per-task metrics and history, merge report).
    pub fn snapshot(&mut self) -> Result<String, JsError> {
        serde_json::to_string(&self.run.synced().snapshot()).map_err(err)
    }

    /// The snapshot as a [`SnapshotDelta`] JSON: the histories hold only the points
    /// added since the last delta (all of them if `full`, after a decimation, a
    /// reset or a rollback). The page's [`ChartStore`] applies it.
    pub fn snapshot_delta(&mut self, full: bool) -> Result<String, JsError> {
        serde_json::to_string(&self.deltas.encode(&self.run.synced(), full)).map_err(err)
    }

    /// The next [`Lab::snapshot_delta`] is full (the page could not apply one).
    pub fn resync_deltas(&mut self) {
        self.deltas.reset();
    }

    /// Stationarity residual of task a (cheap: no SVD), for the gauge.
    pub fn stationarity(&mut self) -> f64 {
        self.run.synced().trainers()[0].stationarity()
    }

    /// The gauge's reading of task a as JSON {"value": ρ or null, "note": null or
    /// why ρ is not shown (`notes::ROUNDING_LEVEL`)}.
    pub fn stationarity_gauge(&mut self) -> String {
        let (v, rounding) = self.run.synced().trainers()[0].stationarity_checked();
        json!({"value": if rounding { None } else { Some(v) }, "note": rounding.then_some(crate::run::notes::ROUNDING_LEVEL)}).to_string()
    }

    /// The `final` object (same as the CLI's `run --json`).
    pub fn final_summary(&mut self) -> Result<String, JsError> {
        serde_json::to_string(&summary::final_summary(&self.run.synced())).map_err(err)
    }

    /// Change λ without resetting.
    /// A run B takes it too unless λ is what it differs in.
    pub fn set_lambda(&mut self, lambda: f64) -> Result<(), JsError> {
        self.run.set_lambda(lambda).map_err(err)?;
        match self.compare.as_mut() {
            Some(c) if !c.owns("train.lambda") => c.run.set_lambda(lambda).map_err(err),
            _ => Ok(()),
        }
    }

    /// Change η without resetting; a run B takes it too unless η is what it differs in.
    pub fn set_lr(&mut self, lr: f64) -> Result<(), JsError> {
        self.run.set_lr(lr).map_err(err)?;
        match self.compare.as_mut() {
            Some(c) if !c.owns("train.lr") => c.run.set_lr(lr).map_err(err),
            _ => Ok(()),
        }
    }

    /// Back to the same initial weights (a run B too).
    pub fn reset(&mut self) {
        self.run.reset();
        if let Some(c) = self.compare.as_mut() {
            c.run.reset();
        }
    }

    /// Decision-boundary data for planar tasks: JSON [[BoundaryData per panel] per task]
    /// (empty otherwise; [`figures::boundary_panels`], as the CLI's bundle).
    pub fn boundaries(&mut self) -> Result<String, JsError> {
        serde_json::to_string(&figures::boundary_panels(&self.run.synced())).map_err(err)
    }

    /// Weights of net `net` ("a", "b", …, or a merge name) layer `layer` (1-based) as .npy bytes.
    pub fn weights_npy(&mut self, net: &str, layer: usize) -> Result<Vec<u8>, JsError> {
        let run = self.run.synced();
        let id = NetId::parse(net, run.trainers().len()).ok_or_else(|| JsError::new(&format!("no net named `{net}`")))?;
        let chosen = match id {
            NetId::Task(i) => run.trainers()[i].net().clone(),
            NetId::Merged(m) => run
                .merged_nets()
                .into_iter()
                .find(|(method, _)| *method == m)
                .map(|(_, n)| n)
                .ok_or_else(|| JsError::new(&format!("no net named `{net}`: this run does not merge by {net}")))?,
        };
        let w = chosen
            .params
            .w
            .get(layer.wrapping_sub(1))
            .ok_or_else(|| JsError::new(&format!("layer must be in [1, {}], got {layer}", chosen.depth())))?;
        npy::to_bytes(w).map_err(err)
    }

    /// The run's full state as JSON (config, weights, RNG and integrator state, history);
    /// floats are written so they read back exactly. See [`Lab::from_state`].
    pub fn export_state(&mut self) -> Result<String, JsError> {
        serde_json::to_string(&self.run.synced().state()).map_err(err)
    }

    /// A run restored from [`Lab::export_state`] output; continuing it gives the same
    /// numbers as the run that was exported. Refuses (with the reason) a state that does
    /// not match its config, and configs above the browser memory budget.
    pub fn from_state(state_json: &str) -> Result<Lab, JsError> {
        let state = crate::run::RunState::from_json(state_json).map_err(|e| JsError::new(&e.to_string()))?;
        #[cfg(all(web_worker, not(web_page)))]
        super::digits::require(&state.config)?;
        let mut run = Run::from_state(state, crate::config::BROWSER_MEMORY_BUDGET).map_err(|e| JsError::new(&e.to_string()))?;
        // A state saved with span coordinates continues in them bit for bit; an older one starts them here.
        run.set_span_steps(true);
        Ok(Lab {
            run,
            deltas: DeltaEncoder::new(),
            compare: None,
            replay: None,
            replay_b: None,
        })
    }

    /// Every trainer's state for the analysis worker ([`Analyst`]), without writing layer 1
    /// out of span coordinates first (`live::encode`: JSON without the matrices, and the
    /// matrices as raw f64; a few ms for W3).
    pub fn live_state(&self) -> Result<LiveState, JsError> {
        crate::live::analyst::encode(&self.run)
            .map(|inner| LiveState { inner })
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// The run's config JSON (normalised; λ and η as last set).
    pub fn config_json(&self) -> String {
        self.run.config().config().to_json()
    }

    /// What reproduces this run (`Run::record`): `{config, reproducible, note}`, the
    /// config as started with every live λ/η change in `train.schedule` (for the link).
    pub fn record_json(&self) -> String {
        serde_json::to_string(self.run.record()).unwrap_or_default()
    }

    /// Take `record_json` (a [`Lab::record_json`] the page kept with the exported state this
    /// Lab was restored from) as this run's record, so its link still reproduces the run
    /// (`Run::adopt_record`: refused, with the reason, if its config is another run's).
    pub fn adopt_record(&mut self, record_json: &str) -> Result<(), JsError> {
        let record: crate::run::RunRecord = serde_json::from_str(record_json).map_err(err)?;
        self.run.adopt_record(record).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Number of layers L.
    pub fn depth(&self) -> usize {
        self.run.trainers()[0].initial_net().depth()
    }
}

/// [`Lab::live_state`]'s two parts.
#[wasm_bindgen]
pub struct LiveState {
    inner: crate::live::analyst::LiveState,
}

#[wasm_bindgen]
impl LiveState {
    /// The states without their matrices (JSON).
    pub fn meta(&self) -> String {
        self.inner.meta.clone()
    }

    /// The matrices (a Float64Array; taken out, so a second call returns an empty array).
    pub fn take_data(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.inner.data)
    }
}

/// SHA-256 of the data a config generates (the same value natively and in
/// wasm). In the workers' modules only: it generates the data (the digits
/// included), which the page's module does not carry.
#[wasm_bindgen]
pub fn data_hash(config_json: &str) -> Result<String, JsError> {
    Ok(data::data_hash(&data::generate(&parse(config_json)?)))
}
