//! Batched forward and backward pass into preallocated buffers.
//!
//! Forward: Z_1 = X W_1ᵀ + b_1, A_k = σ(Z_k), Z_{k+1} = A_k W_{k+1}ᵀ + b_{k+1},
//! F = Z_L. Backward with G_L = (1/n)·∂ℓ/∂F:
//!   ∇_{W_k} L = G_kᵀ A_{k−1} (A_0 = X),  ∇_{b_k} L = Σ_rows G_k,
//!   G_{k−1} = (G_k W_k) ⊙ σ′(Z_{k−1}).
//! The buffers hold the transposes (width_k × n, one row per unit): then
//! ∇_{W_k} L = G_kᵀ A_{k−1} reads G_kᵀ in standard layout, which faer's
//! kernels run 1.3–1.5× faster than the transposed view of a sample-major
//! G_k on the W3 shapes (`examples/gemm_probe.rs`), and the forward products
//! Z_kᵀ = W_k A_{k−1}ᵀ are as fast as before.
//! Two sums run over two fixed halves of the units they sum over
//! (`halves::split_at`): the output, Fᵀ = W_L[:, :h]·A_{L−1}ᵀ[:h] +
//! W_L[:, h:]·A_{L−1}ᵀ[h:], and below a hidden layer k < L,
//! G_{k−1}ᵀ = (W_k[:h]ᵀ·G_kᵀ[:h] + W_k[h:]ᵀ·G_kᵀ[h:]) ⊙ σ′(Z_{k−1}ᵀ), so
//! that two threads that each own one half of every hidden layer's units
//! exchange those partial sums instead of rows of W (`train::owned`) and
//! compute the same bits.
//! With one output (W_L is 1 × width) the top layer's backward pass is one
//! pass over layer L−1's units instead (`top`: ∇W_L by dot products in a
//! fixed order, G_{L−1}ᵀ as the outer product and σ′ fused).
//! Gradients of layers that do not train are not computed (left at zero).
//! After the first call for a batch size, a pass allocates nothing.
//!
//! [`SpanInput`] replaces layer 1's product W_1 Xᵀ by span coordinates
//! (`train::span`): Z_1ᵀ = s·Z_0ᵀ + P·K with K = X Xᵀ, and the pass then
//! leaves ∇_{W_1} L uncomputed (its G_1ᵀ is [`Workspace::first_grad_t`]).

use super::gemm::matmul;
use super::{halves, loss, Net, Params};
use crate::config::Loss;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, Axis, Zip};

/// Layer 1 in span coordinates: W_1 = s·B + P·X, so Z_1ᵀ = W_1 Xᵀ = s·(B Xᵀ) + P·(X Xᵀ).
pub struct SpanInput<'a> {
    /// s ≥ 0, the factor left on the base B.
    pub s: f64,
    /// B Xᵀ, width_1 × n.
    pub base_zt: ArrayView2<'a, f64>,
    /// P, width_1 × n.
    pub p: ArrayView2<'a, f64>,
    /// K = X Xᵀ, n × n.
    pub gram: ArrayView2<'a, f64>,
}

/// Buffers for one batch size: pre-activations, activations and their
/// gradients, each stored transposed (width_k × n).
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Z_kᵀ, width_k × n, k = 1..L (the last is Fᵀ).
    zt: Vec<Array2<f64>>,
    /// A_kᵀ = σ(Z_k)ᵀ, k = 1..L−1.
    at: Vec<Array2<f64>>,
    /// G_kᵀ = (∂L/∂Z_k)ᵀ, k = 1..L.
    gt: Vec<Array2<f64>>,
    /// The output's two partial products, out × n each, and room for the two
    /// halves of a G_{k−1}ᵀ, max width × n each (flat).
    parts: [Array2<f64>; 2],
    gparts: [Vec<f64>; 2],
}

impl Workspace {
    fn ensure(&mut self, net: &Net, n: usize) {
        let depth = net.depth();
        let fits = self.zt.len() == depth
            && self.zt.first().is_some_and(|z| z.ncols() == n)
            && self.zt.iter().zip(&net.params.w).all(|(z, w)| z.nrows() == w.nrows());
        if fits {
            return;
        }
        self.zt = net.params.w.iter().map(|w| Array2::zeros((w.nrows(), n))).collect();
        self.at = net.params.w[..depth - 1].iter().map(|w| Array2::zeros((w.nrows(), n))).collect();
        self.gt = self.zt.clone();
        let out = net.params.w[depth - 1].nrows();
        self.parts = [Array2::zeros((out, n)), Array2::zeros((out, n))];
        // G_{k−1} of a hidden layer k ≥ 1 below another layer: widths of layers 1..L−2.
        let below = net.params.w[..depth.saturating_sub(2)]
            .iter()
            .map(|w| w.nrows() * n)
            .max()
            .unwrap_or(0);
        self.gparts = [vec![0.0; below], vec![0.0; below]];
    }

