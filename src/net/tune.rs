//! Whether a training step splits its work across threads, decided by timing
//! the step itself on the machine it runs on.
//!
//! Splitting a site (`par`: a product or an elementwise pass) gives the same
//! bits however it is cut, so the choice is free to follow measurement. What
//! a split costs depends on the machine and the moment: handing a piece to
//! another thread and waiting for it takes microseconds natively and more
//! between a browser's Web Workers, and a second core that is busy elsewhere
//! (the page's analysis worker, another process) turns any split into a
//! loss. A fixed size threshold made W1's direct step slower on two threads
//! than on one on one machine (17.8k vs 27.6k steps/s) and faster on another.
//!
//! A [`SplitTuner`] therefore times the trainer's own steps under each
//! candidate threshold (an *arm*): "never split", or "split every site of
//! at least T", for each rung T of `par`'s ladder that holds one of the
//! step's sites (counted during the first step; rungs without a site would
//! give the same step as the next rung up). It alternates the arms in
//! samples of a few steps (about [`TARGET_SAMPLE_S`] each), drops an arm
//! that is clearly slower after two samples (twice as slow: after one, its
//! sample cut short), and from [`MIN_SAMPLES`]
//! samples each runs the arm with the lowest median time per step. It keeps
//! re-timing the other arms, one sample each (three when that one beats the
//! chosen arm), every [`FIRST_RECHECK`] samples, an interval that doubles
//! (to [`MAX_RECHECK`]) while the choice stands (arms that are clearly
//! slower only every fourth time), and all of them at once when the chosen
//! arm's median rises by a quarter. So a change of load moves the choice
//! within a few samples, at a cost of a few percent while the first choice is
//! being made and well under 1% afterwards.
//!
//! Splits use `rayon::join`, whose idle threads sleep between pieces. Helpers
//! that spin instead (polling a slot while the trainer advances) were tried:
//! in Chromium they did not make W1's split products pay (180 µs a step
//! against 139 µs unsplit) and made W3's step slower on a loaded machine
//! (31–43 steps/s against 72–85 with sleeping threads), since a spinning
//! thread takes a core the page's own threads and other processes need.
//! What did pay for W1 is not splitting products at all: each of two threads
//! owning half of W's rows for a whole budget, one spinning barrier a step
//! (`crate::bench::row_owned`, the probe: 1.8–1.9× one thread in Chromium,
//! 1.7× natively, same bits; README, Performance). The trainer runs that as
//! the *owned* arm ([`OWNED`]), offered for GD with direct steps
//! (`train::owned`: one barrier a step at depth 2, three at depth 3): its
//! samples run the plain steps that way and the others unsplit, and it is
//! timed and chosen like any other arm.
//!
//! Time spent on history records inside a step is left out of its sample
//! ([`SplitTuner::exclude`]): records run at the config's cadence and would
//! make whichever arm they fall on look slow. The tuner allocates nothing.
//! Without a clock ([`set_clock`]; wasm has none until `src/web` installs
//! `performance.now`) or with one thread it leaves the default threshold.

use super::par;
use std::sync::OnceLock;

static CLOCK: OnceLock<fn() -> f64> = OnceLock::new();

/// Install the clock the tuner reads (seconds, monotonic). Natively the
/// default is `std::time::Instant`; the first call wins.
pub fn set_clock(f: fn() -> f64) {
    let _ = CLOCK.set(f);
}

#[cfg(not(target_arch = "wasm32"))]
fn instant_seconds() -> f64 {
    static BASE: OnceLock<std::time::Instant> = OnceLock::new();
    BASE.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}

/// Seconds on the installed clock, if there is one.
pub fn now() -> Option<f64> {
    #[cfg(not(target_arch = "wasm32"))]
    let f = CLOCK.get_or_init(|| instant_seconds as fn() -> f64);
    #[cfg(target_arch = "wasm32")]
    let f = CLOCK.get()?;
    Some(f())
}

