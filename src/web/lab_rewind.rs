//! The Lab's replay for the page's time slider ([`crate::live::replay`]):
//! when the page shows an earlier recorded step, the merge report and the
//! decision boundaries there come from training this run again from its
//! record, in budgets the worker interleaves with its other work. One replay
//! is kept: play-back moves it forward step by step; a step before it starts
//! a new one; a change of the record (a live λ or η change, a reset) too.
//! With a comparison, run B is trained again to the same step beside it.

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
        let b_record = self.compare.as_ref().map(|c| c.run.record().clone());
        let keep_a = self
            .replay
            .as_ref()
            .is_some_and(|r| r.record() == self.run.record() && r.can_reach(step));
        let keep_b = match (&self.replay_b, &b_record) {
            (Some(r), Some(rec)) => r.record() == rec && r.can_reach(step),
            _ => false,
        };
        if !keep_a || (b_record.is_some() && !keep_b) {
            // Every run held and its replay: A, B of a comparison, and one more copy of each.
            let bytes = self.run.config().memory_estimate() + self.compare.as_ref().map_or(0, |c| c.run.config().memory_estimate());
            crate::live::replay::check_memory(bytes, BROWSER_MEMORY_BUDGET).map_err(err)?;
        }
        if !keep_a {
            self.replay = None;
            self.replay = Some(Replay::new(self.run.record(), true).map_err(err)?);
        }
        if !keep_b {
            self.replay_b = None;
            if let Some(rec) = &b_record {
                self.replay_b = Some(Replay::new(rec, true).map_err(err)?);
            }
        }
        for r in [self.replay.as_mut(), self.replay_b.as_mut()].into_iter().flatten() {
            r.aim(step);
        }
        Ok(())
    }

    /// Train the replay at most `max_steps` further toward its aim (run A's, then B's of a
    /// comparison); true when both are there.
    pub fn replay_advance(&mut self, max_steps: u32) -> Result<bool, JsError> {
        let a = self
            .replay
            .as_mut()
            .ok_or_else(|| JsError::new("replay: nothing is being replayed"))?;
        if !a.advance(max_steps as u64).map_err(err)? {
            return Ok(false);
        }
        match self.replay_b.as_mut() {
            Some(b) => b.advance(max_steps as u64).map_err(err),
            None => Ok(true),
        }
    }

    /// Where the replay is: {step, target} (A's until it is there, then B's).
    pub fn replay_progress(&self) -> String {
        let on = match (&self.replay, &self.replay_b) {
            (Some(a), Some(b)) if a.step() >= a.target() => Some(b),
            (a, _) => a.as_ref(),
        };
        match on {
            Some(r) => json!({"step": r.step(), "target": r.target()}).to_string(),
            None => json!({"step": null, "target": null}).to_string(),
        }
    }

    /// What the replay shows at its step, as JSON: {step, merge, boundaries, compare}, A's
    /// [`crate::live::replay::Replayed`] without the metrics and, with a run B, B's
    /// {merge, boundaries} (null without); the page's `ChartStore::set_replayed`.
    pub fn replay_result(&mut self) -> Result<String, JsError> {
        let a = self
            .replay
            .as_mut()
            .ok_or_else(|| JsError::new("replay: nothing is being replayed"))?
            .replayed();
        let b = self.replay_b.as_mut().map(|r| r.replayed());
        let compare = b.map(|b| json!({"merge": b.merge, "boundaries": b.boundaries}));
        serde_json::to_string(&json!({"step": a.step, "merge": a.merge, "boundaries": a.boundaries, "compare": compare})).map_err(err)
    }

    /// Free the replay (the page is back at the live state).
    pub fn replay_drop(&mut self) {
        self.replay = None;
        self.replay_b = None;
    }
}
