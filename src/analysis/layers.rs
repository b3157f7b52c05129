//! Per-layer geometry of θ and its gradient at one point.
//!
//! - alignment cos(W_k, −∇_{W_k}L) = −⟨W_k, G_k⟩ / (‖W_k‖_F‖G_k‖_F); at a
//!   stationary point of F = L + (λ/2)‖θ‖², ∇L = −λθ, so it equals 1 for every
//!   trained layer (λ > 0);
//! - stationarity residual ρ = ‖∇L + λθ‖ / ‖λθ‖ over trained parameters
//!   (at λ = 0: ‖∇L‖ / ‖θ‖);
//! - balance D_k = W_{k+1}ᵀW_{k+1} − W_kW_kᵀ (width_k × width_k). Under
//!   gradient flow of homogeneous nets dD_k/dt = −2λD_k for linear nets, and
//!   for ReLU nets the same holds for its diagonal (per-neuron incoming vs
//!   outgoing squared norms), so ‖D_k(t)‖ = e^{−2λt}‖D_k(0)‖;
//! - fraction of W_1 outside the span of the training inputs,
//!   ‖W_1(I − P)‖_F / ‖W_1‖_F with P the projector onto span{xᵢ}: the
//!   gradient of L w.r.t. W_1 lies in that span, so under GD the outside
//!   part shrinks exactly by (1 − ηλ) per step.

use crate::net::gemm::matmul;
use ndarray::{Array2, ArrayView2, Zip};

/// cos(A, −B) = −⟨A, B⟩ / (‖A‖‖B‖) (Frobenius); `None` when a norm is 0.
pub fn cos_with_negative(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Option<f64> {
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    Zip::from(&a).and(&b).for_each(|&x, &y| {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    });
    if aa == 0.0 || bb == 0.0 {
        return None;
    }
    Some(-ab / (libm::sqrt(aa) * libm::sqrt(bb)))
}

/// ‖D_k‖_F and ‖diag D_k‖₂ for D_k = W_nextᵀW_next − W W ᵀ, with W (m × fan_in), W_next (fan_out × m).
///
/// The products go through the training step's kernels (`net::gemm`, faer,
/// both cores for big ones): W Wᵀ of W3's 1024 × 256 layer is as costly as a
/// training step, and a record or a page snapshot computes it.
pub fn balance(w: ArrayView2<f64>, w_next: ArrayView2<f64>) -> (f64, f64) {
    let m = w.nrows();
    let mut d = Array2::<f64>::zeros((m, m));
    matmul(d.view_mut(), w_next.t(), w_next, 1.0, false);
    matmul(d.view_mut(), w, w.t(), -1.0, true);
    let full = libm::sqrt(d.iter().map(|v| v * v).sum());
    let diag = libm::sqrt(d.diag().iter().map(|v| v * v).sum());
    (full, diag)
}

/// ‖W (I − Q Qᵀ)‖_F / ‖W‖_F for W (m × d) and Q (d × r) with orthonormal columns; 0 for W = 0.
pub fn outside_span_fraction(w: ArrayView2<f64>, q: ArrayView2<f64>) -> f64 {
    let total: f64 = w.iter().map(|v| v * v).sum();
    if total == 0.0 {
        return 0.0;
    }
    let mut wq = Array2::<f64>::zeros((w.nrows(), q.ncols()));
    matmul(wq.view_mut(), w, q, 1.0, false);
    let mut proj = Array2::<f64>::zeros(w.dim());
    matmul(proj.view_mut(), wq.view(), q.t(), 1.0, false);
    let outside: f64 = Zip::from(&w).and(&proj).fold(0.0, |acc, &a, &p| acc + (a - p) * (a - p));
    libm::sqrt(outside / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cosine_of_antiparallel_is_one() {
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        let b = a.mapv(|v| -0.5 * v);
        assert!((cos_with_negative(a.view(), b.view()).unwrap() - 1.0).abs() < 1e-15);
        assert!(cos_with_negative(a.view(), Array2::zeros((2, 2)).view()).is_none());
    }

    #[test]
    fn balanced_pair_has_zero_d() {
        // W2 = W1ᵀ for a square W1 makes W2ᵀW2 = W1W1ᵀ.
        let w1 = array![[1.0, 2.0], [0.5, -1.0]];
        let w2 = w1.t().to_owned();
        let (f, dg) = balance(w1.view(), w2.view());
        assert!(f < 1e-14 && dg < 1e-14);
        let (f, dg) = balance(w1.view(), (2.0 * &w2).view());
        assert!(f > 1.0 && dg > 1.0);
    }

    #[test]
    fn outside_span_of_coordinate_plane() {
        let q = array![[1.0], [0.0]];
        let w = array![[3.0, 4.0]];
        assert!((outside_span_fraction(w.view(), q.view()) - 0.8).abs() < 1e-15);
    }
}
