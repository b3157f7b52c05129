#![cfg(not(target_arch = "wasm32"))]
//! Replay (issue 19, item 2): rewinding a run to recorded step k shows the
//! merged nets and the decision boundaries it had when it was paused at k.
//! The expected values are the live run's own, taken while it stood at k
//! (trained in uneven budgets, in span coordinates, with a live λ change, as
//! the page trains); the replay starts from the run's record and must give
//! them bit for bit (compared as JSON: shortest round-trip floats).

use lowrank_lab::config::{Config, Generator, MergeMethod, Optimizer};
use lowrank_lab::figures;
use lowrank_lab::live::replay::{Replay, ReplayError};
use lowrank_lab::presets;
use lowrank_lab::run::Run;
use serde_json::Value;

/// What the live run shows at its current step: metrics per task, merge report, boundary panels (JSON).
fn shown(run: &mut Run) -> (u64, String, String, String) {
    let run = run.synced();
    let current: Vec<_> = run.trainers().iter().map(|t| t.metrics()).collect();
    (
        run.trainers()[0].step_count(),
        serde_json::to_string(&current).unwrap(),
        serde_json::to_string(&run.merge_report()).unwrap(),
        serde_json::to_string(&figures::boundary_panels(&run)).unwrap(),
    )
}

/// Train `c` as the page does (span steps, budgets of uneven size, λ changed live at
/// `change_at`), keeping what it showed at every recorded step it stopped on.
fn live_run(c: &Config, change_at: u64, new_lambda: f64) -> (Run, Vec<(u64, String, String, String)>) {
    let mut run = Run::new(&c.clone().validate().unwrap());
    run.set_span_steps(true);
    let budgets = [5u64, 3, 2, 10, 5, 1, 4];
    let mut seen = Vec::new();
    let mut changed = false;
    let mut i = 0;
    // About ten stops spread over the run (each computes every merge and boundary grid).
    let (mut next, gap) = (0, (c.train.steps / 10).max(1));
    while run.progress().running {
        let step = run.progress().step;
        if !changed && step >= change_at {
            run.set_lambda(new_lambda).unwrap();
            changed = true;
        }
        let limit = if changed {
            budgets[i % budgets.len()]
        } else {
            budgets[i % budgets.len()].min(change_at - step)
        };
        run.advance_deferred(limit.max(1));
        i += 1;
        let at = run.progress().step;
        // A step the history records (its point is taken as the next step starts).
        let h = run.trainers()[0].history();
        // Not at the change's own step: paused there, the run shows the old λ until the change is
        // made, while the record (and the history point, taken as the next step starts) has the new one.
        if at.is_multiple_of(c.train.record_every * h.stride) && run.progress().running && at != change_at && at >= next && seen.len() < 10
        {
            seen.push(shown(&mut run));
            next = at + gap;
        }
    }
    assert!(changed, "the run reached the λ change");
    (run, seen)
}

fn check_replays(c: &Config, change_at: u64, new_lambda: f64) {
    let (run, seen) = live_run(c, change_at, new_lambda);
    assert!(seen.len() >= 4, "too few stops to check: {}", seen.len());
    assert!(seen.iter().any(|s| s.0 < change_at) && seen.iter().any(|s| s.0 > change_at));
    let record = run.record().clone();
    assert!(record.reproducible);
    // Forward (play-back), then back to the start (a new replay), as the slider moves.
    let mut replay = Replay::new(&record, true).unwrap();
    let order: Vec<usize> = (0..seen.len()).chain([0, seen.len() / 2]).collect();
    for &j in &order {
        let (step, current, merge, boundaries) = &seen[j];
        let r = replay.to_step(*step).unwrap();
        assert_eq!(r.step, *step);
        assert_eq!(&serde_json::to_string(&r.current).unwrap(), current, "metrics at step {step}");
        assert_eq!(&serde_json::to_string(&r.merge).unwrap(), merge, "merge report at step {step}");
        assert_eq!(
            &serde_json::to_string(&r.boundaries).unwrap(),
            boundaries,
            "boundaries at step {step}"
        );
        // The run's own history (decimated since) holds the same point where it kept it, to
        // rounding: under span steps its gradient is the step's, from products associated
        // differently from the paused run's full-batch pass (tests/span.rs).
        if let Some(p) = run.trainers()[0].history().points.iter().find(|m| m.step == *step) {
            let (p, q) = (serde_json::to_value(p).unwrap(), serde_json::to_value(&r.current[0]).unwrap());
            assert!(close(&p, &q, 1e-12), "history point at step {step}:\n{p}\nreplayed:\n{q}");
        }
    }
}

