//! Sweeps: a quantity against a swept parameter (ranks vs λ, accuracy vs K, …).

use super::axis::Scale;
use super::lines::{draw_line_plot, LinePlot, PlotLine};
use super::palette::{series_color, series_style, Dash, Marker, SeriesStyle, MARKERS};
use super::{title_or, ChartError, ChartReport, Series};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// A generic sweep: one or more series of (parameter, value) points.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepData {
    /// Chart title; empty for "`y_label` vs `x_label`".
    #[serde(default)]
    pub title: String,
    /// Name of the swept parameter with its symbol, e.g. "weight decay λ" or
    /// "number of tasks K".
    pub x_label: String,
    /// Name of the measured quantity, e.g. "accuracy".
    pub y_label: String,
    /// Log x axis (points with x ≤ 0, e.g. λ = 0, are listed as skipped).
    pub log_x: bool,
    /// Log y axis (points with y ≤ 0 are listed as skipped).
    #[serde(default)]
    pub log_y: bool,
    /// One series per curve; points are sorted by x before drawing.
    pub series: Vec<Series>,
}

/// A quantity against a swept parameter: one line with a marker on every
/// point per series (points sorted by x), optional log x / log y axes.
/// Use it for ranks vs λ (see [`draw_rank_sweep`]), accuracy vs number of
/// tasks K, etc.
pub fn draw_sweep<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &SweepData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &sweep_plot(data))
}

/// The plot [`draw_sweep`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn sweep_plot(data: &SweepData) -> LinePlot {
    let n = data.series.len();
    let styles: Vec<SeriesStyle> = (0..n)
        .map(|i| {
            let mut s = series_style(i, n);
            s.marker = Some(MARKERS[i % MARKERS.len()]);
            s
        })
        .collect();
    sweep_with_styles(data, &styles, vec![])
}

fn sweep_with_styles(data: &SweepData, styles: &[SeriesStyle], skipped: Vec<String>) -> LinePlot {
    let x_label = if data.x_label.is_empty() {
        "parameter"
    } else {
        data.x_label.as_str()
    };
    let y_label = if data.y_label.is_empty() { "value" } else { data.y_label.as_str() };
    let title = title_or(&data.title, &format!("{y_label} vs {x_label}"));
    let xs = if data.log_x { Scale::Log10 } else { Scale::Linear };
    let ys = if data.log_y { Scale::Log10 } else { Scale::Linear };
    let mut plot = LinePlot::new(&title, x_label, y_label, xs, ys);
    plot.x_pad = 0.04;
    plot.skipped = skipped;
    for (i, s) in data.series.iter().enumerate() {
        let mut line = PlotLine::new(s.name.clone(), s.points.clone(), styles.get(i).copied().unwrap_or_default());
        line.sort_x = true;
        line.all_markers = true;
        plot.lines.push(line);
    }
    plot
}

/// Stable and effective rank of one layer at each λ of the sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerRankSweep {
    /// Layer name, e.g. "W1".
    pub name: String,
    /// Stable rank ‖W‖²_F / ‖W‖²₂ at each λ (same order as `lambdas`).
    pub stable_rank: Vec<f64>,
    /// Effective rank exp(entropy of σᵢ/Σσ) at each λ.
    pub effective_rank: Vec<f64>,
}

/// Ranks of every layer across a weight-decay sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RankSweepData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// The swept weight decays λ (λ = 0 cannot be shown on the log axis and
    /// is listed as skipped).
    pub lambdas: Vec<f64>,
    /// One entry per layer.
    pub layers: Vec<LayerRankSweep>,
}

/// Stable rank (solid, circles) and effective rank (dashed, squares) of each
/// layer (one colour per layer) against weight decay λ on a log x axis:
/// both fall as λ grows and the nets become low-rank.
pub fn draw_rank_sweep<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &RankSweepData) -> Result<ChartReport, ChartError> {
    let mut series = vec![];
    let mut styles = vec![];
    let mut skipped = vec![];
    let nl = data.lambdas.len();
    let zero = data.lambdas.iter().filter(|l| l.is_finite() && **l <= 0.0).count();
    if zero > 0 && !data.layers.is_empty() {
        skipped.push(format!(
            "{zero} sweep point{} with λ ≤ 0 (e.g. λ = 0) not shown on the log λ axis",
            if zero == 1 { "" } else { "s" }
        ));
    }
    let keep = |l: &f64| !(l.is_finite() && *l <= 0.0);
    for (li, l) in data.layers.iter().enumerate() {
        for (kind, vals, dash, marker) in [
            ("stable rank", &l.stable_rank, Dash::Solid, Marker::Circle),
            ("effective rank", &l.effective_rank, Dash::Dashed, Marker::Square),
        ] {
            if vals.is_empty() {
                continue;
            }
            if vals.len() != nl {
                skipped.push(format!(
                    "{} {kind}: {} values for {nl} λ; {} unmatched skipped",
                    l.name,
                    vals.len(),
                    vals.len().abs_diff(nl)
                ));
            }
            series.push(Series::new(
                format!("{} {kind}", l.name),
                data.lambdas
                    .iter()
                    .copied()
                    .zip(vals.iter().copied())
                    .filter(|(l, _)| keep(l))
                    .collect(),
            ));
            styles.push(SeriesStyle {
                color: series_color(li),
                dash,
                marker: Some(marker),
                width: 2,
            });
        }
    }
    let sweep = SweepData {
        title: title_or(&data.title, "Stable rank and effective rank of each layer vs weight decay λ"),
        x_label: "weight decay λ (log)".into(),
        y_label: "rank (stable / effective)".into(),
        log_x: true,
        log_y: false,
        series,
    };
    draw_line_plot(area, &sweep_with_styles(&sweep, &styles, skipped))
}
