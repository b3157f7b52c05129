#![cfg(not(target_arch = "wasm32"))]
//! Finite-difference check of backprop for every activation × loss × depth 1–4 × bias.
use lowrank_lab::config::{Activation, Config, Loss};
use lowrank_lab::net::{loss, Net, Params, Workspace};
use lowrank_lab::rng;
use ndarray::Array2;

fn mean_loss(net: &Net, x: &Array2<f64>, y: &Array2<f64>, kind: Loss) -> f64 {
    loss::value(kind, net.forward(x.view()).view(), y.view())
}

fn check(act: Activation, kind: Loss, depth: usize, bias: bool) {
    let out = if kind == Loss::Logistic { 1 } else { 2 };
    let (n, d) = (7, 5);
    for attempt in 0..200u64 {
        let mut c = Config::default();
        c.seed = 11 + attempt;
        c.data.d = d;
        c.data.n = n;
        c.data.out_dim = out;
        c.net.widths = vec![6, 4, 5][..depth - 1].to_vec();
        c.net.activation = act;
        c.net.bias = bias;
        c.train.loss = kind;
        let cfg = c.validate().unwrap();
        let mut net = Net::init(&cfg, 0);
        let mut r = rng::seeded(c.seed, 77);
        if bias {
            for b in &mut net.params.b {
                b.mapv_inplace(|_| 0.3 * rng::normal(&mut r));
            }
        }
        let x = Array2::from_shape_simple_fn((n, d), || rng::normal(&mut r));
        let y = if kind == Loss::Logistic {
            Array2::from_shape_simple_fn((n, 1), || rng::sign(&mut r))
        } else {
            Array2::from_shape_simple_fn((n, out), || rng::normal(&mut r))
        };
        // Stay away from kinks: finite differences are meaningless across one.
        let min_gap = net
            .hidden_preactivations(x.view())
            .iter()
            .flat_map(|z| z.iter().map(|v| v.abs()).collect::<Vec<_>>())
            .fold(f64::INFINITY, f64::min);
        if min_gap < 1e-4 {
            continue;
        }
        let mut ws = Workspace::default();
        let mut grad = Params::zeros_like(&net.params);
        let l0 = ws.loss_and_grad(&net, x.view(), y.view(), kind, &mut grad);
        assert!((l0 - mean_loss(&net, &x, &y, kind)).abs() < 1e-14 * l0.abs().max(1.0));
        let h = 1e-6;
        let mut fd = Params::zeros_like(&net.params);
        for k in 0..net.depth() {
            for idx in 0..net.params.w[k].len() {
                let (i, j) = (idx / net.params.w[k].ncols(), idx % net.params.w[k].ncols());
                let orig = net.params.w[k][[i, j]];
                net.params.w[k][[i, j]] = orig + h;
                let lp = mean_loss(&net, &x, &y, kind);
                net.params.w[k][[i, j]] = orig - h;
                let lm = mean_loss(&net, &x, &y, kind);
                net.params.w[k][[i, j]] = orig;
                fd.w[k][[i, j]] = (lp - lm) / (2.0 * h);
            }
            for i in 0..net.params.b[k].len() {
                let orig = net.params.b[k][i];
                net.params.b[k][i] = orig + h;
                let lp = mean_loss(&net, &x, &y, kind);
                net.params.b[k][i] = orig - h;
                let lm = mean_loss(&net, &x, &y, kind);
                net.params.b[k][i] = orig;
                fd.b[k][i] = (lp - lm) / (2.0 * h);
            }
        }
        let all = vec![true; net.depth()];
        let diff = grad.norm_sq_of_sum(-1.0, &fd, &all).sqrt();
        let rel = diff / grad.norm_sq(&all).sqrt();
        assert!(rel < 1e-6, "{act:?} {kind:?} depth {depth} bias {bias}: relative error {rel:e}");
        assert!(grad.norm_sq(&all) > 0.0);
        return;
    }
    panic!("no kink-free sample point found for {act:?} depth {depth}");
}

#[test]
fn backprop_matches_finite_differences() {
    let acts = [
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Linear,
        Activation::Tanh,
        Activation::Gelu,
    ];
    for act in acts {
        for kind in [Loss::Logistic, Loss::Squared] {
            for depth in 1..=4 {
                for bias in [false, true] {
                    check(act, kind, depth, bias);
                }
            }
        }
    }
}
