//! The metrics recorded over training (see `analysis` for each formula).

use crate::analysis::bounds::{self, RankBound};
use crate::analysis::{collapse, layers, ranks, rounding, scaled, spectrum};
use crate::config::Activation;
use crate::config::Loss;
use crate::net::{loss, Net, Params};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Per-layer quantities at one point of training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerMetrics {
    /// Whether the layer trains (fixed and frozen layers report geometry only).
    pub trained: bool,
    /// ‖W_k‖_F.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub frobenius: f64,
    /// λ‖W_k‖²_F, the left side of the norm identity; null (n/a) for a layer
    /// that does not train, which the identity does not cover.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub norm_identity_lhs: f64,
    /// cos(W_k, −∇_{W_k}L), instantaneous; null when a norm is 0, the layer is
    /// fixed, or the gradient is at rounding level (`gradient_at_rounding_level`).
    pub alignment_cos: Option<f64>,
    /// cos(W_k, −ḡ_k) with ḡ the gradient's exponential moving average; null
    /// likewise (`gradient_avg_at_rounding_level`).
    pub alignment_cos_avg: Option<f64>,
    /// 1 − cos(W_k, −∇_{W_k}L) and 1 − cos(W_k, −ḡ_k), computed without
    /// cancellation (`layers::one_minus_cos_with_negative`): what a claim
    /// like "averaged cosine > 0.9999" is about, on a log scale; null where
    /// the cosine is.
    #[serde(default)]
    pub alignment_gap: Option<f64>,
    #[serde(default)]
    pub alignment_gap_avg: Option<f64>,
    /// ‖∇_{W_k, b_k}L‖_F and ‖ḡ_k‖_F as computed (0 for a layer that does not train).
    #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub gradient_norm: f64,
    #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub gradient_avg_norm: f64,
    /// The rounding bound on ‖∇_{W_k, b_k}L‖ (`analysis::rounding`).
    #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub gradient_noise: f64,
    /// The gradient (its average) is within 1/100 of its rounding bound: the
    /// cosine from it is noise, reported as not meaningful (null).
    #[serde(default)]
    pub gradient_at_rounding_level: bool,
    #[serde(default)]
    pub gradient_avg_at_rounding_level: bool,
    /// Singular values, descending.
    pub singular_values: Vec<f64>,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub stable_rank: f64,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub effective_rank: f64,
    /// #{σᵢ > rank_tolerance}; null when some σᵢ lies within `svd_error` of
    /// the tolerance, so rounding decides it (the range is then min..=max).
    pub numerical_rank: Option<usize>,
    /// The smallest and largest numerical rank the SVD's rounding allows (equal when decided).
    #[serde(default)]
    pub numerical_rank_min: usize,
    #[serde(default)]
    pub numerical_rank_max: usize,
    /// The numerical-rank tolerance max(rows, cols)·ε·σ₁.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub rank_tolerance: f64,
    /// How far a computed σᵢ may be from the exact one (`spectrum::svd_error`).
    #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub svd_error: f64,
    /// ‖D_k‖_F with D_k = W_{k+1}ᵀW_{k+1} − W_kW_kᵀ (null for the last layer).
    pub balance: Option<f64>,
    /// ‖diag D_k‖₂, the per-neuron part (what the theory covers for ReLU).
    pub balance_diag: Option<f64>,
}

/// Everything recorded at one point of training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub step: u64,
    /// Time t: η·step for GD/SGD, integrated time for gradient flow.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub time: f64,
    /// Training loss L (full batch).
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub loss: f64,
    /// F = L + (λ/2)‖θ_trained‖².
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub objective: f64,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub accuracy: f64,
    /// ‖∇L + λθ‖ / ‖λθ‖ (at λ = 0: ‖∇L‖/‖θ‖), trained parameters; null when
    /// ‖∇L + λθ‖ is at rounding level (`stationarity_at_rounding_level`).
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub stationarity: f64,
    /// ‖∇L + λθ‖ is within 1/100 of its rounding bound: stationary to rounding, ρ not meaningful.
    #[serde(default)]
    pub stationarity_at_rounding_level: bool,
    /// The net collapsed to (nearly) zero (`analysis::collapse`): its ranks are trivial.
    #[serde(default)]
    pub collapsed: bool,
    /// ‖θ‖ and ‖θ₀‖ over the trained layers, and ℓ(0), the loss of an all-zero output (what `collapsed` compares).
    #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub theta_norm: f64,
    #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub initial_theta_norm: f64,
    #[serde(default, deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub zero_output_loss: f64,
    /// (1/n)Σ⟨−∂ℓ/∂fᵢ, fᵢ⟩, the right side of the norm identity.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub norm_identity_rhs: f64,
    /// ‖W_1(I − P_X)‖_F / ‖W_1‖_F.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub outside_span: f64,
    pub layers: Vec<LayerMetrics>,
    /// The derived stable-rank bound (logistic loss, homogeneous σ, no bias, λ > 0), else null.
    pub rank_bound: Option<RankBound>,
}

