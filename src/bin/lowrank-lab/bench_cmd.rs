//! `lowrank-lab bench` (hidden; driven by `make bench`, see bench/run.mjs):
//! times the standard workloads of `lowrank_lab::bench::workloads` with the
//! core's own [`Trainer`] and exports their data and initial weights for the
//! NumPy / JAX / TensorFlow.js references.
//!
//!     lowrank-lab bench --workload W1|W2|W3|S|P [--steps N] [--reps R] [--export DIR] [--tiny] [--direct | --products] [--split auto|never|always|default|owned]
//!
//! Prints one JSON line: {workload, unit, steps, reps, seconds:[…],
//! steps_per_s:[…], final_loss, final_objective, …}. W1–W3: every rep starts
//! from the same initial weights and runs `steps` full-batch GD steps
//! θ ← (1 − ηλ)θ − η∇L; `final_loss` is the mean logistic loss
//! L = (1/n)Σ log(1 + e^{−y f}) after them, `final_objective` is
//! F = L + (λ/2)‖θ‖² over trained layers. S: one "step" is one call that
//! computes the singular values of every layer of the W2 net and of the W3
//! net (their initial weights: the cost of a live-chart refresh).
//!
//! `--export DIR` writes DIR/X.npy (n × d), DIR/y.npy (n × 1), DIR/W1_init.npy …
//! (fan_out × fan_in, every layer, fixed ones included) and DIR/meta.json with
//! the sizes, which layers train, η, λ, steps and our final loss; for S,
//! DIR/W2_W1.npy … DIR/W3_W2.npy and each layer's singular values. `--tiny`
//! shrinks every workload to a few units (the smoke test); the references read
//! every size from meta.json.
//!
//! `--workload P` measures this machine's multiply–add peak on one thread
//! (`lowrank_lab::bench::peak`, widest vector unit; `--reps` reps of about
//! 0.3 s, `--tiny` 0.01 s): {workload: "P", impl: "native_peak", kernel,
//! gflops:[…], gflops_best, checked}, the ceiling `make bench` sets the
//! wasm builds' peaks against.
//!
//! `--products` times only the matrix products of a direct step
//! (`lowrank_lab::bench::products`: one "step" is one pass over them), the
//! ceiling of the step's speed; meta.json's `products_checksum` is what every
//! build must reproduce before its figure counts.

use lowrank_lab::analysis::spectrum::singular_values;
use lowrank_lab::bench::products::DirectProducts;
use lowrank_lab::bench::workloads::{workload_sized, Workload};
use lowrank_lab::config::{Config, ValidConfig, NATIVE_MEMORY_BUDGET};
use lowrank_lab::io::npy;
use lowrank_lab::net::tune::SplitTuner;
use lowrank_lab::net::Net;
use lowrank_lab::run::Run;
use lowrank_lab::train::Trainer;
use ndarray::Array2;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// W1 (shallow), W2 (deep), W3 (wide), S (spectra of the W2 and W3 nets) or P
    /// (the machine's multiply–add peak on one thread).
    #[arg(long)]
    pub workload: String,
    /// GD steps per rep (S: spectra calls per rep). Default: W1 5000, W2 5000, W3 100, S 20.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Timed repetitions, each from the same initial weights.
    #[arg(long, default_value_t = 1)]
    pub reps: usize,
    /// Write the data, initial weights and meta.json (with our final loss) here.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Shrink the workload to a few units (for the smoke test).
    #[arg(long)]
    pub tiny: bool,
    /// Direct steps (layer 1's products every step, as the page and the references do)
    /// instead of the CLI's span steps (`Trainer::set_span_steps`).
    #[arg(long, conflicts_with = "products")]
    pub direct: bool,
    /// Time only the matrix products of a direct step (impl "native_products"; one
    /// step = one pass over them), not a training step.
    #[arg(long)]
    pub products: bool,
    /// How steps split work across threads: `auto` (timed on this machine,
    /// `net::tune`), `never`, `always` (every site above the ladder's floor)
    /// `default` (the fixed threshold 2^18) or `owned` (plain GD steps with
    /// each of two threads owning half of every hidden layer's units,
    /// `train::owned`; span steps as `never`). The numbers are the same.
    #[arg(long, default_value = "auto")]
    pub split: String,
}

