//! From a run (or its snapshot) to the chart data of `charts`, and every
//! chart of a run rendered to SVG. The browser builds the same chart data
//! from the same snapshot, so the page and the CLI draw the same figures.

use crate::charts::{
    self, AlignmentData, AlignmentLayer, BalanceData, BoundaryData, ChartReport, LayerSpectrum, LossData, MergeBarsData, MethodSweepData,
    NormsData, Series, SpectrumData, SpectrumHistory, StationarityData, SweepData,
};
use crate::config::Activation;
use crate::merge::{MergeReport, NetId};
use crate::run::{Run, Snapshot};
use crate::train::Metrics;
use ndarray::Array2;

pub mod alt_text;
pub mod explain;
pub mod registry;
pub use registry::{ChartId, SnapshotChart};

/// Grid resolution of decision-boundary pictures.
pub const BOUNDARY_GRID: usize = 200;

/// One series per task of `value` over the history.
fn per_task(s: &Snapshot, value: impl Fn(&Metrics) -> f64) -> Vec<Series> {
    s.tasks
        .iter()
        .map(|t| {
            Series::new(
                format!("task {}", t.task),
                t.history.points.iter().map(|m| (s.x_of(m), value(m))).collect(),
            )
        })
        .collect()
}

/// Training loss per task over the run.
pub fn loss_data(s: &Snapshot) -> LossData {
    LossData {
        title: "Training loss per task".into(),
        x_label: s.x_label(),
        series: per_task(s, |m| m.loss),
    }
}

/// Current singular values of every layer of task `task` (index), with the rank ≤ n line.
pub fn spectrum_data(s: &Snapshot, task: usize) -> SpectrumData {
    let t = &s.tasks[task];
    SpectrumData {
        title: format!("Singular values of each layer, task {} (step {})", t.task, t.current.step),
        layers: t
            .current
            .layers
            .iter()
            .enumerate()
            .map(|(k, l)| LayerSpectrum {
                name: format!("W{}", k + 1),
                singular_values: l.singular_values.clone(),
            })
            .collect(),
        rank_bound: Some(s.config.data.n),
        tolerance: Some(t.current.layers.iter().map(|l| l.rank_tolerance).collect()),
    }
}

/// Spectra over time, one strip per layer, for task `task`.
pub fn spectrum_history(s: &Snapshot, task: usize) -> Vec<SpectrumHistory> {
    let t = &s.tasks[task];
    let depth = t.current.layers.len();
    (0..depth)
        .map(|k| SpectrumHistory {
            layer: format!("W{}", k + 1),
            x_label: s.x_label(),
            times: t.history.points.iter().map(|m| s.x_of(m)).collect(),
            spectra: t.history.points.iter().map(|m| m.layers[k].singular_values.clone()).collect(),
            cursor: None,
        })
        .collect()
}

/// [`spectrum_history`] of the whole run `latest` with a cursor at x `at` (the
/// time slider's step, or time under gradient flow): the rewound view shows
/// where it stands in the full history, not a history cut at the step.
pub fn spectrum_history_at(latest: &Snapshot, task: usize, at: f64) -> Vec<SpectrumHistory> {
    let mut h = spectrum_history(latest, task);
    for s in &mut h {
        s.cursor = Some(at);
    }
    h
}

/// Task `task`'s trained layers over its history: `inst` and `avg` of each
/// layer's metrics at every recorded point that has them.
fn alignment_layers(
    s: &Snapshot,
    task: usize,
    inst: impl Fn(&crate::train::LayerMetrics) -> Option<f64>,
    avg: impl Fn(&crate::train::LayerMetrics) -> Option<f64>,
) -> Vec<AlignmentLayer> {
    let t = &s.tasks[task];
    let series = |k: usize, f: &dyn Fn(&crate::train::LayerMetrics) -> Option<f64>| {
        t.history
            .points
            .iter()
            .filter_map(|m| Some((s.x_of(m), f(&m.layers[k])?)))
            .collect()
    };
    (0..t.current.layers.len())
        .filter(|&k| t.current.layers[k].trained)
        .map(|k| AlignmentLayer {
            name: format!("W{}", k + 1),
            instantaneous: series(k, &inst),
            ema: series(k, &avg),
        })
        .collect()
}

/// The alignment gaps 1 − cos(Wₖ, −∇L) of task `task`'s trained layers over
/// time (instantaneous and against the averaged gradient), as the metrics
/// compute them (`LayerMetrics::alignment_gap`: ‖Â + B̂‖²/2, accurate near
/// alignment where 1 minus the computed cosine would round to 0); points from a gradient at
/// rounding level are absent there and said so, as in [`alignment_data`].
pub fn alignment_gap_data(s: &Snapshot, task: usize) -> AlignmentData {
    let (cosines, _) = alignment_data(s, task);
    let layers = alignment_layers(s, task, |l| l.alignment_gap, |l| l.alignment_gap_avg);
    AlignmentData {
        title: String::new(),
        x_label: cosines.x_label,
        layers,
        notes: cosines.notes,
    }
}

