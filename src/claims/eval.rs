//! Evaluating a claim ([`super::Claim`]) on one point's numbers, and a
//! preset's claims on a run or on a sweep's rows.
//!
//! Order of the checks (the first that applies decides): the point's config
//! lacks what the claim needs (λ > 0) → `not_applicable`; training diverged
//! or stalled → `fail`; a net the quantity reads collapsed → `collapsed`; a
//! value it reads comes from a gradient at rounding level → `rounding_level`;
//! training still going → `waiting` (the value so far is shown); no value →
//! `fail`; then the comparison → `pass` or `fail`.

use super::{Claim, Needs, Quantity, Reference};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A claim's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Training is still going: the measured value so far, checked at the end.
    Waiting,
    /// A net it reads collapsed to zero: the value is trivial, not evidence.
    Collapsed,
    /// A value it reads comes from a gradient at rounding level: noise.
    RoundingLevel,
    /// The point does not meet what the claim needs (λ > 0), or no point of the sweep is where it applies.
    NotApplicable,
}

impl Status {
    /// How bad, for the worst-of over a sweep's points (pass is 0).
    fn rank(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Waiting => 1,
            Status::NotApplicable => 2,
            Status::RoundingLevel => 3,
            Status::Collapsed => 4,
            Status::Fail => 5,
        }
    }

    /// ✓, ✗, … for a terminal.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Waiting => "…",
            Status::Collapsed => "✗ collapsed",
            Status::RoundingLevel => "✗ rounding",
            Status::NotApplicable => "–",
        }
    }
}

/// A claim with its measured value and status (what `run`, `sweep` and the snapshot carry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// What is measured, for people.
    pub claim: String,
    /// The quantity as dotted keys (`Claim::quantity_text`).
    pub quantity: String,
    /// `<`, `≤`, `>` or `≥`.
    pub comparison: String,
    pub threshold: f64,
    /// Where in the preset's sweep it applies (`everywhere`, `train.lambda=0.1`).
    pub at: String,
    /// The measured value (the worst over a sweep's points); null when there is none.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub measured: f64,
    pub status: Status,
    /// One line: the comparison made, or why it is not a pass.
    pub why: String,
}

impl ClaimResult {
    /// One line for a terminal: `✓ averaged cos(W₁, −∇L) > 0.999: 0.99995 (…)`.
    pub fn line(&self) -> String {
        format!(
            "{} {} {} {} [{}; at {}]: {}",
            self.status.mark(),
            self.claim,
            self.comparison,
            super::number(self.threshold),
            self.quantity,
            self.at,
            self.why
        )
    }
}

/// One point's numbers.
pub struct Input<'a> {
    /// The flattened `final` summary (`summary::flatten`).
    pub values: &'a [(String, f64)],
    /// The point's config as JSON (`serde_json::to_value(config)`).
    pub config: &'a Value,
    /// The preset variant the point runs, if any.
    pub variant: Option<&'a str>,
    /// Training is still going.
    pub running: bool,
    /// The point's grid assignments as text (`train.lambda=0.1`), empty for a single run.
    pub point: &'a str,
}

fn get(values: &[(String, f64)], key: &str) -> Option<f64> {
    values.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
}

/// The (key, value) pairs a pattern matches (`*` = one segment).
fn matches<'v>(values: &'v [(String, f64)], pattern: &str) -> Vec<(&'v str, f64)> {
    let pat: Vec<&str> = pattern.split('.').collect();
    values
        .iter()
        .filter(|(k, _)| {
            let parts: Vec<&str> = k.split('.').collect();
            parts.len() == pat.len() && parts.iter().zip(&pat).all(|(a, b)| *b == "*" || a == b)
        })
        .map(|(k, v)| (k.as_str(), *v))
        .collect()
}

fn lambda(config: &Value) -> f64 {
    config["train"]["lambda"].as_f64().unwrap_or(f64::NAN)
}

/// max (or min) of `xs`; NaN if any is NaN or there are none.
fn extreme(xs: impl Iterator<Item = f64>, max: bool) -> f64 {
    let mut out: Option<f64> = None;
    for x in xs {
        if x.is_nan() {
            return f64::NAN;
        }
        out = Some(match out {
            None => x,
            Some(o) if max => o.max(x),
            Some(o) => o.min(x),
        });
    }
    out.unwrap_or(f64::NAN)
}

