#![cfg(not(target_arch = "wasm32"))]
//! Live snapshots (`live::analyst`): the analysis worker's snapshot of an encoded
//! state equals the training run's own snapshot, JSON for JSON, for GD in
//! span steps left deferred (layer 1's matrices lagging), SGD, gradient flow
//! and two tasks with their merge report; bad bytes are refused.
mod common;

use lowrank_lab::config::{Config, Optimizer};
use lowrank_lab::live::analyst::{encode, Analyst};
use lowrank_lab::run::Run;

fn config(opt: Optimizer, tasks: usize) -> Config {
    let mut c = common::tiny_config(31, opt, tasks);
    c.train.steps = 500;
    c.train.time = 5.0;
    c.train.record_every = 9;
    c
}

#[test]
fn the_analysts_snapshot_equals_the_runs_own() {
    let mut analyst = Analyst::new();
    for (opt, tasks) in [(Optimizer::Gd, 1), (Optimizer::Gd, 2), (Optimizer::Sgd, 1), (Optimizer::Gf, 2)] {
        let cfg = config(opt, tasks).validate().unwrap();
        let mut run = Run::new(&cfg);
        let span = run.set_span_steps(true);
        assert_eq!(span, opt == Optimizer::Gd, "{opt:?}");
        for budget in [1, 37, 100] {
            // Deferred: under span steps the live state carries lagging matrices.
            run.advance_deferred(budget);
            let live = encode(&run).unwrap();
            let theirs = analyst.snapshot(&cfg, &live.meta, &live.data).unwrap();
            run.sync_matrices();
            let ours = run.snapshot();
            assert_eq!(
                serde_json::to_string(&theirs).unwrap(),
                serde_json::to_string(&ours).unwrap(),
                "{opt:?}, {tasks} tasks, after {budget} more steps"
            );
        }
        // A λ change between budgets: the analyst follows the config it is given.
        run.set_lambda(0.05).unwrap();
        run.advance_deferred(20);
        let live = encode(&run).unwrap();
        let theirs = analyst.snapshot(run.config(), &live.meta, &live.data).unwrap();
        run.sync_matrices();
        assert_eq!(
            serde_json::to_string(&theirs).unwrap(),
            serde_json::to_string(&run.snapshot()).unwrap()
        );
    }
}

#[test]
fn bad_live_bytes_are_refused() {
    let cfg = config(Optimizer::Gd, 1).validate().unwrap();
    let mut analyst = Analyst::new();
    let e = analyst.snapshot(&cfg, "not json", &[]).unwrap_err().to_string();
    assert!(e.starts_with("live state does not parse"), "{e}");
    // States of a two-task run given with a one-task config.
    let two = config(Optimizer::Gd, 2).validate().unwrap();
    let live = encode(&Run::new(&two)).unwrap();
    let e = analyst.snapshot(&cfg, &live.meta, &live.data).unwrap_err().to_string();
    assert!(e.contains("live.tasks") && e.contains("2 states"), "{e}");
    // States of another width: the matrices do not add up.
    let mut wide = config(Optimizer::Gd, 1);
    wide.net.widths = vec![21, 10];
    let live = encode(&Run::new(&wide.validate().unwrap())).unwrap();
    let e = analyst.snapshot(&cfg, &live.meta, &live.data).unwrap_err().to_string();
    assert!(e.starts_with("live data:"), "{e}");
    // Too few numbers, named with the matrix they were for.
    let mut run = Run::new(&cfg);
    run.set_span_steps(true);
    run.advance_deferred(3);
    let live = encode(&run).unwrap();
    let e = analyst
        .snapshot(&cfg, &live.meta, &live.data[..live.data.len() - 1])
        .unwrap_err()
        .to_string();
    assert!(e.contains("live.tasks[0].span.q") && e.contains("too few"), "{e}");
}
