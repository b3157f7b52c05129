//! Where a step's work is cut across threads: the split threshold in force on
//! this thread, and elementwise passes over big slices cut in halves.
//!
//! A *site* is a matrix product (`gemm::matmul`) or an elementwise pass
//! (`zip2`, `zip3`); its *work* is m·n·k multiply-adds for a product and 4
//! per element for a pass (the old fixed thresholds, 2¹⁸ multiply-adds and
//! 2¹⁶ elements, put them on one scale). A site splits when its work is at
//! least the thread's threshold ([`min_work`]) and the pool has two threads
//! or more. The trainer sets the threshold for each step from what it
//! measured on this machine (`net::tune`); everything else (analysis,
//! metrics) runs with [`DEFAULT_MIN_WORK`].
//!
//! Under span steps a W3 step spends ~40% of its wall time in elementwise
//! passes (activation, its derivative, the fused update, s·Z₀), which would
//! otherwise leave the other core idle. Every pass here is elementwise, so
//! the result is bit-identical however the slices are cut; a maximum (the
//! fused update's) is combined with `max`. Products are cut into whole rows
//! or columns of C (`gemm`), which gives the same bits too: whatever the
//! threshold, a step computes the same numbers.

use std::cell::Cell;

/// The threshold outside a tuned step: products of 2¹⁸ multiply-adds and
/// passes over 2¹⁶ elements or more split. W3's 1024×256×256 products (6.7e7)
/// and W1's 200×100×20 (4.0e5) are above it; W2's largest, 64×64×30 (1.2e5), is not.
pub const DEFAULT_MIN_WORK: usize = 1 << 18;

/// Work per element of an elementwise pass, in multiply-adds of a product.
pub const WORK_PER_ELEMENT: usize = 4;

/// The ladder the tuner's thresholds are taken from: 4^k·2¹⁶, k = 0..8.
/// Sites below its first rung never split (a piece of a few µs of work
/// costs more to hand over than it saves).
pub const RUNGS: usize = 8;
pub const LADDER_FLOOR: usize = 1 << 16;

/// The rung of `work` (None below the floor).
pub fn rung(work: usize) -> Option<usize> {
    if work < LADDER_FLOOR {
        return None;
    }
    let log4 = (usize::BITS - 1 - (work / LADDER_FLOOR).leading_zeros()) as usize / 2;
    Some(log4.min(RUNGS - 1))
}

/// The smallest work of rung `r`.
pub fn rung_floor(r: usize) -> usize {
    LADDER_FLOOR << (2 * r)
}

