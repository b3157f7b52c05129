//! From a run (or its snapshot) to the chart data of `charts`, and every
//! chart of a run rendered to SVG. The browser builds the same chart data
//! from the same snapshot, so the page and the CLI draw the same figures.

use crate::charts::{
    self, AlignmentData, AlignmentLayer, BalanceData, BoundaryData, LayerSpectrum, LossData, MergeBarsData, MethodSweepData, NormsData,
    Series, SpectrumData, SpectrumHistory, StationarityData, SweepData,
};
use crate::config::{Activation, Optimizer};
use crate::data::Dataset;
use crate::merge::MergeReport;
use crate::net::Net;
use crate::run::{Run, Snapshot};
use crate::train::Metrics;
use ndarray::Array2;

/// Grid resolution of decision-boundary pictures.
pub const BOUNDARY_GRID: usize = 200;

fn x_of(s: &Snapshot, m: &Metrics) -> f64 {
    if s.config.train.optimizer == Optimizer::Gf {
        m.time
    } else {
        m.step as f64
    }
}

fn x_label(s: &Snapshot) -> String {
    if s.config.train.optimizer == Optimizer::Gf {
        "time t".into()
    } else {
        "step".into()
    }
}

/// One series per task of `value` over the history.
fn per_task(s: &Snapshot, value: impl Fn(&Metrics) -> f64) -> Vec<Series> {
    s.tasks
        .iter()
        .map(|t| {
            Series::new(
                format!("task {}", t.task),
                t.history.points.iter().map(|m| (x_of(s, m), value(m))).collect(),
            )
        })
        .collect()
}

/// Training loss per task over the run.
pub fn loss_data(s: &Snapshot) -> LossData {
    LossData {
        title: "Training loss per task".into(),
        x_label: x_label(s),
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
            x_label: x_label(s),
            times: t.history.points.iter().map(|m| x_of(s, m)).collect(),
            spectra: t.history.points.iter().map(|m| m.layers[k].singular_values.clone()).collect(),
        })
        .collect()
}

