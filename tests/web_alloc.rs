//! The training step allocates nothing in steady state in the browser build
//! too (issue 21: "no allocation in a step"). tests/alloc.rs counts natively,
//! where faer runs its own x86 kernels; in wasm the products go through the
//! gemm crate, whose every call allocated its packing buffer and a vector of
//! flags until vendor/gemm-common kept both per thread (its PATCH.md). A
//! counting global allocator around `Trainer::advance` between history
//! records, for W1–W3's shapes (W3 with fewer samples), direct and span steps,
//! and with biases. Run with `make test-wasm` (headless Chromium).
#![cfg(target_arch = "wasm32")]

mod counting;

use lowrank_lab::bench::workloads::{workload, Workload};
use lowrank_lab::config::Config;
use lowrank_lab::run::Run;
use lowrank_lab::train::Trainer;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// Allocations made by `steps` steps after a warm-up of `2·steps`, with no history record due in between.
fn allocations(mut cfg: Config, steps: u64, span: bool) -> usize {
    cfg.train.record_every = 1_000_000;
    let cfg = cfg.validate().expect("valid");
    let run = Run::new(&cfg);
    let t = &run.data().tasks[0];
    let mut trainer = Trainer::new(&cfg, 0, t.x.clone(), t.y.clone());
    assert_eq!(trainer.set_span_steps(span), span, "span steps apply to this config");
    trainer.advance(2 * steps);
    assert!(trainer.status().is_running(), "{:?}", trainer.status());
    let before = counting::count();
    trainer.advance(steps);
    let after = counting::count();
    assert!(trainer.status().is_running(), "{:?}", trainer.status());
    after - before
}

#[wasm_bindgen_test]
fn steps_allocate_nothing_in_wasm() {
    let mut w3 = workload(Workload::W3);
    w3.data.n = 64;
    for (name, cfg, steps) in [
        ("W1", workload(Workload::W1), 100),
        ("W2", workload(Workload::W2), 100),
        ("W3 n=64", w3, 5),
    ] {
        for span in [false, true] {
            assert_eq!(allocations(cfg.clone(), steps, span), 0, "{name}, span steps {span}");
        }
        let mut biased = cfg.clone();
        biased.net.bias = true;
        assert_eq!(allocations(biased, steps, false), 0, "{name} with biases");
    }
}
