#![cfg(not(target_arch = "wasm32"))]
//! Two runs in one chart (`SnapshotChart::draw_compared`, `charts::compare`):
//! every snapshot chart draws runs A and B of a comparison, the legend (or
//! the halves' titles) naming both; B's lines are dashed where A's are solid;
//! and the W₁-outside-span chart plots exactly the recorded ‖W₁(I − P)‖ with
//! the (1 − ηλ)^step reference.

use lowrank_lab::charts::{self, CompareLabels};
use lowrank_lab::config::compare::{compare, texts};
use lowrank_lab::config::Config;
use lowrank_lab::figures::registry::SnapshotChart;
use lowrank_lab::run::{Run, Snapshot};
use plotters::prelude::*;

fn trained(c: &Config) -> Snapshot {
    let mut run = Run::new(&c.validate().unwrap());
    run.run_to_end();
    run.synced().snapshot()
}

/// A (the preset at λ as given) and B (λ = 0), trained to the end, and the words for them.
fn pair(preset: &str, steps: u64) -> (Snapshot, Snapshot, CompareLabels) {
    let mut a = lowrank_lab::presets::find(preset).unwrap().config().unwrap();
    a.train.steps = steps;
    let b = compare(&a, &["train.lambda=0".to_string()], |c| c.validate()).unwrap();
    let t = texts(&a, b.b.config());
    (trained(&a), trained(b.b.config()), CompareLabels { a: t.a, b: t.b })
}

fn svg(chart: SnapshotChart, a: &Snapshot, b: Option<&Snapshot>, labels: &CompareLabels) -> String {
    let (w, h) = chart.svg_size();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        match b {
            Some(b) => chart.draw_compared(&root, a, b, labels),
            None => chart.draw(&root, a),
        }
        .unwrap_or_else(|e| panic!("{}: {e}", chart.key()));
        root.present().unwrap();
    }
    buf
}

#[test]
fn every_chart_draws_both_runs_and_names_them() {
    for (preset, steps) in [("data-span", 400), ("merge-orthogonal", 300)] {
        let (a, b, labels) = pair(preset, steps);
        assert!(labels.a.starts_with("A: λ = ") && labels.b == "B: λ = 0", "{labels:?}");
        for &chart in SnapshotChart::ALL {
            let merge = matches!(
                chart,
                SnapshotChart::MergeAccuracy | SnapshotChart::MergeLoss | SnapshotChart::MergePath
            );
            if merge && a.merge.is_none() {
                continue;
            }
            let s = svg(chart, &a, Some(&b), &labels);
            // A chart undefined for this net (balance with a fixed output layer) says so, for both.
            if s.contains("not defined for this network") {
                continue;
            }
            let named = match chart {
                // Heat strips side by side: each strip's layer says its run.
                SnapshotChart::SpectrumOverTime => s.contains("W1 · A") && s.contains("W1 · B"),
                _ => s.contains(&labels.a) && s.contains(&labels.b),
            };
            assert!(named, "{preset}: {} does not name both runs", chart.key());
        }
    }
}

#[test]
fn b_is_dashed_where_a_is_solid() {
    let (a, b, labels) = pair("data-span", 400);
    let one = svg(SnapshotChart::Loss, &a, None, &labels);
    let two = svg(SnapshotChart::Loss, &a, Some(&b), &labels);
    // plotters draws a dashed line as one short polyline per dash: B's line adds dozens.
    let polylines = |s: &str| s.matches("<polyline").count();
    assert!(
        polylines(&two) >= polylines(&one) + 20,
        "{} vs {}",
        polylines(&two),
        polylines(&one)
    );
}

