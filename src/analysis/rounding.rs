//! How much of a computed gradient is rounding: a first-order running error
//! bound for the full-batch forward and backward pass (derived here, in the
//! standard way of Higham, *Accuracy and Stability of Numerical Algorithms*,
//! §3.5: a computed product of A and B is off by at most γ_m·|A||B|, with
//! γ_m ≈ m·u and u the unit roundoff).
//!
//! With Z_k = A_{k−1}W_kᵀ + b_k, A_k = σ(Z_k) (A_0 = X, exact), the computed
//! values carry errors bounded entrywise by
//!   ΔZ_k ≤ u·(fan_in + 2)·(|A_{k−1}||W_k|ᵀ + |b_k|) + ΔA_{k−1}|W_k|ᵀ,
//!   ΔA_k ≤ c_σ·ΔZ_k + u·|A_k|                       (c_σ: σ's Lipschitz constant),
//! the loss derivative g = ℓ′(F)/n by
//!   Δg ≤ (u·|F − Y| + ΔF)/n (squared),  (4u·|ℓ′| + ΔF/4)/n (logistic, ℓ″ ≤ 1/4),
//! and backwards, with G_k = (G_{k+1}W_{k+1}) ⊙ σ′(Z_k),
//!   ΔG_k ≤ (ΔG_{k+1}|W_{k+1}| + u·(fan_out + 2)·|G_{k+1}||W_{k+1}|) ⊙ |σ′(Z_k)|
//!          + |G_{k+1}||W_{k+1}| ⊙ ΔZ_k        (tanh, gelu: σ″ ≤ 1; ReLU's kink is taken as computed),
//!   Δ∇_{W_k}L ≤ ΔG_kᵀ|A_{k−1}| + |G_k|ᵀΔA_{k−1} + u·(n + 2)·|G_k|ᵀ|A_{k−1}|,
//!   Δ∇_{b_k}L ≤ Σ_rows ΔG_k + u·(n + 2)·Σ_rows |G_k|.
//! [`gradient_noise`] returns ‖Δ∇_kL‖_F per layer; [`gradient_noise_bound`]
//! bounds that from Frobenius norms alone (‖|A||B|‖_F ≤ ‖A‖_F‖B‖_F), which
//! costs nothing and is far below any real gradient in ordinary training, so
//! the full pass runs only where it matters.
//!
//! A computed gradient (or its average) whose norm is within
//! 1/[`MEANINGFUL`] of that bound is "at rounding level": a cosine or a
//! stationarity residual computed from it is noise (issue 15: an exactly
//! interpolating net at λ = 0, where one layer's cosine read 0.118 and
//! extended precision −0.073), and is reported as not meaningful.

use super::scaled;
use crate::config::{Activation, Loss};
use crate::net::Net;
use ndarray::{Array2, ArrayView2, Axis, Zip};

/// A value is meaningful when its norm exceeds its rounding bound this many times
/// (the computed cosine is then good to about 1/MEANINGFUL).
pub const MEANINGFUL: f64 = 100.0;

const U: f64 = f64::EPSILON;

/// (c_σ, max|σ′|, whether σ″ exists and matters): Lipschitz constants of σ and σ′'s bound.
fn act_constants(net: &Net) -> (f64, f64, bool) {
    match net.act.kind {
        Activation::Relu | Activation::Linear => (1.0, 1.0, false),
        Activation::LeakyRelu => {
            let s = net.act.slope.abs().max(1.0);
            (s, s, false)
        }
        Activation::Tanh => (1.0, 1.0, true),
        // gelu′ peaks at 1.129 (z ≈ 1.5).
        Activation::Gelu => (1.13, 1.13, true),
    }
}

fn fro(a: &Array2<f64>) -> f64 {
    scaled::sum_sq(a.iter().copied()).norm()
}

/// ∂ℓ/∂F (n × out), undivided by n.
fn loss_derivative(loss: Loss, f: ArrayView2<f64>, y: ArrayView2<f64>) -> Array2<f64> {
    let mut g = Array2::zeros(f.raw_dim());
    crate::net::loss::value_and_grad(loss, f, y, g.view_mut());
    g * f.nrows().max(1) as f64
}

