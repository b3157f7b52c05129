//! Replay: the parts of a rewound view that need the weights — the merged
//! nets' report and the decision boundaries of planar tasks — at an earlier
//! recorded step, by training the run again from its start (issue 19, item 2).
//!
//! Why replay rather than record: the history keeps metrics, not weights
//! (`live::rewind`); keeping every net at every recorded step would cost
//! `capacity × tasks × parameters` floats. Training is deterministic
//! (seeded data and initial weights, no randomness in a GD or gradient-flow
//! step), and the run's record ([`RunRecord`]: its config as started, with
//! every live λ and η change as a scheduled change) repeats its numbers from
//! step 0, bit for bit however the steps are chunked (tests/replay.rs). So
//! the replay at step k *is* the run paused at step k, and the memory it costs
//! is one more run (freed when the page goes back to live).
//!
//! Cost: k steps without history points (their metrics cost more than the
//! step for small nets), once; moving forward from the last replayed step costs only
//! the steps between (play-back walks forward), moving back starts again.

use crate::charts::BoundaryData;
use crate::figures;
use crate::merge::MergeReport;
use crate::run::{Run, RunRecord};
use crate::train::Metrics;
use serde::Serialize;

/// Why a run cannot be replayed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The record does not repeat the run (an imported state; a change while tasks were at different steps).
    #[error("this run cannot be trained again from its start ({0})")]
    NotReproducible(String),
    /// The record's config no longer validates (cannot happen for a record a run made).
    #[error("the run's record does not validate: {0}")]
    Config(String),
    /// Training ended before the step asked for (the replay did not repeat the run).
    #[error("training it again ended at step {at}, before step {step}")]
    Ended { at: u64, step: u64 },
    /// A second copy of the runs held would pass the page's memory budget.
    #[error("training the run again needs one more copy of it ({need_mb} MB), and that passes the page's {budget_mb} MB budget")]
    Memory { need_mb: u64, budget_mb: u64 },
}

/// Whether replaying fits in `budget` bytes: `held` is the memory estimate of
/// every run held (A, and B of a comparison: `ValidConfig::memory_estimate`),
/// and a replay holds one more copy of each, so twice `held` must fit.
pub fn check_memory(held: u64, budget: u64) -> Result<(), ReplayError> {
    if held.saturating_mul(2) > budget {
        return Err(ReplayError::Memory {
            need_mb: held >> 20,
            budget_mb: budget >> 20,
        });
    }
    Ok(())
}

/// A second run, trained from the record's start toward a target step.
pub struct Replay {
    record: RunRecord,
    run: Run,
    target: u64,
    span_steps: bool,
}

/// What a replay shows at its step: what `live::rewind` cannot rebuild from the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replayed {
    /// Task a's step (every task's, unless one diverged and went back).
    pub step: u64,
    /// Each task's metrics at that step (equal to the history point recorded there).
    pub current: Vec<Metrics>,
    /// The merge report at that step (K ≥ 2).
    pub merge: Option<MergeReport>,
    /// The decision-boundary panels at that step ([`figures::boundary_panels`]; empty unless planar).
    pub boundaries: Vec<Vec<BoundaryData>>,
}

impl Replay {
    /// A replay of the run `record` describes, at step 0 (refused if the record does not reproduce its run).
    /// `span_steps`: as the run was trained (the page's runs use span coordinates: `Run::set_span_steps`);
    /// the numbers are the same either way, the speed is not.
    pub fn new(record: &RunRecord, span_steps: bool) -> Result<Replay, ReplayError> {
        if !record.reproducible {
            return Err(ReplayError::NotReproducible(record.note.clone().unwrap_or_default()));
        }
        let cfg = record.config.clone().validate().map_err(|e| ReplayError::Config(e.to_string()))?;
        let mut run = Run::new(&cfg);
        run.set_span_steps(span_steps);
        // Only the weights where it stops are read: no history points on the way.
        run.set_record_history(false);
        Ok(Replay {
            record: record.clone(),
            run,
            target: 0,
            span_steps,
        })
    }

    /// The record this replay repeats.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    /// The step the replay is at (task a's).
    pub fn step(&self) -> u64 {
        self.run.trainers()[0].step_count()
    }

    /// Whether [`Replay::aim`] at `step` can go on from here (it is not past `step`).
    pub fn can_reach(&self, step: u64) -> bool {
        self.step() <= step
    }

    /// Aim at `step` (one the run recorded). Past it already: refused with `false`
    /// (the caller starts a new replay).
    pub fn aim(&mut self, step: u64) -> bool {
        self.target = step;
        self.can_reach(step)
    }

    /// The step aimed at.
    pub fn target(&self) -> u64 {
        self.target
    }

    /// Train at most `max_steps` further toward the target. Ok(true): there.
    pub fn advance(&mut self, max_steps: u64) -> Result<bool, ReplayError> {
        let at = self.step();
        if at >= self.target {
            return Ok(at == self.target);
        }
        if !self.run.progress().running {
            return Err(ReplayError::Ended { at, step: self.target });
        }
        self.run.advance_deferred(max_steps.min(self.target - at).max(1));
        if self.step() == at && !self.run.progress().running {
            return Err(ReplayError::Ended { at, step: self.target });
        }
        Ok(self.step() == self.target)
    }

    /// Train to `step` at once (tests and the CLI; the page advances in budgets).
    pub fn to_step(&mut self, step: u64) -> Result<Replayed, ReplayError> {
        if !self.aim(step) {
            *self = Replay::new(&self.record.clone(), self.span_steps)?;
            self.aim(step);
        }
        while !self.advance(u64::MAX)? {}
        Ok(self.replayed())
    }

    /// The merge report, boundaries and metrics at the replay's step.
    pub fn replayed(&mut self) -> Replayed {
        let run = self.run.synced();
        Replayed {
            step: run.trainers()[0].step_count(),
            current: run.trainers().iter().map(|t| t.metrics()).collect(),
            merge: run.merge_report(),
            boundaries: figures::boundary_panels(&run),
        }
    }
}
