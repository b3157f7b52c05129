//! The browser boundary (wasm32 only): one JSON config in, one JSON
//! snapshot out, and chart drawing onto canvases with plotters-canvas.
//!
//! The worker owns a [`Lab`] (training, `lab.rs`); the page calls
//! [`draw_chart`] (`draw.rs`) with the snapshot the worker posted (plotters-canvas needs `window`, so
//! drawing stays on the main thread). Every export returns
//! `Result<_, JsError>` carrying the Rust message; nothing a user controls
//! is unwrapped.

// Which exports a module carries: the page's build (`--features web-page`)
// draws and edits configs, the workers' builds (`--features web-worker`) train
// and analyse; with neither (tests/web.rs, the benchmark) a module has both.
// The linker drops what no export reaches, so neither carries the other's code.
#[cfg(web_worker)]
mod analyst;
#[cfg(web_page)]
mod backend;
// The preset's claims a run checks (`Lab::check_claims`).
#[cfg(web_worker)]
mod claims;
// Threads (the `wasm-threads` build) and the split tuner's clock.
mod pool;
#[cfg(feature = "wasm-threads")]
pub use pool::{init_thread_pool, pool_thread_run, PoolBuilder};
// The browser benchmark's export (`bench/pkg`); not in the page's module.
#[cfg(feature = "bench-exports")]
mod bench;
mod config;
// The digits' coding, fetched by the workers' builds (which leave it out).
#[cfg(all(web_worker, not(web_page)))]
mod digits;
#[cfg(web_page)]
mod draw;
// A rewound step's replayed merge report and boundaries in the page's ChartStore.
#[cfg(web_page)]
mod draw_rewind;
// Run B of a comparison in the page's ChartStore.
#[cfg(web_page)]
mod draw_compare;
#[cfg(web_worker)]
mod lab;
// Run B of a comparison, beside the Lab's run.
#[cfg(web_worker)]
mod lab_compare;
// The run trained again to a rewound step (merge report, boundaries).
#[cfg(web_worker)]
mod lab_rewind;
// The guided path's steps for the page's "Start here" panel.
#[cfg(web_page)]
mod lessons;
#[cfg(web_worker)]
mod sweep;
#[cfg(web_page)]
mod sweep_store;

#[cfg(web_worker)]
pub use analyst::Analyst;
#[cfg(web_page)]
pub use config::config_change;
pub use config::{
    compare_check, decode_hash, default_config, encode_hash, net_names, paper_lambda_text, presets_json, set_config_key, validate_config,
};
#[cfg(all(web_worker, not(web_page)))]
pub use digits::{digits_needed, digits_unavailable, load_digits};
#[cfg(web_page)]
pub use draw::{boundary_cards, chart_cards, chart_svg, draw_chart, ChartData, ChartStore};
#[cfg(web_worker)]
pub use lab::{data_hash, Lab, LiveState};
#[cfg(web_page)]
pub use lessons::{lesson_config, lessons_json};
#[cfg(web_worker)]
pub use sweep::sweep_point;
#[cfg(web_page)]
pub use sweep_store::{sweep_keys_json, SweepStore};

use std::sync::{Mutex, Once};
use wasm_bindgen::prelude::*;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// The message of the last panic in this wasm instance (see [`last_panic_message`]).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// "message (at file:line:col)" of a panic, without the build machine's paths
/// (`panic_text`; the console gets the full text from `console_error_panic_hook`).
fn panic_text(info: &std::panic::PanicHookInfo<'_>) -> String {
    crate::panic_text::without_machine_paths(&panic_text_full(info))
}

fn panic_text_full(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    match info.location() {
        Some(l) => format!("{msg} (at {}:{}:{})", l.file(), l.line(), l.column()),
        None => msg,
    }
}

/// Route panics to the console with their message (instead of "unreachable"),
/// and keep the message for [`last_panic_message`]: after a panic the instance
/// traps, and the worker reports this text to the page.
#[wasm_bindgen(start)]
pub fn start() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            if let Ok(mut slot) = LAST_PANIC.try_lock() {
                *slot = Some(panic_text(info));
            }
            console_error_panic_hook::hook(info);
        }));
    });
    // gemm keeps its wasm SIMD kernels behind a run-time switch (off by default).
    gemm_common::set_wasm_simd128(cfg!(target_feature = "simd128"));
    pool::install_clock();
}

/// Whether this module was built with WebAssembly SIMD (simd128) and uses it for matrix products.
#[wasm_bindgen]
pub fn simd_build() -> bool {
    cfg!(target_feature = "simd128") && gemm_common::get_wasm_simd128()
}

/// The message of the last Rust panic in this instance ("message (at file:line:col)"),
/// or undefined if nothing panicked.
#[wasm_bindgen]
pub fn last_panic_message() -> Option<String> {
    LAST_PANIC.try_lock().ok().and_then(|m| m.clone())
}

/// Panics on purpose with `message`, for the crash-recovery test. Nothing on the
/// page calls it: the worker does, on a `debug_panic` message that only the
/// test-only hook `window.__lab_test` sends (installed when a test asks for it).
#[wasm_bindgen]
pub fn debug_panic_for_tests(message: &str) {
    panic!("{message}");
}

/// Runs this instance out of memory on purpose, for the recovery test: reserves
/// 256 MiB blocks (never written, so they cost address space, not RAM) until
/// the linear memory cannot grow; the allocator's failure then aborts with a
/// trap, as a real out-of-memory would, without a Rust panic message. Only the
/// worker calls it, on the test-only `debug_oom` message.
#[wasm_bindgen]
pub fn debug_oom_for_tests() {
    loop {
        let block = Vec::<u8>::with_capacity(256 << 20);
        // Kept observable, so the allocation is not optimised away.
        std::hint::black_box(block.as_ptr());
        std::mem::forget(block);
    }
}

/// Bytes of this instance's linear memory (it only grows), for the memory checks.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) as f64) * 65536.0
}

/// The crate version (shown on the page and written into exported runs).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
