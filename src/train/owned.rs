//! Owned steps (issue 21): plain GD steps of a depth-2 net on two threads,
//! each owning one half of the hidden units (`net::halves`) for a whole run
//! of steps. Per step each thread computes its half's partial output, the two
//! meet at one spinning barrier (2 × out × n numbers cross between the
//! cores), and each finishes its own half: loss, gradient, fused update.
//! Splitting the products instead moves halves of W_1, Z_1 and ∇W_1 between
//! the cores twice a step and made W1's step slower than one thread; owning
//! rows ran 1.7–1.9× one thread in the probe (`crate::bench::row_owned`).
//!
//! A *plain* step has no history record, scheduled change or end of the
//! budget in it (the trainer runs those steps itself, `Trainer::gd_step`).
//! Checkpoints are taken inside a run, by `Trainer::take_checkpoint`'s rules:
//! at a checkpoint step the threads meet a second time, after their gradients
//! and before their updates, to agree that the whole gradient is finite; the
//! decision to keep the state then depends on the loss alone, which both
//! threads have, and each copies its own half. Both threads compute the same
//! loss from the same summed output, so they stop at the same step when it is
//! not finite; a non-finite update is reported at the next barrier (or after
//! the run) and both stop there. Either way the state is the one
//! `Trainer::gd_step` leaves at that step, and every step computes the bits
//! one thread computes, whichever of them runs it (tests/owned.rs).
//!
//! The first thread waits about a step for the second (a pool thread, woken
//! by `rayon::join`), then starts on both halves itself, and hands half 1
//! over at the first step boundary after the second shows up: a spinning
//! barrier never waits for a half nobody runs, and a pool busy elsewhere
//! costs a run at most that wait.

use crate::config::Loss;
use crate::net::halves::{self, Half, OutputBias, Step};
use crate::net::{loss, simd};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

/// How a run of owned steps ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Steps applied with a finite update.
    pub completed: u64,
    /// The loss of the last of them, or of the step whose update failed (NaN: none).
    pub loss: f64,
    pub stop: Option<Stop>,
    /// The last checkpoint kept: its step within the run (0-based) and loss.
    pub kept: Option<(u64, f64)>,
    /// Whether a second thread ran any of it.
    pub two_threads: bool,
}

/// Why a run stopped early, at step `completed` (0-based within the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Its loss is not finite (nothing of it applied).
    Loss,
    /// A checkpoint step whose gradient is not finite (nothing of it applied).
    Gradient,
    /// Its update wrote a non-finite value (applied, as `Trainer::gd_step` does).
    Update,
}

/// Which steps of a run consider a checkpoint, and what decides it: the rules
/// of `Trainer::take_checkpoint` for GD, from the loss alone once the gradient
/// is known to be finite.
#[derive(Debug, Clone, Copy)]
pub struct Checkpoints {
    /// The first checkpoint step within the run (0-based), then one every `every`.
    pub first: u64,
    pub every: u64,
    /// ηλ > 2: none is kept (the gradient is still checked; `Trainer::keeps_none`).
    pub keep_none: bool,
    /// The loss a new checkpoint is compared with (NaN: keep the next finite one).
    pub reference: f64,
}

impl Checkpoints {
    fn due(&self, s: u64) -> bool {
        s >= self.first && (s - self.first).is_multiple_of(self.every)
    }

    /// Whether a state with this (finite) loss is kept; a kept one is the new reference.
    fn keeps(&mut self, loss: f64) -> bool {
        let keep = super::keeps_checkpoint(self.keep_none, self.reference, loss);
        if keep {
            self.reference = loss;
        }
        keep
    }
}

/// What a trainer keeps for owned steps (allocated once: a step allocates nothing).
pub struct Scratch {
    out: usize,
    n: usize,
    nb: usize,
    /// The second thread's Fᵀ and G_2ᵀ (out × n).
    f: Array2<f64>,
    g: Array2<f64>,
    meet: Meet,
}

/// slot[t][parity]: thread t's partial output (out × n), then b_2 (thread 0's
/// copy; `out` values, or none without biases), then whether its last update
/// failed (1.0) or not (0.0). Double-buffered by step parity.
struct Meet {
    slot: [[UnsafeCell<Vec<f64>>; 2]; 2],
    /// The last step each thread published.
    done: [AtomicU64; 2],
    /// At checkpoint steps: 2·(step + 1) + whether the thread's gradient is finite.
    grads: [AtomicU64; 2],
}

// SAFETY: a slot is written only by its thread and read by the other only
// between the owner's Release of `done` for that step and the owner's next
// write of that parity, two steps later, which waits for the reader's
// publication of the step in between (see `owned_half`).
unsafe impl Sync for Meet {}

