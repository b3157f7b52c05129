//! The trainer's side of owned steps (`owned`; builds with threads only): which of the coming GD steps
//! are plain (nothing but the step and its checkpoint happen at them), and a
//! run of them handed to two threads with the trainer's own arrays cut in
//! halves (depth 2: `owned::two`, deeper: `owned::deep`); the run's
//! checkpoint and divergence are then the trainer's.

use super::owned::{self, deep, two, Checkpoints, Outcome, Stop};
use super::{Status, Trainer, CHECKPOINT_EVERY};
use crate::config::Optimizer;
use crate::net::halves::{self, Half, OutputBias, Share, Step};
use crate::net::Params;
use ndarray::{ArrayViewMut1, Axis};

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
        let out = if self.net.depth() == 2 {
            self.owned_two(checkpoints, wait, k)
        } else {
            self.owned_deep(checkpoints, wait, k)
        };
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

    /// A run of a depth-2 net (`owned::two`).
    fn owned_two(&mut self, checkpoints: Checkpoints, wait: f64, k: u64) -> Outcome {
        let n = self.x.nrows();
        let (eta, lambda, beta) = (self.cfg.train.lr, self.cfg.train.lambda, self.cfg.train.ema);
        let step = Step {
            x: self.x.view(),
            act: self.net.act,
            trained: [self.net.trained[0], self.net.trained[1]],
            c: 1.0 - eta * lambda,
            eta,
            beta,
        };
        let h = halves::split_at(self.net.params.w[0].nrows());
        let [zt, at, gt, f, g] = self.ws.depth2_buffers(&self.net, n);
        let ([p0, p1], b2) = cut(h, &mut self.net.params);
        let ([e0, e1], e_b2) = cut(h, &mut self.ema);
        let ([g0, g1], g_b2) = cut(h, &mut self.grad);
        let ([c0, c1], ck_b2) = cut(h, &mut self.checkpoint);
        let ([ce0, ce1], ck_e_b2) = cut(h, &mut self.check_ema);
        let ((zt0, zt1), (at0, at1), (gt0, gt1)) = (zt.split_at(Axis(0), h), at.split_at(Axis(0), h), gt.split_at(Axis(0), h));
        let scratch = self.owned.as_mut().expect("owned_possible");
        let (f_1, g_1, counters, slots) = scratch.two();
        let sides = [
            two::Side {
                half: Half {
                    p: p0,
                    e: e0,
                    g: g0,
                    ck: c0,
                    ck_e: ce0,
                    zt: zt0,
                    at: at0,
                    gt: gt0,
                },
                f,
                g,
                bias: Some(OutputBias {
                    b: b2,
                    e: e_b2,
                    g: g_b2,
                    ck: ck_b2,
                    ck_e: ck_e_b2,
                }),
            },
            two::Side {
                half: Half {
                    p: p1,
                    e: e1,
                    g: g1,
                    ck: c1,
                    ck_e: ce1,
                    zt: zt1,
                    at: at1,
                    gt: gt1,
                },
                f: f_1,
                g: g_1,
                bias: None,
            },
        ];
        let plan = two::Pair {
            step,
            y: self.y.view(),
            loss: self.cfg.train.loss,
            slots,
            counters,
        };
        owned::run(&plan, sides, checkpoints, wait, k)
    }

    /// A run of a deeper net (`owned::deep`).
    fn owned_deep(&mut self, checkpoints: Checkpoints, wait: f64, k: u64) -> Outcome {
        let n = self.x.nrows();
        let (eta, lambda, beta) = (self.cfg.train.lr, self.cfg.train.lambda, self.cfg.train.ema);
        let step = deep::Step {
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
        let (f1, g1, counters, pointers, slots) = self.owned.as_mut().expect("owned_possible").deep();
        let arrays = deep::Arrays {
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
            f1,
            g1,
            slots,
        };
        let (plan, sides) = deep::Layers::new(step, arrays, counters, pointers);
        owned::run(&plan, sides, checkpoints, wait, k)
    }
}

/// A depth-2 net's parameters (or anything shaped as them) cut at hidden unit
/// `h`: each half's share (rows of W_1 and b_1, columns of W_2; an empty b_1,
/// no biases, gives two empty halves) and the output bias b_2.
fn cut(h: usize, p: &mut Params) -> ([Share<'_>; 2], ArrayViewMut1<'_, f64>) {
    let ([w1, w2], [b1, b2]) = (&mut p.w[..], &mut p.b[..]) else {
        unreachable!("a depth-2 net")
    };
    let (w1a, w1b) = w1.view_mut().split_at(Axis(0), h);
    let hb = h.min(b1.len());
    let (b1a, b1b) = b1.view_mut().split_at(Axis(0), hb);
    let (w2a, w2b) = w2.view_mut().split_at(Axis(1), h);
    let shares = [Share { w1: w1a, b1: b1a, w2: w2a }, Share { w1: w1b, b1: b1b, w2: w2b }];
    (shares, b2.view_mut())
}
