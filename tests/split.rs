#![cfg(not(target_arch = "wasm32"))]
//! Splitting a step's work across threads is chosen by measurement (issue 21,
//! `net::tune`), so the choice must never change a number: the same run with
//! every site split, with none, and with the tuner switching between arms as
//! it times them ends bit for bit in the same state, under direct and span
//! steps, GD and SGD. No timing is asserted (`make bench` measures speed);
//! the tuner's bookkeeping is checked for what does not depend on timing.

use lowrank_lab::bench::workloads::{workload, Workload};
use lowrank_lab::config::{Config, Optimizer};
use lowrank_lab::net::tune::{SplitTuner, OWNED};
use lowrank_lab::run::Run;
use lowrank_lab::train::Trainer;

/// A two-thread pool, so splits really run on two threads wherever this runs.
fn pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool")
}

/// Every parameter's bits and every recorded loss's bits after `steps` steps in budgets of `budget`.
fn final_bits(cfg: &Config, span: bool, tuner: fn() -> SplitTuner, steps: u64, budget: u64) -> (Vec<u64>, Vec<u64>, Trainer) {
    let cfg = cfg.clone().validate().expect("valid");
    let run = Run::new(&cfg);
    let t = &run.data().tasks[0];
    let mut tr = Trainer::new(&cfg, 0, t.x.clone(), t.y.clone());
    tr.set_span_steps(span);
    pool().install(|| {
        tr.set_split_tuner(tuner());
        let mut done = 0;
        while done < steps {
            tr.advance(budget.min(steps - done));
            done += budget;
        }
    });
    assert!(tr.status().is_running(), "{:?}", tr.status());
    let params = tr
        .net()
        .params
        .w
        .iter()
        .flat_map(|w| w.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        .collect();
    let losses = tr.history().points.iter().map(|m| m.loss.to_bits()).collect();
    (params, losses, tr)
}

fn small_w3() -> Config {
    let mut c = workload(Workload::W3);
    c.data.n = 48;
    c.data.d = 96;
    c.net.widths = vec![512];
    c
}

#[test]
fn the_split_decision_does_not_change_a_single_bit() {
    let mut sgd = workload(Workload::W2);
    sgd.train.optimizer = Optimizer::Sgd;
    sgd.train.batch_size = 16;
    let cases = [
        ("W1 direct", workload(Workload::W1), false, 300),
        ("W1 span", workload(Workload::W1), true, 300),
        ("W3-shaped direct", small_w3(), false, 60),
        ("W3-shaped span", small_w3(), true, 60),
        ("W2 SGD", sgd, false, 300),
    ];
    for (name, mut cfg, span, steps) in cases {
        cfg.train.record_every = 20;
        let (never, never_losses, _) = final_bits(&cfg, span, || SplitTuner::fixed(usize::MAX), steps, 37);
        let (always, always_losses, _) = final_bits(&cfg, span, || SplitTuner::fixed(0), steps, 37);
        let (auto, auto_losses, tr) = final_bits(&cfg, span, SplitTuner::new, steps, 37);
        let (owned, owned_losses, otr) = final_bits(&cfg, span, || SplitTuner::fixed(OWNED), steps, 37);
        assert!(never == owned && never_losses == owned_losses, "{name}: owned steps vs none");
        if name.contains("direct") {
            let r = otr.split_report();
            assert!(
                r.owned_runs > 0 && r.owned_alone < r.owned_runs,
                "{name}: owned runs on two threads: {r:?}"
            );
        }
        assert!(never == always && never_losses == always_losses, "{name}: every site split vs none");
        assert!(never == auto && never_losses == auto_losses, "{name}: the tuner's choices vs none");
        assert!(!never_losses.is_empty());
        // The tuner found the step's sites and timed several arms (no timing asserted).
        let report = tr.split_report();
        if name != "W2 SGD" {
            assert!(report.arms.len() >= 2, "{name}: {report:?}");
            assert!(report.arms.iter().all(|(_, m)| m.is_some()), "{name}: every arm timed: {report:?}");
            // (Each at least once: an arm twice as slow as the best is dropped after one sample.)
            assert!(report.samples >= report.arms.len() as u64, "{name}: {report:?}");
        }
    }
}

#[test]
fn a_step_with_nothing_worth_splitting_is_never_split() {
    // W2 SGD with a batch of 4: every product is below the ladder's floor.
    let mut cfg = workload(Workload::W2);
    cfg.train.optimizer = Optimizer::Sgd;
    cfg.train.batch_size = 4;
    let (_, _, tr) = final_bits(&cfg, false, SplitTuner::new, 50, 50);
    let report = tr.split_report();
    assert_eq!(report.state, "fixed", "{report:?}");
    assert_eq!(report.chosen, lowrank_lab::net::tune::Split::Never, "{report:?}");
}