/// Alignment per trained layer (instantaneous and averaged), and stationarity per task.
pub fn alignment_data(s: &Snapshot, task: usize) -> (AlignmentData, StationarityData) {
    let t = &s.tasks[task];
    let layers = alignment_layers(s, task, |l| l.alignment_cos, |l| l.alignment_cos_avg);
    // Points computed from a gradient at rounding level are left out, and said so.
    let flagged = |f: &dyn Fn(&Metrics) -> bool, tasks: &[&crate::run::TaskSnapshot], what: &str| {
        let n: usize = tasks.iter().map(|t| t.history.points.iter().filter(|m| f(m)).count()).sum();
        (n > 0).then(|| {
            format!(
                "{what}: {n} point{} {}",
                if n == 1 { "" } else { "s" },
                crate::run::notes::ROUNDING_LEVEL
            )
        })
    };
    let all: Vec<&crate::run::TaskSnapshot> = s.tasks.iter().collect();
    let stationarity = StationarityData {
        title: "Distance from a stationary point ‖∇L + λθ‖ / ‖λθ‖".into(),
        x_label: s.x_label(),
        series: s
            .tasks
            .iter()
            .map(|t| {
                let kept = t.history.points.iter().filter(|m| !m.stationarity_at_rounding_level);
                Series::new(format!("task {}", t.task), kept.map(|m| (s.x_of(m), m.stationarity)).collect())
            })
            .collect(),
        notes: flagged(&|m| m.stationarity_at_rounding_level, &all, "‖∇L + λθ‖ / ‖λθ‖")
            .into_iter()
            .collect(),
    };
    let notes = flagged(
        &|m| {
            m.layers
                .iter()
                .any(|l| l.gradient_at_rounding_level || l.gradient_avg_at_rounding_level)
        },
        &[t],
        "cos(Wₖ, −∇L)",
    );
    (
        AlignmentData {
            title: format!("Alignment cos(Wₖ, −∇L), task {}: 1 at a stationary point", t.task),
            x_label: s.x_label(),
            layers,
            notes: notes.into_iter().collect(),
        },
        stationarity,
    )
}

/// ‖W_k‖_F per layer, and ‖D_k‖ (its diagonal for ReLU-like nets) with the e^{−2λt} line,
/// for consecutive layers that both train (empty otherwise).
pub fn norms_data(s: &Snapshot, task: usize) -> (NormsData, BalanceData) {
    let t = &s.tasks[task];
    let depth = t.current.layers.len();
    let diag = !matches!(s.config.net.activation, Activation::Linear);
    let norms = NormsData {
        title: format!("Layer norms ‖Wₖ‖ (Frobenius), task {}: equal at a stationary point", t.task),
        x_label: s.x_label(),
        layers: (0..depth)
            .map(|k| {
                Series::new(
                    format!("W{}", k + 1),
                    t.history.points.iter().map(|m| (s.x_of(m), m.layers[k].frobenius)).collect(),
                )
            })
            .collect(),
    };
    let time_of = |m: &Metrics| m.time;
    // The e^{−2λt} law is about pairs of trained layers; a fixed layer has no such balance.
    let series: Vec<Series> = (0..depth.saturating_sub(1))
        .filter(|&k| t.current.layers[k].trained && t.current.layers[k + 1].trained)
        .map(|k| {
            let name = if diag {
                format!("‖diag D{}‖", k + 1)
            } else {
                format!("‖D{}‖ (Frobenius)", k + 1)
            };
            Series::new(
                name,
                t.history
                    .points
                    .iter()
                    .filter_map(|m| Some((time_of(m), if diag { m.layers[k].balance_diag? } else { m.layers[k].balance? })))
                    .collect(),
            )
        })
        .collect();
    let anchor = series.first().and_then(|s| s.points.first().copied());
    // Undefined (not merely empty) when no two consecutive layers train.
    let undefined = (series.is_empty() && depth > 0).then(|| {
        let why = if !t.current.layers[depth - 1].trained {
            "fixed output layer"
        } else if depth < 2 {
            "a single layer"
        } else {
            "a frozen layer"
        };
        format!("not defined for this network ({why})")
    });
    let balance = BalanceData {
        title: if series.is_empty() {
            "Balance Dₖ needs two consecutive trained layers".into()
        } else {
            format!(
                "Balance Dₖ = Wₖ₊₁ᵀWₖ₊₁ − WₖWₖᵀ over time t{}",
                if diag { " (diagonal: the per-neuron part ReLU keeps)" } else { "" }
            )
        },
        x_label: "time t (η·step for GD)".into(),
        lambda: s.config.train.lambda,
        series,
        anchor,
        undefined,
    };
    (norms, balance)
}