#[test]
fn the_outside_span_chart_plots_the_recorded_part_with_the_derived_reference() {
    let (a, b, _) = pair("data-span", 400);
    for s in [&a, &b] {
        let d = charts::outside_span_data(s, 0);
        let h = &s.tasks[0].history.points;
        assert_eq!(d.series.points.len(), h.len());
        for (p, m) in d.series.points.iter().zip(h) {
            assert_eq!(*p, (m.step as f64, m.outside_span * m.layers[0].frobenius));
        }
        let (lr, lambda) = (s.config.train.lr, s.config.train.lambda);
        assert_eq!(d.log_rate, Some((1.0 - lr * lambda).ln()));
        // The measured part follows the reference (the mechanism, to rounding): A shrinks, B stays.
        let (x0, v0) = d.series.points[0];
        let (x1, v1) = *d.series.points.last().unwrap();
        let want = v0 * (1.0 - lr * lambda).powf(x1 - x0);
        assert!((v1 - want).abs() <= 1e-9 * v0, "{v1} vs {want}");
    }
    // 0.995^400 = 0.135: A's part is a seventh of B's (the same at step 0).
    let last = |s: &Snapshot| charts::outside_span_data(s, 0).series.points.last().unwrap().1;
    assert!(last(&a) < 0.2 * last(&b), "{} vs {}", last(&a), last(&b));
    // The inputs span ℝ^d (n ≥ d): nothing is outside, and the chart says so instead of "no data yet".
    let mut full = lowrank_lab::presets::find("data-span").unwrap().config().unwrap();
    full.data.n = 50;
    full.train.steps = 40;
    let d = charts::outside_span_data(&trained(&full), 0);
    assert!(d.undefined.as_deref().unwrap().starts_with("0 at every step"));
}

#[test]
fn decision_boundaries_put_a_row_over_b_row_each_titled_with_its_run() {
    let mut a = lowrank_lab::presets::find("merge-orthogonal").unwrap().config().unwrap();
    a.data.generator = lowrank_lab::config::Generator::Planar;
    a.train.steps = 40;
    let b = compare(&a, &["train.lambda=0".to_string()], |c| c.validate()).unwrap();
    let t = texts(&a, b.b.config());
    let labels = CompareLabels { a: t.a, b: t.b };
    let panels = |c: &Config| {
        let mut run = Run::new(&c.validate().unwrap());
        run.run_to_end();
        lowrank_lab::figures::boundary_panels(&run.synced())
    };
    let (pa, pb) = (panels(&a), panels(b.b.config()));
    let draw = |b: Option<&[charts::BoundaryData]>| {
        let mut buf = String::new();
        let report = {
            let root = SVGBackend::with_string(&mut buf, (1200, 900)).into_drawing_area();
            let r = charts::draw_boundaries_compared(&root, &pa[0], b, &labels).unwrap();
            root.present().unwrap();
            r
        };
        (buf, report)
    };
    let (svg, report) = draw(Some(&pb[0]));
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    for (label, set) in [(&labels.a, &pa[0]), (&labels.b, &pb[0])] {
        for d in set {
            let title = format!("{label} — {}", d.title);
            assert!(svg.contains(&title), "panel title `{title}` is drawn");
        }
    }
    // In a tall area (a phone's card) the rows become columns and every panel still fits.
    let mut tall = String::new();
    {
        let root = SVGBackend::with_string(&mut tall, (400, 700)).into_drawing_area();
        let r = charts::draw_boundaries_compared(&root, &pa[0], Some(&pb[0]), &labels).unwrap();
        assert!(r.skipped.is_empty(), "tall: {:?}", r.skipped);
        root.present().unwrap();
    }
    let one = {
        let mut buf = String::new();
        let root = SVGBackend::with_string(&mut buf, (400, 700)).into_drawing_area();
        let r = charts::draw_boundaries(&root, &pa[0]).unwrap();
        assert!(r.skipped.is_empty(), "one run, tall: {:?}", r.skipped);
        root.present().unwrap();
        drop(root);
        buf
    };
    assert!(one.contains(&pa[0][1].title));
    let (svg, report) = draw(None);
    assert!(!svg.contains(&format!("{} — ", labels.b)));
    assert_eq!(report.skipped, vec![format!("{}: no decision boundaries for this task", labels.b)]);
}
