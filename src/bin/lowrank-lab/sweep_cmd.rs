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
use lowrank_lab::run::sweep::{self, Point};
use lowrank_lab::run::sweep_plan;
use lowrank_lab::run::sweep_record::Record;
use rayon::prelude::*;
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

pub use lowrank_lab::run::sweep_plan::Plan;

/// The sweep a command line describes (`run::sweep_plan::plan`, which the page's sweep uses too).
pub fn plan(base_args: &ConfigArgs, grid: &[String]) -> Result<Plan, String> {
    let base = build_config(base_args)?;
    sweep_plan::plan(base, base_args.preset.as_deref(), grid).map_err(|e| e.to_string())
}

/// `sweep.json` (`run::sweep_plan::meta`).
pub fn meta(plan: &Plan, preset_name: Option<&str>, shard: Option<&str>, direct: bool) -> serde_json::Value {
    sweep_plan::meta(plan, preset_name, shard, direct)
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
