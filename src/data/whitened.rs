//! The `whitened` generator: one regression task with whitened inputs.
//!
//! X = √n·Q, where Q (n × d, n ≥ d) has orthonormal columns obtained from a
//! Gaussian matrix G (n × d) by modified Gram–Schmidt applied twice ("twice
//! is enough": orthogonality to a few ulps). Hence XᵀX = n·I. Targets are
//! Y = X·W*ᵀ with W* (out_dim × d) of i.i.d. N(0, 1/d) entries, so the
//! least-squares map is YᵀX/n = W*·(XᵀX/n) = W*: the setting where the
//! weight-decay solution has a closed form in the singular values of W*.
//! For the logistic loss (out_dim = 1) the targets are sign(X·W*ᵀ) (0 → +1).
//!
//! Gram–Schmidt runs in plain loops rather than through an SVD library so the
//! bits do not depend on a target's SIMD paths.
//!
//! Draws: G row-major (n·d normals), then W* row-major (out_dim·d normals).

use ndarray::Array2;

use super::task_name;
use super::Task;
use crate::config::{DataConfig, Loss};
use crate::rng::{self, LabRng};

/// The single whitened task "a".
pub(super) fn generate(dc: &DataConfig, loss: Loss, r: &mut LabRng) -> Task {
    let (n, d, out) = (dc.n, dc.d, dc.out_dim);
    // Columns of G, each a contiguous n-vector, filled from G's row-major draws.
    let mut cols = vec![vec![0.0; n]; d];
    for i in 0..n {
        for col in cols.iter_mut() {
            col[i] = rng::normal(r);
        }
    }
    orthonormalise(&mut cols);
    let sn = libm::sqrt(n as f64);
    let x = Array2::from_shape_fn((n, d), |(i, j)| sn * cols[j][i]);

    let scale = 1.0 / libm::sqrt(d as f64);
    let mut w = Array2::<f64>::zeros((out, d));
    for v in w.iter_mut() {
        *v = rng::normal(r) * scale;
    }
    let mut y = Array2::<f64>::zeros((n, out));
    for i in 0..n {
        for o in 0..out {
            let mut t = 0.0;
            for j in 0..d {
                t += x[[i, j]] * w[[o, j]];
            }
            y[[i, o]] = match loss {
                Loss::Squared => t,
                Loss::Logistic => {
                    if t < 0.0 {
                        -1.0
                    } else {
                        1.0
                    }
                }
            };
        }
    }
    Task {
        name: task_name(0),
        x,
        y,
        planar: None,
    }
}

/// Modified Gram–Schmidt, two passes per vector, on `cols` (k vectors of length n, k ≤ n).
fn orthonormalise(cols: &mut [Vec<f64>]) {
    for j in 0..cols.len() {
        let (done, rest) = cols.split_at_mut(j);
        let v = &mut rest[0];
        for _pass in 0..2 {
            for p in done.iter() {
                let dot: f64 = p.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
                for (e, a) in v.iter_mut().zip(p.iter()) {
                    *e -= dot * a;
                }
            }
        }
        let norm = libm::sqrt(v.iter().map(|e| e * e).sum::<f64>());
        if norm > 0.0 && norm.is_finite() {
            for e in v.iter_mut() {
                *e /= norm;
            }
        }
    }
}
