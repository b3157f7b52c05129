//! Losses, averaged over the n samples: L = (1/n) Σᵢ ℓ(fᵢ, yᵢ).
//!
//! - logistic (out_dim 1, y ∈ {±1}): ℓ = log(1 + e^{−y f}), computed as a
//!   stable softplus; ∂ℓ/∂f = −y / (1 + e^{y f}).
//! - squared: ℓ = ½‖f − y‖², ∂ℓ/∂f = f − y.
//!
//! For both, the norm identity of trained layers of homogeneous nets at a
//! stationary point reads λ‖W_k‖²_F = (1/n) Σᵢ ⟨−∂ℓ/∂fᵢ, fᵢ⟩, which for the
//! logistic loss is the margin form (1/n) Σ (−ℓ′(yᵢfᵢ)) yᵢ fᵢ.

use crate::config::Loss;
use ndarray::{ArrayView2, ArrayViewMut2, Zip};

/// Softplus log(1 + e^u) without overflow.
#[inline]
fn softplus(u: f64) -> f64 {
    if u > 0.0 {
        u + libm::log1p(libm::exp(-u))
    } else {
        libm::log1p(libm::exp(u))
    }
}

/// Mean loss of outputs `f` (n × out) against targets `y` (n × out); writes
/// `g` = (1/n)·∂ℓ/∂f (n × out), the gradient of the mean loss with respect to f.
pub fn value_and_grad(loss: Loss, f: ArrayView2<f64>, y: ArrayView2<f64>, mut g: ArrayViewMut2<f64>) -> f64 {
    let n = f.nrows().max(1) as f64;
    let inv = 1.0 / n;
    let mut total = 0.0;
    match loss {
        Loss::Logistic => Zip::from(&mut g).and(&f).and(&y).for_each(|g, &f, &y| {
            let u = y * f;
            total += softplus(-u);
            *g = -y / (1.0 + libm::exp(u)) * inv;
        }),
        Loss::Squared => Zip::from(&mut g).and(&f).and(&y).for_each(|g, &f, &y| {
            let r = f - y;
            total += 0.5 * r * r;
            *g = r * inv;
        }),
    }
    total * inv
}

/// Mean loss only.
pub fn value(loss: Loss, f: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    let n = f.nrows().max(1) as f64;
    let mut total = 0.0;
    Zip::from(&f).and(&y).for_each(|&f, &y| {
        total += match loss {
            Loss::Logistic => softplus(-(y * f)),
            Loss::Squared => 0.5 * (f - y) * (f - y),
        }
    });
    total / n
}

/// (1/n) Σᵢ ⟨−∂ℓ/∂fᵢ, fᵢ⟩: the right-hand side of the norm identity λ‖W_k‖²_F = this.
pub fn norm_identity_rhs(loss: Loss, f: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    let n = f.nrows().max(1) as f64;
    let mut total = 0.0;
    Zip::from(&f).and(&y).for_each(|&f, &y| {
        let dl = match loss {
            Loss::Logistic => -y / (1.0 + libm::exp(y * f)),
            Loss::Squared => f - y,
        };
        total += -dl * f;
    });
    total / n
}

/// Fraction of outputs whose sign matches the target's (f = 0 counts as wrong).
/// For ±1 classification this is the accuracy; for regression it is sign agreement.
pub fn accuracy(f: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    let total = f.len().max(1) as f64;
    let mut ok = 0usize;
    Zip::from(&f).and(&y).for_each(|&f, &y| {
        if f * y > 0.0 {
            ok += 1;
        }
    });
    ok as f64 / total
}

/// Per-sample ‖∂ℓ/∂fᵢ‖₂ over outputs (not divided by n): the ‖ℓ′ᵢ‖ of the merge bound.
pub fn derivative_norms(loss: Loss, f: ArrayView2<f64>, y: ArrayView2<f64>) -> Vec<f64> {
    f.outer_iter()
        .zip(y.outer_iter())
        .map(|(fr, yr)| {
            let sq: f64 = fr
                .iter()
                .zip(yr.iter())
                .map(|(&f, &y)| {
                    let d = match loss {
                        Loss::Logistic => y / (1.0 + libm::exp(y * f)),
                        Loss::Squared => f - y,
                    };
                    d * d
                })
                .sum();
            libm::sqrt(sq)
        })
        .collect()
}