/// The quantity's value and the keys it read.
fn measure(claim: &Claim, inp: &Input) -> (f64, Vec<String>) {
    let reference = |r: &Reference, keys: &mut Vec<String>| match r {
        Reference::Key(k) => {
            keys.push(k.to_string());
            get(inp.values, k).unwrap_or(f64::NAN)
        }
        Reference::MinusTwoLambda => -2.0 * lambda(inp.config),
        Reference::Const(c) => *c,
    };
    let pattern = match claim.quantity {
        Quantity::Value(k)
        | Quantity::Abs(k)
        | Quantity::Spread(k)
        | Quantity::RelDiff(k, _)
        | Quantity::AbsDiff(k, _)
        | Quantity::Ratio(k, _) => k,
    };
    let found = matches(inp.values, pattern);
    let mut keys: Vec<String> = found.iter().map(|(k, _)| k.to_string()).collect();
    let xs = found.iter().map(|(_, v)| *v);
    let upper = claim.comparison.upper();
    let v = match &claim.quantity {
        Quantity::Value(_) => extreme(xs, upper),
        Quantity::Abs(_) => extreme(xs.map(f64::abs), true),
        Quantity::Spread(_) => {
            let (hi, lo) = (extreme(xs.clone(), true), extreme(xs.clone(), false));
            (hi - lo) / extreme(xs.map(f64::abs), true)
        }
        Quantity::RelDiff(_, r) => {
            let r = reference(r, &mut keys);
            extreme(xs.map(|x| (x / r - 1.0).abs()), true)
        }
        Quantity::AbsDiff(_, r) => {
            let r = reference(r, &mut keys);
            extreme(xs.map(|x| (x - r).abs()), true)
        }
        Quantity::Ratio(_, r) => {
            let r = reference(r, &mut keys);
            extreme(xs.map(|x| x / r), upper)
        }
    };
    (v, keys)
}

/// The collapse flags that decide whether `key`'s net is trivial: a task's
/// own (`tasks.b.…` → `tasks.b.collapsed`, top-level keys are task a's),
/// every task's for the merge and overlap quantities.
fn collapse_flags(key: &str, values: &[(String, f64)]) -> Vec<String> {
    let first = key.split('.').next().unwrap_or("");
    if first == "tasks" {
        let task = key.split('.').nth(1).unwrap_or("");
        return vec![format!("tasks.{task}.collapsed")];
    }
    let merge = [
        "merge",
        "merge_bound",
        "merge_methods",
        "merge_diagnostics",
        "cross_talk",
        "hidden_overlap",
        "overlap",
    ];
    if merge.contains(&first) {
        let mut all = vec!["collapsed".to_string()];
        all.extend(matches(values, "tasks.*.collapsed").into_iter().map(|(k, _)| k.to_string()));
        return all;
    }
    vec!["collapsed".to_string()]
}

/// The rounding-level flag of a value computed from a gradient, if `key` is one.
fn rounding_flag(key: &str) -> Option<String> {
    let (head, last) = key.rsplit_once('.').unwrap_or(("", key));
    let flag = match last {
        "alignment_cos" | "alignment_gap" => "gradient_at_rounding_level",
        "alignment_cos_avg" | "alignment_gap_avg" => "gradient_avg_at_rounding_level",
        "stationarity" => "stationarity_at_rounding_level",
        _ => return None,
    };
    Some(if head.is_empty() {
        flag.to_string()
    } else {
        format!("{head}.{flag}")
    })
}

fn at(point: &str) -> String {
    if point.is_empty() {
        String::new()
    } else {
        format!(" (at {point})")
    }
}

/// Evaluate `claim` on one point, wherever its `at` says it applies (see the module header).
pub fn evaluate(claim: &Claim, inp: &Input) -> ClaimResult {
    let (measured, keys) = measure(claim, inp);
    let here = at(inp.point);
    let done = |status: Status, why: String| ClaimResult {
        claim: claim.text.to_string(),
        quantity: claim.quantity_text(),
        comparison: claim.comparison.symbol().to_string(),
        threshold: claim.threshold,
        at: claim.at_text(),
        measured,
        status,
        why,
    };
    if claim.needs == Needs::LambdaPositive && lambda(inp.config).partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return done(
            Status::NotApplicable,
            format!("needs λ > 0; this point has λ = {}{here}", lambda(inp.config)),
        );
    }
    if let Some((k, _)) = inp
        .values
        .iter()
        .find(|(k, _)| k.starts_with("diverged.") || k.contains(".diverged."))
    {
        return done(Status::Fail, format!("training diverged or stalled ({k}){here}"));
    }
    if claim.guard_collapse {
        for k in &keys {
            if let Some(flag) = collapse_flags(k, inp.values).into_iter().find(|f| get(inp.values, f) == Some(1.0)) {
                return done(
                    Status::Collapsed,
                    format!("{flag}: the net collapsed to zero, so {k} is trivial, not evidence{here}"),
                );
            }
        }
    }
    for k in &keys {
        if let Some(flag) = rounding_flag(k).filter(|f| get(inp.values, f) == Some(1.0)) {
            return done(
                Status::RoundingLevel,
                format!("{flag}: {k} is computed from a gradient at rounding level, noise{here}"),
            );
        }
    }
    if inp.running {
        return done(Status::Waiting, format!("training: {measured:e} so far{here}"));
    }
    if measured.is_nan() {
        return done(Status::Fail, format!("no value for {}{here}", claim.quantity_text()));
    }
    let holds = claim.comparison.holds(measured, claim.threshold);
    let why = format!(
        "measured {} {} {}{here}",
        super::number(measured),
        if holds { claim.comparison.symbol() } else { "does not meet" },
        super::number(claim.threshold)
    );
    done(if holds { Status::Pass } else { Status::Fail }, why)
}

