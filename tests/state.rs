#![cfg(not(target_arch = "wasm32"))]
//! Export → JSON → import → continue equals an uninterrupted run, bit for bit,
//! for GD, SGD and gradient flow; a mismatched state is refused.
mod common;

use lowrank_lab::config::{Config, Optimizer, BROWSER_MEMORY_BUDGET, NATIVE_MEMORY_BUDGET};
use lowrank_lab::run::{Run, RunState};

fn refused(st: RunState) -> String {
    match Run::from_state(st, NATIVE_MEMORY_BUDGET) {
        Ok(_) => panic!("a mismatched state was accepted"),
        Err(e) => e.to_string(),
    }
}

fn config(opt: Optimizer) -> Config {
    let mut c = common::tiny_config(17, opt, 2);
    c.data.d = 10;
    c.data.rho = 0.4;
    c.net.widths = vec![16, 8];
    c.train.steps = 400;
    c.train.time = 6.0;
    c.train.record_every = 7;
    c.train.history_len = 16;
    c
}

#[test]
fn export_import_continue_is_bit_identical() {
    for opt in [Optimizer::Gd, Optimizer::Sgd, Optimizer::Gf] {
        let cfg = config(opt).validate().unwrap();
        let mut straight = Run::new(&cfg);
        straight.advance(150);
        straight.advance(10_000);
        let mut first = Run::new(&cfg);
        first.advance(150);
        let text = serde_json::to_string(&first.state()).unwrap();
        let state: RunState = serde_json::from_str(&text).unwrap();
        // Exact round trip (compared as JSON: a NaN field, e.g. a metric of a zero layer, is never == itself).
        assert_eq!(
            serde_json::to_string(&state).unwrap(),
            text,
            "{opt:?}: JSON did not round-trip exactly"
        );
        let mut resumed = Run::from_state(state, NATIVE_MEMORY_BUDGET).unwrap();
        resumed.advance(10_000);
        let (a, b) = (
            serde_json::to_string(&straight.snapshot()).unwrap(),
            serde_json::to_string(&resumed.snapshot()).unwrap(),
        );
        assert_eq!(a, b, "{opt:?}: resumed run differs");
        assert!(straight.trainers()[0].step_count() > 150);
    }
}

#[test]
fn mismatched_states_are_refused() {
    let cfg = config(Optimizer::Gd).validate().unwrap();
    let run = Run::new(&cfg);
    let mut st = run.state();
    st.config.net.widths = vec![16, 9];
    assert!(refused(st).contains("layer shapes do not match"));
    let mut st = run.state();
    st.config.train.optimizer = Optimizer::Sgd;
    assert!(refused(st).contains("another optimizer"));
    let mut st = run.state();
    st.tasks.pop();
    assert!(refused(st).contains("state has 1 tasks"));
    let mut st = run.state();
    st.config.train.lr = -1.0;
    assert!(refused(st).contains("train.lr must be in (0, 1000]"));
    assert!(serde_json::from_str::<RunState>(r#"{"config": {}, "tasks": [], "extra": 1}"#).is_err());
}

/// Counts the bytes this thread has live and their peak, so a test can show
/// that nothing large is allocated before a refusal.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn add(d: isize) {
        let _ = LIVE.try_with(|l| {
            l.set(l.get() + d);
            let _ = PEAK.try_with(|p| p.set(p.get().max(l.get())));
        });
    }

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            add(l.size() as isize);
            unsafe { System.alloc(l) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            add(-(l.size() as isize));
            unsafe { System.dealloc(p, l) }
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            add(new as isize - l.size() as isize);
            unsafe { System.realloc(p, l, new) }
        }
    }

    /// Peak bytes above the starting level allocated by this thread while `f` runs.
    pub fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let base = LIVE.with(Cell::get);
        PEAK.with(|p| p.set(base));
        let out = f();
        (out, (PEAK.with(Cell::get) - base).max(0) as usize)
    }
}

#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

