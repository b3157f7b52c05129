//! The `final` object of a run (what `run --json` prints and `run.json`
//! stores), its flattening into dotted keys for CSV rows, and the metrics
//! history as CSV (the CLI's `metrics.csv` and the page's download).
//!
//! Single-task fields sit at the top level (task `a`); runs with K ≥ 2 tasks
//! add `tasks.<name>.…` for every task and `merge.<method>.<task>.{loss,
//! accuracy, max_output_change}` plus the overlap statistics, what each merge
//! method did (`merge_methods`) and the pairwise diagnostics (`merge_diagnostics`).

use crate::merge::MergeReport;
use crate::run::sweep::{self, Row};
use crate::run::{Run, Snapshot};
use crate::train::{History, Metrics, Status};
use serde_json::{json, Map, Value};

fn diverged(status: &Status) -> Value {
    match status {
        Status::Diverged {
            step,
            quantity,
            suggested_lr,
        } => json!({"step": step, "quantity": quantity, "suggested_lr": suggested_lr}),
        Status::Stalled { time, step_size } => json!({"stalled_at_time": time, "step_size": step_size}),
        _ => Value::Bool(false),
    }
}

/// ln(‖D_k(t)‖ / ‖D_k(t₀)‖) / (t − t₀) from the history's first point to `m`:
/// −2λ for a linear net under gradient flow (derived here, see `balance-gf`);
/// `None` for the last layer, before any time has passed, or when D_k(t₀) = 0.
fn balance_rate(history: &History, m: &Metrics, k: usize) -> Option<f64> {
    let first = history.points.first()?;
    let (d0, d1) = (first.layers.get(k)?.balance?, m.layers.get(k)?.balance?);
    let dt = m.time - first.time;
    // libm, as every transcendental here: native and wasm give the same bits.
    (dt > 0.0 && d0 > 0.0).then(|| libm::log(d1 / d0) / dt)
}

fn task_summary(m: &Metrics, status: &Status, history: &History) -> Value {
    let layers: Vec<Value> = m
        .layers
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let mut v = json!({
                "trained": l.trained,
                "alignment_cos": l.alignment_cos,
                "alignment_cos_avg": l.alignment_cos_avg,
                "alignment_gap": l.alignment_gap,
                "alignment_gap_avg": l.alignment_gap_avg,
                "gradient_at_rounding_level": l.gradient_at_rounding_level,
                "gradient_avg_at_rounding_level": l.gradient_avg_at_rounding_level,
                "gradient_norm": l.gradient_norm,
                "gradient_avg_norm": l.gradient_avg_norm,
                "gradient_noise": l.gradient_noise,
                "frobenius": l.frobenius,
                "stable_rank": l.stable_rank,
                "effective_rank": l.effective_rank,
                "numerical_rank": l.numerical_rank,
                "numerical_rank_min": l.numerical_rank_min,
                "numerical_rank_max": l.numerical_rank_max,
                "rank_tolerance": l.rank_tolerance,
                "svd_error": l.svd_error,
                "singular_values": l.singular_values,
                "balance": l.balance,
                "balance_diag": l.balance_diag,
                "norm_identity_lhs": l.norm_identity_lhs,
            });
            if let (Some(rate), Some(obj)) = (balance_rate(history, m, k), v.as_object_mut()) {
                obj.insert("balance_rate".into(), json!(rate));
            }
            v
        })
        .collect();
    json!({
        "step": m.step,
        "time": m.time,
        "loss": m.loss,
        "objective": m.objective,
        "accuracy": m.accuracy,
        "stationarity": m.stationarity,
        "stationarity_at_rounding_level": m.stationarity_at_rounding_level,
        "collapsed": m.collapsed,
        "theta_norm": m.theta_norm,
        "initial_theta_norm": m.initial_theta_norm,
        "zero_output_loss": m.zero_output_loss,
        "norm_identity_rhs": m.norm_identity_rhs,
        "outside_span": m.outside_span,
        "rank_bound": m.rank_bound,
        "layers": layers,
        "diverged": diverged(status),
    })
}

/// The `final` object for a run at its current state.
pub fn final_summary(run: &Run) -> Value {
    summary_with(run, run.merge_report().as_ref())
}

/// [`final_summary`] with the merge report already computed (`None` for one task).
pub fn summary_with(run: &Run, report: Option<&MergeReport>) -> Value {
    let metrics: Vec<Metrics> = run.trainers().iter().map(|t| t.metrics()).collect();
    summary_of(run, &metrics.iter().collect::<Vec<_>>(), report)
}

