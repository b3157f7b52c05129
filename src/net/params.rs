//! The parameter vector θ = (W_1, b_1, …, W_L, b_L) and the vector-space
//! operations the optimisers need, restricted to trained layers by a mask.
//!
//! W_k has shape (fan_out, fan_in) so that z_k = W_k a_{k−1} + b_k; in the
//! batched row-major code a batch of inputs is an (n × fan_in) matrix and
//! Z_k = A_{k−1} W_kᵀ. A bias vector of length 0 means "no bias".

use super::simd;
use crate::analysis::scaled::{self, SumSq};
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

    /// `depth` layers of 0×0 weights and empty biases: a placeholder that holds no data.
    pub fn empty(depth: usize) -> Params {
        Params {
            w: vec![Array2::zeros((0, 0)); depth],
            b: vec![Array1::zeros(0); depth],
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
        let mut m = 0u64;
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            for a in [self.w[k].as_slice_memory_order(), self.b[k].as_slice_memory_order()] {
                let Some(s) = a else {
                    unreachable!("parameters are allocated contiguous")
                };
                m = m.max(simd::max_abs_bits(s));
            }
        }
        simd::finite_from_bits(m)
    }

    /// The fused GD step over masked layers, in one pass:
    /// self ← c·self − η·g and ema ← β·ema + (1−β)·g. Returns max |new entry|,
    /// or `None` if some new entry is NaN or ±∞ (then self and ema hold the
    /// non-finite values: the caller restores a checkpoint).
    pub fn gd_update_with_ema(&mut self, ema: &mut Params, g: &Params, c: f64, eta: f64, beta: f64, mask: &[bool]) -> Option<f64> {
        let mut m = 0u64;
        for k in (0..self.depth()).filter(|&k| mask[k]) {
            let pairs = [
                (
                    self.w[k].as_slice_memory_order_mut(),
                    ema.w[k].as_slice_memory_order_mut(),
                    g.w[k].as_slice_memory_order(),
                ),
                (
                    self.b[k].as_slice_memory_order_mut(),
                    ema.b[k].as_slice_memory_order_mut(),
                    g.b[k].as_slice_memory_order(),
                ),
            ];
            for (t, e, g) in pairs {
                let (Some(t), Some(e), Some(g)) = (t, e, g) else {
                    unreachable!("parameters are allocated contiguous")
                };
                m = m.max(super::par::zip3(t, e, g, &|t, e, g| simd::fused_update(t, e, g, c, eta, beta)));
            }
        }
        simd::finite_from_bits(m)
    }

    /// ‖self‖² over masked layers, scaled so that it neither overflows nor
    /// underflows (`analysis::scaled`; bit for bit `norm_sq` in the normal range).
    pub fn sum_sq(&self, mask: &[bool]) -> SumSq {
        let entries = || self.masked(mask).flat_map(|(w, b)| w.iter().chain(b.iter()).copied());
        match scaled::scale_for(scaled::max_abs(entries())) {
            1.0 => SumSq {
                sum: self.norm_sq(mask),
                unscale: 1.0,
            },
            s => scaled::sum_sq_with(entries(), s),
        }
    }

    /// ‖self + c·other‖² over masked layers, scaled like [`Params::sum_sq`].
    pub fn sum_sq_of_sum(&self, c: f64, other: &Params, mask: &[bool]) -> SumSq {
        let bound = scaled::max_abs(self.masked(mask).flat_map(|(w, b)| w.iter().chain(b.iter()).copied()))
            + c.abs() * scaled::max_abs(other.masked(mask).flat_map(|(w, b)| w.iter().chain(b.iter()).copied()));
        let s = scaled::scale_for(bound);
        if s == 1.0 {
            return SumSq {
                sum: self.norm_sq_of_sum(c, other, mask),
                unscale: 1.0,
            };
        }
        let sum = (0..self.depth())
            .filter(|&k| mask[k])
            .map(|k| {
                let w = Zip::from(&self.w[k]).and(&other.w[k]).fold(0.0, |acc, &a, &b| {
                    let v = (a * s) + c * (b * s);
                    acc + v * v
                });
                let b = Zip::from(&self.b[k]).and(&other.b[k]).fold(0.0, |acc, &a, &b| {
                    let v = (a * s) + c * (b * s);
                    acc + v * v
                });
                w + b
            })
            .sum();
        SumSq { sum, unscale: 1.0 / s }
    }

    /// (W_k, b_k) of the masked layers.
    fn masked<'a>(&'a self, mask: &'a [bool]) -> impl Iterator<Item = (&'a Array2<f64>, &'a Array1<f64>)> + Clone + 'a {
        (0..self.depth()).filter(|&k| mask[k]).map(|k| (&self.w[k], &self.b[k]))
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1};

    fn p(v: Vec<f64>) -> Params {
        let n = v.len();
        Params {
            w: vec![Array2::from_shape_vec((1, n), v).unwrap()],
            b: vec![Array1::zeros(0)],
        }
    }

    #[test]
    fn max_abs_and_finiteness_over_lanes_and_remainders() {
        let m = [true];
        let v: Vec<f64> = (0..21).map(|i| (i as f64 - 10.0) * 0.5).collect();
        assert_eq!(p(v.clone()).finite_max_abs(&m), Some(5.0));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for pos in [0, 7, 8, 20] {
                let mut w = v.clone();
                w[pos] = bad;
                assert_eq!(p(w).finite_max_abs(&m), None, "{bad} at {pos}");
            }
        }
        assert_eq!(p(vec![]).finite_max_abs(&m), Some(0.0));
    }

    #[test]
    fn fused_update_matches_the_plain_formula() {
        let m = [true];
        let theta: Vec<f64> = (0..19).map(|i| (i as f64).sin()).collect();
        let grad: Vec<f64> = (0..19).map(|i| (i as f64).cos()).collect();
        let (mut t, mut e, g) = (p(theta.clone()), p(vec![0.5; 19]), p(grad.clone()));
        let max = t.gd_update_with_ema(&mut e, &g, 0.99, 0.1, 0.9, &m).expect("finite");
        let want: Vec<f64> = theta.iter().zip(&grad).map(|(a, b)| 0.99 * a - 0.1 * b).collect();
        assert_eq!(t.w[0].as_slice().unwrap(), &want[..]);
        let ema: Vec<f64> = grad.iter().map(|b| 0.9 * 0.5 + (1.0 - 0.9) * b).collect();
        assert_eq!(e.w[0].as_slice().unwrap(), &ema[..]);
        assert_eq!(max, want.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        let _ = array![1.0];
    }
}
