//! The [`Trainer`]: one net on one task, advanced in bounded budgets.
//!
//! Updates, with F(θ) = L(θ) + (λ/2)‖θ‖² over trained layers:
//! - GD: θ ← (1 − ηλ)θ − η∇L(θ), full batch; time t = η·step;
//! - SGD: the same with ∇L on a batch drawn without replacement each step;
//! - GF: dθ/dt = −∇L − λθ by adaptive Dormand–Prince 5(4) (`flow`).
//!
//! Every step checks the loss, the gradient and the size of the update: a
//! non-finite value stops training with [`Status::Diverged`] naming the step
//! and the quantity. The trainer is then put back to its last checkpoint:
//! θ, the gradient's average, the step and time, the loss and the SGD
//! generator, so everything reported after a divergence comes from that
//! state, and continuing from it at the same η would repeat the same steps.
//! A checkpoint is considered every [`CHECKPOINT_EVERY`] steps (one copy of θ
//! and its average per 32 steps costs little) and kept only if its loss and
//! gradient are finite and the loss is at most [`CHECKPOINT_JUMP`] times the
//! last kept one's: a run on its way to overflow (loss 1e271 at step 96 of
//! issue 15's example) is no state to continue from. Nor is any state of
//! (S)GD with ηλ > 2, where the factor 1 − ηλ grows what the loss does not
//! see (issue 17's λ = 10 at η = 0.5: ‖θ‖ = 3e306 at a loss of 0). An update
//! that would overflow is simply not applied.
//! λ and η may change between budgets without resetting, or at the steps
//! of the config's `train.schedule` (applied by the same calls, just before
//! the step after `step` steps, where a live change acts); `reset` restores
//! the exact initial weights.
//!
//! With [`Trainer::set_span_steps`], GD runs layer 1 in span coordinates
//! (`span`): the same iterates up to rounding, for less work when n ≤ d.
//! The matrices are written out before `advance` returns, so readers never
//! see the difference (`advance_deferred` leaves that to `sync_matrices`,
//! for callers that advance one step at a time).
//!
//! GD with direct steps may run its plain steps (no record, scheduled change
//! or end of budget among them) on two threads, each owning half of every
//! hidden layer's units (`owned`, `plain`): the same bits, chosen by the
//! split tuner from measurement.

pub mod flow;
pub mod history;
pub mod metrics;
#[cfg(feature = "parallel")]
pub mod owned;
#[cfg(feature = "parallel")]
mod plain;
pub mod span;
pub mod state;

pub use history::History;
pub use metrics::{LayerMetrics, Metrics};
pub use state::TrainerState;

use crate::config::{ConfigError, Optimizer, ValidConfig};
use crate::net::tune::SplitTuner;
use crate::net::{Net, Params, Workspace};
use crate::rng::{self, stream, LabRng};
use flow::{Flow, FlowProblem, FlowStep};
use ndarray::{Array2, ArrayView2, Zip};
use serde::{Deserialize, Serialize};
use span::Span;

/// Where training stands after a budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// More budget may be given.
    Running,
    /// The config's step (or time) budget is spent.
    Done,
    /// A non-finite `quantity` ("loss", "gradient" or "weights") appeared at `step`; θ is the last finite state.
    /// `suggested_lr` = min(0.9·2/(h + λ), η/2), with h the loss curvature estimated at that
    /// state (`analysis::curvature`): a step size to continue with.
    Diverged {
        step: u64,
        quantity: String,
        #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
        suggested_lr: f64,
    },
    /// Gradient flow could not meet its tolerance: the step size fell to `step_size` at time `time`.
    Stalled { time: f64, step_size: f64 },
}

impl Status {
    pub fn is_running(&self) -> bool {
        matches!(self, Status::Running)
    }
}

/// Steps between copies of θ kept for recovery after divergence.
pub const CHECKPOINT_EVERY: u64 = 32;

/// A candidate checkpoint whose loss exceeds this multiple of the last kept
/// one's is not kept (the loss is on its way to overflow; a change of λ
/// clears the reference, since it moves the loss legitimately).
pub const CHECKPOINT_JUMP: f64 = 10.0;

struct Sgd {
    rng: LabRng,
    perm: Vec<usize>,
    /// The generator and index order before this step's batch (what a checkpoint keeps).
    rng_before: LabRng,
    perm_before: Vec<usize>,
    xb: Array2<f64>,
    yb: Array2<f64>,
    ws: Workspace,
}

