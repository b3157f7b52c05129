#![cfg(not(target_arch = "wasm32"))]
//! The paper's statements (alignment, norm preservation, low rank, merging)
//! and the identities and bounds derived here, checked on trained nets, with
//! the tolerances the issue states. Seeded and deterministic.
use lowrank_lab::analysis::spectrum;
use lowrank_lab::config::{Activation, Config, Generator, Loss, Optimizer, OutputLayer, ValidConfig};
use lowrank_lab::merge;
use lowrank_lab::net::Net;
use lowrank_lab::run::Run;
use lowrank_lab::train::{Status, Trainer};
use ndarray::Array2;

fn fro(a: &Array2<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Train until the stationarity residual is at most `target` (checked every `chunk` steps).
fn train_until_stationary(t: &mut Trainer, target: f64, chunk: u64, max_steps: u64) -> f64 {
    let mut rho = t.stationarity();
    while rho > target {
        assert!(
            t.step_count() < max_steps,
            "not stationary after {} steps: ρ = {rho:e}",
            t.step_count()
        );
        assert_eq!(*t.advance(chunk), Status::Running, "training stopped early");
        rho = t.stationarity();
    }
    rho
}

fn single(cfg: &ValidConfig) -> Trainer {
    let run = Run::new(cfg);
    let task = &run.data().tasks[0];
    Trainer::new(cfg, 0, task.x.clone(), task.y.clone())
}

#[test]
fn two_layer_linear_closed_form_soft_thresholds_singular_values() {
    let mut c = Config::default();
    c.seed = 3;
    c.data.generator = Generator::Whitened;
    c.data.n = 40;
    c.data.d = 6;
    c.data.out_dim = 5;
    c.net.widths = vec![8];
    c.net.activation = Activation::Linear;
    c.train.loss = Loss::Squared;
    c.train.lr = 0.3;
    c.train.steps = 1_000_000_000;
    let probe = c.validate().unwrap();
    let data = lowrank_lab::data::generate(&probe);
    let (x, y) = (&data.tasks[0].x, &data.tasks[0].y);
    let n = x.nrows() as f64;
    // Whitened: XᵀX = n·I.
    let gram = x.t().dot(x) / n;
    assert!(fro(&(gram - Array2::<f64>::eye(6))) < 1e-10);
    let w_ls = y.t().dot(x) / n; // out × d
    let svd = spectrum::thin_svd(w_ls.view()).unwrap();
    // λ in the widest gap between consecutive singular values, so none is near λ.
    let s = &svd.s;
    let (gap_i, _) = (0..s.len() - 1)
        .map(|i| (i, s[i] - s[i + 1]))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    let lambda = 0.5 * (s[gap_i] + s[gap_i + 1]);
    c.train.lambda = lambda;
    let cfg = c.validate().unwrap();
    let mut t = single(&cfg);
    train_until_stationary(&mut t, 1e-11, 2000, 2_000_000);
    let net = t.net();
    let product = net.params.w[1].dot(&net.params.w[0]);
    let mut expected = Array2::<f64>::zeros(product.raw_dim());
    for (i, &si) in s.iter().enumerate() {
        let shrunk = (si - lambda).max(0.0);
        let u = svd.u.column(i).to_owned().insert_axis(ndarray::Axis(1));
        let v = svd.v.column(i).to_owned().insert_axis(ndarray::Axis(0));
        expected = expected + shrunk * u.dot(&v);
    }
    let err = (&product - &expected).iter().fold(0.0f64, |m, v| m.max(v.abs()));
    println!(
        "closed form: λ = {lambda:.4}, kept {} of {} singular values, max |W2W1 − U(σ−λ)₊Vᵀ| = {err:e}",
        gap_i + 1,
        s.len()
    );
    assert!(err < 1e-6, "max entry error {err:e}");
}

fn deep_linear_config(seed: u64) -> Config {
    let mut c = Config::default();
    c.seed = seed;
    c.data.generator = Generator::Gaussian;
    c.data.n = 12;
    c.data.d = 8;
    c.net.widths = vec![10, 7];
    c.net.activation = Activation::Linear;
    c.net.layer_scales = vec![2.0, 0.5, 1.0];
    c.train.loss = Loss::Logistic;
    c.train.lambda = 0.05;
    c.train.lr = 0.5;
    c.train.steps = 1_000_000_000;
    c
}

#[test]
fn deep_linear_stationary_point_is_aligned_balanced_and_low_rank() {
    let cfg = deep_linear_config(5).validate().unwrap();
    let mut t = single(&cfg);
    let rho = train_until_stationary(&mut t, 1e-9, 500, 2_000_000);
    let m = t.metrics();
    assert!(
        m.loss < std::f64::consts::LN_2,
        "loss {} not below the trivial solution's ln 2",
        m.loss
    );
    let norms: Vec<f64> = m.layers.iter().map(|l| l.frobenius).collect();
    let (lo, hi) = norms.iter().fold((f64::MAX, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    println!("deep linear: ρ = {rho:e}, ‖W_k‖_F = {norms:?}, steps = {}", t.step_count());
    assert!((hi - lo) / hi < 1e-6, "norms differ: {norms:?}");
    for (k, l) in m.layers.iter().enumerate() {
        let cos = l.alignment_cos.unwrap();
        assert!(cos > 1.0 - 1e-8, "layer {} cos {cos}", k + 1);
        // Rank ≤ min(n, out_dim) = 1: the rest is the stationarity residual's size.
        let s = &l.singular_values;
        assert!(s.len() < 2 || s[1] / s[0] < 1e-6, "layer {} spectrum {s:?}", k + 1);
        // Norm identity λ‖W_k‖² = (1/n)Σ(−ℓ′)yf.
        assert!((l.norm_identity_lhs - m.norm_identity_rhs).abs() < 1e-6 * m.norm_identity_rhs);
    }
}

fn balance_matrices(net: &Net) -> Vec<Array2<f64>> {
    (0..net.depth() - 1)
        .map(|k| {
            let (w, wn) = (&net.params.w[k], &net.params.w[k + 1]);
            wn.t().dot(wn) - w.dot(&w.t())
        })
        .collect()
}

fn gf_config(lambda: f64, rtol: f64, optimizer: Optimizer) -> ValidConfig {
    let mut c = deep_linear_config(9);
    c.data.out_dim = 2;
    c.train.loss = Loss::Squared;
    c.train.optimizer = optimizer;
    c.train.lambda = lambda;
    c.train.rtol = rtol;
    c.train.atol = 0.0;
    c.train.time = 4.0;
    c.train.lr = 0.05;
    c.train.steps = 80; // GD: t = η·steps = 4
    c.validate().unwrap()
}

fn balance_drift(cfg: &ValidConfig) -> (Vec<f64>, Trainer) {
    let mut t = single(cfg);
    assert_eq!(*t.run_to_end(), Status::Done);
    let d0 = balance_matrices(t.initial_net());
    let d1 = balance_matrices(t.net());
    let drift = d0.iter().zip(&d1).map(|(a, b)| fro(&(b - a)) / fro(a)).collect();
    (drift, t)
}

#[test]
fn gradient_flow_conserves_balance_without_weight_decay() {
    let (loose, _) = balance_drift(&gf_config(0.0, 1e-8, Optimizer::Gf));
    let (tight, t) = balance_drift(&gf_config(0.0, 1e-12, Optimizer::Gf));
    println!(
        "λ = 0 drift of D_k: rtol 1e-8 → {loose:?}, rtol 1e-12 → {tight:?} ({} steps)",
        t.step_count()
    );
    assert!((t.time() - 4.0).abs() < 1e-12);
    for (l, s) in loose.iter().zip(&tight) {
        assert!(*s <= 1e-8, "drift {s:e}");
        assert!(s < l, "drift did not shrink with the tolerance: {l:e} → {s:e}");
    }
    // And the loss actually moved (the check is not vacuous).
    assert!(t.metrics().loss < single(&gf_config(0.0, 1e-12, Optimizer::Gf)).metrics().loss * 0.9);
}

#[test]
fn gradient_flow_balance_decays_like_exp_minus_two_lambda_t() {
    let lambda = 0.3;
    let slope = |opt| {
        let mut t = single(&gf_config(lambda, 1e-12, opt));
        t.run_to_end();
        let d0 = balance_matrices(t.initial_net());
        let d1 = balance_matrices(t.net());
        d0.iter()
            .zip(&d1)
            .map(|(a, b)| (fro(b) / fro(a)).ln() / t.time())
            .collect::<Vec<f64>>()
    };
    let gf = slope(Optimizer::Gf);
    let gd = slope(Optimizer::Gd);
    println!("slope of log‖D_k‖: GF {gf:?}, GD (η = 0.05) {gd:?}, theory {}", -2.0 * lambda);
    for s in &gf {
        assert!((s / (-2.0 * lambda) - 1.0).abs() < 1e-5, "GF slope {s}");
    }
    // GD at finite η does not obey the flow's law to this precision.
    assert!(gd.iter().any(|s| (s / (-2.0 * lambda) - 1.0).abs() > 1e-5), "GD slope {gd:?}");
}

fn shallow_merge_config(generator: Generator, rho: f64) -> Config {
    let mut c = Config::default();
    c.seed = 21;
    c.data.generator = generator;
    c.data.rho = rho;
    c.data.tasks = 2;
    c.data.n = 20;
    c.data.d = 40;
    c.net.widths = vec![64];
    c.net.activation = Activation::Relu;
    c.net.output = OutputLayer::Fixed;
    c.train.lr = 1.0;
    c.train.lambda = 0.02;
    c
}

#[test]
fn shallow_relu_rows_leave_the_complement_and_summed_net_equals_each_net() {
    let mut c = shallow_merge_config(Generator::Blocks, 0.0);
    let probe = c.validate().unwrap();
    let w0 = Net::init(&probe, 0).params.w[0].clone();
    let (eta, lambda) = (c.train.lr, c.train.lambda);
    let steps = ((fro(&w0) / 1e-13).ln() / (eta * lambda)).ceil() as u64;
    c.train.steps = steps;
    let cfg = c.validate().unwrap();
    let mut run = Run::new(&cfg);
    run.run_to_end();
    for t in run.trainers() {
        let m = t.metrics();
        assert!(m.outside_span < 1e-10, "outside span {:e}", m.outside_span);
        assert!(m.accuracy == 1.0, "task not fitted: accuracy {}", m.accuracy);
    }
    let report = run.merge_report().unwrap();
    for task in ["a", "b"] {
        let e = report.get("sum", task).unwrap();
        println!(
            "blocks, {steps} steps: sum on {task}: max |Δf| = {:e}, accuracy {}",
            e.max_output_change, e.accuracy
        );
        assert!(e.max_output_change < 1e-12, "{task}: {:e}", e.max_output_change);
        assert_eq!(e.accuracy, report.get(task, task).unwrap().accuracy);
    }
}

#[test]
fn shallow_merge_change_stays_under_the_any_iterate_bound() {
    for (rho, steps) in [(0.2, 300), (0.6, 1500), (0.9, 40)] {
        let mut c = shallow_merge_config(Generator::Mixing, rho);
        c.train.steps = steps;
        let cfg = c.validate().unwrap();
        let mut run = Run::new(&cfg);
        run.run_to_end();
        let report = run.merge_report().unwrap();
        assert_eq!(report.bound.len(), 2);
        for b in &report.bound {
            println!(
                "ρ = {rho}, {steps} steps, task {}: max change {:.3e} ≤ max bound {:.3e}",
                b.task, b.max_change, b.max_bound
            );
            assert!(b.holds, "bound violated: {b:?}");
            assert!(b.max_change > 0.0);
        }
    }
}

#[test]
fn deep_linear_sum_equals_own_net_plus_cross_terms() {
    let mut c = deep_linear_config(4);
    c.data.tasks = 2;
    c.data.d = 10;
    c.train.steps = 300;
    let cfg = c.validate().unwrap();
    let mut run = Run::new(&cfg);
    run.run_to_end();
    let nets: Vec<&Net> = run.trainers().iter().map(|t| t.net()).collect();
    let init = run.trainers()[0].initial_net().clone();
    let sum = merge::merge(lowrank_lab::config::MergeMethod::Sum, &nets, &init, 1.0);
    for (t, task) in run.data().tasks.iter().enumerate() {
        let change = sum.forward(task.x.view()) - nets[t].forward(task.x.view());
        let cross = merge::linear_cross_terms(&nets, t, task.x.view());
        let err = (&change - &cross).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-10, "{err:e}");
        assert!(fro(&change) > 1e-3, "no change to explain");
    }
}

#[test]
fn hidden_subspace_overlap_falls_with_width() {
    let mut medians = Vec::new();
    for width in [16, 64, 256] {
        let mut vals: Vec<f64> = (0..5)
            .map(|seed| {
                let mut c = deep_linear_config(100 + seed);
                c.data.tasks = 2;
                c.data.d = 20;
                c.data.n = 10;
                c.net.widths = vec![width, width];
                c.net.layer_scales = vec![];
                c.train.lambda = 0.05;
                c.train.steps = 1500;
                let cfg = c.validate().unwrap();
                let mut run = Run::new(&cfg);
                run.run_to_end();
                let r = run.merge_report().unwrap();
                r.hidden_overlap.iter().find(|p| p.layer == 1).unwrap().value
            })
            .collect();
        vals.sort_by(f64::total_cmp);
        medians.push(vals[2]);
    }
    println!("median hidden overlap (layer 1) at widths 16, 64, 256: {medians:?}");
    assert!(medians[0] > medians[1] && medians[1] > medians[2], "{medians:?}");
}

#[test]
fn same_config_gives_bit_identical_metrics() {
    let mut c = shallow_merge_config(Generator::Mixing, 0.3);
    c.train.steps = 200;
    let cfg = c.validate().unwrap();
    let a = {
        let mut r = Run::new(&cfg);
        r.run_to_end();
        serde_json::to_string(&r.snapshot()).unwrap()
    };
    let b = {
        let mut r = Run::new(&cfg);
        r.run_to_end();
        serde_json::to_string(&r.snapshot()).unwrap()
    };
    assert_eq!(a, b);
    let mut c2 = c.clone();
    c2.seed += 1;
    let mut r = Run::new(&c2.validate().unwrap());
    r.run_to_end();
    assert_ne!(a, serde_json::to_string(&r.snapshot()).unwrap());
}

#[test]
fn derived_stable_rank_bounds_hold_near_stationary_points() {
    // Shallow ReLU, fixed outer layer; and two trained ReLU layers. ReLU GD
    // chatters around its stationary point (kinks), so the instantaneous
    // residual stays O(0.3) while the gradient's running average aligns.
    for fixed in [true, false] {
        let mut c = shallow_merge_config(Generator::Gaussian, 0.0);
        c.data.tasks = 1;
        c.net.output = if fixed { OutputLayer::Fixed } else { OutputLayer::Trained };
        c.train.lambda = 0.01;
        c.train.lr = 0.5;
        c.train.steps = 20_000;
        let cfg = c.validate().unwrap();
        let mut t = single(&cfg);
        t.run_to_end();
        let m = t.metrics();
        let b = m.rank_bound.clone().unwrap();
        println!(
            "rank bound ({}): measured {:.4} ≤ bound {:.4}, stationarity {:.2e}",
            b.kind, b.measured, b.bound, m.stationarity
        );
        assert_eq!(b.kind, if fixed { "fixed_outer" } else { "product" });
        assert!(m.stationarity < 0.5, "not near a stationary point: {}", m.stationarity);
        let avg = m.layers[0].alignment_cos_avg.unwrap();
        assert!(avg > 0.9999, "averaged alignment {avg}");
        assert!(b.measured <= b.bound, "{b:?}");
    }
}
