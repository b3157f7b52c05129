//! Task generators: K tasks (named a, b, c, …) of n inputs each in ℝᵈ, with
//! labels, plus the overlap between every pair of tasks.
//!
//! The lab's question is how much two tasks "see" of each other: nets trained
//! on tasks whose inputs span orthogonal subspaces can be merged by adding
//! their weights. So each generator controls that overlap exactly:
//!
//! * `blocks`   — disjoint coordinate blocks: exactly orthogonal tasks;
//! * `mixing`   — x = √ρ·s + √(1−ρ)·p, shared block s and private block p: overlap ρ;
//! * `gaussian` — i.i.d. N(0, I_d): nearly orthogonal, |⟨x, x'⟩| ~ 1/√d;
//! * `whitened` — one regression task with XᵀX = n·I (the closed-form setting);
//! * `planar`   — 2-D shapes lifted into 3-D subspaces at principal angle φ;
//! * `digits`   — real 8×8 handwritten digits, a pair of digits per task, on all
//!   pixels (overlapping) or on disjoint blocks of pixels (exactly orthogonal).
//!
//! Randomness: one generator `rng::seeded(seed, rng::stream::DATA)` is consumed
//! in this fixed order, and only through `rng::{uniform, normal, sign, below}`
//! and `libm` maths, so the data are bit-identical natively and in wasm32:
//!
//! 1. inputs, task by task, row by row (each generator documents its per-row draws);
//! 2. for `Labels::Teacher`, the teacher: per output o, per hidden unit j,
//!    d normals (u_{o,j}) then one sign (v_{o,j});
//! 3. for `Labels::Random`, the labels: task by task, row-major, one sign each.
//!
//! `whitened`, `planar` and `digits` make their own targets (see their files;
//! `digits` draws only its per-task image choice from the stream).

mod blocks;
pub mod digits;
mod gaussian;
mod hash;
mod labels;
mod mixing;
mod overlap;
mod planar;
mod whitened;

use ndarray::Array2;

use crate::config::{Generator, ValidConfig};
use crate::rng;

pub use hash::{data_hash, PINNED};
pub use overlap::{overlap_stats, OverlapStats, PairOverlap};
pub use planar::PlanarInfo;

/// One task: n inputs and their targets.
#[derive(Debug, Clone)]
pub struct Task {
    /// "a", "b", "c", … (see [`task_name`]).
    pub name: String,
    /// Inputs, n × d, one input per row.
    pub x: Array2<f64>,
    /// Targets, n × out_dim; ±1 labels for classification (logistic loss).
    pub y: Array2<f64>,
    /// The 2-D points and the lift, for the planar generator only.
    pub planar: Option<PlanarInfo>,
}

/// All tasks of a run, in order a, b, c, …, and their pairwise overlap.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub tasks: Vec<Task>,
    pub overlap: OverlapStats,
}

/// Name of task `i` (0-based): 0 → "a", 1 → "b", …, 25 → "z"; beyond that
/// (never reached by a valid config) the letter repeats with a number: 26 → "a1".
pub fn task_name(i: usize) -> String {
    let letter = (b'a' + (i % 26) as u8) as char;
    if i < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", i / 26)
    }
}

/// Generate the data of a validated config. Deterministic in `cfg.seed` (same
/// seed, same bits on every target); never panics on a valid config.
pub fn generate(cfg: &ValidConfig) -> Dataset {
    let dc = &cfg.data;
    let mut r = rng::seeded(cfg.seed, rng::stream::DATA);
    let tasks = match dc.generator {
        Generator::Whitened => vec![whitened::generate(dc, cfg.train.loss, &mut r)],
        Generator::Planar => planar::generate(dc, &mut r),
        Generator::Digits => digits::generate(dc, &mut r),
        g => {
            let mut xs: Vec<Array2<f64>> = match g {
                Generator::Blocks => blocks::inputs(dc, &mut r),
                Generator::Mixing => mixing::inputs(dc, &mut r),
                _ => gaussian::inputs(dc, &mut r),
            };
            // Mixing inputs are unit-norm by construction; rescaling them would only add rounding.
            if dc.unit_norm && g != Generator::Mixing {
                for x in &mut xs {
                    normalise_rows(x);
                }
            }
            let ys = labels::labels(&xs, dc, cfg.train.loss, &mut r);
            xs.into_iter()
                .zip(ys)
                .enumerate()
                .map(|(k, (x, y))| Task {
                    name: task_name(k),
                    x,
                    y,
                    planar: None,
                })
                .collect()
        }
    };
    let overlap = overlap_stats(&tasks);
    Dataset { tasks, overlap }
}

/// Scale every row of `x` to unit Euclidean norm (rows of norm 0 are left alone).
fn normalise_rows(x: &mut Array2<f64>) {
    for mut row in x.rows_mut() {
        let norm = libm::sqrt(row.iter().map(|v| v * v).sum::<f64>());
        if norm > 0.0 && norm.is_finite() {
            row.mapv_inplace(|v| v / norm);
        }
    }
}

/// Fill `v` with standard normals and scale it to unit norm (left as drawn if
/// its norm is 0). Draws `v.len()` normals.
fn unit_gaussian(v: &mut [f64], r: &mut rng::LabRng) {
    for e in v.iter_mut() {
        *e = rng::normal(r);
    }
    let norm = libm::sqrt(v.iter().map(|e| e * e).sum::<f64>());
    if norm > 0.0 && norm.is_finite() {
        for e in v.iter_mut() {
            *e /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_task_names() {
        assert_eq!(task_name(0), "a");
        assert_eq!(task_name(1), "b");
        assert_eq!(task_name(25), "z");
        assert_eq!(task_name(26), "a1");
    }

    #[test]
    fn data_normalise_rows_unit() {
        let mut x = ndarray::array![[3.0, 4.0], [0.0, 0.0]];
        normalise_rows(&mut x);
        assert_eq!(x, ndarray::array![[0.6, 0.8], [0.0, 0.0]]);
    }
}
