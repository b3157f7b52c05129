#![cfg(not(target_arch = "wasm32"))]
//! Tests of the data generators: orthogonality of blocks, the ρ knob of
//! mixing, 1/√d overlap of Gaussian inputs, whitening, planar lifts and
//! angles, determinism, and the pinned hashes.

use lowrank_lab::config::{Config, DataConfig, Generator, Labels, Loss, PlanarShape, ValidConfig};
use lowrank_lab::data::{self, data_hash, generate, overlap_stats, Dataset, PINNED};

fn cfg(seed: u64, data: DataConfig, loss: Loss) -> ValidConfig {
    let mut c = Config {
        seed,
        data,
        ..Config::default()
    };
    c.train.loss = loss;
    c.validate().expect("test config is valid")
}

fn data(generator: Generator, tasks: usize, n: usize, d: usize) -> DataConfig {
    DataConfig {
        generator,
        tasks,
        n,
        d,
        ..DataConfig::default()
    }
}

fn norms(ds: &Dataset) -> Vec<f64> {
    ds.tasks
        .iter()
        .flat_map(|t| t.x.rows().into_iter().map(|r| r.dot(&r).sqrt()).collect::<Vec<_>>())
        .collect()
}

#[test]
fn names_shapes_and_pair_order() {
    let ds = generate(&cfg(1, data(Generator::Gaussian, 4, 5, 7), Loss::Logistic));
    let names: Vec<&str> = ds.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    for t in &ds.tasks {
        assert_eq!(t.x.dim(), (5, 7));
        assert_eq!(t.y.dim(), (5, 1));
        assert!(t.y.iter().all(|&v| v == 1.0 || v == -1.0));
        assert!(t.planar.is_none());
    }
    let pairs: Vec<(&str, &str)> = ds.overlap.pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
    assert_eq!(pairs, [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]);
    assert_eq!(ds.overlap, overlap_stats(&ds.tasks));
    let one = generate(&cfg(1, data(Generator::Gaussian, 1, 5, 7), Loss::Logistic));
    assert!(one.overlap.pairs.is_empty());
}

#[test]
fn blocks_are_exactly_orthogonal() {
    for (k, d) in [(2, 10), (3, 10), (5, 5)] {
        let ds = generate(&cfg(3, data(Generator::Blocks, k, 12, d), Loss::Logistic));
        assert_eq!(ds.overlap.pairs.len(), k * (k - 1) / 2);
        for p in &ds.overlap.pairs {
            assert_eq!(p.max_abs_inner, 0.0, "{p:?}");
            assert_eq!(p.mean_abs_inner, 0.0, "{p:?}");
            assert!(!p.principal_angles_deg.is_empty());
            assert!(p.principal_angles_deg.iter().all(|a| (a - 90.0).abs() < 1e-6), "{p:?}");
        }
        assert!(norms(&ds).iter().all(|v| (v - 1.0).abs() < 1e-12));
    }
}

#[test]
fn mixing_rho_controls_overlap() {
    let mk = |rho: f64| {
        let mut dc = data(Generator::Mixing, 3, 20, 40);
        dc.rho = rho;
        generate(&cfg(5, dc, Loss::Logistic))
    };
    let zero = mk(0.0);
    for p in &zero.overlap.pairs {
        assert_eq!(p.max_abs_inner, 0.0, "{p:?}");
        assert!(p.principal_angles_deg.iter().all(|a| (a - 90.0).abs() < 1e-6), "{p:?}");
    }
    assert!(norms(&zero).iter().all(|v| (v - 1.0).abs() < 1e-12));
    let mut last = 0.0;
    for rho in [0.1, 0.4, 0.9] {
        let ds = mk(rho);
        assert!(norms(&ds).iter().all(|v| (v - 1.0).abs() < 1e-12));
        let mean = ds.overlap.pairs[0].mean_abs_inner;
        assert!(mean > last, "rho {rho}: mean {mean} not above {last}");
        // Same draws for every ρ, so ⟨x, x'⟩ = ρ·⟨s, s'⟩ scales linearly.
        let ratio = mean / (rho * mk(1.0).overlap.pairs[0].mean_abs_inner);
        assert!((ratio - 1.0).abs() < 1e-9, "ratio {ratio}");
        last = mean;
    }
    // Also without unit_norm mixing inputs have unit norm.
    let mut dc = data(Generator::Mixing, 2, 10, 9);
    dc.rho = 0.5;
    dc.unit_norm = false;
    let ds = generate(&cfg(6, dc, Loss::Logistic));
    assert!(norms(&ds).iter().all(|v| (v - 1.0).abs() < 1e-12));
}

