#![cfg(not(target_arch = "wasm32"))]
//! Live changes are part of the run's record (issue 17, item 4): a run whose
//! config carries `train.schedule` gives, bit for bit, the numbers of a live
//! session that paused at the step, changed λ (or η after a divergence) and
//! continued; `Run::record` is that config; the schedule is validated naming
//! field, range and value.

use lowrank_lab::config::{Change, Config, ConfigError};
use lowrank_lab::presets;
use lowrank_lab::run::Run;
use lowrank_lab::train::Status;

/// Everything a snapshot shows except its config (the live run's says λ as
/// last set with no schedule; the replay's the starting λ and the schedule),
/// and the history's revision counter, plus every trainer's weights and step, as exact bits.
fn numbers(run: &Run) -> (String, Vec<Vec<u64>>, Vec<u64>) {
    let mut snap = run.snapshot();
    snap.config = Config::default();
    // The history's revision counts rollbacks (for the page's delta sync), not a number of the run.
    for t in &mut snap.tasks {
        t.history.revision = 0;
    }
    let json = serde_json::to_string(&snap).unwrap();
    let bits = run
        .trainers()
        .iter()
        .map(|t| t.net().params.w.iter().flat_map(|w| w.iter().map(|v| v.to_bits())).collect())
        .collect();
    (json, bits, run.trainers().iter().map(|t| t.step_count()).collect())
}

fn replay(record: &Config, steps: u64) -> Run {
    let text = record.to_json();
    let cfg = Config::from_json(&text).unwrap().validate().unwrap();
    let mut run = Run::new(&cfg);
    run.advance(steps);
    run
}

#[test]
fn a_live_lambda_change_equals_the_same_change_scheduled() {
    // The issue's case: merge-overlap, Step ×100, λ = 0.1 while paused, Step ×100.
    let c = presets::find("merge-overlap").unwrap().config().unwrap();
    let mut live = Run::new(&c.validate().unwrap());
    for _ in 0..4 {
        live.advance(25); // the page advances in budgets
    }
    live.set_lambda(0.1).unwrap();
    live.advance(60);
    live.advance(40);
    let rec = live.record().clone();
    assert!(rec.reproducible && rec.note.is_none());
    assert_eq!(rec.config.train.lambda, c.train.lambda, "the record keeps the starting λ");
    assert_eq!(
        rec.config.train.schedule,
        vec![Change {
            step: 100,
            lambda: Some(0.1),
            lr: Some(c.train.lr)
        }]
    );
    let again = replay(&rec.config, 200);
    assert_eq!(numbers(&again), numbers(&live));
    assert_eq!(again.config().train.lambda, 0.1, "the replay's config has the λ in force");
    // Without the schedule the numbers differ (the test can fail).
    let mut plain = rec.config.clone();
    plain.train.schedule.clear();
    assert_ne!(numbers(&replay(&plain, 200)).1, numbers(&live).1);
}

#[test]
fn continuing_after_a_divergence_with_a_new_lr_is_recorded_and_replayed() {
    // The issue's second case in small: λ raised while running makes the run
    // diverge; it is put back to its last checkpoint and continued with the
    // suggested η. With ηλ = 50 no state after the change is kept (each step
    // multiplies what the loss does not see by 1 − ηλ), so the checkpoint is the
    // last one before the change, and the record's change there replaces the
    // one at step 100 (a live change drops the schedule after it).
    let mut c = Config::default();
    c.seed = 5;
    c.data.n = 16;
    c.data.d = 12;
    c.net.widths = vec![24];
    c.train.steps = 10_000;
    let mut live = Run::new(&c.validate().unwrap());
    live.advance(100);
    live.set_lambda(500.0).unwrap();
    live.advance(400);
    let suggested = match live.trainers()[0].status() {
        Status::Diverged { suggested_lr, .. } => *suggested_lr,
        s => panic!("expected a divergence, got {s:?}"),
    };
    let kept = live.trainers()[0].step_count();
    assert!(
        kept <= 100 && kept + 32 > 100,
        "kept step {kept}: not the last checkpoint before the change at 100"
    );
    live.set_lr(suggested).unwrap();
    live.advance(300);
    assert_eq!(*live.trainers()[0].status(), Status::Running);
    let rec = live.record().clone();
    assert_eq!(
        rec.config.train.schedule,
        vec![Change {
            step: kept,
            lambda: Some(500.0),
            lr: Some(suggested)
        }]
    );
    let again = replay(&rec.config, kept + 300);
    assert_eq!(*again.trainers()[0].status(), Status::Running);
    assert_eq!(numbers(&again), numbers(&live));
}

#[test]
fn two_changes_at_one_step_merge_and_a_live_change_replaces_the_schedule_ahead() {
    let mut c = Config::default();
    c.data.n = 10;
    c.data.d = 8;
    c.net.widths = vec![6];
    c.train.schedule = vec![
        Change {
            step: 10,
            lambda: Some(0.05),
            lr: None,
        },
        Change {
            step: 50,
            lambda: Some(0.5),
            lr: None,
        },
    ];
    let mut run = Run::new(&c.validate().unwrap());
    run.advance(20);
    assert_eq!(run.config().train.lambda, 0.05, "the change at step 10 applied");
    run.set_lambda(0.2).unwrap();
    run.set_lr(0.5).unwrap();
    run.advance(60);
    assert_eq!(
        run.config().train.lambda,
        0.2,
        "the scheduled change at 50 was replaced by the live one"
    );
    assert_eq!(
        run.record().config.train.schedule,
        vec![
            Change {
                step: 10,
                lambda: Some(0.05),
                lr: None
            },
            Change {
                step: 20,
                lambda: Some(0.2),
                lr: Some(0.5)
            },
            // (λ and η in force are recorded together)
        ]
    );
}

