#![cfg(not(target_arch = "wasm32"))]
//! Trainer behaviour: budgets, bounded history, live λ/η changes, reset,
//! divergence and stalls.
use lowrank_lab::config::NATIVE_MEMORY_BUDGET;
use lowrank_lab::config::{Activation, Config, Loss, Optimizer, OutputLayer};
use lowrank_lab::run::{Run, RunState};
use lowrank_lab::train::Status;

fn base() -> Config {
    let mut c = Config::default();
    c.seed = 5;
    c.data.n = 16;
    c.data.d = 12;
    c.net.widths = vec![24];
    c.train.steps = 500;
    c
}

#[test]
fn budgets_are_bounded_and_history_is_decimated() {
    let mut c = base();
    c.train.steps = 5000;
    c.train.record_every = 1;
    c.train.history_len = 16;
    let mut run = Run::new(&c.validate().unwrap());
    run.advance(123);
    assert_eq!(run.trainers()[0].step_count(), 123);
    assert_eq!(*run.trainers()[0].status(), Status::Running);
    run.run_to_end();
    let t = &run.trainers()[0];
    assert_eq!(t.step_count(), 5000);
    assert_eq!(*t.status(), Status::Done);
    let h = t.history();
    assert!(h.points.len() <= 17, "{}", h.points.len());
    assert!(h.points.len() >= 8);
    // Evenly spaced (apart from the final point) and spanning the run.
    let steps: Vec<u64> = h.points.iter().map(|p| p.step).collect();
    let gap = steps[1] - steps[0];
    assert!(steps.windows(2).take(steps.len() - 2).all(|w| w[1] - w[0] == gap), "{steps:?}");
    assert_eq!(*steps.last().unwrap(), 5000);
    assert_eq!(steps[0], 0);
    // The loss went down.
    assert!(h.points.last().unwrap().loss < h.points[0].loss);
}

#[test]
fn lambda_and_lr_change_without_reset_and_reset_restores_initial_weights() {
    let c = base();
    let cfg = c.validate().unwrap();
    let mut run = Run::new(&cfg);
    let w0 = run.trainers()[0].net().params.clone();
    run.advance(100);
    let w100 = run.trainers()[0].net().params.clone();
    run.set_lambda(0.1).unwrap();
    run.set_lr(0.5).unwrap();
    assert_eq!(run.trainers()[0].step_count(), 100);
    assert_eq!(run.trainers()[0].net().params, w100);
    run.advance(100);
    assert_eq!(run.trainers()[0].step_count(), 200);
    assert_eq!(run.trainers()[0].config().train.lambda, 0.1);
    // The change took effect: different from continuing with the old λ.
    let mut other = Run::new(&cfg);
    other.advance(200);
    assert_ne!(other.trainers()[0].net().params, run.trainers()[0].net().params);
    // Bad values are refused with the field's message and change nothing.
    let e = run.set_lambda(-1.0).unwrap_err().to_string();
    assert!(e.starts_with("train.lambda must be in [0, 1000], got -1"), "{e}");
    assert_eq!(run.trainers()[0].config().train.lambda, 0.1);
    run.reset();
    assert_eq!(run.trainers()[0].net().params, w0);
    assert_eq!(run.trainers()[0].step_count(), 0);
    assert!(run.trainers()[0].history().points.is_empty());
}