    /// Z_kᵀ (k = 1..L, the last is Fᵀ), A_kᵀ (k = 1..L−1) and G_kᵀ (k = 1..L),
    /// each width_k × n, sized for `n` samples: a step run half by
    /// half (`train::owned`).
    #[cfg(feature = "parallel")]
    pub(crate) fn buffers(&mut self, net: &Net, n: usize) -> [&mut [Array2<f64>]; 3] {
        self.ensure(net, n);
        [&mut self.zt, &mut self.at, &mut self.gt]
    }

    /// Forward pass; returns a view of the outputs F (n × out_dim, a transposed view).
    pub fn forward(&mut self, net: &Net, x: ArrayView2<f64>) -> ArrayView2<'_, f64> {
        self.forward_with(net, x, None)
    }

    fn forward_with(&mut self, net: &Net, x: ArrayView2<f64>, span: Option<&SpanInput>) -> ArrayView2<'_, f64> {
        self.ensure(net, x.nrows());
        let depth = net.depth();
        for k in 0..depth {
            let w = &net.params.w[k];
            let zt = &mut self.zt[k];
            if let (0, Some(sp)) = (k, span) {
                let s = sp.s;
                let base = sp.base_zt.as_slice().expect("span coordinates are standard layout");
                super::par::zip2(base, contiguous_mut(zt), &|b, z| super::simd::scale(b, z, s));
                matmul(zt.view_mut(), sp.p, sp.gram, 1.0, true);
            } else if k == 0 {
                matmul(zt.view_mut(), w.view(), x.t(), 1.0, false);
            } else if k == depth - 1 {
                // The output in two fixed halves of the last hidden layer's
                // units, so that two threads owning one half each compute the
                // same bits (`halves`).
                let h = halves::split_at(w.ncols());
                let (w_lo, w_hi) = w.view().split_at(Axis(1), h);
                let (a_lo, a_hi) = self.at[k - 1].view().split_at(Axis(0), h);
                let [p0, p1] = &mut self.parts;
                // The halves on two threads when the product is big enough
                // to split here (W3's 1 × 1024 × 256), the same bits either way.
                if super::par::splits(w.nrows() * w.ncols() * zt.ncols()) {
                    super::par::join(
                        || halves::partial(p0.view_mut(), w_lo, a_lo),
                        || halves::partial(p1.view_mut(), w_hi, a_hi),
                    );
                } else {
                    halves::partial(p0.view_mut(), w_lo, a_lo);
                    halves::partial(p1.view_mut(), w_hi, a_hi);
                }
                halves::combine(zt.view_mut(), p0.view(), p1.view(), ArrayView1::from(&[] as &[f64]));
            } else {
                matmul(zt.view_mut(), w.view(), self.at[k - 1].view(), 1.0, false);
            }
            halves::add_bias(zt.view_mut(), net.params.b[k].view());
            if k + 1 < depth {
                let act = net.act;
                super::par::zip2(contiguous(zt), contiguous_mut(&mut self.at[k]), &|z, a| act.forward_slice(z, a));
            }
        }
        self.zt[depth - 1].t()
    }

    /// Mean loss at (X, Y), writing ∇L into `grad` (same shapes as the net's params).
    pub fn loss_and_grad(&mut self, net: &Net, x: ArrayView2<f64>, y: ArrayView2<f64>, loss_kind: Loss, grad: &mut Params) -> f64 {
        self.loss_and_grad_with(net, x, y, loss_kind, grad, None)
    }

    /// [`Workspace::loss_and_grad`], with layer 1 in span coordinates when `span` is
    /// given: then `grad.w[0]` is left untouched (read G_1ᵀ from
    /// [`Workspace::first_grad_t`]) and net.params.w[0] is not read.
    pub fn loss_and_grad_with(
        &mut self,
        net: &Net,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        loss_kind: Loss,
        grad: &mut Params,
        span: Option<&SpanInput>,
    ) -> f64 {
        self.forward_with(net, x, span);
        let depth = net.depth();
        let value = loss::value_and_grad(loss_kind, self.zt[depth - 1].t(), y, self.gt[depth - 1].view_mut().reversed_axes());
        // Frozen input layers need no G_k below the lowest trained layer.
        let lowest = net.trained.iter().position(|&t| t).unwrap_or(depth);
        for k in (0..depth).rev() {
            if k + 1 == depth && k > 0 && super::top::applies(net.params.w[k].nrows()) {
                self.one_output_top(net, grad, k > lowest);
                continue;
            }
            if net.trained[k] {
                if k == 0 && span.is_some() {
                    if !grad.b[0].is_empty() {
                        bias_grad(grad.b[0].view_mut(), self.gt[0].view());
                    }
                    continue;
                }
                let a_prev = if k == 0 { x } else { self.at[k - 1].t() };
                matmul(grad.w[k].view_mut(), self.gt[k].view(), a_prev, 1.0, false);
                if !grad.b[k].is_empty() {
                    bias_grad(grad.b[k].view_mut(), self.gt[k].view());
                }
            }
            if k > lowest {
                let (lo, hi) = self.gt.split_at_mut(k);
                let gk = &hi[0];
                let gprev = &mut lo[k - 1];
                let w = &net.params.w[k];
                if k == depth - 1 {
                    matmul(gprev.view_mut(), w.t(), gk.view(), 1.0, false);
                } else {
                    // Below a hidden layer: the sum over its units in two fixed halves (see the header).
                    let h = halves::split_at(w.nrows());
                    let shape = gprev.raw_dim();
                    let len = shape[0] * shape[1];
                    let [mut p0, mut p1] = self
                        .gparts
                        .each_mut()
                        .map(|p| ndarray::ArrayViewMut2::from_shape(shape, &mut p[..len]).expect("room for G"));
                    for (part, r) in [(p0.view_mut(), 0..h), (p1.view_mut(), h..w.nrows())] {
                        matmul(
                            part,
                            w.slice(ndarray::s![r.clone(), ..]).t(),
                            gk.slice(ndarray::s![r, ..]),
                            1.0,
                            false,
                        );
                    }
                    halves::sum_into(gprev.view_mut(), p0.view(), p1.view());
                }
                let act = net.act;
                super::par::zip2(contiguous(&self.zt[k - 1]), contiguous_mut(gprev), &|z, g| act.backward_slice(z, g));
            }
        }
        value
    }

    /// The top layer's gradients for a net with one output (`top`): ∇W_L and
    /// ∇b_L if layer L trains, G_{L−1}ᵀ if `below` (a lower layer trains).
    fn one_output_top(&mut self, net: &Net, grad: &mut Params, below: bool) {
        let k = net.depth() - 1;
        let trained = net.trained[k];
        let (lo, hi) = self.gt.split_at_mut(k);
        if trained && !grad.b[k].is_empty() {
            bias_grad(grad.b[k].view_mut(), hi[0].view());
        }
        let grad_w = trained.then(|| grad.w[k].as_slice_mut().expect("parameters are contiguous"));
        let below = below.then(|| contiguous_mut(&mut lo[k - 1]));
        if grad_w.is_none() && below.is_none() {
            return;
        }
        let w = &net.params.w[k];
        super::top::split_rows(
            net.act,
            w.row(0),
            contiguous(&hi[0]),
            contiguous(&self.at[k - 1]),
            contiguous(&self.zt[k - 1]),
            grad_w,
            below,
        );
    }

    /// G_1ᵀ = (∂L/∂Z_1)ᵀ of the last pass (width_1 × n, standard layout): ∇_{W_1} L = G_1ᵀ X.
    pub fn first_grad_t(&self) -> ArrayView2<'_, f64> {
        self.gt.first().expect("a pass ran").view()
    }

    /// The last forward pass's outputs F (n × out_dim, a transposed view).
    pub fn outputs(&self) -> ArrayView2<'_, f64> {
        self.zt.last().expect("forward ran").t()
    }
}

