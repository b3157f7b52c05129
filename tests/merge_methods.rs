#![cfg(not(target_arch = "wasm32"))]
//! The merge methods against closed forms computed here by hand or by an
//! independent formula (no NumPy): TIES, DARE, the spectral merge and RegMean,
//! and the pairwise diagnostics.
use lowrank_lab::analysis::spectrum;
use lowrank_lab::config::{Activation, Config, Generator, MergeConfig, MergeMethod, OutputLayer, ValidConfig};
use lowrank_lab::merge::spectral::{self, RankRule};
use lowrank_lab::merge::{self, dare, diagnostics, regmean, task_vector, ties, MergeInputs};
use lowrank_lab::net::Net;
use lowrank_lab::rng;
use lowrank_lab::run::Run;
use ndarray::{array, s, Array2};

fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

fn max_diff(a: &Net, b: &Net) -> f64 {
    (0..a.depth())
        .map(|k| {
            let w = max_abs(&(&a.params.w[k] - &b.params.w[k]));
            let b = (&a.params.b[k] - &b.params.b[k]).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            w.max(b)
        })
        .fold(0.0, f64::max)
}

/// A shallow config (d → width → 1) with `k` tasks and a fixed output layer.
fn shallow(k: usize, d: usize, width: usize, bias: bool) -> ValidConfig {
    let mut c = Config::default();
    c.seed = 5;
    c.data.tasks = k;
    c.data.d = d;
    c.net.widths = vec![width];
    c.net.output = OutputLayer::Fixed;
    c.net.bias = bias;
    c.merge.shared_init = true;
    c.validate().unwrap()
}

/// θ₀ of `cfg` and K nets θ₀ + τ_t with τ_t drawn by `tau(t, layer, i, j)`.
fn nets_from(cfg: &ValidConfig, k: usize, tau: impl Fn(usize, usize, usize, usize) -> f64) -> (Net, Vec<Net>) {
    let init = Net::init(cfg, 0);
    let nets = (0..k)
        .map(|t| {
            let mut n = init.clone();
            for l in (0..n.depth()).filter(|&l| n.trained[l]) {
                for ((i, j), w) in n.params.w[l].indexed_iter_mut() {
                    *w += tau(t, l, i, j);
                }
                for (i, b) in n.params.b[l].iter_mut().enumerate() {
                    *b += tau(t, l, i, 1000);
                }
            }
            n
        })
        .collect();
    (init, nets)
}

fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut r = rng::seeded(seed, 99);
    move || rng::uniform(&mut r)
}

// ---------------------------------------------------------------- TIES

#[test]
fn ties_at_full_k_without_sign_conflicts_is_task_arithmetic_over_k() {
    let cfg = shallow(3, 6, 5, true);
    // Task t's vector: the same sign pattern for every t (sign of a fixed hash), different magnitudes.
    let (init, nets) = nets_from(&cfg, 3, |t, l, i, j| {
        let sign = if (i * 7 + j * 3 + l) % 5 < 2 { -1.0 } else { 1.0 };
        sign * (0.1 + 0.3 * t as f64 + 0.01 * (i + j) as f64)
    });
    let refs: Vec<&Net> = nets.iter().collect();
    let (merged, info) = ties::ties(&refs, &init, 100.0, 1.0);
    assert_eq!(info.conflicts, 0);
    assert_eq!(info.kept, info.entries);
    assert_eq!(info.untouched, 0);
    let ta = merge::arithmetic::task_arithmetic(&refs, &init, 1.0 / 3.0);
    let scale = max_abs(&nets[2].params.w[0]);
    assert!(max_diff(&merged, &ta) <= 1e-14 * scale, "{}", max_diff(&merged, &ta));
    // The fixed output layer is θ₀'s, untouched.
    assert_eq!(merged.params.w[1], init.params.w[1]);
}