#[test]
fn divergence_stops_at_the_step_and_keeps_the_last_finite_state() {
    let mut c = base();
    c.net.widths = vec![32, 32, 32];
    c.net.init_scale = 3.0;
    c.train.loss = Loss::Squared;
    c.train.lr = 50.0;
    c.train.steps = 10_000;
    let mut run = Run::new(&c.validate().unwrap());
    run.run_to_end();
    let t = &run.trainers()[0];
    match t.status() {
        Status::Diverged {
            step,
            quantity,
            suggested_lr,
        } => {
            assert!(*suggested_lr > 0.0 && *suggested_lr <= 25.0, "suggested η {suggested_lr}");
            assert!(*step > 0 && *step < 10_000, "step {step}");
            assert!(["loss", "gradient", "weights"].contains(&quantity.as_str()));
            // Put back to the last checkpoint with a finite loss.
            assert!(
                t.step_count() <= *step && t.step_count() + 32 > *step,
                "{} vs {step}",
                t.step_count()
            );
            assert!(t.metrics().loss.is_finite());
        }
        s => panic!("expected divergence, got {s:?}"),
    }
    let all = vec![true; t.net().depth()];
    assert!(t.net().params.all_finite(&all), "last state is not finite");
    // No NaN in what was recorded.
    assert!(t.history().points.iter().all(|p| p.loss.is_finite()));
    // Continuing with the suggested η from the kept state trains on without diverging.
    let step = t.step_count();
    let suggested = match t.status() {
        Status::Diverged { suggested_lr, .. } => *suggested_lr,
        _ => unreachable!(),
    };
    let loss_before = t.metrics().loss;
    run.set_lr(suggested).unwrap();
    run.advance(300);
    assert_eq!(run.trainers()[0].step_count(), step + 300);
    assert_eq!(*run.trainers()[0].status(), Status::Running);
    assert!(run.trainers()[0].metrics().loss < loss_before, "no progress at the suggested η");
}

#[test]
fn gradient_flow_reports_a_stall_instead_of_looping() {
    let mut c = base();
    c.net.widths = vec![16, 16];
    c.net.init_scale = 30.0;
    c.train.loss = Loss::Squared;
    c.train.optimizer = Optimizer::Gf;
    c.train.rtol = 1e-14;
    c.train.atol = 0.0;
    c.train.time = 10.0;
    let mut run = Run::new(&c.validate().unwrap());
    run.run_to_end();
    let status = run.trainers()[0].status().clone();
    assert!(matches!(status, Status::Stalled { .. } | Status::Diverged { .. }), "{status:?}");
    if let Status::Stalled { step_size, time } = status {
        assert!(step_size.is_finite() && time < 10.0);
    }
}

#[test]
fn sgd_runs_and_is_seeded() {
    let mut c = base();
    c.train.optimizer = Optimizer::Sgd;
    c.train.batch_size = 4;
    c.train.lr = 0.5;
    let cfg = c.validate().unwrap();
    let go = || {
        let mut r = Run::new(&cfg);
        r.run_to_end();
        r.trainers()[0].net().params.clone()
    };
    assert_eq!(go(), go());
    let mut r = Run::new(&cfg);
    let l0 = r.trainers()[0].metrics().loss;
    r.run_to_end();
    assert!(r.trainers()[0].metrics().loss < l0);
}

#[test]
fn frozen_and_fixed_layers_do_not_move_and_are_shared_across_tasks() {
    let mut c = base();
    c.data.tasks = 2;
    c.net.widths = vec![24, 24];
    c.net.frozen = vec![2];
    c.net.output = OutputLayer::Fixed;
    c.net.activation = Activation::LeakyRelu;
    let mut run = Run::new(&c.validate().unwrap());
    let before: Vec<_> = run.trainers().iter().map(|t| t.net().params.clone()).collect();
    run.advance(50);
    for (t, b) in run.trainers().iter().zip(&before) {
        assert_eq!(t.net().params.w[1], b.w[1]);
        assert_eq!(t.net().params.w[2], b.w[2]);
        assert_ne!(t.net().params.w[0], b.w[0]);
        // ±1/√m entries.
        assert!(t.net().params.w[2].iter().all(|v| (v.abs() - 1.0 / 24f64.sqrt()).abs() < 1e-15));
    }
    assert_eq!(before[0].w[1], before[1].w[1]);
    assert_eq!(before[0].w[2], before[1].w[2]);
    assert_ne!(before[0].w[0], before[1].w[0]);
}

