//! Collapse: weight decay can shrink a net all the way to zero (a stationary
//! point of F = L + (λ/2)‖θ‖² for every homogeneous bias-free net). Such a net
//! outputs (nearly) nothing, its loss is the zero predictor's, and its
//! "rank 1" or "rank 0" says nothing about low-rank bias: every statement the
//! lab checks holds trivially there.
//!
//! This lab's definition (assumed, not the paper's): collapsed when every
//! output is exactly 0, or when ‖θ‖ ≤ 10⁻³‖θ₀‖ (trained layers) and the loss
//! is within 10⁻³ (relative) of ℓ(0), the loss of the all-zero output. Issue
//! 15's example: `rank-vs-lambda` at λ = 0.1 ends with ‖W₁‖_F = 1.6e-30 and
//! loss ln 2 = ℓ(0) for the logistic loss.

use crate::config::Loss;
use ndarray::{Array2, ArrayView2};

/// What [`collapsed`] looks at.
pub struct CollapseInput {
    /// ‖θ‖ and ‖θ₀‖ over the trained layers.
    pub theta_norm: f64,
    pub initial_norm: f64,
    pub loss: f64,
    /// ℓ(0): the mean loss of outputs that are all 0 ([`zero_output_loss`]).
    pub zero_output_loss: f64,
    /// max |fᵢ| over the training outputs.
    pub max_abs_output: f64,
}

/// Relative tolerance of "≪ ‖θ₀‖" and "≈ ℓ(0)".
pub const COLLAPSE_TOL: f64 = 1e-3;

/// Whether the net collapsed (see the module header).
pub fn collapsed(c: &CollapseInput) -> bool {
    let at_zero_loss = (c.loss - c.zero_output_loss).abs() <= COLLAPSE_TOL * c.zero_output_loss;
    c.max_abs_output == 0.0 || (at_zero_loss && c.theta_norm <= COLLAPSE_TOL * c.initial_norm)
}

/// One line saying that task `task`'s net collapsed, with the numbers that show it.
pub fn warning(task: &str, theta_norm: f64, initial_norm: f64, loss: f64, zero_output_loss: f64) -> String {
    format!(
        "task {task} collapsed to zero: ‖θ‖ = {theta_norm:.2e} (‖θ₀‖ = {initial_norm:.3}), loss {loss:.4} = ℓ(0) = {zero_output_loss:.4}; \
         the net outputs (nearly) nothing, so its ranks and alignment are trivial, not evidence of low-rank bias (try a smaller λ)"
    )
}

/// The mean loss of an all-zero output on targets `y` (n × out): ln 2 for the logistic loss, ½·mean‖y‖² for the squared.
pub fn zero_output_loss(loss: Loss, y: ArrayView2<f64>) -> f64 {
    crate::net::loss::value(loss, Array2::zeros(y.raw_dim()).view(), y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_needs_a_tiny_net_at_the_zero_loss_or_zero_outputs() {
        let y = ndarray::array![[1.0], [-1.0]];
        let l0 = zero_output_loss(Loss::Logistic, y.view());
        assert!((l0 - std::f64::consts::LN_2).abs() < 1e-15);
        let c = |theta_norm: f64, loss: f64, out: f64| {
            collapsed(&CollapseInput {
                theta_norm,
                initial_norm: 8.0,
                loss,
                zero_output_loss: l0,
                max_abs_output: out,
            })
        };
        assert!(c(1.6e-30, l0, 1e-60));
        assert!(c(3.0, 0.5, 0.0), "outputs ≡ 0");
        assert!(!c(1e-2, 0.3, 0.5), "small but learned");
        assert!(!c(8.0, l0, 1e-3), "at initialisation with small outputs");
    }
}
