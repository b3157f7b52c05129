#![cfg(not(target_arch = "wasm32"))]
//! The pinned short run natively (the browser test checks the same numbers).
mod pinned;

use lowrank_lab::config::Config;
use lowrank_lab::data::{self, PINNED};
use lowrank_lab::run::Run;
use lowrank_lab::summary;

#[test]
fn pinned_run_metrics_are_reproduced() {
    let cfg = Config::from_json(pinned::RUN_CONFIG).unwrap().validate().unwrap();
    let mut r = Run::new(&cfg);
    r.run_to_end();
    let f = summary::final_summary(&r);
    for (k, want) in pinned::RUN_FINAL {
        let got = summary::lookup(&f, k).and_then(|v| v.as_f64()).unwrap();
        assert!((got - want).abs() <= 1e-12 * want.abs().max(1e-300), "{k}: {got} vs {want}");
    }
    assert!(PINNED.len() >= 2);
    let _ = data::task_name(0);
}

/// The new merge methods, the diagnostics and a digits run, to the same 1e-12.
#[test]
fn pinned_methods_and_digits_runs_are_reproduced() {
    for (config, pins) in [
        (pinned::METHODS_CONFIG, pinned::METHODS_FINAL),
        (pinned::DIGITS_CONFIG, pinned::DIGITS_FINAL),
    ] {
        let cfg = Config::from_json(config).unwrap().validate().unwrap();
        let mut r = Run::new(&cfg);
        r.run_to_end();
        let f = summary::final_summary(&r);
        for (k, want) in pins {
            let got = summary::lookup(&f, k).and_then(|v| v.as_f64()).unwrap();
            assert!((got - want).abs() <= 1e-12 * want.abs().max(1e-300), "{k}: {got} vs {want}");
        }
    }
}
