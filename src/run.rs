//! A run: the data of all K tasks, one [`Trainer`] per task, and (for K ≥ 2)
//! the merge report. This is what the CLI and the browser drive, and its
//! [`Snapshot`] is the one structured object that comes out.

use crate::config::ValidConfig;
use crate::data::{self, Dataset, OverlapStats};
use crate::merge::{self, MergeReport};
use crate::train::{History, Metrics, Status, Trainer};
use serde::{Deserialize, Serialize};

/// A run's full state: its config and each trainer's state (JSON round-trips exactly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunState {
    pub config: crate::config::Config,
    pub tasks: Vec<crate::train::TrainerState>,
}

/// All tasks of one config, trained side by side.
pub struct Run {
    cfg: ValidConfig,
    data: Dataset,
    trainers: Vec<Trainer>,
}

/// One task's state in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSnapshot {
    pub task: String,
    pub status: Status,
    pub current: Metrics,
    pub history: History,
}

/// Numbers only: everything a chart or a report needs, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub config: crate::config::Config,
    pub data_hash: String,
    pub overlap: OverlapStats,
    pub tasks: Vec<TaskSnapshot>,
    /// Present when there are at least two tasks.
    pub merge: Option<MergeReport>,
}

impl Run {
    /// Generate the data and initialise one net per task.
    pub fn new(cfg: &ValidConfig) -> Run {
        let data = data::generate(cfg);
        let trainers = data
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| Trainer::new(cfg, i, t.x.clone(), t.y.clone()))
            .collect();
        Run {
            cfg: cfg.clone(),
            data,
            trainers,
        }
    }

    pub fn config(&self) -> &ValidConfig {
        &self.cfg
    }
    pub fn data(&self) -> &Dataset {
        &self.data
    }
    pub fn trainers(&self) -> &[Trainer] {
        &self.trainers
    }
    pub fn trainers_mut(&mut self) -> &mut [Trainer] {
        &mut self.trainers
    }

    /// Advance every task's trainer by at most `max_steps`.
    pub fn advance(&mut self, max_steps: u64) {
        for t in &mut self.trainers {
            t.advance(max_steps);
        }
    }

    /// Whether any trainer can still advance.
    pub fn is_running(&self) -> bool {
        self.trainers.iter().any(|t| t.status().is_running())
    }

    /// Train every task to the end of its budget (or divergence).
    pub fn run_to_end(&mut self) {
        for t in &mut self.trainers {
            t.run_to_end();
        }
    }

    /// The merge report (K ≥ 2), at the current weights.
    pub fn merge_report(&self) -> Option<MergeReport> {
        if self.trainers.len() < 2 {
            return None;
        }
        let nets: Vec<_> = self.trainers.iter().map(|t| t.net().clone()).collect();
        Some(merge::evaluate(&self.cfg, &self.data, &nets, self.trainers[0].initial_net()))
    }

    /// Change λ on every trainer (no reset).
    pub fn set_lambda(&mut self, lambda: f64) -> Result<(), crate::config::ConfigError> {
        for t in &mut self.trainers {
            t.set_lambda(lambda)?;
        }
        self.cfg = self.cfg.with_lambda(lambda)?;
        Ok(())
    }

    /// Change η on every trainer (no reset).
    pub fn set_lr(&mut self, lr: f64) -> Result<(), crate::config::ConfigError> {
        for t in &mut self.trainers {
            t.set_lr(lr)?;
        }
        self.cfg = self.cfg.with_lr(lr)?;
        Ok(())
    }

    /// Back to the same initial weights.
    pub fn reset(&mut self) {
        for t in &mut self.trainers {
            t.reset();
        }
    }

    /// The full state (config and every trainer), for export; see [`Run::from_state`].
    pub fn state(&self) -> RunState {
        RunState {
            config: self.cfg.config().clone(),
            tasks: self.trainers.iter().map(|t| t.state()).collect(),
        }
    }

    /// Rebuild a run from an exported state: the config is validated (with
    /// `budget` bytes), the data regenerated, and every trainer restored.
    pub fn from_state(state: RunState, budget: u64) -> Result<Run, String> {
        let cfg = state.config.validate_with_budget(budget).map_err(|e| e.to_string())?;
        let mut run = Run::new(&cfg);
        if state.tasks.len() != run.trainers.len() {
            return Err(format!(
                "state has {} tasks, the config makes {}",
                state.tasks.len(),
                run.trainers.len()
            ));
        }
        for (t, st) in run.trainers.iter_mut().zip(state.tasks) {
            t.restore(st)?;
        }
        Ok(run)
    }

    /// Everything, as numbers.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            config: self.cfg.config().clone(),
            data_hash: data::data_hash(&self.data),
            overlap: self.data.overlap.clone(),
            tasks: self
                .trainers
                .iter()
                .map(|t| TaskSnapshot {
                    task: data::task_name(t.task()),
                    status: t.status().clone(),
                    current: t.metrics(),
                    history: t.history().clone(),
                })
                .collect(),
            merge: self.merge_report(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot_with_nan_round_trips_through_json() {
        let cfg = crate::config::Config::default().validate().unwrap();
        let run = super::Run::new(&cfg);
        let mut s = run.snapshot();
        s.tasks[0].current.stationarity = f64::NAN;
        s.tasks[0].current.loss = f64::INFINITY;
        let text = serde_json::to_string(&s).unwrap();
        let back: super::Snapshot = serde_json::from_str(&text).unwrap();
        assert!(back.tasks[0].current.stationarity.is_nan());
        assert!(back.tasks[0].current.loss.is_nan());
    }
}
