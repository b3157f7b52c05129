//! Singular values and subspaces, through `faer` (pure Rust, compiles to wasm32).
//!
//! Singular values come from a full bidiagonalisation SVD of W itself, never
//! from eigenvalues of the Gram matrix WᵀW: the Gram route squares the
//! condition number and loses every σᵢ below about 1e-8·σ₁, exactly the
//! small values a log-scale spectrum shows.
//!
//! Not through faer's QR step either, where it would drop digits: for a
//! matrix more than 11/6 times taller than wide, faer's SVD first takes a QR
//! factorisation, and its QR treats a column whose remaining norm is below
//! 16·m·ε of its norm as dependent and discards that remainder, which moves
//! small singular values by up to ~10³·ε·σ₁ (measured here against 60-digit
//! values: 1139·ε·σ₁ on a 200 × 60 matrix of rank 4, 163·ε·σ₁ on the issue-15
//! layer, whose σ₂ = 2.94e-15 came out as 5.2e-14, above the rank tolerance).
//! [`singular_values`] keeps faer's QR when it dropped nothing (then it is an
//! ordinary Householder QR) and bidiagonalises W directly otherwise;
//! [`thin_svd`] always bidiagonalises directly. Against 60-digit values
//! (mpmath, eigenvalues of the exact Gram matrix) on 72 matrices of rank 1–5,
//! with and without a 1e-14 perturbation, 10 × 64 up to 256 × 32 and 200 × 60,
//! every σᵢ came back within 5·ε·σ₁ (derived here, measured: the rounding
//! error of a backward-stable SVD is a modest multiple of ε·σ₁, and
//! [`svd_error`] takes 2·√max(m, n)·ε·σ₁, at least 3× the largest seen).
//!
//! The numerical rank counts σᵢ above max(m, n)·ε·σ₁ (LAPACK/NumPy's
//! `matrix_rank` default, assumed as a convention). Where some σᵢ lies within
//! [`svd_error`] of that tolerance, the count is not decided by the matrix but
//! by rounding: [`numerical_rank_range`] then gives both candidates.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{self as fsvd, ComputeSvdVectors, SvdParams};
use ndarray::{Array2, ArrayView2};

fn to_faer(w: ArrayView2<f64>) -> faer::Mat<f64> {
    faer::Mat::from_fn(w.nrows(), w.ncols(), |i, j| w[[i, j]])
}

