//! The full state of a trainer, for export and import: continuing from an
//! imported state gives bit-for-bit the numbers of an uninterrupted run.
//!
//! Floats are written by serde_json in shortest round-trip form, so they read
//! back exactly. What is not stored is recomputed deterministically: the data
//! (from the config), gradient-flow's first stage (f(θ) is a pure function of
//! θ), the overflow guard's max |θ|.

use super::{max_abs, History, Status, Trainer};
use crate::net::Params;
use crate::rng::LabRng;
use serde::{Deserialize, Serialize};

/// Everything that evolves while a trainer runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainerState {
    pub task: usize,
    pub params: Params,
    pub initial: Params,
    pub ema: Params,
    pub ema_ready: bool,
    pub step: u64,
    pub time: f64,
    #[serde(deserialize_with = "crate::serde_nan::f64_or_null")]
    pub loss: f64,
    pub checkpoint: Params,
    pub checkpoint_at: (u64, f64),
    pub history: History,
    pub status: Status,
    /// SGD: the batch generator and the index order it permutes.
    pub sgd: Option<(LabRng, Vec<usize>)>,
    /// Gradient flow: the next trial step size and the rejections in a row.
    pub flow: Option<(f64, u64)>,
}

fn same_shapes(a: &Params, b: &Params) -> bool {
    a.w.len() == b.w.len() && a.w.iter().zip(&b.w).all(|(x, y)| x.dim() == y.dim()) && a.b.iter().zip(&b.b).all(|(x, y)| x.dim() == y.dim())
}

impl Trainer {
    /// The trainer's full state.
    pub fn state(&self) -> TrainerState {
        TrainerState {
            task: self.task,
            params: self.net.params.clone(),
            initial: self.init.params.clone(),
            ema: self.ema.clone(),
            ema_ready: self.ema_ready,
            step: self.step,
            time: self.time,
            loss: self.loss,
            checkpoint: self.checkpoint.clone(),
            checkpoint_at: self.checkpoint_at,
            history: self.history.clone(),
            status: self.status.clone(),
            sgd: self.sgd.as_ref().map(|s| (s.rng.clone(), s.perm.clone())),
            flow: self.flow.as_ref().map(|f| (f.h, f.rejected)),
        }
    }

    /// Continue from `st` (taken from a trainer of the same config and task).
    /// Refuses a state whose shapes or optimizer do not match, changing nothing.
    pub fn restore(&mut self, st: TrainerState) -> Result<(), String> {
        let fresh = &self.init.params;
        for (name, p) in [
            ("params", &st.params),
            ("initial", &st.initial),
            ("ema", &st.ema),
            ("checkpoint", &st.checkpoint),
        ] {
            if !same_shapes(p, fresh) {
                return Err(format!("state.{name}: layer shapes do not match the config's network"));
            }
        }
        if st.task != self.task {
            return Err(format!("state.task is {}, this trainer trains task {}", st.task, self.task));
        }
        if st.sgd.is_some() != self.sgd.is_some() || st.flow.is_some() != self.flow.is_some() {
            return Err("state was saved with another optimizer than the config's".into());
        }
        if let (Some((_, perm)), Some(_)) = (&st.sgd, &self.sgd) {
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            if sorted != (0..self.x.nrows()).collect::<Vec<_>>() {
                return Err("state.sgd: the index order is not a permutation of the samples".into());
            }
        }
        if st.history.capacity != self.cfg.train.history_len {
            return Err("state.history: capacity differs from train.history_len".into());
        }
        self.net.params = st.params;
        self.init.params = st.initial;
        self.ema = st.ema;
        self.ema_ready = st.ema_ready;
        self.step = st.step;
        self.time = st.time;
        self.loss = st.loss;
        self.checkpoint = st.checkpoint;
        self.checkpoint_at = st.checkpoint_at;
        self.history = st.history;
        self.status = st.status;
        self.theta_max = max_abs(&self.net.params, &self.net.trained);
        if let (Some(s), Some((rng, perm))) = (&mut self.sgd, st.sgd) {
            s.rng = rng;
            s.perm = perm;
        }
        if let (Some(f), Some((h, rejected))) = (&mut self.flow, st.flow) {
            f.h = h;
            f.rejected = rejected;
            f.invalidate();
        }
        Ok(())
    }
}
