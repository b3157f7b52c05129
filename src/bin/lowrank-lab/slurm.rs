//! `lowrank-lab sweep … --slurm DIR`: the sweep as a ready-to-submit Slurm
//! job instead of a run. DIR receives:
//!
//! ```text
//! sweep.sbatch    the job array: task i runs `sweep --shard i/N --resume --out DIR/shards/i`
//! collect.sbatch  `collect DIR/shards/0 … --out RESULT`, run after every task succeeded
//! submit.sh       submits both (the collect job with --dependency=afterok:<array job>)
//! README.md       how to submit, where results and logs land
//! config.json     the sweep's base config, frozen
//! bin/lowrank-lab the binary that wrote the job, which every job runs
//! logs/  shards/  submitted.txt
//! ```
//!
//! Why each piece is what it is:
//! - A job array, one task per shard: one submission and one `squeue` line
//!   however many shards; shards share nothing, point i runs in shard i mod N.
//! - `--resume` in every task: a task requeued after its node failed, or
//!   resubmitted by hand, runs only the points without a record; a finished
//!   shard does nothing. So "resubmit everything" is always safe.
//! - `--cpus-per-task=C` with `RAYON_NUM_THREADS=C` (and `--jobs C`): a
//!   shard runs C points at once on the C CPUs it was given; rayon's default,
//!   one thread per CPU of the node, would oversubscribe a shared node.
//! - The collect job depends on the array with `afterok`, so it starts only
//!   when every task exited 0, and `--kill-on-invalid-dep=yes` cancels it
//!   instead of leaving it pending for ever when one did not.
//! - The binary and the base config are copied into DIR: every task, every
//!   resubmission and the collect job run the code and config that wrote the
//!   job, even after `cargo build` or an edited `--config` file (records of
//!   different code must not be mixed into one table).
//! - Logs in DIR/logs, one file per shard, opened in append mode (a rerun
//!   adds to the earlier run's lines; each run starts with a header line).
//! - `--requeue`: where the cluster allows it, a task whose node fails goes
//!   back in the queue and resumes.

use crate::sweep_cmd::Plan;
use crate::ConfigArgs;
use std::fs;
use std::path::{Path, PathBuf};

/// The `--slurm` options of `sweep`.
#[derive(clap::Args, Clone, Default)]
pub struct SlurmArgs {
    /// Write a ready-to-submit Slurm job into DIR instead of running: a job array (one shard per task) and a collect
    /// job that runs after every shard succeeded (see DIR/README.md).
    #[arg(long, value_name = "DIR")]
    pub slurm: Option<PathBuf>,
    /// With --slurm: the number of shards, one array task each (point i runs in shard i mod N).
    #[arg(long, value_name = "N", requires = "slurm")]
    pub shards: Option<usize>,
    /// With --slurm: the partition (default: the cluster's default partition).
    #[arg(long, requires = "slurm")]
    pub partition: Option<String>,
    /// With --slurm: each shard's time limit, as Slurm writes it: minutes, H:MM:SS or D-HH:MM:SS.
    #[arg(long, value_name = "LIMIT", requires = "slurm")]
    pub time: Option<String>,
    /// With --slurm: CPUs per shard (default 1); the shard runs that many points at once (RAYON_NUM_THREADS).
    #[arg(long, value_name = "C", requires = "slurm")]
    pub cpus_per_task: Option<usize>,
    /// With --slurm: at most K shards running at once (--array=0-(N-1)%K).
    #[arg(long, value_name = "K", requires = "slurm")]
    pub max_running: Option<usize>,
    /// With --slurm: an extra #SBATCH option for both jobs, e.g. --sbatch=--mem=2G --sbatch=--account=proj (repeatable).
    #[arg(long = "sbatch", value_name = "OPTION", requires = "slurm", allow_hyphen_values = true)]
    pub sbatch: Vec<String>,
    /// With --slurm: a shell line both jobs run before lowrank-lab, e.g. 'module load gcc' (repeatable).
    #[arg(long = "job-setup", value_name = "LINE", requires = "slurm")]
    pub job_setup: Vec<String>,
}

