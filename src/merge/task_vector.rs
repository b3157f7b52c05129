//! Task vectors τ_t = θ_t − θ₀ (Ilharco et al. 2023, "Editing models with
//! task arithmetic"), restricted to trained layers, and a flat view of their
//! entries for the methods that act entry by entry (TIES, DARE).
//!
//! Flat order: trained layers in order, each W_k row-major then b_k; fixed
//! and frozen layers contribute no entries.

use crate::net::{Net, Params};

/// τ = θ − θ₀ on trained layers; fixed and frozen layers hold zeros.
pub fn task_vector(net: &Net, init: &Net) -> Params {
    let mut tv = Params::zeros_like(&net.params);
    for k in (0..net.depth()).filter(|&k| net.trained[k]) {
        tv.w[k] = &net.params.w[k] - &init.params.w[k];
        tv.b[k] = &net.params.b[k] - &init.params.b[k];
    }
    tv
}

/// The trained entries of `p`, in flat order.
pub fn flatten(p: &Params, trained: &[bool]) -> Vec<f64> {
    let mut out = Vec::with_capacity(p.count(trained));
    for k in (0..p.depth()).filter(|&k| trained[k]) {
        out.extend(p.w[k].iter().copied());
        out.extend(p.b[k].iter().copied());
    }
    out
}

/// θ + α·v for a flat vector `v` (fixed and frozen layers copied from θ).
/// `v.len()` must be the trained entry count of `net`.
pub fn add_flat(net: &Net, alpha: f64, v: &[f64]) -> Net {
    let mut out = net.clone();
    let mut it = v.iter();
    for k in (0..out.depth()).filter(|&k| out.trained[k]) {
        let (w, b) = (&mut out.params.w[k], &mut out.params.b[k]);
        for x in w.iter_mut().chain(b.iter_mut()) {
            *x += alpha * it.next().expect("flat vector as long as the trained entries");
        }
    }
    debug_assert!(it.next().is_none());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn flatten_and_add_flat_invert_each_other() {
        let mut c = Config::default();
        c.data.d = 3;
        c.net.widths = vec![2];
        c.net.bias = true;
        c.net.output = crate::config::OutputLayer::Fixed;
        let cfg = c.validate().unwrap();
        let init = Net::init(&cfg, 0);
        let mut net = init.clone();
        net.params.w[0][[1, 2]] += 0.5;
        net.params.b[0][1] -= 0.25;
        let tv = task_vector(&net, &init);
        let flat = flatten(&tv, &net.trained);
        // W1 (2×3) then b1 (2); the fixed output layer has no entries.
        assert_eq!(flat, vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, -0.25]);
        assert_eq!(add_flat(&init, 1.0, &flat), net);
    }
}
