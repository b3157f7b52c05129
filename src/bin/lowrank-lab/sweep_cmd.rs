//! `lowrank-lab sweep`: a grid's points run in parallel (sharded for job
//! arrays), each written as a record the moment it finishes, then the table
//! and the sweep charts. `collect` (collect.rs) merges shard folders; `--slurm`
//! (slurm.rs) writes a cluster job instead of running.

use crate::records::Points;
use crate::run_cmd::build_config;
use crate::slurm::{self, SlurmArgs};
use crate::sweep_folder;
use crate::ConfigArgs;
use indicatif::ProgressBar;
use lowrank_lab::charts::{self, MergeOverlapData, Series, SweepData};
use lowrank_lab::config::Config;
use lowrank_lab::figures::{self, SweepPoint};
use lowrank_lab::presets::{self, Preset};
use lowrank_lab::sweep::{self, Axis, Point, Row};
use lowrank_lab::sweep_record::Record;
use rayon::prelude::*;
use serde_json::json;
use std::path::PathBuf;

pub struct SweepArgs {
    pub base: ConfigArgs,
    pub grid: Vec<String>,
    pub out: Option<PathBuf>,
    pub jobs: Option<usize>,
    pub shard: Option<String>,
    pub direct: bool,
    pub resume: bool,
    pub slurm: SlurmArgs,
}

/// The sweep a command line describes: its base config, preset, axes and
/// every point (each config validated, so a bad value fails before anything runs).
pub struct Plan {
    pub base: Config,
    pub preset: Option<&'static Preset>,
    pub axes: Vec<Axis>,
    pub points: Vec<Point>,
}

pub fn plan(base_args: &ConfigArgs, grid: &[String]) -> Result<Plan, String> {
    let base = build_config(base_args)?;
    let preset = base_args.preset.as_deref().and_then(presets::find);
    let specs: Vec<String> = if grid.is_empty() {
        preset.map(|p| p.grid.iter().map(|s| s.to_string()).collect()).unwrap_or_default()
    } else {
        grid.to_vec()
    };
    if specs.is_empty() {
        return Err("no grid: pass --grid key=v1;v2;… (or a preset that has one)".into());
    }
    let axes: Vec<Axis> = specs
        .iter()
        .map(|s| sweep::parse_axis(s))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let points = sweep::points(&base, preset, &axes).map_err(|e| e.to_string())?;
    Ok(Plan {
        base,
        preset,
        axes,
        points,
    })
}

/// `sweep.json`: what the sweep is. Its fields and their order are the
/// format every earlier sweep wrote; `--resume` requires it to be equal.
pub fn meta(plan: &Plan, preset_name: Option<&str>, shard: Option<&str>, direct: bool) -> serde_json::Value {
    json!({
        "preset": preset_name,
        "base_config": plan.base,
        "axes": plan.axes.iter().map(|a| json!({"key": a.key, "values": a.values})).collect::<Vec<_>>(),
        "total_points": plan.points.len(),
        "shard": shard,
        "direct": direct,
        "plot": plan.preset.map(|p| p.plot.to_vec()).unwrap_or_default(),
    })
}

