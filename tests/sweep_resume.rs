#![cfg(not(target_arch = "wasm32"))]
//! Sweeps that survive being killed: one record per finished point, `--resume`
//! runs only the missing points, `collect` refuses (exit 2, nothing written)
//! while points are missing or duplicated, a finished shard rerun does nothing.
//! The cluster side (the `--slurm` job on a real Slurm) is `make test-slurm`.
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::{lab, p, stderr};

/// Six points of about a quarter second each (one thread): slow enough to kill mid-run.
const SLOW: [&str; 12] = [
    "--set",
    "data.n=32",
    "--set",
    "data.d=16",
    "--set",
    "net.widths=[32]",
    "--set",
    "train.steps=20000",
    "--grid",
    "train.lambda=0.001;0.01;0.03",
    "--grid",
    "seed=0;1",
];

/// A quick 12-point grid.
const QUICK: [&str; 12] = [
    "--set",
    "data.n=16",
    "--set",
    "data.d=8",
    "--set",
    "net.widths=[8]",
    "--set",
    "train.steps=200",
    "--grid",
    "train.lambda=0.001;0.01;0.1",
    "--grid",
    "seed=0;1;2;3",
];

fn sweep(grid: &[&str], extra: &[&str], out: &Path) -> Output {
    lab(&[&["sweep"][..], grid, extra, &["--out", p(out)][..]].concat())
}

/// The record files of a sweep folder (not the hidden temporary files a killed writer may leave).
fn record_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("points"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|f| !f.file_name().unwrap().to_string_lossy().starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Every file of a folder with its inode and modification time: equal maps mean nothing was rewritten.
fn fingerprint_files(dir: &Path) -> BTreeMap<PathBuf, (u64, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path(), (m.ino(), m.mtime(), m.mtime_nsec()));
            }
        }
    }
    out
}

#[test]
fn a_killed_sweep_keeps_its_finished_points_and_resume_runs_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    let full = sweep(&SLOW, &["--jobs", "2"], &d("full"));
    assert!(full.status.success(), "{}", stderr(&full));
    assert_eq!(record_files(&d("full")).len(), 6);

    // Kill the sweep (SIGKILL: no chance to clean up) once its first point is recorded.
    let mut child = Command::new(env!("CARGO_BIN_EXE_lowrank-lab"))
        .args([&["sweep"][..], &SLOW[..], &["--jobs", "1", "--out", p(&d("s"))][..]].concat())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while record_files(&d("s")).is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(60), "no point recorded within 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = record_files(&d("s"));
    assert!(
        !kept.is_empty() && kept.len() < 6,
        "killed after the first point: {} records",
        kept.len()
    );
    assert!(!d("s").join("sweep.csv").exists(), "an unfinished sweep has no table");
    // Every kept record is whole, and is the full sweep's record of that point, byte for byte.
    for f in &kept {
        let name = f.file_name().unwrap();
        assert_eq!(
            std::fs::read(f).unwrap(),
            std::fs::read(d("full").join("points").join(name)).unwrap()
        );
    }
    let before = fingerprint_files(&d("s").join("points"));

    // collect lists the missing points and writes nothing.
    let c = lab(&["collect", p(&d("s")), "--out", p(&d("c"))]);
    assert_eq!(c.status.code(), Some(2), "{}", stderr(&c));
    let missing = 6 - kept.len();
    assert!(stderr(&c).contains(&format!("{missing} of 6 points missing")), "{}", stderr(&c));
    assert!(stderr(&c).contains("Nothing was written"), "{}", stderr(&c));
    assert!(!d("c").exists());

    // Without --resume the unfinished sweep is not thrown away.
    let again = sweep(&SLOW, &["--jobs", "1"], &d("s"));
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains(&format!(
            "holds {} finished points of an unfinished sweep; pass --resume",
            kept.len()
        )),
        "{}",
        stderr(&again)
    );
    assert_eq!(fingerprint_files(&d("s").join("points")), before);

    // --resume runs only the missing points; the kept records are not rewritten.
    let r = sweep(&SLOW, &["--jobs", "1", "--resume"], &d("s"));
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(
        stderr(&r).contains(&format!("6 points: {} already done, running {missing}", kept.len())),
        "{}",
        stderr(&r)
    );
    let after = fingerprint_files(&d("s").join("points"));
    assert_eq!(after.len(), 6, "six records and no temporary file left: {after:?}");
    for (f, id) in before
        .iter()
        .filter(|(f, _)| !f.file_name().unwrap().to_string_lossy().starts_with('.'))
    {
        assert_eq!(after.get(f), Some(id), "{} was rewritten", f.display());
    }
    for f in ["sweep.csv", "sweep.json", "sweep_loss.svg", "sweep_accuracy.svg"] {
        assert_eq!(
            std::fs::read(d("s").join(f)).unwrap(),
            std::fs::read(d("full").join(f)).unwrap(),
            "{f}"
        );
    }

    // A finished sweep resumed does nothing: no file is touched.
    let whole = fingerprint_files(&d("s"));
    let r2 = sweep(&SLOW, &["--jobs", "1", "--resume"], &d("s"));
    assert!(r2.status.success(), "{}", stderr(&r2));
    assert!(stderr(&r2).contains("all done"), "{}", stderr(&r2));
    assert_eq!(fingerprint_files(&d("s")), whole);
}

