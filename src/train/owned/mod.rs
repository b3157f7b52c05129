//! Owned steps (issue 21): plain GD steps on two threads, each owning one
//! half of every hidden layer's units for a whole run of steps, and meeting
//! at barriers where a product needs the other half's rows (spinning, then
//! yielding the core when the other thread is late: [`wait_until`]). Every
//! product a thread computes is a product of the whole pass cut along rows or
//! columns of its result, which `gemm` already relies on giving the same bits,
//! so a step computes the bits one thread computes, whichever thread runs it
//! (tests/owned.rs). Splitting the products instead moves halves of W_1, Z_1
//! and ∇W_1 between the cores twice a step and made W1's step slower than one
//! thread; owning rows ran 1.7–1.9× one thread in the probe
//! (`crate::bench::row_owned`). How a step is cut: [`step`] (one meeting a
//! step at depth 2, three at depth 3).
//!
//! A *plain* step has no history record, scheduled change or end of the
//! budget in it (the trainer runs those steps itself, `Trainer::gd_step`).
//! Checkpoints are taken inside a run, by `Trainer::take_checkpoint`'s rules:
//! at a checkpoint step the threads meet after their gradients and before
//! their updates to agree that the whole gradient is finite; the decision to
//! keep the state then depends on the loss alone, which both threads have,
//! and each copies its own half. Both threads compute the same loss from the
//! same output, so they stop at the same step when it is not finite; a
//! non-finite update is reported at the next step's first meeting (or after
//! the run) and both stop there. Either way the state is the one
//! `Trainer::gd_step` leaves at that step.
//!
//! The first thread waits about a step for the second (a pool thread, woken
//! by `rayon::join`), then starts on both halves itself, and hands half 1
//! over at the first step boundary after the second shows up: a spinning
//! barrier never waits for a half nobody runs, and a pool busy elsewhere
//! costs a run at most that wait.

pub mod step;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
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

/// How one thread's share of a step ended early.
pub enum End {
    /// At this step.
    Here(Stop),
    /// A thread's update of the step before wrote a non-finite value.
    Before,
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

/// A thread's running account of a run.
pub struct Account {
    checkpoints: Checkpoints,
    loss: f64,
    kept: Option<(u64, f64)>,
}

impl Account {
    fn new(checkpoints: Checkpoints) -> Account {
        Account {
            checkpoints,
            loss: f64::NAN,
            kept: None,
        }
    }

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

