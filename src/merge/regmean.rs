//! RegMean, regression mean (Jin, Ren, Preotiuc-Pietro & Cheng 2023,
//! "Dataless Knowledge Fusion by Merging Weights of Language Models", ICLR 2023).
//!
//! Per trained layer k, with Aᵢ (nᵢ × fan_in) the inputs of layer k in net i
//! on task i's own data (Xᵢ for k = 1, net i's hidden activations after
//! layer k − 1 otherwise) and Gᵢ = AᵢᵀAᵢ their Gram matrix, RegMean picks
//! the W that best reproduces every net's layer outputs on its own inputs:
//!
//!   W = argmin Σᵢ ‖Aᵢ Wᵀ − Aᵢ Wᵢᵀ‖²_F  ⇒  Wᵀ = (Σᵢ Gᵢ + εI)⁻¹ Σᵢ Gᵢ Wᵢᵀ,
//!
//! the paper's W = (Σᵢ Gᵢ)⁻¹ Σᵢ Gᵢ Wᵢ in our (fan_out × fan_in) orientation.
//! Σᵢ Gᵢ is singular whenever the tasks' inputs do not span fan_in (n < d),
//! so we add a ridge ε = `merge.regmean_ridge`·λ_max(Σᵢ Gᵢ) (default 1e-12:
//! a relative change of ε/g ≤ 1e-12·cond² on a direction of eigenvalue g).
//! The paper instead shrinks Gᵢ's off-diagonal entries by a factor α < 1;
//! we do not (at α = 1 the two agree up to ε).
//!
//! Computed without forming Gᵢ: with A = [A₁; …; A_K] stacked and
//! Y = [A₁W₁ᵀ; …; A_KW_Kᵀ], Σ Gᵢ = AᵀA and Σ GᵢWᵢᵀ = AᵀY, so from the thin
//! SVD A = USVᵀ, Wᵀ = V·diag(σⱼ/(σⱼ² + ε))·UᵀY. Directions outside the row
//! span of A get exactly 0, and directions with σⱼ at rounding level
//! (≤ max(N, fan_in)·ε_mach·σ₁, the numerical-rank tolerance) are dropped
//! as at ε = 0 (the pseudo-inverse). A bias is fitted as one more input
//! column of ones.
//!
//! Closed form (derived here, tested): if the tasks' inputs span orthogonal
//! subspaces, Σ Gᵢ is block diagonal and, at ε = 0, W₁ = Σᵢ Wᵢ Pᵢ with Pᵢ the
//! projector on span(Xᵢ): the sum of the span-projected task weights. Once
//! weight decay has confined each W₁ⁱ to span(Xᵢ) (Wᵢ Pᵢ = Wᵢ) that is the
//! paper's sum.

use crate::analysis::spectrum;
use crate::net::Net;
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// What RegMean solved, per trained layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegmeanLayer {
    /// 1-based layer index.
    pub layer: usize,
    /// Directions of Σ Gᵢ used (its numerical rank).
    pub rank: usize,
    /// Input dimension of the layer (fan_in, plus one with a bias).
    pub dim: usize,
    /// The absolute ridge ε added to Σ Gᵢ.
    pub ridge: f64,
}

/// The row blocks `parts` stacked (all of one width), with a column of ones appended if `ones`.
fn stack(parts: &[Array2<f64>], ones: bool) -> Array2<f64> {
    let width = parts[0].ncols();
    let rows = parts.iter().map(|p| p.nrows()).sum();
    let mut out = Array2::ones((rows, width + usize::from(ones)));
    let mut r = 0;
    for p in parts {
        out.slice_mut(s![r..r + p.nrows(), ..width]).assign(p);
        r += p.nrows();
    }
    out
}

/// The RegMean merge of `nets`, net i's layer inputs coming from `inputs[i]`
/// (task i's X, n_i × d); `ridge` is relative to λ_max(Σ Gᵢ).
pub fn regmean(nets: &[&Net], inputs: &[ArrayView2<f64>], ridge: f64) -> (Net, Vec<RegmeanLayer>) {
    let mut out = nets[0].clone();
    let bias = out.has_bias();
    let mut acts: Vec<Array2<f64>> = inputs.iter().map(|x| x.to_owned()).collect();
    let mut info = Vec::new();
    for l in 0..out.depth() {
        if out.trained[l] {
            let a = stack(&acts, bias);
            let outs: Vec<Array2<f64>> = acts
                .iter()
                .zip(nets)
                .map(|(x, n)| {
                    let mut z = x.dot(&n.params.w[l].t());
                    if bias {
                        z += &n.params.b[l];
                    }
                    z
                })
                .collect();
            let y = stack(&outs, false);
            let (wt, layer) = solve(a.view(), y.view(), ridge);
            let fan_in = out.params.w[l].ncols();
            out.params.w[l].assign(&wt.slice(s![..fan_in, ..]).t());
            if bias {
                out.params.b[l].assign(&wt.row(fan_in));
            }
            info.push(RegmeanLayer { layer: l + 1, ..layer });
        }
        if l + 1 < out.depth() {
            // Each net's own activations feed its next layer's Gram matrix.
            for (x, n) in acts.iter_mut().zip(nets) {
                let mut z = x.dot(&n.params.w[l].t());
                if bias {
                    z += &n.params.b[l];
                }
                z.mapv_inplace(|v| n.act.value(v));
                *x = z;
            }
        }
    }
    (out, info)
}

/// Wᵀ = V·diag(σ/(σ² + ε))·UᵀY for A = USVᵀ (N × dim), Y (N × out); returns (dim × out, info).
fn solve(a: ArrayView2<f64>, y: ArrayView2<f64>, ridge: f64) -> (Array2<f64>, RegmeanLayer) {
    let dim = a.ncols();
    let Some(svd) = spectrum::thin_svd(a) else {
        let nan = Array2::from_elem((dim, y.ncols()), f64::NAN);
        return (
            nan,
            RegmeanLayer {
                layer: 0,
                rank: 0,
                dim,
                ridge: f64::NAN,
            },
        );
    };
    let s1 = svd.s.first().copied().unwrap_or(0.0);
    let eps = ridge * s1 * s1;
    let tol = spectrum::rank_tolerance(s1, a.nrows(), dim);
    let rank = svd.s.iter().filter(|&&s| s > tol && s > 0.0).count();
    let uty = svd.u.slice(s![.., ..rank]).t().dot(&y);
    let mut v = svd.v.slice(s![.., ..rank]).to_owned();
    for (j, mut col) in v.columns_mut().into_iter().enumerate() {
        let c = svd.s[j] / (svd.s[j] * svd.s[j] + eps);
        col *= c;
    }
    (
        v.dot(&uty),
        RegmeanLayer {
            layer: 0,
            rank,
            dim,
            ridge: eps,
        },
    )
}