/// Whether a checkpoint step whose gradient is finite keeps its state: never
/// when `keeps_none` (`Trainer::keeps_none`), else unless its loss jumped more
/// than [`CHECKPOINT_JUMP`]× over `reference`, the last kept one's (NaN: none
/// yet). Losses at rounding level (below ε) may jump by any factor harmlessly.
fn keeps_checkpoint(keeps_none: bool, reference: f64, loss: f64) -> bool {
    !keeps_none && (reference.is_nan() || loss <= CHECKPOINT_JUMP * reference.max(f64::EPSILON))
}

/// One net training on one task.
pub struct Trainer {
    cfg: ValidConfig,
    task: usize,
    x: Array2<f64>,
    y: Array2<f64>,
    span_basis: Array2<f64>,
    max_x: f64,
    init: Net,
    net: Net,
    grad: Params,
    ema: Params,
    ema_ready: bool,
    ws: Workspace,
    sgd: Option<Sgd>,
    flow: Option<Flow>,
    step: u64,
    time: f64,
    loss: f64,
    checkpoint: Params,
    checkpoint_at: (u64, f64),
    /// The rest of the kept state: the gradient's average and whether it had
    /// started, the loss there, and the SGD generator before that step's batch.
    check_ema: Params,
    check_ema_ready: bool,
    check_loss: f64,
    check_sgd: Option<(LabRng, Vec<usize>)>,
    /// The loss a new checkpoint is compared with (NaN: keep the next finite one).
    check_ref: f64,
    history: History,
    status: Status,
    /// Layer 1 in span coordinates (GD with span steps on), and the trained
    /// mask without layer 1, which the fused update then covers (layer 1's
    /// bias, if any, is updated on its own).
    span: Option<Span>,
    rest: Vec<bool>,
    /// Layer 1's matrices lag its span coordinates (a span step since the last write-out).
    stale: bool,
    /// Which of the step's products and passes split across threads, from
    /// timing this trainer's steps (`net::tune`; the bits do not depend on it).
    tuner: SplitTuner,
    /// Whether history points after the first are recorded (off for a replay, which reads
    /// only its final weights: `live::replay`). The first one (step 0) is always taken:
    /// under gradient flow it starts the gradient's average.
    record_history: bool,
    /// Whether a GD trainer records the point at step 0 (on unless the benchmark turns it off).
    record_first: bool,
    /// Buffers for owned steps (GD: `owned`, `plain`).
    #[cfg(feature = "parallel")]
    owned: Option<owned::Scratch>,
}

/// The trained layers the fused update covers: under span steps layer 1 is the span's.
fn update_mask<'a>(span: &Option<Span>, rest: &'a [bool], trained: &'a [bool]) -> &'a [bool] {
    if span.is_some() {
        rest
    } else {
        trained
    }
}

impl Trainer {
    /// A trainer for task `task` on inputs `x` (n × d) and targets `y` (n × out_dim).
    pub fn new(cfg: &ValidConfig, task: usize, x: Array2<f64>, y: Array2<f64>) -> Trainer {
        let net = Net::init(cfg, task);
        let grad = Params::zeros_like(&net.params);
        let sgd = (cfg.train.optimizer == Optimizer::Sgd).then(|| Sgd {
            rng: rng::seeded(cfg.seed, stream::SGD + task as u64),
            perm: (0..x.nrows()).collect(),
            rng_before: rng::seeded(cfg.seed, stream::SGD + task as u64),
            perm_before: (0..x.nrows()).collect(),
            xb: Array2::zeros((cfg.train.batch_size, x.ncols())),
            yb: Array2::zeros((cfg.train.batch_size, y.ncols())),
            ws: Workspace::default(),
        });
        let flow = (cfg.train.optimizer == Optimizer::Gf).then(|| Flow::new(&net, cfg.train.lr));
        #[cfg(feature = "parallel")]
        let owned = Trainer::owned_scratch(cfg, &net.params, x.nrows());
        Trainer {
            span_basis: metrics::input_span_basis(x.view()),
            max_x: metrics::max_row_norm(x.view()),
            cfg: cfg.clone(),
            task,
            x,
            y,
            init: net.clone(),
            checkpoint: net.params.clone(),
            checkpoint_at: (0, 0.0),
            check_ema: grad.clone(),
            check_ema_ready: false,
            check_loss: f64::NAN,
            check_sgd: sgd.as_ref().map(|s| (s.rng.clone(), s.perm.clone())),
            check_ref: f64::NAN,
            ema: grad.clone(),
            grad,
            ema_ready: false,
            net,
            ws: Workspace::default(),
            sgd,
            flow,
            step: 0,
            time: 0.0,
            loss: f64::NAN,
            history: History::new(cfg.train.history_len),
            status: Status::Running,
            span: None,
            rest: Vec::new(),
            stale: false,
            tuner: SplitTuner::new(),
            record_history: true,
            record_first: true,
            #[cfg(feature = "parallel")]
            owned,
        }
    }