/// Alignment per trained layer (instantaneous and averaged), and stationarity per task.
pub fn alignment_data(s: &Snapshot, task: usize) -> (AlignmentData, StationarityData) {
    let t = &s.tasks[task];
    let depth = t.current.layers.len();
    let layers = (0..depth)
        .filter(|&k| t.current.layers[k].trained)
        .map(|k| AlignmentLayer {
            name: format!("W{}", k + 1),
            instantaneous: t
                .history
                .points
                .iter()
                .filter_map(|m| Some((x_of(s, m), m.layers[k].alignment_cos?)))
                .collect(),
            ema: t
                .history
                .points
                .iter()
                .filter_map(|m| Some((x_of(s, m), m.layers[k].alignment_cos_avg?)))
                .collect(),
        })
        .collect();
    // Points computed from a gradient at rounding level are left out, and said so.
    let flagged = |f: &dyn Fn(&Metrics) -> bool, tasks: &[&crate::run::TaskSnapshot], what: &str| {
        let n: usize = tasks.iter().map(|t| t.history.points.iter().filter(|m| f(m)).count()).sum();
        (n > 0).then(|| {
            format!(
                "{what}: {n} point{} {}",
                if n == 1 { "" } else { "s" },
                crate::notes::ROUNDING_LEVEL
            )
        })
    };
    let all: Vec<&crate::run::TaskSnapshot> = s.tasks.iter().collect();
    let stationarity = StationarityData {
        title: "Distance from a stationary point ‖∇L + λθ‖ / ‖λθ‖".into(),
        x_label: x_label(s),
        series: s
            .tasks
            .iter()
            .map(|t| {
                let kept = t.history.points.iter().filter(|m| !m.stationarity_at_rounding_level);
                Series::new(format!("task {}", t.task), kept.map(|m| (x_of(s, m), m.stationarity)).collect())
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
        "cos(W_k, −∇L)",
    );
    (
        AlignmentData {
            title: format!("Alignment cos(W_k, −∇L), task {}: 1 at a stationary point", t.task),
            x_label: x_label(s),
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
        title: format!("Layer norms ‖W_k‖_F, task {}: equal at a stationary point", t.task),
        x_label: x_label(s),
        layers: (0..depth)
            .map(|k| {
                Series::new(
                    format!("W{}", k + 1),
                    t.history.points.iter().map(|m| (x_of(s, m), m.layers[k].frobenius)).collect(),
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
                format!("‖D{}‖_F", k + 1)
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
    let balance = BalanceData {
        title: if series.is_empty() {
            "Balance D_k needs two consecutive trained layers (this net has a fixed or frozen layer)".into()
        } else {
            format!(
                "Balance D_k = W_{{k+1}}ᵀW_{{k+1}} − W_kW_kᵀ over time t{}",
                if diag { " (diagonal: the per-neuron part ReLU keeps)" } else { "" }
            )
        },
        x_label: "time t (η·step for GD)".into(),
        lambda: s.config.train.lambda,
        series,
        anchor,
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
            format!("θ_{} + t·θ_{}", p.a, p.b)
        } else {
            format!("θ_{} + t·(θ_{} − θ₀)", p.a, p.b)
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

/// Net outputs on a grid over each planar task's own plane: for each task,
/// one panel per individual net whose task it is, then one per merged net.
pub fn boundary_data(data: &Dataset, panels: &[(String, &Net)]) -> Vec<Vec<BoundaryData>> {
    data.tasks
        .iter()
        .filter_map(|task| {
            let info = task.planar.as_ref()?;
            let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
            for p in info.points.outer_iter() {
                (x0, x1, y0, y1) = (x0.min(p[0]), x1.max(p[0]), y0.min(p[1]), y1.max(p[1]));
            }
            let (px, py) = (0.15 * (x1 - x0).max(1e-3), 0.15 * (y1 - y0).max(1e-3));
            let extent = (x0 - px, x1 + px, y0 - py, y1 + py);
            let g = BOUNDARY_GRID;
            let mut grid = Array2::zeros((g * g, data.tasks[0].x.ncols()));
            for iy in 0..g {
                for ix in 0..g {
                    let p1 = extent.0 + (ix as f64 + 0.5) * (extent.1 - extent.0) / g as f64;
                    let p2 = extent.2 + (iy as f64 + 0.5) * (extent.3 - extent.2) / g as f64;
                    grid.row_mut(iy * g + ix).assign(&info.lift_point(p1, p2));
                }
            }
            let points: Vec<(f64, f64, f64)> = info
                .points
                .outer_iter()
                .zip(task.y.outer_iter())
                .map(|(p, y)| (p[0], p[1], y[0]))
                .collect();
            Some(
                panels
                    .iter()
                    .filter(|(name, _)| name.len() > 1 || *name == task.name)
                    .map(|(name, net)| BoundaryData {
                        title: if name.len() == 1 {
                            format!("net {name} on task {}", task.name)
                        } else {
                            format!("{name} (merged) on task {}", task.name)
                        },
                        grid: g,
                        extent,
                        values: net.forward(grid.view()).column(0).to_vec(),
                        points: points.clone(),
                    })
                    .collect(),
            )
        })
        .collect()
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
        ["merge", METHOD, task, "max_output_change"] => format!("max |f_merged − f_{task}| on task {task}"),
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

/// Every chart of a run as (file stem, SVG text).
pub fn run_svgs(run: &Run, snapshot: &Snapshot) -> Result<Vec<(String, String)>, charts::ChartError> {
    let (w, h) = (900, 540);
    let mut out = Vec::new();
    let loss = loss_data(snapshot);
    out.push(("loss".to_string(), charts::render_svg(w, h, |a| charts::draw_loss(a, &loss))?));
    let spectrum = spectrum_data(snapshot, 0);
    out.push((
        "spectrum".to_string(),
        charts::render_svg(w, h, |a| charts::draw_spectrum(a, &spectrum))?,
    ));
    let strips = spectrum_history(snapshot, 0);
    out.push((
        "spectrum_over_time".to_string(),
        charts::render_svg(w, h, |a| charts::draw_spectrum_strips(a, &strips))?,
    ));
    let (al, st) = alignment_data(snapshot, 0);
    out.push((
        "alignment".to_string(),
        charts::render_svg(w, 2 * h, |a| charts::draw_alignment_panels(a, &al, &st))?,
    ));
    let (norms, balance) = norms_data(snapshot, 0);
    out.push(("norms".to_string(), charts::render_svg(w, h, |a| charts::draw_norms(a, &norms))?));
    if !balance.series.is_empty() {
        out.push((
            "balance".to_string(),
            charts::render_svg(w, h, |a| charts::draw_balance(a, &balance))?,
        ));
    }
    if let Some(report) = &snapshot.merge {
        for metric in ["loss", "accuracy"] {
            let bars = merge_bars(report, metric);
            out.push((
                format!("merge_{metric}"),
                charts::render_svg(w, h, |a| charts::draw_merge_bars(a, &bars))?,
            ));
        }
        let path = merge_path_data(report);
        out.push((
            "merge_path".to_string(),
            charts::render_svg(w, h, |a| charts::draw_sweep(a, &path))?,
        ));
        let nets: Vec<Net> = run.trainers().iter().map(|t| t.net().clone()).collect();
        let merged = run.merged_nets();
        let mut panels: Vec<(String, &Net)> = nets.iter().enumerate().map(|(i, n)| (crate::data::task_name(i), n)).collect();
        panels.extend(merged.iter().map(|(name, n)| (name.clone(), n)));
        for (i, set) in boundary_data(run.data(), &panels).into_iter().enumerate() {
            let name = format!("boundaries_{}", crate::data::task_name(i));
            out.push((
                name,
                charts::render_svg(420 * set.len() as u32, 420, |a| charts::draw_boundaries(a, &set))?,
            ));
        }
    } else if run.data().tasks[0].planar.is_some() {
        let panels = vec![("a".to_string(), run.trainers()[0].net())];
        for set in boundary_data(run.data(), &panels) {
            out.push((
                "boundaries_a".to_string(),
                charts::render_svg(480, 420, |a| charts::draw_boundaries(a, &set))?,
            ));
        }
    }
    Ok(out)
}
