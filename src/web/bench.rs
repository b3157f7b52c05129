//! The browser side of `make bench` (bench/page/, driven by
//! bench/browser_runner.mjs): the standard workloads of
//! [`crate::bench::workloads`] timed in wasm with the same [`Trainer`] the
//! native `lowrank-lab bench` times, so the runner can check the final loss
//! against the native one before it reports a speed.

use crate::analysis::spectrum::singular_values;
use crate::bench::products::DirectProducts;
use crate::bench::workloads::{workload_sized, Workload};
use crate::config::ValidConfig;
use crate::net::Net;
use crate::run::Run;
use crate::train::Trainer;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Milliseconds from `performance.now()` (window or worker), else `Date.now()`.
fn now_ms() -> f64 {
    let global = js_sys::global();
    let perf = js_sys::Reflect::get(&global, &JsValue::from_str("performance")).unwrap_or(JsValue::UNDEFINED);
    if !perf.is_undefined() {
        let now = js_sys::Reflect::get(&perf, &JsValue::from_str("now")).ok();
        if let Some(f) = now.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            if let Some(t) = f.call0(&perf).ok().and_then(|v| v.as_f64()) {
                return t;
            }
        }
    }
    js_sys::Date::now()
}

/// `steps`, or for 0 the native defaults (lowrank-lab bench): W1/W2 5000, W3 100,
/// S 20; tiny: W3 and S 10, else 20.
fn steps_or_default(steps: u32, name: &str, tiny: bool) -> u32 {
    match (steps, name, tiny) {
        (s, _, _) if s > 0 => s,
        (_, "W3" | "S", true) => 10,
        (_, _, true) => 20,
        (_, "W3", false) => 100,
        (_, "S", false) => 20,
        _ => 5000,
    }
}

/// The workload's config; `tiny` shrinks it exactly as `lowrank-lab bench --tiny` does
/// (src/bin/lowrank-lab/bench_cmd.rs), so the runner can compare final losses.
fn config(w: Workload, tiny: bool) -> Result<ValidConfig, JsError> {
    let c = workload_sized(w, tiny);
    c.validate().map_err(err)
}

fn trainer(cfg: &ValidConfig, direct: bool) -> Trainer {
    let run = Run::new(cfg);
    let t = &run.data().tasks[0];
    let mut tr = Trainer::new(cfg, 0, t.x.clone(), t.y.clone());
    tr.set_span_steps(!direct);
    // GD steps alone, as every reference times them (no history point at step 0).
    tr.set_record_first(false);
    tr
}

/// Time one rep of a standard workload in this wasm build.
///
/// `name`: W1, W2, W3 (`steps` full-batch GD steps from the initial weights)
/// or S (`steps` calls, each the singular values of every layer of the W2 and
/// the W3 net). `steps` = 0 takes the native defaults (W1/W2 5000, W3 100, S 20;
/// tiny: 20, 20, 10, 10). Returns JSON {workload, impl, tiny, unit, steps,
/// seconds, steps_per_s, final_loss, final_objective} (S: no losses, and
/// `ms_per_call` per net). W1–W3 run span steps as the page does, or with
/// `direct` layer 1's products every step (impl "browser_direct").
#[wasm_bindgen]
pub fn bench_workload(name: &str, steps: u32, tiny: bool, direct: bool) -> Result<String, JsError> {
    let name = name.to_ascii_uppercase();
    let steps = steps_or_default(steps, &name, tiny);
    let w = match name.as_str() {
        "W1" => Workload::W1,
        "W2" => Workload::W2,
        "W3" => Workload::W3,
        "S" => return spectra(steps, tiny),
        _ => return Err(err(format!("workload must be one of W1, W2, W3, S, got `{name}`"))),
    };
    let cfg = config(w, tiny)?;
    let mut t = trainer(&cfg, direct);
    let start = now_ms();
    t.advance(u64::from(steps));
    let seconds = (now_ms() - start) / 1e3;
    if !t.status().is_running() || t.step_count() != u64::from(steps) {
        return Err(err(format!(
            "{name}: training stopped at step {} ({:?})",
            t.step_count(),
            t.status()
        )));
    }
    let (loss, _) = t.loss_and_gradient();
    let net = t.net();
    let objective = loss + 0.5 * cfg.train.lambda * net.params.norm_sq(&net.trained);
    let out = json!({
        "workload": name,
        "impl": if direct { "browser_direct" } else { "browser" },
        "span_steps": t.span_steps(),
        "tiny": tiny,
        "unit": "steps",
        "steps": steps,
        "seconds": seconds,
        "steps_per_s": f64::from(steps) / seconds,
        "final_loss": loss,
        "final_objective": objective,
        "threads": crate::net::par::threads(),
        "split": t.split_report(),
    });
    serde_json::to_string(&out).map_err(err)
}

