//! Model merging: K nets (one per task, same architecture, same fixed
//! layers) become one.
//!
//! - `sum` (the paper's): trained layers added, W_k = Σ_t W_k^t; fixed layers
//!   (e.g. the shallow setting's ±1/√m output layer) copied once, not added;
//! - `mean`: trained layers averaged, (1/K)Σ_t W_k^t;
//! - `task_arithmetic`: θ₀ + α·Σ_t (θ_t − θ₀) from the shared initialisation θ₀
//!   (Ilharco et al. 2023).
//!
//! Why `sum` works (the paper states that it does for shallow ReLU nets under
//! GD and deep linear nets under gradient flow; this mechanism is derived
//! here): with weight decay,
//! ∇_{W_1}L_t lies in span(X_t), and at stationarity W_1^t = −∇_{W_1}L_t/λ, so
//! W_1^t's rows lie in span(X_t). If X_A ⟂ X_B then W_1^B x_A = 0 and the
//! summed net computes f_A on task A exactly (shallow, with the fixed outer
//! layer this lab assumes).

pub mod bound;
pub mod report;

pub use report::{evaluate, MergeReport};

use crate::config::MergeMethod;
use crate::net::Net;

/// Merge `nets` (all of one architecture, fixed layers equal) by `method`.
/// `init` is the shared initial net θ₀ (used by task_arithmetic), `alpha` its scale.
pub fn merge(method: MergeMethod, nets: &[&Net], init: &Net, alpha: f64) -> Net {
    let mut out = nets[0].clone();
    let k = nets.len() as f64;
    for l in 0..out.depth() {
        if !out.trained[l] {
            continue;
        }
        let (w, b) = (&mut out.params.w[l], &mut out.params.b[l]);
        match method {
            MergeMethod::Sum | MergeMethod::Mean => {
                w.fill(0.0);
                b.fill(0.0);
                for net in nets {
                    *w += &net.params.w[l];
                    *b += &net.params.b[l];
                }
                if method == MergeMethod::Mean {
                    *w /= k;
                    *b /= k;
                }
            }
            MergeMethod::TaskArithmetic => {
                w.assign(&init.params.w[l]);
                b.assign(&init.params.b[l]);
                for net in nets {
                    w.scaled_add(alpha, &(&net.params.w[l] - &init.params.w[l]));
                    b.scaled_add(alpha, &(&net.params.b[l] - &init.params.b[l]));
                }
            }
        }
    }
    out
}

/// Every merge method of the config applied to `nets`, named ("sum", "mean", …).
pub fn merged_nets(cfg: &crate::config::ValidConfig, nets: &[Net], init: &Net) -> Vec<(String, Net)> {
    let refs: Vec<&Net> = nets.iter().collect();
    cfg.merge
        .methods
        .iter()
        .map(|&m| (m.name().to_string(), merge(m, &refs, init, cfg.merge.alpha)))
        .collect()
}

/// For linear nets (σ = identity, no bias): f_sum(x) − f_own(x) written as
/// the sum of every cross term Π_k W_k^{t_k} x with (t_1, …, t_L) ≠ (own, …, own),
/// for inputs X (n × d); returns n × out. The K^L products are enumerated, so
/// keep K^L small (it is for the tests and the `merge-deep` explanation).
pub fn linear_cross_terms(nets: &[&Net], own: usize, x: ndarray::ArrayView2<f64>) -> ndarray::Array2<f64> {
    let depth = nets[0].depth();
    let k = nets.len();
    let total = k.pow(depth as u32);
    let mut acc = ndarray::Array2::zeros((x.nrows(), nets[0].params.w[depth - 1].nrows()));
    for code in 0..total {
        let mut c = code;
        let mut choice = Vec::with_capacity(depth);
        for _ in 0..depth {
            choice.push(c % k);
            c /= k;
        }
        if choice.iter().all(|&t| t == own) {
            continue;
        }
        let mut a = x.to_owned();
        for (l, &t) in choice.iter().enumerate() {
            a = a.dot(&nets[t].params.w[l].t());
        }
        acc += &a;
    }
    acc
}
