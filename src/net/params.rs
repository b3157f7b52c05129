//! The parameter vector θ = (W_1, b_1, …, W_L, b_L) and the vector-space
//! operations the optimisers need, restricted to trained layers by a mask.
//!
//! W_k has shape (fan_out, fan_in) so that z_k = W_k a_{k−1} + b_k; in the
//! batched row-major code a batch of inputs is an (n × fan_in) matrix and
//! Z_k = A_{k−1} W_kᵀ. A bias vector of length 0 means "no bias".

use ndarray::{Array1, Array2, Zip};
use serde::{Deserialize, Serialize};

/// θ as a list of layers. `w[k]` is layer k+1's weight (fan_out × fan_in), `b[k]` its bias (fan_out, or empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub w: Vec<Array2<f64>>,
    pub b: Vec<Array1<f64>>,
}

impl Params {
    /// Zeros of the same shapes.
    pub fn zeros_like(other: &Params) -> Params {
        Params {
            w: other.w.iter().map(|w| Array2::zeros(w.raw_dim())).collect(),
            b: other.b.iter().map(|b| Array1::zeros(b.raw_dim())).collect(),
        }
    }

    /// Number of layers L.
    pub fn depth(&self) -> usize {
        self.w.len()
    }

    /// Number of scalars in the layers selected by `mask`.
    pub fn count(&self, mask: &[bool]) -> usize {
        (0..self.depth())
            .filter(|&k| mask[k])
            .map(|k| self.w[k].len() + self.b[k].len())
            .sum()
    }

    /// ⟨self, other⟩ over masked layers.
    pub fn dot(&self, other: &Params, mask: &[bool]) -> f64 {
        let mut s = 0.0;
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            s += Zip::from(&self.w[k]).and(&other.w[k]).fold(0.0, |acc, &a, &b| acc + a * b);
            s += Zip::from(&self.b[k]).and(&other.b[k]).fold(0.0, |acc, &a, &b| acc + a * b);
        }
        s
    }

    /// ‖self‖² over masked layers.
    pub fn norm_sq(&self, mask: &[bool]) -> f64 {
        self.dot(self, mask)
    }

    /// self ← c·self + a·x over masked layers.
    pub fn scale_add(&mut self, c: f64, a: f64, x: &Params, mask: &[bool]) {
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            Zip::from(&mut self.w[k]).and(&x.w[k]).for_each(|s, &x| *s = c * *s + a * x);
            Zip::from(&mut self.b[k]).and(&x.b[k]).for_each(|s, &x| *s = c * *s + a * x);
        }
    }

    /// Copy the masked layers of `src` into self (shapes must match).
    pub fn assign(&mut self, src: &Params, mask: &[bool]) {
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            self.w[k].assign(&src.w[k]);
            self.b[k].assign(&src.b[k]);
        }
    }

    /// Whether every entry of the masked layers is finite.
    pub fn all_finite(&self, mask: &[bool]) -> bool {
        (0..self.depth())
            .filter(|&k| mask[k])
            .all(|k| self.w[k].iter().all(|v| v.is_finite()) && self.b[k].iter().all(|v| v.is_finite()))
    }

    /// max |entry| over masked layers if every entry is finite, else `None` (one pass).
    pub fn finite_max_abs(&self, mask: &[bool]) -> Option<f64> {
        let mut m = 0.0f64;
        let mut finite = true;
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            for &v in self.w[k].iter().chain(self.b[k].iter()) {
                finite &= v.is_finite();
                m = m.max(v.abs());
            }
        }
        finite.then_some(m)
    }

    /// The fused GD step over masked layers, in one pass:
    /// self ← c·self − η·g and ema ← β·ema + (1−β)·g; returns max |new entry|.
    pub fn gd_update_with_ema(&mut self, ema: &mut Params, g: &Params, c: f64, eta: f64, beta: f64, mask: &[bool]) -> f64 {
        let mut m = 0.0f64;
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            Zip::from(&mut self.w[k]).and(&mut ema.w[k]).and(&g.w[k]).for_each(|t, e, &g| {
                *t = c * *t - eta * g;
                *e = beta * *e + (1.0 - beta) * g;
                m = m.max(t.abs());
            });
            Zip::from(&mut self.b[k]).and(&mut ema.b[k]).and(&g.b[k]).for_each(|t, e, &g| {
                *t = c * *t - eta * g;
                *e = beta * *e + (1.0 - beta) * g;
                m = m.max(t.abs());
            });
        }
        m
    }

    /// ‖self + c·other‖² over masked layers, without allocating.
    pub fn norm_sq_of_sum(&self, c: f64, other: &Params, mask: &[bool]) -> f64 {
        let mut s = 0.0;
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            s += Zip::from(&self.w[k]).and(&other.w[k]).fold(0.0, |acc, &a, &b| {
                let v = a + c * b;
                acc + v * v
            });
            s += Zip::from(&self.b[k]).and(&other.b[k]).fold(0.0, |acc, &a, &b| {
                let v = a + c * b;
                acc + v * v
            });
        }
        s
    }
}
