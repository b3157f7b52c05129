//! The `gaussian` generator: i.i.d. N(0, I_d) inputs for every task.
//!
//! Tasks are only approximately orthogonal: for independent unit vectors,
//! E|⟨x, x'⟩| ≈ √(2/(π d)), so the overlap fades like 1/√d. This is the
//! "random high-dimensional data is nearly orthogonal" case.
//!
//! Draws: task by task, row by row, d normals per row.

use ndarray::Array2;

use crate::config::DataConfig;
use crate::rng::{self, LabRng};

/// Inputs of the K tasks, each n × d (normalised later if `unit_norm`).
pub(super) fn inputs(dc: &DataConfig, r: &mut LabRng) -> Vec<Array2<f64>> {
    (0..dc.tasks)
        .map(|_| {
            let mut x = Array2::zeros((dc.n, dc.d));
            for v in x.iter_mut() {
                *v = rng::normal(r);
            }
            x
        })
        .collect()
}