#[test]
fn huge_declared_sizes_are_refused_before_allocating() {
    let cfg = config(Optimizer::Gd).validate().unwrap();
    let exported = serde_json::to_value(Run::new(&cfg).state()).unwrap();
    let import = |v: &serde_json::Value| {
        let text = v.to_string();
        let (res, peak) =
            counting::peak_of(|| RunState::from_json(&text).and_then(|s| Run::from_state(s, BROWSER_MEMORY_BUDGET).map(|_| ())));
        (res.unwrap_err().to_string(), peak, text.len())
    };
    // A 10^9-wide layer: refused by the config's range check.
    let mut v = exported.clone();
    v["config"]["net"]["widths"] = serde_json::json!([1_000_000_000, 8]);
    let (e, peak, len) = import(&v);
    assert!(
        e.contains("state.config: net.widths[0] must be in [1, 1000000], got 1000000000"),
        "{e}"
    );
    assert!(peak < 64 * len + (1 << 20), "peak {peak} bytes for a {len}-byte state");
    // Widths within range but a run far above the browser's budget: refused by the estimate.
    let mut v = exported.clone();
    v["config"]["data"]["d"] = serde_json::json!(1_000_000);
    v["config"]["net"]["widths"] = serde_json::json!([1_000_000, 1_000_000]);
    let (e, peak, len) = import(&v);
    assert!(
        e.contains("state.config: the run needs an estimated") && e.contains("above the memory budget of 1073741824 bytes"),
        "{e}"
    );
    assert!(peak < 64 * len + (1 << 20), "peak {peak} bytes for a {len}-byte state");
    // A weight matrix declaring 10^9 × 10^9 entries: refused while reading, by what the file holds.
    let mut v = exported.clone();
    v["tasks"][0]["params"]["w"][0]["dim"] = serde_json::json!([1_000_000_000, 1_000_000_000]);
    let (e, peak, len) = import(&v);
    assert!(
        e.contains("state.tasks[0].params.w[0]: data and dimension must match in size"),
        "{e}"
    );
    assert!(peak < 64 * len + (1 << 20), "peak {peak} bytes for a {len}-byte state");
}

/// A run whose gradient overflowed (here: one weight set to 1e308 in an
/// imported state) diverges; the rollback restores the checkpoint's gradient
/// EMA (finite; before issue 15 it kept the overflowed one), its export must
/// still import, and continue exactly like the run itself.
#[test]
fn a_run_whose_gradient_overflowed_exports_and_continues() {
    for opt in [Optimizer::Gd, Optimizer::Sgd] {
        let cfg = config(opt).validate().unwrap();
        let mut run = Run::new(&cfg);
        run.advance(40);
        let base = serde_json::to_value(run.state()).unwrap();
        let mut found = false;
        for at in 0..40 {
            let mut v = base.clone();
            v["tasks"][0]["params"]["w"][0]["data"][at] = serde_json::json!(1e308);
            let mut straight = Run::from_state(RunState::from_json(&v.to_string()).unwrap(), NATIVE_MEMORY_BUDGET).unwrap();
            straight.advance(60);
            if !matches!(straight.trainers()[0].status(), lowrank_lab::train::Status::Diverged { .. }) {
                continue;
            }
            let ema = straight.trainers()[0].gradient_ema();
            assert!(
                ema.w.iter().all(|w| w.iter().all(|x| x.is_finite())),
                "{opt:?}: the kept EMA is not finite"
            );
            found = true;
            let text = serde_json::to_string(&straight.state()).unwrap();
            let mut resumed = Run::from_state(RunState::from_json(&text).unwrap(), NATIVE_MEMORY_BUDGET)
                .unwrap_or_else(|e| panic!("{opt:?}: the export of a diverged run is refused: {e}"));
            for r in [&mut straight, &mut resumed] {
                r.set_lr(0.01).unwrap();
                r.advance(100);
            }
            assert_eq!(
                serde_json::to_string(&straight.snapshot()).unwrap(),
                serde_json::to_string(&resumed.snapshot()).unwrap(),
                "{opt:?}: resumed run differs"
            );
            break;
        }
        assert!(found, "{opt:?}: no weight made the run diverge");
    }
}
