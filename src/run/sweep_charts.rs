//! The sweep charts: one chart per plotted key against the first axis (a
//! series per combination of the other axes), every merge method's panels
//! for `merge.{method}.…` keys, and the summed net's output change against the
//! measured overlap with the derived bound. One function builds them for the
//! CLI (`{name}.svg` in the sweep folder) and the page (`web::SweepStore`
//! draws the same [`SweepChart`] on a canvas and exports the same SVG).

use crate::charts::{self, ChartError, ChartReport, MergeOverlapData, MethodSweepData, Series, SweepData};
use crate::figures::{self, SweepPoint};
use crate::run::sweep::{Axis, Row};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};

/// What a sweep chart draws.
#[derive(Debug, Clone)]
pub enum SweepChartData {
    /// One key against the first axis.
    Sweep(SweepData),
    /// The summed net's output change against the measured overlap, with the bound.
    MergeOverlap(MergeOverlapData),
    /// Every merge method's panels.
    Methods(MethodSweepData),
}

/// One sweep chart: its file name stem (`sweep_layers_1_stable_rank`, …), title and size in pixels.
#[derive(Debug, Clone)]
pub struct SweepChart {
    pub name: String,
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub data: SweepChartData,
}

impl SweepChart {
    /// Draw onto `area` (any plotters backend: the CLI's SVG, the page's canvas).
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<ChartReport, ChartError> {
        match &self.data {
            SweepChartData::Sweep(d) => charts::draw_sweep(area, d),
            SweepChartData::MergeOverlap(d) => charts::draw_merge_overlap(area, d),
            SweepChartData::Methods(d) => charts::draw_method_sweep(area, d),
        }
    }

    /// The chart as an SVG document at its own size (what the CLI writes).
    pub fn svg(&self) -> Result<String, ChartError> {
        charts::render_svg(self.width, self.height, |a| self.draw(a))
    }
}

/// The grid key whose values are seeds (aggregated in the charts).
const SEED: &str = "seed";

/// A series of (x, y) points with several y per x (one per seed) as three:
/// the mean, the minimum and the maximum at each x (non-finite values left out;
/// an x with none gives NaN, which the chart lists as skipped).
pub fn over_seeds(label: &str, points: &[(f64, f64)]) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut xs: Vec<f64> = Vec::new();
    for &(x, _) in points {
        if !xs.iter().any(|&v| v == x || (v.is_nan() && x.is_nan())) {
            xs.push(x);
        }
    }
    let (mut mean, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
    for &x in &xs {
        let ys: Vec<f64> = points.iter().filter(|p| p.0 == x && p.1.is_finite()).map(|p| p.1).collect();
        let n = ys.len() as f64;
        let m = if ys.is_empty() { f64::NAN } else { ys.iter().sum::<f64>() / n };
        mean.push((x, m));
        lo.push((x, ys.iter().copied().fold(f64::NAN, f64::min)));
        hi.push((x, ys.iter().copied().fold(f64::NAN, f64::max)));
    }
    vec![
        (format!("{label}: mean"), mean),
        (format!("{label}: min over seeds"), lo),
        (format!("{label}: max over seeds"), hi),
    ]
}

/// The value keys the sweep charts read (the rest of a row is not kept for them).
pub fn chart_keys(plot: &[String], methods: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = if plot.is_empty() {
        vec!["loss".into(), "accuracy".into()]
    } else {
        plot.iter()
            .flat_map(|k| {
                if k.contains(figures::METHOD) {
                    methods.iter().map(|m| k.replace(figures::METHOD, m)).collect()
                } else {
                    vec![k.clone()]
                }
            })
            .collect()
    };
    if keys.iter().any(|k| k == "merge_bound.1.max_bound") {
        keys.extend(
            ["overlap.pairs.1.max_abs_inner", "merge_bound.1.max_change"]
                .iter()
                .map(|s| s.to_string()),
        );
    }
    keys
}

fn value(r: &Row, key: &str) -> f64 {
    r.values.iter().find(|(k, _)| k == key).map(|(_, v)| *v).unwrap_or(f64::NAN)
}

