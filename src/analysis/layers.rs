//! Per-layer geometry of θ and its gradient at one point.
//!
//! - alignment cos(W_k, −∇_{W_k}L) = −⟨W_k, G_k⟩ / (‖W_k‖_F‖G_k‖_F); at a
//!   stationary point of F = L + (λ/2)‖θ‖², ∇L = −λθ, so it equals 1 for every
//!   trained layer (λ > 0) (the paper's alignment statement);
//! - stationarity residual ρ = ‖∇L + λθ‖ / ‖λθ‖ over trained parameters
//!   (at λ = 0: ‖∇L‖ / ‖θ‖);
//! - balance D_k = W_{k+1}ᵀW_{k+1} − W_kW_kᵀ (width_k × width_k). Derived
//!   here: under gradient flow dD_k/dt = −2λD_k for linear nets, and
//!   for ReLU nets the same holds for its diagonal (per-neuron incoming vs
//!   outgoing squared norms), so ‖D_k(t)‖ = e^{−2λt}‖D_k(0)‖;
//! - fraction of W_1 outside the span of the training inputs,
//!   ‖W_1(I − P)‖_F / ‖W_1‖_F with P the projector onto span{xᵢ}: the
//!   gradient of L w.r.t. W_1 lies in that span, so under GD the outside
//!   part shrinks exactly by (1 − ηλ) per step (derived here).
//!
//! Every sum of squares here is scaled first (`scaled`), so weights far from
//! 1 (1e140 on the way to a divergence, 1e-30 after a collapse) give finite,
//! accurate norms, cosines and balances.

use super::scaled::{max_abs, scale_for, scale_for_power};
use crate::net::gemm::matmul;
use ndarray::{Array2, ArrayView2, Zip};