/// A Slurm time limit in seconds: minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S
/// (Slurm's forms); `None` for UNLIMITED / INFINITE.
pub fn time_seconds(s: &str) -> Result<Option<u64>, String> {
    let bad = || format!("--time must be a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED), got `{s}`");
    let t = s.trim();
    if t.eq_ignore_ascii_case("unlimited") || t.eq_ignore_ascii_case("infinite") {
        return Ok(None);
    }
    let num = |x: &str| -> Result<u64, String> {
        if x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        x.parse::<u64>().map_err(|_| bad())
    };
    let (days, rest) = match t.split_once('-') {
        Some((d, r)) => (Some(num(d)?), r),
        None => (None, t),
    };
    let parts: Vec<u64> = rest.split(':').map(num).collect::<Result<_, _>>()?;
    let secs = match (days, parts.as_slice()) {
        (None, [m]) => m * 60,
        (None, [m, s]) => m * 60 + s,
        (None, [h, m, s]) | (Some(_), [h, m, s]) => h * 3600 + m * 60 + s,
        (Some(_), [h]) => h * 3600,
        (Some(_), [h, m]) => h * 3600 + m * 60,
        _ => return Err(bad()),
    } + days.unwrap_or(0) * 86_400;
    if secs == 0 {
        return Err(format!("--time must be positive, got `{s}`"));
    }
    Ok(Some(secs))
}

