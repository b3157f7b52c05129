#![cfg(not(target_arch = "wasm32"))]
//! Each preset's "what you should see" number, asserted on a (where
//! possible shortened) run through the same code the CLI uses.
use lowrank_lab::overrides;
use lowrank_lab::presets::{self, PRESETS};
use lowrank_lab::run::Run;
use lowrank_lab::summary::{self, lookup};
use serde_json::Value;

fn run(name: &str, sets: &[&str]) -> Run {
    let p = presets::find(name).unwrap();
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let cfg = overrides::apply_all(&p.config().unwrap(), &sets).unwrap().validate().unwrap();
    let mut r = Run::new(&cfg);
    r.run_to_end();
    r
}

fn fin(name: &str, sets: &[&str]) -> Value {
    summary::final_summary(&run(name, sets))
}

fn num(v: &Value, key: &str) -> f64 {
    lookup(v, key)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {key}"))
}

#[test]
fn all_presets_are_covered_here() {
    let tested = [
        "alignment",
        "norms",
        "balance-gf",
        "rank-vs-lambda",
        "data-span",
        "merge-orthogonal",
        "merge-overlap",
        "merge-lambda",
        "merge-deep",
        "merge-deep-gf",
        "merge-many",
        "merge-methods",
        "merge-digits",
        "assumptions",
    ];
    for p in PRESETS {
        assert!(tested.contains(&p.name), "preset {} has no test", p.name);
    }
}

#[test]
fn alignment() {
    let f = fin("alignment", &["train.steps=5000"]);
    let (inst, avg) = (num(&f, "layers.1.alignment_cos"), num(&f, "layers.1.alignment_cos_avg"));
    assert!(avg > 0.999, "averaged {avg}");
    assert!((0.9..0.98).contains(&inst), "instantaneous {inst}");
}

#[test]
fn norms() {
    let f = fin("norms", &[]);
    let n: Vec<f64> = (1..=3).map(|k| num(&f, &format!("layers.{k}.frobenius"))).collect();
    let spread = (n.iter().cloned().fold(0.0, f64::max) - n.iter().cloned().fold(f64::MAX, f64::min)) / n[0];
    assert!(spread < 1e-3, "{n:?}");
    let rhs = num(&f, "norm_identity_rhs");
    for k in 1..=3 {
        let lhs = num(&f, &format!("layers.{k}.norm_identity_lhs"));
        assert!((lhs / rhs - 1.0).abs() < 1e-3, "layer {k}: {lhs} vs {rhs}");
    }
    // Started unbalanced: scales 3 and 0.3 are 10× apart.
    let r = run("norms", &["train.steps=1"]);
    let m0 = &r.trainers()[0].history().points[0];
    assert!(m0.layers[0].frobenius / m0.layers[2].frobenius > 5.0);
}

#[test]
fn balance_gf() {
    for lambda in [0.1, 0.0] {
        let r = run("balance-gf", &[&format!("train.lambda={lambda}")]);
        let h = &r.trainers()[0].history().points;
        let (first, last) = (&h[0], h.last().unwrap());
        assert!(last.time > 9.999);
        for k in 0..2 {
            let (d0, d1) = (first.layers[k].balance.unwrap(), last.layers[k].balance.unwrap());
            let slope = (d1 / d0).ln() / (last.time - first.time);
            if lambda > 0.0 {
                assert!((slope / (-2.0 * lambda) - 1.0).abs() < 1e-5, "slope {slope}");
            } else {
                assert!(slope.abs() < 1e-9, "slope {slope} at λ = 0");
            }
        }
    }
}

