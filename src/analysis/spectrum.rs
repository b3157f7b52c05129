//! Singular values and subspaces, through `faer` (pure Rust, compiles to wasm32).
//!
//! Singular values come from a full bidiagonalisation SVD of W itself, never
//! from eigenvalues of the Gram matrix WᵀW: the Gram route squares the
//! condition number and loses every σᵢ below about 1e-8·σ₁, exactly the
//! small values a log-scale spectrum shows.

use ndarray::{Array2, ArrayView2};

fn to_faer(w: ArrayView2<f64>) -> faer::Mat<f64> {
    faer::Mat::from_fn(w.nrows(), w.ncols(), |i, j| w[[i, j]])
}

fn from_faer(m: faer::MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// Singular values of `w` (any shape), descending, min(rows, cols) of them.
/// Non-finite entries give an empty vector (callers report divergence separately).
pub fn singular_values(w: ArrayView2<f64>) -> Vec<f64> {
    if w.is_empty() || w.iter().any(|v| !v.is_finite()) {
        return Vec::new();
    }
    let mut s = to_faer(w).singular_values().unwrap_or_default();
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
    let svd = to_faer(w).thin_svd().ok()?;
    let s_diag = svd.S();
    let r = s_diag.dim();
    let mut order: Vec<usize> = (0..r).collect();
    let s_col = s_diag.column_vector();
    order.sort_by(|&a, &b| s_col[b].total_cmp(&s_col[a]));
    let u_all = from_faer(svd.U());
    let v_all = from_faer(svd.V());
    let u = Array2::from_shape_fn((u_all.nrows(), r), |(i, j)| u_all[[i, order[j]]]);
    let v = Array2::from_shape_fn((v_all.nrows(), r), |(i, j)| v_all[[i, order[j]]]);
    let s = order.iter().map(|&j| s_col[j]).collect();
    Some(Svd { u, s, v })
}

/// Numerical rank of a spectrum `s` (descending) of a rows × cols matrix:
/// the count of σᵢ > max(rows, cols)·ε·σ₁ (LAPACK/NumPy's `matrix_rank` default).
pub fn numerical_rank(s: &[f64], rows: usize, cols: usize) -> usize {
    let Some(&s1) = s.first() else { return 0 };
    let tol = rank_tolerance(s1, rows, cols);
    s.iter().filter(|&&x| x > tol).count()
}

/// The numerical-rank tolerance max(rows, cols)·ε·σ₁.
pub fn rank_tolerance(sigma1: f64, rows: usize, cols: usize) -> f64 {
    rows.max(cols) as f64 * f64::EPSILON * sigma1
}

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
    let rel = 1e-10;
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