fn split_tuner(how: &str) -> Result<SplitTuner, String> {
    match how {
        "auto" => Ok(SplitTuner::new()),
        "never" => Ok(SplitTuner::fixed(usize::MAX)),
        "always" => Ok(SplitTuner::fixed(0)),
        "default" => Ok(SplitTuner::fixed(lowrank_lab::net::par::DEFAULT_MIN_WORK)),
        "owned" => Ok(SplitTuner::fixed(lowrank_lab::net::tune::OWNED)),
        _ => Err(format!("--split must be auto, never, always, default or owned, got `{how}`")),
    }
}

/// The default steps per rep (about 1–3 s each natively).
fn default_steps(name: &str, tiny: bool) -> u64 {
    match (name, tiny) {
        ("W3", false) => 100,
        ("S", false) => 20,
        ("W3", true) | ("S", true) => 10,
        (_, true) => 20,
        _ => 5000,
    }
}

fn parse_workload(name: &str) -> Result<Workload, String> {
    match name {
        "W1" => Ok(Workload::W1),
        "W2" => Ok(Workload::W2),
        "W3" => Ok(Workload::W3),
        _ => Err(format!("--workload must be one of W1, W2, W3, S, P, got `{name}`")),
    }
}

/// The workload's config (`tiny`: see `bench_workloads::workload_sized`).
pub fn config(w: Workload, tiny: bool) -> Result<ValidConfig, String> {
    let c: Config = workload_sized(w, tiny);
    c.validate_with_budget(NATIVE_MEMORY_BUDGET).map_err(|e| e.to_string())
}

fn trainer(cfg: &ValidConfig, direct: bool) -> Trainer {
    let run = Run::new(cfg);
    let t = &run.data().tasks[0];
    let mut tr = Trainer::new(cfg, 0, t.x.clone(), t.y.clone());
    tr.set_span_steps(!direct);
    // GD steps alone, as every reference times them (no history point at step 0).
    tr.set_record_first(false);
    tr
}

/// (L, F = L + (λ/2)‖θ‖² over trained layers) at the trainer's current weights.
fn loss_and_objective(t: &Trainer) -> (f64, f64) {
    let (loss, _) = t.loss_and_gradient();
    let net = t.net();
    (loss, loss + 0.5 * t.config().train.lambda * net.params.norm_sq(&net.trained))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(dir.join(name), bytes).map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))
}