/// ‖Δ∇_{W_k, b_k} L‖_F per layer (0 for layers that do not train): the
/// module header's bound, entry by entry, from one forward and backward pass.
pub fn gradient_noise(net: &Net, x: ArrayView2<f64>, y: ArrayView2<f64>, loss: Loss) -> Vec<f64> {
    let p = &net.params;
    let depth = net.depth();
    let n = x.nrows();
    let (c_sigma, _, smooth) = act_constants(net);
    let abs = |a: &Array2<f64>| a.mapv(f64::abs);
    // Forward: A_k (inputs of layer k), their bounds ΔA_k, Z_k and ΔZ_k.
    let mut a: Vec<Array2<f64>> = vec![x.to_owned()];
    let mut da: Vec<Array2<f64>> = vec![Array2::zeros(x.raw_dim())];
    let mut z: Vec<Array2<f64>> = Vec::with_capacity(depth);
    let mut dz: Vec<Array2<f64>> = Vec::with_capacity(depth);
    let wa: Vec<Array2<f64>> = p.w.iter().map(abs).collect();
    for k in 0..depth {
        let fan_in = p.w[k].ncols() as f64;
        let mut zk = a[k].dot(&p.w[k].t());
        let mut mag = abs(&a[k]).dot(&wa[k].t());
        if !p.b[k].is_empty() {
            zk += &p.b[k];
            mag += &p.b[k].mapv(f64::abs);
        }
        let dzk = mag * (U * (fan_in + 2.0)) + da[k].dot(&wa[k].t());
        if k + 1 < depth {
            let ak = zk.mapv(|v| net.act.value(v));
            let dak = &dzk * c_sigma + abs(&ak) * U;
            a.push(ak);
            da.push(dak);
        }
        z.push(zk);
        dz.push(dzk);
    }
    // Loss derivative and its bound (both divided by n, as the gradient of the mean).
    let f = &z[depth - 1];
    let inv_n = 1.0 / n.max(1) as f64;
    let lp = loss_derivative(loss, f.view(), y);
    let dg = match loss {
        Loss::Squared => ((f - &y).mapv(f64::abs) * U + &dz[depth - 1]) * inv_n,
        Loss::Logistic => (abs(&lp) * (4.0 * U) + &dz[depth - 1] * 0.25) * inv_n,
    };
    let mut g = lp * inv_n;
    let mut dg = dg;
    let lowest = net.trained.iter().position(|&t| t).unwrap_or(depth);
    let mut out = vec![0.0; depth];
    for k in (0..depth).rev() {
        let ga = abs(&g);
        if net.trained[k] {
            let ak = abs(&a[k]);
            let nw = dg.t().dot(&ak) + ga.t().dot(&da[k]) + ga.t().dot(&ak) * (U * (n as f64 + 2.0));
            let mut total = scaled::sum_sq(nw.iter().copied()).norm_sq();
            if !p.b[k].is_empty() {
                let nb = dg.sum_axis(Axis(0)) + ga.sum_axis(Axis(0)) * (U * (n as f64 + 2.0));
                total += scaled::sum_sq(nb.iter().copied()).norm_sq();
            }
            out[k] = libm::sqrt(total);
        }
        if k > lowest {
            let fan_out = p.w[k].nrows() as f64;
            let gw = g.dot(&p.w[k]);
            let gw_abs = ga.dot(&wa[k]);
            let mut dprev = dg.dot(&wa[k]) + &gw_abs * (U * (fan_out + 2.0));
            let zp = &z[k - 1];
            Zip::from(&mut dprev)
                .and(zp)
                .and(&gw_abs)
                .and(&dz[k - 1])
                .for_each(|d, &zv, &gwa, &dzv| {
                    *d = *d * net.act.derivative(zv).abs() + if smooth { gwa * dzv } else { 0.0 };
                });
            let mut gprev = gw;
            Zip::from(&mut gprev).and(zp).for_each(|gv, &zv| *gv *= net.act.derivative(zv));
            g = gprev;
            dg = dprev;
        }
    }
    out
}