impl Scratch {
    /// For outputs out × n and an output bias of `bias_len` (0 or out).
    pub fn new(out: usize, n: usize, bias_len: usize) -> Scratch {
        let len = out * n + bias_len + 1;
        let cell = || UnsafeCell::new(vec![0.0; len]);
        Scratch {
            out,
            n,
            nb: bias_len,
            f: Array2::zeros((out, n)),
            g: Array2::zeros((out, n)),
            meet: Meet {
                slot: [[cell(), cell()], [cell(), cell()]],
                done: [AtomicU64::new(0), AtomicU64::new(0)],
                grads: [AtomicU64::new(0), AtomicU64::new(0)],
            },
        }
    }
}

/// Everything a run needs besides the halves.
pub struct Run<'a> {
    pub step: Step<'a>,
    /// Targets, n × out.
    pub y: ArrayView2<'a, f64>,
    pub loss: Loss,
    /// Thread 0's Fᵀ and G_2ᵀ (the trainer's workspace, out × n).
    pub f: ArrayViewMut2<'a, f64>,
    pub g: ArrayViewMut2<'a, f64>,
    pub bias: OutputBias<'a>,
    pub checkpoints: Checkpoints,
    /// How long to wait for the helper before starting alone (seconds; about a step).
    pub wait: f64,
}

/// One thread's side.
struct Side<'a> {
    half: Half<'a>,
    f: ArrayViewMut2<'a, f64>,
    g: ArrayViewMut2<'a, f64>,
}

/// Run `steps` owned steps: on this thread until a second pool thread comes
/// for half 1, then on both. Call from a pool thread (`Trainer::advance` runs
/// its steps on one).
pub fn run<'a>(halves: [Half<'a>; 2], run: Run<'a>, scratch: &'a mut Scratch, steps: u64) -> Outcome {
    let [h0, h1] = halves;
    let Run {
        step,
        y,
        loss: kind,
        f,
        g,
        mut bias,
        checkpoints,
        wait,
    } = run;
    let Scratch {
        out,
        n,
        nb,
        f: f1,
        g: g1,
        meet,
    } = scratch;
    assert_eq!(*nb, bias.b.len(), "scratch for another output bias");
    let shared = Shared {
        step,
        y,
        kind,
        out: *out,
        n: *n,
        nb: *nb,
        checkpoints,
        meet,
    };
    for a in shared.meet.done.iter().chain(&shared.meet.grads) {
        a.store(0, Ordering::Relaxed);
    }
    let mine = Side { half: h0, f, g };
    let theirs = Mutex::new(Some(Side {
        half: h1,
        f: f1.view_mut(),
        g: g1.view_mut(),
    }));
    let join = Join {
        state: AtomicU8::new(ALONE),
        start: AtomicU64::new(NOT_YET),
        reference: AtomicU64::new(0),
    };
    let (shared, theirs, join) = (&shared, &theirs, &join);
    // This thread waits about a step for the helper (waking a sleeping pool
    // thread takes microseconds natively, tens in a browser), then starts on
    // both halves and hands half 1 over at the first step boundary after the
    // helper shows up: a helper that comes late, or never, costs at most that wait.
    let first = move || {
        let mut mine = mine;
        crate::net::tune::spin_until(|| join.state.load(Ordering::Acquire) != ALONE, wait);
        let mut acc = shared.account();
        let mut other = theirs.lock().expect("not poisoned").take().expect("half 1 is here");
        match shared.one_thread(&mut mine, &mut other.half, &mut bias, &mut acc, steps, join) {
            Alone::Ran(outcome) => {
                if join.state.swap(CLOSED, Ordering::AcqRel) == WAITING {
                    join.start.store(NEVER_JOINS, Ordering::Release);
                }
                outcome
            }
            Alone::HandOver(s) => {
                *theirs.lock().expect("not poisoned") = Some(other);
                join.reference.store(acc.checkpoints.reference.to_bits(), Ordering::Relaxed);
                join.start.store(s, Ordering::Release);
                shared.owned_half(0, &mut mine, Some(&mut bias), acc, s, steps)
            }
        }
    };
    let second = move || {
        if join
            .state
            .compare_exchange(ALONE, WAITING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return None;
        }
        let s = loop {
            match join.start.load(Ordering::Acquire) {
                NOT_YET => std::hint::spin_loop(),
                s => break s,
            }
        };
        if s == NEVER_JOINS {
            return None;
        }
        let mut side = theirs.lock().expect("not poisoned").take().expect("handed over once");
        let mut acc = shared.account();
        acc.checkpoints.reference = f64::from_bits(join.reference.load(Ordering::Relaxed));
        Some(shared.owned_half(1, &mut side, None, acc, s, steps))
    };
    let (a, b) = rayon::join(first, second);
    let Some(b) = b else {
        return a;
    };
    // The later checkpoint (a helper that joined late saw only those after it
    // came); the earlier stop (a thread that finished its run cannot know the
    // other's last update failed), at a tie the one that saw a stop.
    let kept = match (a.kept, b.kept) {
        (Some(x), Some(y)) if y.0 > x.0 => Some(y),
        (None, y) => y,
        (x, _) => x,
    };
    let first_stop = if (b.completed, b.stop.is_none()) < (a.completed, a.stop.is_none()) {
        b
    } else {
        a
    };
    Outcome {
        kept,
        two_threads: true,
        ..first_stop
    }
}

