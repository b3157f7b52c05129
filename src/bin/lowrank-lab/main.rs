//! `lowrank-lab`: every phenomenon of the lab from one command.
//!
//! Errors print one line to stderr and exit with code 2; bundles are
//! written to a temporary folder and renamed into place only when complete.

mod analyze;
mod bench_cmd;
mod bundle;
mod collect;
mod records;
mod run_cmd;
mod slurm;
mod sweep_cmd;
mod sweep_folder;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "lowrank-lab",
    version,
    about = "Weight decay, low-rank bias and model merging in bias-free ReLU nets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where a command's config comes from: a preset, then a JSON file, then `--set`s.
#[derive(clap::Args)]
pub struct ConfigArgs {
    /// Start from this preset.
    #[arg(long)]
    pub preset: Option<String>,
    /// Start from (or patch with) this config JSON file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Override a config field: dotted key and JSON value, e.g. train.lambda=1e-3 or net.widths=[64,64].
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List the presets with what each shows.
    Presets {
        /// List each preset's claims instead (the table `run`, `sweep` and the tests check), as Markdown.
        #[arg(long)]
        claims: bool,
        /// List the guided path through the presets instead (each step: what to do, the chart to watch, the claim that ends it), as Markdown.
        #[arg(long, conflicts_with = "claims")]
        lessons: bool,
    },
    /// Train one config and write a bundle (run.json, metrics.csv, SVG charts, .npy data and weights).
    Run {
        #[command(flatten)]
        base: ConfigArgs,
        /// Override the seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the step budget (train.steps).
        #[arg(long)]
        steps: Option<u64>,
        /// Output folder (replaced if it holds an earlier bundle).
        #[arg(long)]
        out: PathBuf,
        /// Print the `final` object as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Memory budget in bytes for the run (default 16 GiB).
        #[arg(long)]
        memory_budget: Option<u64>,
        /// GD computes layer 1's products every step (as the benchmark references do) instead of
        /// in span coordinates (the same iterates up to rounding, less work when n ≤ d).
        #[arg(long)]
        direct: bool,
    },
    /// Spectra, ranks and norms of weight matrices you bring as W1.npy, W2.npy, … .
    Analyze {
        /// Folder with W1.npy, W2.npy, … (shape fan_out × fan_in).
        #[arg(long)]
        weights: PathBuf,
        /// Where to write analysis.json and the charts (default: print JSON only).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a grid of configs in parallel and write sweep.csv plus sweep charts (or, with --slurm, a cluster job).
    Sweep {
        #[command(flatten)]
        base: ConfigArgs,
        /// An axis: key=v1;v2;… (repeatable; Cartesian product). Defaults to the preset's grid.
        #[arg(long = "grid", value_name = "KEY=V1;V2")]
        grid: Vec<String>,
        /// Output folder; each point is written to DIR/points/ as it finishes. With --slurm: where the collected result goes (default DIR/result).
        #[arg(long, required_unless_present = "slurm")]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
        #[arg(long, conflicts_with = "slurm")]
        jobs: Option<usize>,
        /// Run only points with index ≡ i (mod N), for job arrays.
        #[arg(long, value_name = "i/N", conflicts_with = "slurm")]
        shard: Option<String>,
        /// GD computes layer 1's products every step instead of in span coordinates (as `run --direct`).
        #[arg(long)]
        direct: bool,
        /// Continue the sweep in --out: run only the points without a record (a finished sweep does nothing).
        #[arg(long, conflicts_with = "slurm")]
        resume: bool,
        #[command(flatten)]
        slurm: slurm::SlurmArgs,
    },
    /// Merge shard folders into one sweep (table and charts); lists missing or duplicated points and exits 2 if any.
    Collect {
        /// Shard output folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the collected sweep.
        #[arg(long)]
        out: PathBuf,
    },
    /// Time a standard speed workload and export its data for the references (`make bench`).
    #[command(hide = true)]
    Bench(bench_cmd::BenchArgs),
}

/// Print a line to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Presets { lessons: true, .. } => {
            print_stdout(&lowrank_lab::lessons::markdown());
            Ok(())
        }
        Command::Presets { claims, .. } => {
            for p in lowrank_lab::presets::PRESETS {
                if claims {
                    print_stdout(&lowrank_lab::claims::table::markdown(p.name));
                } else {
                    print_stdout(&format!("{:<18} {}", p.name, p.see));
                }
            }
            Ok(())
        }
        Command::Run {
            base,
            seed,
            steps,
            out,
            json,
            memory_budget,
            direct,
        } => run_cmd::run(run_cmd::RunArgs {
            base,
            seed,
            steps,
            out,
            json,
            memory_budget,
            direct,
        }),
        Command::Analyze { weights, out } => analyze::analyze(&weights, out.as_deref()),
        Command::Sweep {
            base,
            grid,
            out,
            jobs,
            shard,
            direct,
            resume,
            slurm,
        } => sweep_cmd::sweep(sweep_cmd::SweepArgs {
            base,
            grid,
            out,
            jobs,
            shard,
            direct,
            resume,
            slurm,
        }),
        Command::Collect { dirs, out } => collect::collect(&dirs, &out),
        Command::Bench(args) => bench_cmd::bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