#[test]
fn shards_resume_and_collect_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    assert!(sweep(&QUICK, &["--jobs", "2"], &d("full")).status.success());
    for i in 0..4 {
        let o = sweep(&QUICK, &["--jobs", "1", "--shard", &format!("{i}/4")], &d(&format!("s{i}")));
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(record_files(&d(&format!("s{i}"))).len(), 3);
    }
    // A shard that lost two records (its node's disk, say) is listed point by point.
    std::fs::remove_file(d("s1").join("points/000005.json")).unwrap();
    std::fs::remove_file(d("s1").join("points/000009.json")).unwrap();
    let dirs: Vec<String> = (0..4).map(|i| p(&d(&format!("s{i}"))).to_string()).collect();
    let collect = |extra: &[&str], out: &str| {
        let mut args = vec!["collect"];
        args.extend(dirs.iter().map(String::as_str));
        args.extend(extra);
        args.extend(["--out", out]);
        lab(&args)
    };
    let o = collect(&[], p(&d("c")));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("2 of 12 points missing (points 5, 9 in shard 1/4, {})", p(&d("s1")))),
        "{}",
        stderr(&o)
    );
    assert!(!d("c").exists());
    // Resume shard 1: it reruns the two points and rewrites its table.
    let r = sweep(&QUICK, &["--jobs", "1", "--shard", "1/4", "--resume"], &d("s1"));
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("shard 1/4 (3 of 12 points): 1 already done, running 2"),
        "{}",
        stderr(&r)
    );
    // A folder given twice, or the unsharded run mixed in: duplicates, listed.
    let o = collect(&[p(&d("s2"))], p(&d("c")));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("3 points recorded more than once (2 in"), "{}", stderr(&o));
    let o = collect(&[p(&d("full"))], p(&d("c")));
    assert!(stderr(&o).contains("12 points recorded more than once"), "{}", stderr(&o));
    assert!(!d("c").exists());
    // A shard folder that never appeared is named, with the points its shard owns.
    let o = lab(&[
        "collect",
        p(&d("s0")),
        p(&d("s1")),
        p(&d("s2")),
        p(&d("nowhere")),
        "--out",
        p(&d("c")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("3 of 12 points missing (points 3, 7, 11 in no folder given); 1 folder not there"),
        "{}",
        stderr(&o)
    );
    // Complete and once each: exactly the unsharded sweep.
    let o = collect(&[], p(&d("c")));
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["sweep.csv", "sweep.json", "sweep_loss.svg", "sweep_accuracy.svg"] {
        assert_eq!(
            std::fs::read(d("c").join(f)).unwrap(),
            std::fs::read(d("full").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn records_of_another_sweep_or_point_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    assert!(sweep(&QUICK, &["--jobs", "1"], &d("a")).status.success());
    // --resume into a folder of another sweep (another grid) is refused.
    let mut other = QUICK;
    other[9] = "train.lambda=0.001;0.01;0.2";
    let o = sweep(&other, &["--resume"], &d("a"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds another sweep (its sweep.json differs in `axes`)"),
        "{}",
        stderr(&o)
    );
    let o = sweep(&QUICK, &["--resume", "--direct"], &d("a"));
    assert!(stderr(&o).contains("differs in `direct`"), "{}", stderr(&o));
    // A record copied onto another point's name: collect refuses it by name.
    std::fs::copy(d("a").join("points/000001.json"), d("a").join("points/000002.json")).unwrap();
    let o = lab(&["collect", p(&d("a")), "--out", p(&d("c"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("000002.json: record is for point 1, expected point 2"),
        "{}",
        stderr(&o)
    );
    assert!(!d("c").exists());
    // --resume says so and runs that point again; so does a record cut short.
    std::fs::write(d("a").join("points/000007.json"), "{\"format\":\"lowrank-lab sw").unwrap();
    let o = sweep(&QUICK, &["--resume"], &d("a"));
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("record is for point 1, expected point 2; running point 2 again"), "{e}");
    assert!(e.contains("000007.json: not a sweep point record"), "{e}");
    assert!(e.contains("12 points: 10 already done, running 2"), "{e}");
    assert!(lab(&["collect", p(&d("a")), "--out", p(&d("c"))]).status.success());
    // Something else in points/ is not taken for a record.
    std::fs::write(d("a").join("points/notes.txt"), "mine").unwrap();
    let o = lab(&["collect", p(&d("a")), "--out", p(&d("c2"))]);
    assert!(stderr(&o).contains("notes.txt: not a point record"), "{}", stderr(&o));
    // A folder that is not ours is never written into.
    std::fs::create_dir(d("mine")).unwrap();
    std::fs::write(d("mine/data.txt"), "keep").unwrap();
    let o = sweep(&QUICK, &["--resume"], &d("mine"));
    assert!(stderr(&o).contains("is not an earlier lowrank-lab output folder"), "{}", stderr(&o));
}

#[test]
fn a_record_holds_no_history_so_its_size_does_not_grow_with_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s);
    let mut short = QUICK;
    short[7] = "train.steps=100";
    let mut long = QUICK;
    long[7] = "train.steps=10000";
    assert!(sweep(&short, &[], &d("short")).status.success());
    assert!(sweep(&long, &[], &d("long")).status.success());
    let size = |dir: &Path| -> u64 { record_files(dir).iter().map(|f| f.metadata().unwrap().len()).max().unwrap() };
    let (a, b) = (size(&d("short")), size(&d("long")));
    // The same keys and numbers of at most ~25 characters: a history of 100x more
    // steps would make the long run's record many times larger.
    assert!(b < 2 * a && b < 4000, "record sizes: {a} B (100 steps), {b} B (10000 steps)");
}