pub fn sweep(args: SweepArgs) -> Result<(), String> {
    let plan = plan(&args.base, &args.grid)?;
    if let Some(dir) = &args.slurm.slurm {
        return slurm::write_job(&plan, &args.base, args.direct, dir, args.out.as_deref(), &args.slurm);
    }
    let out = args
        .out
        .clone()
        .ok_or("--out is required (or --slurm DIR to write a cluster job)")?;
    let total = plan.points.len();
    let (shard_i, shard_n) = match &args.shard {
        Some(s) => sweep::parse_shard(s).map_err(|e| e.to_string())?,
        None => (0, 1),
    };
    let meta = meta(&plan, args.base.preset.as_deref(), args.shard.as_deref(), args.direct);
    sweep_folder::prepare(&out, &meta, args.resume)?;
    let points = Points::of(&out);
    let mine: Vec<&Point> = plan.points.iter().filter(|p| p.index % shard_n == shard_i).collect();
    // A point is done when its record is there and is this point's; a record
    // that does not read back (a disk error) is said so and its point rerun.
    let present = points.indices()?;
    let mut todo: Vec<&Point> = Vec::new();
    for p in &mine {
        if present.binary_search(&p.index).is_ok() {
            match points
                .read(p.index)
                .and_then(|r| r.check(p, args.direct).map_err(|e| e.to_string()))
            {
                Ok(()) => continue,
                Err(e) => eprintln!("sweep: {e}; running point {} again", p.index),
            }
        }
        todo.push(p);
    }
    let what = match &args.shard {
        Some(s) => format!("shard {s} ({} of {total} points)", mine.len()),
        None => format!("{total} points"),
    };
    let done = mine.len() - todo.len();
    if todo.is_empty() && out.join("sweep.csv").exists() {
        eprintln!(
            "sweep: {what}: all done, {} is written; nothing to do",
            out.join("sweep.csv").display()
        );
        return Ok(());
    }
    if args.resume {
        eprintln!("sweep: {what}: {done} already done, running {}", todo.len());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start {} worker threads: {e}", args.jobs.unwrap_or(0)))?;
    let bar = ProgressBar::new(todo.len() as u64);
    // Each point's record is written the moment the point finishes, so a
    // process killed mid-sweep keeps every finished point.
    let ran: Result<(), String> = pool.install(|| {
        todo.par_iter().try_for_each(|p| {
            let row = sweep::run_point(p, args.direct).map_err(|e| e.to_string())?;
            points.write(&Record::new(p, args.direct, row))?;
            bar.inc(1);
            Ok(())
        })
    });
    bar.finish_and_clear();
    ran?;
    let indices: Vec<usize> = mine.iter().map(|p| p.index).collect();
    sweep_folder::write_table(&out, &meta, &indices, &|i| {
        let rec = points.read(i)?;
        rec.check(&plan.points[i], args.direct).map_err(|e| e.to_string())?;
        Ok(rec.into_row())
    })?;
    if args.resume {
        eprintln!("sweep: {what}: done, wrote {}", out.join("sweep.csv").display());
    }
    Ok(())
}

/// The value keys the sweep charts read (the rest of a row is not kept for them).
pub fn chart_keys(plot: &[String], methods: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = if plot.is_empty() {
        vec!["loss".into(), "accuracy".into()]
    } else {
        plot.iter()
            .flat_map(|k| {
                if k.contains(figures::METHOD) {
                    methods.iter().map(|m| k.replace(figures::METHOD, m)).collect()
                } else {
                    vec![k.clone()]
                }
            })
            .collect()
    };
    if keys.iter().any(|k| k == "merge_bound.1.max_bound") {
        keys.extend(
            ["overlap.pairs.1.max_abs_inner", "merge_bound.1.max_change"]
                .iter()
                .map(|s| s.to_string()),
        );
    }
    keys
}

fn value(r: &Row, key: &str) -> f64 {
    r.values.iter().find(|(k, _)| k == key).map(|(_, v)| *v).unwrap_or(f64::NAN)
}

/// `value`, except that a rank of a net that collapsed to zero is left out (NaN): it is trivial.
fn plotted(r: &Row, key: &str) -> f64 {
    let task = key
        .strip_prefix("tasks.")
        .and_then(|k| k.split_once('.'))
        .map(|(t, _)| format!("tasks.{t}."));
    let collapsed = value(r, &format!("{}collapsed", task.unwrap_or_default())) == 1.0;
    if key.contains("rank") && collapsed {
        f64::NAN
    } else {
        value(r, key)
    }
}

/// One chart per plotted key against the first axis, a series per combination of the other axes.
pub fn sweep_charts(axes: &[Axis], rows: &[Row], plot: &[String], methods: &[String]) -> Result<Vec<(String, String)>, String> {
    let first = &axes[0];
    let numeric = first.values.iter().all(|v| v.parse::<f64>().is_ok());
    let x_of = |r: &Row| -> f64 {
        let v = &r.assignments[0].1;
        if numeric {
            v.parse().unwrap_or(f64::NAN)
        } else {
            first.values.iter().position(|x| x == v).map(|i| i as f64).unwrap_or(f64::NAN)
        }
    };
    let positive = numeric && first.values.iter().filter_map(|v| v.parse::<f64>().ok()).all(|v| v > 0.0);
    let spread = {
        let vals: Vec<f64> = first.values.iter().filter_map(|v| v.parse::<f64>().ok()).collect();
        let (lo, hi) = vals.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        hi / lo
    };
    let x_label = if numeric {
        first.key.clone()
    } else {
        format!("{} ({})", first.key, first.values.join(", "))
    };
    let mut out = Vec::new();
    let keys: Vec<String> = if plot.is_empty() {
        vec!["loss".into(), "accuracy".into()]
    } else {
        plot.to_vec()
    };
    let (templates, keys): (Vec<String>, Vec<String>) = keys.into_iter().partition(|k| k.contains(figures::METHOD));
    if !templates.is_empty() {
        let points: Vec<SweepPoint> = rows
            .iter()
            .map(|r| SweepPoint {
                x: x_of(r),
                group: r.assignments[1..]
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                values: r.values.clone(),
            })
            .collect();
        let data = figures::method_sweep(&x_label, positive && spread >= 20.0, methods, &templates, &points);
        let h = 360 * data.panels.len() as u32;
        let svg = charts::render_svg(900, h, |a| charts::draw_method_sweep(a, &data)).map_err(|e| e.to_string())?;
        out.push(("merge_methods".into(), svg));
    }
    for key in &keys {
        let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in rows {
            let label = r.assignments[1..]
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let label = if label.is_empty() { key.clone() } else { label };
            match groups.iter_mut().find(|(l, _)| *l == label) {
                Some((_, pts)) => pts.push((x_of(r), plotted(r, key))),
                None => groups.push((label, vec![(x_of(r), plotted(r, key))])),
            }
        }
        let left_out: Vec<String> = rows
            .iter()
            .filter(|r| plotted(r, key).is_nan() && !value(r, key).is_nan())
            .map(|r| r.assignments.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "))
            .collect();
        let title = if left_out.is_empty() {
            format!("{key} across the sweep")
        } else {
            format!("{key} across the sweep (collapsed nets left out: {})", left_out.join("; "))
        };
        let data = SweepData {
            title,
            x_label: x_label.clone(),
            y_label: key.clone(),
            log_x: positive && spread >= 20.0,
            log_y: key.contains("max_output_change") || key.contains("outside_span") || key.contains("max_bound"),
            series: groups.into_iter().map(|(l, p)| Series::new(l, p)).collect(),
        };
        let svg = charts::render_svg(900, 540, |a| charts::draw_sweep(a, &data)).map_err(|e| e.to_string())?;
        out.push((format!("sweep_{}", key.replace('.', "_")), svg));
    }
    if keys.iter().any(|k| k == "merge_bound.1.max_bound") {
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .map(|r| (value(r, "overlap.pairs.1.max_abs_inner"), value(r, "merge_bound.1.max_change")))
            .collect();
        let bound: Vec<(f64, f64)> = rows
            .iter()
            .map(|r| (value(r, "overlap.pairs.1.max_abs_inner"), value(r, "merge_bound.1.max_bound")))
            .collect();
        let data = MergeOverlapData {
            title: "Merged net's output change on task a vs input overlap".into(),
            x_label: "max |⟨x_a, x_b⟩| (measured)".into(),
            y_label: "max |f_sum(x) − f_a(x)| on task a".into(),
            points: pts,
            bound,
            log_x: false,
            log_y: true,
        };
        let svg = charts::render_svg(900, 540, |a| charts::draw_merge_overlap(a, &data)).map_err(|e| e.to_string())?;
        out.push(("merge_overlap".into(), svg));
    }
    Ok(out)
}