#[test]
fn rank_vs_lambda() {
    let lo = fin("rank-vs-lambda", &["train.lambda=0.001", "train.steps=10000"]);
    let hi = fin("rank-vs-lambda", &["train.lambda=0.05", "train.steps=10000"]);
    let (e_lo, e_hi) = (num(&lo, "layers.1.effective_rank"), num(&hi, "layers.1.effective_rank"));
    let (s_lo, s_hi) = (num(&lo, "layers.1.stable_rank"), num(&hi, "layers.1.stable_rank"));
    assert!(e_lo > 6.0 && e_hi < 4.5, "effective rank {e_lo} → {e_hi}");
    assert!(s_lo > 1.8 && s_hi < 1.45, "stable rank {s_lo} → {s_hi}");
    // The claim is on nets that learned: every point fitted, nothing collapsed.
    for f in [&lo, &hi] {
        assert_eq!((num(f, "accuracy"), f["collapsed"].as_bool()), (1.0, Some(false)));
    }
    // The edge of the lesson: at λ = 0.1 the net collapses to zero, and says so.
    let edge = fin("rank-vs-lambda", &["train.lambda=0.1", "train.steps=10000"]);
    assert_eq!(edge["collapsed"], Value::Bool(true));
    assert!(num(&edge, "layers.1.frobenius") < 1e-12 && (num(&edge, "loss") - std::f64::consts::LN_2).abs() < 1e-12);
}

#[test]
fn data_span() {
    let decayed = fin("data-span", &[]);
    let frozen = fin("data-span", &["train.lambda=0"]);
    let out = num(&decayed, "outside_span");
    assert!(out < 5e-9 && out > 1e-10, "{out}");
    assert!((num(&frozen, "outside_span") - 0.28).abs() < 0.01);
    // The decay is exactly (1 − ηλ) per step of the outside part: compare two points of the history.
    let r = run("data-span", &[]);
    let t = &r.trainers()[0];
    let h = &t.history().points;
    assert!(h.len() > 10);
    assert!(h[h.len() / 2].outside_span > out * 100.0);
}

#[test]
fn merge_orthogonal() {
    let f = fin("merge-orthogonal", &[]);
    for t in ["a", "b"] {
        assert!(num(&f, &format!("merge.sum.{t}.max_output_change")) <= 1e-12);
        assert_eq!(
            num(&f, &format!("merge.sum.{t}.accuracy")),
            num(&f, &format!("merge.{t}.{t}.accuracy"))
        );
        assert!(num(&f, &format!("merge.mean.{t}.max_output_change")) > 0.1);
    }
}

#[test]
fn merge_overlap() {
    let changes: Vec<f64> = [0.0, 0.4, 0.8]
        .iter()
        .map(|rho| {
            let f = fin("merge-overlap", &[&format!("data.rho={rho}")]);
            let bound = &lookup(&f, "merge_bound").unwrap().as_array().unwrap().clone();
            for b in bound {
                assert!(b["holds"].as_bool().unwrap(), "bound violated at ρ = {rho}: {b}");
            }
            num(&f, "merge.sum.a.max_output_change")
        })
        .collect();
    assert!(
        changes[0] < 1e-12 && changes[1] > 0.1 && changes[2] > changes[1] && changes[2] < 2.0,
        "{changes:?}"
    );
}

#[test]
fn merge_lambda() {
    let lo = fin("merge-lambda", &["train.lambda=0.005"]);
    let hi = fin("merge-lambda", &["train.lambda=0.1"]);
    let (a, b) = (num(&lo, "merge.sum.a.max_output_change"), num(&hi, "merge.sum.a.max_output_change"));
    assert!(a > 0.4 && b < 0.08, "{a} → {b}");
}

#[test]
fn merge_deep() {
    let narrow = fin("merge-deep", &["net.widths=[16,16]"]);
    let wide = fin("merge-deep", &["net.widths=[256,256]"]);
    let (o16, o256) = (num(&narrow, "hidden_overlap.1.value"), num(&wide, "hidden_overlap.1.value"));
    assert!(o16 > 0.2 && o256 < 0.1, "{o16} → {o256}");
    let relu = fin("merge-deep", &["net.widths=[256,256]", "net.activation=relu"]);
    assert!(num(&relu, "hidden_overlap.1.value") > 0.3);
}