#[test]
fn gaussian_overlap_shrinks_like_one_over_sqrt_d() {
    let mean = |d: usize| {
        let ds = generate(&cfg(11, data(Generator::Gaussian, 2, 60, d), Loss::Logistic));
        assert!(norms(&ds).iter().all(|v| (v - 1.0).abs() < 1e-12));
        ds.overlap.pairs[0].mean_abs_inner
    };
    let (m16, m1024) = (mean(16), mean(1024));
    // E|⟨x, x'⟩| ≈ √(2/(π d)) for independent unit vectors.
    let want = |d: f64| (2.0 / (std::f64::consts::PI * d)).sqrt();
    assert!((m16 / want(16.0) - 1.0).abs() < 0.15, "d=16: {m16}");
    assert!((m1024 / want(1024.0) - 1.0).abs() < 0.15, "d=1024: {m1024}");
    let ratio = m16 / m1024;
    assert!(ratio > 6.0 && ratio < 10.0, "ratio {ratio} (√64 = 8)");
    // Without unit_norm the norms are ≈ √d.
    let mut dc = data(Generator::Gaussian, 1, 200, 400);
    dc.unit_norm = false;
    let ds = generate(&cfg(2, dc, Loss::Logistic));
    let mean_sq = norms(&ds).iter().map(|v| v * v).sum::<f64>() / 200.0;
    assert!((mean_sq / 400.0 - 1.0).abs() < 0.05, "{mean_sq}");
}

#[test]
fn whitened_is_whitened_and_linear() {
    let (n, d, out) = (50, 12, 3);
    let mut dc = data(Generator::Whitened, 1, n, d);
    dc.out_dim = out;
    let ds = generate(&cfg(13, dc, Loss::Squared));
    assert_eq!(ds.tasks.len(), 1);
    let t = &ds.tasks[0];
    assert_eq!(t.x.dim(), (n, d));
    assert_eq!(t.y.dim(), (n, out));
    let gram = t.x.t().dot(&t.x);
    let mut err = 0.0f64;
    for i in 0..d {
        for j in 0..d {
            let want = if i == j { n as f64 } else { 0.0 };
            err += (gram[[i, j]] - want).powi(2);
        }
    }
    assert!(err.sqrt() <= 1e-9 * n as f64, "‖XᵀX − nI‖ = {}", err.sqrt());
    let w = t.y.t().dot(&t.x) / n as f64;
    assert_eq!(w.dim(), (out, d));
    // Y lies in the column span of X: Y = X·W*ᵀ exactly recovers.
    let back = t.x.dot(&w.t());
    let diff = (&back - &t.y).iter().map(|v| v.abs()).fold(0.0, f64::max);
    assert!(diff < 1e-10, "{diff}");
    // W* entries are N(0, 1/d): mean square ≈ 1/d.
    let ms = w.iter().map(|v| v * v).sum::<f64>() / (out * d) as f64;
    assert!(ms * d as f64 > 0.3 && ms * (d as f64) < 3.0, "{ms}");
    // Square case n = d works too; logistic gives ±1 targets.
    let ds = generate(&cfg(14, data(Generator::Whitened, 1, 8, 8), Loss::Logistic));
    let g = ds.tasks[0].x.t().dot(&ds.tasks[0].x);
    assert!((g[[3, 3]] - 8.0).abs() < 1e-12 && g[[1, 5]].abs() < 1e-12);
    assert!(ds.tasks[0].y.iter().all(|&v| v == 1.0 || v == -1.0));
}

