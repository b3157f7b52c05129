//! The `blocks` generator: exactly orthogonal tasks.
//!
//! The d coordinates are split into K contiguous blocks (the first d mod K
//! blocks one coordinate larger, see [`split`]). Task k's inputs are N(0, I)
//! on block k and exactly zero elsewhere, so ⟨x, x'⟩ = 0 bit for bit for
//! inputs of different tasks, and the tasks' row spans are orthogonal (all
//! principal angles 90°): the ideal case for merging by adding weights.
//!
//! Draws: task by task, row by row, one normal per coordinate of the task's
//! block, in coordinate order.

use ndarray::Array2;

use crate::config::DataConfig;
use crate::rng::{self, LabRng};

/// Split 0..d into `parts` contiguous ranges, the first d mod parts one longer.
/// Returns (start, len) per part; needs parts ≥ 1 (lengths are 0 if d < parts).
pub(super) fn split(d: usize, parts: usize) -> Vec<(usize, usize)> {
    let base = d / parts;
    let extra = d % parts;
    let mut start = 0;
    (0..parts)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let r = (start, len);
            start += len;
            r
        })
        .collect()
}

/// Inputs of the K tasks, each n × d.
pub(super) fn inputs(dc: &DataConfig, r: &mut LabRng) -> Vec<Array2<f64>> {
    split(dc.d, dc.tasks)
        .into_iter()
        .map(|(start, len)| {
            let mut x = Array2::zeros((dc.n, dc.d));
            for i in 0..dc.n {
                for j in start..start + len {
                    x[[i, j]] = rng::normal(r);
                }
            }
            x
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn data_split_is_balanced_and_covers() {
        assert_eq!(split(10, 3), vec![(0, 4), (4, 3), (7, 3)]);
        assert_eq!(split(12, 3), vec![(0, 4), (4, 4), (8, 4)]);
        assert_eq!(split(3, 3), vec![(0, 1), (1, 1), (2, 1)]);
        assert_eq!(split(5, 1), vec![(0, 5)]);
    }
}