#[test]
fn ties_trims_elects_and_takes_the_disjoint_mean_as_worked_by_hand() {
    let tvs = vec![vec![3.0, -1.0, 0.5, 2.0], vec![-1.0, -2.0, 0.25, -4.0], vec![2.0, 1.0, -1.0, 1.0]];
    // k = 100%: entry 0 sums to +4, keeps {3, 2} → 2.5; entry 1 sums to −2, keeps {−1, −2} → −1.5;
    // entry 2 sums to −0.25, keeps {−1} → −1; entry 3 sums to −1, keeps {−4} → −4. Every entry has both signs.
    let (m, info) = ties::merge_vectors(&tvs, 100.0);
    assert_eq!(m, vec![2.5, -1.5, -1.0, -4.0]);
    assert_eq!((info.kept, info.conflicts, info.untouched), (4, 4, 0));
    // k = 50% keeps 2 of 4 per task: [3, 0, 0, 2], [0, −2, 0, −4], [2, 1, 0, 0] (the tie |1| = |1| = |1|
    // goes to the lowest index). Entry 0: +5 → mean(3, 2) = 2.5; entry 1: −1 → −2; entry 2: nothing kept → 0;
    // entry 3: −2 → −4. Conflicts at entries 1 and 3.
    let (m, info) = ties::merge_vectors(&tvs, 50.0);
    assert_eq!(m, vec![2.5, -2.0, 0.0, -4.0]);
    assert_eq!((info.kept, info.conflicts, info.untouched), (2, 2, 1));
    // k = 1%: ⌈0.04⌉ = 1 entry each: [3, 0, 0, 0], [0, 0, 0, −4], [2, 0, 0, 0].
    let (m, info) = ties::merge_vectors(&tvs, 1.0);
    assert_eq!(m, vec![2.5, 0.0, 0.0, -4.0]);
    assert_eq!((info.kept, info.conflicts, info.untouched), (1, 0, 2));
}

#[test]
fn ties_merged_net_is_init_plus_alpha_times_the_merged_vector() {
    let cfg = shallow(2, 4, 3, false);
    let mut u = uniform_stream(1);
    let taus: Vec<Vec<f64>> = (0..2).map(|_| (0..12).map(|_| u() - 0.5).collect()).collect();
    let (init, nets) = nets_from(&cfg, 2, |t, _, i, j| taus[t][i * 4 + j]);
    let refs: Vec<&Net> = nets.iter().collect();
    let (merged, _) = ties::ties(&refs, &init, 30.0, 0.7);
    // The task vectors as the nets hold them ((θ₀ + τ) − θ₀ rounds).
    let held: Vec<Vec<f64>> = nets
        .iter()
        .map(|n| task_vector::flatten(&task_vector::task_vector(n, &init), &n.trained))
        .collect();
    let (m, _) = ties::merge_vectors(&held, 30.0);
    for i in 0..3 {
        for j in 0..4 {
            let want = init.params.w[0][[i, j]] + 0.7 * m[i * 4 + j];
            assert_eq!(merged.params.w[0][[i, j]], want);
        }
    }
}

// ---------------------------------------------------------------- DARE

#[test]
fn dare_at_p_zero_is_task_arithmetic_bit_for_bit() {
    let cfg = shallow(3, 6, 5, true);
    let mut u = uniform_stream(2);
    let draws: Vec<f64> = (0..3 * 2000).map(|_| u() - 0.5).collect();
    let (init, nets) = nets_from(&cfg, 3, |t, _, i, j| draws[t * 2000 + (i * 31 + j) % 2000]);
    let refs: Vec<&Net> = nets.iter().collect();
    for alpha in [1.0, 0.4] {
        let (merged, info) = dare::dare(&refs, &init, 0.0, 17, alpha);
        assert_eq!(merged, merge::arithmetic::task_arithmetic(&refs, &init, alpha));
        assert!(info.kept.iter().all(|&k| k == info.entries));
    }
}

