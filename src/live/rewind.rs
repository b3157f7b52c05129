//! Rewind: a run's snapshot as it stood at an earlier recorded step, rebuilt
//! from the histories the snapshot already holds (issue 19, item 2).
//!
//! Resolution: a task's history keeps a point every `record_every · stride`
//! steps, where the stride doubles each time the history reaches its capacity
//! (`train::history`), so rewinding reaches exactly the recorded steps and
//! costs no memory beyond the history's own bound (one rebuilt snapshot).
//! Every task records at the same steps (they advance together), so task a's
//! steps are the slider's.
//!
//! What a rewound snapshot holds: each task's history up to the step, its
//! `current` metrics = the point recorded at that step (the numbers a run
//! paused there shows: the history point is the same `Metrics`), the notes
//! derived from them (`run::notes`), and the status it had (running, unless
//! the task had already ended by then). What is not recorded per step, and so
//! is absent here: the merge report and the decision boundaries (they need
//! the weights: the page replays the run to the step for them,
//! [`super::replay`]) and the claims (checked on the state training has
//! reached); [`NOT_REWOUND`] says so where the page shows them.

use crate::run::{notes, Snapshot, TaskSnapshot};
use crate::train::Status;

/// What the page says in place of what a rewound snapshot does not have.
pub const NOT_REWOUND: &str = "a claim is checked on the state training has reached, not on a rewound one";

/// Why a snapshot cannot be rewound to a step.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RewindError {
    #[error("step {step} is not recorded (recorded steps near it: {before:?} and {after:?})")]
    NotRecorded {
        step: u64,
        before: Option<u64>,
        after: Option<u64>,
    },
    #[error("the snapshot has no task")]
    NoTask,
}

/// The recorded steps of `s` (task a's history, increasing).
pub fn recorded_steps(s: &Snapshot) -> Vec<u64> {
    s.tasks
        .first()
        .map(|t| t.history.points.iter().map(|m| m.step).collect())
        .unwrap_or_default()
}

/// The last recorded step of `s` at or before `step` (None: before the first).
pub fn recorded_at_or_before(s: &Snapshot, step: u64) -> Option<u64> {
    recorded_steps(s).into_iter().rev().find(|&k| k <= step)
}

/// `s` as it stood at recorded step `step` (see the module header). A task
/// whose history ends before `step` (it diverged earlier) is shown at its
/// last recorded point.
pub fn at_step(s: &Snapshot, step: u64) -> Result<Snapshot, RewindError> {
    let steps = recorded_steps(s);
    if steps.is_empty() {
        return Err(RewindError::NoTask);
    }
    if !steps.contains(&step) {
        return Err(RewindError::NotRecorded {
            step,
            before: steps.iter().rev().find(|&&k| k < step).copied(),
            after: steps.iter().find(|&&k| k > step).copied(),
        });
    }
    let tasks = s
        .tasks
        .iter()
        .map(|t| {
            let mut history = t.history.clone();
            history.points.retain(|m| m.step <= step);
            let current = history.points.last().cloned().unwrap_or_else(|| t.current.clone());
            let status = if current.step < t.current.step {
                Status::Running
            } else {
                t.status.clone()
            };
            TaskSnapshot {
                task: t.task.clone(),
                status,
                notes: notes::task_notes(&t.task, &current),
                current,
                history,
            }
        })
        .collect();
    Ok(Snapshot {
        config: s.config.clone(),
        data_hash: s.data_hash.clone(),
        overlap: s.overlap.clone(),
        tasks,
        merge: None,
        claims: Vec::new(),
    })
}
