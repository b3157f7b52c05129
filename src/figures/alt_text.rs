//! A chart's text alternative: one sentence with the numbers the chart shows
//! now (task a's net at the snapshot's state), for the page's canvas
//! `aria-label` so a screen reader (or a text browser) gets what a sighted
//! visitor reads off the chart. Values come from the snapshot's current
//! metrics and merge report, the same the chart's last points are drawn from.

use super::registry::SnapshotChart;
use crate::run::Snapshot;
use crate::train::Metrics;

/// A number for reading aloud: the charts' own 4-significant-digit form
/// (`charts::axis::fmt_num`), "not a number" for NaN.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        "not a number".into()
    } else {
        crate::charts::axis::fmt_num(x)
    }
}

/// An optional value: "undefined" where there is none.
fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "undefined".to_string(), num)
}

fn per_layer(m: &Metrics, f: impl Fn(usize, &crate::train::LayerMetrics) -> Option<String>) -> String {
    let parts: Vec<String> = m.layers.iter().enumerate().filter_map(|(k, l)| f(k, l)).collect();
    if parts.is_empty() {
        "no trained layer".into()
    } else {
        parts.join(", ")
    }
}

/// The text alternative of `chart` drawn from `s` (task a's net; the merge
/// charts: every net on every task).
pub fn alt_text(chart: SnapshotChart, s: &Snapshot) -> String {
    let Some(t) = s.tasks.first() else {
        return format!("{}: no data yet", chart.key());
    };
    let m = &t.current;
    let at = format!("{} {}", s.x_label(), num(s.x_of(m)));
    let body = match chart {
        SnapshotChart::Loss => format!("loss L = {}, objective F = {}", num(m.loss), num(m.objective)),
        SnapshotChart::Spectrum | SnapshotChart::SpectrumOverTime => per_layer(m, |k, l| {
            let top: Vec<String> = l.singular_values.iter().take(3).map(|&v| num(v)).collect();
            Some(format!(
                "W{} largest singular values {} (stable rank {})",
                k + 1,
                top.join(", "),
                num(l.stable_rank)
            ))
        }),
        SnapshotChart::Norms => per_layer(m, |k, l| Some(format!("‖W{}‖ = {}", k + 1, num(l.frobenius)))),
        SnapshotChart::Alignment | SnapshotChart::AlignmentGap => {
            let gap = chart == SnapshotChart::AlignmentGap;
            // Where Rust's notes say a cosine is rounding noise, the note is read instead of the number.
            let noted = |notes: &[Option<String>], k: usize, x: Option<f64>| match notes.get(k).cloned().flatten() {
                Some(note) => note,
                None => opt(x),
            };
            let lines = per_layer(m, |k, l| {
                l.trained.then(|| {
                    let (inst, avg) = if gap {
                        (l.alignment_gap, l.alignment_gap_avg)
                    } else {
                        (l.alignment_cos, l.alignment_cos_avg)
                    };
                    format!(
                        "W{}: {} = {}, averaged {}",
                        k + 1,
                        if gap { "1 − cos(W, −∇L)" } else { "cos(W, −∇L)" },
                        noted(&t.notes.alignment_cos, k, inst),
                        noted(&t.notes.alignment_cos_avg, k, avg)
                    )
                })
            });
            if gap {
                lines
            } else {
                let st = t.notes.stationarity.clone().unwrap_or_else(|| num(m.stationarity));
                format!("{lines}; stationarity residual {st}")
            }
        }
        SnapshotChart::OutsideSpan => match (&t.notes.outside_span, m.layers.first()) {
            (Some(note), _) => format!("‖W₁(I − P)‖ {note}"),
            (None, Some(l)) => format!(
                "‖W₁(I − P)‖ = {} ({} of ‖W₁‖)",
                num(m.outside_span * l.frobenius),
                num(m.outside_span)
            ),
            (None, None) => "no layers".into(),
        },
        // As the chart: only pairs of consecutive trained layers, else why it is not defined.
        // The chart's own data (the diagonal imbalance for ReLU-like σ), or why it is not defined.
        SnapshotChart::Balance => {
            let d = super::norms_data(s, 0).1;
            let parts: Vec<String> = d
                .series
                .iter()
                .filter_map(|se| se.points.last().map(|p| format!("{} = {}", se.name, num(p.1))))
                .collect();
            match (d.undefined, parts.is_empty()) {
                (Some(why), _) => why,
                (None, true) => "no data yet".into(),
                (None, false) => parts.join(", "),
            }
        }
        SnapshotChart::NormIdentity => {
            let lhs = per_layer(m, |k, l| {
                l.trained.then(|| format!("λ‖W{}‖² = {}", k + 1, num(l.norm_identity_lhs)))
            });
            format!("{lhs}; (1/n)Σ(−ℓ′)yf = {}", num(m.norm_identity_rhs))
        }
        SnapshotChart::MergeAccuracy | SnapshotChart::MergeLoss => match &s.merge {
            None => "nothing merged".into(),
            Some(r) => {
                let acc = chart == SnapshotChart::MergeAccuracy;
                let parts: Vec<String> = r
                    .evals
                    .iter()
                    .map(|e| format!("net {} on task {}: {}", e.net, e.task, num(if acc { e.accuracy } else { e.loss })))
                    .collect();
                parts.join(", ")
            }
        },
        SnapshotChart::MergePath => match &s.merge {
            None => "nothing merged".into(),
            Some(r) => {
                let parts: Vec<String> = r
                    .diagnostics
                    .paths
                    .iter()
                    .map(|p| {
                        let b = |x: Option<f64>| x.map_or("undefined".to_string(), num);
                        format!(
                            "{} path from net {} towards net {}: barrier {} on task {}, {} on task {}",
                            p.path.replace('_', " "),
                            p.a,
                            p.b,
                            b(p.barrier_a),
                            p.a,
                            b(p.barrier_b),
                            p.b
                        )
                    })
                    .collect();
                if parts.is_empty() {
                    "no path computed".into()
                } else {
                    parts.join(", ")
                }
            }
        },
    };
    let title = chart.card().caption.replace("<sub>", "").replace("</sub>", "");
    format!(
        "{title} ({}, {at}): {body}",
        if chart.key().starts_with("merge_") { "all nets" } else { "task a" }
    )
}
