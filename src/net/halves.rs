//! A two-layer net f(x) = W_2 σ(W_1 x + b_1) + b_2 worked on in two fixed
//! halves of its m hidden units: units [0, h) and [h, m), h = ⌊m/2⌋.
//!
//! Every pass computes a net's output as
//!   Fᵀ = W_L[:, :h]·A_{L−1}ᵀ[:h] + W_L[:, h:]·A_{L−1}ᵀ[h:]  (+ b_L),
//! the two partial products summed in that order, on one thread or two
//! (`backprop::Workspace` on one, `train::owned` on two; deeper nets'
//! G_{k−1} are summed the same way, `train::owned::deep`). Here, depth 2. Everything else a
//! hidden unit needs is its own: its row of W_1 and b_1, its column of W_2,
//! its rows of Z_1ᵀ, A_1ᵀ and G_1ᵀ = (W_2ᵀ G_2ᵀ) ⊙ σ′(Z_1ᵀ), its row of
//! ∇_{W_1} L = G_1ᵀ X and its column of ∇_{W_2} L = G_2ᵀ A_1. So two threads
//! that each own one half for a whole run exchange only the 2 × out × n
//! partial outputs per step, and get the same bits as one thread: each
//! product here is a product of the whole pass cut along rows or columns of
//! its result, which `gemm` already relies on giving the same bits, and the
//! one reduction that crosses the halves is this fixed sum. (Derived here;
//! issue 21 and `crate::bench::row_owned`, the probe that measured it.)
//!
//! The order of the operations inside a half is the one of
//! `Workspace::loss_and_grad_with` followed by `Params::gd_update_with_ema`,
//! so a step run half by half equals the step the trainer runs whole.

use super::gemm::sequential;
use super::simd;
use super::Act;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

/// The first unit of the second half.
pub fn split_at(width: usize) -> usize {
    width / 2
}

/// One half's partial output Pᵀ = W_2[:, half]·A_1ᵀ[half] (out × n).
pub fn partial(part: ArrayViewMut2<'_, f64>, w2_cols: ArrayView2<'_, f64>, at_rows: ArrayView2<'_, f64>) {
    sequential(part, w2_cols, at_rows, 1.0, false);
}

/// Fᵀ = P_0ᵀ + P_1ᵀ, then + b_2 on each output row (`b2` empty: no bias).
pub fn combine(mut zt: ArrayViewMut2<'_, f64>, p0: ArrayView2<'_, f64>, p1: ArrayView2<'_, f64>, b2: ArrayView1<'_, f64>) {
    sum_into(zt.view_mut(), p0, p1);
    add_bias(zt, b2);
}

/// C = P_0 + P_1, elementwise, in that order.
pub fn sum_into(mut c: ArrayViewMut2<'_, f64>, p0: ArrayView2<'_, f64>, p1: ArrayView2<'_, f64>) {
    Zip::from(&mut c).and(&p0).and(&p1).for_each(|z, &a, &b| *z = a + b);
}

/// Row j of Zᵀ (unit j over the batch) += b_j; nothing when `b` is empty.
pub fn add_bias(mut zt: ArrayViewMut2<'_, f64>, b: ArrayView1<'_, f64>) {
    if !b.is_empty() {
        for (mut row, &bj) in zt.rows_mut().into_iter().zip(b) {
            row += bj;
        }
    }
}

/// One half's share of a depth-2 net's parameters, or of their gradient,
/// gradient average or checkpoint copy: for a half of `u` units, inputs of
/// dimension d and `out` outputs, `w1` u × d, `b1` u (or empty), `w2` out × u
/// (strided: columns of W_2).
pub struct Share<'a> {
    pub w1: ArrayViewMut2<'a, f64>,
    pub b1: ArrayViewMut1<'a, f64>,
    pub w2: ArrayViewMut2<'a, f64>,
}

/// One half of a depth-2 net and of everything a GD step keeps for it: views
/// into the trainer's parameters `p`, gradient average `e`, gradient `g`,
/// checkpoint `ck` and its gradient average `ck_e`, and its rows of the
/// workspace's Z_1ᵀ, A_1ᵀ and G_1ᵀ (u × n).
pub struct Half<'a> {
    pub p: Share<'a>,
    pub e: Share<'a>,
    pub g: Share<'a>,
    pub ck: Share<'a>,
    pub ck_e: Share<'a>,
    pub zt: ArrayViewMut2<'a, f64>,
    pub at: ArrayViewMut2<'a, f64>,
    pub gt: ArrayViewMut2<'a, f64>,
}

/// What is the same for both halves of a step.
#[derive(Clone, Copy)]
pub struct Step<'a> {
    /// Inputs X, n × d.
    pub x: ArrayView2<'a, f64>,
    pub act: Act,
    /// Whether W_1 (with b_1) and W_2 (with b_2) train.
    pub trained: [bool; 2],
    /// θ ← c·θ − η·g, ema ← β·ema + (1 − β)·g.
    pub c: f64,
    pub eta: f64,
    pub beta: f64,
}

