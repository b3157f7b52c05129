//! The norm identity over training: λ‖W_k‖²_F of every trained layer against
//! (1/n)Σᵢ⟨−∂ℓ/∂fᵢ, fᵢ⟩ (for the logistic loss (1/n)Σᵢ(−ℓ′ᵢ)yᵢfᵢ).
//!
//! Derived here (the paper states the consequence, norm preservation across
//! layers, at stationary points): for a positively homogeneous, bias-free net
//! f is 1-homogeneous in each layer's weights, so Euler's identity gives
//! ⟨W_k, ∇_{W_k}fᵢ⟩ = fᵢ and hence ⟨W_k, ∇_{W_k}L⟩ = (1/n)Σᵢ⟨∂ℓ/∂fᵢ, fᵢ⟩ for
//! every layer k. At a stationary point of F = L + (λ/2)‖θ‖², ∇_{W_k}L =
//! −λW_k, so λ‖W_k‖²_F = (1/n)Σᵢ⟨−∂ℓ/∂fᵢ, fᵢ⟩: the layers' lines meet the
//! dashed line. Away from a stationary point (early in training), and for
//! nets with biases or a non-homogeneous σ, nothing makes them meet.
//! The values are the recorded metrics `layers[k].norm_identity_lhs` and
//! `norm_identity_rhs` (`train::metrics`, `net::loss::norm_identity_rhs`).

use super::axis::Scale;
use super::lines::{draw_line_plot, LinePlot, PlotLine};
use super::palette::{Dash, SeriesStyle, BLACK};
use super::{title_or, x_axis_name, ChartError, ChartReport, Series};
use crate::run::Snapshot;
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// Both sides of the norm identity over training, for one task's net.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NormIdentityData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// "step" or "time t" ([`Snapshot::x_label`]).
    pub x_label: String,
    /// One series per trained layer: (step or time, λ‖W_k‖²_F ≥ 0), named "λ‖W_k‖²".
    pub layers: Vec<Series>,
    /// (step or time, (1/n)Σᵢ⟨−∂ℓ/∂fᵢ, fᵢ⟩), the right-hand side (may be negative early).
    pub rhs: Series,
}

/// The identity's two sides for task `task` (index) from a snapshot's
/// history: trained layers only (a fixed or frozen layer is not covered).
pub fn norm_identity_data(s: &Snapshot, task: usize) -> NormIdentityData {
    let t = &s.tasks[task];
    let homogeneous = s.config.net.activation.is_homogeneous() && !s.config.net.bias;
    let layers = (0..t.current.layers.len())
        .filter(|&k| t.current.layers[k].trained)
        .map(|k| {
            Series::new(
                format!("λ‖W{}‖²", k + 1),
                t.history
                    .points
                    .iter()
                    .map(|m| (s.x_of(m), m.layers[k].norm_identity_lhs))
                    .collect(),
            )
        })
        .collect();
    NormIdentityData {
        title: if homogeneous {
            format!(
                "Norm identity, task {}: λ‖Wₖ‖² = (1/n)Σ(−ℓ′)yf at a stationary point (Frobenius norm)",
                t.task
            )
        } else {
            format!(
                "Norm identity, task {}: needs a homogeneous σ without biases, so the lines need not meet here",
                t.task
            )
        },
        x_label: s.x_label(),
        layers,
        rhs: Series::new(
            "(1/n)Σ(−ℓ′)yf",
            t.history.points.iter().map(|m| (s.x_of(m), m.norm_identity_rhs)).collect(),
        ),
    }
}

/// λ‖W_k‖²_F per trained layer (solid, one style each) and the right-hand
/// side (dashed black) on a linear y axis from 0.
pub fn draw_norm_identity<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &NormIdentityData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &norm_identity_plot(data))
}

/// The plot [`draw_norm_identity`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn norm_identity_plot(data: &NormIdentityData) -> LinePlot {
    let title = title_or(&data.title, "Norm identity: λ‖Wₖ‖² against (1/n)Σ(−ℓ′)yf (Frobenius norm)");
    let mut plot = LinePlot::new(
        &title,
        &x_axis_name(&data.x_label),
        "λ‖Wₖ‖² (Frobenius)",
        Scale::Linear,
        Scale::Linear,
    );
    plot.y_include = vec![0.0];
    plot.push_series(&data.layers);
    let dashed = SeriesStyle {
        color: BLACK,
        dash: Dash::Dashed,
        marker: None,
        width: 2,
    };
    plot.lines
        .push(PlotLine::new(data.rhs.name.clone(), data.rhs.points.clone(), dashed));
    plot
}
