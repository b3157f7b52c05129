#![cfg(not(target_arch = "wasm32"))]
//! Validation knows its target (issue 17): the largest single buffer
//! `config::largest_buffer` predicts is checked against the allocations a run
//! actually makes (a counting global allocator records the largest request),
//! for configs that stress each entry of the estimate: a wide layer (weights,
//! SVD, blocked balance), many samples (activations, data), several tasks
//! with RegMean (stacked inputs), a long history (the snapshot's JSON). And a
//! hidden width of 10⁵ in the default config — the crash — is
//! accepted for wasm32 because no buffer it needs exceeds 2³¹ − 1 bytes.

use lowrank_lab::config::{largest_buffer, Config, ConfigError, MergeMethod, Target, BROWSER_MEMORY_BUDGET};
use lowrank_lab::run::Run;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LARGEST.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LARGEST.fetch_max(new, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Largest = Largest;

/// The largest single allocation while a run of `c` is built, takes `steps`
/// steps, snapshots, and writes the snapshot's JSON (what the page's workers do).
fn largest_allocation(c: &Config, steps: u64) -> usize {
    // One measurement at a time: the record is global (training may use pool threads).
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let cfg = c.validate_for(Target::WASM32, BROWSER_MEMORY_BUDGET).expect("valid for wasm32");
    LARGEST.store(0, Ordering::Relaxed);
    let mut run = Run::new(&cfg);
    run.advance(steps);
    let json = serde_json::to_string(&run.snapshot()).unwrap();
    std::hint::black_box(json.len());
    LARGEST.load(Ordering::Relaxed)
}

fn cases() -> Vec<(&'static str, Config, u64)> {
    let mut out = Vec::new();
    let mut wide = Config::default();
    wide.net.widths = vec![20_000];
    out.push(("one 20000-unit layer", wide, 3));
    let mut square = Config::default();
    square.net.widths = vec![1500, 1500];
    out.push(("two 1500-unit layers (the balance in blocks)", square, 2));
    let mut many = Config::default();
    many.data.n = 20_000;
    many.data.d = 50;
    many.net.widths = vec![64];
    out.push(("20000 samples", many, 2));
    let mut merge = Config::default();
    merge.data.tasks = 3;
    merge.data.n = 2000;
    merge.data.d = 200;
    merge.net.widths = vec![300];
    merge.merge.methods = vec![MergeMethod::Sum, MergeMethod::Regmean, MergeMethod::Spectral];
    out.push(("3 tasks merged with RegMean", merge, 2));
    let mut long = Config::default();
    long.data.d = 400;
    long.net.widths = vec![400];
    long.train.history_len = 300;
    long.train.record_every = 1;
    long.train.steps = 300;
    out.push(("a full history of wide spectra", long, 300));
    out
}

#[test]
fn the_largest_buffer_estimate_bounds_what_a_run_allocates() {
    for (name, c, steps) in cases() {
        let est = largest_buffer(&c, Target::WASM32);
        let got = largest_allocation(&c, steps) as u64;
        eprintln!("{name}: largest allocation {got} B, estimate {} B ({})", est.bytes, est.what);
        assert!(
            got <= est.bytes,
            "{name}: a run allocated {got} B in one piece, the estimate says at most {} B",
            est.bytes
        );
        // Not vacuous: within a small factor of what is really allocated.
        assert!(
            est.bytes <= 8 * got,
            "{name}: estimate {} B is far above the {got} B allocated",
            est.bytes
        );
    }
}

#[test]
fn a_hidden_width_of_100000_fits_wasm32_and_trains() {
    let mut c = Config::default();
    c.net.widths = vec![100_000];
    let est = largest_buffer(&c, Target::WASM32);
    assert!(est.bytes < Target::WASM32.max_buffer, "{est:?}");
    let got = largest_allocation(&c, 2) as u64;
    assert!(got <= est.bytes && got < Target::WASM32.max_buffer, "{got} vs {est:?}");
}

#[test]
fn a_buffer_beyond_wasm32_is_refused_naming_field_limit_and_value() {
    let mut c = Config::default();
    c.data.d = 1000;
    c.net.widths = vec![400_000];
    // 4·10⁸ weights of 8 bytes: 3.2 GB in one piece (and its SVD), fine natively (with budget), not on wasm32.
    let err = c.validate_for(Target::WASM32, u64::MAX).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::Buffer { .. }), "{msg}");
    assert!(msg.contains("net.widths[0] = 400000"), "{msg}");
    assert!(msg.contains("2147483647 bytes"), "{msg}");
    assert!(msg.contains("wasm32"), "{msg}");
    assert!(c.validate_for(Target::NATIVE64, u64::MAX).is_ok());
    // A long history of wide spectra: the snapshot's text is the buffer.
    let mut h = Config::default();
    h.data.d = 20_000;
    h.net.widths = vec![20_000];
    h.data.n = 20;
    h.train.history_len = 100_000;
    let msg = h.validate_for(Target::WASM32, u64::MAX).unwrap_err().to_string();
    assert!(msg.contains("train.history_len = 100000") && msg.contains("JSON"), "{msg}");
}
