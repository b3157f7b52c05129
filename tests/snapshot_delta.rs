#![cfg(not(target_arch = "wasm32"))]
//! Live snapshot deltas (`live::delta`) on real runs, sent through JSON as
//! the page gets them: the receiver's snapshot equals the run's own, JSON for
//! JSON, through decimations, a divergence (training goes back to its
//! checkpoint and drops the later points), a change of η that reopens the run,
//! and two senders interleaved (the training worker and the analysis worker,
//! which skips states), where a delta that no longer fits is refused and a
//! forced full snapshot puts the receiver right.
mod common;

use lowrank_lab::config::{Config, Optimizer};
use lowrank_lab::live::analyst::{encode, Analyst};
use lowrank_lab::live::delta::{DeltaEncoder, SnapshotDelta, SnapshotStore};
use lowrank_lab::run::Run;
use lowrank_lab::train::Status;

fn config() -> Config {
    let mut c = common::tiny_config(5, Optimizer::Gd, 2);
    c.train.steps = 3000;
    c.train.record_every = 3;
    c.train.history_len = 32;
    c
}

fn json<T: serde::Serialize>(x: &T) -> String {
    serde_json::to_string(x).unwrap()
}

/// Through JSON, as postMessage carries it.
fn send(store: &mut SnapshotStore, d: &SnapshotDelta) -> Result<(), String> {
    store.apply(serde_json::from_str(&json(d)).unwrap()).map_err(|e| e.to_string())
}

#[test]
fn deltas_follow_a_run_through_divergence_and_a_new_step_size() {
    let cfg = config().validate().unwrap();
    let mut run = Run::new(&cfg);
    run.set_span_steps(true);
    let mut enc = DeltaEncoder::new();
    let mut store = SnapshotStore::new();
    let (mut partial, mut bytes_delta, mut bytes_full) = (0, 0, 0);
    let mut check = |run: &mut Run, enc: &mut DeltaEncoder, store: &mut SnapshotStore, what: &str| {
        run.sync_matrices();
        let d = enc.encode(run, false);
        if !d.is_full() {
            partial += 1;
            bytes_delta += json(&d).len();
            bytes_full += json(&run.snapshot()).len();
        }
        send(store, &d).unwrap();
        assert_eq!(json(store.snapshot().unwrap()), json(&run.snapshot()), "{what}");
    };
    for i in 0..30 {
        run.advance_deferred(41);
        check(&mut run, &mut enc, &mut store, &format!("budget {i}"));
    }
    // A step size far above 2/curvature: the run diverges, goes back to its last
    // finite state and drops the points after it.
    run.set_lr(400.0).unwrap();
    run.advance_deferred(50);
    assert!(
        run.trainers().iter().any(|t| matches!(t.status(), Status::Diverged { .. })),
        "{:?}",
        run.trainers()[0].status()
    );
    check(&mut run, &mut enc, &mut store, "after the divergence");
    run.set_lr(0.1).unwrap();
    for i in 0..10 {
        run.advance_deferred(29);
        check(&mut run, &mut enc, &mut store, &format!("after the new step size, budget {i}"));
    }
    assert!(partial >= 25, "{partial} partial deltas");
    // The point of it: a delta is a small part of the snapshot it stands for.
    assert!(
        bytes_delta * 3 < bytes_full,
        "deltas {bytes_delta} B, full snapshots {bytes_full} B"
    );
}

#[test]
fn two_senders_interleaved_and_a_refused_delta_repaired_by_a_full_one() {
    let cfg = config().validate().unwrap();
    let mut run = Run::new(&cfg);
    run.set_span_steps(true);
    let mut worker = DeltaEncoder::new();
    let mut analyst = Analyst::new();
    let mut analyst_enc = DeltaEncoder::new();
    let mut store = SnapshotStore::new();
    let (mut refused, mut applied) = (0, 0);
    run.sync_matrices();
    send(&mut store, &worker.encode(&run, true)).unwrap();
    for i in 0..60 {
        run.advance_deferred(23);
        let live = encode(&run).unwrap();
        // The analysis worker keeps only the newest state: every third is skipped,
        // and every seventh round the training worker takes a forced (full) one itself.
        if i % 7 == 6 {
            run.sync_matrices();
            send(&mut store, &worker.encode(&run, true)).unwrap();
        } else if i % 3 != 2 {
            let snap = analyst.snapshot(run.config(), &live.meta, &live.data).unwrap();
            let d = analyst_enc.encode_snapshot(snap, false);
            if i % 5 == 4 {
                // The page drops a snapshot older than one it shows: the analyst's
                // encoder counts it as sent, so its next delta starts past the store's end.
                continue;
            }
            match send(&mut store, &d) {
                Ok(()) => applied += 1,
                Err(e) => {
                    // The page asks the training worker for a full snapshot.
                    assert!(e.contains("snapshot delta"), "{e}");
                    refused += 1;
                    run.sync_matrices();
                    send(&mut store, &worker.encode(&run, true)).unwrap();
                }
            }
        } else {
            continue;
        }
        run.sync_matrices();
        assert_eq!(json(store.snapshot().unwrap()), json(&run.snapshot()), "round {i}");
    }
    assert!(applied > 15 && refused > 0, "{applied} applied, {refused} refused");
}
