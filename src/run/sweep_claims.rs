//! A preset's claims over a sweep's points (`claims.json` of `lowrank-lab
//! sweep`, and the page's sweep panel): each claim is checked at the points
//! where it applies and the worst is reported (`claims::for_rows`). While
//! points are still running (the page streams them in), or after a sweep
//! stopped early, a claim that holds so far at its finished points but
//! applies to a point not yet finished is "waiting", never ✓ early.

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
            // "not trained yet", not "still training": the page shows this after a
            // cancel too, and a partial CLI sweep folder has no point running.
            res.why = format!("{} point(s) where it applies not trained yet ({})", open.len(), labels[open[0]]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;
    use crate::run::sweep::{parse_axis, points};

    /// rank-vs-lambda's grid with only λ = 0.001 trained (made-up values
    /// that pass its λ = 0.001 claims): those claims pass, and a claim of a
    /// point without a row waits, naming how many such points and the first.
    #[test]
    fn a_claim_of_an_untrained_point_waits_and_says_which() {
        let preset = presets::find("rank-vs-lambda").expect("a preset");
        let axes: Vec<_> = preset.grid.iter().map(|g| parse_axis(g).expect("an axis")).collect();
        let pts = points(&preset.config().expect("a config"), Some(preset), &axes).expect("points");
        assert_eq!(pts.len(), 6);
        let row = Row {
            index: 0,
            assignments: pts[0].assignments.clone(),
            values: vec![
                ("layers.1.effective_rank".into(), 8.4),
                ("layers.1.stable_rank".into(), 2.0),
                ("accuracy".into(), 1.0),
                ("collapsed".into(), 0.0),
                ("layers.1.frobenius".into(), 5.0),
            ],
        };
        let results = over_points(preset.name, &pts, &[&row]);
        let at = |status| {
            results
                .iter()
                .filter(|r| r.status == status)
                .map(|r| r.at.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(at(Status::Pass), ["train.lambda=0.001"; 3], "{results:?}");
        assert_eq!(at(Status::Waiting).len(), 5, "{results:?}");
        for r in results.iter().filter(|r| r.status == Status::Waiting) {
            assert_eq!(r.why, format!("1 point(s) where it applies not trained yet ({})", r.at));
        }
    }
}