/// Time `steps` passes over the matrix products of one direct step of W1, W2
/// or W3 in this build (`crate::bench::products`; `steps` = 0: 5000, W3 100;
/// tiny: 20, W3 10). Returns JSON {workload, impl: "browser_products", tiny,
/// unit, steps, seconds, steps_per_s, flops_per_step, products_checksum}; the
/// runner checks the checksum against the native export's.
#[wasm_bindgen]
pub fn bench_products(name: &str, steps: u32, tiny: bool) -> Result<String, JsError> {
    let name = name.to_ascii_uppercase();
    let w = match name.as_str() {
        "W1" => Workload::W1,
        "W2" => Workload::W2,
        "W3" => Workload::W3,
        _ => return Err(err(format!("workload must be one of W1, W2, W3 for products, got `{name}`"))),
    };
    let steps = steps_or_default(steps, &name, tiny);
    let mut products = DirectProducts::of_config(&config(w, tiny)?);
    let start = now_ms();
    let run = |products: &mut DirectProducts| {
        for _ in 0..steps {
            products.run();
        }
    };
    // With threads, on the pool (as `Trainer::advance` runs steps): products
    // of 2^18 multiply-adds or more split in halves there.
    #[cfg(feature = "wasm-threads")]
    if crate::net::par::threads() >= 2 {
        rayon::scope(|_| run(&mut products));
    } else {
        run(&mut products);
    }
    #[cfg(not(feature = "wasm-threads"))]
    run(&mut products);
    let seconds = (now_ms() - start) / 1e3;
    let out = json!({
        "workload": name,
        "impl": "browser_products",
        "tiny": tiny,
        "unit": "steps",
        "steps": steps,
        "seconds": seconds,
        "steps_per_s": f64::from(steps) / seconds,
        "flops_per_step": products.flops(),
        "products_checksum": products.checksum(),
        "threads": crate::net::par::threads(),
        "handoff_us": handoff_us(),
    });
    serde_json::to_string(&out).map_err(err)
}

/// This thread's multiply–add peak in this build (`crate::bench::peak`):
/// `reps` reps of about `seconds` each. Returns JSON {workload: "P", impl:
/// "browser_peak", unit, kernel {name, lanes, fused, chains}, gflops:[…],
/// gflops_best, checked}; `checked` false means a rep's sum missed the closed
/// form, and the runner reports no rate.
#[wasm_bindgen]
pub fn bench_peak(seconds: f64, reps: u32) -> Result<String, JsError> {
    if !(seconds > 0.0 && seconds <= 10.0) || reps == 0 || reps > 100 {
        return Err(err(format!(
            "bench_peak: seconds must be in (0, 10] and reps in 1..=100, got {seconds} and {reps}"
        )));
    }
    let p = crate::bench::peak::measure(|| now_ms() / 1e3, seconds, reps as usize);
    serde_json::to_string(&crate::bench::peak::Line::new("browser_peak", &p)).map_err(err)
}

/// Time `steps` steps of the row-ownership probe (`crate::bench::row_owned`, issue 21)
/// run `mode` (`one`, `split` or `rows`; on a pool of one thread, or without
/// threads, every mode runs on one thread). Returns JSON {mode, steps, seconds,
/// steps_per_s, threads, two_threads (whether two threads ran it), checksum}; the checksum (of W's bits, as a decimal
/// string) must be the same for every mode and build.
#[wasm_bindgen]
pub fn bench_row_owned(mode: &str, steps: u32) -> Result<String, JsError> {
    use crate::bench::row_owned::{checksum, Mode, Probe};
    let m = Mode::parse(mode).ok_or_else(|| err(format!("mode must be one of one, split, rows; got `{mode}`")))?;
    let probe = Probe::new();
    let start = now_ms();
    let (w, two_threads) = probe.run(m, u64::from(steps));
    let seconds = (now_ms() - start) / 1e3;
    let out = json!({
        "mode": mode,
        "steps": steps,
        "seconds": seconds,
        "steps_per_s": f64::from(steps) / seconds,
        "threads": crate::net::par::threads(),
        "two_threads": two_threads,
        "checksum": checksum(&w).to_string(),
    });
    serde_json::to_string(&out).map_err(err)
}

/// µs per hand-off of a split's half to another thread (`net::par::handoff_seconds`), if threaded.
fn handoff_us() -> Option<f64> {
    #[cfg(feature = "wasm-threads")]
    {
        crate::net::par::handoff_seconds(2000).map(|s| s * 1e6)
    }
    #[cfg(not(feature = "wasm-threads"))]
    {
        None
    }
}

fn spectra(calls: u32, tiny: bool) -> Result<String, JsError> {
    let nets: Vec<(&str, Net)> = [("W2", Workload::W2), ("W3", Workload::W3)]
        .into_iter()
        .map(|(name, w)| Ok((name, trainer(&config(w, tiny)?, true).initial_net().clone())))
        .collect::<Result<_, JsError>>()?;
    let mut per_net = [0.0; 2];
    let mut checksum = 0.0;
    let start = now_ms();
    for _ in 0..calls {
        for (i, (_, net)) in nets.iter().enumerate() {
            let t = now_ms();
            for w in &net.params.w {
                checksum += singular_values(w.view()).first().copied().unwrap_or(0.0);
            }
            per_net[i] += now_ms() - t;
        }
    }
    let seconds = (now_ms() - start) / 1e3;
    let out = json!({
        "workload": "S",
        "impl": "browser",
        "tiny": tiny,
        "unit": "calls",
        "steps": calls,
        "seconds": seconds,
        "steps_per_s": f64::from(calls) / seconds,
        "ms_per_call": { "W2": per_net[0] / f64::from(calls), "W3": per_net[1] / f64::from(calls) },
        "sum_of_top_singular_values": checksum / f64::from(calls),
    });
    serde_json::to_string(&out).map_err(err)
}
