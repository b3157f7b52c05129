#![cfg(not(target_arch = "wasm32"))]
//! Span steps (`train::span`, `Trainer::set_span_steps`) against direct GD:
//! the same iterates, EMA, checkpoints and history up to rounding, on every
//! net shape they apply to; independent of budget boundaries bit for bit;
//! divergence, reset and export/import handled as under direct steps.
mod pinned;

use lowrank_lab::config::{Activation, Config, Generator, Loss, Optimizer, OutputLayer, NATIVE_MEMORY_BUDGET};
use lowrank_lab::net::Params;
use lowrank_lab::run::summary;
use lowrank_lab::run::{Run, RunState};
use lowrank_lab::train::Status;
use serde_json::Value;

fn base() -> Config {
    let mut c = Config::default();
    c.seed = 23;
    c.data.n = 14;
    c.data.d = 20;
    c.net.widths = vec![24];
    c.train.lr = 0.5;
    c.train.lambda = 0.01;
    c.train.steps = 600;
    c.train.record_every = 25;
    c
}

/// The shapes span steps apply to: shallow with a fixed outer layer, deep
/// with biases, non-homogeneous activations, squared loss, several tasks.
fn variants() -> Vec<(&'static str, Config)> {
    let mut out = vec![("shallow relu", base())];
    let mut c = base();
    c.net.output = OutputLayer::Fixed;
    c.net.widths = vec![40];
    out.push(("fixed outer layer", c));
    let mut c = base();
    c.net.widths = vec![16, 12];
    c.net.activation = Activation::LeakyRelu;
    c.net.bias = true;
    c.train.loss = Loss::Squared;
    c.train.lr = 0.2;
    out.push(("deep leaky with biases, squared loss", c));
    let mut c = base();
    c.net.activation = Activation::Tanh;
    c.net.frozen = vec![2];
    out.push(("tanh, layer 2 frozen", c));
    let mut c = base();
    c.data.generator = Generator::Mixing;
    c.data.tasks = 2;
    c.data.rho = 0.3;
    out.push(("two mixed tasks", c));
    out
}

fn run(cfg: &Config, span: bool) -> Run {
    let mut r = Run::new(&cfg.validate().expect("valid"));
    assert_eq!(r.set_span_steps(span), span);
    r
}

fn max_abs(p: &Params) -> f64 {
    let w = p.w.iter().flat_map(|w| w.iter());
    w.chain(p.b.iter().flat_map(|b| b.iter())).fold(0.0f64, |m, v| m.max(v.abs()))
}

/// max |a − b| over every entry, relative to max |a|.
fn rel_diff(a: &Params, b: &Params) -> f64 {
    let mut d = 0.0f64;
    for (x, y) in a.w.iter().zip(&b.w) {
        d = x.iter().zip(y).fold(d, |m, (u, v)| m.max((u - v).abs()));
    }
    for (x, y) in a.b.iter().zip(&b.b) {
        d = x.iter().zip(y).fold(d, |m, (u, v)| m.max((u - v).abs()));
    }
    d / max_abs(a).max(1e-300)
}