/// JSON values equal as config values (numbers as f64).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        _ => a == b,
    }
}

/// Whether the point is where `claim` applies.
pub fn applies(claim: &Claim, inp: &Input) -> bool {
    claim.at.iter().all(|(k, want)| {
        if *k == "variant" {
            return inp.variant == Some(*want);
        }
        let got = k.split('.').try_fold(inp.config, |v, part| v.get(part));
        match (got, want.strip_prefix(">=")) {
            (None, _) => false,
            (Some(g), Some(min)) => matches!((g.as_f64(), min.trim().parse::<f64>()), (Some(g), Ok(m)) if g >= m),
            (Some(g), None) => json_eq(g, &crate::config::overrides::parse_value(want)),
        }
    })
}

/// The claims of `preset` that apply to one run, evaluated (unknown presets have none).
pub fn for_run(preset: &str, inp: &Input) -> Vec<ClaimResult> {
    super::table::of(preset)
        .iter()
        .filter(|c| applies(c, inp))
        .map(|c| evaluate(c, inp))
        .collect()
}

/// Whether a claim of `preset` reads `key` (a value, a reference, or a flag
/// the guards check): the part of a sweep row to keep for [`for_rows`].
pub fn reads(preset: &str, key: &str) -> bool {
    if key.ends_with("collapsed") || key.ends_with("_at_rounding_level") || key.starts_with("diverged.") || key.contains(".diverged.") {
        return true;
    }
    let one = [(key.to_string(), 0.0)];
    super::table::of(preset).iter().any(|c| {
        let (pattern, reference) = match c.quantity {
            Quantity::Value(k) | Quantity::Abs(k) | Quantity::Spread(k) => (k, None),
            Quantity::RelDiff(k, r) | Quantity::AbsDiff(k, r) | Quantity::Ratio(k, r) => (k, Some(r)),
        };
        !matches(&one, pattern).is_empty() || matches!(reference, Some(Reference::Key(k)) if k == key)
    })
}

