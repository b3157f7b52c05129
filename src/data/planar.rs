//! The `planar` generator: 2-D toy data sets lifted into ℝᵈ.
//!
//! Each task draws n points p ∈ ℝ² of one shape, with labels ±1 (point i has
//! label +1 for even i, −1 for odd i, so each class is half of the points),
//! then adds N(0, noise²·I₂) in the plane. Shapes (before noise), centred and O(1):
//!
//! * moons:   t ~ U[0, π); +1: (cos t, sin t), −1: (1 − cos t, 0.5 − sin t), minus (0.5, 0.25);
//! * circles: θ ~ U[0, 2π); +1 on radius 0.5, −1 on radius 1;
//! * xor:     a, b ~ U[0.1, 1), s = ±1; p = (s·a, c·s·b), so sign(p₁p₂) = c;
//! * spiral:  t ~ U[0, 1), r = 0.1 + 0.9t, θ = 3πt (+π for −1); p = r·(cos θ, sin θ).
//!
//! None of these is separable through the origin, but all are separable by a
//! boundary with a bias. A bias-free net gets that bias from the lift
//!
//!   x = R_k·(p₁, p₂, 1),
//!
//! where R_k (d × 3) has orthonormal columns: task 0 uses e₁, e₂, e₃; task
//! k ≥ 1 uses cos φ·e_i + sin φ·e_{3k+i} (i = 1, 2, 3). The principal angles
//! between task 0's and task k's 3-D subspaces are then all φ (`angle_deg`),
//! a single knob from identical (0°) to orthogonal (90°) tasks. Inputs are
//! not normalised (`unit_norm` is ignored): normalising would bend the shapes.
//!
//! Draws: task by task, point by point: the shape's draws in the order listed
//! (moons, circles, spiral: one uniform; xor: a, b, then s), then two
//! normals for the noise (always drawn, even at noise 0).

use std::f64::consts::PI;

use ndarray::{Array1, Array2};

use super::{task_name, Task};
use crate::config::{DataConfig, PlanarShape};
use crate::rng::{self, LabRng};

/// The 2-D points of a planar task and the map lifting them into ℝᵈ.
#[derive(Debug, Clone)]
pub struct PlanarInfo {
    /// The points p (noise included) before lifting, n × 2, in task row order.
    pub points: Array2<f64>,
    /// The lift R, d × 3 with orthonormal columns: x = R·(p₁, p₂, 1).
    pub lift: Array2<f64>,
}

impl PlanarInfo {
    /// The input x = R·(p₁, p₂, 1) (length d) of a plane point, e.g. for drawing
    /// a net's decision regions over a grid of the plane.
    pub fn lift_point(&self, p1: f64, p2: f64) -> Array1<f64> {
        let q = [p1, p2, 1.0];
        Array1::from_shape_fn(self.lift.nrows(), |r| {
            let mut s = 0.0;
            for (c, qc) in q.iter().enumerate() {
                s += self.lift[[r, c]] * qc;
            }
            s
        })
    }
}

/// The lift of task k: d × 3, orthonormal columns (needs d ≥ 3k + 3).
fn lift(d: usize, k: usize, angle_deg: f64) -> Array2<f64> {
    let mut r = Array2::zeros((d, 3));
    if k == 0 {
        for i in 0..3 {
            r[[i, i]] = 1.0;
        }
    } else {
        let phi = angle_deg * (PI / 180.0);
        let (c, s) = (libm::cos(phi), libm::sin(phi));
        for i in 0..3 {
            r[[i, i]] = c;
            r[[3 * k + i, i]] = s;
        }
    }
    r
}

/// One noiseless point of class `c` (±1).
fn shape_point(shape: PlanarShape, c: f64, r: &mut LabRng) -> (f64, f64) {
    match shape {
        PlanarShape::Moons => {
            let t = PI * rng::uniform(r);
            let (ct, st) = (libm::cos(t), libm::sin(t));
            if c > 0.0 {
                (ct - 0.5, st - 0.25)
            } else {
                (1.0 - ct - 0.5, 0.5 - st - 0.25)
            }
        }
        PlanarShape::Circles => {
            let th = 2.0 * PI * rng::uniform(r);
            let rad = if c > 0.0 { 0.5 } else { 1.0 };
            (rad * libm::cos(th), rad * libm::sin(th))
        }
        PlanarShape::Xor => {
            let a = 0.1 + 0.9 * rng::uniform(r);
            let b = 0.1 + 0.9 * rng::uniform(r);
            let s = rng::sign(r);
            (s * a, c * s * b)
        }
        PlanarShape::Spiral => {
            let t = rng::uniform(r);
            let rad = 0.1 + 0.9 * t;
            let th = 3.0 * PI * t + if c > 0.0 { 0.0 } else { PI };
            (rad * libm::cos(th), rad * libm::sin(th))
        }
    }
}

/// The K planar tasks.
pub(super) fn generate(dc: &DataConfig, r: &mut LabRng) -> Vec<Task> {
    (0..dc.tasks)
        .map(|k| {
            let mut points = Array2::zeros((dc.n, 2));
            let mut y = Array2::zeros((dc.n, 1));
            for i in 0..dc.n {
                let c = if i % 2 == 0 { 1.0 } else { -1.0 };
                let (p1, p2) = shape_point(dc.shape, c, r);
                let e1 = rng::normal(r);
                let e2 = rng::normal(r);
                points[[i, 0]] = p1 + dc.noise * e1;
                points[[i, 1]] = p2 + dc.noise * e2;
                y[[i, 0]] = c;
            }
            let info = PlanarInfo {
                points,
                lift: lift(dc.d, k, dc.angle_deg),
            };
            let mut x = Array2::zeros((dc.n, dc.d));
            for i in 0..dc.n {
                let xi = info.lift_point(info.points[[i, 0]], info.points[[i, 1]]);
                x.row_mut(i).assign(&xi);
            }
            Task {
                name: task_name(k),
                x,
                y,
                planar: Some(info),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::lift;

    #[test]
    fn data_lift_columns_orthonormal() {
        for k in 0..3 {
            let r = lift(9, k, 37.0);
            let g = r.t().dot(&r);
            for i in 0..3 {
                for j in 0..3 {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((g[[i, j]] - want).abs() < 1e-15, "k={k} {g:?}");
                }
            }
        }
    }
}
