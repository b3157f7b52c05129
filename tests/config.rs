#![cfg(not(target_arch = "wasm32"))]
//! Validation: every invalid field gets its own message naming the field,
//! the allowed range and the value received.
use lowrank_lab::bench::workloads::{workload, Workload};
use lowrank_lab::config::{Config, ConfigError, BROWSER_MEMORY_BUDGET};
use serde_json::{json, Value};

fn patch(base: &mut Value, path: &str, v: Value) {
    let mut cur = base;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        if cur.get(*p).is_none() {
            cur[*p] = json!({});
        }
        cur = cur.get_mut(*p).unwrap();
    }
    cur[parts[parts.len() - 1]] = v;
}

fn error_for(path: &str, v: Value) -> String {
    let mut base = json!({});
    patch(&mut base, path, v);
    let cfg = Config::from_json(&base.to_string());
    match cfg {
        Err(e) => e.to_string(),
        Ok(c) => c
            .validate()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("{path} accepted")),
    }
}

#[test]
fn defaults_are_valid() {
    let c = Config::from_json("{}").unwrap();
    assert!(c.validate().is_ok());
    let back = Config::from_json(&c.to_json()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn each_invalid_field_has_its_message() {
    let cases: &[(&str, Value, &str)] = &[
        ("version", json!(2), "version must be 1 (the format this build reads), got 2"),
        (
            "seed",
            json!(9007199254740992u64),
            "seed must be in [0, 9007199254740991], got 9007199254740992",
        ),
        ("data.tasks", json!(0), "data.tasks must be in [1, 26], got 0"),
        ("data.tasks", json!(27), "data.tasks must be in [1, 26], got 27"),
        ("data.n", json!(0), "data.n must be in [1, 1000000], got 0"),
        ("data.d", json!(0), "data.d must be in [1, 1000000], got 0"),
        ("data.out_dim", json!(0), "data.out_dim must be in [1, 4096], got 0"),
        ("data.rho", json!(1.5), "data.rho must be in [0, 1], got 1.5"),
        ("data.rho", json!(-0.1), "data.rho must be in [0, 1], got -0.1"),
        ("data.angle_deg", json!(120), "data.angle_deg must be in [0, 90] degrees, got 120"),
        ("data.noise", json!(2), "data.noise must be in [0, 1], got 2"),
        ("data.teacher_width", json!(0), "data.teacher_width must be in [1, 4096], got 0"),
        ("net.widths", json!([64, 0]), "net.widths[1] must be in [1, 1000000], got 0"),
        ("net.leaky_slope", json!(1.0), "net.leaky_slope must be in (0, 1), got 1"),
        ("net.init_scale", json!(0), "net.init_scale must be in (0, 100], got 0"),
        (
            "net.layer_scales",
            json!([1.0]),
            "net.layer_scales must be empty or one entry per layer (2), got 1 entries",
        ),
        (
            "net.layer_scales",
            json!([1.0, -1.0]),
            "net.layer_scales[1] must be in (0, 100], got -1",
        ),
        ("net.frozen", json!([3]), "net.frozen[0] must be a layer index in [1, 2], got 3"),
        (
            "net.frozen",
            json!([1, 2]),
            "net.frozen: every layer is frozen or fixed: nothing to train",
        ),
        ("train.lr", json!(0), "train.lr must be in (0, 1000], got 0"),
        ("train.lr", json!(-1), "train.lr must be in (0, 1000], got -1"),
        ("train.lambda", json!(-0.001), "train.lambda must be in [0, 1000], got -0.001"),
        ("train.steps", json!(0), "train.steps must be in [1, 1000000000], got 0"),
        ("train.time", json!(0), "train.time must be in (0, 1e9], got 0"),
        ("train.rtol", json!(1e-20), "train.rtol must be in [1e-14, 1e-2], got 1e-20"),
        ("train.atol", json!(2), "train.atol must be in [0, 1], got 2"),
        (
            "train.record_every",
            json!(0),
            "train.record_every must be in [1, 1000000000], got 0",
        ),
        ("train.history_len", json!(4), "train.history_len must be in [16, 100000], got 4"),
        ("train.ema", json!(1.0), "train.ema must be in [0, 1), got 1"),
        ("merge.alpha", json!(0), "merge.alpha must be in (0, 10], got 0"),
        (
            "merge.methods",
            json!(["task_arithmetic"]),
            "merge.methods: task_arithmetic needs merge.shared_init = true",
        ),
    ];
    for (path, v, want) in cases {
        let got = error_for(path, v.clone());
        assert!(got.starts_with(want), "{path} = {v}: got «{got}», want «{want}…»");
    }
}

#[test]
fn cross_field_constraints() {
    let err = |j: Value| Config::from_json(&j.to_string()).unwrap().validate().unwrap_err().to_string();
    assert_eq!(
        err(json!({"data": {"out_dim": 3}})),
        "data.out_dim must be 1 for the logistic loss (labels are ±1), got 3"
    );
    assert_eq!(
        err(json!({"data": {"generator": "blocks", "tasks": 5, "d": 4}})),
        "data.d must be at least data.tasks = 5 for the blocks generator (one block per task), got 4"
    );
    assert_eq!(
        err(json!({"data": {"generator": "planar", "tasks": 2, "d": 5}})),
        "data.d must be at least 3 × data.tasks = 6 for planar tasks (three axes per task), got 5"
    );
    assert_eq!(
        err(json!({"data": {"generator": "whitened", "n": 5, "d": 10}, "train": {"loss": "squared"}})),
        "data.n must be at least data.d = 10 for whitened inputs (XᵀX = n·I needs n ≥ d), got 5"
    );
    assert_eq!(
        err(json!({"train": {"optimizer": "sgd", "batch_size": 50}, "data": {"n": 20}})),
        "train.batch_size must be in [1, data.n = 20], got 50"
    );
    assert_eq!(
        err(json!({"net": {"widths": [], "output": "fixed"}})),
        "net.output: a fixed output layer needs at least one hidden layer (net.widths is empty)"
    );
}

#[test]
fn parse_errors_name_the_problem() {
    // Every refusal names the dotted field, as the validation messages do.
    let e = Config::from_json(r#"{"train": {"lamda": 0.1}}"#).unwrap_err().to_string();
    assert!(e.contains("train.lamda: unknown field `lamda`") && e.contains("lambda"), "{e}");
    let e = Config::from_json(r#"{"bogus": 1}"#).unwrap_err().to_string();
    assert!(e.contains("bogus: unknown field `bogus`"), "{e}");
    let e = Config::from_json(r#"{"net": {"activation": "swish"}}"#).unwrap_err().to_string();
    assert!(e.contains("net.activation: unknown variant `swish`") && e.contains("relu"), "{e}");
    let e = Config::from_json(r#"{"data": {"n": -3}}"#).unwrap_err().to_string();
    assert!(e.contains("data.n: invalid value: integer `-3`"), "{e}");
    let e = Config::from_json("{\"train\": {\"steps\": 10,\n  \"lr\": \"fast\"}}")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "config does not parse: train.lr takes a number, e.g. 0.01 or 1e-3\n\
         exact rule: train.lr: invalid type: string \"fast\", expected f64 at line 2 column 14"
    );
    let e = Config::from_json(r#"{"net": {"widths": [64, "x"]}}"#).unwrap_err().to_string();
    assert!(e.contains("net.widths[1]: invalid type: string \"x\""), "{e}");
    assert!(Config::from_json("{").is_err());
    assert!(Config::from_json("").unwrap_err().to_string().contains("EOF while parsing"));
    let e = Config::from_json(r#"{"train": {"lr": 1e999}}"#).unwrap_err().to_string();
    assert!(e.contains("train.lr: number out of range"), "{e}");
    // A config file patched onto a preset (the CLI's --config) names the field too.
    let patch: Value = serde_json::from_str(r#"{"train": {"lr": "fast"}}"#).unwrap();
    let e = lowrank_lab::config::overrides::apply_patch(&Config::default(), &patch)
        .unwrap_err()
        .to_string();
    assert!(e.contains("train.lr: invalid type: string \"fast\""), "{e}");
}

#[test]
fn memory_budget_is_checked_before_allocation() {
    let c = Config::from_json(r#"{"data": {"n": 100000, "d": 100000}, "net": {"widths": [100000]}}"#).unwrap();
    match c.validate_with_budget(BROWSER_MEMORY_BUDGET) {
        Err(ConfigError::MemoryBudget { estimate, budget, detail }) => {
            assert!(estimate > budget);
            assert_eq!(budget, 1 << 30);
            assert!(detail.contains("data") && detail.contains("parameters"));
        }
        other => panic!("{other:?}"),
    }
    let msg = c.validate_with_budget(BROWSER_MEMORY_BUDGET).unwrap_err().to_string();
    assert!(msg.contains("above the memory budget of 1073741824 bytes"), "{msg}");
    // Absurd sizes saturate instead of overflowing.
    let huge = Config::from_json(r#"{"data": {"n": 1000000, "d": 1000000}, "net": {"widths": [1000000, 1000000, 1000000]}}"#).unwrap();
    assert!(matches!(huge.validate(), Err(ConfigError::MemoryBudget { .. })));
    // The default config is far below the browser budget.
    let est = Config::default().validate().unwrap().memory_estimate();
    assert!(est > 100_000 && est < 50 << 20, "{est}");
}

/// A run that fits in memory but whose every step would take long (a step
/// cannot be paused halfway) is refused with the estimate, at 2 multiply-adds
/// per byte of the memory budget.
#[test]
fn per_step_cost_is_checked_against_the_budget() {
    let c = Config::from_json(r#"{"data": {"n": 1000, "d": 100}, "net": {"widths": [100]}}"#).unwrap();
    let budget = 10_000_000;
    let err = c.validate_with_budget(budget).unwrap_err();
    match &err {
        ConfigError::StepCost { estimate, budget: b, .. } => {
            // 3 products × n = 1000 × (100·100 + 100·1) weights × 1 task.
            assert_eq!(*estimate, 3 * 1000 * (100 * 100 + 100));
            assert_eq!(*b, 2 * budget);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "one training step costs an estimated 30300000 multiply-adds (3 products × n = 1000 × 10100 weights × 1 task(s)), \
         above the step budget of 20000000 (2 per byte of the memory budget; a step cannot be paused halfway)"
    );
    // Three times the budget: accepted.
    assert!(c.validate_with_budget(3 * budget).is_ok());
    // The standard benchmark workloads pass in the browser (presets: tests/e2e).
    for w in [Workload::W1, Workload::W2, Workload::W3] {
        workload(w).validate_with_budget(BROWSER_MEMORY_BUDGET).unwrap();
    }
}
