#![cfg(not(target_arch = "wasm32"))]
//! `sweep --slurm DIR` writes a job whose scripts do what they say. Here the
//! scripts run under plain bash with the variables Slurm would set; on a real
//! one-node Slurm (submission, afterok, scancel, resubmission) they run in
//! `make test-slurm` (tests/slurm/test.sh).
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{lab, p, stderr};

const GRID: [&str; 14] = [
    "--preset",
    "merge-overlap",
    "--set",
    "train.steps=150",
    "--set",
    "data.n=12",
    "--grid",
    "data.rho=0;0.3;0.6",
    "--grid",
    "train.lambda=0.02;0.05",
    "--grid",
    "seed=0;1",
    "--set",
    "merge.methods=[\"sum\",\"mean\"]",
];

fn bash(script: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("bash");
    c.arg(script);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn the_generated_job_runs_the_sweep_and_collects_the_unsharded_table() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    let full = lab(&[&["sweep"][..], &GRID[..], &["--out", p(&d("full"))][..]].concat());
    assert!(full.status.success(), "{}", stderr(&full));
    let o = lab(&[
        &["sweep"][..],
        &GRID[..],
        &[
            "--slurm",
            p(&d("job")),
            "--shards",
            "5",
            "--partition",
            "short",
            "--time",
            "1:30:00",
            "--cpus-per-task",
            "3",
            "--max-running",
            "2",
            "--sbatch=--mem=2G",
            "--sbatch",
            "#SBATCH --account=proj",
            "--job-setup",
            "echo setting up; export LOWRANK_SETUP=yes",
        ][..],
    ]
    .concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let job = d("job").canonicalize().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains(&format!("submit:  bash {}/submit.sh", job.display())), "{out}");
    let read = |f: &str| std::fs::read_to_string(job.join(f)).unwrap();
    let sweep = read("sweep.sbatch");
    for line in [
        "#SBATCH --array=0-4%2",
        "#SBATCH --cpus-per-task=3",
        "#SBATCH --partition=short",
        "#SBATCH --time=1:30:00",
        "#SBATCH --mem=2G",
        "#SBATCH --account=proj",
        "#SBATCH --requeue",
        "#SBATCH --open-mode=append",
        &format!("#SBATCH --output={}/logs/shard-%a.out", job.display()),
        "export RAYON_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-3}\"",
        "--shard \"$shard/5\" --jobs \"$RAYON_NUM_THREADS\" --resume",
        "--preset 'merge-overlap'",
        "--grid 'data.rho=0;0.3;0.6'",
    ] {
        assert!(sweep.contains(line), "sweep.sbatch lacks `{line}`:\n{sweep}");
    }
    // #SBATCH lines must come before the first command, or sbatch ignores them.
    let first_command = sweep.lines().position(|l| l.starts_with("set ")).unwrap();
    assert!(sweep.lines().skip(first_command).all(|l| !l.starts_with("#SBATCH")), "{sweep}");
    let collect = read("collect.sbatch");
    for line in [
        "#SBATCH --kill-on-invalid-dep=yes",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --time=0:30:00",
        "#SBATCH --mem=2G",
        "for ((i = 0; i < 5; i++))",
    ] {
        assert!(collect.contains(line), "collect.sbatch lacks `{line}`:\n{collect}");
    }
    let submit = read("submit.sh");
    assert!(submit.contains("sbatch --parsable --dependency=afterok:\"$array\""), "{submit}");
    let readme = read("README.md");
    assert!(
        readme.contains(&format!(
            "Submit with `bash {0}/submit.sh`; the table lands in `{0}/result/sweep.csv`",
            job.display()
        )),
        "{readme}"
    );
    assert!(readme.contains("12 points in 5 shards") && readme.contains("3 CPUs each (partition short, time limit 1:30:00"));

    // Run the array's tasks and the collect job as Slurm would (one more time for task 2: it does nothing).
    for i in ["0", "1", "2", "3", "4", "2"] {
        let o = bash(
            &job.join("sweep.sbatch"),
            &[("SLURM_ARRAY_TASK_ID", i), ("SLURM_CPUS_PER_TASK", "2")],
        );
        assert!(o.status.success(), "task {i}: {}", stderr(&o));
        let log = String::from_utf8_lossy(&o.stdout);
        assert!(
            log.contains("setting up") && log.contains(&format!("== shard {i}/5")) && log.contains("threads: 2"),
            "{log}"
        );
    }
    let o = bash(&job.join("sweep.sbatch"), &[("SLURM_ARRAY_TASK_ID", "2")]);
    assert!(stderr(&o).contains("shard 2/5 (2 of 12 points): all done"), "{}", stderr(&o));
    // Outside an array, the script says how it is meant to run.
    let o = bash(&job.join("sweep.sbatch"), &[]);
    assert!(
        !o.status.success() && stderr(&o).contains("submit this script with sbatch"),
        "{}",
        stderr(&o)
    );
    let o = bash(&job.join("collect.sbatch"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["sweep.csv", "sweep.json", "merge_overlap.svg"] {
        assert_eq!(
            std::fs::read(job.join("result").join(f)).unwrap(),
            std::fs::read(d("full").join(f)).unwrap(),
            "{f}"
        );
    }
    // The job runs its own copy of the binary and of the base config.
    assert!(job.join("bin/lowrank-lab").exists());
    let cfg: serde_json::Value = serde_json::from_str(&read("config.json")).unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(d("full").join("sweep.json")).unwrap()).unwrap();
    assert_eq!(cfg, meta["base_config"]);
}

#[test]
fn slurm_options_are_checked_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job");
    let grid = ["--grid", "train.lambda=0.01;0.1", "--grid", "seed=0;1;2", "--set", "train.steps=10"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "--slurm needs --shards N"),
        (vec!["--shards", "0"], "--shards must be in [1, 6]"),
        (
            vec!["--shards", "7"],
            "--shards must be in [1, 6] (the grid has 6 points; an empty shard would be a wasted task), got 7",
        ),
        (vec!["--shards", "2", "--time", "90 min"], "--time must be a Slurm time limit"),
        (
            vec!["--shards", "2", "--cpus-per-task", "0"],
            "--cpus-per-task must be in [1, 4096], got 0",
        ),
        (vec!["--shards", "2", "--max-running", "3"], "--max-running must be in [1, 2]"),
        (vec!["--shards", "2", "--partition", "a b"], "--partition must be a partition name"),
        (vec!["--shards", "2", "--sbatch=--time=5"], "--time is set by --time"),
        (
            vec!["--shards", "2", "--sbatch", "-c 4"],
            "--cpus-per-task is set by --cpus-per-task",
        ),
        (vec!["--shards", "2", "--sbatch=mem=2G"], "takes one sbatch option"),
        (vec!["--shards", "2", "--shard", "0/2"], "cannot be used with"),
        (vec!["--shards", "2", "--resume"], "cannot be used with"),
    ];
    for (extra, says) in cases {
        let o = lab(&[&["sweep"][..], &grid[..], &["--slurm", p(&job)][..], &extra[..]].concat());
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&o).contains(says), "{extra:?}: {}", stderr(&o));
        assert!(!job.exists(), "{extra:?} wrote {}", job.display());
    }
    // Slurm options without --slurm are refused, not ignored.
    let o = lab(&[&["sweep"][..], &grid[..], &["--out", p(&dir.path().join("o")), "--shards", "2"][..]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--slurm"), "{}", stderr(&o));
    // A folder holding something is not overwritten.
    std::fs::create_dir(&job).unwrap();
    std::fs::write(job.join("notes"), "mine").unwrap();
    let o = lab(&[&["sweep"][..], &grid[..], &["--slurm", p(&job), "--shards", "2"][..]].concat());
    assert!(stderr(&o).contains("exists and is not empty"), "{}", stderr(&o));
    let o = lab(&[
        &["sweep"][..],
        &grid[..],
        &["--slurm", p(&dir.path().join("a b")), "--shards", "2"][..],
    ]
    .concat());
    assert!(stderr(&o).contains("must not contain spaces"), "{}", stderr(&o));
}
