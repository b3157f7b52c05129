//! `lowrank-lab sweep` and `collect`: grids run in parallel, sharded for job
//! arrays, and shard outputs merged back into one table.

use crate::bundle::Bundle;
use crate::run_cmd::build_config;
use crate::ConfigArgs;
use indicatif::ProgressBar;
use lowrank_lab::charts::{self, MergeOverlapData, Series, SweepData};
use lowrank_lab::figures::{self, SweepPoint};
use lowrank_lab::presets;
use lowrank_lab::sweep::{self, Axis, Row};
use rayon::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};

pub struct SweepArgs {
    pub base: ConfigArgs,
    pub grid: Vec<String>,
    pub out: PathBuf,
    pub jobs: Option<usize>,
    pub shard: Option<String>,
    pub direct: bool,
}

pub fn sweep(args: SweepArgs) -> Result<(), String> {
    let base = build_config(&args.base)?;
    let preset = args.base.preset.as_deref().and_then(presets::find);
    let specs: Vec<String> = if args.grid.is_empty() {
        preset.map(|p| p.grid.iter().map(|s| s.to_string()).collect()).unwrap_or_default()
    } else {
        args.grid.clone()
    };
    if specs.is_empty() {
        return Err("no grid: pass --grid key=v1;v2;… (or a preset that has one)".into());
    }
    let axes: Vec<Axis> = specs
        .iter()
        .map(|s| sweep::parse_axis(s))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let all = sweep::points(&base, preset, &axes).map_err(|e| e.to_string())?;
    let total = all.len();
    let (shard_i, shard_n) = match &args.shard {
        Some(s) => sweep::parse_shard(s).map_err(|e| e.to_string())?,
        None => (0, 1),
    };
    let mine: Vec<_> = all.into_iter().filter(|p| p.index % shard_n == shard_i).collect();
    let bundle = Bundle::create(&args.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start {} worker threads: {e}", args.jobs.unwrap_or(0)))?;
    let bar = ProgressBar::new(mine.len() as u64);
    let rows: Result<Vec<Row>, String> = pool.install(|| {
        mine.par_iter()
            .map(|p| {
                let r = sweep::run_point(p, args.direct).map_err(|e| e.to_string());
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut rows = rows?;
    rows.sort_by_key(|r| r.index);
    let collapsed: Vec<String> = rows
        .iter()
        .filter(|r| r.values.iter().any(|(k, v)| k.ends_with("collapsed") && *v == 1.0))
        .map(|r| r.assignments.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "))
        .collect();
    if !collapsed.is_empty() {
        eprintln!(
            "warning: {} of {} points have a net that collapsed to zero ({}): their ranks are trivial and not plotted (`collapsed` in sweep.csv)",
            collapsed.len(),
            rows.len(),
            collapsed.join("; ")
        );
    }
    let meta = json!({
        "preset": args.base.preset,
        "base_config": base,
        "axes": axes.iter().map(|a| json!({"key": a.key, "values": a.values})).collect::<Vec<_>>(),
        "total_points": total,
        "shard": args.shard,
        "direct": args.direct,
        "plot": preset.map(|p| p.plot.to_vec()).unwrap_or_default(),
    });
    write_sweep(&bundle, &meta, &axes, &rows)?;
    bundle.finish()
}

fn write_sweep(bundle: &Bundle, meta: &serde_json::Value, axes: &[Axis], rows: &[Row]) -> Result<(), String> {
    bundle.write(
        "sweep.json",
        serde_json::to_string_pretty(meta).map_err(|e| e.to_string())?.as_bytes(),
    )?;
    bundle.write("sweep.csv", sweep::to_csv(rows).as_bytes())?;
    let plot: Vec<String> = meta["plot"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let methods: Vec<String> = meta["base_config"]["merge"]["methods"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    for (name, svg) in sweep_charts(axes, rows, &plot, &methods)? {
        bundle.write(&format!("{name}.svg"), svg.as_bytes())?;
    }
    Ok(())
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
fn sweep_charts(axes: &[Axis], rows: &[Row], plot: &[String], methods: &[String]) -> Result<Vec<(String, String)>, String> {
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

pub fn collect(dirs: &[PathBuf], out: &Path) -> Result<(), String> {
    let mut meta: Option<serde_json::Value> = None;
    let mut rows: Vec<Row> = Vec::new();
    for d in dirs {
        let m: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join("sweep.json")).map_err(|e| format!("{}: {e}", d.join("sweep.json").display()))?,
        )
        .map_err(|e| format!("{}: {e}", d.join("sweep.json").display()))?;
        if let Some(first) = &meta {
            if first["axes"] != m["axes"] || first["base_config"] != m["base_config"] {
                return Err(format!(
                    "{} is a shard of a different sweep (grid or base config differ)",
                    d.display()
                ));
            }
        }
        let n_axes = m["axes"].as_array().map(|a| a.len()).unwrap_or(0);
        let text = std::fs::read_to_string(d.join("sweep.csv")).map_err(|e| format!("{}: {e}", d.join("sweep.csv").display()))?;
        rows.extend(sweep::from_csv(&text, n_axes).map_err(|e| format!("{}: {e}", d.display()))?);
        meta.get_or_insert(m);
    }
    let mut meta = meta.ok_or("no shard folders given")?;
    rows.sort_by_key(|r| r.index);
    rows.dedup_by_key(|r| r.index);
    let total = meta["total_points"].as_u64().unwrap_or(0) as usize;
    let missing: Vec<usize> = (0..total).filter(|i| rows.binary_search_by_key(i, |r| r.index).is_err()).collect();
    if !missing.is_empty() {
        return Err(format!(
            "collected {} of {total} points; missing indices {:?} (run the remaining shards)",
            rows.len(),
            missing
        ));
    }
    meta["shard"] = serde_json::Value::Null;
    let axes: Vec<Axis> = meta["axes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| Axis {
                    key: x["key"].as_str().unwrap_or("").to_string(),
                    values: x["values"]
                        .as_array()
                        .map(|v| v.iter().filter_map(|s| s.as_str().map(String::from)).collect())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    if axes.is_empty() {
        return Err("sweep.json has no axes".into());
    }
    let bundle = Bundle::create(out)?;
    write_sweep(&bundle, &meta, &axes, &rows)?;
    bundle.finish()
}
