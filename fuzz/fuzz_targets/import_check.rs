//! What an accepted run-state import must then do: give a snapshot and the
//! charts' figure data, take a few more steps, and export a state that
//! imports again. Shared by the `run_state` fuzz target and
//! tests/fuzz_corpus.rs (which includes this file by path).
use lowrank_lab::figures;
use lowrank_lab::run::{Run, RunState};

/// Panics if the imported `run` fails any of the above (`budget`: the import's memory budget).
pub fn exercise_import(mut run: Run, budget: u64) {
    let snap = run.snapshot();
    let _ = figures::loss_data(&snap);
    for t in 0..snap.tasks.len() {
        let _ = figures::spectrum_data(&snap, t);
        let _ = figures::spectrum_history(&snap, t);
        let _ = figures::alignment_data(&snap, t);
        let _ = figures::norms_data(&snap, t);
    }
    run.advance(3);
    let again = serde_json::to_string(&run.state()).expect("a state serialises");
    let back = RunState::from_json(&again).expect("an exported state parses");
    if let Err(e) = Run::from_state(back, budget) {
        panic!("an exported state is refused on import: {e}");
    }
}
