//! The trainer's side of owned steps (`owned`; builds with threads only): which of the coming GD steps
//! are plain (nothing but the step and its checkpoint happen at them), and a
//! run of them handed to two threads with the trainer's own arrays cut in
//! halves (`owned::step`); the run's checkpoint and divergence are then the
//! trainer's.

use super::owned::{self, step, Checkpoints, Outcome, Stop};
use super::{Status, Trainer, CHECKPOINT_EVERY};
use crate::config::Optimizer;
use crate::net::Params;

/// Shorter runs are left to `Trainer::gd_step` (a hand-off costs up to a step).
pub const MIN_RUN: u64 = crate::net::tune::MIN_OWNED_RUN;

/// The longest wait for the helper at the start of a run (seconds); shorter
/// when a step is known to take less.
const MAX_WAIT: f64 = 1e-3;

impl Trainer {
    /// Scratch for owned steps, for GD on a net with hidden layers (None otherwise).
    pub(super) fn owned_scratch(cfg: &crate::config::ValidConfig, params: &Params, n: usize) -> Option<owned::Scratch> {
        (cfg.train.optimizer == Optimizer::Gd && params.depth() >= 2).then(|| owned::Scratch::new(params, n))
    }

    /// Whether owned steps can run: GD with direct steps.
    pub(super) fn owned_possible(&self) -> bool {
        self.owned.is_some() && self.span.is_none()
    }

    /// A run of owned steps from the current one, when the tuner runs owned
    /// steps now and at least [`MIN_RUN`] of the next `left` are plain: the
    /// steps it used and what `Trainer::gd_step` would have returned at the last.
    pub(super) fn owned_run(&mut self, left: u64) -> Option<(u64, Result<(), Status>)> {
        if self.tuner.owned() && self.owned_possible() {
            let run = self.plain_steps(left.min(self.tuner.owned_room()));
            if run >= MIN_RUN {
                let (used, outcome) = self.owned_steps(run);
                self.tuner.after_steps(used);
                return Some((used, outcome));
            }
        }
        None
    }

    /// How many steps from the current one (at most `budget`) are plain: no
    /// history record, scheduled change (the current step's was applied) or
    /// end of training at them, and the gradient's average started.
    fn plain_steps(&self, budget: u64) -> u64 {
        if !self.ema_ready {
            return 0;
        }
        let end = self.cfg.train.steps.min(self.step.saturating_add(budget));
        let mut until = end;
        // The next scheduled change after this step.
        let sched = &self.cfg.train.schedule;
        let next = sched.partition_point(|c| c.step <= self.step);
        if let Some(c) = sched.get(next) {
            until = until.min(c.step);
        }
        // The next history record (the stride only changes when a record is taken).
        let every = self.cfg.train.record_every;
        let mut r = self.step.div_ceil(every) * every;
        while r < until && !self.record_due_at(r) {
            r += every;
        }
        until.min(r).saturating_sub(self.step)
    }

    /// Run `k` plain steps as owned steps. Returns the steps it used and what
    /// `Trainer::gd_step` would have returned at the last of them.
    fn owned_steps(&mut self, k: u64) -> (u64, Result<(), Status>) {
        let eta = self.cfg.train.lr;
        let (base, time0) = (self.step, self.time);
        let checkpoints = Checkpoints {
            first: (CHECKPOINT_EVERY - base % CHECKPOINT_EVERY) % CHECKPOINT_EVERY,
            every: CHECKPOINT_EVERY,
            keep_none: self.keeps_none(),
            reference: self.check_ref,
        };
        let wait = self.tuner.step_seconds().unwrap_or(MAX_WAIT).min(MAX_WAIT);
        let out = self.owned_run_of(checkpoints, wait, k);
        self.tuner.count_owned(out.two_threads);
        if let Some((s, loss)) = out.kept {
            let time = if s == 0 { time0 } else { eta * (base + s) as f64 };
            self.checkpoint_at = (base + s, time);
            self.check_ema_ready = self.ema_ready;
            self.check_loss = loss;
            self.check_ref = loss;
        }
        self.step += out.completed;
        self.time = eta * self.step as f64;
        if !out.loss.is_nan() {
            self.loss = out.loss;
        }
        let used = (out.completed + u64::from(out.stop.is_some())).min(k);
        let result = match out.stop {
            None => Ok(()),
            Some(Stop::Loss) => Err(self.diverged("loss")),
            Some(Stop::Gradient) => Err(self.diverged("gradient")),
            Some(Stop::Update) => Err(self.diverged(if self.gradient_finite() { "weights" } else { "gradient" })),
        };
        (used, result)
    }

    /// The run itself, on the trainer's arrays.
    fn owned_run_of(&mut self, checkpoints: Checkpoints, wait: f64, k: u64) -> Outcome {
        let n = self.x.nrows();
        let (eta, lambda, beta) = (self.cfg.train.lr, self.cfg.train.lambda, self.cfg.train.ema);
        let step = step::Step {
            x: self.x.view(),
            y: self.y.view(),
            loss: self.cfg.train.loss,
            act: self.net.act,
            trained: &self.net.trained,
            c: 1.0 - eta * lambda,
            eta,
            beta,
        };
        let [zt, at, gt] = self.ws.buffers(&self.net, n);
        let arrays = step::Arrays {
            sets: [
                &mut self.net.params,
                &mut self.ema,
                &mut self.grad,
                &mut self.checkpoint,
                &mut self.check_ema,
            ],
            zt,
            at,
            gt,
        };
        let scratch = self.owned.as_mut().expect("owned_possible");
        let (plan, sides) = step::Layers::new(step, arrays, scratch);
        owned::run(&plan, sides, checkpoints, wait, k)
    }
}
