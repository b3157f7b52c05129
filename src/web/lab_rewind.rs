//! The Lab's replay for the page's time slider ([`crate::live::replay`]):
//! when the page shows an earlier recorded step, the merge report and the
//! decision boundaries there come from training this run again from its
//! record, in budgets the worker interleaves with its other work. One replay
//! is kept: play-back moves it forward step by step; a step before it starts
//! a new one; a change of the record (a live λ or η change, a reset) too.

use super::err;
use super::Lab;
use crate::config::BROWSER_MEMORY_BUDGET;
use crate::live::replay::Replay;
use serde_json::json;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Lab {
    /// Whether rewinding this run needs a replay: it has merged nets (K ≥ 2) or planar tasks'
    /// decision boundaries; the rest of a rewound view comes from the history.
    pub fn replay_needed(&self) -> bool {
        self.run.trainers().len() >= 2 || self.run.data().tasks.iter().any(|t| t.planar.is_some())
    }

    /// Aim the replay at recorded step `step`, starting a new one when the kept one cannot
    /// get there (it is past the step, or replays an older record). Refused, with the reason
    /// in words, when the run cannot be replayed (an imported state) or a second copy of it
    /// would pass the page's memory budget.
    pub fn replay_aim(&mut self, step: f64) -> Result<(), JsError> {
        if !step.is_finite() || step < 0.0 || step.fract() != 0.0 {
            return Err(JsError::new(&format!("replay: step must be a whole number ≥ 0, got {step}")));
        }
        let step = step as u64;
        let reusable = self
            .replay
            .as_ref()
            .is_some_and(|r| r.record() == self.run.record() && r.can_reach(step));
        if !reusable {
            self.replay = None;
            let runs = 2 + u64::from(self.compare.is_some());
            let bytes = self.run.config().memory_estimate();
            if bytes.saturating_mul(runs) > BROWSER_MEMORY_BUDGET {
                return Err(JsError::new(&format!(
                    "replaying needs one more copy of the run ({} MB), and {runs} copies pass the page's {} MB budget",
                    bytes >> 20,
                    BROWSER_MEMORY_BUDGET >> 20
                )));
            }
            self.replay = Some(Replay::new(self.run.record(), true).map_err(err)?);
        }
        let replay = self.replay.as_mut().expect("kept or made above");
        replay.aim(step);
        Ok(())
    }

    /// Train the replay at most `max_steps` further toward its aim; true when it is there.
    pub fn replay_advance(&mut self, max_steps: u32) -> Result<bool, JsError> {
        let replay = self
            .replay
            .as_mut()
            .ok_or_else(|| JsError::new("replay: nothing is being replayed"))?;
        replay.advance(max_steps as u64).map_err(err)
    }

    /// Where the replay is: {step, target} (for the page's "replaying… k of n").
    pub fn replay_progress(&self) -> String {
        match &self.replay {
            Some(r) => json!({"step": r.step(), "target": r.target()}).to_string(),
            None => json!({"step": null, "target": null}).to_string(),
        }
    }

    /// What the replay shows at its step, as JSON [`crate::live::replay::Replayed`]
    /// without the metrics: {step, merge, boundaries} (the page's `ChartStore::set_replayed`).
    pub fn replay_result(&mut self) -> Result<String, JsError> {
        let replay = self
            .replay
            .as_mut()
            .ok_or_else(|| JsError::new("replay: nothing is being replayed"))?;
        let r = replay.replayed();
        serde_json::to_string(&json!({"step": r.step, "merge": r.merge, "boundaries": r.boundaries})).map_err(err)
    }

    /// Free the replay (the page is back at the live state).
    pub fn replay_drop(&mut self) {
        self.replay = None;
    }
}
