//! TIES-merging (Yadav, Tam, Choshen, Raffel & Bansal 2023, "TIES-Merging:
//! Resolving Interference When Merging Models", NeurIPS 2023).
//!
//! With task vectors τ_t = θ_t − θ₀ over every trained entry p (flattened
//! across layers, as the paper trims the whole vector):
//!
//! 1. Trim: keep the ⌈k·P/100⌉ entries of τ_t with the largest |τ_t,p| (ties
//!    broken by flat index, lower first), zero the rest: τ̂_t.
//! 2. Elect: γ_p = sgn(Σ_t τ̂_t,p), the sign with the larger total mass.
//! 3. Disjoint mean: τ_m,p = (1/|A_p|)·Σ_{t∈A_p} τ̂_t,p over A_p = {t : τ̂_t,p ≠ 0,
//!    sgn τ̂_t,p = γ_p}; 0 where A_p is empty or γ_p = 0.
//! 4. θ = θ₀ + α·τ_m (the paper's λ is our `merge.alpha`; it recommends 1).
//!
//! Closed form checked in tests: with k = 100% and no sign conflict,
//! τ_m = (1/K)Σ_t τ_t, i.e. task arithmetic with α/K.

use super::task_vector::{add_flat, flatten, task_vector};
use crate::net::Net;
use serde::{Deserialize, Serialize};

/// What TIES did: how much it trimmed and how many entries had a sign conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TiesInfo {
    /// Trained entries P per task vector.
    pub entries: usize,
    /// Entries kept per task vector, ⌈k·P/100⌉.
    pub kept: usize,
    /// Entries whose kept values have both signs (resolved by the election).
    pub conflicts: usize,
    /// Entries left at θ₀ (no task kept a value there, or the kept values cancel).
    pub untouched: usize,
}

/// Indices of the `keep` largest |v|, as a mask (ties: lower index first).
fn top_mask(v: &[f64], keep: usize) -> Vec<bool> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    // A total order (ties broken by index), so an unstable sort is deterministic.
    idx.sort_unstable_by(|&i, &j| v[j].abs().total_cmp(&v[i].abs()).then(i.cmp(&j)));
    let mut mask = vec![false; v.len()];
    for &i in idx.iter().take(keep) {
        mask[i] = true;
    }
    mask
}

/// The TIES merged vector τ_m from task vectors (each of the same length), and its info.
pub fn merge_vectors(tvs: &[Vec<f64>], k_percent: f64) -> (Vec<f64>, TiesInfo) {
    let p = tvs.first().map_or(0, Vec::len);
    let keep = ((k_percent / 100.0 * p as f64).ceil() as usize).clamp(usize::from(p > 0), p);
    let trimmed: Vec<Vec<f64>> = tvs
        .iter()
        .map(|tv| {
            let mask = top_mask(tv, keep);
            tv.iter().zip(mask).map(|(&x, m)| if m { x } else { 0.0 }).collect()
        })
        .collect();
    let (mut conflicts, mut untouched) = (0, 0);
    let merged = (0..p)
        .map(|i| {
            let total: f64 = trimmed.iter().map(|t| t[i]).sum();
            let (pos, neg) = trimmed
                .iter()
                .fold((false, false), |(pos, neg), t| (pos || t[i] > 0.0, neg || t[i] < 0.0));
            if pos && neg {
                conflicts += 1;
            }
            let elected = if total > 0.0 {
                1.0
            } else if total < 0.0 {
                -1.0
            } else {
                0.0
            };
            let agree: Vec<f64> = trimmed
                .iter()
                .map(|t| t[i])
                .filter(|&x| x != 0.0 && x.signum() == elected)
                .collect();
            if elected == 0.0 || agree.is_empty() {
                untouched += 1;
                0.0
            } else {
                agree.iter().sum::<f64>() / agree.len() as f64
            }
        })
        .collect();
    (
        merged,
        TiesInfo {
            entries: p,
            kept: keep,
            conflicts,
            untouched,
        },
    )
}

/// TIES-merge `nets` from their shared initialisation `init`.
pub fn ties(nets: &[&Net], init: &Net, k_percent: f64, alpha: f64) -> (Net, TiesInfo) {
    let tvs: Vec<Vec<f64>> = nets.iter().map(|n| flatten(&task_vector(n, init), &n.trained)).collect();
    let (merged, info) = merge_vectors(&tvs, k_percent);
    (add_flat(init, alpha, &merged), info)
}