/// Inputs to one metrics evaluation: the net, its full-batch gradient at the
/// same point, the gradient's EMA, and the data.
pub struct MetricsInput<'a> {
    pub net: &'a Net,
    pub grad: &'a Params,
    pub ema: &'a Params,
    pub outputs: ArrayView2<'a, f64>,
    pub x: ArrayView2<'a, f64>,
    pub y: ArrayView2<'a, f64>,
    /// ‖θ₀‖ over the trained layers (for collapse).
    pub initial_norm: f64,
    pub span_basis: ArrayView2<'a, f64>,
    pub loss_kind: Loss,
    pub loss: f64,
    pub lambda: f64,
    /// max‖xᵢ‖ over the training inputs.
    pub max_input_norm: f64,
    pub step: u64,
    pub time: f64,
}

/// Compute all metrics (one SVD per layer).
pub fn compute(m: &MetricsInput<'_>) -> Metrics {
    let p = &m.net.params;
    let mask = &m.net.trained;
    let theta = p.sum_sq(mask);
    let depth = m.net.depth();
    let layer_norm = |g: &Params, k: usize| {
        if mask[k] {
            scaled::sum_sq(g.w[k].iter().chain(g.b[k].iter()).copied()).norm()
        } else {
            0.0
        }
    };
    let grad_norms: Vec<f64> = (0..depth).map(|k| layer_norm(m.grad, k)).collect();
    let ema_norms: Vec<f64> = (0..depth).map(|k| layer_norm(m.ema, k)).collect();
    let resid = m.grad.sum_sq_of_sum(m.lambda, p, mask).norm();
    // The rounding bound: from norms first, and entry by entry only where that is not far below the values.
    let resid_noise = |noise: &[f64]| libm::sqrt(noise.iter().map(|v| v * v).sum::<f64>()) + 2.0 * f64::EPSILON * m.lambda * theta.norm();
    let suspicious = |noise: &[f64]| {
        let near = |value: f64, bound: f64| bound * rounding::MEANINGFUL >= value;
        (0..depth).any(|k| mask[k] && (near(grad_norms[k], noise[k]) || near(ema_norms[k], noise[k]))) || near(resid, resid_noise(noise))
    };
    let mut noise = rounding::gradient_noise_bound(m.net, m.x, m.outputs, m.y, m.loss_kind);
    if suspicious(&noise) {
        noise = rounding::gradient_noise(m.net, m.x, m.y, m.loss_kind);
    }
    let stationarity_at_rounding_level = resid_noise(&noise) * rounding::MEANINGFUL >= resid;
    let stationarity = if stationarity_at_rounding_level {
        f64::NAN
    } else {
        stationarity_of(m.grad, p, mask, m.lambda)
    };
    let layers = (0..depth)
        .map(|k| {
            let w = p.w[k].view();
            let s = spectrum::singular_values(w);
            let fro = scaled::sum_sq(w.iter().copied());
            let (balance, balance_diag) = if k + 1 < depth {
                let (a, b) = layers::balance(w, p.w[k + 1].view());
                (Some(a), Some(b))
            } else {
                (None, None)
            };
            let trained = mask[k];
            let grad_noisy = trained && noise[k] * rounding::MEANINGFUL >= grad_norms[k];
            let ema_noisy = trained && noise[k] * rounding::MEANINGFUL >= ema_norms[k];
            let s1 = s.first().copied().unwrap_or(0.0);
            let (rank_lo, rank_hi) = spectrum::numerical_rank_range(&s, w.nrows(), w.ncols());
            LayerMetrics {
                trained,
                frobenius: fro.norm(),
                norm_identity_lhs: if trained { m.lambda * fro.norm_sq() } else { f64::NAN },
                alignment_cos: if trained && !grad_noisy {
                    layers::cos_with_negative(w, m.grad.w[k].view())
                } else {
                    None
                },
                alignment_cos_avg: if trained && !ema_noisy {
                    layers::cos_with_negative(w, m.ema.w[k].view())
                } else {
                    None
                },
                alignment_gap: if trained && !grad_noisy {
                    layers::one_minus_cos_with_negative(w, m.grad.w[k].view())
                } else {
                    None
                },
                alignment_gap_avg: if trained && !ema_noisy {
                    layers::one_minus_cos_with_negative(w, m.ema.w[k].view())
                } else {
                    None
                },
                gradient_norm: grad_norms[k],
                gradient_avg_norm: ema_norms[k],
                gradient_noise: noise[k],
                gradient_at_rounding_level: grad_noisy,
                gradient_avg_at_rounding_level: ema_noisy,
                stable_rank: ranks::stable_rank(&s),
                effective_rank: ranks::effective_rank(&s),
                numerical_rank: (rank_lo == rank_hi).then_some(rank_lo),
                numerical_rank_min: rank_lo,
                numerical_rank_max: rank_hi,
                rank_tolerance: spectrum::rank_tolerance(s1, w.nrows(), w.ncols()),
                svd_error: spectrum::svd_error(s1, w.nrows(), w.ncols()),
                singular_values: s,
                balance,
                balance_diag,
            }
        })
        .collect::<Vec<LayerMetrics>>();
    let homogeneous = matches!(m.net.act.kind, Activation::Relu | Activation::LeakyRelu | Activation::Linear);
    let rank_bound = if m.loss_kind == Loss::Logistic && homogeneous && !m.net.has_bias() {
        let per_layer: Vec<(f64, f64, bool)> = layers
            .iter()
            .map(|l| (l.singular_values.first().copied().unwrap_or(0.0), l.frobenius, l.trained))
            .collect();
        bounds::stable_rank_bound(&per_layer, m.max_input_norm, m.loss, m.lambda)
    } else {
        None
    };
    let zero_loss = collapse::zero_output_loss(m.loss_kind, m.y);
    Metrics {
        step: m.step,
        time: m.time,
        loss: m.loss,
        objective: m.loss + 0.5 * m.lambda * theta.norm_sq(),
        accuracy: loss::accuracy(m.outputs, m.y),
        stationarity,
        stationarity_at_rounding_level,
        collapsed: collapse::collapsed(&collapse::CollapseInput {
            theta_norm: theta.norm(),
            initial_norm: m.initial_norm,
            loss: m.loss,
            zero_output_loss: zero_loss,
            max_abs_output: scaled::max_abs(m.outputs.iter().copied()),
        }),
        theta_norm: theta.norm(),
        initial_theta_norm: m.initial_norm,
        zero_output_loss: zero_loss,
        norm_identity_rhs: loss::norm_identity_rhs(m.loss_kind, m.outputs, m.y),
        outside_span: layers::outside_span_fraction(p.w[0].view(), m.span_basis),
        layers,
        rank_bound,
    }
}