fn planar(shape: PlanarShape, tasks: usize, d: usize, angle: f64, seed: u64) -> Dataset {
    let mut dc = data(Generator::Planar, tasks, 40, d);
    dc.shape = shape;
    dc.angle_deg = angle;
    dc.noise = 0.1;
    generate(&cfg(seed, dc, Loss::Logistic))
}

#[test]
fn planar_lift_reproduces_points_and_classes() {
    for shape in [PlanarShape::Moons, PlanarShape::Circles, PlanarShape::Xor, PlanarShape::Spiral] {
        let ds = planar(shape, 3, 11, 45.0, 21);
        for t in &ds.tasks {
            let info = t.planar.as_ref().expect("planar info");
            assert_eq!(info.points.dim(), (40, 2));
            assert_eq!(info.lift.dim(), (11, 3));
            let rtr = info.lift.t().dot(&info.lift);
            for i in 0..3 {
                for j in 0..3 {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((rtr[[i, j]] - want).abs() < 1e-14);
                }
            }
            for (i, x) in t.x.rows().into_iter().enumerate() {
                let q = info.lift.t().dot(&x);
                let (p1, p2) = (info.points[[i, 0]], info.points[[i, 1]]);
                assert!((q[0] - p1).abs() < 1e-12 && (q[1] - p2).abs() < 1e-12, "{shape:?}");
                assert!((q[2] - 1.0).abs() < 1e-12, "{shape:?}");
                assert_eq!(info.lift_point(p1, p2), x);
            }
            let pos = t.y.iter().filter(|&&v| v == 1.0).count();
            let neg = t.y.iter().filter(|&&v| v == -1.0).count();
            assert_eq!((pos, neg), (20, 20), "{shape:?}");
            // Coordinates O(1) and roughly centred.
            assert!(info.points.iter().all(|v| v.abs() < 2.5), "{shape:?}");
            let (m1, m2) = (info.points.column(0).mean().unwrap(), info.points.column(1).mean().unwrap());
            assert!(m1.abs() < 0.5 && m2.abs() < 0.5, "{shape:?}: {m1} {m2}");
        }
    }
}

#[test]
fn xor_labels_match_quadrants() {
    let mut dc = data(Generator::Planar, 1, 100, 3);
    dc.shape = PlanarShape::Xor;
    dc.noise = 0.0;
    let ds = generate(&cfg(4, dc, Loss::Logistic));
    let t = &ds.tasks[0];
    let p = &t.planar.as_ref().unwrap().points;
    for i in 0..100 {
        assert_eq!((p[[i, 0]] * p[[i, 1]]).signum(), t.y[[i, 0]]);
    }
}

#[test]
fn planar_principal_angles_follow_phi() {
    for phi in [30.0, 60.0, 90.0] {
        let ds = planar(PlanarShape::Moons, 2, 6, phi, 8);
        let ab = &ds.overlap.pairs[0];
        assert_eq!((ab.a.as_str(), ab.b.as_str()), ("a", "b"));
        assert_eq!(ab.principal_angles_deg.len(), 3, "{ab:?}");
        assert!(ab.principal_angles_deg.iter().all(|a| (a - phi).abs() < 1e-6), "phi {phi}: {ab:?}");
    }
    // Task 0 against task 2 also sits at φ.
    let ds = planar(PlanarShape::Circles, 3, 9, 30.0, 9);
    let ac = &ds.overlap.pairs[1];
    assert_eq!(ac.b, "c");
    assert!(ac.principal_angles_deg.iter().all(|a| (a - 30.0).abs() < 1e-6), "{ac:?}");
}

