#![cfg(not(target_arch = "wasm32"))]
//! End-to-end tests of the `lowrank-lab` binary.
mod common;
use common::{lab, p, stderr};

#[test]
fn presets_lists_every_preset() {
    let o = lab(&["presets"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for pr in lowrank_lab::presets::PRESETS {
        assert!(text.contains(pr.name) && text.contains(pr.see), "{}", pr.name);
    }
}

#[test]
fn run_writes_a_complete_bundle_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orth");
    let o = lab(&[
        "run",
        "--preset",
        "merge-orthogonal",
        "--steps",
        "600",
        "--set",
        "train.lambda=0.05",
        "--out",
        p(&out),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fin: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(fin["merge"]["sum"]["a"]["accuracy"].as_f64().unwrap() > 0.9);
    assert_eq!(fin["diverged"], serde_json::Value::Bool(false));
    for f in [
        "run.json",
        "metrics.csv",
        "loss.svg",
        "spectrum.svg",
        "alignment.svg",
        "alignment_gap.svg",
        "norms.svg",
        "norm_identity.svg",
        "merge_accuracy.svg",
        "data/X_a.npy",
        "data/y_b.npy",
        "weights/a/W1.npy",
        "weights/a/W2.npy",
        "weights/b/W1.npy",
        "weights/sum/W1.npy",
        "weights/mean/W2.npy",
    ] {
        assert!(out.join(f).exists(), "missing {f}");
    }
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["config"]["train"]["lambda"], 0.05);
    assert_eq!(run["config"]["train"]["steps"], 600);
    assert_eq!(run["final"], fin);
    assert!(!run["history"]["a"]["points"].as_array().unwrap().is_empty());
    // Weights have shape (fan_out, fan_in) and reproduce the merged net.
    let w1 = lowrank_lab::io::npy::from_bytes(&std::fs::read(out.join("weights/a/W1.npy")).unwrap()).unwrap();
    assert_eq!(w1.dim(), (64, 40));
    let (wa, wb, ws) = (
        w1,
        lowrank_lab::io::npy::from_bytes(&std::fs::read(out.join("weights/b/W1.npy")).unwrap()).unwrap(),
        lowrank_lab::io::npy::from_bytes(&std::fs::read(out.join("weights/sum/W1.npy")).unwrap()).unwrap(),
    );
    assert_eq!(&wa + &wb, ws);
    // The same command again replaces the bundle; the result is identical.
    let o2 = lab(&[
        "run",
        "--preset",
        "merge-orthogonal",
        "--steps",
        "600",
        "--set",
        "train.lambda=0.05",
        "--out",
        p(&out),
        "--json",
    ]);
    assert!(o2.status.success());
    assert_eq!(o.stdout, o2.stdout);
    // analyze on the written weights.
    let o3 = lab(&["analyze", "--weights", p(&out.join("weights/a"))]);
    assert!(o3.status.success(), "{}", stderr(&o3));
    let an: serde_json::Value = serde_json::from_slice(&o3.stdout).unwrap();
    let sr = an["layers"][0]["stable_rank"].as_f64().unwrap();
    assert!((sr - fin["layers"][0]["stable_rank"].as_f64().unwrap()).abs() < 1e-12);
    let ao = dir.path().join("analysis");
    assert!(lab(&["analyze", "--weights", p(&out.join("weights/a")), "--out", p(&ao)])
        .status
        .success());
    assert!(ao.join("analysis.json").exists() && ao.join("spectrum.svg").exists());
}

#[test]
fn sweep_shards_collect_to_the_unsharded_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    let common = [
        "--preset",
        "merge-overlap",
        "--set",
        "train.steps=150",
        "--grid",
        "data.rho=0;0.3;0.6",
        "--grid",
        "train.lambda=0.02;0.05",
    ];
    let full = lab(&[&["sweep"][..], &common[..], &["--out", p(&d("full")), "--jobs", "2"][..]].concat());
    assert!(full.status.success(), "{}", stderr(&full));
    for i in 0..3 {
        let shard = format!("{i}/3");
        let o = lab(&[
            &["sweep"][..],
            &common[..],
            &["--out", p(&d(&format!("s{i}"))), "--shard", &shard, "--jobs", "1"][..],
        ]
        .concat());
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // Collecting too few shards is an error naming the missing points (shard 2/3's).
    let partial = lab(&["collect", p(&d("s0")), p(&d("s1")), "--out", p(&d("bad"))]);
    assert_eq!(partial.status.code(), Some(2));
    assert!(
        stderr(&partial).contains("2 of 6 points missing (points 2, 5 in no folder given)"),
        "{}",
        stderr(&partial)
    );
    assert!(!d("bad").exists());
    let o = lab(&["collect", p(&d("s2")), p(&d("s0")), p(&d("s1")), "--out", p(&d("all"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = std::fs::read_to_string(d("full").join("sweep.csv")).unwrap();
    let b = std::fs::read_to_string(d("all").join("sweep.csv")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 7);
    assert!(d("all").join("merge_overlap.svg").exists());
}

/// `sweep --direct` computes layer 1's products every step: the same sweep up to
/// rounding (every number to 1e-8 relative), and not the same bits (so the
/// flag did change the computation: span steps apply here, n = 16 ≤ d = 40).
#[test]
fn sweep_direct_agrees_with_span_steps() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    let common = [
        "--set",
        "data.n=16",
        "--set",
        "data.d=40",
        "--set",
        "train.steps=300",
        "--grid",
        "train.lambda=0.01;0.03",
    ];
    for (name, extra) in [("span", &[][..]), ("direct", &["--direct"][..])] {
        let o = lab(&[&["sweep"][..], &common[..], extra, &["--out", p(&d(name)), "--jobs", "1"][..]].concat());
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let read = |name: &str| std::fs::read_to_string(d(name).join("sweep.csv")).unwrap();
    let (a, b) = (read("span"), read("direct"));
    assert_eq!(a.lines().next(), b.lines().next(), "the same columns");
    assert_eq!(a.lines().count(), 3);
    let (mut compared, mut differ) = (0, 0);
    for (la, lb) in a.lines().zip(b.lines()).skip(1) {
        for (x, y) in la.split(',').zip(lb.split(',')) {
            if let (Ok(x), Ok(y)) = (x.parse::<f64>(), y.parse::<f64>()) {
                if x.is_finite() || y.is_finite() {
                    assert!((x - y).abs() <= 1e-8 * x.abs().max(y.abs()) + 1e-12, "{x} vs {y}");
                }
                compared += 1;
                differ += usize::from(x.to_bits() != y.to_bits());
            }
        }
    }
    assert!(compared > 20 && differ > 0, "{compared} numbers compared, {differ} differ");
}

#[test]
fn bad_arguments_fail_with_one_line_and_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "--preset", "nope", "--out", p(&out)], "unknown preset `nope`"),
        (vec!["run", "--set", "train.lamda=1", "--out", p(&out)], "unknown key `train.lamda`"),
        (
            vec!["run", "--set", "train.lambda=-1", "--out", p(&out)],
            "train.lambda must be in [0, 1000], got -1",
        ),
        (
            vec!["run", "--set", "net.widths=[0]", "--out", p(&out)],
            "net.widths[0] must be in [1, 1000000], got 0",
        ),
        (
            vec![
                "run",
                "--set",
                "data.n=100000",
                "--set",
                "data.d=100000",
                "--memory-budget",
                "1000000",
                "--out",
                p(&out),
            ],
            "above the memory budget of 1000000 bytes",
        ),
        (
            vec!["run", "--config", "/nonexistent.json", "--out", p(&out)],
            "cannot read /nonexistent.json",
        ),
        (
            vec!["sweep", "--grid", "train.lambda", "--out", p(&out)],
            "grid: expected key=v1;v2",
        ),
        (
            vec!["sweep", "--grid", "train.lambda=1", "--shard", "3/2", "--out", p(&out)],
            "shard must be i/N",
        ),
        (vec!["analyze", "--weights", "/nonexistent"], "is not a folder"),
        (vec!["frobnicate"], "unrecognized subcommand"),
        (vec!["run"], "--out"),
    ];
    for (args, want) in cases {
        let o = lab(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = stderr(&o);
        assert!(e.contains(want), "{args:?}: {e}");
    }
    assert!(!out.exists(), "a failed run left an output folder");
    // Malformed .npy.
    let w = dir.path().join("w");
    std::fs::create_dir_all(&w).unwrap();
    std::fs::write(w.join("W1.npy"), b"\x93NUMPY garbage").unwrap();
    let o = lab(&["analyze", "--weights", p(&w)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("W1.npy") && stderr(&o).lines().count() == 1, "{}", stderr(&o));
    // An existing folder that is not ours is not overwritten.
    let mine = dir.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), b"precious").unwrap();
    let o = lab(&["run", "--steps", "5", "--out", p(&mine)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an earlier lowrank-lab output folder"));
    assert_eq!(std::fs::read(mine.join("thesis.tex")).unwrap(), b"precious");
    // An unwritable parent.
    let o = lab(&["run", "--steps", "5", "--out", "/proc/forbidden/out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// The merge-methods sweep draws one chart with a line per method (accuracy and
/// output change panels); a merge run writes every method's weights and the
/// interference-path chart; merge-digits runs on the embedded real data.
#[test]
fn merge_methods_sweep_chart_and_digits_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    let o = lab(&[
        "sweep",
        "--preset",
        "merge-methods",
        "--set",
        "train.steps=200",
        "--grid",
        "data.rho=0;0.8",
        "--out",
        p(&d("mm")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(d("mm").join("merge_methods.svg")).unwrap();
    for m in [
        "sum",
        "mean",
        "task_arithmetic",
        "regmean",
        "ties",
        "dare",
        "spectral",
        "accuracy on task a",
    ] {
        assert!(svg.contains(m), "{m} missing from merge_methods.svg");
    }
    let csv = std::fs::read_to_string(d("mm").join("sweep.csv")).unwrap();
    for key in [
        "merge.regmean.a.accuracy",
        "merge_diagnostics.pairs.1.task_cosine",
        "merge_methods.5.ties.kept",
    ] {
        assert!(csv.lines().next().unwrap().split(',').any(|h| h == key), "{key} not in sweep.csv");
    }
    let o = lab(&[
        "run",
        "--preset",
        "merge-digits",
        "--set",
        "train.steps=100",
        "--out",
        p(&d("dg")),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fin: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(fin["merge"]["regmean"]["a"]["accuracy"].as_f64().unwrap() > 0.9);
    assert_eq!(fin["merge_methods"][1]["method"], "regmean");
    assert!(d("dg").join("merge_path.svg").exists());
    assert!(d("dg").join("weights/regmean/W1.npy").exists());
    let bad = lab(&[
        "run",
        "--preset",
        "merge-digits",
        "--set",
        "merge.regmean_ridge=-1",
        "--out",
        p(&d("bad")),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("merge.regmean_ridge must be in [0, 1]"), "{}", stderr(&bad));
}
