//! `lowrank-lab run`: one config, trained to the end, written as a bundle.

use crate::bundle::Bundle;
use crate::ConfigArgs;
use indicatif::{ProgressBar, ProgressStyle};
use lowrank_lab::config::overrides;
use lowrank_lab::config::{Config, ValidConfig, NATIVE_MEMORY_BUDGET};
use lowrank_lab::io::npy;
use lowrank_lab::net::Net;
use lowrank_lab::run::summary;
use lowrank_lab::run::Run;
use lowrank_lab::{data, figures, presets};
use serde_json::json;
use std::path::PathBuf;

pub struct RunArgs {
    pub base: ConfigArgs,
    pub seed: Option<u64>,
    pub steps: Option<u64>,
    pub out: PathBuf,
    pub json: bool,
    pub memory_budget: Option<u64>,
    pub direct: bool,
}

/// Preset, then config file, then `--set`s: the config a command runs.
pub fn build_config(args: &ConfigArgs) -> Result<Config, String> {
    let (file, set) = (args.config.as_ref(), &args.set);
    let mut cfg = match args.preset.as_deref() {
        Some(name) => presets::find(name)
            .ok_or_else(|| {
                let names: Vec<_> = presets::PRESETS.iter().map(|p| p.name).collect();
                format!("unknown preset `{name}` (presets: {})", names.join(", "))
            })?
            .config()
            .map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let patch: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        cfg = overrides::apply_patch(&cfg, &patch).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    overrides::apply_all(&cfg, set).map_err(|e| e.to_string())
}

fn progress(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} steps  {per_sec}  eta {eta}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Train `cfg` to the end with a progress bar (silent when stderr is not a terminal);
/// GD in span coordinates unless `direct` (`Trainer::set_span_steps`).
pub fn train(cfg: &ValidConfig, direct: bool) -> Run {
    let mut run = Run::new(cfg);
    run.set_span_steps(!direct);
    let gf = cfg.train.optimizer == lowrank_lab::config::Optimizer::Gf;
    let bar = progress(if gf { 1000 } else { cfg.train.steps });
    while run.is_running() {
        run.advance(500);
        let t = &run.trainers()[0];
        bar.set_position(if gf {
            (1000.0 * t.time() / cfg.train.time) as u64
        } else {
            t.step_count()
        });
    }
    bar.finish_and_clear();
    run
}

pub fn write_net(bundle: &Bundle, dir: &str, net: &Net) -> Result<(), String> {
    write_params(bundle, dir, &net.params, "W", "b")
}

/// `{dir}/{w}k.npy` per layer and `{dir}/{b}k.npy` where it has biases.
fn write_params(bundle: &Bundle, dir: &str, p: &lowrank_lab::net::Params, w_name: &str, b_name: &str) -> Result<(), String> {
    for (k, w) in p.w.iter().enumerate() {
        bundle.write(
            &format!("{dir}/{w_name}{}.npy", k + 1),
            &npy::to_bytes(w).map_err(|e| e.to_string())?,
        )?;
        if !p.b[k].is_empty() {
            bundle.write(
                &format!("{dir}/{b_name}{}.npy", k + 1),
                &npy::vec_to_bytes(&p.b[k]).map_err(|e| e.to_string())?,
            )?;
        }
    }
    Ok(())
}

pub fn run(args: RunArgs) -> Result<(), String> {
    let mut cfg = build_config(&args.base)?;
    if let Some(s) = args.seed {
        cfg.seed = s;
    }
    if let Some(s) = args.steps {
        cfg.train.steps = s;
    }
    let cfg = cfg
        .validate_with_budget(args.memory_budget.unwrap_or(NATIVE_MEMORY_BUDGET))
        .map_err(|e| e.to_string())?;
    let bundle = Bundle::create(&args.out)?;
    let run = train(&cfg, args.direct);
    let snapshot = run.snapshot();
    let mut fin = summary::final_summary(&run);
    // The preset's claims that apply to this config, checked on `final` (also in run.json).
    let claims = match args.base.preset.as_deref() {
        Some(name) => {
            let config = serde_json::to_value(cfg.config()).map_err(|e| e.to_string())?;
            lowrank_lab::claims::for_run(
                name,
                &lowrank_lab::claims::Input {
                    values: &summary::flatten(&fin),
                    config: &config,
                    variant: None,
                    running: false,
                    point: "",
                },
            )
        }
        None => Vec::new(),
    };
    if let Some(obj) = fin.as_object_mut() {
        obj.insert("claims".into(), serde_json::to_value(&claims).map_err(|e| e.to_string())?);
    }
    let history: serde_json::Map<String, serde_json::Value> = snapshot
        .tasks
        .iter()
        .map(|t| (t.task.clone(), serde_json::to_value(&t.history).unwrap_or_default()))
        .collect();
    let doc = json!({
        "lowrank_lab": env!("CARGO_PKG_VERSION"),
        "config": cfg.config(),
        "data_hash": snapshot.data_hash,
        "overlap": snapshot.overlap,
        "history": history,
        "final": fin,
        "definitions": lowrank_lab::run::definitions::definitions(),
    });
    bundle.write(
        "run.json",
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?.as_bytes(),
    )?;
    bundle.write("metrics.csv", summary::metrics_csv(&snapshot).as_bytes())?;
    for (name, svg) in figures::run_svgs(&run, &snapshot).map_err(|e| e.to_string())? {
        bundle.write(&format!("{name}.svg"), svg.as_bytes())?;
    }
    for task in &run.data().tasks {
        bundle.write(
            &format!("data/X_{}.npy", task.name),
            &npy::to_bytes(&task.x).map_err(|e| e.to_string())?,
        )?;
        bundle.write(
            &format!("data/y_{}.npy", task.name),
            &npy::to_bytes(&task.y).map_err(|e| e.to_string())?,
        )?;
    }
    let nets: Vec<Net> = run.trainers().iter().map(|t| t.net().clone()).collect();
    for (i, net) in nets.iter().enumerate() {
        write_net(&bundle, &format!("weights/{}", data::task_name(i)), net)?;
        write_net(
            &bundle,
            &format!("weights_init/{}", data::task_name(i)),
            run.trainers()[i].initial_net(),
        )?;
        write_params(
            &bundle,
            &format!("gradient_avg/{}", data::task_name(i)),
            &run.trainers()[i].gradient_average(),
            "G",
            "gb",
        )?;
    }
    if nets.len() >= 2 {
        for (method, net) in run.merged_nets() {
            write_net(&bundle, &format!("weights/{}", method.name()), &net)?;
        }
    }
    bundle.finish()?;
    for w in summary::collapse_warnings(&fin) {
        eprintln!("warning: {w}");
    }
    for c in &claims {
        eprintln!("claim {}", c.line());
    }
    if args.json {
        crate::print_stdout(&serde_json::to_string_pretty(&fin).map_err(|e| e.to_string())?);
    }
    Ok(())
}