/// Grouped bars of `metric` ("loss" or "accuracy") for every net on every task.
pub fn merge_bars(report: &MergeReport, metric: &str) -> MergeBarsData {
    let mut tasks: Vec<String> = Vec::new();
    let mut nets: Vec<String> = Vec::new();
    for e in &report.evals {
        if !tasks.contains(&e.task) {
            tasks.push(e.task.clone());
        }
        if !nets.contains(&e.net) {
            nets.push(e.net.clone());
        }
    }
    let values = nets
        .iter()
        .map(|n| {
            tasks
                .iter()
                .map(|t| {
                    report
                        .get(n, t)
                        .map(|e| if metric == "loss" { e.loss } else { e.accuracy })
                        .unwrap_or(f64::NAN)
                })
                .collect()
        })
        .collect();
    MergeBarsData {
        title: format!("Merged vs individual nets: {metric} on each task"),
        tasks,
        nets,
        values,
        metric: metric.into(),
        log_y: metric == "loss",
    }
}

/// Loss of both tasks along the interference paths that start at the first
/// task's net: θ_a + t·(θ_b − θ₀^b) (adding b's task vector) and θ_a + t·θ_b
/// (reaching the paper's sum at t = 1), one series per (path, task).
pub fn merge_path_data(report: &MergeReport) -> SweepData {
    let first = report.diagnostics.paths.first().map(|p| p.a.clone()).unwrap_or_default();
    let mut series = Vec::new();
    for p in report.diagnostics.paths.iter().filter(|p| p.a == first) {
        let path = if p.path == "weights" {
            format!("θ({}) + t·θ({})", p.a, p.b)
        } else {
            format!("θ({}) + t·(θ({}) − θ₀)", p.a, p.b)
        };
        for (task, losses) in [(&p.a, &p.loss_a), (&p.b, &p.loss_b)] {
            series.push(Series::new(
                format!("task {task} on {path}"),
                p.t.iter().copied().zip(losses.iter().map(|l| l.unwrap_or(f64::NAN))).collect(),
            ));
        }
    }
    SweepData {
        title: format!(
            "Interference: each task's loss as net {first} takes on another net's weights (t = 1: task arithmetic α = 1, and the sum)"
        ),
        x_label: "t".into(),
        y_label: "loss".into(),
        log_x: false,
        log_y: false,
        series,
    }
}

/// Net outputs on a grid over each planar task's own plane, for the page and
/// the CLI alike: for each planar task (in task order), one panel for the
/// task's own net, then one per merged net (`Run::nets`). Empty when no task
/// is planar. The run's matrices must be current (`Run::sync_matrices`).
///
/// A plane point's input is x = R·q with q = (p₁, p₂, 1) and R the task's d × 3
/// lift, so the first layer's W₁x = (W₁R)·q: each net is evaluated with W₁R
/// (width × 3) on the q grid, not W₁ on the lifted grid (d/3 times fewer
/// multiply-adds in layer 1), in cache-sized blocks (the whole grid at once
/// would write and read a grid × width matrix per layer). Equal to the lifted
/// evaluation up to rounding (tests/boundary_values.rs).
pub fn boundary_panels(run: &Run) -> Vec<Vec<BoundaryData>> {
    let nets = run.nets();
    let data = run.data();
    data.tasks
        .iter()
        .enumerate()
        .filter_map(|(t, task)| {
            let info = task.planar.as_ref()?;
            let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
            for p in info.points.outer_iter() {
                (x0, x1, y0, y1) = (x0.min(p[0]), x1.max(p[0]), y0.min(p[1]), y1.max(p[1]));
            }
            let (px, py) = (0.15 * (x1 - x0).max(1e-3), 0.15 * (y1 - y0).max(1e-3));
            let extent = (x0 - px, x1 + px, y0 - py, y1 + py);
            let g = BOUNDARY_GRID;
            let mut grid = Array2::zeros((g * g, 3));
            for iy in 0..g {
                for ix in 0..g {
                    let p1 = extent.0 + (ix as f64 + 0.5) * (extent.1 - extent.0) / g as f64;
                    let p2 = extent.2 + (iy as f64 + 0.5) * (extent.3 - extent.2) / g as f64;
                    grid.row_mut(iy * g + ix).assign(&ndarray::arr1(&[p1, p2, 1.0]));
                }
            }
            let points: Vec<(f64, f64, f64)> = info
                .points
                .outer_iter()
                .zip(task.y.outer_iter())
                .map(|(p, y)| (p[0], p[1], y[0]))
                .collect();
            Some(
                nets.iter()
                    .filter(|(id, _)| matches!(id, NetId::Merged(_)) || *id == NetId::Task(t))
                    .map(|(id, net)| BoundaryData {
                        title: match id {
                            NetId::Task(_) => format!("net {id} on task {}", task.name),
                            NetId::Merged(_) => format!("{id} (merged) on task {}", task.name),
                        },
                        grid: g,
                        extent,
                        values: outputs_on_plane(net, &info.lift, &grid),
                        points: points.clone(),
                    })
                    .collect(),
            )
        })
        .collect()
}

