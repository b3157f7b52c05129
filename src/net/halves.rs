//! Sums over a layer's units in two fixed halves, [0, h) and [h, m) with
//! h = ⌊m/2⌋ (derived here; issue 21). Every pass computes a net's output as
//!   Fᵀ = W_L[:, :h]·A_{L−1}ᵀ[:h] + W_L[:, h:]·A_{L−1}ᵀ[h:]  (+ b_L),
//! and below a hidden layer k < L
//!   G_{k−1}ᵀ = (W_k[:h]ᵀ·G_kᵀ[:h] + W_k[h:]ᵀ·G_kᵀ[h:]) ⊙ σ′(Z_{k−1}ᵀ),
//! the two partial products summed in that order, on one thread or two
//! (`backprop::Workspace` on one; `train::owned` on two, each thread owning
//! one half of every hidden layer's units). Every other product of a pass is
//! cut along rows or columns of its result when two threads share it, which
//! `gemm` already relies on giving the same bits, so the bits do not depend
//! on the number of threads.

use super::gemm::sequential;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, Zip};

/// The first unit of the second half.
pub fn split_at(width: usize) -> usize {
    width / 2
}

/// One half's partial sum on this thread: the output's Pᵀ = W_L[:, half]·A_{L−1}ᵀ[half]
/// (out × n), or G_{k−1}'s W_k[half]ᵀ·G_kᵀ[half] (m_{k−1} × n).
pub fn partial(part: ArrayViewMut2<'_, f64>, w_cols: ArrayView2<'_, f64>, rows: ArrayView2<'_, f64>) {
    sequential(part, w_cols, rows, 1.0, false);
}

/// Fᵀ = P_0ᵀ + P_1ᵀ, then + b_L on each output row (`b` empty: no bias).
pub fn combine(mut zt: ArrayViewMut2<'_, f64>, p0: ArrayView2<'_, f64>, p1: ArrayView2<'_, f64>, b: ArrayView1<'_, f64>) {
    sum_into(zt.view_mut(), p0, p1);
    add_bias(zt, b);
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