impl Half<'_> {
    /// Z_1ᵀ, A_1ᵀ of this half and its partial output (out × n) into `part`.
    pub fn forward(&mut self, s: &Step, part: ArrayViewMut2<'_, f64>) {
        sequential(self.zt.view_mut(), self.p.w1.view(), s.x.t(), 1.0, false);
        add_bias(self.zt.view_mut(), self.p.b1.view());
        s.act.forward_slice(contiguous(&self.zt), contiguous_mut(&mut self.at));
        partial(part, self.p.w2.view(), self.at.view());
    }

    /// This half's gradients from G_2ᵀ (out × n, the whole batch's).
    pub fn backward(&mut self, s: &Step, g2t: ArrayView2<'_, f64>) {
        if s.trained[1] {
            sequential(self.g.w2.view_mut(), g2t, self.at.t(), 1.0, false);
        }
        if s.trained[0] {
            sequential(self.gt.view_mut(), self.p.w2.t(), g2t, 1.0, false);
            s.act.backward_slice(contiguous(&self.zt), contiguous_mut(&mut self.gt));
            sequential(self.g.w1.view_mut(), self.gt.view(), s.x, 1.0, false);
            if !self.g.b1.is_empty() {
                self.g.b1.assign(&self.gt.sum_axis(Axis(1)));
            }
        }
    }

    /// Whether this half's gradients of trained layers are finite.
    pub fn gradient_finite(&self, s: &Step) -> bool {
        let finite = |v: &f64| v.is_finite();
        (!s.trained[0] || (self.g.w1.iter().all(finite) && self.g.b1.iter().all(finite))) && (!s.trained[1] || self.g.w2.iter().all(finite))
    }

    /// The checkpoint's θ and gradient average ← this half's, for trained layers.
    pub fn keep(&mut self, s: &Step) {
        if s.trained[0] {
            self.ck.w1.assign(&self.p.w1);
            self.ck.b1.assign(&self.p.b1);
            self.ck_e.w1.assign(&self.e.w1);
            self.ck_e.b1.assign(&self.e.b1);
        }
        if s.trained[1] {
            self.ck.w2.assign(&self.p.w2);
            self.ck_e.w2.assign(&self.e.w2);
        }
    }

    /// The fused update of this half's trained layers. Returns the largest |θ|
    /// bits written (`simd::fused_update`; at or above infinity's bits: a
    /// non-finite value).
    pub fn update(&mut self, s: &Step) -> u64 {
        let mut m = 0;
        if s.trained[0] {
            m = m.max(update2(&mut self.p.w1, &mut self.e.w1, &self.g.w1, s));
            m = m.max(update1(&mut self.p.b1, &mut self.e.b1, &self.g.b1, s));
        }
        if s.trained[1] {
            m = m.max(update2(&mut self.p.w2, &mut self.e.w2, &self.g.w2, s));
        }
        m
    }
}

/// The output bias b_2 (out, or empty without biases) with its gradient
/// average, gradient and checkpoint copies; one half looks after it.
pub struct OutputBias<'a> {
    pub b: ArrayViewMut1<'a, f64>,
    pub e: ArrayViewMut1<'a, f64>,
    pub g: ArrayViewMut1<'a, f64>,
    pub ck: ArrayViewMut1<'a, f64>,
    pub ck_e: ArrayViewMut1<'a, f64>,
}

impl OutputBias<'_> {
    fn active(&self, s: &Step) -> bool {
        s.trained[1] && !self.b.is_empty()
    }

    /// Its gradient, Σ over the batch of G_2ᵀ's rows.
    pub fn backward(&mut self, s: &Step, g2t: ArrayView2<'_, f64>) {
        if self.active(s) {
            self.g.assign(&g2t.sum_axis(Axis(1)));
        }
    }

    pub fn gradient_finite(&self, s: &Step) -> bool {
        !self.active(s) || self.g.iter().all(|v| v.is_finite())
    }

    pub fn keep(&mut self, s: &Step) {
        if self.active(s) {
            self.ck.assign(&self.b);
            self.ck_e.assign(&self.e);
        }
    }

    /// As [`Half::update`].
    pub fn update(&mut self, s: &Step) -> u64 {
        if !self.active(s) {
            return 0;
        }
        update1(&mut self.b, &mut self.e, &self.g, s)
    }
}

/// The fused update row by row (a half's columns of W_2 are contiguous only within a row).
fn update2(t: &mut ArrayViewMut2<'_, f64>, e: &mut ArrayViewMut2<'_, f64>, g: &ArrayViewMut2<'_, f64>, s: &Step) -> u64 {
    let mut m = 0;
    for ((mut t, mut e), g) in t.rows_mut().into_iter().zip(e.rows_mut()).zip(g.rows()) {
        let (Some(t), Some(e), Some(g)) = (t.as_slice_mut(), e.as_slice_mut(), g.as_slice()) else {
            unreachable!("parameter rows are contiguous")
        };
        m = m.max(simd::fused_update(t, e, g, s.c, s.eta, s.beta));
    }
    m
}

fn update1(t: &mut ArrayViewMut1<'_, f64>, e: &mut ArrayViewMut1<'_, f64>, g: &ArrayViewMut1<'_, f64>, s: &Step) -> u64 {
    let (Some(t), Some(e), Some(g)) = (t.as_slice_mut(), e.as_slice_mut(), g.as_slice()) else {
        unreachable!("parameters are contiguous")
    };
    simd::fused_update(t, e, g, s.c, s.eta, s.beta)
}

fn contiguous<'a>(a: &'a ArrayViewMut2<'_, f64>) -> &'a [f64] {
    a.as_slice().expect("a half's workspace rows are contiguous")
}

fn contiguous_mut<'a>(a: &'a mut ArrayViewMut2<'_, f64>) -> &'a mut [f64] {
    a.as_slice_mut().expect("a half's workspace rows are contiguous")
}