/// Every number of two JSON documents within rtol (plus 1e-12 absolute); same structure otherwise.
fn assert_close_json(a: &Value, b: &Value, rtol: f64, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= rtol * x.abs().max(y.abs()) + 1e-12, "{path}: {x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths");
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                assert_close_json(u, v, rtol, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{path}: keys");
            for (k, u) in x {
                assert_close_json(u, &y[k], rtol, &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn span_steps_follow_direct_gd_to_rounding() {
    for (name, cfg) in variants() {
        let (mut direct, mut span) = (run(&cfg, false), run(&cfg, true));
        for budget in [37, 150, 1, 313, 10_000] {
            if budget == 1 {
                // λ and η changed between budgets are followed too.
                for r in [&mut direct, &mut span] {
                    r.set_lambda(0.03).unwrap();
                    r.set_lr(0.3).unwrap();
                }
            }
            direct.advance(budget);
            span.advance(budget);
        }
        for (d, s) in direct.trainers().iter().zip(span.trainers()) {
            let (ds, ss) = (d.state(), s.state());
            assert_eq!(ds.step, ss.step, "{name}");
            assert_eq!(ds.status, ss.status, "{name}");
            for (what, a, b) in [
                ("weights", &ds.params, &ss.params),
                ("gradient EMA", &ds.ema, &ss.ema),
                ("checkpoint", &ds.checkpoint, &ss.checkpoint),
            ] {
                let r = rel_diff(a, b);
                assert!(r < 1e-11, "{name}: {what} differ by {r:e} (relative to the largest entry)");
            }
            // Every history point (alignment, norms, spectra, bounds) and the final metrics.
            let (dh, sh) = (
                serde_json::to_value(&ds.history).unwrap(),
                serde_json::to_value(&ss.history).unwrap(),
            );
            assert_close_json(&dh, &sh, 1e-9, name);
            assert!(d.history().points.len() > 10, "{name}");
        }
        let (df, sf) = (summary::final_summary(&direct), summary::final_summary(&span));
        assert_close_json(&df, &sf, 1e-9, name);
    }
}

#[test]
fn span_steps_do_not_depend_on_budget_boundaries_or_reset() {
    let cfg = base();
    let mut whole = run(&cfg, true);
    whole.advance(10_000);
    let mut pieces = run(&cfg, true);
    for b in [1, 2, 31, 32, 33, 7, 100, 10_000] {
        pieces.advance(b);
    }
    let text = |r: &Run| serde_json::to_string(&r.state()).unwrap();
    assert_eq!(text(&whole), text(&pieces));
    // Reset goes back to the same base: a second run is bit-identical, except
    // for the history's revision, which counts the reset (a page holding the
    // first run's points must not take the second's as their continuation).
    let numbers = |r: &Run| {
        let mut v = serde_json::to_value(r.state()).unwrap();
        for t in v["tasks"].as_array_mut().unwrap() {
            t["history"]["revision"] = 0.into();
        }
        v.to_string()
    };
    let first = numbers(&whole);
    let revision = whole.trainers()[0].history().revision;
    whole.reset();
    whole.advance(10_000);
    assert_eq!(numbers(&whole), first);
    assert_eq!(whole.trainers()[0].history().revision, revision + 1);
}

#[test]
fn span_steps_apply_only_where_they_pay() {
    type Edit = Box<dyn Fn(&mut Config)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "SGD",
            Box::new(|c| {
                c.train.optimizer = Optimizer::Sgd;
                c.train.batch_size = 4;
            }),
        ),
        ("gradient flow", Box::new(|c| c.train.optimizer = Optimizer::Gf)),
        ("n > d", Box::new(|c| c.data.n = 21)),
        ("layer 1 frozen", Box::new(|c| c.net.frozen = vec![1])),
    ];
    for (name, edit) in cases {
        let mut c = base();
        edit(&mut c);
        let mut r = Run::new(&c.validate().unwrap());
        assert!(!r.set_span_steps(true), "{name}: span steps were turned on");
        assert!(!r.trainers()[0].span_steps(), "{name}");
    }
    assert!(run(&base(), true).trainers()[0].span_steps());
}

#[test]
fn divergence_under_span_steps_matches_direct_steps() {
    let mut c = base();
    c.net.widths = vec![32, 32, 32];
    c.net.init_scale = 3.0;
    c.train.loss = Loss::Squared;
    c.train.lr = 50.0;
    c.train.steps = 10_000;
    let (mut direct, mut span) = (run(&c, false), run(&c, true));
    direct.run_to_end();
    span.run_to_end();
    let (d, s) = (&direct.trainers()[0], &span.trainers()[0]);
    let Status::Diverged { step, quantity, .. } = s.status() else {
        panic!("expected divergence, got {:?}", s.status())
    };
    match d.status() {
        Status::Diverged {
            step: ds, quantity: dq, ..
        } => assert_eq!((ds, dq), (step, quantity)),
        other => panic!("direct: {other:?}"),
    }
    assert_eq!(d.step_count(), s.step_count());
    let all = vec![true; s.net().depth()];
    assert!(s.net().params.all_finite(&all));
    let r = rel_diff(&d.net().params, &s.net().params);
    assert!(r < 1e-9, "kept states differ by {r:e}");
    // Continuing from the kept state at a smaller η trains on.
    let loss_before = s.metrics().loss;
    span.set_lr(1e-3).unwrap();
    span.advance(200);
    assert_eq!(*span.trainers()[0].status(), Status::Running);
    assert!(span.trainers()[0].metrics().loss < loss_before);
}

#[test]
fn a_span_run_exports_its_coordinates_and_resumes_bit_for_bit() {
    let cfg = base();
    let mut straight = run(&cfg, true);
    straight.advance(150);
    let mut direct = run(&cfg, false);
    direct.advance(150);
    let state = straight.state();
    // The matrices in the state are the weights themselves, as direct steps have them.
    let (a, b) = (&state.tasks[0], &direct.state().tasks[0]);
    assert!(rel_diff(&b.params, &a.params) < 1e-12);
    assert!(rel_diff(&b.checkpoint, &a.checkpoint) < 1e-12);
    assert!(rel_diff(&b.ema, &a.ema) < 1e-12);
    let sp = a.span.as_ref().expect("span coordinates exported");
    assert!(sp.base.is_none(), "the base is the initial W_1 and is left out");
    assert!(b.span.is_none());
    let text = serde_json::to_string(&state).unwrap();
    let mut resumed = Run::from_state(serde_json::from_str::<RunState>(&text).unwrap(), NATIVE_MEMORY_BUDGET).unwrap();
    assert!(resumed.trainers()[0].span_steps(), "an imported span state continues in span steps");
    resumed.advance(10_000);
    straight.advance(10_000);
    assert_eq!(resumed.trainers()[0].step_count(), cfg.train.steps);
    let json = |r: &Run| serde_json::to_string(&r.snapshot()).unwrap();
    assert_eq!(json(&straight), json(&resumed), "resumed run differs");

    // A state without coordinates (saved by direct steps, or before span steps
    // existed) starts them from its matrices: equal to rounding.
    let mut old = serde_json::from_str::<RunState>(&text).unwrap();
    old.tasks[0].span = None;
    let mut from_old = Run::from_state(old, NATIVE_MEMORY_BUDGET).unwrap();
    assert!(!from_old.trainers()[0].span_steps());
    assert!(from_old.set_span_steps(true));
    from_old.advance(10_000);
    let r = rel_diff(&straight.trainers()[0].net().params, &from_old.trainers()[0].net().params);
    assert!(r < 1e-11, "resumed from matrices differs by {r:e}");
}

#[test]
fn a_rebased_span_state_exports_its_base() {
    // Import a state without coordinates (base = its W_1), train on, export again:
    // the base is no longer the initial W_1 and must travel with the state.
    let cfg = base();
    let mut first = run(&cfg, false);
    first.advance(100);
    let mut r = Run::from_state(first.state(), NATIVE_MEMORY_BUDGET).unwrap();
    assert!(r.set_span_steps(true));
    r.advance(50);
    let st = r.state();
    assert!(st.tasks[0].span.as_ref().unwrap().base.is_some());
    let text = serde_json::to_string(&st).unwrap();
    let mut resumed = Run::from_state(serde_json::from_str::<RunState>(&text).unwrap(), NATIVE_MEMORY_BUDGET).unwrap();
    resumed.advance(10_000);
    r.advance(10_000);
    assert_eq!(
        serde_json::to_string(&r.snapshot()).unwrap(),
        serde_json::to_string(&resumed.snapshot()).unwrap()
    );
}

#[test]
fn deferred_budgets_equal_synced_ones() {
    let cfg = base();
    let mut synced = run(&cfg, true);
    let mut deferred = run(&cfg, true);
    for b in [3, 40, 1, 200] {
        synced.advance(b);
        deferred.advance_deferred(b);
    }
    deferred.sync_matrices();
    let text = |r: &Run| serde_json::to_string(&r.state()).unwrap();
    assert_eq!(text(&synced), text(&deferred));
}

#[test]
fn bad_span_coordinates_are_refused_naming_the_field() {
    let cfg = base();
    let mut r = run(&cfg, true);
    r.advance(40);
    let good = serde_json::to_value(r.state()).unwrap();
    let refuse = |v: serde_json::Value| -> String {
        let st: RunState = match serde_json::from_value(v) {
            Ok(st) => st,
            Err(e) => return e.to_string(),
        };
        match Run::from_state(st, NATIVE_MEMORY_BUDGET) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    };
    // P with the wrong shape.
    let mut v = good.clone();
    v["tasks"][0]["span"]["p"] = serde_json::json!({"v": 1, "dim": [2, 2], "data": [0.0, 0.0, 0.0, 0.0]});
    let e = refuse(v);
    assert!(e.contains("state.tasks[0].span.p") && e.contains("(2, 2)"), "{e}");
    // A field that is not there.
    let mut v = good.clone();
    v["tasks"][0]["span"]["bogus"] = serde_json::json!(1);
    let e = refuse(v);
    assert!(e.contains("span") && e.contains("bogus"), "{e}");
    // Coordinates in the state of a config that cannot use them (n > d).
    let mut v = good.clone();
    v["config"]["data"]["n"] = serde_json::json!(30);
    let e = refuse(v);
    assert!(e.contains("span") || e.contains("shape"), "{e}");
}

#[test]
fn the_pinned_run_under_span_steps_reproduces_the_pinned_numbers() {
    let cfg = Config::from_json(pinned::RUN_CONFIG).unwrap();
    let mut r = run(&cfg, true);
    r.run_to_end();
    let f = summary::final_summary(&r);
    for (k, want) in pinned::RUN_FINAL {
        let got = summary::lookup(&f, k).and_then(|v| v.as_f64()).unwrap();
        assert!((got - want).abs() <= 1e-9 * want.abs(), "{k}: {got} vs {want}");
    }
}
