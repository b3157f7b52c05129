//! Stable-rank bounds at stationary points, **derived here** from the
//! stationarity condition ∇L = −λθ (the paper's exact constants were not
//! available to us; it writes the penalty as λ‖θ‖², so its λ is our λ/2).
//!
//! Logistic loss, homogeneous 1-Lipschitz σ with σ(0) = 0, no biases, X the
//! inputs, L̂ the training loss. Two facts: |ℓ′(u)| ≤ ℓ(u) for the logistic
//! loss, so (1/n)Σ|ℓ′ᵢ| ≤ L̂; and |f(x)| ≤ Π_j‖W_j‖₂·‖x‖.
//!
//! *All layers trained.* Euler's identity gives λ‖W_k‖²_F = (1/n)Σ(−ℓ′ᵢ)yᵢfᵢ
//! ≤ Π_j‖W_j‖₂·max‖x‖·L̂ for every k. Multiplying over k and dividing by
//! Π‖W_k‖²₂ gives, with c = max‖x‖·L̂/λ and P_F = Π_k‖W_k‖_F,
//!   √(Π_k s_k) ≤ P_F^{1 − 2/L} · c,
//! which for two layers is √(s₁s₂) ≤ max‖x‖·L̂/λ.
//!
//! *Fixed outer layer a (shallow).* ‖W‖²_F = −⟨W, ∇L⟩/λ ≤ ‖a‖·‖W‖₂·max‖x‖·L̂/λ,
//! so s(W) = ‖W‖²_F/‖W‖²₂ ≤ (‖a‖·max‖x‖·L̂/λ)² / ‖W‖²_F.
//!
//! Away from a stationary point the bound need not hold; the measured
//! stationarity residual says how far the net is from one.

use serde::{Deserialize, Serialize};

/// A measured stable-rank quantity next to its derived bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankBound {
    /// "product" (√Π s_k, all layers trained) or "fixed_outer" (s(W_1) with a fixed outer layer).
    pub kind: String,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub measured: f64,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub bound: f64,
}

/// Inputs: per layer (spectral norm ‖W_k‖₂, Frobenius ‖W_k‖_F, trained?),
/// max‖x‖ over the training inputs, L̂ and λ.
pub fn stable_rank_bound(layers: &[(f64, f64, bool)], max_x: f64, loss: f64, lambda: f64) -> Option<RankBound> {
    if !(lambda > 0.0) || layers.iter().any(|&(s, f, _)| !(s > 0.0) || !f.is_finite()) {
        return None;
    }
    let c = max_x * loss / lambda;
    let depth = layers.len();
    if layers.iter().all(|l| l.2) {
        let prod_s: f64 = layers.iter().map(|&(s, f, _)| (f / s) * (f / s)).product();
        let p_f: f64 = layers.iter().map(|l| l.1).product();
        return Some(RankBound {
            kind: "product".into(),
            measured: libm::sqrt(prod_s),
            bound: libm::pow(p_f, 1.0 - 2.0 / depth as f64) * c,
        });
    }
    if depth == 2 && layers[0].2 && !layers[1].2 {
        let (s1, f1, _) = layers[0];
        let a = layers[1].0;
        return Some(RankBound {
            kind: "fixed_outer".into(),
            measured: (f1 / s1) * (f1 / s1),
            bound: (a * c) * (a * c) / (f1 * f1),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_the_bounds() {
        // Two trained layers: √(s₁s₂) against max‖x‖·L̂/λ, independent of the norms.
        let b = stable_rank_bound(&[(1.0, 2.0, true), (3.0, 3.0, true)], 1.0, 0.1, 0.05).unwrap();
        assert_eq!(b.kind, "product");
        assert!((b.measured - 2.0).abs() < 1e-12 && (b.bound - 2.0).abs() < 1e-12);
        let b = stable_rank_bound(&[(1.0, 2.0, true), (1.0, 1.0, false)], 1.0, 0.1, 0.05).unwrap();
        assert_eq!(b.kind, "fixed_outer");
        assert!((b.measured - 4.0).abs() < 1e-12 && (b.bound - 1.0).abs() < 1e-12);
        assert!(stable_rank_bound(&[(1.0, 2.0, true)], 1.0, 0.1, 0.0).is_none());
    }
}