/// ∇b = Σ over samples of Gᵀ's rows (`gt`: width × n, `b`: width): each
/// row's `sum()`, the bits of `gt.sum_axis(Axis(1))` for a standard-layout
/// `gt`, written in place (a training step allocates nothing, biases too).
pub(crate) fn bias_grad(b: ArrayViewMut1<'_, f64>, gt: ArrayView2<'_, f64>) {
    Zip::from(b).and(gt.rows()).for_each(|b, row| *b = row.sum());
}

/// The workspace's arrays are allocated here in standard layout.
fn contiguous(a: &Array2<f64>) -> &[f64] {
    a.as_slice().expect("workspace arrays are contiguous")
}

fn contiguous_mut(a: &mut Array2<f64>) -> &mut [f64] {
    a.as_slice_mut().expect("workspace arrays are contiguous")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same bits as `sum_axis(Axis(1))` (what the step used before), for
    /// long rows whose terms cancel, one sample, and one unit.
    #[test]
    fn bias_grad_has_the_bits_of_sum_axis() {
        for (m, n) in [(7, 33), (5, 1), (1, 19), (3, 0)] {
            let gt = Array2::from_shape_fn((m, n), |(i, j)| {
                ((i * 31 + j * 17) as f64 * 0.37).sin() * 10f64.powi((j % 7) as i32 * 3)
            });
            let mut b = ndarray::Array1::from_elem(m, f64::NAN);
            bias_grad(b.view_mut(), gt.view());
            let want = gt.sum_axis(Axis(1));
            assert_eq!(b.mapv(f64::to_bits), want.mapv(f64::to_bits), "{m}×{n}");
        }
    }
}