#[test]
fn dare_masks_are_seeded_rescaled_and_unbiased() {
    let p = 0.6;
    let mut u = uniform_stream(3);
    let tvs: Vec<Vec<f64>> = (0..2).map(|_| (0..500).map(|_| u() + 0.5).collect()).collect();
    let (a, kept_a) = dare::drop_and_rescale(&tvs, p, 7);
    let (b, kept_b) = dare::drop_and_rescale(&tvs, p, 7);
    assert_eq!((&a, &kept_a), (&b, &kept_b), "same seed, same masks");
    let (c, _) = dare::drop_and_rescale(&tvs, p, 8);
    assert_ne!(a, c, "another seed, other masks");
    // Every entry is either dropped (0) or rescaled by exactly 1/(1 − p).
    for (v, tv) in a.iter().zip(&tvs) {
        for (&x, &t) in v.iter().zip(tv) {
            assert!(x == 0.0 || x == t * (1.0 / (1.0 - p)), "{x} from {t}");
        }
    }
    // Kept counts are Binomial(500, 0.4): within 5 standard deviations (±55) of 200.
    for k in kept_a {
        assert!((145..=255).contains(&k), "kept {k}");
    }
    // Mean over many masks → the task vector: entry std is |τ|·√(p/(1−p))/√M.
    let m = 4000;
    let mut mean = vec![0.0; 500];
    for seed in 0..m {
        let (v, _) = dare::drop_and_rescale(&tvs[..1], p, 1000 + seed);
        for (acc, x) in mean.iter_mut().zip(&v[0]) {
            *acc += x / m as f64;
        }
    }
    let sd = (p / (1.0 - p)).sqrt() / (m as f64).sqrt();
    let worst = mean
        .iter()
        .zip(&tvs[0])
        .map(|(&mu, &t)| (mu - t).abs() / (t * sd))
        .fold(0.0, f64::max);
    assert!(worst < 5.0, "worst deviation {worst} standard errors");
}

// ---------------------------------------------------------------- spectral

#[test]
fn spectral_at_full_rank_is_the_sum_bit_for_bit() {
    let cfg = shallow(3, 6, 5, true);
    let mut u = uniform_stream(4);
    let draws: Vec<f64> = (0..4000).map(|_| u() - 0.5).collect();
    let (_, nets) = nets_from(&cfg, 3, |t, _, i, j| draws[(t * 977 + i * 31 + j) % 4000]);
    let refs: Vec<&Net> = nets.iter().collect();
    for rule in [RankRule::Fixed(5), RankRule::Fixed(1000), RankRule::Energy(1.0)] {
        let (m, ranks) = spectral::spectral(&refs, rule);
        assert_eq!(m, merge::arithmetic::sum(&refs), "{rule:?}");
        assert!(ranks.iter().all(|r| r[0] == 5 && r[1] == 0), "{ranks:?}");
    }
}

#[test]
fn spectral_truncation_matches_hand_built_low_rank_matrices() {
    // W = 3·u₁v₁ᵀ + 1·u₂v₂ᵀ with orthonormal u's (ℝ³) and v's (ℝ⁴).
    let u1 = array![1.0, 2.0, 2.0] / 3.0;
    let u2 = array![2.0, 1.0, -2.0] / 3.0;
    let v1 = array![1.0, 1.0, 1.0, 1.0] / 2.0;
    let v2 = array![1.0, -1.0, 1.0, -1.0] / 2.0;
    let outer = |a: &ndarray::Array1<f64>, b: &ndarray::Array1<f64>| Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i] * b[j]);
    let top = 3.0 * outer(&u1, &v1);
    let w = &top + &outer(&u2, &v2);
    // Energy 9/(9 + 1) = 0.9 in the first direction.
    assert_eq!(spectral::rank_for(&[3.0, 1.0, 0.0], RankRule::Energy(0.9)), 1);
    assert_eq!(spectral::rank_for(&[3.0, 1.0, 0.0], RankRule::Energy(0.91)), 2);
    assert_eq!(spectral::rank_for(&[0.0, 0.0], RankRule::Energy(0.5)), 0);
    let (t1, r1) = spectral::truncate(&w, RankRule::Fixed(1));
    assert_eq!(r1, 1);
    assert!(max_abs(&(&t1 - &top)) < 1e-14, "{}", max_abs(&(&t1 - &top)));
    // r = 2 is below min(3, 4) = 3, so the SVD path runs; W has rank 2, so it comes back.
    let (t2, r2) = spectral::truncate(&w, RankRule::Fixed(2));
    assert_eq!(r2, 2);
    assert!(max_abs(&(&t2 - &w)) < 1e-14);
    let (t3, r3) = spectral::truncate(&w, RankRule::Energy(0.9));
    assert_eq!(r3, 1);
    assert!(max_abs(&(&t3 - &top)) < 1e-14);
}