fn from_faer(m: faer::MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// faer's SVD parameters without its QR step (see the module header).
fn direct_params() -> SvdParams {
    let mut p: SvdParams = faer::Auto::<f64>::auto();
    p.qr_ratio_threshold = f64::INFINITY;
    p
}

/// Singular values (unsorted) of `a` by faer's SVD with `params`, or `None` if it does not converge.
fn faer_singular_values(a: faer::MatRef<'_, f64>, params: SvdParams) -> Option<Vec<f64>> {
    let (m, n) = (a.nrows(), a.ncols());
    let par = faer::Par::Seq;
    let no = ComputeSvdVectors::No;
    let mut buf = MemBuffer::new(fsvd::svd_scratch::<f64>(m, n, no, no, par, params.into()));
    let mut s = faer::diag::Diag::<f64>::zeros(m.min(n));
    fsvd::svd(a, s.as_mut(), None, None, par, MemStack::new(&mut buf), params.into()).ok()?;
    Some(s.column_vector().iter().copied().collect())
}

/// R of a QR factorisation of `a` (m × n, m ≥ n) if faer's QR dropped no
/// column (see the module header).
fn full_rank_r(mut qr_mat: faer::Mat<f64>) -> Option<faer::Mat<f64>> {
    use faer::linalg::qr::no_pivoting::factor as qr;
    let (m, n) = (qr_mat.nrows(), qr_mat.ncols());
    let bs = qr::recommended_block_size::<f64>(m, n);
    let par = faer::Par::Seq;
    let mut coeff = faer::Mat::<f64>::zeros(bs, n);
    let mut buf = MemBuffer::new(qr::qr_in_place_scratch::<f64>(m, n, bs, par, Default::default()));
    let info = qr::qr_in_place(qr_mat.as_mut(), coeff.as_mut(), par, MemStack::new(&mut buf), Default::default());
    (info.rank == n).then(|| faer::Mat::from_fn(n, n, |i, j| if j >= i { qr_mat[(i, j)] } else { 0.0 }))
}

/// Singular values of `w` (any shape), descending, min(rows, cols) of them,
/// each within a few ε·σ₁ (see the module header). Non-finite entries give
/// an empty vector (callers report divergence separately).
pub fn singular_values(w: ArrayView2<f64>) -> Vec<f64> {
    if w.is_empty() || w.iter().any(|v| !v.is_finite()) {
        return Vec::new();
    }
    let tall_view = if w.nrows() >= w.ncols() { w } else { w.t() };
    let tall = tall_view.nrows() as f64 > 11.0 / 6.0 * tall_view.ncols() as f64;
    // A square R: faer bidiagonalises it directly.
    let target = match tall.then(|| full_rank_r(to_faer(tall_view))).flatten() {
        Some(r) => r,
        None => to_faer(tall_view),
    };
    let s = faer_singular_values(target.as_ref(), direct_params());
    let mut s = s.unwrap_or_default();
    s.sort_by(|a, b| b.total_cmp(a));
    s
}

/// A thin SVD w = U·diag(s)·Vᵀ with U (rows × r), s descending (r), V (cols × r), r = min(rows, cols).
#[derive(Debug, Clone)]
pub struct Svd {
    pub u: Array2<f64>,
    pub s: Vec<f64>,
    pub v: Array2<f64>,
}

/// Thin SVD of `w`; `None` if the entries are not finite or faer fails to converge.
pub fn thin_svd(w: ArrayView2<f64>) -> Option<Svd> {
    if w.is_empty() || w.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let a = to_faer(w);
    let (m, n) = (a.nrows(), a.ncols());
    let r = m.min(n);
    let (par, thin) = (faer::Par::Seq, ComputeSvdVectors::Thin);
    let params = direct_params();
    let mut buf = MemBuffer::new(fsvd::svd_scratch::<f64>(m, n, thin, thin, par, params.into()));
    let mut s_diag = faer::diag::Diag::<f64>::zeros(r);
    let (mut uf, mut vf) = (faer::Mat::<f64>::zeros(m, r), faer::Mat::<f64>::zeros(n, r));
    fsvd::svd(
        a.as_ref(),
        s_diag.as_mut(),
        Some(uf.as_mut()),
        Some(vf.as_mut()),
        par,
        MemStack::new(&mut buf),
        params.into(),
    )
    .ok()?;
    let mut order: Vec<usize> = (0..r).collect();
    let s_col = s_diag.column_vector();
    order.sort_by(|&a, &b| s_col[b].total_cmp(&s_col[a]));
    let u_all = from_faer(uf.as_ref());
    let v_all = from_faer(vf.as_ref());
    let u = Array2::from_shape_fn((u_all.nrows(), r), |(i, j)| u_all[[i, order[j]]]);
    let v = Array2::from_shape_fn((v_all.nrows(), r), |(i, j)| v_all[[i, order[j]]]);
    let s = order.iter().map(|&j| s_col[j]).collect();
    Some(Svd { u, s, v })
}

/// Numerical rank of a spectrum `s` (descending) of a rows × cols matrix:
/// the count of σᵢ > max(rows, cols)·ε·σ₁ (LAPACK/NumPy's `matrix_rank` default),
/// or `None` when a σᵢ lies within [`svd_error`] of that tolerance (then
/// [`numerical_rank_range`] gives the candidates).
pub fn numerical_rank(s: &[f64], rows: usize, cols: usize) -> Option<usize> {
    let (lo, hi) = numerical_rank_range(s, rows, cols);
    (lo == hi).then_some(lo)
}

/// The numerical ranks the spectrum allows given the SVD's rounding: (the
/// count of σᵢ above tolerance + error, the count above tolerance − error).
/// Equal when no σᵢ lies within [`svd_error`] of the tolerance.
pub fn numerical_rank_range(s: &[f64], rows: usize, cols: usize) -> (usize, usize) {
    let Some(&s1) = s.first() else { return (0, 0) };
    if s1 <= 0.0 {
        return (0, 0);
    }
    let (tol, err) = (rank_tolerance(s1, rows, cols), svd_error(s1, rows, cols));
    let count = |t: f64| s.iter().filter(|&&x| x > t).count();
    (count(tol + err), count((tol - err).max(0.0)))
}

/// How far a computed σᵢ may be from the exact singular value of the stored
/// matrix: 2·√max(rows, cols)·ε·σ₁ (the module header says where it comes from).
pub fn svd_error(sigma1: f64, rows: usize, cols: usize) -> f64 {
    2.0 * (rows.max(cols) as f64).sqrt() * f64::EPSILON * sigma1
}

/// The numerical-rank tolerance max(rows, cols)·ε·σ₁.
pub fn rank_tolerance(sigma1: f64, rows: usize, cols: usize) -> f64 {
    rows.max(cols) as f64 * f64::EPSILON * sigma1
}

/// Directions of a task's inputs with σᵢ at or below this fraction of σ₁ are
/// left out of the bases whose principal angles are measured.
pub const ANGLE_BASIS_REL_TOL: f64 = 1e-10;

/// Orthonormal basis (as columns, d × r) of the span of the *rows* of `x` (n × d),
/// keeping directions whose singular value exceeds `rel_tol`·σ₁.
pub fn row_space_basis(x: ArrayView2<f64>, rel_tol: f64) -> Array2<f64> {
    let Some(svd) = thin_svd(x) else {
        return Array2::zeros((x.ncols(), 0));
    };
    let s1 = svd.s.first().copied().unwrap_or(0.0);
    let r = svd.s.iter().filter(|&&s| s > rel_tol * s1 && s > 0.0).count();
    svd.v.slice(ndarray::s![.., ..r]).to_owned()
}

/// Principal angles (radians, ascending) between the spans of the rows of `a`
/// (n_a × d) and of `b` (n_b × d): arccos of the singular values of Q_AᵀQ_B.
/// There are min(rank A, rank B) of them.
pub fn principal_angles(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Vec<f64> {
    let rel = ANGLE_BASIS_REL_TOL;
    let qa = row_space_basis(a, rel);
    let qb = row_space_basis(b, rel);
    if qa.ncols() == 0 || qb.ncols() == 0 {
        return Vec::new();
    }
    let c = qa.t().dot(&qb);
    let mut angles: Vec<f64> = singular_values(c.view())
        .into_iter()
        .map(|s| libm::acos(s.clamp(0.0, 1.0)))
        .collect();
    angles.sort_by(|x, y| x.total_cmp(y));
    angles
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn diagonal_matrix_spectrum_is_sorted_abs_diagonal() {
        let w = array![[0.5, 0.0, 0.0], [0.0, -3.0, 0.0]];
        let s = singular_values(w.view());
        assert_eq!(s.len(), 2);
        assert!((s[0] - 3.0).abs() < 1e-14 && (s[1] - 0.5).abs() < 1e-14, "{s:?}");
    }

    #[test]
    fn thin_svd_reconstructs() {
        let w = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.5], [-1.0, 0.3, 2.0], [0.0, 1.0, -1.0]];
        let svd = thin_svd(w.view()).unwrap();
        let mut us = svd.u.clone();
        for (j, s) in svd.s.iter().enumerate() {
            us.column_mut(j).mapv_inplace(|v| v * s);
        }
        let back = us.dot(&svd.v.t());
        let err = (&back - &w).mapv(|v| v * v).sum().sqrt();
        assert!(err < 1e-12, "{err}");
        assert!(svd.s.windows(2).all(|p| p[0] >= p[1]));
    }

    #[test]
    fn small_singular_values_survive() {
        // diag(1, 1e-10) rotated: a Gram-matrix method would lose the second value.
        let (c, s) = (0.6, 0.8);
        let w = array![[c * 1.0, -s * 1e-10], [s * 1.0, c * 1e-10]];
        let sv = singular_values(w.view());
        assert!((sv[1] / 1e-10 - 1.0).abs() < 1e-6, "{sv:?}");
    }

    /// The precision the live spectrum chart relies on: a 64×48 matrix
    /// U·diag(σ)·Vᵀ with σ from 1 down to 1e-12 (geometric), U and V
    /// orthonormal; every σᵢ ≥ 1e-10 comes back to 1e-6 relative, every σᵢ
    /// to 1e-14 absolute (≈ 50ε·σ₁; a Gram-matrix route would be at ~1e-8).
    #[test]
    fn spectrum_spanning_twelve_decades_is_accurate() {
        let (m, n) = (64, 48);
        let q = |rows: usize, cols: usize, stream: u64| {
            let mut rng = crate::rng::seeded(7, stream);
            let r = Array2::from_shape_fn((rows, cols), |_| crate::rng::normal(&mut rng));
            thin_svd(r.view()).expect("svd").u
        };
        let (u, v) = (q(m, n, 1), q(n, n, 2));
        let sigma: Vec<f64> = (0..n).map(|i| 10f64.powf(-12.0 * i as f64 / (n - 1) as f64)).collect();
        let us = Array2::from_shape_fn((m, n), |(i, j)| u[[i, j]] * sigma[j]);
        let w = us.dot(&v.t());
        let got = singular_values(w.view());
        for (i, (&g, &want)) in got.iter().zip(&sigma).enumerate() {
            assert!((g - want).abs() < 1e-14, "σ_{i}: {g:e} vs {want:e}");
            if want >= 1e-10 {
                assert!((g / want - 1.0).abs() < 1e-6, "σ_{i}: {g:e} vs {want:e}");
            }
        }
    }

    /// Sylvester's Hadamard matrix of order n (a power of 2), ±1 entries.
    fn hadamard(n: usize) -> Array2<f64> {
        let mut h = Array2::from_elem((1, 1), 1.0);
        while h.nrows() < n {
            let k = h.nrows();
            h = Array2::from_shape_fn((2 * k, 2 * k), |(i, j)| {
                if i >= k && j >= k {
                    -h[[i % k, j % k]]
                } else {
                    h[[i % k, j % k]]
                }
            });
        }
        h
    }

    /// A 64 × 16 matrix with exactly known singular values (1, σ₂, σ₂/2, 0, …):
    /// U = columns of H₆₄/8, V = H₁₆/4 (exactly orthonormal), and with σ₂ a power
    /// of two every entry ±1/32 ± σ₂/32 ± σ₂/64 is a double, so W = U·diag(σ)·Vᵀ
    /// is stored exactly.
    fn exact_rank_one_plus(sigma2: f64) -> Array2<f64> {
        let (hm, hn) = (hadamard(64) / 8.0, hadamard(16) / 4.0);
        let sig = [1.0, sigma2, sigma2 / 2.0];
        Array2::from_shape_fn((64, 16), |(i, j)| (0..3).map(|k| hm[[i, k + 3]] * sig[k] * hn[[j, k]]).sum::<f64>())
    }

    /// faer's own SVD of this tall matrix goes through its QR, which drops σ₃
    /// to 0 and moves σ₂ = 2⁻⁴⁹ = 1.78e-15 to 2.41e-15; ours keeps both within ε/4
    /// (measured: 2.4e-18 and 1.2e-17).
    #[test]
    fn small_singular_values_of_a_tall_matrix_are_exact_to_rounding() {
        let s2 = 2f64.powi(-49);
        let w = exact_rank_one_plus(s2);
        let s = singular_values(w.view());
        assert!((s[0] - 1.0).abs() < 4.0 * f64::EPSILON, "{s:?}");
        let close = |a: f64, b: f64| (a - b).abs() < 0.25 * f64::EPSILON;
        assert!(close(s[1], s2) && close(s[2], s2 / 2.0), "{s:?}");
        assert!(s[3..].iter().all(|&v| v < 1e-16), "{s:?}");
        assert_eq!(numerical_rank(&s, 64, 16), Some(1));
        assert_eq!(numerical_rank_range(&s, 64, 16), (1, 1));
    }

    /// σ₂ exactly at the tolerance 64·ε·σ₁ = 2⁻⁴⁶: rounding decides, so the rank is reported as 1 or 2.
    #[test]
    fn a_value_at_the_tolerance_makes_the_rank_ambiguous() {
        let tol = rank_tolerance(1.0, 64, 16);
        assert_eq!(tol, 2f64.powi(-46));
        let s = singular_values(exact_rank_one_plus(tol).view());
        assert!((s[1] - tol).abs() < svd_error(s[0], 64, 16), "{s:?}");
        assert_eq!(numerical_rank(&s, 64, 16), None);
        assert_eq!(numerical_rank_range(&s, 64, 16), (1, 2));
        // Far from it either way, the rank is decided.
        assert_eq!(numerical_rank(&[1.0, 1e-10, 1e-17], 64, 16), Some(2));
        assert_eq!(numerical_rank(&[], 3, 3), Some(0));
        assert_eq!(numerical_rank(&[0.0, 0.0], 2, 2), Some(0));
    }

    #[test]
    fn principal_angles_of_tilted_planes() {
        let phi: f64 = 0.3;
        let a = array![[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]];
        let b = array![[phi.cos(), 0.0, phi.sin(), 0.0], [0.0, 1.0, 0.0, 0.0]];
        let ang = principal_angles(a.view(), b.view());
        assert_eq!(ang.len(), 2);
        assert!(ang[0].abs() < 1e-7 && (ang[1] - phi).abs() < 1e-12, "{ang:?}");
    }

    #[test]
    fn non_finite_gives_empty() {
        let w = array![[f64::NAN, 1.0]];
        assert!(singular_values(w.view()).is_empty());
        assert!(thin_svd(w.view()).is_none());
    }
}