/// The hand-over of half 1 to a helper: `state` is one of the consts below;
/// `start` the step it takes over at (NOT_YET, or NEVER_JOINS when this
/// thread finished alone); `reference` the checkpoint reference loss there (f64 bits).
struct Join {
    state: AtomicU8,
    start: AtomicU64,
    reference: AtomicU64,
}

/// This thread runs both halves, no helper yet.
const ALONE: u8 = 0;
/// A helper is waiting for the next step boundary.
const WAITING: u8 = 1;
/// This thread handed half 1 over, or finished: no helper can join any more.
const CLOSED: u8 = 2;
const NOT_YET: u64 = u64::MAX;
const NEVER_JOINS: u64 = u64::MAX - 1;

/// How a run on one thread ended: by itself, or at a step handed to a helper.
enum Alone {
    Ran(Outcome),
    HandOver(u64),
}

struct Shared<'m, 'a> {
    step: Step<'a>,
    y: ArrayView2<'a, f64>,
    kind: Loss,
    out: usize,
    n: usize,
    /// Output bias values per slot (0 or out).
    nb: usize,
    checkpoints: Checkpoints,
    meet: &'m Meet,
}

/// A thread's running account of a run.
struct Account {
    checkpoints: Checkpoints,
    loss: f64,
    kept: Option<(u64, f64)>,
}

impl Account {
    fn stopped(&self, completed: u64, stop: Stop) -> Outcome {
        Outcome {
            completed,
            loss: self.loss,
            stop: Some(stop),
            kept: self.kept,
            two_threads: false,
        }
    }

    fn finished(&self, steps: u64, ok: bool) -> Outcome {
        if ok {
            Outcome {
                completed: steps,
                loss: self.loss,
                stop: None,
                kept: self.kept,
                two_threads: false,
            }
        } else {
            self.stopped(steps - 1, Stop::Update)
        }
    }

    /// At a checkpoint step whose gradient is finite everywhere: keep the state or not.
    fn consider(&mut self, s: u64, loss: f64) -> bool {
        let keep = self.checkpoints.keeps(loss);
        if keep {
            self.kept = Some((s, loss));
        }
        keep
    }
}

impl Shared<'_, '_> {
    fn account(&self) -> Account {
        Account {
            checkpoints: self.checkpoints,
            loss: f64::NAN,
            kept: None,
        }
    }

    /// Thread `me`'s loop over steps [from, steps) (thread 0 also carries the output bias).
    fn owned_half(
        &self,
        me: usize,
        side: &mut Side,
        mut bias: Option<&mut OutputBias>,
        mut acc: Account,
        from: u64,
        steps: u64,
    ) -> Outcome {
        let (on, nb) = (self.out * self.n, self.nb);
        let mut last_ok = true;
        for s in from..steps {
            let parity = (s % 2) as usize;
            // SAFETY: this thread's slot of this parity (see `Meet`).
            let mine = unsafe { &mut *self.meet.slot[me][parity].get() };
            side.half.forward(&self.step, self.view_mut(&mut mine[..on]));
            if let Some(b) = bias.as_deref() {
                mine[on..on + nb].copy_from_slice(b.b.as_slice().expect("contiguous"));
            }
            mine[on + nb] = f64::from(u8::from(!last_ok));
            self.meet.done[me].store(s + 1, Ordering::Release);
            while self.meet.done[1 - me].load(Ordering::Acquire) < s + 1 {
                std::hint::spin_loop();
            }
            // SAFETY: both published step s (the Acquire above).
            let (p0, p1) = unsafe { (&*self.meet.slot[0][parity].get(), &*self.meet.slot[1][parity].get()) };
            if p0[on + nb] != 0.0 || p1[on + nb] != 0.0 {
                return acc.stopped(s - 1, Stop::Update);
            }
            let l = self.output_loss(side, &p0[..on], &p1[..on], &p0[on..on + nb]);
            if !l.is_finite() {
                return acc.stopped(s, Stop::Loss);
            }
            // At a checkpoint step the two threads agree that the whole gradient is finite.
            let agree = |finite: bool| {
                self.meet.grads[me].store(2 * (s + 1) + u64::from(finite), Ordering::Release);
                let theirs = loop {
                    let v = self.meet.grads[1 - me].load(Ordering::Acquire);
                    if v / 2 > s {
                        break v % 2 == 1;
                    }
                    std::hint::spin_loop();
                };
                finite && theirs
            };
            match self.finish_step(s, l, side.g.view(), &mut [&mut side.half], bias.as_deref_mut(), &mut acc, agree) {
                Ok(m) => last_ok = simd::finite_from_bits(m).is_some(),
                Err(stop) => return acc.stopped(s, stop),
            }
        }
        acc.finished(steps, last_ok)
    }