/// cos(A, −B) = −⟨A, B⟩ / (‖A‖‖B‖) (Frobenius); `None` when a norm is 0.
pub fn cos_with_negative(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Option<f64> {
    let (sa, sb) = (scale_for(max_abs(a.iter().copied())), scale_for(max_abs(b.iter().copied())));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    if sa == 1.0 && sb == 1.0 {
        Zip::from(&a).and(&b).for_each(|&x, &y| {
            ab += x * y;
            aa += x * x;
            bb += y * y;
        });
    } else {
        Zip::from(&a).and(&b).for_each(|&x, &y| {
            let (x, y) = (x * sa, y * sb);
            ab += x * y;
            aa += x * x;
            bb += y * y;
        });
    }
    if aa == 0.0 || bb == 0.0 {
        return None;
    }
    Some(-ab / (libm::sqrt(aa) * libm::sqrt(bb)))
}

/// 1 − cos(A, −B) = ‖A/‖A‖ + B/‖B‖‖²_F / 2 (derived here: both unit, so
/// ‖â + b̂‖² = 2 + 2⟨â, b̂⟩ = 2(1 − cos(A, −B))). Unlike 1 minus the computed
/// cosine it keeps its relative accuracy when the cosine is near 1 (a gap of
/// 1e-12 is good to about 1e-4 relative, not lost below ε); `None` when a norm is 0.
pub fn one_minus_cos_with_negative(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Option<f64> {
    let na = super::scaled::sum_sq(a.iter().copied()).norm();
    let nb = super::scaled::sum_sq(b.iter().copied()).norm();
    if na == 0.0 || nb == 0.0 || !na.is_finite() || !nb.is_finite() {
        return None;
    }
    let mut s = 0.0;
    Zip::from(&a).and(&b).for_each(|&x, &y| {
        let d = x / na + y / nb;
        s += d * d;
    });
    Some(0.5 * s)
}

/// ‖D_k‖_F and ‖diag D_k‖₂ for D_k = W_nextᵀW_next − W W ᵀ, with W (m × fan_in), W_next (fan_out × m).
///
/// diag D_k is per-unit squared norms (outgoing minus incoming), O(m·(fan_in + fan_out)).
/// For ‖D_k‖_F, when the layer is much wider than its fan-in and fan-out (W3:
/// 1024 units, fan-in 256, fan-out 1), the m × m matrix is avoided:
///   ‖D‖² = ‖W_next W_nextᵀ‖² − 2‖W_next W‖² + ‖WᵀW‖²
/// (all Frobenius; traces of products of the two Grams), products of the small
/// sizes only. Its rounding error is a few ε·(‖W_next W_nextᵀ‖² + ‖WᵀW‖²), so it is
/// used only when ‖D‖² exceeds 1e-4 of that sum (‖D‖ then good to ~1e-11
/// relative); a nearly balanced pair — where D_k's decay is measured — gets
/// the direct m × m product, through the training step's kernels.
pub fn balance(w: ArrayView2<f64>, w_next: ArrayView2<f64>) -> (f64, f64) {
    // ‖D‖² sums fourth powers of the entries.
    let s = scale_for_power(max_abs(w.iter().chain(w_next.iter()).copied()), 4);
    if s == 1.0 {
        return balance_unscaled(w, w_next);
    }
    // D scales with s²: compute it for the scaled pair and scale back.
    let (f, d) = balance_unscaled((&w * s).view(), (&w_next * s).view());
    let back = 1.0 / (s * s);
    (f * back, d * back)
}

/// Whether [`balance`] of an m-unit layer with these fans first tries the
/// Gram identity (products of the small sizes only) instead of the m × m
/// product. Counted in u64: on wasm32 m²·(fan_in + fan_out) overflows usize
/// for m ≈ 10⁵ (issue 17: the wrapped product chose the m × m product of a
/// 10⁵-wide layer, whose 8·10¹⁰ bytes no wasm32 array can hold).
pub fn balance_uses_grams(m: usize, fan_in: usize, fan_out: usize) -> bool {
    let (m, fi, fo) = (m as u64, fan_in as u64, fan_out as u64);
    let direct = m.saturating_mul(m).saturating_mul(fi.saturating_add(fo));
    let grams = m.saturating_mul(
        fi.saturating_mul(fi)
            .saturating_add(fo.saturating_mul(fo))
            .saturating_add(fi.saturating_mul(fo)),
    );
    grams.saturating_mul(2) < direct
}

/// Rows of D_k formed at a time by the direct product: D_k is never held
/// whole, only [`BALANCE_BLOCK_ELEMENTS`] / m rows of it (at least one), so
/// the largest buffer is max(m, 2²⁰) numbers whatever the width.
pub fn balance_block_rows(m: usize) -> usize {
    (BALANCE_BLOCK_ELEMENTS / m.max(1)).clamp(1, m.max(1))
}

/// Entries of D_k one block of the direct product holds at most (8 MiB), unless a single row is longer.
pub const BALANCE_BLOCK_ELEMENTS: usize = 1 << 20;

fn balance_unscaled(w: ArrayView2<f64>, w_next: ArrayView2<f64>) -> (f64, f64) {
    let (m, fan_in, fan_out) = (w.nrows(), w.ncols(), w_next.nrows());
    let diag_sq: f64 = (0..m)
        .map(|i| {
            let out: f64 = w_next.column(i).iter().map(|v| v * v).sum();
            let inc: f64 = w.row(i).iter().map(|v| v * v).sum();
            (out - inc) * (out - inc)
        })
        .sum();
    let diag = libm::sqrt(diag_sq);
    if balance_uses_grams(m, fan_in, fan_out) {
        let frob_sq = |a: &Array2<f64>| a.iter().map(|v| v * v).sum::<f64>();
        let mut nn = Array2::<f64>::zeros((fan_out, fan_out));
        matmul(nn.view_mut(), w_next, w_next.t(), 1.0, false);
        let mut ww = Array2::<f64>::zeros((fan_in, fan_in));
        matmul(ww.view_mut(), w.t(), w, 1.0, false);
        let mut nw = Array2::<f64>::zeros((fan_out, fan_in));
        matmul(nw.view_mut(), w_next, w, 1.0, false);
        let (a, b, c) = (frob_sq(&nn), frob_sq(&ww), frob_sq(&nw));
        let sq = a - 2.0 * c + b;
        if sq > 1e-4 * (a + b) {
            return (libm::sqrt(sq), diag);
        }
    }
    // D's rows [r0, r1): W_next[:, r0..r1]ᵀ W_next − W[r0..r1, :] Wᵀ, summed block by block.
    let rows = balance_block_rows(m);
    let mut d = Array2::<f64>::zeros((rows.min(m), m));
    let mut sq = 0.0;
    let mut r0 = 0;
    while r0 < m {
        let r1 = (r0 + rows).min(m);
        let mut block = d.slice_mut(ndarray::s![..r1 - r0, ..]);
        matmul(block.view_mut(), w_next.slice(ndarray::s![.., r0..r1]).t(), w_next, 1.0, false);
        matmul(block.view_mut(), w.slice(ndarray::s![r0..r1, ..]), w.t(), -1.0, true);
        // One running sum in row-major order: the same additions as over the whole of D.
        sq = block.iter().fold(sq, |acc, v| acc + v * v);
        r0 = r1;
    }
    (libm::sqrt(sq), diag)
}

/// ‖W (I − Q Qᵀ)‖_F / ‖W‖_F for W (m × d) and Q (d × r) with orthonormal columns; 0 for W = 0,
/// and exactly 0 when r = d (the inputs span R^d: nothing is outside).
pub fn outside_span_fraction(w: ArrayView2<f64>, q: ArrayView2<f64>) -> f64 {
    let s = scale_for(max_abs(w.iter().copied()));
    if s != 1.0 {
        // A ratio: the same for the scaled W.
        return outside_span_fraction((&w * s).view(), q);
    }
    let total: f64 = w.iter().map(|v| v * v).sum();
    if total == 0.0 || q.ncols() >= q.nrows() {
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
    use crate::analysis::scaled;
    use ndarray::array;

    #[test]
    fn one_minus_cos_is_accurate_near_one() {
        for t in [1e-1, 1e-4, 1e-7] {
            let a = ndarray::array![[3.0, 0.0]];
            let b = ndarray::array![[-2.0 * f64::cos(t), -2.0 * f64::sin(t)]];
            let exact = 2.0 * f64::sin(t / 2.0).powi(2);
            let gap = one_minus_cos_with_negative(a.view(), b.view()).unwrap();
            assert!((gap / exact - 1.0).abs() < 1e-9, "t = {t}: {gap:e} vs {exact:e}");
        }
        // At t = 1e-8, 1 − cos t = 5e-17 is below ε/2: 1 minus the computed cosine is 0, the gap is not.
        let (a, b) = (ndarray::array![[1.0, 0.0]], ndarray::array![[-f64::cos(1e-8), -f64::sin(1e-8)]]);
        assert_eq!(1.0 - cos_with_negative(a.view(), b.view()).unwrap(), 0.0);
        let gap = one_minus_cos_with_negative(a.view(), b.view()).unwrap();
        assert!((gap / 5e-17 - 1.0).abs() < 1e-6, "{gap:e}");
        assert_eq!(
            one_minus_cos_with_negative(ndarray::array![[0.0]].view(), ndarray::array![[1.0]].view()),
            None
        );
    }

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

    /// The direct m × m formula, for comparison.
    fn balance_direct(w: ArrayView2<f64>, w_next: ArrayView2<f64>) -> (f64, f64) {
        let d = w_next.t().dot(&w_next) - w.dot(&w.t());
        let full = d.iter().map(|v| v * v).sum::<f64>().sqrt();
        let diag = d.diag().iter().map(|v| v * v).sum::<f64>().sqrt();
        (full, diag)
    }

    #[test]
    fn balance_of_a_wide_layer_matches_the_direct_product() {
        // 300 units, fan-in 20, fan-out 2: the Gram route (its sizes are the small ones).
        let w = Array2::from_shape_fn((300, 20), |(i, j)| ((i * 31 + j * 7) as f64).sin());
        let w_next = Array2::from_shape_fn((2, 300), |(i, j)| ((i * 13 + j * 3) as f64).cos() * 2.0);
        let (f, dg) = balance(w.view(), w_next.view());
        let (f0, dg0) = balance_direct(w.view(), w_next.view());
        assert!((f - f0).abs() <= 1e-12 * f0, "{f} vs {f0}");
        assert!((dg - dg0).abs() <= 1e-12 * dg0, "{dg} vs {dg0}");
        // Nearly balanced: D = 1e-7·(a small perturbation) would lose every digit in
        // the Gram formula; the guard takes the direct product and keeps them.
        let u = Array2::from_shape_fn((300, 1), |(i, _)| ((i * 17) as f64).sin());
        let w = u.clone();
        let mut w_next = u.t().to_owned();
        w_next[[0, 5]] *= 1.0 + 1e-7;
        let (f, _) = balance(w.view(), w_next.view());
        let (f0, _) = balance_direct(w.view(), w_next.view());
        assert!(f0 > 0.0 && (f - f0).abs() <= 1e-9 * f0, "{f} vs {f0}");
    }

    /// Weights on their way to overflow (issue 15: W₁ ~ 1e136, W₂ ~ 1e143 made
    /// ‖D_k‖ ~ 1e286 come out null): the norms are those of the scaled matrices, scaled back.
    #[test]
    fn huge_and_tiny_weights_keep_their_balance_and_cosine() {
        let w = array![[1.0, 2.0], [0.5, -1.0], [0.3, 0.7]];
        let w_next = array![[2.0, -1.0, 0.5]];
        let (f0, d0) = balance(w.view(), w_next.view());
        for (a, b) in [(1e136, 1e143), (1e-160, 1e-150), (1e300, 1e-300)] {
            let (f, d) = balance((&w * a).view(), (&w_next * b).view());
            // Exact for equal scales; otherwise compare with the formula D = b²·NᵀN − a²·WWᵀ.
            let want = {
                let dm = w_next.t().dot(&w_next) * (b * b) - w.dot(&w.t()) * (a * a);
                (
                    scaled::sum_sq(dm.iter().copied()).norm(),
                    scaled::sum_sq(dm.diag().iter().copied()).norm(),
                )
            };
            if want.0.is_finite() && want.0 > 0.0 {
                assert!((f / want.0 - 1.0).abs() < 1e-12, "{a:e},{b:e}: {f:e} vs {:e}", want.0);
                assert!((d / want.1 - 1.0).abs() < 1e-12, "{a:e},{b:e}: {d:e} vs {:e}", want.1);
            }
            // Only a D beyond f64's range (a = 1e300: entries ~1e600) is infinite.
            assert!(f.is_finite() || a.max(b).powi(2) > f64::MAX, "{a:e},{b:e}");
            let c = cos_with_negative((&w * a).view(), (&w * (-b)).view()).unwrap();
            assert!((c - 1.0).abs() < 1e-15, "{a:e},{b:e}: cos {c}");
        }
        let (f, d) = balance((&w * 1e136).view(), (&w_next * 1e136).view());
        assert!(
            (f / (f0 * 1e272) - 1.0).abs() < 1e-15 && (d / (d0 * 1e272) - 1.0).abs() < 1e-15,
            "{f:e}"
        );
        let frac = outside_span_fraction((array![[3.0, 4.0]] * 1e200).view(), array![[1.0], [0.0]].view());
        assert!((frac - 0.8).abs() < 1e-15, "{frac}");
    }

    #[test]
    fn nothing_is_outside_a_full_span() {
        let q = Array2::<f64>::eye(3);
        let w = array![[3.0, 4.0, 1.0]];
        assert_eq!(outside_span_fraction(w.view(), q.view()), 0.0);
    }

    #[test]
    fn outside_span_of_coordinate_plane() {
        let q = array![[1.0], [0.0]];
        let w = array![[3.0, 4.0]];
        assert!((outside_span_fraction(w.view(), q.view()) - 0.8).abs() < 1e-15);
    }
}