// ---------------------------------------------------------------- RegMean

/// Orthogonal projector onto the span of the rows of x.
fn row_projector(x: &Array2<f64>) -> Array2<f64> {
    let q = spectrum::row_space_basis(x.view(), 1e-12);
    q.dot(&q.t())
}

#[test]
fn regmean_on_orthogonal_inputs_is_the_sum_of_span_projected_weights() {
    // Task a lives on coordinates 0..5, task b on 5..10; n = 3 < 5, so each span is a strict subspace.
    let (d, width, n) = (10, 4, 3);
    let mut u = uniform_stream(5);
    let mut x = |lo: usize| Array2::from_shape_fn((n, d), |(_, j)| if (lo..lo + 5).contains(&j) { u() - 0.5 } else { 0.0 });
    let (xa, xb) = (x(0), x(5));
    let cfg = shallow(2, d, width, false);
    let mut u = uniform_stream(6);
    let draws: Vec<f64> = (0..200).map(|_| u() - 0.5).collect();
    let (init, nets) = nets_from(&cfg, 2, |t, _, i, j| draws[t * 100 + i * d + j]);
    let refs: Vec<&Net> = nets.iter().collect();
    let want = nets[0].params.w[0].dot(&row_projector(&xa)) + nets[1].params.w[0].dot(&row_projector(&xb));
    for ridge in [0.0, 1e-12] {
        let (m, info) = regmean::regmean(&refs, &[xa.view(), xb.view()], ridge);
        let err = max_abs(&(&m.params.w[0] - &want));
        assert!(err < 1e-10, "ridge {ridge}: {err:e}");
        assert_eq!(info[0].rank, 2 * n);
        assert_eq!(m.params.w[1], init.params.w[1], "fixed layer copied");
    }
    // W₁ confined to each span (Wᵢ Pᵢ = Wᵢ): RegMean is the sum.
    let confined: Vec<Net> = nets
        .iter()
        .zip([&xa, &xb])
        .map(|(net, x)| {
            let mut c = net.clone();
            c.params.w[0] = net.params.w[0].dot(&row_projector(x));
            c
        })
        .collect();
    let crefs: Vec<&Net> = confined.iter().collect();
    let (m, _) = regmean::regmean(&crefs, &[xa.view(), xb.view()], 1e-12);
    let sum = merge::arithmetic::sum(&crefs);
    assert!(max_diff(&m, &sum) < 1e-10, "{:e}", max_diff(&m, &sum));
}

/// Solve M·X = B for square M by Gaussian elimination with partial pivoting (the test's own solver).
fn solve(mut m: Array2<f64>, mut b: Array2<f64>) -> Array2<f64> {
    let n = m.nrows();
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| m[[i, col]].abs().total_cmp(&m[[j, col]].abs())).unwrap();
        for c in 0..n {
            m.swap([col, c], [piv, c]);
        }
        for c in 0..b.ncols() {
            b.swap([col, c], [piv, c]);
        }
        for r in col + 1..n {
            let f = m[[r, col]] / m[[col, col]];
            for c in col..n {
                m[[r, c]] -= f * m[[col, c]];
            }
            for c in 0..b.ncols() {
                b[[r, c]] -= f * b[[col, c]];
            }
        }
    }
    let mut x = Array2::zeros(b.raw_dim());
    for r in (0..n).rev() {
        for c in 0..b.ncols() {
            let s: f64 = (r + 1..n).map(|k| m[[r, k]] * x[[k, c]]).sum();
            x[[r, c]] = (b[[r, c]] - s) / m[[r, r]];
        }
    }
    x
}

