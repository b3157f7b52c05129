//! DARE, Drop And REscale (Yu, Yu, Yu, Huang & Li 2024, "Language Models are
//! Super Mario: Absorbing Abilities from Homologous Models as a Free Lunch",
//! ICML 2024), followed by task arithmetic as in the paper.
//!
//! Each task vector τ_t = θ_t − θ₀ keeps each trained entry with probability
//! 1 − p and is rescaled: τ̃_t = (m_t ⊙ τ_t)/(1 − p), m_t,i ∈ {0, 1}; then
//! θ = θ₀ + α·Σ_t τ̃_t. E[τ̃_t] = τ_t, so over masks DARE is task arithmetic
//! on average, and at p = 0 it is task arithmetic exactly.
//!
//! Masks: a ChaCha8 generator seeded with `merge.dare_seed` on the stream
//! `rng::stream::DARE`, one uniform u per entry, task by task, in the flat
//! order of `task_vector` (trained layers, W row-major then b); the entry
//! is kept iff u ≥ p. Same seed, same masks, on every target.

use super::task_vector::{add_flat, flatten, task_vector};
use crate::net::Net;
use crate::rng;
use serde::{Deserialize, Serialize};

/// What DARE kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DareInfo {
    /// Trained entries P per task vector.
    pub entries: usize,
    /// Entries kept, per task.
    pub kept: Vec<usize>,
}

/// The dropped and rescaled task vectors (τ̃_t, flat) for drop rate `p` and mask seed `seed`.
pub fn drop_and_rescale(tvs: &[Vec<f64>], p: f64, seed: u64) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut r = rng::seeded(seed, rng::stream::DARE);
    let scale = 1.0 / (1.0 - p);
    let mut kept = Vec::with_capacity(tvs.len());
    let out = tvs
        .iter()
        .map(|tv| {
            let mut n = 0;
            let v = tv
                .iter()
                .map(|&x| {
                    if rng::uniform(&mut r) >= p {
                        n += 1;
                        x * scale
                    } else {
                        0.0
                    }
                })
                .collect();
            kept.push(n);
            v
        })
        .collect();
    (out, kept)
}

/// DARE-merge `nets` from their shared initialisation `init`.
pub fn dare(nets: &[&Net], init: &Net, p: f64, seed: u64, alpha: f64) -> (Net, DareInfo) {
    let tvs: Vec<Vec<f64>> = nets.iter().map(|n| flatten(&task_vector(n, init), &n.trained)).collect();
    let (dropped, kept) = drop_and_rescale(&tvs, p, seed);
    let entries = tvs.first().map_or(0, Vec::len);
    // Task by task, as task_arithmetic adds them: at p = 0 the two agree bit for bit.
    let mut out = init.clone();
    for v in &dropped {
        out = add_flat(&out, alpha, v);
    }
    (out, DareInfo { entries, kept })
}