fn hms(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Quote for a POSIX shell: one single-quoted word.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Options the generated scripts set themselves, with the flag that sets them.
const MANAGED: &[(&str, &str, &str)] = &[
    ("--array", "-a", "--shards / --max-running"),
    ("--cpus-per-task", "-c", "--cpus-per-task"),
    ("--partition", "-p", "--partition"),
    ("--time", "-t", "--time"),
    ("--output", "-o", "the generated logs/ paths"),
    ("--error", "-e", "the generated logs/ paths"),
    ("--job-name", "-J", "the generated job names"),
    ("--dependency", "-d", "submit.sh"),
    ("--chdir", "-D", "the generated scripts"),
];

/// An extra `#SBATCH` option, given with or without the `#SBATCH` prefix.
fn sbatch_line(raw: &str) -> Result<String, String> {
    let opt = raw.trim();
    let opt = opt.strip_prefix("#SBATCH").map(str::trim).unwrap_or(opt);
    if !opt.starts_with('-') || opt.chars().any(|c| c.is_control()) {
        return Err(format!(
            "--sbatch takes one sbatch option such as --mem=2G or --account=proj, got `{raw}`"
        ));
    }
    let name = opt.split(['=', ' ', '\t']).next().unwrap_or(opt);
    let short = |s: &str| name.len() > 2 && name.starts_with(s) && !name.starts_with("--");
    if let Some((long, _, by)) = MANAGED.iter().find(|(l, s, _)| name == *l || name == *s || short(s)) {
        return Err(format!("--sbatch `{opt}`: {long} is set by {by}, not by an extra line"));
    }
    Ok(format!("#SBATCH {opt}"))
}

/// Write the job for `plan` into `dir` (see the module header).
pub fn write_job(plan: &Plan, base: &ConfigArgs, direct: bool, dir: &Path, result: Option<&Path>, s: &SlurmArgs) -> Result<(), String> {
    let total = plan.points.len();
    let shards = s
        .shards
        .ok_or("--slurm needs --shards N: the number of array tasks (point i runs in shard i mod N)")?;
    if shards == 0 || shards > total {
        return Err(format!(
            "--shards must be in [1, {total}] (the grid has {total} points; an empty shard would be a wasted task), got {shards}"
        ));
    }
    let cpus = s.cpus_per_task.unwrap_or(1);
    if !(1..=4096).contains(&cpus) {
        return Err(format!("--cpus-per-task must be in [1, 4096], got {cpus}"));
    }
    if let Some(k) = s.max_running {
        if k == 0 || k > shards {
            return Err(format!("--max-running must be in [1, {shards}] (the shard count), got {k}"));
        }
    }
    let limit = match &s.time {
        Some(t) => Some((t.trim().to_string(), time_seconds(t)?)),
        None => None,
    };
    if let Some(p) = &s.partition {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || "_-.,".contains(c)) {
            return Err(format!(
                "--partition must be a partition name (letters, digits, _ - . and , between names), got `{p}`"
            ));
        }
    }
    let extra: Vec<String> = s.sbatch.iter().map(|l| sbatch_line(l)).collect::<Result<_, _>>()?;
    for l in &s.job_setup {
        if l.chars().any(|c| c == '\n' || c == '\r' || c == '\0') {
            return Err(format!("--job-setup takes one shell line, got {l:?}"));
        }
    }
    let shown = dir.display().to_string();
    if shown.chars().any(|c| c.is_whitespace() || "'\"%\\$`".contains(c)) {
        return Err(format!(
            "--slurm {shown}: the folder's path must not contain spaces, quotes, backslashes, $, ` or % (#SBATCH lines and the scripts cannot hold them); choose another folder"
        ));
    }
    if dir.exists() && fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!(
            "--slurm {shown} exists and is not empty; choose a new folder (to rerun the shards of a job written there, run its submit.sh again)"
        ));
    }
    for sub in ["bin", "logs", "shards"] {
        fs::create_dir_all(dir.join(sub)).map_err(|e| format!("cannot create {}: {e}", dir.join(sub).display()))?;
    }
    let dir = dir.canonicalize().map_err(|e| format!("{shown}: {e}"))?;
    let result = match result {
        Some(r) if r.is_absolute() => r.to_path_buf(),
        Some(r) => std::env::current_dir().map_err(|e| e.to_string())?.join(r),
        None => dir.join("result"),
    };
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program's path to copy it: {e}"))?;
    let bin = dir.join("bin/lowrank-lab");
    fs::copy(&exe, &bin).map_err(|e| format!("cannot copy {} to {}: {e}", exe.display(), bin.display()))?;
    let config = dir.join("config.json");
    write(
        &config,
        &(serde_json::to_string_pretty(&plan.base).map_err(|e| e.to_string())? + "\n"),
    )?;

    let name: String = dir
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .take(40)
                .collect()
        })
        .unwrap_or_default();
    let name = if name.is_empty() {
        "lowrank-sweep".to_string()
    } else {
        format!("lowrank-{name}")
    };
    let d = |rel: &str| dir.join(rel).display().to_string();
    let mut common = Vec::new();
    if let Some(p) = &s.partition {
        common.push(format!("#SBATCH --partition={p}"));
    }
    let setup: String = s.job_setup.iter().map(|l| format!("{l}\n")).collect();

    // The job array.
    // One flag and its value per line.
    let mut sweep_args = vec![format!("{} sweep", sh_quote(&bin.display().to_string()))];
    if let Some(p) = &base.preset {
        sweep_args.push(format!("--preset {}", sh_quote(p)));
    }
    sweep_args.push(format!("--config {}", sh_quote(&config.display().to_string())));
    for a in &plan.axes {
        sweep_args.push(format!("--grid {}", sh_quote(&format!("{}={}", a.key, a.values.join(";")))));
    }
    if direct {
        sweep_args.push("--direct".into());
    }
    sweep_args.extend([
        format!("--shard \"$shard/{shards}\" --jobs \"$RAYON_NUM_THREADS\" --resume"),
        format!("--out \"{}/$shard\"", d("shards")),
    ]);
    let array = match s.max_running {
        Some(k) => format!("0-{}%{k}", shards - 1),
        None => format!("0-{}", shards - 1),
    };
    let mut head = vec![
        format!("#SBATCH --job-name={name}"),
        format!("#SBATCH --array={array}"),
        "#SBATCH --nodes=1".into(),
        "#SBATCH --ntasks=1".into(),
        format!("#SBATCH --cpus-per-task={cpus}"),
    ];
    head.extend(common.iter().cloned());
    if let Some((t, _)) = &limit {
        head.push(format!("#SBATCH --time={t}"));
    }
    head.extend([
        format!("#SBATCH --output={}", d("logs/shard-%a.out")),
        "#SBATCH --open-mode=append".into(),
        "#SBATCH --requeue".into(),
    ]);
    head.extend(extra.iter().cloned());
    let sweep_sbatch = format!(
        "#!/bin/bash\n\
         # lowrank-lab sweep: {total} points in {shards} shards, one array task per shard\n\
         # (point i runs in shard i mod {shards}). Written by `lowrank-lab sweep --slurm`; see README.md.\n\
         {}\n\
         set -euo pipefail\n\
         {setup}\
         shard=\"${{SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array}}\"\n\
         # The shard runs as many points at once as it has CPUs, and no more.\n\
         export RAYON_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{cpus}}}\"\n\
         echo \"== shard $shard/{shards}: job ${{SLURM_ARRAY_JOB_ID:-?}}_$shard on $(hostname) at $(date -Iseconds), threads: $RAYON_NUM_THREADS\"\n\
         exec {}\n",
        head.join("\n"),
        sweep_args.join(" \\\n  ")
    );

    // The collect job.
    let collect_limit = limit.as_ref().and_then(|(_, s)| *s).unwrap_or(u64::MAX).min(1800);
    let mut chead = vec![
        format!("#SBATCH --job-name={name}-collect"),
        "#SBATCH --nodes=1".into(),
        "#SBATCH --ntasks=1".into(),
        "#SBATCH --cpus-per-task=1".into(),
    ];
    chead.extend(common.iter().cloned());
    chead.extend([
        format!("#SBATCH --time={}", hms(collect_limit)),
        format!("#SBATCH --output={}", d("logs/collect.out")),
        "#SBATCH --open-mode=append".into(),
        "#SBATCH --kill-on-invalid-dep=yes".into(),
    ]);
    chead.extend(extra.iter().cloned());
    let collect_sbatch = format!(
        "#!/bin/bash\n\
         # lowrank-lab collect: the {shards} shard folders of this sweep into one table. submit.sh\n\
         # submits it with --dependency=afterok:<array job>. Written by `lowrank-lab sweep --slurm`.\n\
         {}\n\
         set -euo pipefail\n\
         {setup}\
         echo \"== collect: job ${{SLURM_JOB_ID:-?}} on $(hostname) at $(date -Iseconds)\"\n\
         shards=()\n\
         for ((i = 0; i < {shards}; i++)); do shards+=({}/\"$i\"); done\n\
         exec {} collect \"${{shards[@]}}\" --out {}\n",
        chead.join("\n"),
        sh_quote(&d("shards")),
        sh_quote(&bin.display().to_string()),
        sh_quote(&result.display().to_string())
    );

    let csv = result.join("sweep.csv").display().to_string();
    let submit = format!(
        "#!/bin/bash\n\
         # Submits the job array, then the collect job, which starts once every array task has\n\
         # succeeded. Arguments go to the array's sbatch: `bash submit.sh --array=3` reruns shard 3\n\
         # only (a finished shard does nothing, an unfinished one runs only its missing points).\n\
         set -euo pipefail\n\
         array=$(sbatch --parsable \"$@\" {sweep})\n\
         array=${{array%%;*}}\n\
         collect=$(sbatch --parsable --dependency=afterok:\"$array\" {collect})\n\
         collect=${{collect%%;*}}\n\
         echo \"$(date -Iseconds) array $array collect $collect\" >> {jobs}\n\
         echo \"submitted job array $array ({shards} shards) and collect job $collect (after every shard succeeded)\"\n\
         echo \"results: {csv}   logs: {logs}/\"\n",
        sweep = sh_quote(&d("sweep.sbatch")),
        collect = sh_quote(&d("collect.sbatch")),
        jobs = sh_quote(&d("submitted.txt")),
        logs = d("logs"),
    );
    let readme = readme(&ReadmeFacts {
        dir: &dir,
        csv: &csv,
        result: &result,
        total,
        shards,
        cpus,
        partition: s.partition.as_deref(),
        time: limit.as_ref().map(|(t, secs)| match secs {
            Some(secs) if hms(*secs) != *t => format!("{t} = {}", hms(*secs)),
            Some(_) => t.clone(),
            None => t.clone(),
        }),
    });
    write(&dir.join("sweep.sbatch"), &sweep_sbatch)?;
    write(&dir.join("collect.sbatch"), &collect_sbatch)?;
    write(&dir.join("submit.sh"), &submit)?;
    write(&dir.join("README.md"), &readme)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["sweep.sbatch", "collect.sbatch", "submit.sh"] {
            let _ = fs::set_permissions(dir.join(f), fs::Permissions::from_mode(0o755));
        }
    }
    if shards > 1001 {
        eprintln!(
            "note: {shards} array tasks; many clusters cap a job array at MaxArraySize (default 1001, i.e. tasks 0-1000): `scontrol show config | grep MaxArraySize`"
        );
    }
    crate::print_stdout(&format!(
        "wrote a Slurm job for {total} points in {shards} shards ({cpus} CPU{} each) to {}\nsubmit:  bash {}\nresults: {csv}",
        if cpus == 1 { "" } else { "s" },
        dir.display(),
        d("submit.sh")
    ));
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

