//! An exported run state, imported as the page does (`Lab::from_state`:
//! `serde_json::from_str::<RunState>` then `Run::from_state`), here with a
//! 1 MiB memory budget so that fuzzing stays fast. An accepted state must
//! give a snapshot, the charts' figure data, a few more steps, and an export
//! that imports again. No input may panic.
//!
//! Two kinds of input: JSON text (mutated freely by libFuzzer), and — for an
//! input starting with byte 0xFF, which is never UTF-8 — a list of edits to a
//! real export (three tiny runs: GD with two tasks, SGD, GF) made at start-up,
//! so that the fuzzer also explores states that parse but do not fit their config.
//! Run: see the comment at the top of fuzz/Cargo.toml (target `run_state`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use lowrank_lab::run::{Run, RunState};

mod edits;
mod import_check;

const BUDGET: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let text = match data.split_first() {
        Some((0xff, rest)) => edits::edited(rest),
        _ => match std::str::from_utf8(data) {
            Ok(t) => t.to_string(),
            Err(_) => return,
        },
    };
    let state: RunState = match serde_json::from_str(&text) {
        Ok(s) => s,
        Err(e) => {
            let m = e.to_string();
            assert!(!m.is_empty() && m.len() < 2000, "unclear message: {m}");
            return;
        }
    };
    match Run::from_state(state, BUDGET) {
        Ok(run) => import_check::exercise_import(run, BUDGET),
        Err(e) => {
            assert!(e.starts_with("state"), "{e}");
            assert!(e.len() < 2000, "unclear message ({} bytes)", e.len());
        }
    }
});