    /// A step after its loss `l`: the halves' gradients from G_2ᵀ, the
    /// checkpoint at a checkpoint step (once `agree`, given whether these
    /// halves' gradient is finite, says the whole one is), and the fused
    /// update. Returns the update's largest |θ| bits.
    #[allow(clippy::too_many_arguments)]
    fn finish_step(
        &self,
        s: u64,
        l: f64,
        g2t: ArrayView2<'_, f64>,
        halves: &mut [&mut Half],
        mut bias: Option<&mut OutputBias>,
        acc: &mut Account,
        agree: impl FnOnce(bool) -> bool,
    ) -> Result<u64, Stop> {
        let st = &self.step;
        for h in halves.iter_mut() {
            h.backward(st, g2t);
        }
        if let Some(b) = bias.as_deref_mut() {
            b.backward(st, g2t);
        }
        if acc.checkpoints.due(s) {
            let finite = halves.iter().all(|h| h.gradient_finite(st)) && bias.as_deref().is_none_or(|b| b.gradient_finite(st));
            if !agree(finite) {
                return Err(Stop::Gradient);
            }
            if acc.consider(s, l) {
                halves.iter_mut().for_each(|h| h.keep(st));
                if let Some(b) = bias.as_deref_mut() {
                    b.keep(st);
                }
            }
        }
        acc.loss = l;
        let m = halves.iter_mut().fold(0, |m, h| m.max(h.update(st)));
        Ok(bias.map_or(m, |b| m.max(b.update(st))))
    }

    /// Both halves on this thread, in the same order of operations, until a
    /// helper waits at a step boundary (`join`).
    fn one_thread<'a>(
        &self,
        mine: &mut Side<'a>,
        other: &mut Half<'a>,
        bias: &mut OutputBias,
        acc: &mut Account,
        steps: u64,
        join: &Join,
    ) -> Alone {
        let (on, nb) = (self.out * self.n, self.nb);
        for s in 0..steps {
            if join.state.load(Ordering::Relaxed) == WAITING
                && join
                    .state
                    .compare_exchange(WAITING, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                return Alone::HandOver(s);
            }
            // SAFETY: no other thread runs (no helper has half 1); the slots' first parity.
            let (p0, p1) = unsafe { (&mut *self.meet.slot[0][0].get(), &mut *self.meet.slot[1][0].get()) };
            mine.half.forward(&self.step, self.view_mut(&mut p0[..on]));
            other.forward(&self.step, self.view_mut(&mut p1[..on]));
            p0[on..on + nb].copy_from_slice(bias.b.as_slice().expect("contiguous"));
            let l = self.output_loss(mine, &p0[..on], &p1[..on], &p0[on..on + nb]);
            if !l.is_finite() {
                return Alone::Ran(acc.stopped(s, Stop::Loss));
            }
            let step = self.finish_step(s, l, mine.g.view(), &mut [&mut mine.half, other], Some(bias), acc, |finite| finite);
            match step.map(simd::finite_from_bits) {
                Ok(Some(_)) => {}
                Ok(None) => return Alone::Ran(acc.stopped(s, Stop::Update)),
                Err(stop) => return Alone::Ran(acc.stopped(s, stop)),
            }
        }
        Alone::Ran(acc.finished(steps, true))
    }

    /// Fᵀ = P_0ᵀ + P_1ᵀ + b_2 into the side's F, then the loss and G_2ᵀ.
    fn output_loss(&self, side: &mut Side, p0: &[f64], p1: &[f64], b2: &[f64]) -> f64 {
        halves::combine(side.f.view_mut(), self.view(p0), self.view(p1), ArrayView1::from(b2));
        loss::value_and_grad(self.kind, side.f.t(), self.y, side.g.view_mut().reversed_axes())
    }

    fn view<'s>(&self, s: &'s [f64]) -> ArrayView2<'s, f64> {
        ArrayView2::from_shape((self.out, self.n), s).expect("out × n")
    }

    fn view_mut<'s>(&self, s: &'s mut [f64]) -> ArrayViewMut2<'s, f64> {
        ArrayViewMut2::from_shape((self.out, self.n), s).expect("out × n")
    }
}