/// `a` and `b` have the same shape and every pair of numbers agrees to `rel` of the larger.
fn close(a: &Value, b: &Value, rel: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= rel * x.abs().max(y.abs()) + 1e-300
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y, rel)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w, rel))),
        _ => a == b,
    }
}

fn planar(mut c: Config) -> Config {
    c.data.generator = Generator::Planar;
    c.data.d = 6;
    c.data.n = 24;
    c
}

#[test]
fn a_merge_run_replays_its_merge_report_at_every_step_it_stopped_on() {
    // Every merge method: DARE's seeded drop, TIES, RegMean's Gram matrices, the spectral merge.
    let mut c = presets::find("merge-methods").unwrap().config().unwrap();
    c.train.steps = 300;
    assert_eq!(c.merge.methods.len(), MergeMethod::ALL.len());
    check_replays(&c, 120, 0.1);
}

#[test]
fn a_planar_run_replays_its_decision_boundaries_under_gd_sgd_and_gradient_flow() {
    for opt in [Optimizer::Gd, Optimizer::Sgd, Optimizer::Gf] {
        let mut c = planar(presets::find("merge-orthogonal").unwrap().config().unwrap());
        c.train.optimizer = opt;
        c.train.steps = 200;
        // Gradient flow takes ~3,000 accepted steps per unit of time here (fewer at first).
        c.train.time = 2.0;
        c.train.batch_size = 8;
        c.train.record_every = 5;
        let first = figures::boundary_panels(&Run::new(&c.clone().validate().unwrap()).synced());
        assert_eq!(first.len(), 2, "{opt:?}: both planar tasks have panels");
        check_replays(&c, 40, 0.05);
    }
}

#[test]
fn a_replay_moves_forward_in_budgets_and_refuses_to_go_back() {
    let mut c = presets::find("merge-overlap").unwrap().config().unwrap();
    c.train.steps = 100;
    let run = Run::new(&c.validate().unwrap());
    let mut r = Replay::new(run.record(), true).unwrap();
    assert!(r.aim(40));
    let mut calls = 0;
    while !r.advance(7).unwrap() {
        calls += 1;
        assert!(r.step() < 40);
    }
    assert_eq!(
        (r.step(), calls),
        (40, 5),
        "40 steps in budgets of 7: 6 calls, the last one lands on 40"
    );
    assert!(!r.aim(20), "a replay cannot go back; the caller starts a new one");
    assert!(r.aim(60));
}

#[test]
fn an_imported_run_is_not_replayed_and_says_why() {
    let mut c = presets::find("merge-overlap").unwrap().config().unwrap();
    c.train.steps = 50;
    let mut run = Run::new(&c.validate().unwrap());
    run.advance(10);
    let back = Run::from_state(run.state(), u64::MAX).unwrap();
    let e = Replay::new(back.record(), true).err().expect("refused");
    assert!(matches!(e, ReplayError::NotReproducible(_)));
    assert!(e.to_string().contains("imported state"), "{e}");
}

/// The page's time slider refuses a replay whose second copy of the runs would pass its
/// memory budget (`Lab::replay_aim` calls `check_memory`), naming both sizes; a run
/// whose one copy the page accepted but whose second does not exists (width found here).
#[test]
fn a_replay_past_the_memory_budget_is_refused_with_both_sizes() {
    use lowrank_lab::config::BROWSER_MEMORY_BUDGET as BUDGET;
    use lowrank_lab::live::replay::check_memory;
    let mut c = presets::find("merge-orthogonal").unwrap().config().unwrap();
    let small = c.validate_with_budget(BUDGET).unwrap().memory_estimate();
    assert!(check_memory(small, BUDGET).is_ok(), "{small} bytes");
    let mut width = c.net.widths[0];
    let big = loop {
        width *= 2;
        c.net.widths = vec![width];
        let est = c.validate_with_budget(u64::MAX).unwrap().memory_estimate();
        if est * 2 > BUDGET {
            break est;
        }
    };
    // One copy fits the page's budget (the page runs it), two do not.
    assert!(c.validate_with_budget(BUDGET).is_ok(), "width {width}: {big} bytes");
    let e = check_memory(big, BUDGET).unwrap_err();
    assert!(matches!(e, ReplayError::Memory { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "training the run again needs one more copy of it ({} MB), and that passes the page's 1024 MB budget",
            big >> 20
        )
    );
    // The edge: exactly half the budget fits; a byte more does not; no overflow.
    assert!(check_memory(BUDGET / 2, BUDGET).is_ok());
    assert!(check_memory(BUDGET / 2 + 1, BUDGET).is_err());
    assert!(check_memory(u64::MAX, BUDGET).is_err());
}