#[test]
fn teacher_labels() {
    let mut dc = data(Generator::Gaussian, 2, 200, 10);
    dc.labels = Labels::Teacher;
    dc.teacher_width = 16;
    let ds = generate(&cfg(17, dc.clone(), Loss::Logistic));
    let ys: Vec<f64> = ds.tasks.iter().flat_map(|t| t.y.iter().copied()).collect();
    assert!(ys.iter().all(|&v| v == 1.0 || v == -1.0));
    dc.out_dim = 3;
    let ds2 = generate(&cfg(17, dc, Loss::Squared));
    // Same inputs (drawn first), squared targets of unit RMS per output over all tasks.
    assert_eq!(ds.tasks[0].x, ds2.tasks[0].x);
    for o in 0..3 {
        let ss: f64 = ds2.tasks.iter().map(|t| t.y.column(o).mapv(|v| v * v).sum()).sum();
        assert!((ss / 400.0 - 1.0).abs() < 1e-12, "output {o}: {ss}");
    }
    // Output 0 of the squared teacher has the sign of the logistic labels.
    for (t1, t2) in ds.tasks.iter().zip(&ds2.tasks) {
        for i in 0..200 {
            let s = if t2.y[[i, 0]] < 0.0 { -1.0 } else { 1.0 };
            assert_eq!(s, t1.y[[i, 0]]);
        }
    }
}

#[test]
fn random_labels_squared_multi_output() {
    let mut dc = data(Generator::Blocks, 2, 30, 6);
    dc.out_dim = 4;
    let ds = generate(&cfg(3, dc, Loss::Squared));
    for t in &ds.tasks {
        assert_eq!(t.y.dim(), (30, 4));
        assert!(t.y.iter().all(|&v| v == 1.0 || v == -1.0));
        assert!(t.y.iter().any(|&v| v == 1.0) && t.y.iter().any(|&v| v == -1.0));
    }
}

