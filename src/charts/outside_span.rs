//! W₁'s part outside the span of the training inputs over training:
//! ‖W₁(I − P)‖_F with P the projector onto span{xᵢ} (the recorded relative
//! `outside_span` times ‖W₁‖_F), on a log y axis, with the reference line the
//! mechanism predicts.
//!
//! Derived here (the mechanism behind the paper's low-rank and merging
//! statements): ∇_{W₁}L = (1/n)Σᵢ gᵢxᵢᵀ has its rows in span(X), so the
//! gradient never touches W₁(I − P) and weight decay alone acts on it: under
//! GD and SGD each step multiplies it by exactly (1 − ηλ), under gradient
//! flow it decays as e^{−λt}. At λ = 0 it stays where the initialisation put
//! it. Once it reaches about 1e-14 of ‖W₁‖ the measured line flattens at
//! rounding level while the reference goes on (`run::notes::OUTSIDE_SPAN_ROUNDING`).

use super::axis::{fmt_num, Scale};
use super::lines::{draw_line_plot, Curve, LinePlot};
use super::palette::{Dash, SeriesStyle, BLACK};
use super::{title_or, x_axis_name, ChartError, ChartReport, Series};
use crate::config::Optimizer;
use crate::run::Snapshot;
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// W₁'s part outside span(X) over training, for one task's net.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutsideSpanData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// "step" or "time t" ([`Snapshot::x_label`]).
    pub x_label: String,
    /// (step or time, ‖W₁(I − P)‖_F ≥ 0).
    pub series: Series,
    /// ln of the reference's factor per unit of x: ln(1 − ηλ) per step (GD,
    /// SGD) or −λ per unit of time (gradient flow); None: no reference (W₁
    /// not trained, or ηλ ≥ 1).
    pub log_rate: Option<f64>,
    /// The reference's legend text.
    pub reference: String,
    /// Shown instead of "no data yet" when every value is exactly 0 (nothing
    /// of W₁ lies outside span(X): the inputs span ℝ^d).
    #[serde(default)]
    pub undefined: Option<String>,
}

/// The chart's data for task `task` (index) of `s`.
pub fn outside_span_data(s: &Snapshot, task: usize) -> OutsideSpanData {
    let t = &s.tasks[task];
    let (lr, lambda) = (s.config.train.lr, s.config.train.lambda);
    let trained = t.current.layers.first().is_some_and(|l| l.trained);
    let (log_rate, reference) = match s.config.train.optimizer {
        Optimizer::Gf => (Some(-lambda), format!("exp(−λt) (derived), λ = {}", fmt_num(lambda))),
        Optimizer::Gd | Optimizer::Sgd => (
            (lr * lambda < 1.0).then(|| (1.0 - lr * lambda).ln()),
            format!("(1 − ηλ)ˢᵗᵉᵖ (derived), ηλ = {}", fmt_num(lr * lambda)),
        ),
    };
    let points: Vec<(f64, f64)> = t
        .history
        .points
        .iter()
        .filter_map(|m| m.layers.first().map(|l| (s.x_of(m), m.outside_span * l.frobenius)))
        .collect();
    let all_zero = !points.is_empty() && points.iter().all(|p| p.1 == 0.0);
    OutsideSpanData {
        title: format!("W₁'s part outside span(X), task {}", t.task),
        x_label: s.x_label(),
        series: Series::new("‖W₁(I − P)‖ (Frobenius)", points),
        log_rate: if trained { log_rate } else { None },
        reference,
        undefined: all_zero.then(|| "0 at every step: the inputs span ℝ^d, nothing of W₁ is outside".to_string()),
    }
}

/// ‖W₁(I − P)‖_F over training on a log y axis, and (dashed black) the
/// reference x ↦ v₀·exp(log_rate·(x − x₀)) through the first positive point.
pub fn draw_outside_span<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &OutsideSpanData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &outside_span_plot(data))
}

/// The plot [`draw_outside_span`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn outside_span_plot(data: &OutsideSpanData) -> LinePlot {
    let title = title_or(&data.title, "W₁'s part outside span(X)");
    let mut plot = LinePlot::new(
        &title,
        &x_axis_name(&data.x_label),
        "‖W₁(I − P)‖ (Frobenius)",
        Scale::Linear,
        Scale::Log10,
    );
    plot.empty_message = data.undefined.clone();
    plot.push_series(std::slice::from_ref(&data.series));
    let first = data
        .series
        .points
        .iter()
        .copied()
        .find(|p| p.0.is_finite() && p.1.is_finite() && p.1 > 0.0);
    if let (Some(rate), Some((x0, v0))) = (data.log_rate, first) {
        let (l0, per_x) = (v0.log10(), rate / std::f64::consts::LN_10);
        plot.curves.push(Curve {
            label: data.reference.clone(),
            style: SeriesStyle {
                color: BLACK,
                dash: Dash::Dashed,
                marker: None,
                width: 2,
            },
            f: Box::new(move |x| Some(l0 + per_x * (x - x0))),
        });
    }
    plot
}
