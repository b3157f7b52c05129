//! The run_state fuzz target's second input kind, shared with
//! `tests/fuzz_corpus.rs` (which replays such inputs from the corpus): an
//! input starting with byte 0xFF is a list of edits to a real export of one
//! of three tiny runs (GD with two tasks, SGD, GF), so that the fuzzer also
//! explores states that parse but do not fit their config.
use lowrank_lab::config::{Config, Generator, Optimizer};
use lowrank_lab::run::Run;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// Exported states (JSON values) of the three tiny runs.
pub fn bases() -> &'static [Value] {
    static B: OnceLock<Vec<Value>> = OnceLock::new();
    B.get_or_init(|| {
        [(Optimizer::Gd, 2), (Optimizer::Sgd, 1), (Optimizer::Gf, 1)]
            .into_iter()
            .map(|(opt, tasks)| {
                let mut c = Config::default();
                if tasks > 1 {
                    c.data.generator = Generator::Blocks;
                }
                c.data.tasks = tasks;
                c.data.n = 6;
                c.data.d = 4;
                c.net.widths = vec![5, 3];
                c.train.optimizer = opt;
                c.train.lr = 0.2;
                c.train.batch_size = 2;
                c.train.steps = 40;
                c.train.time = 2.0;
                c.train.record_every = 4;
                c.train.history_len = 16;
                let mut run = Run::new(&c.validate().unwrap());
                run.advance(10);
                serde_json::to_value(run.state()).unwrap()
            })
            .collect()
    })
}

fn take<const N: usize>(it: &mut impl Iterator<Item = u8>) -> [u8; N] {
    let mut b = [0u8; N];
    for x in &mut b {
        *x = it.next().unwrap_or(0);
    }
    b
}

/// A replacement value of kind `k`, its payload read from `it`.
fn leaf(k: u8, it: &mut impl Iterator<Item = u8>) -> Value {
    match k % 14 {
        0 => Value::Null,
        1 => json!(it.next().unwrap_or(0) & 1 == 1),
        2 => json!(u64::from_le_bytes(take(it))),
        3 => json!(-(it.next().unwrap_or(1) as i64)),
        4 => {
            let f = f64::from_le_bytes(take(it));
            json!(if f.is_finite() { f } else { 1e308 })
        }
        5 => json!(it.next().unwrap_or(0)),
        6 => json!([]),
        7 => json!({}),
        8 => {
            let n = it.next().unwrap_or(0) % 16;
            json!(String::from_utf8_lossy(&it.take(n as usize).collect::<Vec<_>>()))
        }
        9 => {
            let n = it.next().unwrap_or(0) % 16;
            json!(it.take(n as usize).map(|b| b % 8).collect::<Vec<_>>())
        }
        10 => json!(u64::MAX),
        11 => json!(1u64 << 53),
        12 => {
            let [r, c, short] = take(it);
            let (r, c) = (r as usize % 7, c as usize % 7);
            let n = (r * c).saturating_sub((short & 1) as usize);
            json!({"v": 1, "dim": [r, c], "data": vec![0.5; n]})
        }
        _ => json!({"v": 1, "dim": [n_or(it), n_or(it)], "data": []}),
    }
}

fn n_or(it: &mut impl Iterator<Item = u8>) -> u64 {
    u64::from_le_bytes(take(it))
}

/// Apply edits (the input after its 0xFF byte): each is an op byte (high nibble: route length, low: leaf kind),
/// route bytes (each picks a key or an index), and the leaf's payload.
pub fn edited(data: &[u8]) -> String {
    let mut it = data.iter().copied();
    let mut v = bases()[it.next().unwrap_or(0) as usize % 3].clone();
    while let Some(op) = it.next() {
        let mut node = &mut v;
        for _ in 0..(op >> 4) % 8 + 1 {
            let r = it.next().unwrap_or(0) as usize;
            let len = match node {
                Value::Object(m) => m.len(),
                Value::Array(a) => a.len(),
                _ => 0,
            };
            if len == 0 {
                break;
            }
            node = match node {
                Value::Object(m) => m.values_mut().nth(r % len).unwrap(),
                Value::Array(a) => &mut a[r % len],
                _ => unreachable!(),
            };
        }
        *node = leaf(op & 0x0f, &mut it);
    }
    v.to_string()
}
