//! Batched forward and backward pass into preallocated buffers.
//!
//! Forward: Z_1 = X W_1ᵀ + b_1, A_k = σ(Z_k), Z_{k+1} = A_k W_{k+1}ᵀ + b_{k+1},
//! F = Z_L. Backward with G_L = (1/n)·∂ℓ/∂F:
//!   ∇_{W_k} L = G_kᵀ A_{k−1} (A_0 = X),  ∇_{b_k} L = Σ_rows G_k,
//!   G_{k−1} = (G_k W_k) ⊙ σ′(Z_{k−1}).
//! Gradients of layers that do not train are not computed (left at zero).
//! After the first call for a batch size, a pass allocates nothing.

use super::gemm::matmul;
use super::{loss, Net, Params};
use crate::config::Loss;
use ndarray::{Array2, ArrayView2, Axis};

/// Buffers for one batch size: pre-activations, activations and their gradients.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Z_k, n × width_k, k = 1..L (the last is F).
    z: Vec<Array2<f64>>,
    /// A_k = σ(Z_k), k = 1..L−1.
    a: Vec<Array2<f64>>,
    /// G_k = ∂L/∂Z_k, k = 1..L.
    g: Vec<Array2<f64>>,
}

impl Workspace {
    fn ensure(&mut self, net: &Net, n: usize) {
        let depth = net.depth();
        let fits = self.z.len() == depth
            && self.z.first().is_some_and(|z| z.nrows() == n)
            && self.z.iter().zip(&net.params.w).all(|(z, w)| z.ncols() == w.nrows());
        if fits {
            return;
        }
        self.z = net.params.w.iter().map(|w| Array2::zeros((n, w.nrows()))).collect();
        self.a = net.params.w[..depth - 1].iter().map(|w| Array2::zeros((n, w.nrows()))).collect();
        self.g = self.z.clone();
    }

    /// Forward pass; returns a view of the outputs F (n × out_dim).
    pub fn forward(&mut self, net: &Net, x: ArrayView2<f64>) -> ArrayView2<'_, f64> {
        self.ensure(net, x.nrows());
        let depth = net.depth();
        for k in 0..depth {
            let w = &net.params.w[k];
            let (before, rest) = self.z.split_at_mut(k);
            let _ = before;
            let z = &mut rest[0];
            if k == 0 {
                matmul(z.view_mut(), x, w.t(), 1.0, false);
            } else {
                matmul(z.view_mut(), self.a[k - 1].view(), w.t(), 1.0, false);
            }
            let b = &net.params.b[k];
            if !b.is_empty() {
                *z += b;
            }
            if k + 1 < depth {
                net.act.forward_slice(contiguous(z), contiguous_mut(&mut self.a[k]));
            }
        }
        self.z[depth - 1].view()
    }

    /// Mean loss at (X, Y), writing ∇L into `grad` (same shapes as the net's params).
    pub fn loss_and_grad(&mut self, net: &Net, x: ArrayView2<f64>, y: ArrayView2<f64>, loss_kind: Loss, grad: &mut Params) -> f64 {
        self.forward(net, x);
        let depth = net.depth();
        let value = loss::value_and_grad(loss_kind, self.z[depth - 1].view(), y, self.g[depth - 1].view_mut());
        // Frozen input layers need no G_k below the lowest trained layer.
        let lowest = net.trained.iter().position(|&t| t).unwrap_or(depth);
        for k in (0..depth).rev() {
            if net.trained[k] {
                let a_prev = if k == 0 { x } else { self.a[k - 1].view() };
                matmul(grad.w[k].view_mut(), self.g[k].t(), a_prev, 1.0, false);
                if !grad.b[k].is_empty() {
                    grad.b[k].assign(&self.g[k].sum_axis(Axis(0)));
                }
            }
            if k > lowest {
                let (lo, hi) = self.g.split_at_mut(k);
                let gk = &hi[0];
                let gprev = &mut lo[k - 1];
                matmul(gprev.view_mut(), gk.view(), net.params.w[k].view(), 1.0, false);
                net.act.backward_slice(contiguous(&self.z[k - 1]), contiguous_mut(gprev));
            }
        }
        value
    }

    /// The last forward pass's outputs F (n × out_dim).
    pub fn outputs(&self) -> ArrayView2<'_, f64> {
        self.z.last().expect("forward ran").view()
    }
}

/// The workspace's arrays are allocated here in standard layout.
fn contiguous(a: &Array2<f64>) -> &[f64] {
    a.as_slice().expect("workspace arrays are contiguous")
}

fn contiguous_mut(a: &mut Array2<f64>) -> &mut [f64] {
    a.as_slice_mut().expect("workspace arrays are contiguous")
}