    /// Record history points after the first (on, the default) or not (a replay that
    /// reads only where training ends: a record's metrics cost more than a step of a
    /// small net). The weights are the same bit for bit either way (tests/replay.rs).
    pub fn set_record_history(&mut self, on: bool) {
        self.record_history = on;
    }

    /// Under GD, record the history point at step 0 (on, the default) or not: the
    /// benchmark (`lowrank-lab bench`, the wasm `bench_workload`) times GD steps
    /// alone, like the references it is compared with, and that point's metrics
    /// (the singular values of every layer, …) are a large share of a short
    /// W3 rep. The weights are the same bit for bit either way
    /// (tests/bench_first_record.rs). SGD and gradient flow always take it.
    pub fn set_record_first(&mut self, on: bool) {
        self.record_first = on;
    }

    /// Replace how steps decide to split work across threads (tests and
    /// measurements: `SplitTuner::fixed`); the numbers do not change.
    pub fn set_split_tuner(&mut self, tuner: SplitTuner) {
        self.tuner = tuner;
    }

    /// What the split tuner has measured so far.
    pub fn split_report(&self) -> crate::net::tune::TunerReport {
        self.tuner.report()
    }

    /// Run GD's layer 1 in span coordinates (`span`) when that is less work:
    /// GD, layer 1 trained and n ≤ d. The iterates agree with direct steps to
    /// rounding, not bit for bit, so a new trainer uses direct steps (as the
    /// pinned runs and `lowrank-lab run --direct` do); the CLI, sweeps and the
    /// page turn span steps on. Returns whether span steps are now in use.
    /// Turning them on again keeps the coordinates they have.
    pub fn set_span_steps(&mut self, on: bool) -> bool {
        self.sync();
        if on == self.span.is_some() {
            return on;
        }
        let at_base = self.checkpoint_at_base();
        let sp = (on && self.span_usable()).then(|| Span::new(self.x.view(), self.net.params.w[0].view(), self.ema.w[0].view(), at_base));
        self.install_span(sp);
        self.span.is_some()
    }

    /// GD, layer 1 trained and n ≤ d.
    fn span_usable(&self) -> bool {
        self.cfg.train.optimizer == Optimizer::Gd && self.net.trained[0] && span::pays(self.x.nrows(), self.x.ncols())
    }

    fn install_span(&mut self, sp: Option<Span>) {
        self.rest = self.net.trained.clone();
        if sp.is_some() {
            self.rest[0] = false;
        }
        self.span = sp;
    }

    /// Whether span steps are in use.
    pub fn span_steps(&self) -> bool {
        self.span.is_some()
    }

    /// Write layer 1's weight, EMA and checkpoint out of span coordinates.
    fn sync(&mut self) {
        self.stale = false;
        if let Some(sp) = &mut self.span {
            sp.materialize(
                self.x.view(),
                &mut self.net.params.w[0],
                &mut self.ema.w[0],
                &mut self.checkpoint.w[0],
                &mut self.check_ema.w[0],
            );
        }
    }

    /// Whether the checkpoint's W_1 and EMA equal the current ones (then a new
    /// span base is also the checkpoint's).
    fn checkpoint_at_base(&self) -> (bool, bool) {
        (self.checkpoint.w[0] == self.net.params.w[0], self.check_ema.w[0] == self.ema.w[0])
    }

    /// Start span coordinates again from the current matrices.
    fn rebase(&mut self) {
        let at_base = self.checkpoint_at_base();
        if let Some(sp) = &mut self.span {
            sp.rebase(self.x.view(), self.net.params.w[0].view(), self.ema.w[0].view(), at_base);
        }
    }

    /// Whether the last pass's gradient is finite (under span steps, G_1 stands for ∇_{W_1} L).
    fn gradient_finite(&self) -> bool {
        let rest = self
            .grad
            .finite_max_abs(update_mask(&self.span, &self.rest, &self.net.trained))
            .is_some();
        rest && (self.span.is_none() || (first_grad_finite(&self.ws) && self.grad.b[0].iter().all(|v| v.is_finite())))
    }

    /// Layer 1's weight, EMA and checkpoint written out after [`Trainer::advance_deferred`] (free when current).
    pub fn sync_matrices(&mut self) {
        if self.stale {
            self.sync();
        }
    }

    /// Whether the matrices are current (not after `advance_deferred` without `sync_matrices`).
    fn current(&self) -> bool {
        !self.stale
    }

