//! The spectral merge: each net's trained layers truncated to their top-r
//! singular directions, then summed like the paper's `sum`:
//!
//!   W_k = Σ_t [W_k^t]_r,   [W]_r = Σ_{i≤r} σᵢ uᵢvᵢᵀ (the best rank-r approximation,
//!   Eckart–Young), biases summed unchanged, fixed layers copied once.
//!
//! Why (derived here): weight decay makes each W_k^t low-rank (a sum of n
//! rank-one terms at a stationary point), so its top directions carry the
//! task, and the small ones are mostly what decay has not yet removed; cutting
//! them before summing can only remove cross-talk that lives there. The same
//! idea, truncating task matrices before adding them, is in e.g. Gargiulo et
//! al. 2025 ("Task Singular Vectors", CVPR 2025); here it is applied to the
//! weights, as the paper's merge adds weights.
//!
//! r per net and layer: `merge.spectral_rank` if it is ≥ 1, else the rank rule
//! "the smallest r with Σ_{i≤r}σᵢ² ≥ e·Σσᵢ²", e = `merge.spectral_energy`.
//! When r ≥ min(rows, cols) the layer is kept whole, bit for bit (so at full
//! rank the spectral merge is the sum exactly, without SVD rounding).

use crate::analysis::spectrum;
use crate::net::Net;
use ndarray::Array2;

/// How the rank of each layer is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RankRule {
    /// r singular directions per layer.
    Fixed(usize),
    /// The fewest directions holding this fraction of Σσᵢ².
    Energy(f64),
}

/// The r the rule picks for spectrum `s` (descending).
pub fn rank_for(s: &[f64], rule: RankRule) -> usize {
    match rule {
        RankRule::Fixed(r) => r.min(s.len()),
        RankRule::Energy(e) => {
            let total: f64 = s.iter().map(|x| x * x).sum();
            if total <= 0.0 {
                return 0;
            }
            let mut acc = 0.0;
            for (i, x) in s.iter().enumerate() {
                acc += x * x;
                if acc >= e * total {
                    return i + 1;
                }
            }
            s.len()
        }
    }
}

/// [W]_r and the r used (min(rows, cols) when kept whole).
pub fn truncate(w: &Array2<f64>, rule: RankRule) -> (Array2<f64>, usize) {
    let full = w.nrows().min(w.ncols());
    if let RankRule::Fixed(r) = rule {
        if r >= full {
            return (w.clone(), full);
        }
    }
    let Some(svd) = spectrum::thin_svd(w.view()) else {
        // Non-finite weights: nothing to truncate; keep them so the failure shows.
        return (w.clone(), full);
    };
    let r = rank_for(&svd.s, rule);
    if r >= full {
        return (w.clone(), full);
    }
    let mut out = Array2::zeros(w.raw_dim());
    for i in 0..r {
        let (u, v) = (svd.u.column(i), svd.v.column(i));
        for (a, &ua) in u.iter().enumerate() {
            let c = svd.s[i] * ua;
            for (b, &vb) in v.iter().enumerate() {
                out[[a, b]] += c * vb;
            }
        }
    }
    (out, r)
}

/// The spectral merge of `nets`, and the rank kept per net and layer (0 for untrained layers).
pub fn spectral(nets: &[&Net], rule: RankRule) -> (Net, Vec<Vec<usize>>) {
    let mut out = nets[0].clone();
    let mut ranks = vec![vec![0; out.depth()]; nets.len()];
    for l in (0..out.depth()).filter(|&l| out.trained[l]) {
        let (w, b) = (&mut out.params.w[l], &mut out.params.b[l]);
        w.fill(0.0);
        b.fill(0.0);
        for (t, net) in nets.iter().enumerate() {
            let (wt, r) = truncate(&net.params.w[l], rule);
            *w += &wt;
            *b += &net.params.b[l];
            ranks[t][l] = r;
        }
    }
    (out, ranks)
}
