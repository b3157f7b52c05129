//! The largest stable step size, from the curvature of the loss.
//!
//! Near θ, GD on F = L + (λ/2)‖θ‖² is stable only if η < 2/(h + λ), where
//! h is the largest eigenvalue of the Hessian ∇²L(θ) (for a quadratic this is
//! exact: each eigen-direction is multiplied by 1 − η(hᵢ + λ) per step). We
//! estimate h by power iteration on Hessian-vector products taken as central
//! differences of the gradient, Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε: no
//! second derivatives, and exact up to O(ε²) where the loss is smooth. At
//! ReLU kinks the estimate is only a local one, which is what a step-size
//! hint needs.

use crate::config::Loss;
use crate::net::{Net, Params, Workspace};
use crate::rng;
use ndarray::ArrayView2;

/// Power-iteration steps (the estimate is a lower bound that rises towards h).
pub const POWER_ITERATIONS: usize = 30;

/// Estimate of the largest-magnitude eigenvalue of ∇²L at the net's θ
/// (trained parameters only), from `POWER_ITERATIONS` finite-difference
/// Hessian-vector products. Seeded, so the same state gives the same value.
/// Returns 0 when the net has no trained parameter or θ is not finite.
pub fn top_hessian_eigenvalue(net: &Net, x: ArrayView2<f64>, y: ArrayView2<f64>, loss: Loss, seed: u64) -> f64 {
    let mask = net.trained.clone();
    if net.params.count(&mask) == 0 || !net.params.all_finite(&mask) {
        return 0.0;
    }
    let mut r = rng::seeded(seed, 4242);
    let mut v = Params::zeros_like(&net.params);
    for k in (0..v.depth()).filter(|&k| mask[k]) {
        v.w[k].mapv_inplace(|_| rng::normal(&mut r));
        v.b[k].mapv_inplace(|_| rng::normal(&mut r));
    }
    let (mut gp, mut gm) = (Params::zeros_like(&net.params), Params::zeros_like(&net.params));
    let norm = v.norm_sq(&mask).sqrt();
    v.scale_add(1.0 / norm, 0.0, &gm, &mask);
    let theta_norm = net.params.norm_sq(&mask).sqrt();
    let eps = 1e-5 * (1.0 + theta_norm);
    let mut ws = Workspace::default();
    let mut probe = net.clone();
    let mut estimate = 0.0;
    for _ in 0..POWER_ITERATIONS {
        probe.params.assign(&net.params, &mask);
        probe.params.scale_add(1.0, eps, &v, &mask);
        ws.loss_and_grad(&probe, x, y, loss, &mut gp);
        probe.params.assign(&net.params, &mask);
        probe.params.scale_add(1.0, -eps, &v, &mask);
        ws.loss_and_grad(&probe, x, y, loss, &mut gm);
        // hv = (gp − gm) / 2ε
        gp.scale_add(1.0 / (2.0 * eps), -1.0 / (2.0 * eps), &gm, &mask);
        estimate = gp.dot(&v, &mask);
        let n = gp.norm_sq(&mask).sqrt();
        if !(n > 0.0) || !n.is_finite() {
            return if estimate.is_finite() { estimate.abs() } else { 0.0 };
        }
        v.assign(&gp, &mask);
        gm.scale_add(0.0, 0.0, &gp, &mask);
        v.scale_add(1.0 / n, 0.0, &gm, &mask);
    }
    estimate.abs()
}

/// The largest stable GD step 2/(h + λ) for curvature `h` and weight decay λ
/// (infinite when both are 0).
pub fn max_stable_lr(h: f64, lambda: f64) -> f64 {
    2.0 / (h + lambda)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, Config};

    #[test]
    fn linear_least_squares_curvature_is_the_top_eigenvalue_of_xtx_over_n() {
        let mut c = Config::default();
        c.data.n = 30;
        c.data.d = 6;
        c.data.out_dim = 2;
        c.net.widths = vec![];
        c.net.activation = Activation::Linear;
        c.train.loss = Loss::Squared;
        let cfg = c.validate().unwrap();
        let data = crate::data::generate(&cfg);
        let (x, y) = (&data.tasks[0].x, &data.tasks[0].y);
        let net = Net::init(&cfg, 0);
        let h = top_hessian_eigenvalue(&net, x.view(), y.view(), Loss::Squared, 1);
        let gram = x.t().dot(x) / x.nrows() as f64;
        let exact = crate::analysis::spectrum::singular_values(gram.view())[0];
        assert!((h / exact - 1.0).abs() < 1e-4, "{h} vs {exact}");
        assert!((max_stable_lr(h, 0.1) - 2.0 / (exact + 0.1)).abs() < 1e-3 * max_stable_lr(h, 0.1));
    }
}