#[test]
fn regmean_equals_the_gram_formula_layer_by_layer_with_each_nets_own_activations() {
    // Deep ReLU net with biases, overlapping inputs: W_kᵀ = (Σ GᵢWᵢ… ) as the paper writes it, with
    // Gᵢ = ÃᵢᵀÃᵢ (Ãᵢ = [Aᵢ 1]) and Aᵢ net i's own layer-k inputs on task i.
    let mut c = Config::default();
    c.seed = 9;
    c.data.tasks = 2;
    c.data.d = 5;
    c.net.widths = vec![6, 4];
    c.net.bias = true;
    c.net.activation = Activation::LeakyRelu;
    let cfg = c.validate().unwrap();
    let mut u = uniform_stream(7);
    let xs: Vec<Array2<f64>> = (0..2).map(|_| Array2::from_shape_simple_fn((12, 5), || u() - 0.5)).collect();
    let nets: Vec<Net> = (0..2)
        .map(|t| {
            let mut n = Net::init(&cfg, t);
            for b in &mut n.params.b {
                b.mapv_inplace(|_| u() - 0.5);
            }
            n
        })
        .collect();
    let refs: Vec<&Net> = nets.iter().collect();
    let ridge = 1e-3;
    let (m, info) = regmean::regmean(&refs, &[xs[0].view(), xs[1].view()], ridge);
    let mut acts: Vec<Array2<f64>> = xs.clone();
    for l in 0..3 {
        let aug: Vec<Array2<f64>> = acts
            .iter()
            .map(|a| ndarray::concatenate![ndarray::Axis(1), a.clone(), Array2::ones((a.nrows(), 1))])
            .collect();
        let dim = aug[0].ncols();
        let mut g = Array2::<f64>::zeros((dim, dim));
        let mut rhs = Array2::<f64>::zeros((dim, nets[0].params.w[l].nrows()));
        for (a, n) in aug.iter().zip(&nets) {
            let gi = a.t().dot(a);
            let wb = ndarray::concatenate![
                ndarray::Axis(1),
                n.params.w[l].clone(),
                n.params.b[l].clone().insert_axis(ndarray::Axis(1))
            ];
            rhs = rhs + gi.dot(&wb.t());
            g = g + gi;
        }
        let lmax = spectrum::singular_values(g.view())[0];
        let eps = ridge * lmax;
        assert!(
            (info[l].ridge - eps).abs() <= 1e-12 * eps,
            "layer {l}: ridge {} vs {eps}",
            info[l].ridge
        );
        let want = solve(&g + &(eps * Array2::<f64>::eye(dim)), rhs);
        let got_w = m.params.w[l].t().to_owned();
        let err = max_abs(&(&got_w - &want.slice(s![..dim - 1, ..])))
            .max((&m.params.b[l] - &want.row(dim - 1)).iter().fold(0.0f64, |a, v| a.max(v.abs())));
        assert!(err < 1e-9 * max_abs(&want), "layer {}: {err:e}", l + 1);
        // Next layer's inputs: each net's own activations, not the merged net's.
        for (a, n) in acts.iter_mut().zip(&nets) {
            let mut z = a.dot(&n.params.w[l].t()) + &n.params.b[l];
            z.mapv_inplace(|v| n.act.value(v));
            *a = z;
        }
    }
}

#[test]
fn regmean_of_identical_nets_reproduces_their_layer_outputs() {
    let mut c = Config::default();
    c.data.tasks = 2;
    c.data.d = 8;
    c.net.widths = vec![5];
    c.net.bias = true;
    let cfg = c.validate().unwrap();
    let net = Net::init(&cfg, 0);
    let mut u = uniform_stream(8);
    let xs: Vec<Array2<f64>> = (0..2).map(|_| Array2::from_shape_simple_fn((3, 8), || u() - 0.5)).collect();
    let (m, _) = regmean::regmean(&[&net, &net], &[xs[0].view(), xs[1].view()], 0.0);
    for x in &xs {
        let err = max_abs(&(m.forward(x.view()) - net.forward(x.view())));
        assert!(err < 1e-12, "{err:e}");
    }
}

// ---------------------------------------------------------------- config and dispatch