#[test]
fn deterministic_in_seed() {
    let configs = [
        data(Generator::Blocks, 3, 10, 10),
        data(Generator::Mixing, 2, 10, 10),
        data(Generator::Gaussian, 2, 10, 10),
        data(Generator::Whitened, 1, 10, 10),
        data(Generator::Planar, 2, 10, 6),
    ];
    for dc in configs {
        let h1 = data_hash(&generate(&cfg(99, dc.clone(), Loss::Logistic)));
        let h2 = data_hash(&generate(&cfg(99, dc.clone(), Loss::Logistic)));
        let h3 = data_hash(&generate(&cfg(100, dc.clone(), Loss::Logistic)));
        assert_eq!(h1, h2, "{:?}", dc.generator);
        assert_ne!(h1, h3, "{:?}", dc.generator);
        assert_eq!(h1.len(), 64);
        assert!(h1.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

/// The pinned hashes fix the data bit for bit across targets and releases: the
/// wasm tests check the same `data::PINNED` table in the browser.
#[test]
fn pinned_hashes() {
    assert_eq!(PINNED.len(), 3);
    for (json, want) in PINNED {
        let c = Config::from_json(json).expect("pinned config parses");
        let ds = data::generate(&c.validate().expect("pinned config is valid"));
        assert_eq!(data_hash(&ds), *want, "config {json}");
    }
}

#[test]
fn edge_configs_generate_finite_data() {
    let mut cases = vec![
        data(Generator::Blocks, 1, 1, 1),
        data(Generator::Blocks, 26, 2, 26),
        data(Generator::Mixing, 1, 1, 2),
        data(Generator::Mixing, 26, 3, 27),
        data(Generator::Gaussian, 3, 1, 1),
        data(Generator::Whitened, 1, 1, 1),
        data(Generator::Whitened, 1, 5, 5),
        data(Generator::Planar, 1, 1, 3),
        data(Generator::Planar, 26, 4, 78),
    ];
    let mut rho1 = data(Generator::Mixing, 3, 4, 8);
    rho1.rho = 1.0;
    cases.push(rho1);
    let mut flat = data(Generator::Planar, 2, 10, 6);
    flat.angle_deg = 0.0;
    flat.noise = 0.0;
    cases.push(flat);
    let mut teach = data(Generator::Blocks, 2, 3, 2);
    teach.labels = Labels::Teacher;
    teach.teacher_width = 1;
    cases.push(teach);
    for dc in cases {
        let (k, n, d) = (dc.tasks, dc.n, dc.d);
        let ds = generate(&cfg(0, dc.clone(), Loss::Logistic));
        assert_eq!(ds.tasks.len(), k, "{dc:?}");
        assert_eq!(ds.overlap.pairs.len(), k * (k - 1) / 2, "{dc:?}");
        for t in &ds.tasks {
            assert_eq!(t.x.dim(), (n, d), "{dc:?}");
            assert!(t.x.iter().chain(t.y.iter()).all(|v| v.is_finite()), "{dc:?}");
        }
        for p in &ds.overlap.pairs {
            assert!(p.max_abs_inner.is_finite() && p.mean_abs_inner.is_finite());
            assert!(p.principal_angles_deg.iter().all(|a| (0.0..=90.0).contains(a)));
        }
    }
    // ρ = 1: every task lives in the shared block, so all principal angles are 0.
    let mut dc = data(Generator::Mixing, 2, 10, 9);
    dc.rho = 1.0;
    let ds = generate(&cfg(1, dc, Loss::Logistic));
    assert!(ds.overlap.pairs[0].principal_angles_deg.iter().all(|a| *a < 1e-4));
}

// ---------------------------------------------------------------- digits

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn digits_file_and_decoded_data_have_their_pinned_hashes() {
    use lowrank_lab::data::digits::{self, pinned};
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits/digits.csv.gz")).unwrap();
    assert_eq!(sha256_hex(&file), pinned::SOURCE_SHA256);
    assert_eq!(sha256_hex(&digits::dataset().bytes()), pinned::DECODED_SHA256);
    assert_eq!(
        pinned::DECODED_SHA256,
        "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826"
    );
    // The coding is smaller than gzip -9 of the same bytes (44,239) and of the shipped file (57,523).
    let coded = digits::coded_len();
    assert!(coded < 34_000, "{coded} bytes");
    // The first image of the file (its first CSV line), digit 0.
    let d = digits::dataset();
    assert_eq!(d.image(0)[..16], [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]);
    assert_eq!(d.labels[..5], [0, 1, 2, 3, 4]);
}

/// The workers' wasm builds fetch the coding (data/digits/digits.lrc) and hand it to
/// `digits::load`: a wrong or truncated file is refused by its hash, before decoding.
#[test]
fn digits_load_refuses_a_file_that_is_not_the_pinned_coding() {
    use lowrank_lab::data::digits::{self, pinned};
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits/digits.lrc")).unwrap();
    assert_eq!(sha256_hex(&file), pinned::CODED_SHA256);
    assert_eq!(file.len(), digits::coded_len());
    let e = digits::load(&file[..file.len() - 1]).unwrap_err().to_string();
    assert!(
        e.contains(&format!("({} bytes)", file.len() - 1)) && e.contains(pinned::CODED_SHA256),
        "{e}"
    );
    let mut flipped = file.clone();
    flipped[100] ^= 1;
    assert!(digits::load(&flipped).is_err());
    digits::load(&file).unwrap();
    assert!(digits::available());
    assert_eq!(sha256_hex(&digits::dataset().bytes()), pinned::DECODED_SHA256);
}

fn digits(tasks: usize, n: usize, pixels: lowrank_lab::config::DigitPixels, seed: u64) -> Dataset {
    let mut dc = data(Generator::Digits, tasks, n, 64);
    dc.digit_pairs = vec![[0, 1], [7, 9], [3, 8]];
    dc.digit_pixels = pixels;
    generate(&cfg(seed, dc, Loss::Logistic))
}

#[test]
fn digits_tasks_are_the_pairs_images_labelled_plus_minus_one() {
    use lowrank_lab::config::DigitPixels;
    use lowrank_lab::data::digits;
    let mut dc = data(Generator::Digits, 2, 360, 64);
    dc.unit_norm = false;
    dc.digit_pairs = vec![[0, 1], [2, 3]];
    let ds = generate(&cfg(4, dc, Loss::Logistic));
    let raw = digits::dataset();
    // n = 360 is every image of 0 and 1 (178 + 182), each once, as pixels / 16, +1 for 0 and −1 for 1.
    let a = &ds.tasks[0];
    let mut seen = vec![false; raw.labels.len()];
    for (row, y) in a.x.rows().into_iter().zip(a.y.column(0)) {
        let i = (0..raw.labels.len())
            .find(|&i| !seen[i] && raw.image(i).iter().zip(row.iter()).all(|(&p, &v)| f64::from(p) / 16.0 == v))
            .expect("every row is an image of the file");
        seen[i] = true;
        assert_eq!(*y, if raw.labels[i] == 0 { 1.0 } else { -1.0 });
        assert!(raw.labels[i] <= 1);
    }
    assert_eq!(a.y.iter().filter(|&&v| v == 1.0).count(), 178);
    // Disjoint pixels: exactly orthogonal tasks, each on its contiguous block (top / middle / bottom thirds for K = 3).
    let ds = digits(3, 100, DigitPixels::Disjoint, 5);
    for (t, task) in ds.tasks.iter().enumerate() {
        let (lo, hi) = [(0, 22), (22, 43), (43, 64)][t];
        for row in task.x.rows() {
            assert!(row.iter().enumerate().all(|(j, &v)| (lo..hi).contains(&j) || v == 0.0));
        }
    }
    for p in &ds.overlap.pairs {
        assert_eq!(p.max_abs_inner, 0.0, "{}-{}", p.a, p.b);
        assert!(p.principal_angles_deg.iter().all(|&a| (a - 90.0).abs() < 1e-6), "{p:?}");
    }
    // All pixels: real images overlap (nonnegative pixels).
    let ds = digits(2, 100, DigitPixels::All, 5);
    assert!(ds.overlap.pairs[0].mean_abs_inner > 0.3);
    assert!(norms(&ds).iter().all(|n| (n - 1.0).abs() < 1e-12));
    // Seeded: same seed same data, another seed another draw.
    assert_eq!(data_hash(&digits(2, 100, DigitPixels::All, 5)), data_hash(&ds));
    assert_ne!(data_hash(&digits(2, 100, DigitPixels::All, 6)), data_hash(&ds));
}

#[test]
fn digits_configs_are_refused_with_field_range_and_value() {
    let refuse = |f: &dyn Fn(&mut Config)| {
        let mut c = Config::default();
        c.data.generator = Generator::Digits;
        c.data.d = 64;
        f(&mut c);
        c.validate().unwrap_err().to_string()
    };
    assert_eq!(
        refuse(&|c| c.data.d = 100),
        "data.d must be 64 for the digits generator (8 × 8 pixels), got 100"
    );
    assert_eq!(
        refuse(&|c| c.data.n = 400),
        "data.n must be at most 360 for task 0 (digits 0 and 1 have that many images), got 400"
    );
    assert_eq!(
        refuse(&|c| c.data.digit_pairs = vec![[3, 3]]),
        "data.digit_pairs[0] must be two different digits in [0, 9], got [3, 3]"
    );
    assert_eq!(
        refuse(&|c| c.data.digit_pairs = vec![[0, 12]]),
        "data.digit_pairs[0] must be two different digits in [0, 9], got [0, 12]"
    );
    assert_eq!(
        refuse(&|c| c.data.tasks = 3),
        "data.digit_pairs must be at least one pair per task (data.tasks = 3), got 2 pairs"
    );
    assert_eq!(
        refuse(&|c| c.data.out_dim = 2),
        "data.out_dim must be 1 for digits tasks (labels ±1), got 2"
    );
}