    /// After step `s`'s gradient, whose loss is `loss`: at a checkpoint step,
    /// once `agree` (given whether this thread's halves' gradient is finite,
    /// `finite`) says the whole gradient is, whether to keep the state. Then
    /// the loss is the run's last.
    pub fn checkpoint(&mut self, s: u64, loss: f64, finite: impl FnOnce() -> bool, agree: impl FnOnce(bool) -> bool) -> Result<bool, Stop> {
        let keep = if self.checkpoints.due(s) {
            if !agree(finite()) {
                return Err(Stop::Gradient);
            }
            let keep = self.checkpoints.keeps(loss);
            if keep {
                self.kept = Some((s, loss));
            }
            keep
        } else {
            false
        };
        self.loss = loss;
        Ok(keep)
    }
}

/// How long a thread spins at a meeting before it yields its core between checks (natively).
#[cfg(not(target_arch = "wasm32"))]
const SPIN_S: f64 = 50e-6;

/// Return once `ready()` holds: spin (a meeting normally waits 0–10 µs), and
/// after [`SPIN_S`] yield the core (`std::thread::yield_now`) between checks.
/// On a machine with more runnable threads than cores (a busy loop beside a
/// run on this 2-core VM, a shared cluster node) the thread waited for can be
/// queued behind another: a spinning waiter then kept its core for the rest
/// of a scheduler time slice, at any meeting. W2's direct steps beside one
/// busy loop, `lowrank-lab bench --workload W2 --direct --split S`, 5
/// alternating rounds, medians: `auto` 20.9k steps/s spinning (its owned
/// samples) against 31.7k yielding, with one thread (`never`) at 29.4k and
/// 32.6k; a second series later, the VM slower: `auto` 12.8k against 20.4k,
/// `never` 24.2k and 26.8k (so the owned samples still cost `auto` there,
/// about half as much); forced `owned` 12.8k and 10.9k (the same within its
/// spread, and no use there either way); idle, unchanged (owned 22–25k both).
/// Blocking instead (50 µs sleeps) made forced owned 3.4k there. In a
/// browser `yield_now` does nothing, so its waits stay spins, as before.
fn wait_until(mut ready: impl FnMut() -> bool) {
    // A browser's wait stays a plain spin: no clock calls (JS imports) while it waits.
    #[cfg(target_arch = "wasm32")]
    while !ready() {
        std::hint::spin_loop();
    }
    #[cfg(not(target_arch = "wasm32"))]
    if !crate::net::tune::spin_until(&mut ready, SPIN_S) {
        while !ready() {
            #[cfg(test)]
            tests::YIELDS.with(|y| y.set(y.get() + 1));
            std::thread::yield_now();
        }
    }
}

/// Where the two threads meet: progress counters (a barrier is a counter each
/// thread publishes and waits for the other's to reach), the checkpoint
/// agreement, and whether a thread's last update failed. Reset at each run.
#[derive(Debug, Default)]
pub struct Counters {
    /// On lines of their own: each thread writes one and spins on the other.
    done: [Line; 2],
    /// At checkpoint steps: 2·(step + 1) + whether the thread's gradient is finite.
    grads: [AtomicU64; 2],
    /// failed[t][s % 2]: whether thread t's update before step s failed. By
    /// step parity: a thread can tell step s+1's before the other has read
    /// step s's (a single flag then stopped one thread a step early, and the
    /// other waited for it forever), but not step s+2's.
    failed: [[AtomicBool; 2]; 2],
}

/// An atomic alone on its cache line (128 bytes: two lines' worth, for adjacent-line prefetch).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Line(AtomicU64);

impl Counters {
    fn reset(&self) {
        for a in self.done.iter().map(|l| &l.0).chain(&self.grads) {
            a.store(0, Ordering::Relaxed);
        }
        for f in self.failed.iter().flatten() {
            f.store(false, Ordering::Relaxed);
        }
    }

    /// Thread `me` has done everything up to mark `v` (> 0, increasing); wait
    /// until the other has too. Writes before this call are visible to the
    /// other thread after its own call with the same mark.
    pub fn meet(&self, me: usize, v: u64) {
        self.done[me].0.store(v, Ordering::Release);
        wait_until(|| self.done[1 - me].0.load(Ordering::Acquire) >= v);
    }

    /// Whether thread `me`'s update before step `s` failed; seen by the other
    /// after step s's first meeting.
    pub fn tell_failed(&self, me: usize, s: u64, failed: bool) {
        self.failed[me][(s % 2) as usize].store(failed, Ordering::Relaxed);
    }

    /// After step `s`'s first meeting: whether either thread's update before it failed.
    pub fn any_failed(&self, s: u64) -> bool {
        self.failed.iter().any(|f| f[(s % 2) as usize].load(Ordering::Relaxed))
    }