/// Every claim of `preset` over a sweep's points: each at the points where it
/// applies, the worst of them reported (`not_applicable` when there is none).
pub fn for_rows(preset: &str, rows: &[Input]) -> Vec<ClaimResult> {
    super::table::of(preset)
        .iter()
        .map(|c| {
            let mut worst: Option<ClaimResult> = None;
            for r in rows.iter().filter(|r| applies(c, r)) {
                let res = evaluate(c, r);
                let worse = match &worst {
                    None => true,
                    Some(w) => {
                        let (a, b) = (res.status.rank(), w.status.rank());
                        a > b
                            || (a == b
                                && (res.measured.is_nan()
                                    || if c.comparison.upper() {
                                        res.measured > w.measured
                                    } else {
                                        res.measured < w.measured
                                    }))
                    }
                };
                if worse {
                    worst = Some(res);
                }
            }
            worst.unwrap_or_else(|| ClaimResult {
                claim: c.text.to_string(),
                quantity: c.quantity_text(),
                comparison: c.comparison.symbol().to_string(),
                threshold: c.threshold,
                at: c.at_text(),
                measured: f64::NAN,
                status: Status::NotApplicable,
                why: format!("no point of this sweep is at {}", c.at_text()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Claim, Comparison, Needs, Quantity, Reference};
    use super::*;

    const CLAIM: Claim = Claim {
        text: "averaged cos",
        quantity: Quantity::Value("layers.*.alignment_cos_avg"),
        comparison: Comparison::Greater,
        threshold: 0.999,
        at: &[],
        needs: Needs::LambdaPositive,
        guard_collapse: true,
    };

    fn vals(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn eval(claim: &Claim, values: &[(String, f64)], lambda: f64, running: bool) -> ClaimResult {
        let config = serde_json::json!({"train": {"lambda": lambda}, "data": {"rho": 0.4}});
        evaluate(
            claim,
            &Input {
                values,
                config: &config,
                variant: None,
                running,
                point: "",
            },
        )
    }

    #[test]
    fn worst_match_decides_and_every_guard_has_its_status() {
        let good = vals(&[
            ("layers.1.alignment_cos_avg", 0.9999),
            ("layers.2.alignment_cos_avg", 0.9995),
            ("collapsed", 0.0),
        ]);
        let r = eval(&CLAIM, &good, 0.01, false);
        assert_eq!((r.status, r.measured), (Status::Pass, 0.9995));
        let bad = vals(&[("layers.1.alignment_cos_avg", 0.9999), ("layers.2.alignment_cos_avg", 0.99)]);
        assert_eq!(eval(&CLAIM, &bad, 0.01, false).status, Status::Fail);
        assert_eq!(eval(&CLAIM, &bad, 0.01, true).status, Status::Waiting);
        assert_eq!(eval(&CLAIM, &good, 0.0, false).status, Status::NotApplicable);
        let mut collapsed = good.clone();
        collapsed[2].1 = 1.0;
        assert_eq!(eval(&CLAIM, &collapsed, 0.01, false).status, Status::Collapsed);
        let mut noisy = good.clone();
        noisy.push(("layers.2.gradient_avg_at_rounding_level".into(), 1.0));
        assert_eq!(eval(&CLAIM, &noisy, 0.01, false).status, Status::RoundingLevel);
        assert_eq!(eval(&CLAIM, &vals(&[]), 0.01, false).status, Status::Fail, "no value is no pass");
        let mut diverged = good;
        diverged.push(("diverged.step".into(), 12.0));
        assert_eq!(eval(&CLAIM, &diverged, 0.01, false).status, Status::Fail);
    }

    #[test]
    fn quantities_compute_what_they_say() {
        let v = vals(&[
            ("layers.1.f", 3.0),
            ("layers.2.f", 2.97),
            ("rhs", 3.0),
            ("tasks.b.collapsed", 1.0),
            ("merge.sum.a.c", 0.5),
        ]);
        let q = |quantity, comparison| Claim {
            quantity,
            comparison,
            needs: Needs::Nothing,
            ..CLAIM
        };
        let m = |c: Claim| eval(&c, &v, 0.1, false).measured;
        assert!((m(q(Quantity::Spread("layers.*.f"), Comparison::Less)) - 0.01).abs() < 1e-12);
        assert!((m(q(Quantity::RelDiff("layers.*.f", Reference::Key("rhs")), Comparison::Less)) - 0.01).abs() < 1e-12);
        assert!((m(q(Quantity::AbsDiff("layers.*.f", Reference::Const(2.0)), Comparison::Less)) - 1.0).abs() < 1e-12);
        assert!((m(q(Quantity::RelDiff("layers.*.f", Reference::MinusTwoLambda), Comparison::Less)) - 16.0).abs() < 1e-12);
        assert_eq!(m(q(Quantity::Value("layers.*.f"), Comparison::Less)), 3.0);
        assert_eq!(m(q(Quantity::Value("layers.*.f"), Comparison::Greater)), 2.97);
        // A merge quantity is trivial when any task collapsed; task a's own layers are not.
        let merge = q(Quantity::Value("merge.sum.a.c"), Comparison::Greater);
        assert_eq!(eval(&Claim { threshold: 0.1, ..merge }, &v, 0.1, false).status, Status::Collapsed);
        let own = q(Quantity::Value("layers.1.f"), Comparison::Greater);
        assert_eq!(eval(&Claim { threshold: 1.0, ..own }, &v, 0.1, false).status, Status::Pass);
    }

    #[test]
    fn where_a_claim_applies() {
        let config = serde_json::json!({"train": {"lambda": 0.1}, "net": {"widths": [16, 16]}, "data": {"rho": 0.4}});
        let inp = |variant| Input {
            values: &[],
            config: &config,
            variant,
            running: false,
            point: "",
        };
        let c = |at| Claim { at, ..CLAIM };
        assert!(applies(&c(&[("train.lambda", "0.1"), ("net.widths", "[16,16]")]), &inp(None)));
        assert!(!applies(&c(&[("train.lambda", "0")]), &inp(None)));
        assert!(applies(&c(&[("data.rho", ">=0.1")]), &inp(None)));
        assert!(!applies(&c(&[("data.rho", ">=0.5")]), &inp(None)));
        assert!(applies(&c(&[("variant", "sgd")]), &inp(Some("sgd"))));
        assert!(!applies(&c(&[("variant", "sgd")]), &inp(None)));
    }
}
