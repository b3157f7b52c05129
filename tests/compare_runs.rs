#![cfg(not(target_arch = "wasm32"))]
//! Compare (`config::compare`): run B is A's config with the chosen keys
//! changed and A's seed, so it starts from A's data and initial weights
//! wherever the changed keys leave them alone, and the two runs then differ
//! as the theory says they must: with λ = 0 against λ > 0 on data-span, B's
//! part of W₁ outside span(X) is unchanged by training (GD adds only
//! span(X) directions; derived here) while A's is multiplied by (1 − ηλ)
//! per step.

use lowrank_lab::config::compare::compare;
use lowrank_lab::config::Config;
use lowrank_lab::run::Run;

fn data_span() -> Config {
    let mut c = lowrank_lab::presets::find("data-span").unwrap().config().unwrap();
    c.train.lambda = 0.02;
    c.train.steps = 400;
    c
}

fn sets(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn b_starts_from_a_s_data_and_initial_weights() {
    let a = data_span();
    let b = compare(&a, &sets(&["train.lambda=0"]), |c| c.validate()).unwrap();
    let (ra, rb) = (Run::new(&a.validate().unwrap()), Run::new(&b.b));
    assert_eq!(ra.data().tasks[0].x, rb.data().tasks[0].x);
    assert_eq!(ra.trainers()[0].initial_net().params, rb.trainers()[0].initial_net().params);
    // A changed input overlap changes the data, not the first layer's initial weights.
    let mut m = lowrank_lab::presets::find("merge-overlap").unwrap().config().unwrap();
    m.data.rho = 0.0;
    let b = compare(&m, &sets(&["data.rho=0.5"]), |c| c.validate()).unwrap();
    let (ra, rb) = (Run::new(&m.validate().unwrap()), Run::new(&b.b));
    assert_ne!(ra.data().tasks[1].x, rb.data().tasks[1].x);
    assert_eq!(
        ra.trainers()[0].initial_net().params.w[0],
        rb.trainers()[0].initial_net().params.w[0]
    );
}

#[test]
fn lambda_zero_keeps_the_outside_part_and_lambda_positive_shrinks_it() {
    let a = data_span();
    let b = compare(&a, &sets(&["train.lambda=0"]), |c| c.validate()).unwrap();
    let (mut ra, mut rb) = (Run::new(&a.validate().unwrap()), Run::new(&b.b));
    let outside = |r: &Run| -> f64 {
        let s = r.snapshot();
        let m = &s.tasks[0].current;
        m.outside_span * m.layers[0].frobenius
    };
    let (a0, b0) = (outside(&ra.synced()), outside(&rb.synced()));
    assert!((a0 - b0).abs() <= 1e-15 * a0, "same start: {a0} vs {b0}");
    ra.advance(400);
    rb.advance(400);
    let (a1, b1) = (outside(&ra.synced()), outside(&rb.synced()));
    // ‖W₁(I − P)‖_F: × (1 − ηλ)^400 = 0.99^400 for A; unchanged for B (to rounding).
    let eta_lambda = a.train.lr * a.train.lambda;
    let want = a0 * (1.0 - eta_lambda).powi(400);
    assert!((a1 - want).abs() <= 1e-9 * want, "A: {a1} vs {want}");
    assert!((b1 - b0).abs() <= 1e-9 * b0, "B: {b1} vs {b0}");
}

/// At λ = 0.02 on data-span, 4000 steps take W₁'s outside part to 0.99^4000 ≈ 3e-18 of where
/// it started, below rounding: the value is then flagged, not shown as a success; at λ = 0 it is not.
#[test]
fn an_outside_part_at_rounding_level_is_flagged() {
    let mut a = data_span();
    a.train.steps = 4000;
    let b = compare(&a, &sets(&["train.lambda=0"]), |c| c.validate()).unwrap();
    let (mut ra, mut rb) = (Run::new(&a.validate().unwrap()), Run::new(&b.b));
    ra.advance(4000);
    rb.advance(4000);
    let (sa, sb) = (ra.synced().snapshot(), rb.synced().snapshot());
    let (ta, tb) = (&sa.tasks[0], &sb.tasks[0]);
    assert!(
        ta.current.outside_span < lowrank_lab::run::notes::OUTSIDE_SPAN_ROUNDING,
        "{}",
        ta.current.outside_span
    );
    assert_eq!(ta.notes.outside_span.as_deref(), Some(lowrank_lab::run::notes::OUTSIDE_SPAN_GONE));
    assert!(tb.current.outside_span > 0.2, "{}", tb.current.outside_span);
    assert_eq!(tb.notes.outside_span, None);
}