    /// At checkpoint step `s`: whether both threads' gradients are finite (a meeting).
    pub fn agree(&self, me: usize, s: u64, finite: bool) -> bool {
        self.grads[me].store(2 * (s + 1) + u64::from(finite), Ordering::Release);
        let mut theirs = 0;
        wait_until(|| {
            theirs = self.grads[1 - me].load(Ordering::Acquire);
            theirs / 2 > s
        });
        finite && theirs % 2 == 1
    }
}

/// What a trainer keeps for owned steps (allocated once: a step allocates nothing).
pub struct Scratch {
    counters: Counters,
    pointers: step::Pointers,
    slots: step::Slots,
}

impl Scratch {
    /// For a net of depth ≥ 2 shaped as `params`, and `n` samples.
    pub fn new(params: &crate::net::Params, n: usize) -> Scratch {
        Scratch {
            counters: Counters::default(),
            pointers: step::Pointers::with_depth(params.depth()),
            slots: step::Slots::new(params, n),
        }
    }
}

/// Run `steps` owned steps of `plan`: on this thread until a second pool
/// thread comes for side 1, then on both. Call from a pool thread
/// (`Trainer::advance` runs its steps on one). `wait`: how long to wait for
/// the helper before starting alone (seconds; about a step).
pub fn run(plan: &step::Layers, sides: [step::Side; 2], checkpoints: Checkpoints, wait: f64, steps: u64) -> Outcome {
    let [mine, theirs] = sides;
    plan.counters().reset();
    let theirs = Mutex::new(Some(theirs));
    let join = Join {
        state: AtomicU8::new(ALONE),
        start: AtomicU64::new(NOT_YET),
        reference: AtomicU64::new(0),
    };
    let (theirs, join) = (&theirs, &join);
    // This thread waits about a step for the helper (waking a sleeping pool
    // thread takes microseconds natively, tens in a browser), then starts on
    // both halves and hands half 1 over at the first step boundary after the
    // helper shows up: a helper that comes late, or never, costs at most that wait.
    let first = move || {
        let mut mine = mine;
        crate::net::tune::spin_until(|| join.state.load(Ordering::Acquire) != ALONE, wait);
        let mut acc = Account::new(checkpoints);
        let mut other = theirs.lock().expect("not poisoned").take().expect("side 1 is here");
        match one_thread(plan, &mut mine, &mut other, &mut acc, steps, join) {
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
                owned_side(plan, 0, &mut mine, acc, s, steps)
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
        wait_until(|| join.start.load(Ordering::Acquire) != NOT_YET);
        let s = join.start.load(Ordering::Acquire);
        if s == NEVER_JOINS {
            return None;
        }
        let mut side = theirs.lock().expect("not poisoned").take().expect("handed over once");
        let mut acc = Account::new(checkpoints);
        acc.checkpoints.reference = f64::from_bits(join.reference.load(Ordering::Relaxed));
        Some(owned_side(plan, 1, &mut side, acc, s, steps))
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

/// Thread `me`'s loop over steps [from, steps).
fn owned_side(plan: &step::Layers, me: usize, side: &mut step::Side, mut acc: Account, from: u64, steps: u64) -> Outcome {
    let mut last_ok = true;
    for s in from..steps {
        plan.counters().tell_failed(me, s, !last_ok);
        match plan.owned(me, s, side, &mut acc) {
            Ok(m) => last_ok = crate::net::simd::finite_from_bits(m).is_some(),
            Err(End::Before) => return acc.stopped(s - 1, Stop::Update),
            Err(End::Here(stop)) => return acc.stopped(s, stop),
        }
    }
    acc.finished(steps, last_ok)
}

/// Both sides on this thread until a helper waits at a step boundary (`join`).
fn one_thread(plan: &step::Layers, mine: &mut step::Side, other: &mut step::Side, acc: &mut Account, steps: u64, join: &Join) -> Alone {
    for s in 0..steps {
        if join.state.load(Ordering::Relaxed) == WAITING
            && join
                .state
                .compare_exchange(WAITING, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return Alone::HandOver(s);
        }
        match plan.alone(s, mine, other, acc).map(crate::net::simd::finite_from_bits) {
            Ok(Some(_)) => {}
            Ok(None) => return Alone::Ran(acc.stopped(s, Stop::Update)),
            Err(stop) => return Alone::Ran(acc.stopped(s, stop)),
        }
    }
    Alone::Ran(acc.finished(steps, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::time::Duration;

    thread_local! {
        /// Yields by `wait_until` on this thread (other tests' threads do not count).
        pub(super) static YIELDS: Cell<u64> = const { Cell::new(0) };
    }

    /// A partner 20 ms late is met (marks in order, nothing lost), and the
    /// waiting thread yielded its core instead of only spinning all that time.
    #[test]
    fn a_late_partner_is_met_after_yields() {
        let c = Counters::default();
        let before = YIELDS.with(Cell::get);
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                c.meet(1, 1);
                c.meet(1, 2);
                assert!(c.agree(1, 0, true));
            });
            c.meet(0, 1);
            assert!(c.done[1].0.load(Ordering::Acquire) >= 1);
            c.meet(0, 2);
            assert!(c.agree(0, 0, true));
        });
        assert!(YIELDS.with(Cell::get) > before, "the first meeting waited 20 ms without yielding");
    }

    /// The agreement carries the other side's finiteness both ways.
    #[test]
    fn agree_reports_a_non_finite_gradient_to_both() {
        let c = Counters::default();
        std::thread::scope(|s| {
            s.spawn(|| assert!(!c.agree(1, 3, false)));
            assert!(!c.agree(0, 3, true));
        });
    }
}
