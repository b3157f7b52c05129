//! Weight norms per layer, and the decay of the layer imbalance ‖D_k‖.

use super::axis::{fmt_num, Scale};
use super::lines::{draw_line_plot, Curve, LinePlot};
use super::palette::{Dash, SeriesStyle, BLACK};
use super::{title_or, x_axis_name, ChartError, ChartReport, Series};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// Frobenius norms of the weight matrices over training.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NormsData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// "step" or "time" (shown as "time t = η·step").
    pub x_label: String,
    /// One series per layer: (step or time, ‖W_k‖_F ≥ 0).
    pub layers: Vec<Series>,
}

/// Imbalance between consecutive layers over time, with the theory line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// Normally "time" (shown as "time t = η·step"): the theory line is a
    /// function of time. If x is in steps, pass λ·η as `lambda`.
    pub x_label: String,
    /// Weight decay λ (per unit of x).
    pub lambda: f64,
    /// One series per k: (t, ‖D_k‖ > 0).
    pub series: Vec<Series>,
    /// Point (t₀, D₀) the reference C·e^{−2λt} passes through
    /// (C = D₀·e^{2λt₀}); None: the first valid point of the first series.
    #[serde(default)]
    pub anchor: Option<(f64, f64)>,
    /// Why the chart is undefined for this network (e.g. "not defined for
    /// this network (fixed output layer)"); shown instead of "no data yet".
    #[serde(default)]
    pub undefined: Option<String>,
}

/// ‖W_k‖_F per layer over training (linear y from 0), one line per entry of
/// `data.layers`; weight decay shrinks the norms until the loss gradient
/// balances it.
pub fn draw_norms<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &NormsData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &norms_plot(data))
}

/// The plot [`draw_norms`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn norms_plot(data: &NormsData) -> LinePlot {
    let title = title_or(&data.title, "Frobenius norm ‖Wₖ‖ of each weight matrix");
    let mut plot = LinePlot::new(
        &title,
        &x_axis_name(&data.x_label),
        "‖Wₖ‖ (Frobenius)",
        Scale::Linear,
        Scale::Linear,
    );
    plot.y_include = vec![0.0];
    plot.push_series(&data.layers);
    plot
}

/// Layer imbalance ‖D_k‖ per k over time on a log y axis, with the
/// reference line C·e^{−2λt} (dashed black, legend "exp(−2λt) (theory)")
/// through `data.anchor`: under gradient flow with weight decay λ the
/// imbalance between consecutive layers decays exactly at rate 2λ, so the
/// measured lines should run parallel to it.
pub fn draw_balance<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &BalanceData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &balance_plot(data))
}

/// The plot [`draw_balance`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn balance_plot(data: &BalanceData) -> LinePlot {
    let title = title_or(&data.title, "Layer imbalance ‖Dₖ‖ decays like exp(−2λt) under weight decay");
    let x_name = x_axis_name(if data.x_label.is_empty() { "time" } else { &data.x_label });
    let mut plot = LinePlot::new(&title, &x_name, "‖Dₖ‖ (log)", Scale::Linear, Scale::Log10);
    plot.empty_message = data.undefined.clone();
    plot.push_series(&data.series);
    let valid = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite() && p.1 > 0.0;
    // One theory line per series, through its first valid point (or the given anchor for the first).
    let mut anchors: Vec<(f64, f64)> = Vec::new();
    for (i, s) in data.series.iter().enumerate() {
        let given = if i == 0 { data.anchor } else { None };
        let a = match given {
            Some(a) if valid(&a) => Some(a),
            Some(a) => {
                plot.skipped.push(format!("anchor ({}, {}) invalid: first point used", a.0, a.1));
                None
            }
            None => None,
        }
        .or_else(|| s.points.iter().copied().find(valid));
        anchors.extend(a);
    }
    let lambda = data.lambda;
    if !lambda.is_finite() {
        plot.skipped.push(format!("λ = {lambda}: theory line not drawn"));
    } else {
        for (i, (t0, d0)) in anchors.into_iter().enumerate() {
            let l0 = d0.log10();
            let rate = 2.0 * lambda / std::f64::consts::LN_10;
            plot.curves.push(Curve {
                label: if i == 0 {
                    format!("exp(−2λt) (theory), λ = {}", fmt_num(lambda))
                } else {
                    String::new()
                },
                style: SeriesStyle {
                    color: BLACK,
                    dash: Dash::Dashed,
                    marker: None,
                    width: 2,
                },
                f: Box::new(move |t| Some(l0 - rate * (t - t0))),
            });
        }
    }
    plot
}
