//! The linear merges.
//!
//! - `sum` (the paper's, Kuzborskij & Abbasi-Yadkori 2026): trained layers
//!   added, W_k = Σ_t W_k^t; fixed layers (e.g. the shallow setting's
//!   ±1/√m output layer) copied once, not added;
//! - `mean`: trained layers averaged, (1/K)Σ_t W_k^t;
//! - `task_arithmetic`: θ₀ + α·Σ_t (θ_t − θ₀) from the shared initialisation
//!   θ₀ (Ilharco et al. 2023, "Editing models with task arithmetic").
//!
//! Frozen layers (not trained, not the fixed output) are copied from the first net.

use crate::net::Net;

/// Σ_t θ_t on trained layers.
pub fn sum(nets: &[&Net]) -> Net {
    add_up(nets, false)
}

/// (1/K)·Σ_t θ_t on trained layers.
pub fn mean(nets: &[&Net]) -> Net {
    add_up(nets, true)
}

fn add_up(nets: &[&Net], average: bool) -> Net {
    let k = nets.len() as f64;
    let mut out = nets[0].clone();
    for l in (0..out.depth()).filter(|&l| out.trained[l]) {
        let (w, b) = (&mut out.params.w[l], &mut out.params.b[l]);
        w.fill(0.0);
        b.fill(0.0);
        for net in nets {
            *w += &net.params.w[l];
            *b += &net.params.b[l];
        }
        if average {
            *w /= k;
            *b /= k;
        }
    }
    out
}

/// θ₀ + α·Σ_t (θ_t − θ₀) on trained layers.
pub fn task_arithmetic(nets: &[&Net], init: &Net, alpha: f64) -> Net {
    let mut out = nets[0].clone();
    for l in (0..out.depth()).filter(|&l| out.trained[l]) {
        let (w, b) = (&mut out.params.w[l], &mut out.params.b[l]);
        w.assign(&init.params.w[l]);
        b.assign(&init.params.b[l]);
        for net in nets {
            w.scaled_add(alpha, &(&net.params.w[l] - &init.params.w[l]));
            b.scaled_add(alpha, &(&net.params.b[l] - &init.params.b[l]));
        }
    }
    out
}