#[test]
fn merge_parameters_are_validated_with_field_range_and_value() {
    let cases: &[(&str, serde_json::Value, &str)] = &[
        (
            "merge.ties_k",
            serde_json::json!(0),
            "merge.ties_k must be in (0, 100] (percent of each task vector kept), got 0",
        ),
        (
            "merge.ties_k",
            serde_json::json!(150),
            "merge.ties_k must be in (0, 100] (percent of each task vector kept), got 150",
        ),
        (
            "merge.dare_p",
            serde_json::json!(1),
            "merge.dare_p must be in [0, 1) (fraction of each task vector dropped), got 1",
        ),
        (
            "merge.dare_p",
            serde_json::json!(-0.1),
            "merge.dare_p must be in [0, 1) (fraction of each task vector dropped), got -0.1",
        ),
        (
            "merge.spectral_energy",
            serde_json::json!(0),
            "merge.spectral_energy must be in (0, 1] (fraction of Σσᵢ² the kept directions hold), got 0",
        ),
        (
            "merge.spectral_rank",
            serde_json::json!(2_000_000),
            "merge.spectral_rank must be in [0, 1000000] (0: the rank rule merge.spectral_energy), got 2000000",
        ),
        (
            "merge.regmean_ridge",
            serde_json::json!(2),
            "merge.regmean_ridge must be in [0, 1] (a fraction of the largest eigenvalue of Σ Gᵢ), got 2",
        ),
        (
            "merge.dare_seed",
            serde_json::json!(9007199254740992u64),
            "merge.dare_seed must be in [0, 9007199254740991], got 9007199254740992",
        ),
    ];
    for (key, value, msg) in cases {
        let c = lowrank_lab::config::overrides::apply(&Config::default(), key, value.clone()).unwrap();
        assert_eq!(c.validate().unwrap_err().to_string(), *msg);
    }
    for m in ["ties", "dare"] {
        let c = lowrank_lab::config::overrides::apply(&Config::default(), "merge.methods", serde_json::json!([m])).unwrap();
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            format!("merge.methods: {m} needs merge.shared_init = true (it measures each net's change from a shared θ₀)")
        );
    }
    let c =
        lowrank_lab::config::overrides::apply(&Config::default(), "merge.methods", serde_json::json!(["sum", "regmean", "sum"])).unwrap();
    assert_eq!(c.validate().unwrap_err().to_string(), "merge.methods: sum is listed twice");
    let c = lowrank_lab::config::overrides::apply(&Config::default(), "merge.methods", serde_json::json!(["magic"])).unwrap_err();
    assert!(c.to_string().contains("unknown variant `magic`"), "{c}");
    for m in MergeMethod::ALL {
        assert_eq!(MergeMethod::from_name(m.name()), Some(m));
        assert_eq!(serde_json::to_value(m).unwrap(), serde_json::json!(m.name()));
    }
}

#[test]
fn every_method_runs_on_a_trained_pair_and_reports_what_it_did() {
    let mut c = lowrank_lab::presets::find("merge-overlap").unwrap().config().unwrap();
    c.train.steps = 300;
    c.merge.shared_init = true;
    c.merge.methods = MergeMethod::ALL.to_vec();
    c.merge.spectral_rank = 3;
    let cfg = c.validate().unwrap();
    let mut run = Run::new(&cfg);
    run.run_to_end();
    let report = run.merge_report().unwrap();
    assert_eq!(report.methods.len(), 7);
    let methods: Vec<MergeMethod> = run.merged_nets().into_iter().map(|(m, _)| m).collect();
    assert_eq!(methods, MergeMethod::ALL.to_vec());
    assert_eq!(report.methods[6].method, MergeMethod::Spectral);
    assert_eq!(report.methods[6].spectral_ranks, Some(vec![vec![3, 0], vec![3, 0]]));
    let ties_info = report.methods[4].ties.as_ref().unwrap();
    assert_eq!(ties_info.kept, (0.2f64 * ties_info.entries as f64).ceil() as usize);
    assert_eq!(report.methods[4].alpha, Some(1.0));
    assert!(report.methods[0].alpha.is_none() && report.methods[0].ties.is_none());
    for e in &report.evals {
        assert!(e.loss.is_finite() && e.accuracy.is_finite(), "{e:?}");
    }
    // merge_with on the run's own inputs gives the nets the report evaluated.
    let nets: Vec<Net> = run.trainers().iter().map(|t| t.net().clone()).collect();
    let inits = run.initial_nets();
    let inp = MergeInputs {
        nets: nets.iter().collect(),
        inits: inits.clone(),
        inputs: run.data().tasks.iter().map(|t| t.x.view()).collect(),
    };
    let mc = MergeConfig { ..cfg.merge.clone() };
    let (dare_net, _) = merge::merge_with(MergeMethod::Dare, &mc, &inp);
    let f = dare_net.forward(run.data().tasks[0].x.view());
    let acc = lowrank_lab::net::loss::accuracy(f.view(), run.data().tasks[0].y.view());
    assert_eq!(acc, report.get("dare", "a").unwrap().accuracy);
}

