//! A preset's claims over a sweep's points (`claims.json` of `lowrank-lab
//! sweep`, and the page's sweep panel): each claim is checked at the points
//! where it applies and the worst is reported (`claims::for_rows`). While
//! points are still running (the page streams them in), a claim that holds
//! so far at its finished points but applies to a point not yet finished is
//! "waiting", never ✓ early.

use crate::claims::{self, ClaimResult, Input, Status};
use crate::run::sweep::{Point, Row};
use serde_json::Value;

/// `k=v, k=v` of a point's assignments (how claims and messages name a point).
pub fn label(assignments: &[(String, String)]) -> String {
    assignments.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

/// The claims of `preset` over the finished `rows` (any subset of `points`, by
/// index); a claim that also applies to a point without a row is at best waiting.
pub fn over_points(preset: &str, points: &[Point], rows: &[&Row]) -> Vec<ClaimResult> {
    let configs: Vec<Value> = points
        .iter()
        .map(|p| serde_json::to_value(&p.config).expect("a config serialises"))
        .collect();
    let labels: Vec<String> = points.iter().map(|p| label(&p.assignments)).collect();
    let variant = |p: &Point| p.assignments.iter().find(|(k, _)| k == "variant").map(|(_, v)| v.clone());
    let variants: Vec<Option<String>> = points.iter().map(variant).collect();
    let done: Vec<Input> = rows
        .iter()
        .filter(|r| r.index < points.len())
        .map(|r| Input {
            values: &r.values,
            config: &configs[r.index],
            variant: variants[r.index].as_deref(),
            running: false,
            point: &labels[r.index],
        })
        .collect();
    let finished: std::collections::HashSet<usize> = rows.iter().map(|r| r.index).collect();
    let mut out = claims::for_rows(preset, &done);
    for (c, res) in claims::table::of(preset).iter().zip(out.iter_mut()) {
        let open: Vec<usize> = (0..points.len())
            .filter(|i| !finished.contains(i))
            .filter(|&i| {
                claims::eval::applies(
                    c,
                    &Input {
                        values: &[],
                        config: &configs[i],
                        variant: variants[i].as_deref(),
                        running: true,
                        point: &labels[i],
                    },
                )
            })
            .collect();
        if !open.is_empty() && matches!(res.status, Status::Pass | Status::NotApplicable) {
            res.status = Status::Waiting;
            res.why = format!("{} point(s) where it applies still training ({})", open.len(), labels[open[0]]);
        }
    }
    out
}
