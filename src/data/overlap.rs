//! How much two tasks overlap, measured on their inputs.
//!
//! For tasks a and b with inputs X_a (n_a × d) and X_b (n_b × d):
//!
//! * max and mean over all pairs (x ∈ X_a, x' ∈ X_b) of |⟨x, x'⟩| — the
//!   sample-level overlap that decides whether a net trained on a reacts to b;
//! * the principal angles between the row spans span(X_a) and span(X_b) —
//!   the subspace-level overlap: all 90° means a's net, whose first-layer rows
//!   weight decay drives into span(X_a), is blind to b's inputs, which is what
//!   makes merging by adding weights work.
//!
//! Inner products are computed in chunks of rows (no n_a × n_b matrix is held).
//! Principal angles use `analysis::spectrum` (row bases with relative
//! tolerance 1e-10, then arccos of the singular values of Q_aᵀQ_b); each
//! task's basis is computed once. These statistics are diagnostics, not data:
//! they are not part of the data hash and need not be bit-identical across targets.

use ndarray::{s, Array2};
use serde::{Deserialize, Serialize};

use super::Task;
use crate::analysis::spectrum::{row_space_basis, singular_values};

/// Relative singular-value tolerance for the row-space bases (as in `principal_angles`).
const BASIS_REL_TOL: f64 = crate::analysis::spectrum::ANGLE_BASIS_REL_TOL;
/// Rows of X_a per chunk of inner products.
const CHUNK: usize = 256;

/// Overlap of every unordered pair of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlapStats {
    /// One entry per pair i < j, in order (a,b), (a,c), …, (b,c), …; empty for one task.
    pub pairs: Vec<PairOverlap>,
}

/// Overlap of tasks `a` and `b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairOverlap {
    /// Name of the first task.
    pub a: String,
    /// Name of the second task.
    pub b: String,
    /// max over x ∈ X_a, x' ∈ X_b of |⟨x, x'⟩|.
    pub max_abs_inner: f64,
    /// Mean over the n_a·n_b pairs of |⟨x, x'⟩|.
    pub mean_abs_inner: f64,
    /// Principal angles between span(X_a) and span(X_b) (row spans), degrees,
    /// ascending; min(rank X_a, rank X_b) of them.
    pub principal_angles_deg: Vec<f64>,
}

/// Overlap statistics of every pair of `tasks` (all with the same d).
pub fn overlap_stats(tasks: &[Task]) -> OverlapStats {
    if tasks.len() < 2 {
        return OverlapStats { pairs: Vec::new() };
    }
    let bases: Vec<Array2<f64>> = tasks.iter().map(|t| row_space_basis(t.x.view(), BASIS_REL_TOL)).collect();
    let mut pairs = Vec::with_capacity(tasks.len() * (tasks.len() - 1) / 2);
    for i in 0..tasks.len() {
        for j in i + 1..tasks.len() {
            let (max_abs_inner, mean_abs_inner) = inner_stats(&tasks[i].x, &tasks[j].x);
            pairs.push(PairOverlap {
                a: tasks[i].name.clone(),
                b: tasks[j].name.clone(),
                max_abs_inner,
                mean_abs_inner,
                principal_angles_deg: angles_deg(&bases[i], &bases[j]),
            });
        }
    }
    OverlapStats { pairs }
}

/// (max, mean) of |⟨x, x'⟩| over rows x of `xa`, x' of `xb`; (0, 0) if either is empty.
fn inner_stats(xa: &Array2<f64>, xb: &Array2<f64>) -> (f64, f64) {
    let (na, nb) = (xa.nrows(), xb.nrows());
    if na == 0 || nb == 0 {
        return (0.0, 0.0);
    }
    let xbt = xb.t();
    let mut max = 0.0f64;
    let mut sum = 0.0;
    let mut start = 0;
    while start < na {
        let end = (start + CHUNK).min(na);
        let g = xa.slice(s![start..end, ..]).dot(&xbt);
        for v in g.iter() {
            let a = v.abs();
            max = max.max(a);
            sum += a;
        }
        start = end;
    }
    (max, sum / (na as f64 * nb as f64))
}

/// Principal angles in degrees, ascending, between the spans of the columns of `qa` and `qb`.
fn angles_deg(qa: &Array2<f64>, qb: &Array2<f64>) -> Vec<f64> {
    if qa.ncols() == 0 || qb.ncols() == 0 {
        return Vec::new();
    }
    let c = qa.t().dot(qb);
    let mut deg: Vec<f64> = singular_values(c.view())
        .into_iter()
        .map(|s| libm::acos(s.clamp(0.0, 1.0)) * (180.0 / std::f64::consts::PI))
        .collect();
    deg.sort_by(|x, y| x.total_cmp(y));
    deg
}
