#![cfg(not(target_arch = "wasm32"))]
//! The claims as the CLI writes them: `run --json` / run.json `final.claims`,
//! a sweep's (and a collection's) `claims.json`, `presets --claims`.
mod common;
use common::{lab, p, stderr};
use serde_json::Value;

fn statuses(claims: &Value) -> Vec<(String, String)> {
    claims
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["claim"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
        .collect()
}

fn read(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn run_writes_the_claims_that_apply_and_they_can_fail() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("align");
    let o = lab(&["run", "--preset", "alignment", "--out", p(&out), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fin: Value = serde_json::from_slice(&o.stdout).unwrap();
    let got = statuses(&fin["claims"]);
    assert_eq!(got.len(), lowrank_lab::claims::table::of("alignment").len());
    assert!(got.iter().all(|(_, s)| s == "pass"), "{got:?}");
    let c = &fin["claims"][0];
    assert_eq!(
        (c["quantity"].as_str(), c["comparison"].as_str(), c["threshold"].as_f64()),
        (Some("layers.1.alignment_cos_avg"), Some(">"), Some(0.999))
    );
    assert_eq!(c["measured"], fin["layers"][0]["alignment_cos_avg"]);
    assert_eq!(read(&out.join("run.json"))["final"]["claims"], fin["claims"]);
    assert!(stderr(&o).contains("claim ✓ averaged cos"), "{}", stderr(&o));
    // 50 steps are not enough for the averaged cosine: the claim fails, and says with what.
    let o = lab(&[
        "run",
        "--preset",
        "alignment",
        "--steps",
        "50",
        "--out",
        p(&dir.path().join("short")),
        "--json",
    ]);
    let fin: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(fin["claims"][0]["status"], "fail", "{}", fin["claims"][0]);
    assert!(fin["claims"][0]["why"].as_str().unwrap().contains("does not meet 0.999"));
    // Without a preset there are no claims to check.
    let o = lab(&["run", "--steps", "10", "--out", p(&dir.path().join("none")), "--json"]);
    let fin: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(fin["claims"], Value::Array(vec![]));
}

#[test]
fn sweep_and_collect_write_claims_json() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let o = lab(&["sweep", "--preset", "balance-gf", "--out", p(&whole)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let claims = read(&whole.join("claims.json"));
    assert_eq!(claims["preset"], "balance-gf");
    let got = statuses(&claims["claims"]);
    assert!(got.len() == 2 && got.iter().all(|(_, s)| s == "pass"), "{got:?}");
    // Two shards collected: the same claims.
    let shards: Vec<_> = (0..2).map(|i| dir.path().join(format!("s{i}"))).collect();
    for (i, s) in shards.iter().enumerate() {
        let o = lab(&["sweep", "--preset", "balance-gf", "--shard", &format!("{i}/2"), "--out", p(s)]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let collected = dir.path().join("collected");
    let o = lab(&["collect", p(&shards[0]), p(&shards[1]), "--out", p(&collected)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&collected.join("claims.json")), claims);
    // A grid without λ = 0: that claim is not applicable (not a pass); the −2λ one holds at 0.1.
    let other = dir.path().join("other");
    let o = lab(&[
        "sweep",
        "--preset",
        "balance-gf",
        "--grid",
        "train.lambda=0.05;0.1",
        "--out",
        p(&other),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = statuses(&read(&other.join("claims.json"))["claims"]);
    assert_eq!(got[0].1, "pass", "{got:?}");
    assert_eq!(got[1].1, "not_applicable", "{got:?}");
}

#[test]
fn presets_claims_prints_the_table() {
    let o = lab(&["presets", "--claims"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for pr in lowrank_lab::presets::PRESETS {
        assert!(text.contains(&lowrank_lab::claims::table::markdown(pr.name)), "{}", pr.name);
    }
}