/// An upper bound on each entry of [`gradient_noise`] from Frobenius norms:
/// the weights', the inputs' and the outputs' (`f`, n × out) only.
pub fn gradient_noise_bound(net: &Net, x: ArrayView2<f64>, f: ArrayView2<f64>, y: ArrayView2<f64>, loss: Loss) -> Vec<f64> {
    let p = &net.params;
    let depth = net.depth();
    let n = x.nrows() as f64;
    let sqrt_n = libm::sqrt(n);
    let (c_sigma, c_deriv, smooth) = act_constants(net);
    let w: Vec<f64> = p.w.iter().map(fro).collect();
    let b: Vec<f64> = p.b.iter().map(|b| scaled::sum_sq(b.iter().copied()).norm()).collect();
    // ‖A_k‖, ‖ΔA_k‖ for the inputs of layer k; ‖ΔZ_k‖.
    let mut a = vec![fro(&x.to_owned())];
    let mut da = vec![0.0];
    let mut dz = Vec::with_capacity(depth);
    for k in 0..depth {
        let fan_in = p.w[k].ncols() as f64;
        let mag = a[k] * w[k] + sqrt_n * b[k];
        let dzk = U * (fan_in + 2.0) * mag + da[k] * w[k];
        if k + 1 < depth {
            a.push(c_sigma * mag);
            da.push(c_sigma * dzk + U * c_sigma * mag);
        }
        dz.push(dzk);
    }
    let inv_n = 1.0 / n.max(1.0);
    let lp = fro(&loss_derivative(loss, f, y));
    let mut dg = match loss {
        Loss::Squared => (U * fro(&(&f - &y)) + dz[depth - 1]) * inv_n,
        Loss::Logistic => (4.0 * U * lp + 0.25 * dz[depth - 1]) * inv_n,
    };
    let mut g = lp * inv_n;
    let mut out = vec![0.0; depth];
    for k in (0..depth).rev() {
        if net.trained[k] {
            let nw = dg * a[k] + g * da[k] + U * (n + 2.0) * g * a[k];
            let nb = if p.b[k].is_empty() {
                0.0
            } else {
                sqrt_n * (dg + U * (n + 2.0) * g)
            };
            out[k] = libm::hypot(nw, nb);
        }
        if k > 0 {
            let fan_out = p.w[k].nrows() as f64;
            let gw = g * w[k];
            dg = c_deriv * (dg * w[k] + U * (fan_out + 2.0) * gw) + if smooth { gw * dz[k - 1] } else { 0.0 };
            g = c_deriv * gw;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn net_and_data(act: Activation, bias: bool) -> (Net, Array2<f64>, Array2<f64>) {
        let mut c = Config::default();
        c.data.n = 12;
        c.data.d = 7;
        c.net.widths = vec![9, 5];
        c.net.activation = act;
        c.net.bias = bias;
        let cfg = c.validate().unwrap();
        let data = crate::data::generate(&cfg);
        (Net::init(&cfg, 0), data.tasks[0].x.clone(), data.tasks[0].y.clone())
    }

    /// The cheap bound is above the entrywise estimate, which is above the
    /// actual difference between two computations of the same gradient that
    /// differ only in rounding (the batch in reverse order).
    #[test]
    fn the_bounds_are_ordered_and_cover_a_real_rounding_difference() {
        for (act, bias) in [(Activation::Relu, false), (Activation::Tanh, true), (Activation::Gelu, false)] {
            for loss in [Loss::Logistic, Loss::Squared] {
                let (net, x, y) = net_and_data(act, bias);
                let f = net.forward(x.view());
                let est = gradient_noise(&net, x.view(), y.view(), loss);
                let bound = gradient_noise_bound(&net, x.view(), f.view(), y.view(), loss);
                let mut ws = crate::net::Workspace::default();
                let (mut g1, mut g2) = (
                    crate::net::Params::zeros_like(&net.params),
                    crate::net::Params::zeros_like(&net.params),
                );
                ws.loss_and_grad(&net, x.view(), y.view(), loss, &mut g1);
                let (xr, yr) = (
                    x.slice(ndarray::s![..;-1, ..]).to_owned(),
                    y.slice(ndarray::s![..;-1, ..]).to_owned(),
                );
                ws.loss_and_grad(&net, xr.view(), yr.view(), loss, &mut g2);
                for k in 0..net.depth() {
                    let diff = fro(&(&g1.w[k] - &g2.w[k]));
                    assert!(
                        est[k] > 0.0 && est[k] <= bound[k] * (1.0 + 1e-12),
                        "{act:?} {loss:?} layer {k}: {} > {}",
                        est[k],
                        bound[k]
                    );
                    assert!(
                        diff <= est[k],
                        "{act:?} {loss:?} layer {k}: difference {diff:e} above the estimate {:e}",
                        est[k]
                    );
                    // Far below the gradient itself in an ordinary state.
                    assert!(est[k] < 1e-12 * fro(&g1.w[k]), "{act:?} {loss:?} layer {k}");
                }
            }
        }
    }
}