/// A rollback is exact: after a divergence the trainer holds what an
/// uninterrupted run had at the kept step (θ, the gradient's average, step,
/// time, the SGD generator), so continuing both at a smaller η gives the same
/// snapshot bit for bit. Before issue 15 the average and the generator stayed
/// at the diverged values.
#[test]
fn a_rollback_restores_the_whole_trainer_state() {
    for (opt, span) in [(Optimizer::Gd, false), (Optimizer::Gd, true), (Optimizer::Sgd, false)] {
        let mut c = base();
        c.data.d = 20;
        c.net.widths = vec![16, 16];
        c.train.loss = Loss::Squared;
        c.train.optimizer = opt;
        c.train.batch_size = 8;
        c.train.steps = 4000;
        c.train.record_every = 100_000;
        c.train.lr = 0.5;
        let cfg = c.validate().unwrap();
        // 100 steps at η = 0.5, then η = 1000: the run diverges a few steps later.
        let mut rolled = Run::new(&cfg);
        assert_eq!(rolled.set_span_steps(span), span);
        rolled.advance(100);
        // The same run exported and imported at step 100 (the checkpoint at 96 travels with it).
        let text = serde_json::to_string(&rolled.state()).unwrap();
        let mut imported = Run::from_state(RunState::from_json(&text).unwrap(), NATIVE_MEMORY_BUDGET).unwrap();
        assert_eq!(imported.set_span_steps(span), span);
        for r in [&mut rolled, &mut imported] {
            r.set_lr(1000.0).unwrap();
            r.run_to_end();
        }
        let Status::Diverged { step, .. } = rolled.trainers()[0].status().clone() else {
            panic!("{opt:?}: {:?}", rolled.trainers()[0].status())
        };
        let kept = rolled.trainers()[0].step_count();
        assert!(kept >= 64 && kept < step, "{opt:?}: kept step {kept}, diverged at {step}");
        let mut fresh = Run::new(&cfg);
        fresh.set_span_steps(span);
        fresh.advance(kept);
        let (a, b) = (&rolled.trainers()[0], &fresh.trainers()[0]);
        assert_eq!(a.time(), b.time());
        assert_eq!(a.net().params, b.net().params, "{opt:?} span {span}: θ at step {kept}");
        assert_eq!(a.gradient_ema(), b.gradient_ema(), "{opt:?} span {span}: the gradient's average");
        for r in [&mut rolled, &mut fresh, &mut imported] {
            r.set_lr(0.25).unwrap();
            r.advance(300);
        }
        let json = |r: &Run| serde_json::to_string(&r.snapshot()).unwrap();
        assert_eq!(
            json(&rolled),
            json(&fresh),
            "{opt:?} span {span}: continuing from the kept state differs"
        );
        assert_eq!(
            json(&rolled),
            json(&imported),
            "{opt:?} span {span}: the imported run's rollback differs"
        );
    }
}

/// Issue 17's case: `alignment` (η = 0.5), λ set to 10 while training. With ηλ = 5 each
/// step multiplies what the loss does not see by 1 − ηλ = −4, so the run heads for
/// overflow while its logistic loss goes to 0; before, the first checkpoint after the
/// change was kept whatever it held (‖θ‖ = 3e306, loss 0, ranks 0 on the page). Now the
/// divergence goes back to the last state before the change, whose numbers are a
/// trained net's.
#[test]
fn a_divergence_after_lambda_times_eta_above_two_keeps_the_state_before_the_change() {
    let cfg = lowrank_lab::presets::find("alignment").unwrap().config().unwrap();
    assert_eq!(cfg.train.lr, 0.5);
    let mut c = cfg;
    c.train.steps = 1_000_000;
    let mut run = Run::new(&c.validate().unwrap());
    run.set_span_steps(true);
    run.advance(10_000);
    let at_change = run.trainers()[0].metrics();
    assert!(at_change.objective.is_finite() && at_change.theta_norm.is_finite());
    run.set_lambda(10.0).unwrap();
    run.advance(20_000);
    let t = &run.trainers()[0];
    let Status::Diverged { step, .. } = t.status() else {
        panic!("expected a divergence, got {:?}", t.status());
    };
    assert!(*step > 10_000, "diverged at {step}");
    assert!(
        t.step_count() <= 10_000,
        "kept step {} is after the change at 10000",
        t.step_count()
    );
    assert!(
        t.step_count() + 32 > 10_000,
        "kept step {} is not the last checkpoint before the change",
        t.step_count()
    );
    let m = t.metrics();
    assert!(
        m.objective.is_finite() && m.loss > 1e-3,
        "kept loss {} objective {}",
        m.loss,
        m.objective
    );
    assert!(
        m.theta_norm < 2.0 * at_change.theta_norm,
        "kept ‖θ‖ {} against {} at the change",
        m.theta_norm,
        at_change.theta_norm
    );
}