struct ReadmeFacts<'a> {
    dir: &'a Path,
    csv: &'a str,
    result: &'a Path,
    total: usize,
    shards: usize,
    cpus: usize,
    partition: Option<&'a str>,
    time: Option<String>,
}

fn readme(f: &ReadmeFacts) -> String {
    let d = f.dir.display();
    format!(
        "# A lowrank-lab sweep as a Slurm job\n\
         \n\
         Submit with `bash {d}/submit.sh`; the table lands in `{csv}` (with `sweep.json` and the\n\
         charts in `{result}/`) once every shard has succeeded. Logs: `{d}/logs/`.\n\
         \n\
         {total} points in {shards} shards: array task i runs points i, i+{shards}, i+{two}, …\n\
         on {cpus} CPU{s} ({partition}, {time}).\n\
         \n\
         | file | what it is |\n\
         |---|---|\n\
         | `sweep.sbatch` | the job array; task i runs `lowrank-lab sweep --shard i/{shards} --resume --out shards/i` |\n\
         | `collect.sbatch` | `lowrank-lab collect shards/0 … --out {result}`, after every task succeeded |\n\
         | `submit.sh` | submits both (`--dependency=afterok:<array job>`); its arguments go to the array's sbatch |\n\
         | `submitted.txt` | the job ids of each submission |\n\
         | `shards/i/points/` | one record per finished point, written as each point finishes |\n\
         | `shards/i/sweep.csv` | shard i's table, once all its points are done |\n\
         | `logs/shard-i.out`, `logs/collect.out` | the jobs' output, appended on every run |\n\
         | `bin/lowrank-lab`, `config.json` | the binary and base config every job runs |\n\
         \n\
         Watch: `squeue --me`; `sacct -j <array job>`; finished points:\n\
         `find {d}/shards -path '*/points/*.json' | wc -l`.\n\
         \n\
         If a shard failed (a node died, it hit its time limit, `scancel`), it kept every point it\n\
         finished, and the collect job is cancelled (its dependency can no longer be met). Run `bash {d}/submit.sh` again, or only for the\n\
         failed tasks, e.g. `bash {d}/submit.sh --array=3,5`: finished shards do nothing,\n\
         unfinished ones run only their missing points, and a new collect job follows.\n\
         `{d}/bin/lowrank-lab collect {d}/shards/* --out DIR` lists missing points (exit code 2)\n\
         and writes nothing until every point is there.\n",
        csv = f.csv,
        result = f.result.display(),
        total = f.total,
        shards = f.shards,
        two = 2 * f.shards,
        cpus = f.cpus,
        s = if f.cpus == 1 { "" } else { "s each" },
        partition = f.partition.map(|p| format!("partition {p}")).unwrap_or_else(|| "the default partition".into()),
        time = f.time.as_ref().map(|t| format!("time limit {t} per shard")).unwrap_or_else(|| "the partition's time limit".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_time_limits_parse_like_slurm() {
        for (s, secs) in [
            ("30", Some(1800)),
            ("5:30", Some(330)),
            ("2:00:00", Some(7200)),
            ("1-12", Some(129_600)),
            ("1-0:30", Some(88_200)),
            ("2-01:02:03", Some(2 * 86_400 + 3723)),
            ("UNLIMITED", None),
        ] {
            assert_eq!(time_seconds(s), Ok(secs), "{s}");
        }
        for s in ["", "1h", "1:2:3:4", "-5", "1-", "0", "0:00"] {
            assert!(time_seconds(s).is_err(), "{s}");
        }
        assert_eq!(hms(7384), "2:03:04");
    }

    #[test]
    fn extra_sbatch_lines_are_normalised_and_managed_ones_refused() {
        assert_eq!(sbatch_line("--mem=2G").unwrap(), "#SBATCH --mem=2G");
        assert_eq!(sbatch_line("#SBATCH  --account=abc").unwrap(), "#SBATCH --account=abc");
        assert_eq!(sbatch_line("--constraint=avx2").unwrap(), "#SBATCH --constraint=avx2");
        for (l, says) in [
            ("--time=5", "--time is set by --time"),
            ("-t 5", "--time is set by --time"),
            ("-p debug", "--partition is set by --partition"),
            ("--array=0-3", "--array is set by --shards"),
            ("-c4", "--cpus-per-task is set by --cpus-per-task"),
            ("mem=2G", "takes one sbatch option"),
            ("--mem=2G\n--time=1", "takes one sbatch option"),
        ] {
            let e = sbatch_line(l).unwrap_err();
            assert!(e.contains(says), "{l}: {e}");
        }
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