/// [`stationarity_of`] and whether ‖∇L + λθ‖ is at rounding level (then the
/// value is NaN): the gauge's check, with `f` the outputs of the pass that gave `grad`.
pub fn stationarity_checked(
    net: &Net,
    grad: &Params,
    x: ArrayView2<f64>,
    f: ArrayView2<f64>,
    y: ArrayView2<f64>,
    loss: Loss,
    lambda: f64,
) -> (f64, bool) {
    let mask = &net.trained;
    let resid = grad.sum_sq_of_sum(lambda, &net.params, mask).norm();
    let theta = net.params.sum_sq(mask).norm();
    let noise_of = |noise: &[f64]| libm::sqrt(noise.iter().map(|v| v * v).sum::<f64>()) + 2.0 * f64::EPSILON * lambda * theta;
    let mut noise = noise_of(&rounding::gradient_noise_bound(net, x, f, y, loss));
    if noise * rounding::MEANINGFUL >= resid {
        noise = noise_of(&rounding::gradient_noise(net, x, y, loss));
    }
    if noise * rounding::MEANINGFUL >= resid {
        (f64::NAN, true)
    } else {
        (stationarity_of(grad, &net.params, mask, lambda), false)
    }
}

/// ‖∇L + λθ‖ / ‖λθ‖ over the trained parameters (at λ = 0: ‖∇L‖/‖θ‖), from
/// scaled sums of squares (finite for any finite θ and ∇L).
pub fn stationarity_of(grad: &Params, theta: &Params, mask: &[bool], lambda: f64) -> f64 {
    let r = grad.sum_sq_of_sum(lambda, theta, mask).norm();
    let t = theta.sum_sq(mask).norm();
    if lambda > 0.0 {
        r / (lambda * t)
    } else {
        r / t
    }
}

/// max‖xᵢ‖ over the rows of X.
pub fn max_row_norm(x: ArrayView2<f64>) -> f64 {
    x.outer_iter().map(|r| libm::sqrt(r.dot(&r))).fold(0.0, f64::max)
}

/// Directions of the training inputs with σᵢ at or below this fraction of σ₁
/// are not part of span(X) for `outside_span` (rounding noise of the generator).
pub const SPAN_REL_TOL: f64 = 1e-12;

/// An orthonormal basis (d × r) of the span of the training inputs (rows of X).
pub fn input_span_basis(x: ArrayView2<f64>) -> Array2<f64> {
    spectrum::row_space_basis(x, SPAN_REL_TOL)
}