/// [`summary_with`] with each task's current metrics already computed
/// (`metrics[i]` is task i's `Trainer::metrics()`, as a snapshot holds them).
pub fn summary_of(run: &Run, metrics: &[&Metrics], report: Option<&MergeReport>) -> Value {
    let per_task: Vec<(String, Value)> = run
        .trainers()
        .iter()
        .zip(metrics)
        .zip(&run.data().tasks)
        .map(|((t, m), task)| (task.name.clone(), task_summary(m, t.status(), t.history())))
        .collect();
    let mut out = match per_task.first() {
        Some((_, v)) => v.as_object().cloned().unwrap_or_default(),
        None => Map::new(),
    };
    if per_task.len() >= 2 {
        out.insert("tasks".into(), Value::Object(per_task.into_iter().collect()));
        if let Some(report) = report {
            let mut merge = Map::new();
            for e in &report.evals {
                let entry = merge
                    .entry(e.net.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("object");
                entry.insert(
                    e.task.clone(),
                    json!({"loss": e.loss, "accuracy": e.accuracy, "max_output_change": e.max_output_change}),
                );
            }
            out.insert("merge".into(), Value::Object(merge));
            out.insert("cross_talk".into(), serde_json::to_value(&report.cross_talk).unwrap_or(Value::Null));
            out.insert(
                "hidden_overlap".into(),
                serde_json::to_value(&report.hidden_overlap).unwrap_or(Value::Null),
            );
            out.insert("merge_bound".into(), serde_json::to_value(&report.bound).unwrap_or(Value::Null));
            out.insert("merge_methods".into(), serde_json::to_value(&report.methods).unwrap_or(Value::Null));
            out.insert(
                "merge_diagnostics".into(),
                serde_json::to_value(&report.diagnostics).unwrap_or(Value::Null),
            );
        }
        out.insert("overlap".into(), serde_json::to_value(&run.data().overlap).unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// One warning per collapsed task of a run's `final` object (`analysis::collapse::warning`).
pub fn collapse_warnings(fin: &Value) -> Vec<String> {
    let tasks: Vec<(String, &Value)> = match fin.get("tasks").and_then(Value::as_object) {
        Some(t) => t.iter().map(|(k, v)| (k.clone(), v)).collect(),
        None => vec![("a".to_string(), fin)],
    };
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    tasks
        .into_iter()
        .filter(|(_, v)| v.get("collapsed") == Some(&Value::Bool(true)))
        .map(|(t, v)| {
            crate::analysis::collapse::warning(
                &t,
                num(v, "theta_norm"),
                num(v, "initial_theta_norm"),
                num(v, "loss"),
                num(v, "zero_output_loss"),
            )
        })
        .collect()
}

/// Flatten scalars of a JSON value into (dotted key, value) pairs; arrays of
/// objects are indexed from 1 (`layers.1.stable_rank`), arrays of numbers
/// (spectra) are skipped, booleans become 0/1, null becomes NaN.
pub fn flatten(v: &Value) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, prefix: String, out: &mut Vec<(String, f64)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                walk(v, key(k), out);
            }
        }
        Value::Array(a) => {
            if a.iter().all(|x| x.is_object()) {
                for (i, x) in a.iter().enumerate() {
                    walk(x, key(&(i + 1).to_string()), out);
                }
            }
        }
        Value::Number(n) => out.push((prefix, n.as_f64().unwrap_or(f64::NAN))),
        Value::Bool(b) => out.push((prefix, if *b { 1.0 } else { 0.0 })),
        Value::Null => out.push((prefix, f64::NAN)),
        Value::String(_) => {}
    }
}

/// The metrics history of every task as CSV: one row per task per recorded
/// point (tasks in order, points in step order), columns `index`, `task` and
/// every point's [`flatten`]ed keys in first-seen order ([`sweep::to_csv`]).
pub fn metrics_csv(snapshot: &Snapshot) -> String {
    let mut rows = Vec::new();
    for t in &snapshot.tasks {
        for m in &t.history.points {
            let v = serde_json::to_value(m).unwrap_or_default();
            rows.push(Row {
                index: rows.len(),
                assignments: vec![("task".into(), t.task.clone())],
                values: flatten(&v),
            });
        }
    }
    sweep::to_csv(&rows)
}

/// Look up a dotted key in a JSON value (`merge.sum.a.accuracy`, `layers.1.stable_rank`).
pub fn lookup<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |cur, part| match cur {
        Value::Object(m) => m.get(part),
        Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i.checked_sub(1)?)),
        _ => None,
    })
}