/// Threads a split can use: rayon's pool natively; in the threaded wasm build
/// the pool `src/web` started (1 until then, and in builds without threads).
pub fn threads() -> usize {
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    {
        rayon::current_num_threads()
    }
    #[cfg(all(feature = "parallel", target_arch = "wasm32"))]
    {
        POOL.load(std::sync::atomic::Ordering::Acquire).max(1)
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

#[cfg(all(feature = "parallel", target_arch = "wasm32"))]
static POOL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The threaded wasm build's pool of `n` threads is running (`src/web/pool.rs`).
#[cfg(all(feature = "parallel", target_arch = "wasm32"))]
pub fn set_pool_ready(n: usize) {
    POOL.store(n, std::sync::atomic::Ordering::Release);
}

thread_local! {
    static MIN_WORK: Cell<usize> = const { Cell::new(DEFAULT_MIN_WORK) };
    /// Sites seen per rung while the tuner surveys a step (None: not counting).
    static SEEN: Cell<Option<[u16; RUNGS]>> = const { Cell::new(None) };
}

/// This thread's split threshold.
pub fn min_work() -> usize {
    MIN_WORK.with(Cell::get)
}

/// Set this thread's split threshold (`usize::MAX`: never split); returns the previous one.
pub fn set_min_work(work: usize) -> usize {
    MIN_WORK.with(|c| c.replace(work))
}

/// Start (or with `false` stop) counting this thread's sites per rung.
pub fn count_sites(on: bool) {
    SEEN.with(|c| c.set(on.then_some([0; RUNGS])));
}

/// The sites counted since `count_sites(true)`, per rung (None if not counting).
pub fn sites_seen() -> Option<[u16; RUNGS]> {
    SEEN.with(Cell::get)
}

/// Go on counting from `seen` (what [`sites_seen`] returned), or stop with None.
pub fn set_sites_seen(seen: Option<[u16; RUNGS]>) {
    SEEN.with(|c| c.set(seen));
}

/// Whether a site of this much work splits here (and count it if the tuner is surveying).
pub(crate) fn splits(work: usize) -> bool {
    SEEN.with(|c| {
        if let (Some(mut seen), Some(r)) = (c.get(), rung(work)) {
            seen[r] = seen[r].saturating_add(1);
            c.set(Some(seen));
        }
    });
    work >= min_work() && threads() >= 2
}

/// `f(a, b)` over equally long slices, in two halves on two threads when long.
pub fn zip2(a: &[f64], b: &mut [f64], f: &(impl Fn(&[f64], &mut [f64]) + Sync)) {
    debug_assert_eq!(a.len(), b.len());
    if splits(a.len() * WORK_PER_ELEMENT) {
        let mid = a.len() / 2;
        let ((a1, a2), (b1, b2)) = (a.split_at(mid), b.split_at_mut(mid));
        join(|| f(a1, b1), || f(a2, b2));
        return;
    }
    f(a, b)
}

/// `f(t, e, g)` over equally long slices, halves on two threads when long; the larger of the two results.
pub fn zip3(t: &mut [f64], e: &mut [f64], g: &[f64], f: &(impl Fn(&mut [f64], &mut [f64], &[f64]) -> u64 + Sync)) -> u64 {
    debug_assert!(t.len() == e.len() && e.len() == g.len());
    if splits(t.len() * WORK_PER_ELEMENT) {
        let mid = t.len() / 2;
        let ((t1, t2), (e1, e2), (g1, g2)) = (t.split_at_mut(mid), e.split_at_mut(mid), g.split_at(mid));
        let (x, y) = join(|| f(t1, e1, g1), || f(t2, e2, g2));
        return x.max(y);
    }
    f(t, e, g)
}

/// `rayon::join` with the `parallel` feature, else one after the other.
pub(crate) fn join<A: FnOnce() -> RA + Send, B: FnOnce() -> RB + Send, RA: Send, RB: Send>(a: A, b: B) -> (RA, RB) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// How long [`handoff_seconds`] waits for a half to be stolen (a hand-off takes microseconds).
#[cfg(feature = "parallel")]
pub const STEAL_WAIT: f64 = 0.01;

/// Mean seconds for one hand-off of a half to another pool thread and back,
/// timed over `n` joins whose second half must be stolen (the first waits
/// for it to start): what a split costs beyond its arithmetic, the bound on
/// splitting small products. Runs on the pool; None without a second thread
/// or a clock (`tune::now`), or when a half is not stolen within
/// [`STEAL_WAIT`] (the other pool threads busy elsewhere or asleep: only
/// this thread could then run it, and an unbounded wait for it never ended;
/// it hung `cargo test` once, beside other tests on the same pool).
#[cfg(feature = "parallel")]
pub fn handoff_seconds(n: u32) -> Option<f64> {
    use std::sync::atomic::{AtomicBool, Ordering};
    if threads() < 2 || n == 0 {
        return None;
    }
    let run = || {
        let start = super::tune::now()?;
        for _ in 0..n {
            let started = AtomicBool::new(false);
            let (stolen, ()) = rayon::join(
                || super::tune::spin_until(|| started.load(Ordering::Acquire), STEAL_WAIT),
                || started.store(true, Ordering::Release),
            );
            if !stolen {
                return None;
            }
        }
        Some((super::tune::now()? - start) / f64::from(n))
    };
    if rayon::current_thread_index().is_some() {
        run()
    } else {
        rayon::scope(|_| run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rungs_are_powers_of_four_from_the_floor() {
        assert_eq!(rung(LADDER_FLOOR - 1), None);
        assert_eq!(rung(LADDER_FLOOR), Some(0));
        assert_eq!(rung(4 * LADDER_FLOOR - 1), Some(0));
        assert_eq!(rung(4 * LADDER_FLOOR), Some(1));
        assert_eq!(rung(1024 * 256 * 256), Some(5));
        assert_eq!(rung(usize::MAX), Some(RUNGS - 1));
        for r in 0..RUNGS {
            assert_eq!(rung(rung_floor(r)), Some(r));
        }
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn halves_give_the_bits_of_one_pass() {
        let n = 3 * (DEFAULT_MIN_WORK / WORK_PER_ELEMENT) + 5;
        let a: Vec<f64> = (0..n).map(|i| ((i * 37) as f64).sin()).collect();
        let f = |a: &[f64], b: &mut [f64]| b.iter_mut().zip(a).for_each(|(b, a)| *b = a.max(0.0) * 1.5);
        let mut one = vec![0.0; n];
        f(&a, &mut one);
        let g: Vec<f64> = (0..n).map(|i| ((i * 11) as f64).cos()).collect();
        let upd = |t: &mut [f64], e: &mut [f64], g: &[f64]| crate::net::simd::fused_update(t, e, g, 0.99, 0.1, 0.9);
        let (mut t2, mut e2) = (a.clone(), vec![0.5; n]);
        let m2 = upd(&mut t2, &mut e2, &g);
        // Split (threshold 0) and whole (never), on a pool of two threads.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for threshold in [0, usize::MAX] {
            pool.install(|| {
                let before = set_min_work(threshold);
                let mut split_b = vec![0.0; n];
                zip2(&a, &mut split_b, &f);
                assert_eq!(split_b, one);
                let (mut t1, mut e1) = (a.clone(), vec![0.5; n]);
                assert_eq!(zip3(&mut t1, &mut e1, &g, &upd), m2);
                assert_eq!((&t1, &e1), (&t2, &e2));
                set_min_work(before);
            });
        }
    }

    /// With the pool's other thread held by another job, no half can be
    /// stolen: the measurement gives up (None) instead of spinning for ever.
    #[cfg(feature = "parallel")]
    #[test]
    fn a_handoff_nobody_steals_ends() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            let (held, release) = (AtomicBool::new(false), AtomicBool::new(false));
            let got = pool.install(|| {
                let (got, ()) = rayon::join(
                    || {
                        // Once the other thread holds the blocker, time hand-offs on this one.
                        let took = crate::net::tune::spin_until(|| held.load(Ordering::Acquire), 10.0);
                        assert!(took, "the pool's second thread never took the blocker");
                        let got = handoff_seconds(50);
                        release.store(true, Ordering::Release);
                        got
                    },
                    || {
                        held.store(true, Ordering::Release);
                        while !release.load(Ordering::Acquire) {
                            std::hint::spin_loop();
                        }
                    },
                );
                got
            });
            let free = pool.install(|| handoff_seconds(50));
            tx.send((got, free)).unwrap();
        });
        let (got, free) = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("handoff_seconds returned");
        assert_eq!(got, None, "no half could be stolen");
        assert!(free.is_some_and(|s| s > 0.0 && s < STEAL_WAIT), "{free:?}");
    }

    #[test]
    fn sites_are_counted_per_rung_while_surveying() {
        count_sites(true);
        assert!(!splits(10));
        let _ = splits(LADDER_FLOOR);
        let _ = splits(1024 * 256 * 256);
        let _ = splits(1024 * 256 * 256);
        let seen = sites_seen().unwrap();
        count_sites(false);
        assert_eq!(seen[0], 1);
        assert_eq!(seen[5], 2);
        assert_eq!(seen.iter().map(|&s| s as usize).sum::<usize>(), 3);
        assert_eq!(sites_seen(), None);
    }
}
