//! The shallow merge bound (derived here; the paper's exact constant was not available).
//!
//! Setting: f(x) = aᵀσ(Wx) with a fixed output layer A (out × m, shared),
//! σ 1-Lipschitz with |σ′| ≤ 1 (relu, leaky relu, identity), no bias, λ > 0.
//! Write R_B = ∇L_B(W^B) + λW^B (zero at a stationary point). Since
//! ∇_W L_B = (1/n_B) Σᵢ ((Aᵀℓ′ᵢ) ⊙ σ′(W^B xᵢ)) xᵢᵀ,
//!   W^B x = (1/λ)(R_B x − ∇L_B x),  ‖∇L_B x‖ ≤ (‖A‖₂/n_B) Σᵢ ‖ℓ′ᵢ‖·|⟨xᵢ^B, x⟩|,
//! and σ being 1-Lipschitz gives, at *any* iterate,
//!   ‖f_{A+B}(x) − f_A(x)‖ ≤ ‖A‖₂‖W^B x‖
//!     ≤ (‖A‖₂²/(λ n_B)) Σᵢ ‖ℓ′_{B,i}‖·|⟨xᵢ^B, x⟩| + ‖A‖₂‖R_B x‖/λ.
//! With K > 2 nets, the change on task A is bounded by the sum over B ≠ A.
//! (Our λ is the paper's 2λ: it writes the penalty as λ‖θ‖².)

use crate::analysis::spectrum;
use crate::config::{Activation, Loss};
use crate::net::{loss, Net, Params, Workspace};
use ndarray::{Array1, ArrayView2};

/// Whether the bound's assumptions hold for these nets.
pub fn applies(net: &Net, lambda: f64) -> bool {
    net.depth() == 2
        && !net.trained[1]
        && net.trained[0]
        && !net.has_bias()
        && lambda > 0.0
        && matches!(net.act.kind, Activation::Relu | Activation::LeakyRelu | Activation::Linear)
}

/// What net B contributes to the bound at each input x (rows of `x`):
/// (‖A‖²/(λ n_B)) Σᵢ ‖ℓ′ᵢ‖ |⟨xᵢ^B, x⟩| + ‖A‖‖R_B x‖/λ. Length = x.nrows().
pub fn contribution(
    net_b: &Net,
    xb: ArrayView2<f64>,
    yb: ArrayView2<f64>,
    loss_kind: Loss,
    lambda: f64,
    x: ArrayView2<f64>,
) -> Array1<f64> {
    let a_norm = spectrum::singular_values(net_b.params.w[1].view()).first().copied().unwrap_or(0.0);
    let mut ws = Workspace::default();
    let mut grad = Params::zeros_like(&net_b.params);
    ws.loss_and_grad(net_b, xb, yb, loss_kind, &mut grad);
    let dl = loss::derivative_norms(loss_kind, ws.outputs(), yb);
    // R_B = ∇L_B + λW^B (first layer only: the output layer is fixed).
    let r = &grad.w[0] + &(lambda * &net_b.params.w[0]);
    let inner = xb.dot(&x.t()); // n_B × n
    let rx = r.dot(&x.t()); // m × n
    let n_b = xb.nrows() as f64;
    Array1::from_shape_fn(x.nrows(), |j| {
        let s: f64 = dl.iter().enumerate().map(|(i, &d)| d * inner[[i, j]].abs()).sum();
        let rnorm = libm::sqrt(rx.column(j).iter().map(|v| v * v).sum());
        a_norm * a_norm * s / (lambda * n_b) + a_norm * rnorm / lambda
    })
}