#[test]
fn merge_many() {
    let two = fin("merge-many", &["data.tasks=2"]);
    let eight = fin("merge-many", &["data.tasks=8"]);
    let (a2, a8) = (num(&two, "merge.sum.a.accuracy"), num(&eight, "merge.sum.a.accuracy"));
    assert!(a2 == 1.0 && a8 < 0.8, "{a2} → {a8}");
}

#[test]
fn assumptions() {
    let p = presets::find("assumptions").unwrap();
    let variant = |name: &str, extra: &[&str]| {
        let patch: Value = serde_json::from_str(p.variant(name).unwrap()).unwrap();
        let cfg = overrides::apply_patch(&p.config().unwrap(), &patch).unwrap();
        let sets: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let cfg = overrides::apply_all(&cfg, &sets).unwrap().validate().unwrap();
        let mut r = Run::new(&cfg);
        r.run_to_end();
        summary::final_summary(&r)
    };
    let spread = |f: &Value| {
        let n: Vec<f64> = (1..=3).map(|k| num(f, &format!("layers.{k}.frobenius"))).collect();
        (n.iter().cloned().fold(0.0, f64::max) - n.iter().cloned().fold(f64::MAX, f64::min)) / n.iter().cloned().fold(0.0, f64::max)
    };
    let base = variant("baseline", &[]);
    assert!(spread(&base) < 1e-3, "baseline spread {}", spread(&base));
    assert!(spread(&variant("bias", &[])) > 0.03);
    assert!(spread(&variant("gelu", &[])) > 0.2);
    assert!(num(&variant("sgd", &[]), "layers.1.alignment_cos_avg") < 0.999);
    assert!(num(&variant("early_stop", &[]), "layers.1.alignment_cos_avg") < 0.95);
    assert!(num(&base, "layers.1.alignment_cos_avg") > 0.9999);
}

const METHODS: [&str; 7] = ["sum", "mean", "task_arithmetic", "regmean", "ties", "dare", "spectral"];

#[test]
fn merge_methods() {
    let p = presets::find("merge-methods").unwrap();
    assert!(p.plot.iter().all(|k| k.contains("{method}")));
    let f = fin("merge-methods", &["data.rho=0"]);
    for t in ["a", "b"] {
        let own = num(&f, &format!("merge.{t}.{t}.accuracy"));
        for m in ["sum", "regmean"] {
            let change = num(&f, &format!("merge.{m}.{t}.max_output_change"));
            assert!(change <= 1e-9, "{m} on {t}: {change:e}");
            assert_eq!(num(&f, &format!("merge.{m}.{t}.accuracy")), own);
        }
    }
    let own = num(&f, "merge.a.a.accuracy");
    assert!((own - 0.933).abs() < 0.01, "{own}");
    for (m, acc) in [("task_arithmetic", 0.53), ("ties", 0.67), ("dare", 0.70)] {
        let got = num(&f, &format!("merge.{m}.a.accuracy"));
        assert!((got - acc).abs() < 0.01, "{m}: {got}");
    }
    // Exactly orthogonal inputs: the weights' input subspaces are orthogonal, the task vectors are not.
    assert!(num(&f, "merge_diagnostics.pairs.1.input_overlap") < 1e-12);
    assert!(num(&f, "merge_diagnostics.pairs.1.task_cosine") > 0.9);
    // From ρ = 0.1 on, RegMean has the smallest output change on task a of all seven.
    let mut at_08 = Vec::new();
    for rho in [0.1, 0.2, 0.4, 0.6, 0.8] {
        let f = fin("merge-methods", &[&format!("data.rho={rho}")]);
        let change = |m: &str| num(&f, &format!("merge.{m}.a.max_output_change"));
        for m in METHODS.iter().filter(|&&m| m != "regmean") {
            assert!(
                change("regmean") < change(m),
                "ρ = {rho}: regmean {} vs {m} {}",
                change("regmean"),
                change(m)
            );
        }
        if rho == 0.8 {
            at_08 = METHODS.iter().map(|m| change(m)).collect();
        }
    }
    // ρ = 0.8: regmean 0.22, sum 0.44, spectral 0.45, task arithmetic 0.48, DARE and mean 0.51, TIES 0.66.
    for (got, want) in at_08.iter().zip([0.44, 0.51, 0.48, 0.22, 0.66, 0.51, 0.45]) {
        assert!((got - want).abs() < 0.01, "{at_08:?}");
    }
}