// ---------------------------------------------------------------- diagnostics

#[test]
fn diagnostic_measures_match_hand_computed_values() {
    let a = array![[1.0, -2.0], [0.0, 3.0]];
    let b = array![[2.0, 1.0], [5.0, -1.0]];
    // ⟨a, b⟩ = 2 − 2 + 0 − 3 = −3; ‖a‖² = 14, ‖b‖² = 31.
    assert!((diagnostics::cosine(&a, &b) + 3.0 / (14.0f64 * 31.0).sqrt()).abs() < 1e-15);
    // Both nonzero at (0,0), (0,1), (1,1); opposite signs at (0,1) and (1,1).
    assert_eq!(diagnostics::sign_conflicts(&a, &b), 2.0 / 3.0);
    assert!(diagnostics::cosine(&a, &Array2::zeros((2, 2))).is_nan());
    assert!((diagnostics::top_energy(&[3.0, 1.0], 1) - 0.9).abs() < 1e-15);
    assert_eq!(diagnostics::top_energy(&[3.0, 1.0], 5), 1.0);
    // Subspaces span{e1, e2} and span{(e2 + e3)/√2, e4} in ℝ⁴: principal cosines 1/√2 and 0.
    let qa = array![[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]];
    let h = 0.5f64.sqrt();
    let qb = array![[0.0, 0.0], [h, 0.0], [h, 0.0], [0.0, 1.0]];
    let (max, mean) = diagnostics::subspace_overlap(&qa, &qb);
    assert!((max - h).abs() < 1e-15 && (mean - 0.25).abs() < 1e-15, "{max} {mean}");
}

#[test]
fn interference_paths_end_at_the_merges_and_orthogonal_tasks_do_not_interfere() {
    let mut c = lowrank_lab::presets::find("merge-orthogonal").unwrap().config().unwrap();
    c.merge.shared_init = true;
    c.merge.methods = vec![MergeMethod::Sum, MergeMethod::TaskArithmetic];
    c.data.generator = Generator::Blocks;
    let cfg = c.validate().unwrap();
    let mut run = Run::new(&cfg);
    run.run_to_end();
    let r = run.merge_report().unwrap();
    let d = &r.diagnostics;
    assert_eq!(d.paths.len(), 4);
    for p in &d.paths {
        let own = r.get(&p.a, &p.a).unwrap().loss;
        assert_eq!(p.loss_a[0], Some(own), "t = 0 is net {}", p.a);
        let end = if p.path == "weights" { "sum" } else { "task_arithmetic" };
        let merged = r.get(end, &p.a).unwrap().loss;
        let end_a = p.loss_a[10].unwrap();
        assert!((end_a - merged).abs() <= 1e-12 * merged, "{}: {end_a} vs {merged}", p.path);
        let merged_b = r.get(end, &p.b).unwrap().loss;
        assert!((p.loss_b[10].unwrap() - merged_b).abs() <= 1e-12 * merged_b);
        if p.path == "weights" {
            // W^b x_a = 0 exactly on disjoint blocks: task a's loss does not move along θ_a + tθ_b.
            let spread = p.loss_a.iter().fold(0.0f64, |m, v| m.max((v.unwrap() - own).abs()));
            assert!(spread <= 1e-12, "{spread:e}");
            assert_eq!(p.barrier_a, Some(0.0));
        }
    }
    // Each net's weights are confined to its n = 20 data directions; its task matrix
    // still carries the decayed θ₀, which is not low-rank.
    for e in &d.energy {
        assert!(!e.trivial && e.top == 20);
        assert!(e.weight_energy.unwrap() > 1.0 - 1e-12, "{e:?}");
        assert!(e.task_energy.unwrap() < 0.95, "{e:?}");
    }
    // Under a shared θ₀ both task matrices are dominated by −θ₀: aligned despite orthogonal data.
    let pair = &d.pairs[0];
    assert!(pair.task_cosine.unwrap() > 0.5, "{pair:?}");
}