/// `net`'s first output at plane coordinates q = (p₁, p₂, 1) (rows of `q`), as
/// `net` on the lifted inputs R·q: evaluated with W₁R in place of W₁, in blocks
/// of rows whose hidden activations stay in cache (one pass over the whole grid
/// would write and read a grid × width matrix per layer: 64 MB here).
fn outputs_on_plane(net: &crate::net::Net, lift: &Array2<f64>, q: &Array2<f64>) -> Vec<f64> {
    const ROWS: usize = 1024;
    let mut small = net.clone();
    small.params.w[0] = net.params.w[0].dot(lift);
    let mut out = Vec::with_capacity(q.nrows());
    for block in q.axis_chunks_iter(ndarray::Axis(0), ROWS) {
        out.extend(small.forward(block).column(0).iter());
    }
    out
}

/// The placeholder a sweep's plot key uses for "every merge method" (`merge.{method}.a.accuracy`).
pub const METHOD: &str = "{method}";

/// One point of a sweep: its x, the label of its other axes' values ("" for
/// a one-axis sweep) and its flattened `final` values (`summary::flatten`).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub x: f64,
    pub group: String,
    pub values: Vec<(String, f64)>,
}

/// "accuracy on task a" for `merge.{method}.a.accuracy`; the key itself otherwise.
fn method_key_label(template: &str) -> String {
    let parts: Vec<&str> = template.split('.').collect();
    match parts.as_slice() {
        ["merge", METHOD, task, "max_output_change"] => format!("max |f(merged) − f({task})| on task {task}"),
        ["merge", METHOD, task, metric] => format!("{metric} on task {task}"),
        _ => template.to_string(),
    }
}

/// One panel per plot key containing [`METHOD`], one line per merge method
/// (per method and group when the sweep has more axes): the value at
/// `template` with the method's name in place of [`METHOD`], against x.
pub fn method_sweep(x_label: &str, log_x: bool, methods: &[String], templates: &[String], points: &[SweepPoint]) -> MethodSweepData {
    let mut groups: Vec<&str> = Vec::new();
    for p in points {
        if !groups.contains(&p.group.as_str()) {
            groups.push(&p.group);
        }
    }
    let panels = templates
        .iter()
        .enumerate()
        .map(|(i, template)| {
            let mut series = Vec::new();
            for m in methods {
                let key = template.replace(METHOD, m);
                for g in &groups {
                    let pts = points
                        .iter()
                        .filter(|p| p.group == *g)
                        .map(|p| {
                            let v = p.values.iter().find(|(k, _)| *k == key).map_or(f64::NAN, |(_, v)| *v);
                            (p.x, v)
                        })
                        .collect();
                    let name = if g.is_empty() { m.clone() } else { format!("{m}, {g}") };
                    series.push(Series::new(name, pts));
                }
            }
            let y_label = method_key_label(template);
            SweepData {
                title: if i == 0 {
                    format!("Every merge method vs {x_label}: {y_label}")
                } else {
                    y_label.clone()
                },
                x_label: x_label.to_string(),
                log_x,
                log_y: template.contains("max_output_change"),
                y_label,
                series,
            }
        })
        .collect();
    MethodSweepData { panels }
}

/// Every chart of a run as (file stem, SVG text): the snapshot charts the
/// registry puts in the bundle ([`SnapshotChart::in_bundle`]), then the
/// decision boundaries of each planar task.
pub fn run_svgs(run: &Run, snapshot: &Snapshot) -> Result<Vec<(String, String)>, registry::DrawError> {
    let mut out = Vec::new();
    for &chart in SnapshotChart::ALL.iter().filter(|c| c.in_bundle(snapshot)) {
        let (w, h) = chart.svg_size();
        let mut result = Ok(ChartReport::default());
        let svg = charts::render_svg(w, h, |a| {
            result = chart.draw(a, snapshot);
            Ok(ChartReport::default())
        })?;
        result?;
        out.push((chart.key().to_string(), svg));
    }
    let (w, h) = if snapshot.merge.is_some() { (420, 420) } else { (480, 420) };
    for (i, set) in boundary_panels(run).into_iter().enumerate() {
        let width = if snapshot.merge.is_some() { w * set.len() as u32 } else { w };
        out.push((
            ChartId::Boundaries(i).to_string(),
            charts::render_svg(width, h, |a| charts::draw_boundaries(a, &set))?,
        ));
    }
    Ok(out)
}