/// Spin until `done()` holds (true) or `seconds` pass (false; without a
/// clock, about 2²⁰ spins). For a wait shorter than a thread's wake-up: the
/// owned steps' first thread waiting for its helper and their meetings
/// (`train::owned`), and the probe's (`crate::bench::row_owned`). The clock
/// is first read after 64 spins (the seconds count from there): a wait that
/// ends sooner, as most meetings do, reads no clock (a JS call in a browser).
pub fn spin_until(mut done: impl FnMut() -> bool, seconds: f64) -> bool {
    let mut start = None;
    let mut spins = 0u32;
    while !done() {
        std::hint::spin_loop();
        spins = spins.wrapping_add(1);
        if !spins.is_multiple_of(64) {
            continue;
        }
        let t = now();
        if start.is_none() {
            start = t;
        }
        let waited = match (start, t) {
            (Some(t0), Some(t)) => t - t0 > seconds,
            _ => spins > 1 << 20,
        };
        if waited {
            return false;
        }
    }
    true
}

/// Longest arm list: "never" and up to this many rungs less one (the highest ones).
pub const MAX_ARMS: usize = 5;
/// Samples kept per arm (the median of these decides).
pub const WINDOW: usize = 5;
/// Samples per arm before the first choice.
pub const MIN_SAMPLES: usize = 3;
/// Aimed length of one sample.
pub const TARGET_SAMPLE_S: f64 = 1e-3;
/// Samples between rechecks of the other arms, at first and at most.
pub const FIRST_RECHECK: u32 = 16;
pub const MAX_RECHECK: u32 = 512;
/// After two samples, an arm whose fastest is this much slower than the best median stops being explored.
const DROP_RATIO: f64 = 1.3;
/// The chosen arm's median this much above its median when chosen: recheck the others now.
const SLOWED_RATIO: f64 = 1.25;
/// An arm this much slower than the best stops being explored after one
/// sample, and a sample of it running this long is cut short.
const CUT_RATIO: f64 = 2.0;
/// A new choice this much faster than the old one restarts frequent rechecks.
const MOVED_RATIO: f64 = 1.1;
/// Arms slower than DROP_RATIO × the chosen one are rechecked every this many rechecks.
const LOSER_EVERY: u32 = 4;
const NEVER: usize = usize::MAX;
/// The arm in which two threads each own half of every hidden layer's units
/// for runs of plain steps (`train::owned`); its other steps split nothing.
pub const OWNED: usize = usize::MAX - 1;
/// The fewest steps a run of owned steps takes (its hand-off costs up to a step):
/// the owned arm's samples are at least this long.
pub const MIN_OWNED_RUN: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// One threshold throughout (one thread, no clock, nothing to split, or set by hand).
    Fixed(usize),
    /// The first sample (one step): count the sites per rung.
    Survey,
    Tuning,
}

/// See the module docs. One per trainer; samples never span two `advance` calls.
#[derive(Debug, Clone)]
pub struct SplitTuner {
    mode: Mode,
    /// Thresholds, arm 0 = never split, then rungs from the highest down.
    arms: [usize; MAX_ARMS],
    n_arms: usize,
    times: [[f64; WINDOW]; MAX_ARMS],
    filled: [usize; MAX_ARMS],
    next_slot: [usize; MAX_ARMS],
    dropped: [bool; MAX_ARMS],
    /// Arms still to sample before the next choice (a round), in order.
    queue: [usize; MAX_ARMS],
    queue_len: usize,
    queue_pos: usize,
    rounds: usize,
    /// Extra samples the queued arm has had in a row (a promising recheck).
    repeats: usize,
    best: usize,
    /// A first choice has been made (from then on: rechecks).
    chosen_once: bool,
    /// The chosen arm's median when it was chosen.
    best_median: f64,
    since_check: u32,
    recheck: u32,
    /// Recheck rounds so far, and whether the current one follows a slowdown.
    rechecks: u32,
    urgent: bool,
    batch: u32,
    /// The sample in progress: its arm, start, steps and excluded seconds.
    arm: usize,
    start: Option<f64>,
    steps: u32,
    excluded: f64,
    /// The survey's site counts, set aside while a record runs.
    paused: Option<[u16; par::RUNGS]>,
    samples: u64,
    /// Whether the trainer can run owned steps (an arm of its own).
    owned_offered: bool,
    /// Runs of owned steps so far, and those no second thread joined.
    owned_runs: u64,
    owned_alone: u64,
}

impl Default for SplitTuner {
    fn default() -> Self {
        Self::new()
    }
}

/// How an arm runs steps. In JSON: null (one thread), a threshold in
/// multiply-adds (split every site of at least that much work), or "owned".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Split {
    Never,
    Threshold(usize),
    Owned(&'static str),
}

