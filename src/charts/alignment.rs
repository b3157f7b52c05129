//! Alignment of weights with their negative gradient, and the stationarity
//! residual of the weight-decayed loss.

use super::axis::Scale;
use super::frame::LegendEntry;
use super::lines::{draw_line_plot, LinePlot, PlotLine};
use super::palette::{series_style, Dash, SeriesStyle, GREY_LINE};
use super::{title_or, x_axis_name, ChartError, ChartReport, Series};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// cos(W_k, −∇_{W_k} L) of one layer over training.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlignmentLayer {
    /// Layer name, e.g. "W1".
    pub name: String,
    /// (step or time, cosine) measured at each step, cosine in [−1, 1].
    pub instantaneous: Vec<(f64, f64)>,
    /// (step or time, exponential moving average of the cosine).
    #[serde(default)]
    pub ema: Vec<(f64, f64)>,
}

/// Weight–gradient alignment of every layer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlignmentData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// "step" or "time" (shown as "time t = η·step").
    pub x_label: String,
    /// One entry per layer.
    pub layers: Vec<AlignmentLayer>,
    /// Notes under the chart (e.g. points left out as not meaningful).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Stationarity residual ‖∇L + λθ‖ / ‖λθ‖ over training.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StationarityData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// "step" or "time" (shown as "time t = η·step").
    pub x_label: String,
    /// (step or time, residual > 0) per layer or for the whole net.
    pub series: Vec<Series>,
    /// Notes under the chart (e.g. points left out as not meaningful).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// cos(W_k, −∇L) per layer over training: instantaneous values as solid
/// lines, their EMA as dashed lines in the same colour; y spans
/// [min(0, data), 1]. Near 1 the weights point along −∇L, which is where
/// weight decay's pull (−λW) and the loss gradient can balance.
pub fn draw_alignment<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &AlignmentData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &alignment_plot(data))
}

/// The plot [`draw_alignment`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn alignment_plot(data: &AlignmentData) -> LinePlot {
    let title = title_or(&data.title, "Alignment of each layer's weights with −gradient: cos(Wₖ, −∇L)");
    let mut plot = LinePlot::new(&title, &x_axis_name(&data.x_label), "cos(Wₖ, −∇L)", Scale::Linear, Scale::Linear);
    plot.y_include = vec![0.0, 1.0];
    plot.y_pad = 0.03;
    plot.skipped = data.notes.clone();
    layer_lines(&mut plot, &data.layers, "EMA", "EMA (averaged)");
    plot
}

/// Each layer's instantaneous values (solid, thin) and averaged ones (dashed,
/// in the same colour), with a grey key for the two line styles; `averaged`
/// names the dashed line in the report, `key` in the legend.
fn layer_lines(plot: &mut LinePlot, layers: &[AlignmentLayer], averaged: &str, key: &str) {
    let n = layers.len();
    for (i, l) in layers.iter().enumerate() {
        let mut solid = series_style(i, n);
        solid.dash = Dash::Solid;
        solid.width = 1;
        let mut inst = PlotLine::new(l.name.clone(), l.instantaneous.clone(), solid);
        inst.what = format!("{} (instantaneous)", l.name);
        plot.lines.push(inst);
        let mut dashed = solid;
        dashed.dash = Dash::Dashed;
        dashed.width = 2;
        let mut ema = PlotLine::new("", l.ema.clone(), dashed);
        ema.what = format!("{} ({averaged})", l.name);
        plot.lines.push(ema);
    }
    if n > 0 {
        let style = |dash, width| SeriesStyle {
            color: GREY_LINE,
            dash,
            marker: None,
            width,
        };
        plot.extra_legend = vec![
            LegendEntry::line("instantaneous", style(Dash::Solid, 1)),
            LegendEntry::line(key, style(Dash::Dashed, 2)),
        ];
    }
}

/// The alignment gap 1 − cos(Wₖ, −∇L) of every layer on a log y axis
/// (`data`'s values are the gaps, not the cosines): where the alignment claims
/// live, 0.999 and 0.9999 are a decade apart instead of a hair apart on the
/// 0–1 axis of [`draw_alignment`]. Solid: instantaneous; dashed: against the
/// averaged gradient. A gap of 0 (exact alignment) cannot be drawn on the log
/// axis and is listed as skipped.
pub fn draw_alignment_gap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &AlignmentData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &alignment_gap_plot(data))
}

/// The plot [`draw_alignment_gap`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn alignment_gap_plot(data: &AlignmentData) -> LinePlot {
    let title = title_or(&data.title, "Alignment gap 1 − cos(Wₖ, −∇L), log scale");
    let mut plot = LinePlot::new(&title, &x_axis_name(&data.x_label), "1 − cos(Wₖ, −∇L)", Scale::Linear, Scale::Log10);
    plot.skipped = data.notes.clone();
    layer_lines(&mut plot, &data.layers, "averaged", "against the averaged gradient");
    plot
}

/// Stationarity residual ‖∇L + λθ‖ / ‖λθ‖ on a log y axis, one line per
/// series (per layer or the whole net): it tends to 0 as training reaches a
/// stationary point of the weight-decayed loss L + (λ/2)‖θ‖².
pub fn draw_stationarity<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &StationarityData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &stationarity_plot(data))
}

/// The plot [`draw_stationarity`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn stationarity_plot(data: &StationarityData) -> LinePlot {
    let title = title_or(&data.title, "Stationarity residual ‖∇L + λθ‖ / ‖λθ‖ (0 at a fixed point)");
    let mut plot = LinePlot::new(
        &title,
        &x_axis_name(&data.x_label),
        "‖∇L + λθ‖ / ‖λθ‖ (log)",
        Scale::Linear,
        Scale::Log10,
    );
    plot.skipped = data.notes.clone();
    plot.push_series(&data.series);
    plot
}

/// [`draw_alignment`] (top) and [`draw_stationarity`] (bottom) stacked in one
/// area; the report lists what both skipped.
pub fn draw_alignment_panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    alignment: &AlignmentData,
    stationarity: &StationarityData,
) -> Result<ChartReport, ChartError> {
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = area.split_vertically(h as i32 / 2);
    let mut r = draw_alignment(&top, alignment)?;
    r.skipped.extend(draw_stationarity(&bottom, stationarity)?.skipped);
    Ok(r)
}