/// `value`, except that a rank of a net that collapsed to zero is left out (NaN): it is trivial.
fn plotted(r: &Row, key: &str) -> f64 {
    let task = key
        .strip_prefix("tasks.")
        .and_then(|k| k.split_once('.'))
        .map(|(t, _)| format!("tasks.{t}."));
    let collapsed = value(r, &format!("{}collapsed", task.unwrap_or_default())) == 1.0;
    if key.contains("rank") && collapsed {
        f64::NAN
    } else {
        value(r, key)
    }
}

/// One chart per plotted key against the first axis, a series per combination of the other axes.
///
/// The x axis is the first axis that is not `seed`. With a `seed` axis and
/// another one, each plotted key is aggregated over the seeds: for every x and
/// combination of the other axes, the mean, the minimum and the maximum over the
/// seeds (three lines; a collapsed net's rank is left out before aggregating).
pub fn sweep_charts(axes: &[Axis], rows: &[Row], plot: &[String], methods: &[String]) -> Vec<SweepChart> {
    let xi = axes.iter().position(|a| a.key != SEED).unwrap_or(0);
    let seeds = axes.iter().filter(|a| a.key == SEED).map(|a| a.values.len()).product::<usize>();
    let aggregate = axes.len() > 1 && axes.iter().any(|a| a.key == SEED) && axes[xi].key != SEED;
    let group_of = |r: &Row, drop_seed: bool| -> String {
        r.assignments
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| *i != xi && !(drop_seed && k == SEED))
            .map(|(_, (k, v))| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let first = &axes[xi];
    let numeric = first.values.iter().all(|v| v.parse::<f64>().is_ok());
    let x_of = |r: &Row| -> f64 {
        let v = &r.assignments[xi].1;
        if numeric {
            v.parse().unwrap_or(f64::NAN)
        } else {
            first.values.iter().position(|x| x == v).map(|i| i as f64).unwrap_or(f64::NAN)
        }
    };
    let positive = numeric && first.values.iter().filter_map(|v| v.parse::<f64>().ok()).all(|v| v > 0.0);
    let spread = {
        let vals: Vec<f64> = first.values.iter().filter_map(|v| v.parse::<f64>().ok()).collect();
        let (lo, hi) = vals.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        hi / lo
    };
    let x_label = if numeric {
        first.key.clone()
    } else {
        format!("{} ({})", first.key, first.values.join(", "))
    };
    let mut out = Vec::new();
    let keys: Vec<String> = if plot.is_empty() {
        vec!["loss".into(), "accuracy".into()]
    } else {
        plot.to_vec()
    };
    let (templates, keys): (Vec<String>, Vec<String>) = keys.into_iter().partition(|k| k.contains(figures::METHOD));
    if !templates.is_empty() {
        let points: Vec<SweepPoint> = rows
            .iter()
            .map(|r| SweepPoint {
                x: x_of(r),
                group: group_of(r, false),
                values: r.values.clone(),
            })
            .collect();
        let data = figures::method_sweep(&x_label, positive && spread >= 20.0, methods, &templates, &points);
        out.push(SweepChart {
            name: "merge_methods".into(),
            title: format!("every merge method across the sweep ({x_label})"),
            width: 900,
            height: 360 * data.panels.len().max(1) as u32,
            data: SweepChartData::Methods(data),
        });
    }
    for key in &keys {
        let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in rows {
            let label = group_of(r, aggregate);
            let label = if label.is_empty() { key.clone() } else { label };
            match groups.iter_mut().find(|(l, _)| *l == label) {
                Some((_, pts)) => pts.push((x_of(r), plotted(r, key))),
                None => groups.push((label, vec![(x_of(r), plotted(r, key))])),
            }
        }
        if aggregate {
            groups = groups.into_iter().flat_map(|(l, pts)| over_seeds(&l, &pts)).collect();
        }
        let left_out: Vec<String> = rows
            .iter()
            .filter(|r| plotted(r, key).is_nan() && !value(r, key).is_nan())
            .map(|r| r.assignments.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "))
            .collect();
        let mut title = if left_out.is_empty() {
            format!("{key} across the sweep")
        } else {
            format!("{key} across the sweep (collapsed nets left out: {})", left_out.join("; "))
        };
        if aggregate {
            title.push_str(&format!(" — mean, min and max over {seeds} seeds"));
        }
        let data = SweepData {
            title: title.clone(),
            x_label: x_label.clone(),
            y_label: key.clone(),
            log_x: positive && spread >= 20.0,
            log_y: key.contains("max_output_change") || key.contains("outside_span") || key.contains("max_bound"),
            series: groups.into_iter().map(|(l, p)| Series::new(l, p)).collect(),
        };
        out.push(SweepChart {
            name: format!("sweep_{}", key.replace('.', "_")),
            title,
            width: 900,
            height: 540,
            data: SweepChartData::Sweep(data),
        });
    }
    if keys.iter().any(|k| k == "merge_bound.1.max_bound") {
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .map(|r| (value(r, "overlap.pairs.1.max_abs_inner"), value(r, "merge_bound.1.max_change")))
            .collect();
        let bound: Vec<(f64, f64)> = rows
            .iter()
            .map(|r| (value(r, "overlap.pairs.1.max_abs_inner"), value(r, "merge_bound.1.max_bound")))
            .collect();
        let data = MergeOverlapData {
            title: "Merged net's output change on task a vs input overlap".into(),
            x_label: "max |⟨x_a, x_b⟩| (measured)".into(),
            y_label: "max |f_sum(x) − f_a(x)| on task a".into(),
            points: pts,
            bound,
            log_x: false,
            log_y: true,
        };
        out.push(SweepChart {
            name: "merge_overlap".into(),
            title: data.title.clone(),
            width: 900,
            height: 540,
            data: SweepChartData::MergeOverlap(data),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(index: usize, lambda: &str, seed: &str, loss: f64) -> Row {
        Row {
            index,
            assignments: vec![("train.lambda".into(), lambda.into()), ("seed".into(), seed.into())],
            values: vec![("loss".into(), loss)],
        }
    }

    /// With a seed axis, each x gets the mean, min and max over the seeds
    /// (worked by hand: losses 1, 3 and 2 at λ = 0.1 give 2, 1, 3).
    #[test]
    fn a_seed_axis_is_aggregated_to_mean_min_and_max() {
        let axes = vec![
            Axis {
                key: "train.lambda".into(),
                values: vec!["0.1".into(), "0.2".into()],
            },
            Axis {
                key: "seed".into(),
                values: vec!["0".into(), "1".into(), "2".into()],
            },
        ];
        let rows = vec![
            row(0, "0.1", "0", 1.0),
            row(1, "0.1", "1", 3.0),
            row(2, "0.1", "2", 2.0),
            row(3, "0.2", "0", 5.0),
            row(4, "0.2", "1", f64::NAN),
            row(5, "0.2", "2", 4.0),
        ];
        let charts = sweep_charts(&axes, &rows, &["loss".to_string()], &[]);
        let SweepChartData::Sweep(d) = &charts[0].data else {
            panic!("a sweep chart")
        };
        assert!(charts[0].title.ends_with("mean, min and max over 3 seeds"), "{}", charts[0].title);
        let names: Vec<&str> = d.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["loss: mean", "loss: min over seeds", "loss: max over seeds"]);
        assert_eq!(d.series[0].points, vec![(0.1, 2.0), (0.2, 4.5)]);
        assert_eq!(d.series[1].points, vec![(0.1, 1.0), (0.2, 4.0)]);
        assert_eq!(d.series[2].points, vec![(0.1, 3.0), (0.2, 5.0)]);
        // Without a seed axis nothing is aggregated: a series per point group.
        let one = vec![axes[0].clone()];
        let mut rows1 = vec![row(0, "0.1", "0", 1.0), row(1, "0.2", "0", 2.0)];
        for r in &mut rows1 {
            r.assignments.truncate(1);
        }
        let c = sweep_charts(&one, &rows1, &["loss".to_string()], &[]);
        let SweepChartData::Sweep(d) = &c[0].data else {
            panic!("a sweep chart")
        };
        assert_eq!(d.series.len(), 1);
        assert_eq!(d.series[0].points, vec![(0.1, 1.0), (0.2, 2.0)]);
        assert!(!c[0].title.contains("seeds"));
    }
}