#[test]
fn an_imported_state_is_not_reproducible_and_says_so() {
    let mut c = Config::default();
    c.data.n = 10;
    c.data.d = 8;
    c.net.widths = vec![6];
    let mut run = Run::new(&c.validate().unwrap());
    run.advance(5);
    let st = run.state();
    let back = Run::from_state(st, u64::MAX).unwrap();
    assert!(!back.record().reproducible);
    assert!(back.record().note.as_deref().unwrap().contains("imported state"));
}

#[test]
fn the_schedule_is_validated_naming_field_range_and_value() {
    let err = |sched: &str| -> String {
        let text = format!(r#"{{"train": {{"schedule": {sched}}}}}"#);
        match Config::from_json(&text).and_then(|c| c.validate().map(|_| ())) {
            Err(e) => e.to_string(),
            Ok(()) => panic!("{sched} accepted"),
        }
    };
    assert_eq!(
        err(r#"[{"step": 10, "lambda": 0.1}, {"step": 10, "lr": 0.5}]"#),
        "train.schedule[1].step must be above train.schedule[0].step = 10 (steps strictly increasing), got 10"
    );
    assert_eq!(
        err(r#"[{"step": 5, "lambda": -1}]"#),
        "train.schedule[0].lambda must be in [0, 1000], got -1"
    );
    assert_eq!(err(r#"[{"step": 5, "lr": 0}]"#), "train.schedule[0].lr must be in (0, 1000], got 0");
    assert_eq!(err(r#"[{"step": 5}]"#), "train.schedule[0]: a change needs lambda, lr or both");
    assert!(err(r#"[{"step": 5, "eta": 1}]"#).contains("unknown field `eta`"));
    assert!(matches!(
        Config::from_json(r#"{"train": {"schedule": [{"step": 2000000000, "lr": 1}]}}"#)
            .unwrap()
            .validate(),
        Err(ConfigError::OutOfRange { .. })
    ));
    // A config without a schedule writes none (links and files stay as they were).
    assert!(!Config::default().to_json().contains("schedule"));
}

fn small() -> Config {
    let mut c = Config::default();
    c.data.n = 10;
    c.data.d = 8;
    c.net.widths = vec![6];
    c
}

#[test]
fn a_change_before_the_first_step_is_the_starting_config() {
    let mut run = Run::new(&small().validate().unwrap());
    run.set_lambda(0.5).unwrap();
    let r = run.record();
    assert_eq!(r.config.train.lambda, 0.5);
    assert!(r.config.train.schedule.is_empty(), "{:?}", r.config.train.schedule);
    assert!(r.reproducible);
}

#[test]
fn a_live_change_at_a_scheduled_step_wins_and_the_exported_config_drops_what_it_replaced() {
    let mut c = small();
    c.train.schedule = vec![
        Change {
            step: 20,
            lambda: Some(1.0),
            lr: None,
        },
        Change {
            step: 50,
            lambda: Some(2.0),
            lr: None,
        },
    ];
    let mut run = Run::new(&c.validate().unwrap());
    run.advance(20);
    // The entry at 20 applies only before step 21: the live change made now replaces it.
    run.set_lambda(0.3).unwrap();
    assert!(
        run.state().config.train.schedule.is_empty(),
        "{:?}",
        run.state().config.train.schedule
    );
    run.advance(40);
    assert_eq!(run.config().train.lambda, 0.3);
    assert_eq!(run.trainers()[0].config().train.lambda, 0.3);
    // A state exported now and restored goes on with λ = 0.3, as the live run does.
    let mut back = Run::from_state(run.state(), u64::MAX).unwrap();
    run.advance(40);
    back.advance(40);
    assert_eq!(numbers(&back), numbers(&run));
}

#[test]
fn a_restored_run_takes_back_its_own_record_and_refuses_another_runs() {
    let mut run = Run::new(&small().validate().unwrap());
    run.advance(10);
    run.set_lambda(0.1).unwrap();
    run.advance(10);
    let record = run.record().clone();
    assert_eq!(record.config.train.schedule.len(), 1);
    let mut back = Run::from_state(run.state(), u64::MAX).unwrap();
    assert!(!back.record().reproducible);
    back.adopt_record(record.clone()).unwrap();
    assert_eq!(back.record(), &record);
    let mut other = record.clone();
    other.config.seed += 1;
    let err = back.adopt_record(other).unwrap_err().to_string();
    assert!(err.contains("another run's"), "{err}");
    assert_eq!(back.record(), &record, "a refused record changes nothing");
    // The adopted record replays the restored run's numbers.
    back.advance(30);
    assert_eq!(numbers(&replay(&record.config, 50)), numbers(&back));
}
