#![cfg(not(target_arch = "wasm32"))]
//! Property tests of every parser a user can feed: config JSON, dotted
//! overrides, .npy bytes, sweep CSV, an exported run state (the page's
//! import) and the URL hash. None may panic or allocate without bound,
//! whatever the input. Fixed case budgets keep CI time bounded (the whole
//! file takes a few seconds in release).

#[path = "../fuzz/fuzz_targets/edits.rs"]
#[allow(dead_code)]
mod edits;
use lowrank_lab::config::{overrides, urlhash};
use lowrank_lab::config::{Config, BROWSER_MEMORY_BUDGET};
use lowrank_lab::figures;
use lowrank_lab::io::npy;
use lowrank_lab::run::sweep;
use lowrank_lab::run::{Run, RunState};
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

/// Exported states (JSON values) of three small real runs: GD with two tasks, SGD, GF
/// (the same ones the run_state fuzz target edits).
fn exported_states() -> &'static [Value] {
    edits::bases()
}

/// Import as the page does; an accepted state must draw and continue. Returns the refusal.
fn import(text: &str) -> Result<(), String> {
    let st = RunState::from_json(text).map_err(|e| e.to_string())?;
    let mut run = Run::from_state(st, BROWSER_MEMORY_BUDGET).map_err(|e| e.to_string())?;
    let snap = run.snapshot();
    for t in 0..snap.tasks.len() {
        let _ = figures::spectrum_history(&snap, t);
        let _ = figures::alignment_data(&snap, t);
        let _ = figures::norms_data(&snap, t);
    }
    run.advance(2);
    let again = serde_json::to_string(&run.state()).unwrap();
    Run::from_state(RunState::from_json(&again).unwrap(), BROWSER_MEMORY_BUDGET)
        .unwrap_or_else(|e| panic!("an exported state is refused on import: {e}"));
    Ok(())
}

fn explains(e: &str) -> bool {
    (e.starts_with("state") || e.starts_with("run state does not parse")) && e.len() < 600
}

/// The node of `v` that `route` leads to (each number picks a key or an index).
fn walk<'a>(mut v: &'a mut Value, route: &[usize]) -> &'a mut Value {
    for &r in route {
        let len = match v {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if len == 0 {
            break;
        }
        v = match v {
            Value::Object(m) => m.values_mut().nth(r % len).unwrap(),
            Value::Array(a) => &mut a[r % len],
            _ => unreachable!(),
        };
    }
    v
}

fn hash_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_leaf(),
        Just(json!(-1)),
        Just(json!(u64::MAX)),
        Just(json!(1e308)),
        Just(json!(-1e-320)),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"v": 1, "dim": [1000000000, 1000000000], "data": []})),
        Just(json!({"v": 1, "dim": [2, 2], "data": [1.0, 2.0, 3.0, 4.0]})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(250))]

    #[test]
    fn mutated_run_states_are_refused_with_a_named_field_or_run(
        which in 0usize..3,
        route in prop::collection::vec(any::<usize>(), 1..9),
        leaf in hash_leaf(),
    ) {
        let mut v = exported_states()[which].clone();
        *walk(&mut v, &route) = leaf;
        if let Err(e) = import(&v.to_string()) {
            prop_assert!(explains(&e), "{e}");
        }
    }

    #[test]
    fn removed_fields_are_named(which in 0usize..3, route in prop::collection::vec(any::<usize>(), 1..7)) {
        let mut v = exported_states()[which].clone();
        let (last, parent) = route.split_last().unwrap();
        match walk(&mut v, parent) {
            Value::Object(m) if !m.is_empty() => {
                let k = m.keys().nth(last % m.len()).unwrap().clone();
                m.remove(&k);
            }
            Value::Array(a) if !a.is_empty() => {
                a.remove(last % a.len());
            }
            _ => {}
        }
        if let Err(e) = import(&v.to_string()) {
            prop_assert!(explains(&e), "{e}");
        }
    }

    #[test]
    fn truncated_or_flipped_run_states_never_panic(which in 0usize..3, cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let text = exported_states()[which].to_string();
        let cut = cut.index(text.len());
        if let Err(e) = import(&text[..cut]) {
            prop_assert!(e.starts_with("run state does not parse"), "{e}");
        }
        let mut b = text.into_bytes();
        let i = flip.index(b.len());
        b[i] = byte;
        if let Ok(t) = std::str::from_utf8(&b) {
            if let Err(e) = import(t) {
                prop_assert!(explains(&e), "{e}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn url_hashes_never_panic(hash in "#?((v|c|p|x)=[A-Za-z0-9_%=-]{0,60}&?){0,4}", junk in ".{0,80}") {
        for h in [hash.as_str(), junk.as_str()] {
            if let Err(e) = urlhash::decode(h) {
                prop_assert!(!e.to_string().is_empty() && e.to_string().len() < 2000);
            }
        }
    }

    #[test]
    fn valid_configs_round_trip_through_the_hash(fields in prop::collection::vec((0..KEYS.len(), json_leaf()), 0..6), preset in prop::option::of("[a-z-]{1,12}|merge-deep")) {
        let mut patch = json!({});
        for (k, v) in fields {
            let parts: Vec<&str> = KEYS[k].split('.').collect();
            if parts.len() == 1 {
                patch[parts[0]] = v;
            } else {
                if !patch[parts[0]].is_object() { patch[parts[0]] = json!({}); }
                patch[parts[0]][parts[1]] = v;
            }
        }
        let Ok(c) = overrides::apply_patch(&Config::default(), &patch) else { return Ok(()) };
        if c.validate().is_err() { return Ok(()); }
        let h = urlhash::encode(&c, preset.as_deref());
        match urlhash::decode(&h) {
            Ok(d) => prop_assert_eq!(d.config, c),
            // An unknown preset name is the only refusal a valid config may get.
            Err(e) => prop_assert!(e.to_string().contains("preset"), "{e}"),
        }
    }

    #[test]
    fn mutated_hashes_never_panic(pos in any::<prop::sample::Index>(), ch in any::<char>()) {
        let h = urlhash::encode(&Config::default(), Some("alignment"));
        let mut chars: Vec<char> = h.chars().collect();
        let i = pos.index(chars.len());
        chars[i] = ch;
        let m: String = chars.into_iter().collect();
        if let Err(e) = urlhash::decode(&m) {
            prop_assert!(!e.to_string().is_empty() && e.to_string().len() < 2000);
        }
    }
}
