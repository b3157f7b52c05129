//! The trainer's side of owned steps (`owned`; builds with threads only): which of the coming GD steps
//! are plain (nothing but the step and its checkpoint happen at them), and a
//! run of them handed to two threads with the trainer's own arrays cut in
//! halves; the run's checkpoint and divergence are then the trainer's.

use super::owned::{self, Checkpoints, Outcome, Stop};
use super::{Status, Trainer, CHECKPOINT_EVERY, CHECKPOINT_JUMP};
use crate::config::Optimizer;
use crate::net::halves::{self, Half, OutputBias, Step};
use crate::net::Params;
use ndarray::{ArrayViewMut1, ArrayViewMut2, Axis};

/// Shorter runs are left to `Trainer::gd_step` (a hand-off costs up to a step).
pub const MIN_RUN: u64 = crate::net::tune::MIN_OWNED_RUN;

/// The longest wait for the helper at the start of a run (seconds); shorter
/// when a step is known to take less.
const MAX_WAIT: f64 = 1e-3;

impl Trainer {
    /// Scratch for owned steps, for GD on a depth-2 net (None otherwise).
    pub(super) fn owned_scratch(cfg: &crate::config::ValidConfig, params: &Params, n: usize) -> Option<owned::Scratch> {
        (cfg.train.optimizer == Optimizer::Gd && params.depth() == 2)
            .then(|| owned::Scratch::new(params.w[1].nrows(), n, params.b[1].len()))
    }

    /// Whether owned steps can run: GD on a depth-2 net with direct steps.
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
        let (base, time0) = (self.step, self.time);
        let [zt, at, gt, f, g] = self.ws.depth2_buffers(&self.net, n);
        let (p, e, gr) = (layers(&mut self.net.params), layers(&mut self.ema), layers(&mut self.grad));
        let (ck, ck_e) = (layers(&mut self.checkpoint), layers(&mut self.check_ema));
        let (zt, at, gt) = (rows(h, zt), rows(h, at), rows(h, gt));
        let (w1, b1, w2) = (rows(h, p.w1), vec(h, p.b1), cols(h, p.w2));
        let (e_w1, e_b1, e_w2) = (rows(h, e.w1), vec(h, e.b1), cols(h, e.w2));
        let (g_w1, g_b1, g_w2) = (rows(h, gr.w1), vec(h, gr.b1), cols(h, gr.w2));
        let (ck_w1, ck_b1, ck_w2) = (rows(h, ck.w1), vec(h, ck.b1), cols(h, ck.w2));
        let (ck_e_w1, ck_e_b1, ck_e_w2) = (rows(h, ck_e.w1), vec(h, ck_e.b1), cols(h, ck_e.w2));
        let half = |i: usize| Half {
            w1: pick(&w1, i),
            b1: pick(&b1, i),
            w2: pick(&w2, i),
            e_w1: pick(&e_w1, i),
            e_b1: pick(&e_b1, i),
            e_w2: pick(&e_w2, i),
            g_w1: pick(&g_w1, i),
            g_b1: pick(&g_b1, i),
            g_w2: pick(&g_w2, i),
            zt: pick(&zt, i),
            at: pick(&at, i),
            gt: pick(&gt, i),
            ck_w1: pick(&ck_w1, i),
            ck_b1: pick(&ck_b1, i),
            ck_w2: pick(&ck_w2, i),
            ck_e_w1: pick(&ck_e_w1, i),
            ck_e_b1: pick(&ck_e_b1, i),
            ck_e_w2: pick(&ck_e_w2, i),
        };
        let halves = [half(0), half(1)];
        let run = owned::Run {
            step,
            y: self.y.view(),
            loss: self.cfg.train.loss,
            f,
            g,
            bias: OutputBias {
                b: p.b2,
                e: e.b2,
                g: gr.b2,
                ck: ck.b2,
                ck_e: ck_e.b2,
            },
            checkpoints: Checkpoints {
                first: (CHECKPOINT_EVERY - base % CHECKPOINT_EVERY) % CHECKPOINT_EVERY,
                every: CHECKPOINT_EVERY,
                keep_none: eta * lambda > 2.0,
                reference: self.check_ref,
                jump: CHECKPOINT_JUMP,
            },
            wait: self.tuner.step_seconds().unwrap_or(MAX_WAIT).min(MAX_WAIT),
        };
        let scratch = self.owned.as_mut().expect("owned_possible");
        let out: Outcome = owned::run(halves, run, scratch, k);
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
}

/// A depth-2 net's arrays, mutably.
struct Layers<'a> {
    w1: ArrayViewMut2<'a, f64>,
    b1: ArrayViewMut1<'a, f64>,
    w2: ArrayViewMut2<'a, f64>,
    b2: ArrayViewMut1<'a, f64>,
}

fn layers(p: &mut Params) -> Layers<'_> {
    let ([w1, w2], [b1, b2]) = (&mut p.w[..], &mut p.b[..]) else {
        unreachable!("a depth-2 net")
    };
    Layers {
        w1: w1.view_mut(),
        b1: b1.view_mut(),
        w2: w2.view_mut(),
        b2: b2.view_mut(),
    }
}

/// Two halves of an array, each taken once (by `pick`).
type Pair<T> = [std::cell::Cell<Option<T>>; 2];

/// Rows [0, h) and [h, m).
fn rows(h: usize, a: ArrayViewMut2<'_, f64>) -> Pair<ArrayViewMut2<'_, f64>> {
    let (x, y) = a.split_at(Axis(0), h);
    [Some(x).into(), Some(y).into()]
}

/// Columns [0, h) and [h, m).
fn cols(h: usize, a: ArrayViewMut2<'_, f64>) -> Pair<ArrayViewMut2<'_, f64>> {
    let (x, y) = a.split_at(Axis(1), h);
    [Some(x).into(), Some(y).into()]
}

/// Entries [0, h) and [h, m); an empty vector (no biases) gives two empty halves.
fn vec(h: usize, a: ArrayViewMut1<'_, f64>) -> Pair<ArrayViewMut1<'_, f64>> {
    let h = h.min(a.len());
    let (x, y) = a.split_at(Axis(0), h);
    [Some(x).into(), Some(y).into()]
}

fn pick<T>(pair: &Pair<T>, i: usize) -> T {
    pair[i].take().expect("each half taken once")
}
