#![cfg(not(target_arch = "wasm32"))]
//! Property tests of every parser a user can feed: config JSON, dotted
//! overrides, .npy bytes and sweep CSV. None may panic or allocate without
//! bound, whatever the input. Fixed case budgets keep CI time bounded.
use lowrank_lab::config::Config;
use lowrank_lab::{npy, overrides, sweep};
use proptest::prelude::*;
use serde_json::{json, Value};

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|v| json!(v)),
        any::<u64>().prop_map(|v| json!(v)),
        (-1e300f64..1e300).prop_map(|v| json!(v)),
        Just(json!(0)),
        Just(json!(1e9)),
        Just(json!(-1)),
        "[a-z_]{0,12}".prop_map(Value::String),
        Just(Value::Null),
        prop::collection::vec(0u64..2_000_000, 0..5).prop_map(|v| json!(v)),
    ]
}

const KEYS: &[&str] = &[
    "version",
    "seed",
    "data.generator",
    "data.tasks",
    "data.n",
    "data.d",
    "data.out_dim",
    "data.rho",
    "data.shape",
    "data.angle_deg",
    "data.noise",
    "data.labels",
    "data.teacher_width",
    "data.unit_norm",
    "net.widths",
    "net.activation",
    "net.leaky_slope",
    "net.bias",
    "net.output",
    "net.frozen",
    "net.init_scale",
    "net.layer_scales",
    "train.loss",
    "train.optimizer",
    "train.lr",
    "train.lambda",
    "train.batch_size",
    "train.steps",
    "train.time",
    "train.rtol",
    "train.atol",
    "train.record_every",
    "train.history_len",
    "train.ema",
    "merge.methods",
    "merge.alpha",
    "merge.shared_init",
    "bogus",
    "data.bogus",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn config_json_never_panics(text in ".{0,200}") {
        if let Ok(c) = Config::from_json(&text) {
            let _ = c.validate();
        }
    }

    #[test]
    fn structured_configs_validate_or_explain(fields in prop::collection::vec((0..KEYS.len(), json_leaf()), 0..8)) {
        let mut root = json!({});
        for (k, v) in fields {
            let parts: Vec<&str> = KEYS[k].split('.').collect();
            if parts.len() == 1 {
                root[parts[0]] = v;
            } else {
                if !root[parts[0]].is_object() { root[parts[0]] = json!({}); }
                root[parts[0]][parts[1]] = v;
            }
        }
        match Config::from_json(&root.to_string()) {
            Ok(c) => match c.validate() {
                Ok(v) => prop_assert!(v.memory_estimate() <= lowrank_lab::config::DEFAULT_MEMORY_BUDGET),
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            },
            Err(e) => prop_assert!(e.to_string().starts_with("config does not parse")),
        }
    }

    #[test]
    fn overrides_never_panic(assign in "[a-z_.]{0,20}=.{0,30}") {
        if let Ok(c) = overrides::apply_all(&Config::default(), &[assign]) {
            let _ = c.validate();
        }
    }

    #[test]
    fn npy_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = npy::from_bytes(&bytes);
    }

    #[test]
    fn mutated_npy_files_never_panic(pos in 0usize..200, byte in any::<u8>(), cut in 0usize..200) {
        let good = npy::to_bytes(&ndarray::Array2::from_elem((3, 4), 1.5)).unwrap();
        let mut b = good.clone();
        let p = pos % b.len();
        b[p] = byte;
        b.truncate(b.len() - cut.min(b.len()));
        let _ = npy::from_bytes(&b);
    }

    #[test]
    fn sweep_csv_never_panics(text in "(index,[a-z.,]{0,20}\n)?([0-9a-z.,\"e-]{0,30}\n){0,4}", axes in 0usize..4) {
        let _ = sweep::from_csv(&text, axes);
    }
}