    pub fn net(&self) -> &Net {
        debug_assert!(self.current(), "Trainer::net after advance_deferred without sync_matrices");
        &self.net
    }
    pub fn initial_net(&self) -> &Net {
        &self.init
    }
    pub fn history(&self) -> &History {
        &self.history
    }
    pub fn status(&self) -> &Status {
        &self.status
    }
    pub fn step_count(&self) -> u64 {
        self.step
    }
    pub fn time(&self) -> f64 {
        self.time
    }
    pub fn config(&self) -> &ValidConfig {
        &self.cfg
    }
    pub fn task(&self) -> usize {
        self.task
    }
    pub fn inputs(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }
    pub fn targets(&self) -> ArrayView2<'_, f64> {
        self.y.view()
    }
    /// The exponential moving average of the gradient (zeros before the first step).
    pub fn gradient_ema(&self) -> &Params {
        debug_assert!(self.current(), "Trainer::gradient_ema after advance_deferred without sync_matrices");
        &self.ema
    }

    /// Change λ; training continues from the current θ. The loss then moves
    /// for a reason, so the next finite checkpoint is kept whatever its loss.
    pub fn set_lambda(&mut self, lambda: f64) -> Result<(), ConfigError> {
        self.cfg = self.cfg.with_lambda(lambda)?;
        self.check_ref = f64::NAN;
        if let Some(f) = &mut self.flow {
            f.invalidate();
        }
        self.reopen();
        Ok(())
    }

    /// Change η; training continues from the current θ.
    pub fn set_lr(&mut self, lr: f64) -> Result<(), ConfigError> {
        self.cfg = self.cfg.with_lr(lr)?;
        self.reopen();
        Ok(())
    }

    /// The config's scheduled change at the current step, if any (`train.schedule`),
    /// through the same calls as a live change. A value already in force is
    /// left alone, so passing the step again (after a rollback) changes nothing.
    fn apply_schedule(&mut self) {
        let sched = &self.cfg.train.schedule;
        let Ok(i) = sched.binary_search_by_key(&self.step, |c| c.step) else {
            return;
        };
        let ch = sched[i].clone();
        // Validated with the config: the same ranges, so these cannot fail.
        if let Some(l) = ch.lambda.filter(|&l| l.to_bits() != self.cfg.train.lambda.to_bits()) {
            self.set_lambda(l).expect("scheduled λ was validated");
        }
        if let Some(lr) = ch.lr.filter(|&lr| lr.to_bits() != self.cfg.train.lr.to_bits()) {
            self.set_lr(lr).expect("scheduled η was validated");
        }
    }

    /// Drop scheduled changes after `step` (a live change at `step` takes over).
    pub fn drop_schedule_after(&mut self, step: u64) {
        self.cfg = self.cfg.without_changes_after(step);
    }

    /// A diverged run may continue after a change (its θ is the last finite one).
    fn reopen(&mut self) {
        if matches!(self.status, Status::Diverged { .. } | Status::Stalled { .. }) {
            self.status = Status::Running;
        }
    }

    /// Back to the exact initial weights, step 0, empty history.
    pub fn reset(&mut self) {
        self.net = self.init.clone();
        self.checkpoint = self.init.params.clone();
        self.checkpoint_at = (0, 0.0);
        self.step = 0;
        self.time = 0.0;
        self.loss = f64::NAN;
        self.ema_ready = false;
        self.ema.scale_add(0.0, 0.0, &self.grad, &self.net.trained);
        self.check_ema.scale_add(0.0, 0.0, &self.grad, &self.net.trained);
        self.check_ema_ready = false;
        self.check_loss = f64::NAN;
        self.check_ref = f64::NAN;
        self.history.clear();
        self.status = Status::Running;
        if let Some(s) = &mut self.sgd {
            s.rng = rng::seeded(self.cfg.seed, stream::SGD + self.task as u64);
            s.perm = (0..self.x.nrows()).collect();
            self.check_sgd = Some((s.rng.clone(), s.perm.clone()));
        }
        if self.flow.is_some() {
            self.flow = Some(Flow::new(&self.net, self.cfg.train.lr));
        }
        self.rebase();
    }

    fn finished(&self) -> bool {
        match self.cfg.train.optimizer {
            Optimizer::Gf => self.time >= self.cfg.train.time,
            _ => self.step >= self.cfg.train.steps,
        }
    }

    /// Advance by at most `max_steps` steps (accepted steps under gradient
    /// flow), stopping early at the config's budget, divergence or a stall.
    pub fn advance(&mut self, max_steps: u64) -> &Status {
        self.advance_deferred(max_steps);
        self.sync_matrices();
        &self.status
    }

    /// [`Trainer::advance`] without writing layer 1's matrices out of span
    /// coordinates at the end (under span steps that costs about two steps of
    /// a wide layer): for callers that advance in many small budgets. Call
    /// [`Trainer::sync_matrices`] before reading the net, its EMA or its state.
    pub fn advance_deferred(&mut self, max_steps: u64) -> &Status {
        if !self.status.is_running() {
            return &self.status;
        }
        #[cfg(feature = "parallel")]
        self.tuner.offer_owned(self.owned_possible());
        // On a pool thread, the split products' `rayon::join`s queue locally;
        // from any other thread each one would be injected into the pool's
        // global queue (which allocates a block every few dozen jobs) and
        // this thread would sleep until a pool thread had run it.
        #[cfg(feature = "parallel")]
        if self.tuner.may_split() && rayon::current_thread_index().is_none() {
            rayon::scope(|_| self.advance_steps(max_steps));
            return &self.status;
        }
        self.advance_steps(max_steps);
        &self.status
    }

    fn advance_steps(&mut self, max_steps: u64) {
        let outside = crate::net::par::min_work();
        let mut left = max_steps;
        while left > 0 {
            if self.finished() {
                self.sync();
                self.record_final();
                self.status = Status::Done;
                break;
            }
            self.apply_schedule();
            self.tuner.before_step();
            let outcome = if let Some((used, outcome)) = self.owned_run(left) {
                left -= used;
                outcome
            } else {
                let outcome = match self.cfg.train.optimizer {
                    Optimizer::Gd => self.gd_step(),
                    Optimizer::Sgd => self.sgd_step(),
                    Optimizer::Gf => self.gf_step(),
                };
                self.tuner.after_step();
                left -= 1;
                outcome
            };
            if let Err(mut s) = outcome {
                self.tuner.end_budget();
                if let Status::Diverged { suggested_lr, .. } = &mut s {
                    self.restore_checkpoint();
                    *suggested_lr = self.suggest_lr();
                }
                self.status = s;
                break;
            }
        }
        self.tuner.end_budget();
        crate::net::par::set_min_work(outside);
        if self.status.is_running() && self.finished() {
            self.sync();
            self.record_final();
            self.status = Status::Done;
        }
    }

    /// Owned steps need threads (`plain`).
    #[cfg(not(feature = "parallel"))]
    fn owned_run(&mut self, _left: u64) -> Option<(u64, Result<(), Status>)> {
        None
    }

    /// Run until done, diverged or stalled.
    pub fn run_to_end(&mut self) -> &Status {
        while self.status.is_running() {
            self.advance(10_000);
        }
        &self.status
    }

    /// Every `CHECKPOINT_EVERY` steps, keep the trainer's state (θ, the
    /// gradient's average, step, time, `loss` at θ, and `sgd_before`: the SGD
    /// generator before this step's batch) if its loss (checked finite by the
    /// caller) did not jump more than [`CHECKPOINT_JUMP`]× over the last kept
    /// one's, once its gradient is known to be finite: a checkpoint must be a
    /// state training can continue from.
    fn take_checkpoint(&mut self, loss: f64) -> Result<(), Status> {
        if self.step.is_multiple_of(CHECKPOINT_EVERY) {
            if !self.gradient_finite() {
                return Err(self.diverged("gradient"));
            }
            if !keeps_checkpoint(self.keeps_none(), self.check_ref, loss) {
                return Ok(());
            }
            let mask = update_mask(&self.span, &self.rest, &self.net.trained);
            self.checkpoint.assign(&self.net.params, mask);
            self.check_ema.assign(&self.ema, mask);
            if let Some(sp) = &mut self.span {
                sp.checkpoint();
                self.checkpoint.b[0].assign(&self.net.params.b[0]);
                self.check_ema.b[0].assign(&self.ema.b[0]);
            }
            self.checkpoint_at = (self.step, self.time);
            self.check_ema_ready = self.ema_ready;
            self.check_loss = loss;
            self.check_ref = loss;
            if let (Some((rng, perm)), Some(s)) = (&mut self.check_sgd, &self.sgd) {
                rng.clone_from(&s.rng_before);
                perm.clone_from(&s.perm_before);
            }
        }
        Ok(())
    }

    /// Back to the last checkpoint: θ, the gradient's average, step, time,
    /// loss, SGD generator and the history up to that step (GF never accepts
    /// a non-finite state, so it has nothing to undo).
    fn restore_checkpoint(&mut self) {
        if self.cfg.train.optimizer == Optimizer::Gf {
            return;
        }
        // Span steps: every matrix current first (the checkpoint's W_1 and EMA included), then a new base there.
        self.sync();
        self.net.params.assign(&self.checkpoint, &self.net.trained);
        self.ema.assign(&self.check_ema, &self.net.trained);
        self.ema_ready = self.check_ema_ready;
        self.loss = self.check_loss;
        if let (Some(s), Some((rng, perm))) = (&mut self.sgd, &self.check_sgd) {
            s.rng.clone_from(rng);
            s.perm.clone_from(perm);
        }
        if let Some(sp) = &mut self.span {
            sp.restore_checkpoint(self.x.view(), &self.checkpoint.w[0], &self.check_ema.w[0]);
        }
        (self.step, self.time) = self.checkpoint_at;
        let keep = self.step;
        self.history.truncate_after(keep);
    }

    /// With ηλ > 2 a (S)GD step multiplies what the loss does not see by
    /// 1 − ηλ, of modulus above one (W₁'s part outside span(X) exactly; derived
    /// here, see data-span): such a run is on its way to overflow whatever its
    /// loss says (a logistic loss even goes to 0 as θ grows), so none of its
    /// states is kept; a divergence goes back to the last one before the change.
    fn keeps_none(&self) -> bool {
        self.cfg.train.optimizer != Optimizer::Gf && self.cfg.train.lr * self.cfg.train.lambda > 2.0
    }

    /// Step of the state training would continue from (after a divergence, the checkpoint's).
    pub fn checkpoint_step(&self) -> u64 {
        self.checkpoint_at.0
    }

    fn diverged(&self, quantity: &str) -> Status {
        Status::Diverged {
            step: self.step,
            quantity: quantity.to_string(),
            suggested_lr: f64::NAN,
        }
    }

    /// A step size to continue with from the current θ: below the curvature
    /// limit 2/(h + λ) and at most half the current η.
    pub fn suggest_lr(&self) -> f64 {
        let h =
            crate::analysis::curvature::top_hessian_eigenvalue(&self.net, self.x.view(), self.y.view(), self.cfg.train.loss, self.cfg.seed);
        let limit = 0.9 * crate::analysis::curvature::max_stable_lr(h, self.cfg.train.lambda);
        let half = 0.5 * self.cfg.train.lr;
        if limit.is_finite() && limit > 0.0 {
            limit.min(half)
        } else {
            half
        }
    }

    fn update_ema(&mut self) {
        let beta = self.cfg.train.ema;
        if self.ema_ready {
            self.ema.scale_add(beta, 1.0 - beta, &self.grad, &self.net.trained);
        } else {
            self.start_ema();
        }
    }

    fn checked_loss(&self, loss: f64) -> Result<(), Status> {
        if loss.is_finite() {
            Ok(())
        } else {
            Err(self.diverged("loss"))
        }
    }

    /// A finite loss and gradient, or the divergence they show.
    fn checked_gradient(&self, loss: f64) -> Result<(), Status> {
        self.checked_loss(loss)?;
        match self.grad.finite_max_abs(&self.net.trained) {
            Some(_) => Ok(()),
            None => Err(self.diverged("gradient")),
        }
    }

    /// The EMA starts at the first gradient (not at zero, which would bias it).
    fn start_ema(&mut self) {
        if !self.ema_ready {
            let mask = update_mask(&self.span, &self.rest, &self.net.trained);
            self.ema.assign(&self.grad, mask);
            if let Some(sp) = &mut self.span {
                sp.start_ema(self.ws.first_grad_t());
                self.ema.b[0].assign(&self.grad.b[0]);
            }
            self.ema_ready = true;
        }
    }

    fn record_due(&self) -> bool {
        self.record_due_at(self.step)
    }

    /// Whether a history point is due at step `s` (as things stand: no record in between).
    fn record_due_at(&self, s: u64) -> bool {
        let every = self.cfg.train.record_every;
        s.is_multiple_of(every) && self.history.due(s / every) && (self.record_history || self.history.points.is_empty())
    }

    fn gd_step(&mut self) -> Result<(), Status> {
        let (x, y, kind) = (self.x.view(), self.y.view(), self.cfg.train.loss);
        let loss = match &self.span {
            Some(sp) => self.ws.loss_and_grad_with(&self.net, x, y, kind, &mut self.grad, Some(&sp.input())),
            None => self.ws.loss_and_grad(&self.net, x, y, kind, &mut self.grad),
        };
        self.checked_loss(loss)?;
        self.take_checkpoint(loss)?;
        self.loss = loss;
        self.start_ema();
        if self.record_due() && (self.record_first || self.step > 0) {
            let since = self.tuner.mark();
            if self.span.is_some() {
                self.sync();
                span::first_layer_grad(self.ws.first_grad_t(), self.x.view(), &mut self.grad.w[0]);
            }
            let m = self.metrics_with_current_grad();
            self.history.push(m);
            self.tuner.exclude(since);
        }
        self.fused_update()
    }

    /// θ ← (1 − ηλ)θ − η g and the gradient EMA in one pass over the
    /// parameters. A non-finite gradient, or weights that overflow, show up
    /// as a non-finite new θ: the step is then refused as a divergence (and
    /// `advance` restores the checkpoint), so no separate scan of g is needed.
    fn fused_update(&mut self) -> Result<(), Status> {
        let (eta, lambda, beta) = (self.cfg.train.lr, self.cfg.train.lambda, self.cfg.train.ema);
        let c = 1.0 - eta * lambda;
        let mask = update_mask(&self.span, &self.rest, &self.net.trained);
        let rest = self.net.params.gd_update_with_ema(&mut self.ema, &self.grad, c, eta, beta, mask);
        let first = match &mut self.span {
            Some(sp) => {
                let (Some(t), Some(e), Some(g)) = (
                    self.net.params.b[0].as_slice_mut(),
                    self.ema.b[0].as_slice_mut(),
                    self.grad.b[0].as_slice(),
                ) else {
                    unreachable!("parameters are allocated contiguous")
                };
                let bias = crate::net::simd::finite_from_bits(crate::net::simd::fused_update(t, e, g, c, eta, beta));
                self.stale = true;
                let coords = sp.update(self.ws.first_grad_t(), c, eta, beta);
                bias.is_some() && coords.is_some()
            }
            None => true,
        };
        if rest.is_none() || !first {
            return Err(self.diverged(if self.gradient_finite() { "weights" } else { "gradient" }));
        }
        self.step += 1;
        self.time = eta * self.step as f64;
        Ok(())
    }

    /// Full-batch loss and gradient at θ (SGD and GF steps do not compute them), then a
    /// history point. Gradient flow's EMA starts at this first full-batch gradient (`start_ema`).
    fn record_full_batch(&mut self, start_ema: bool) -> Result<(), Status> {
        let since = self.tuner.mark();
        let out = self.record_full_batch_untimed(start_ema);
        self.tuner.exclude(since);
        out
    }

    fn record_full_batch_untimed(&mut self, start_ema: bool) -> Result<(), Status> {
        let loss = self
            .ws
            .loss_and_grad(&self.net, self.x.view(), self.y.view(), self.cfg.train.loss, &mut self.grad);
        self.checked_gradient(loss)?;
        self.loss = loss;
        if start_ema {
            self.start_ema();
        }
        let m = self.metrics_with_current_grad();
        self.history.push(m);
        Ok(())
    }

    fn sgd_step(&mut self) -> Result<(), Status> {
        if self.record_due() {
            self.record_full_batch(false)?;
        }
        let sgd = self.sgd.as_mut().expect("sgd state exists for the sgd optimizer");
        if self.step.is_multiple_of(CHECKPOINT_EVERY) {
            sgd.rng_before.clone_from(&sgd.rng);
            sgd.perm_before.clone_from(&sgd.perm);
        }
        let (n, b) = (self.x.nrows(), sgd.xb.nrows());
        for i in 0..b {
            let j = i + rng::below(&mut sgd.rng, n - i);
            sgd.perm.swap(i, j);
            sgd.xb.row_mut(i).assign(&self.x.row(sgd.perm[i]));
            sgd.yb.row_mut(i).assign(&self.y.row(sgd.perm[i]));
        }
        let loss = sgd
            .ws
            .loss_and_grad(&self.net, sgd.xb.view(), sgd.yb.view(), self.cfg.train.loss, &mut self.grad);
        self.checked_loss(loss)?;
        self.take_checkpoint(loss)?;
        self.start_ema();
        self.fused_update()
    }

    fn gf_step(&mut self) -> Result<(), Status> {
        if self.record_due() {
            self.record_full_batch(true)?;
        }
        let t = &self.cfg.train;
        let flow = self.flow.as_mut().expect("flow state exists for the gf optimizer");
        let h_max = t.time - self.time;
        let problem = FlowProblem {
            x: self.x.view(),
            y: self.y.view(),
            loss: t.loss,
            lambda: t.lambda,
            rtol: t.rtol,
            atol: t.atol,
            t: self.time,
            h_max,
        };
        match flow.step(&problem, &mut self.net, &mut self.ws, &mut self.grad) {
            FlowStep::Accepted { h, loss } => {
                self.step += 1;
                // Land exactly on the budget's end when the step was clipped to it.
                self.time = if h >= h_max { t.time } else { self.time + h };
                self.loss = loss;
                if !self.grad.all_finite(&self.net.trained) {
                    return Err(self.diverged("gradient"));
                }
                self.update_ema();
                Ok(())
            }
            FlowStep::Stalled { h } => Err(Status::Stalled {
                time: self.time,
                step_size: h,
            }),
            FlowStep::NonFinite { quantity } => Err(self.diverged(quantity)),
        }
    }

    fn metrics_with_current_grad(&self) -> Metrics {
        metrics::compute(&metrics::MetricsInput {
            net: &self.net,
            grad: &self.grad,
            ema: &self.ema,
            outputs: self.ws.outputs(),
            x: self.x.view(),
            y: self.y.view(),
            initial_norm: self.initial_norm(),
            span_basis: self.span_basis.view(),
            loss_kind: self.cfg.train.loss,
            loss: self.loss,
            lambda: self.cfg.train.lambda,
            max_input_norm: self.max_x,
            step: self.step,
            time: self.time,
        })
    }

    /// Metrics at the current θ (full-batch forward and backward; allocates).
    pub fn metrics(&self) -> Metrics {
        debug_assert!(self.current(), "Trainer::metrics after advance_deferred without sync_matrices");
        let mut ws = Workspace::default();
        let mut grad = Params::zeros_like(&self.net.params);
        let loss = ws.loss_and_grad(&self.net, self.x.view(), self.y.view(), self.cfg.train.loss, &mut grad);
        metrics::compute(&metrics::MetricsInput {
            net: &self.net,
            grad: &grad,
            ema: if self.ema_ready { &self.ema } else { &grad },
            outputs: ws.outputs(),
            x: self.x.view(),
            y: self.y.view(),
            initial_norm: self.initial_norm(),
            span_basis: self.span_basis.view(),
            loss_kind: self.cfg.train.loss,
            loss,
            lambda: self.cfg.train.lambda,
            max_input_norm: self.max_x,
            step: self.step,
            time: self.time,
        })
    }

    /// ‖θ₀‖ over the trained layers.
    fn initial_norm(&self) -> f64 {
        self.init.params.sum_sq(&self.net.trained).norm()
    }

    fn record_final(&mut self) {
        let m = self.metrics();
        if m.loss.is_finite() {
            self.history.push(m);
        }
    }

    /// The gradient's average as the metrics use it: the EMA once it has
    /// started, else (step 0) the current full-batch gradient.
    pub fn gradient_average(&self) -> Params {
        if self.ema_ready {
            self.gradient_ema().clone()
        } else {
            self.loss_and_gradient().1
        }
    }

    /// Full-batch loss and gradient at the current θ (allocates the gradient).
    pub fn loss_and_gradient(&self) -> (f64, Params) {
        debug_assert!(
            self.current(),
            "Trainer::loss_and_gradient after advance_deferred without sync_matrices"
        );
        let mut ws = Workspace::default();
        let mut grad = Params::zeros_like(&self.net.params);
        let loss = ws.loss_and_grad(&self.net, self.x.view(), self.y.view(), self.cfg.train.loss, &mut grad);
        (loss, grad)
    }

    /// [`Trainer::stationarity`] and whether it is at rounding level (then NaN,
    /// not a number to show: `notes::ROUNDING_LEVEL`).
    pub fn stationarity_checked(&self) -> (f64, bool) {
        let mut ws = Workspace::default();
        let mut grad = Params::zeros_like(&self.net.params);
        let (x, y, loss) = (self.x.view(), self.y.view(), self.cfg.train.loss);
        ws.loss_and_grad(&self.net, x, y, loss, &mut grad);
        metrics::stationarity_checked(&self.net, &grad, x, ws.outputs(), y, loss, self.cfg.train.lambda)
    }

    /// Stationarity residual ‖∇L + λθ‖/‖λθ‖ at the current θ, without spectra.
    pub fn stationarity(&self) -> f64 {
        let (_, g) = self.loss_and_gradient();
        metrics::stationarity_of(&g, &self.net.params, &self.net.trained, self.cfg.train.lambda)
    }
}

fn first_grad_finite(ws: &Workspace) -> bool {
    let g = ws.first_grad_t();
    let s = g.as_slice().expect("the workspace's G_1ᵀ is standard layout");
    crate::net::simd::finite_from_bits(crate::net::simd::max_abs_bits(s)).is_some()
}

/// Largest |entry| difference between two equally shaped matrices.
pub fn max_abs_diff(a: ArrayView2<f64>, b: ArrayView2<f64>) -> f64 {
    Zip::from(&a).and(&b).fold(0.0f64, |m, &x, &y| m.max((x - y).abs()))
}