impl Split {
    fn of(t: usize) -> Split {
        match t {
            NEVER => Split::Never,
            OWNED => Split::Owned("owned"),
            t => Split::Threshold(t),
        }
    }
}

/// What the tuner has found, for reports (CLI bench JSON, tests).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TunerReport {
    /// "fixed", "surveying", "exploring" or "chosen".
    pub state: &'static str,
    /// Each arm and its median seconds per step so far.
    pub arms: Vec<(Split, Option<f64>)>,
    /// The arm in use.
    pub chosen: Split,
    pub samples: u64,
    pub steps_per_sample: u32,
    /// Runs of owned steps, and how many of them one thread ran alone (no helper came in time).
    pub owned_runs: u64,
    pub owned_alone: u64,
}

fn median(v: &[f64]) -> f64 {
    let mut s = [0.0; WINDOW];
    let s = &mut s[..v.len()];
    s.copy_from_slice(v);
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

impl SplitTuner {
    /// A tuner that measures, if this build and thread can split and has a clock.
    pub fn new() -> Self {
        let mut t = Self::fixed(par::DEFAULT_MIN_WORK);
        if can_split() && now().is_some() {
            t.mode = Mode::Survey;
        }
        t
    }

    /// Always this threshold (`usize::MAX`: never split; 0: split every site above the ladder's floor).
    pub fn fixed(threshold: usize) -> Self {
        SplitTuner {
            mode: Mode::Fixed(threshold),
            arms: [NEVER; MAX_ARMS],
            n_arms: 1,
            times: [[0.0; WINDOW]; MAX_ARMS],
            filled: [0; MAX_ARMS],
            next_slot: [0; MAX_ARMS],
            dropped: [false; MAX_ARMS],
            queue: [0; MAX_ARMS],
            queue_len: 0,
            queue_pos: 0,
            rounds: 0,
            repeats: 0,
            best: 0,
            chosen_once: false,
            best_median: f64::INFINITY,
            since_check: 0,
            recheck: FIRST_RECHECK,
            rechecks: 0,
            urgent: false,
            batch: 1,
            arm: 0,
            start: None,
            steps: 0,
            excluded: 0.0,
            paused: None,
            samples: 0,
            owned_offered: false,
            owned_runs: 0,
            owned_alone: 0,
        }
    }

    /// A run of owned steps ended; `two`: on two threads.
    pub fn count_owned(&mut self, two: bool) {
        self.owned_runs += 1;
        self.owned_alone += u64::from(!two);
    }

    /// Whether the trainer can run owned steps now (GD, direct steps,
    /// two threads): before the survey, this adds the owned arm.
    pub fn offer_owned(&mut self, on: bool) {
        self.owned_offered = on && can_split();
    }

    /// Whether the running sample's steps are owned steps (plain ones: the
    /// trainer runs the others with nothing split).
    pub fn owned(&self) -> bool {
        match self.mode {
            Mode::Fixed(t) => t == OWNED && can_split(),
            Mode::Survey => false,
            Mode::Tuning => self.start.is_some() && self.arms[self.arm] == OWNED,
        }
    }

    /// How many steps a run of owned steps starting now may take: the rest of
    /// this sample, or while the owned arm is the settled choice, every sample
    /// up to the next recheck (one hand-off to the other thread per run, not per sample).
    pub fn owned_room(&self) -> u64 {
        match self.mode {
            Mode::Fixed(_) => u64::MAX,
            Mode::Survey => 0,
            Mode::Tuning => {
                let rest = u64::from(self.batch.saturating_sub(self.steps)).max(MIN_OWNED_RUN);
                let settled = self.chosen_once && self.arm == self.best && self.queue_pos >= self.queue_len;
                if settled {
                    rest + u64::from(self.recheck.saturating_sub(self.since_check + 1)) * u64::from(self.batch)
                } else {
                    rest
                }
            }
        }
    }

    /// The lowest median seconds per step of any arm so far (None before the first sample).
    pub fn step_seconds(&self) -> Option<f64> {
        (0..self.n_arms).filter_map(|a| self.median_of(a)).min_by(f64::total_cmp)
    }

    /// After `k` owned steps run together: they count like `k` steps, and a
    /// run of several samples' worth as that many samples of its mean time per step.
    pub fn after_steps(&mut self, k: u64) {
        if self.start.is_none() {
            return;
        }
        self.steps = self.steps.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
        if self.steps < self.batch {
            return;
        }
        let (arm, samples) = (self.arm, self.steps / self.batch.max(1));
        let Some(per_step) = self.close() else {
            return;
        };
        for _ in 1..samples {
            if self.mode != Mode::Tuning || self.next_arm() != arm {
                break;
            }
            self.record(arm, per_step);
        }
    }

    /// Whether steps may split at all (the trainer then runs them on the pool).
    pub fn may_split(&self) -> bool {
        match self.mode {
            Mode::Fixed(t) => t != NEVER && can_split(),
            Mode::Survey => true,
            Mode::Tuning => self.n_arms > 1,
        }
    }

    fn threshold(&self) -> usize {
        match self.mode {
            Mode::Fixed(t) => t,
            Mode::Survey => par::DEFAULT_MIN_WORK,
            Mode::Tuning => self.arms[self.arm],
        }
    }

    /// Before each step: sets this thread's threshold, starting a sample if none is running.
    pub fn before_step(&mut self) {
        if self.start.is_none() && !matches!(self.mode, Mode::Fixed(_)) {
            self.start = now();
            self.steps = 0;
            self.excluded = 0.0;
            if self.mode == Mode::Survey {
                par::count_sites(true);
            } else {
                self.arm = self.next_arm();
            }
        }
        par::set_min_work(self.threshold());
    }

    /// After each step: closes the sample once it has its steps.
    pub fn after_step(&mut self) {
        let Some(start) = self.start else {
            return;
        };
        self.steps += 1;
        if self.steps >= self.batch || self.mode == Mode::Survey {
            self.close();
            return;
        }
        // A sample of an arm other than the fastest known that already took
        // twice the fastest arm's whole sample ends now: it has said enough,
        // and a split that stalls on a busy core must not cost a whole sample.
        if self.mode == Mode::Tuning && self.arm != self.best {
            if let (Some(b), Some(t)) = (self.median_of(self.best), now()) {
                if t - start - self.excluded > CUT_RATIO * b * f64::from(self.batch) {
                    self.close();
                }
            }
        }
    }

    /// At the end of a budget: the sample so far counts (a sample never spans two budgets).
    pub fn end_budget(&mut self) {
        if self.start.is_some() && self.steps > 0 {
            self.close();
        }
        self.start = None;
        if self.mode == Mode::Survey {
            par::count_sites(false);
        }
    }

    /// Leave out of the running sample the time since `since` (a history
    /// record inside a step), and its sites out of the survey.
    pub fn exclude(&mut self, since: Option<f64>) {
        if let (Some(s), Some(t)) = (since, now()) {
            self.excluded += t - s;
        }
        if let Some(seen) = self.paused.take() {
            par::set_sites_seen(Some(seen));
        }
    }

    /// Seconds now if a sample is running (for [`SplitTuner::exclude`]); the
    /// survey stops counting sites until then.
    pub fn mark(&mut self) -> Option<f64> {
        if self.mode == Mode::Survey {
            self.paused = par::sites_seen();
            par::count_sites(false);
        }
        self.start.and_then(|_| now())
    }

    /// Ends the running sample; returns its time per step.
    fn close(&mut self) -> Option<f64> {
        let (Some(start), Some(end)) = (self.start.take(), now()) else {
            return None;
        };
        let per_step = ((end - start - self.excluded) / self.steps.max(1) as f64).max(0.0);
        match self.mode {
            Mode::Survey => {
                let seen = par::sites_seen().unwrap_or([0; par::RUNGS]);
                par::count_sites(false);
                self.start_tuning(&seen, per_step);
            }
            Mode::Tuning => self.record(self.arm, per_step),
            Mode::Fixed(_) => {}
        }
        Some(per_step)
    }

    /// Arms from the sites counted in the first step; the sample length from its time.
    fn start_tuning(&mut self, seen: &[u16; par::RUNGS], per_step: f64) {
        self.n_arms = 1;
        let room = MAX_ARMS - usize::from(self.owned_offered);
        for r in (0..par::RUNGS).rev().filter(|&r| seen[r] > 0) {
            if self.n_arms == room {
                // Lower rungs than the arms can hold: the lowest arm covers them too.
                self.arms[room - 1] = par::rung_floor(r);
            } else {
                self.arms[self.n_arms] = par::rung_floor(r);
                self.n_arms += 1;
            }
        }
        if self.owned_offered {
            self.arms[self.n_arms] = OWNED;
            self.n_arms += 1;
        }
        if self.n_arms == 1 {
            self.mode = Mode::Fixed(NEVER);
            return;
        }
        self.mode = Mode::Tuning;
        self.set_batch(per_step);
        self.new_round();
    }

    fn set_batch(&mut self, per_step: f64) {
        self.batch = if per_step > 0.0 {
            (TARGET_SAMPLE_S / per_step).ceil().clamp(1.0, 4096.0) as u32
        } else {
            64
        };
    }

    fn median_of(&self, arm: usize) -> Option<f64> {
        (self.filled[arm] > 0).then(|| median(&self.times[arm][..self.filled[arm]]))
    }

    fn fastest_of(&self, arm: usize) -> f64 {
        self.times[arm][..self.filled[arm]].iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The arm with the lowest median (ties: the higher threshold, fewer splits).
    fn best_arm(&self) -> usize {
        let mut best = 0;
        for a in 1..self.n_arms {
            match (self.median_of(a), self.median_of(best)) {
                (Some(m), Some(b)) if m < b => best = a,
                (Some(_), None) => best = a,
                _ => {}
            }
        }
        best
    }

    /// The arms still being explored before the first choice, in a rotated order.
    fn new_round(&mut self) {
        self.queue_len = 0;
        self.queue_pos = 0;
        let n = self.n_arms;
        for i in 0..n {
            let a = (i + self.rounds) % n;
            if !self.dropped[a] && self.filled[a] < MIN_SAMPLES {
                self.queue[self.queue_len] = a;
                self.queue_len += 1;
            }
        }
        self.rounds += 1;
    }

    fn next_arm(&mut self) -> usize {
        if self.queue_pos < self.queue_len {
            self.queue[self.queue_pos]
        } else {
            self.best
        }
    }

    fn record(&mut self, arm: usize, per_step: f64) {
        let slot = self.next_slot[arm];
        self.times[arm][slot] = per_step;
        self.next_slot[arm] = (slot + 1) % WINDOW;
        self.filled[arm] = (self.filled[arm] + 1).min(WINDOW);
        self.samples += 1;
        if self.queue_pos < self.queue_len && self.queue[self.queue_pos] == arm {
            // A recheck faster than the chosen arm: sample it again, so that
            // its window is not outvoted by samples from another time.
            if self.chosen_once && per_step < self.best_median && self.repeats < WINDOW / 2 {
                self.repeats += 1;
                return;
            }
            self.repeats = 0;
            self.queue_pos += 1;
            if self.queue_pos == self.queue_len {
                self.end_of_round();
            }
            return;
        }
        // The chosen arm's own sample. Recheck the others every `recheck`
        // samples (arms already clearly slower only every LOSER_EVERY-th
        // time), or all of them at once when this arm has clearly slowed down.
        self.since_check += 1;
        // (A chosen "never split" that slows down is the machine's load: the
        // split arms would only be slower still.)
        let slowed = self.arms[arm] != NEVER && self.median_of(arm).is_some_and(|m| m > SLOWED_RATIO * self.best_median);
        if self.since_check >= self.recheck || slowed {
            self.since_check = 0;
            self.rechecks += 1;
            self.urgent = slowed;
            let all = slowed || self.rechecks.is_multiple_of(LOSER_EVERY);
            self.queue_len = 0;
            self.queue_pos = 0;
            for a in (0..self.n_arms).filter(|&a| a != self.best) {
                let contender = self.median_of(a).is_none_or(|m| m <= DROP_RATIO * self.best_median);
                if all || contender {
                    self.queue[self.queue_len] = a;
                    self.queue_len += 1;
                }
            }
            if self.queue_len == 0 {
                self.end_of_round();
            }
        }
    }

    fn end_of_round(&mut self) {
        if !self.chosen_once {
            // Drop arms that are clearly slower than the best so far.
            let best = self.best_arm();
            if let Some(b) = self.median_of(best) {
                for a in 0..self.n_arms {
                    let clearly = self.filled[a] >= 2 && self.fastest_of(a) > DROP_RATIO * b;
                    let at_once = self.filled[a] >= 1 && self.fastest_of(a) > CUT_RATIO * b;
                    if a != best && (clearly || at_once) {
                        self.dropped[a] = true;
                    }
                }
            }
            self.new_round();
            if self.queue_len > 0 {
                return;
            }
        }
        let before = self.best;
        self.best = self.best_arm();
        self.queue_len = 0;
        self.queue_pos = 0;
        // Back to frequent rechecks after a first choice, a slowdown, or a
        // choice that gains more than noise; a near tie changing hands is not news.
        let new_median = self.median_of(self.best).unwrap_or(f64::INFINITY);
        let gained = self.median_of(before).is_some_and(|m| m > MOVED_RATIO * new_median);
        self.recheck = if !self.chosen_once || self.urgent || gained {
            // The next recheck times every arm.
            self.rechecks = LOSER_EVERY - 1;
            FIRST_RECHECK
        } else {
            (self.recheck * 2).min(MAX_RECHECK)
        };
        self.urgent = false;
        self.chosen_once = true;
        self.best_median = new_median;
        if self.best_median.is_finite() {
            self.set_batch(self.best_median);
        }
    }

    /// What the tuner has found so far.
    pub fn report(&self) -> TunerReport {
        let state = match self.mode {
            Mode::Fixed(_) => "fixed",
            Mode::Survey => "surveying",
            Mode::Tuning if !self.chosen_once => "exploring",
            Mode::Tuning => "chosen",
        };
        TunerReport {
            state,
            arms: (0..self.n_arms).map(|a| (Split::of(self.arms[a]), self.median_of(a))).collect(),
            chosen: match self.mode {
                Mode::Tuning => Split::of(self.arms[self.best]),
                // One thread splits nothing, whatever the threshold.
                _ if can_split() => Split::of(self.threshold()),
                _ => Split::Never,
            },
            samples: self.samples,
            steps_per_sample: self.batch,
            owned_runs: self.owned_runs,
            owned_alone: self.owned_alone,
        }
    }
}

/// Whether sites can split on this thread (the `parallel` feature and two threads or more).
pub fn can_split() -> bool {
    par::threads() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tuner past its survey with these arms (thresholds below "never").
    fn tuning(rungs: &[usize]) -> SplitTuner {
        let mut t = SplitTuner::fixed(0);
        let mut seen = [0u16; par::RUNGS];
        for &r in rungs {
            seen[r] += 1;
        }
        t.start_tuning(&seen, 1e-4);
        t
    }

    /// Feed samples whose time per step is `cost(threshold)`; returns the arms sampled.
    fn feed(t: &mut SplitTuner, samples: usize, cost: impl Fn(Option<usize>) -> f64) -> Vec<usize> {
        let mut arms = Vec::new();
        for _ in 0..samples {
            let a = t.next_arm();
            arms.push(a);
            let thr = (t.arms[a] != NEVER).then_some(t.arms[a]);
            t.record(a, cost(thr));
        }
        arms
    }

    #[test]
    fn arms_are_never_and_the_rungs_that_hold_sites() {
        let t = tuning(&[5, 5, 2, 1]);
        assert_eq!(
            &t.arms[..t.n_arms],
            &[NEVER, par::rung_floor(5), par::rung_floor(2), par::rung_floor(1)]
        );
        assert_eq!(t.batch, 10, "1 ms samples of 0.1 ms steps");
        // Nothing above the floor: nothing to choose.
        let t = tuning(&[]);
        assert_eq!(t.mode, Mode::Fixed(NEVER));
        // More rungs than arms: the lowest arm covers the rest.
        let t = tuning(&[7, 6, 5, 4, 3, 2, 1, 0]);
        assert_eq!(t.n_arms, MAX_ARMS);
        assert_eq!(t.arms[MAX_ARMS - 1], par::rung_floor(0));
    }

    #[test]
    fn the_fastest_arm_is_chosen_and_slow_arms_are_dropped_early() {
        let mut t = tuning(&[5, 2]);
        // Splitting the big products helps, splitting the small ones too costs a little.
        let cost = |thr: Option<usize>| match thr {
            None => 2.0e-3,
            Some(x) if x == par::rung_floor(5) => 1.0e-3,
            Some(_) => 1.05e-3,
        };
        let explored = feed(&mut t, 8, cost);
        assert_eq!(t.report().chosen, Split::Threshold(par::rung_floor(5)), "{explored:?}");
        // "Never" was dropped after two samples: 2 + 3 + 3 samples in all.
        assert_eq!(explored.iter().filter(|&&a| a == 0).count(), 2, "{explored:?}");
        assert_eq!(t.report().state, "chosen");
        // From now on the chosen arm runs, apart from rechecks.
        let later = feed(&mut t, FIRST_RECHECK as usize, cost);
        assert!(later.iter().all(|&a| a == 1), "{later:?}");
    }

    #[test]
    fn an_arm_twice_as_slow_is_dropped_after_one_sample() {
        let mut t = tuning(&[1]);
        // Splitting stalls (the other core is busy): five times slower.
        let explored = feed(&mut t, 4, |thr| if thr.is_some() { 5e-4 } else { 1e-4 });
        assert_eq!(t.report().chosen, Split::Never, "{explored:?}");
        assert_eq!(explored.iter().filter(|&&a| a == 1).count(), 1, "{explored:?}");
    }

    #[test]
    fn a_change_of_load_moves_the_choice_and_rechecks_back_off() {
        let mut t = tuning(&[3]);
        let quiet = |thr: Option<usize>| if thr.is_some() { 1.0e-3 } else { 1.6e-3 };
        feed(&mut t, 6, quiet);
        assert_eq!(t.report().chosen, Split::Threshold(par::rung_floor(3)));
        // While the choice stands, rechecks come less and less often.
        let arms = feed(&mut t, 2000, quiet);
        // "Never" is clearly slower: it is retimed at every fourth recheck only.
        let rechecks = arms.iter().filter(|&&a| a == 0).count();
        assert!((1..=4).contains(&rechecks), "{rechecks} rechecks of the slow arm in 2000 samples");
        assert_eq!(t.recheck, MAX_RECHECK);
        // The other core gets busy: splitting now loses, and the choice
        // follows as soon as the chosen arm's median shows it.
        let busy = |thr: Option<usize>| if thr.is_some() { 2.5e-3 } else { 1.6e-3 };
        let mut moved = None;
        for i in 0..4000 {
            feed(&mut t, 1, busy);
            if t.report().chosen == Split::Never {
                moved = Some(i);
                break;
            }
        }
        let moved = moved.expect("the choice moves to one thread");
        assert!(moved <= WINDOW, "after {moved} samples");
        assert_eq!(t.recheck, FIRST_RECHECK);
        // And back when the other core is free again (at the next recheck).
        let arms = feed(&mut t, 3 * FIRST_RECHECK as usize, quiet);
        assert_eq!(t.report().chosen, Split::Threshold(par::rung_floor(3)), "{arms:?}");
    }

    #[test]
    fn the_owned_arm_is_timed_like_the_others_and_runs_long_once_chosen() {
        let mut t = SplitTuner::fixed(0);
        t.owned_offered = true;
        let mut seen = [0u16; par::RUNGS];
        for r in [7, 6, 5, 4, 3] {
            seen[r] = 1;
        }
        t.start_tuning(&seen, 1e-4);
        // The owned arm comes last; the rungs make room for it.
        assert_eq!(t.n_arms, MAX_ARMS);
        assert_eq!(t.arms[MAX_ARMS - 1], OWNED);
        assert_eq!(t.arms[MAX_ARMS - 2], par::rung_floor(3), "the lowest arm covers the rungs below it");
        let cost = |a: usize| if a == MAX_ARMS - 1 { 5e-5 } else { 1e-4 };
        for _ in 0..20 {
            let a = t.next_arm();
            t.record(a, cost(a));
        }
        assert_eq!(t.report().chosen, Split::Owned("owned"));
        // Settled: a run may cover every sample up to the next recheck, not just one.
        t.arm = t.next_arm();
        assert_eq!(t.arm, MAX_ARMS - 1);
        let (batch, to_recheck) = (u64::from(t.batch), u64::from(t.recheck - t.since_check));
        assert_eq!(t.owned_room(), batch * to_recheck);
        // Such a run counts as that many samples (the clock's own time per step).
        t.start = now();
        let before = t.samples;
        t.after_steps(3 * batch);
        assert_eq!(t.samples, before + 3);
        assert!(t.start.is_none(), "the sample closed");
    }

    #[test]
    fn fixed_tuners_set_their_threshold() {
        let mut t = SplitTuner::fixed(NEVER);
        t.before_step();
        assert_eq!(par::min_work(), NEVER);
        t.after_step();
        t.end_budget();
        let mut t = SplitTuner::fixed(0);
        t.before_step();
        assert_eq!(par::min_work(), 0);
        assert_eq!(t.report().chosen, if can_split() { Split::Threshold(0) } else { Split::Never });
        par::set_min_work(par::DEFAULT_MIN_WORK);
    }
}