fn write_npy(dir: &Path, name: &str, a: &Array2<f64>) -> Result<(), String> {
    write(dir, name, &npy::to_bytes(a).map_err(|e| e.to_string())?)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.is_empty() {
        f64::NAN
    } else if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

fn layer_files(net: &Net, prefix: &str, suffix: &str) -> Vec<Value> {
    net.params
        .w
        .iter()
        .enumerate()
        .map(|(k, w)| {
            json!({
                "file": format!("{prefix}W{}{suffix}.npy", k + 1),
                "shape": [w.nrows(), w.ncols()],
                "trained": net.trained[k],
            })
        })
        .collect()
}

fn bench_steps(name: &str, w: Workload, args: &BenchArgs, steps: u64) -> Result<Value, String> {
    let cfg = config(w, args.tiny)?;
    let mut t = trainer(&cfg, args.direct);
    t.set_split_tuner(split_tuner(&args.split)?);
    let (loss0, obj0) = loss_and_objective(&t);
    let mut seconds = Vec::with_capacity(args.reps);
    let mut finals: Vec<(f64, f64)> = Vec::with_capacity(args.reps);
    for _ in 0..args.reps.max(1) {
        t.reset();
        let start = Instant::now();
        t.advance(steps);
        seconds.push(start.elapsed().as_secs_f64());
        if !t.status().is_running() || t.step_count() != steps {
            return Err(format!("{name}: training stopped at step {} ({:?})", t.step_count(), t.status()));
        }
        finals.push(loss_and_objective(&t));
    }
    let (loss, objective) = finals[0];
    if finals.iter().any(|f| f.0.to_bits() != loss.to_bits()) {
        return Err(format!(
            "{name}: reps from the same initial weights ended at different losses: {finals:?}"
        ));
    }
    let sizes = cfg.layer_sizes();
    let trained: Vec<bool> = t.net().trained.clone();
    // FLOPs of a step counted as its GEMMs (2·m·n·k each).
    let mut products = DirectProducts::of_config(&cfg);
    let flops = products.flops();
    products.run();
    let tr = &cfg.train;
    let mut meta = json!({
        "workload": name,
        "tiny": args.tiny,
        "d": cfg.data.d,
        "n": cfg.data.n,
        "widths": sizes,
        "trained": trained,
        "activation": "relu (derivative 0 at 0)",
        "loss": "mean over n of log(1 + exp(-y f)), y = ±1",
        "objective": "F = L + (lambda/2) * sum over trained layers of ||W_k||_F^2",
        "update": "W <- (1 - lr*lambda) W - lr * dL/dW for trained layers (= W - lr (grad L + lambda W))",
        "lr": tr.lr,
        "lambda": tr.lambda,
        "steps": steps,
        "seed": cfg.seed,
        "layers": layer_files(t.initial_net(), "", "_init"),
        "initial_loss": loss0,
        "initial_objective": obj0,
        "final_loss": loss,
        "final_objective": objective,
        "flops_per_step": flops,
        "products_checksum": products.checksum(),
    });
    if let Some(dir) = &args.export {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        write_npy(dir, "X.npy", &t.inputs().to_owned())?;
        write_npy(dir, "y.npy", &t.targets().to_owned())?;
        for (k, w) in t.initial_net().params.w.iter().enumerate() {
            write_npy(dir, &format!("W{}_init.npy", k + 1), w)?;
        }
        write(
            dir,
            "meta.json",
            serde_json::to_string_pretty(&meta).map_err(|e| e.to_string())?.as_bytes(),
        )?;
    }
    let per_s: Vec<f64> = seconds.iter().map(|s| steps as f64 / s).collect();
    let out = meta.as_object_mut().expect("an object");
    for key in ["layers", "activation", "loss", "objective", "update"] {
        out.remove(key);
    }
    out.insert("impl".into(), json!(if args.direct { "native_direct" } else { "native" }));
    out.insert("span_steps".into(), json!(t.span_steps()));
    out.insert("threads".into(), json!(rayon::current_num_threads()));
    out.insert("split".into(), json!({"how": args.split, "tuner": t.split_report()}));
    out.insert("unit".into(), json!("steps"));
    out.insert("reps".into(), json!(seconds.len()));
    out.insert("seconds".into(), json!(seconds));
    out.insert("median_steps_per_s".into(), json!(median(&per_s)));
    out.insert("steps_per_s".into(), json!(per_s));
    Ok(meta)
}

/// `--products`: `steps` passes over a direct step's matrix products per rep.
fn bench_products(name: &str, w: Workload, args: &BenchArgs, steps: u64) -> Result<Value, String> {
    let mut products = DirectProducts::of_config(&config(w, args.tiny)?);
    let mut seconds = Vec::with_capacity(args.reps);
    for _ in 0..args.reps.max(1) {
        let start = Instant::now();
        for _ in 0..steps {
            products.run();
        }
        seconds.push(start.elapsed().as_secs_f64());
    }
    let per_s: Vec<f64> = seconds.iter().map(|s| steps as f64 / s).collect();
    Ok(json!({
        "workload": name,
        "impl": "native_products",
        "tiny": args.tiny,
        "unit": "steps",
        "steps": steps,
        "reps": seconds.len(),
        "seconds": seconds,
        "steps_per_s": per_s,
        "median_steps_per_s": median(&per_s),
        "products": products.len(),
        "flops_per_step": products.flops(),
        "products_checksum": products.checksum(),
        "handoff_us": lowrank_lab::net::par::handoff_seconds(2000).map(|s| s * 1e6),
    }))
}

/// S: one call = singular values of every layer of the W2 and the W3 net.
fn bench_spectra(args: &BenchArgs, calls: u64) -> Result<Value, String> {
    let nets: Vec<(&str, Net)> = [("W2", Workload::W2), ("W3", Workload::W3)]
        .into_iter()
        .map(|(name, w)| Ok((name, trainer(&config(w, args.tiny)?, true).initial_net().clone())))
        .collect::<Result<_, String>>()?;
    let spectra = |net: &Net| -> Vec<Vec<f64>> { net.params.w.iter().map(|w| singular_values(w.view())).collect() };
    let mut seconds = Vec::new();
    let mut per_net = vec![0.0; nets.len()];
    for _ in 0..args.reps.max(1) {
        let start = Instant::now();
        for _ in 0..calls {
            for (i, (_, net)) in nets.iter().enumerate() {
                let t = Instant::now();
                std::hint::black_box(spectra(std::hint::black_box(net)));
                per_net[i] += t.elapsed().as_secs_f64();
            }
        }
        seconds.push(start.elapsed().as_secs_f64());
    }
    let total_calls = (calls as usize * seconds.len()) as f64;
    let mut layers = Vec::new();
    let mut ms = serde_json::Map::new();
    for (i, (name, net)) in nets.iter().enumerate() {
        ms.insert((*name).into(), json!(1e3 * per_net[i] / total_calls));
        for (mut l, s) in layer_files(net, &format!("{name}_"), "").into_iter().zip(spectra(net)) {
            l["net"] = json!(name);
            l["singular_values"] = json!(s);
            layers.push(l);
        }
    }
    // Golub–Kahan bidiagonalisation dominates: ≈ 4·m·k² − (4/3)·k³ (m ≥ k) per matrix.
    let flops: f64 = layers
        .iter()
        .map(|l| {
            let (r, c) = (l["shape"][0].as_f64().unwrap_or(0.0), l["shape"][1].as_f64().unwrap_or(0.0));
            let (m, k) = (r.max(c), r.min(c));
            4.0 * m * k * k - 4.0 / 3.0 * k * k * k
        })
        .sum();
    let meta = json!({
        "workload": "S",
        "tiny": args.tiny,
        "steps": calls,
        "layers": layers,
        "flops_per_step": flops,
        "what": "one call = singular values (descending) of every layer of the W2 net and the W3 net (initial weights)",
    });
    if let Some(dir) = &args.export {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (name, net) in &nets {
            for (k, w) in net.params.w.iter().enumerate() {
                write_npy(dir, &format!("{name}_W{}.npy", k + 1), w)?;
            }
        }
        write(
            dir,
            "meta.json",
            serde_json::to_string_pretty(&meta).map_err(|e| e.to_string())?.as_bytes(),
        )?;
    }
    let per_s: Vec<f64> = seconds.iter().map(|s| calls as f64 / s).collect();
    Ok(json!({
        "workload": "S",
        "impl": "native",
        "tiny": args.tiny,
        "unit": "calls",
        "steps": calls,
        "reps": seconds.len(),
        "seconds": seconds,
        "steps_per_s": per_s,
        "median_steps_per_s": median(&per_s),
        "ms_per_call": ms,
        "flops_per_step": flops,
    }))
}

/// P: one thread's multiply–add peak (the calling thread; rayon is not used).
fn bench_peak(args: &BenchArgs) -> Value {
    let base = Instant::now();
    let seconds = if args.tiny { 0.01 } else { 0.3 };
    let p = lowrank_lab::bench::peak::measure(|| base.elapsed().as_secs_f64(), seconds, args.reps.max(1));
    let mut out = json!(lowrank_lab::bench::peak::Line::new("native_peak", &p));
    out["tiny"] = json!(args.tiny);
    out
}

pub fn bench(args: BenchArgs) -> Result<(), String> {
    let name = args.workload.to_ascii_uppercase();
    let steps = args.steps.unwrap_or_else(|| default_steps(&name, args.tiny));
    if steps == 0 || args.reps == 0 {
        return Err("--steps and --reps must be at least 1".into());
    }
    let out = if name == "P" {
        if args.direct || args.products || args.export.is_some() {
            return Err("--direct, --products and --export apply to W1, W2, W3 and S, not P".into());
        }
        bench_peak(&args)
    } else if name == "S" {
        if args.direct || args.products {
            return Err("--direct and --products apply to W1, W2 and W3, not S".into());
        }
        bench_spectra(&args, steps)?
    } else if args.products {
        bench_products(&name, parse_workload(&name)?, &args, steps)?
    } else {
        bench_steps(&name, parse_workload(&name)?, &args, steps)?
    };
    crate::print_stdout(&serde_json::to_string(&out).map_err(|e| e.to_string())?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_timed_and_carry_the_exported_checksum() {
        let args = BenchArgs {
            workload: "W2".into(),
            steps: Some(3),
            reps: 2,
            export: None,
            tiny: true,
            direct: false,
            products: true,
            split: "auto".into(),
        };
        let p = bench_products("W2", Workload::W2, &args, 3).expect("bench");
        let s = bench_steps(
            "W2",
            Workload::W2,
            &BenchArgs {
                products: false,
                reps: 1,
                ..args
            },
            3,
        )
        .expect("steps");
        assert_eq!(p["steps_per_s"].as_array().map(Vec::len), Some(2));
        assert_eq!(p["flops_per_step"], s["flops_per_step"]);
        let (a, b) = (p["products_checksum"].as_f64().unwrap(), s["products_checksum"].as_f64().unwrap());
        assert!(a > 0.0 && a == b, "{a} vs {b}");
    }
}