#[test]
fn merge_digits() {
    let p = presets::find("merge-digits").unwrap();
    let variant = |name: &str| {
        let patch: Value = serde_json::from_str(p.variant(name).unwrap()).unwrap();
        let cfg = overrides::apply_patch(&p.config().unwrap(), &patch).unwrap().validate().unwrap();
        let mut r = Run::new(&cfg);
        r.run_to_end();
        summary::final_summary(&r)
    };
    let all = variant("all");
    let mean_overlap = num(&all, "overlap.pairs.1.mean_abs_inner");
    assert!((mean_overlap - 0.66).abs() < 0.005, "{mean_overlap}");
    assert_eq!(num(&all, "merge.a.a.accuracy"), 1.0);
    let (sum_a, change) = (num(&all, "merge.sum.a.accuracy"), num(&all, "merge.sum.a.max_output_change"));
    assert!((sum_a - 0.96).abs() < 0.005 && (change - 0.98).abs() < 0.01, "{sum_a} {change}");
    assert!((num(&all, "merge.regmean.a.accuracy") - 0.993).abs() < 0.002);
    assert!(num(&all, "merge_diagnostics.pairs.1.input_overlap") > 0.5);
    let disjoint = variant("disjoint");
    assert_eq!(num(&disjoint, "overlap.pairs.1.max_abs_inner"), 0.0);
    for (t, acc) in [("a", 0.993), ("b", 0.947)] {
        assert!(num(&disjoint, &format!("merge.sum.{t}.max_output_change")) <= 1e-15);
        let own = num(&disjoint, &format!("merge.{t}.{t}.accuracy"));
        assert_eq!(num(&disjoint, &format!("merge.sum.{t}.accuracy")), own);
        assert!((own - acc).abs() < 0.002, "{t}: {own}");
    }
    assert!(num(&disjoint, "merge_diagnostics.pairs.1.input_overlap") < 1e-12);
}

#[test]
fn merge_deep_gf() {
    for widths in ["[16,16]", "[256,256]"] {
        let f = fin("merge-deep-gf", &[&format!("net.widths={widths}")]);
        assert!(num(&f, "time") == 400.0 && num(&f, "stationarity") < 1e-6, "{widths}");
        for t in ["a", "b"] {
            assert_eq!(num(&f, &format!("merge.sum.{t}.accuracy")), 1.0, "{widths}, task {t}");
        }
        for c in lookup(&f, "cross_talk").unwrap().as_array().unwrap() {
            assert!(c["value"].as_f64().unwrap() < 1e-7, "{widths}: {c}");
        }
        let n: Vec<f64> = (1..=3).map(|k| num(&f, &format!("layers.{k}.frobenius"))).collect();
        assert!((n[0] / n[2] - 1.0).abs() < 1e-6 && (n[0] - 2.012).abs() < 1e-3, "{n:?}");
        let change = num(&f, "merge.sum.a.max_output_change");
        assert!(change > 1e-3 && change < 1.5, "{widths}: {change}");
    }
    // relu_v1: ReLU under gradient flow (claimed in v1, dropped in v2).
    let p = presets::find("merge-deep-gf").unwrap();
    let patch: Value = serde_json::from_str(p.variant("relu_v1").unwrap()).unwrap();
    let cfg = overrides::apply_patch(&p.config().unwrap(), &patch).unwrap();
    let cfg = overrides::apply_all(&cfg, &["net.widths=[16,16]".to_string()])
        .unwrap()
        .validate()
        .unwrap();
    let mut r = Run::new(&cfg);
    r.run_to_end();
    let f = summary::final_summary(&r);
    assert!(num(&f, "hidden_overlap.1.value") > 0.9);
    assert!(num(&f, "merge.sum.a.accuracy") <= 0.7, "{}", num(&f, "merge.sum.a.accuracy"));
}
