#![cfg(not(target_arch = "wasm32"))]
//! The training step allocates nothing in steady state (issue: speed): a
//! counting global allocator around `Trainer::advance` between history
//! records, for each standard workload shape (scaled down where the step
//! would be slow), with biases, and for SGD. Large products run on two threads; measured
//! from a pool thread, as `Trainer::advance` arranges itself (from outside,
//! rayon's global job queue allocates a block per few dozen injected jobs).
//! Each window runs with every site split, with none, with owned steps, and
//! with the split tuner choosing by timing (`net::tune`: its samples and arms
//! are fixed arrays).

mod counting;

use lowrank_lab::bench::workloads::{workload, Workload};
use lowrank_lab::config::{Config, Optimizer};
use lowrank_lab::net::tune::{SplitTuner, OWNED};
use lowrank_lab::run::Run;
use lowrank_lab::train::Trainer;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// One two-thread pool for every window, all of its threads started before
/// any measurement (a thread that is still starting up allocates), and each
/// with the matrix products' per-thread packing buffers in place: a thread's
/// first product allocates them once (gemm's thread-local slab). Whether the
/// pool's second thread ran a product in a warm-up depends on scheduling (a
/// busy machine showed its first one inside a window, from a split piece).
fn pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool");
        pool.broadcast(|_| {
            let a = ndarray::Array2::<f64>::ones((96, 96));
            let mut c = ndarray::Array2::<f64>::zeros((96, 96));
            lowrank_lab::net::gemm::sequential(c.view_mut(), a.view(), a.view(), 1.0, false);
        });
        pool
    })
}

/// Allocations made by `steps` steps after a warm-up, with no history record due in between.
fn allocations_per_window(cfg: Config, steps: u64) -> usize {
    allocations_per_window_with(cfg, steps, false)
}

/// The same, with span steps on (`Trainer::set_span_steps`) when `span`, for
/// each way of splitting work: every site split, none, owned steps
/// (`train::owned`), and the split tuner timing its arms (`net::tune`);
/// the largest count.
fn allocations_per_window_with(cfg: Config, steps: u64, span: bool) -> usize {
    [
        SplitTuner::fixed(0),
        SplitTuner::fixed(usize::MAX),
        SplitTuner::fixed(OWNED),
        SplitTuner::new(),
    ]
    .into_iter()
    .map(|tuner| allocations_with_tuner(cfg.clone(), steps, span, tuner))
    .max()
    .unwrap_or(0)
}

fn allocations_with_tuner(mut cfg: Config, steps: u64, span: bool, tuner: SplitTuner) -> usize {
    cfg.train.record_every = 1_000_000;
    let cfg = cfg.validate().expect("valid");
    let run = Run::new(&cfg);
    let t = &run.data().tasks[0];
    let mut trainer = Trainer::new(&cfg, 0, t.x.clone(), t.y.clone());
    trainer.set_split_tuner(tuner);
    assert_eq!(trainer.set_span_steps(span), span, "span steps apply to this config");
    // Warm-up: workspaces sized, first record and checkpoint taken, thread pools
    // started, then a window inside the measuring pool (its first few hundred
    // joins allocate once: W1's split products showed 1 allocation in the first
    // 400, none in the 6,000 after a warm-up).
    trainer.advance(2 * steps);
    assert!(trainer.status().is_running(), "{:?}", trainer.status());
    let (before, after) = pool().install(|| {
        trainer.advance(steps);
        let before = counting::count();
        trainer.advance(steps);
        (before, counting::count())
    });
    assert!(trainer.status().is_running(), "{:?}", trainer.status());
    after - before
}

/// One test function: the counter is global, so a second test running in
/// parallel would count its own allocations here.
#[test]
fn gd_and_sgd_steps_allocate_nothing_on_the_standard_workloads() {
    for w in [Workload::W1, Workload::W2] {
        assert_eq!(allocations_per_window(workload(w), 200), 0, "{w:?}");
    }
    // W3's shape, fewer samples (the same code path, incl. the threaded products).
    let mut w3 = workload(Workload::W3);
    assert_eq!(allocations_per_window(w3.clone(), 3), 0, "W3");
    w3.data.n = 64;
    assert_eq!(allocations_per_window(w3, 40), 0, "W3 n=64");

    // Span steps, including the write-out of W_1, its EMA and checkpoint at the end of each budget.
    for w in [Workload::W1, Workload::W2] {
        assert_eq!(allocations_per_window_with(workload(w), 200, true), 0, "{w:?} span");
    }
    let mut w3 = workload(Workload::W3);
    w3.data.n = 64;
    assert_eq!(allocations_per_window_with(w3, 40, true), 0, "W3 n=64 span");

    // With biases: ∇b of every layer (one output at the top, two halves below) is summed in place.
    for w in [Workload::W1, Workload::W2] {
        let mut cfg = workload(w);
        cfg.net.bias = true;
        assert_eq!(allocations_per_window(cfg, 200), 0, "{w:?} with biases");
    }

    let mut cfg = workload(Workload::W2);
    cfg.train.optimizer = Optimizer::Sgd;
    cfg.train.batch_size = 8;
    assert_eq!(allocations_per_window(cfg, 200), 0, "SGD");
}
