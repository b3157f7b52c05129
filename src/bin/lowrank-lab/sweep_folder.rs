//! A sweep's output folder, built up point by point so that nothing finished
//! is lost when the process dies:
//!
//! ```text
//! DIR/.lowrank-lab     marker: a lowrank-lab output folder (may be replaced by one)
//! DIR/sweep.json       what the sweep is (written first; the identity --resume checks)
//! DIR/points/NNNNNN.json   one record per finished point, written atomically as it finishes
//! DIR/sweep.csv, *.svg the table and charts, written from the records once all are there
//! DIR/claims.json      the preset's claims checked over the rows (sweeps of a preset only)
//! ```
//!
//! `sweep.csv` is written last, so a folder without it is unfinished. The
//! table is streamed from the records (one read to learn the columns, one to
//! write the rows), so writing it holds one record at a time plus the few
//! numbers the charts plot.

use crate::bundle::MARKER;
use crate::records::{write_atomic, AtomicFile, Points};
use lowrank_lab::run::sweep::{Axis, Columns, Row};
use serde_json::Value;
use std::fs;
use std::path::Path;

/// Read a folder's `sweep.json`.
pub fn read_meta(dir: &Path) -> Result<Value, String> {
    let path = dir.join("sweep.json");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The first top-level field (other than `skip`) in which two `sweep.json`s differ.
pub fn differing_field(a: &Value, b: &Value, skip: &[&str]) -> Option<String> {
    let keys = |v: &Value| v.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let mut all = keys(a);
    all.extend(keys(b));
    all.sort();
    all.dedup();
    all.into_iter().find(|k| !skip.contains(&k.as_str()) && a.get(k) != b.get(k))
}

/// Make `out` ready to receive this sweep's point records.
///
/// - missing or empty: a new sweep folder;
/// - with `resume`: an earlier folder of the same sweep (every field of
///   `sweep.json` equal) is kept as it is; another sweep's is refused;
/// - without `resume`: an unfinished sweep (records but no `sweep.csv`) is
///   refused, so its finished points are not thrown away by accident; any
///   other earlier lowrank-lab folder is replaced, as `run` replaces its bundles;
/// - anything else (a folder that is not ours, a file) is refused.
pub fn prepare(out: &Path, meta: &Value, resume: bool) -> Result<(), String> {
    let points = Points::of(out);
    let empty = out.is_dir() && fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
    if out.exists() && !empty {
        if !out.is_dir() || !out.join(MARKER).exists() {
            return Err(format!(
                "{} exists and is not an earlier lowrank-lab output folder; choose another --out",
                out.display()
            ));
        }
        if resume {
            if !out.join("sweep.json").exists() {
                return Err(format!(
                    "{} is a lowrank-lab folder but holds no sweep (no sweep.json); --resume continues a sweep in its own --out folder",
                    out.display()
                ));
            }
            let existing = read_meta(out)?;
            if let Some(field) = differing_field(&existing, meta, &[]) {
                return Err(format!(
                    "{} holds another sweep (its sweep.json differs in `{field}`); --resume continues the same sweep: same preset, base config, grid, --shard and --direct",
                    out.display()
                ));
            }
            points.create()?;
            points.remove_stale_temporaries();
            return Ok(());
        }
        if points.exists() && !out.join("sweep.csv").exists() {
            let done = points.indices().map(|v| v.len()).unwrap_or(0);
            return Err(format!(
                "{} holds {done} finished points of an unfinished sweep; pass --resume to run only the missing ones (or remove the folder, or choose another --out)",
                out.display()
            ));
        }
        fs::remove_dir_all(out).map_err(|e| format!("cannot replace {}: {e}", out.display()))?;
    }
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    write_atomic(&out.join(MARKER), b"lowrank-lab output folder\n")?;
    write_atomic(&out.join("sweep.json"), meta_text(meta)?.as_bytes())?;
    points.create()
}

/// `sweep.json`'s text (pretty JSON, as every sweep has written it).
pub fn meta_text(meta: &Value) -> Result<String, String> {
    Ok(lowrank_lab::run::sweep_plan::meta_text(meta))
}

/// The keys `sweep.json`'s `plot` names (empty: none given).
pub fn plot_keys(meta: &Value) -> Vec<String> {
    meta["plot"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// The axes `sweep.json` lists.
pub fn axes_of(meta: &Value) -> Vec<Axis> {
    meta["axes"]
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
        .unwrap_or_default()
}

/// Write `sweep.csv` and the sweep charts into `dir` (each file atomically)
/// from the rows `row(i)` returns for each of `indices` (ascending). `row` is
/// called twice per index: once to learn the columns, once to write the line,
/// so only one row is held at a time (and, for the charts, the values they plot).
pub fn write_table(dir: &Path, meta: &Value, indices: &[usize], row: &dyn Fn(usize) -> Result<Row, String>) -> Result<(), String> {
    let axes = axes_of(meta);
    if axes.is_empty() {
        return Err("sweep.json has no axes".into());
    }
    let plot = plot_keys(meta);
    let methods = lowrank_lab::run::sweep_plan::methods_of(meta);
    let charted = lowrank_lab::run::sweep_charts::chart_keys(&plot, &methods);
    let mut columns = Columns::default();
    for &i in indices {
        columns.add(&row(i)?);
    }
    let mut csv = AtomicFile::create(&dir.join("sweep.csv"))?;
    csv.write(columns.header().as_bytes())?;
    let mut chart_rows = Vec::with_capacity(indices.len());
    let mut claim_rows: Vec<Row> = Vec::new();
    let preset = meta["preset"].as_str().filter(|p| !lowrank_lab::claims::table::of(p).is_empty());
    let mut collapsed = Vec::new();
    for &i in indices {
        let mut r = row(i)?;
        if r.index != i {
            return Err(format!("the record for point {i} says it is point {}", r.index));
        }
        csv.write(columns.line(&r).as_bytes())?;
        if r.values.iter().any(|(k, v)| k.ends_with("collapsed") && *v == 1.0) {
            collapsed.push(r.assignments.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", "));
        }
        if let Some(p) = preset {
            claim_rows.push(Row {
                index: r.index,
                assignments: r.assignments.clone(),
                values: r
                    .values
                    .iter()
                    .filter(|(k, _)| lowrank_lab::claims::eval::reads(p, k))
                    .cloned()
                    .collect(),
            });
        }
        // The collapse flags stay too: the charts leave a collapsed net's ranks out.
        r.values.retain(|(k, _)| k.ends_with("collapsed") || charted.iter().any(|c| c == k));
        chart_rows.push(r);
    }
    csv.commit()?;
    if !collapsed.is_empty() {
        eprintln!(
            "warning: {} of {} points have a net that collapsed to zero ({}): their ranks are trivial and not plotted (`collapsed` in sweep.csv)",
            collapsed.len(),
            indices.len(),
            collapsed.join("; ")
        );
    }
    for chart in lowrank_lab::run::sweep_charts::sweep_charts(&axes, &chart_rows, &plot, &methods) {
        let svg = chart.svg().map_err(|e| e.to_string())?;
        write_atomic(&dir.join(format!("{}.svg", chart.name)), svg.as_bytes())?;
    }
    if let Some(p) = preset {
        write_claims(dir, meta, p, &axes, &claim_rows)?;
    }
    Ok(())
}

/// `claims.json`: the preset's claims checked over the rows (each at the
/// points where it applies, the worst reported; `run::sweep_claims`, as the
/// page's sweep), also printed to stderr.
fn write_claims(dir: &Path, meta: &Value, preset: &str, axes: &[Axis], rows: &[Row]) -> Result<(), String> {
    let base: lowrank_lab::config::Config =
        serde_json::from_value(meta["base_config"].clone()).map_err(|e| format!("sweep.json base_config: {e}"))?;
    let points =
        lowrank_lab::run::sweep::points(&base, lowrank_lab::presets::find(preset), axes).map_err(|e| format!("sweep.json: {e}"))?;
    if let Some(r) = rows.iter().find(|r| r.index >= points.len()) {
        return Err(format!("row {} is not a point of the grid", r.index));
    }
    let rows: Vec<&Row> = rows.iter().collect();
    let claims = lowrank_lab::run::sweep_claims::over_points(preset, &points, &rows);
    for c in &claims {
        eprintln!("claim {}", c.line());
    }
    let doc = serde_json::json!({"preset": preset, "claims": claims});
    write_atomic(
        &dir.join("claims.json"),
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?.as_bytes(),
    )
}
