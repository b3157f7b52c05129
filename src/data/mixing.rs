//! The `mixing` generator: tasks with a tunable overlap ρ.
//!
//! The d coordinates are split into K + 1 contiguous blocks as for `blocks`
//! (block 0 shared, block k private to task k, k = 1..=K; needs d > K). Each
//! input is
//!
//!   x = √ρ·s + √(1−ρ)·p,
//!
//! with s a unit-norm Gaussian vector on the shared block and p a unit-norm
//! Gaussian vector on the task's private block. s ⟂ p, so ‖x‖ = 1 up to
//! rounding, and for inputs of different tasks ⟨x, x'⟩ = ρ·⟨s, s'⟩: ρ = 0
//! gives exactly orthogonal tasks, ρ = 1 makes every task live in the shared
//! block. With a fixed seed the draws do not depend on ρ, so every |⟨x, x'⟩|
//! scales exactly linearly in ρ.
//!
//! Draws: task by task, row by row, the shared block's normals, then the
//! private block's normals.

use ndarray::Array2;

use super::blocks::split;
use super::unit_gaussian;
use crate::config::DataConfig;
use crate::rng::LabRng;

/// Inputs of the K tasks, each n × d, every row of unit norm.
pub(super) fn inputs(dc: &DataConfig, r: &mut LabRng) -> Vec<Array2<f64>> {
    let blocks = split(dc.d, dc.tasks + 1);
    let (s0, sl) = blocks[0];
    let ws = libm::sqrt(dc.rho);
    let wp = libm::sqrt(1.0 - dc.rho);
    let mut s = vec![0.0; sl];
    (0..dc.tasks)
        .map(|k| {
            let (p0, pl) = blocks[k + 1];
            let mut p = vec![0.0; pl];
            let mut x = Array2::zeros((dc.n, dc.d));
            for i in 0..dc.n {
                unit_gaussian(&mut s, r);
                unit_gaussian(&mut p, r);
                for (j, v) in s.iter().enumerate() {
                    x[[i, s0 + j]] = ws * v;
                }
                for (j, v) in p.iter().enumerate() {
                    x[[i, p0 + j]] = wp * v;
                }
            }
            x
        })
        .collect()
}
