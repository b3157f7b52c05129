//! `lowrank-lab collect`: shard folders merged into one sweep, exactly the
//! table the unsharded sweep writes, or nothing at all.
//!
//! Every grid point must have exactly one record among the folders: a point
//! without one (its shard died or never ran) or with two (a folder passed
//! twice, an unsharded run mixed with shards) is listed and the command exits
//! with code 2 without writing anything, rather than writing a partial or
//! ambiguous table. Each record must be the point's (its fingerprint: the
//! point's config and GD step); folders from before point records, holding
//! only `sweep.csv`, are read from that table.
//!
//! Memory: the records are read one at a time, twice (columns, then rows);
//! what is held is one index per point and the values the charts plot.

use crate::bundle::Bundle;
use crate::records::Points;
use crate::sweep_folder::{self, differing_field, read_meta};
use lowrank_lab::config::Config;
use lowrank_lab::presets;
use lowrank_lab::sweep::{self, Row};
use std::path::{Path, PathBuf};

/// Where a folder's points come from.
enum Source {
    Records(Points),
    /// A folder written before point records: its `sweep.csv` rows.
    Table(Vec<Row>),
    /// A folder that does not exist (its shard never started).
    Absent,
}

struct Folder {
    dir: PathBuf,
    shard: Option<(usize, usize)>,
    source: Source,
}

impl Folder {
    fn indices(&self) -> Result<Vec<usize>, String> {
        match &self.source {
            Source::Records(p) if p.exists() => p.indices(),
            Source::Records(_) | Source::Absent => Ok(Vec::new()),
            Source::Table(rows) => Ok(rows.iter().map(|r| r.index).collect()),
        }
    }

    /// Does this folder's shard own point `i`?
    fn owns(&self, i: usize) -> bool {
        !matches!(self.source, Source::Absent) && self.shard.is_none_or(|(s, n)| i % n == s)
    }
}

const NOBODY: u32 = u32::MAX;

pub fn collect(dirs: &[PathBuf], out: &Path) -> Result<(), String> {
    let mut meta: Option<(serde_json::Value, &Path)> = None;
    let mut folders = Vec::new();
    for d in dirs {
        if !d.exists() {
            folders.push(Folder {
                dir: d.clone(),
                shard: None,
                source: Source::Absent,
            });
            continue;
        }
        let m = read_meta(d)?;
        if let Some((first, first_dir)) = &meta {
            if let Some(field) = differing_field(first, &m, &["shard"]) {
                return Err(format!(
                    "{} is a shard of a different sweep than {} (`{field}` differs in sweep.json)",
                    d.display(),
                    first_dir.display()
                ));
            }
        }
        let shard = match m["shard"].as_str() {
            Some(s) => Some(sweep::parse_shard(s).map_err(|e| format!("{}: {e}", d.join("sweep.json").display()))?),
            None => None,
        };
        let points = Points::of(d);
        let source = if !points.exists() && d.join("sweep.csv").exists() {
            let n_axes = m["axes"].as_array().map(|a| a.len()).unwrap_or(0);
            let text = std::fs::read_to_string(d.join("sweep.csv")).map_err(|e| format!("{}: {e}", d.join("sweep.csv").display()))?;
            Source::Table(sweep::from_csv(&text, n_axes).map_err(|e| format!("{}: {e}", d.display()))?)
        } else {
            Source::Records(points)
        };
        folders.push(Folder {
            dir: d.clone(),
            shard,
            source,
        });
        if meta.is_none() {
            meta = Some((m, d));
        }
    }
    let (mut meta, _) = meta.ok_or_else(|| {
        format!(
            "none of the {} folders exists ({}…)",
            dirs.len(),
            dirs.first().map(|d| d.display().to_string()).unwrap_or_default()
        )
    })?;
    let total = meta["total_points"].as_u64().ok_or("sweep.json has no total_points")? as usize;

    // Which folder holds each point; every point exactly once.
    let mut holder = vec![NOBODY; total];
    let mut duplicated: Vec<(usize, Vec<usize>)> = Vec::new();
    for (f, folder) in folders.iter().enumerate() {
        for i in folder.indices()? {
            if i >= total {
                return Err(format!(
                    "{}: a record for point {i}, but the sweep has {total} points",
                    folder.dir.display()
                ));
            }
            if holder[i] == NOBODY {
                holder[i] = f as u32;
            } else {
                match duplicated.iter_mut().find(|(j, _)| *j == i) {
                    Some((_, fs)) => fs.push(f),
                    None => duplicated.push((i, vec![holder[i] as usize, f])),
                }
            }
        }
    }
    let missing: Vec<usize> = (0..total).filter(|&i| holder[i] == NOBODY).collect();
    if !missing.is_empty() || !duplicated.is_empty() {
        return Err(incomplete(&folders, total, &missing, &duplicated));
    }

    // The points as the sweep defined them, to check each record is its point's.
    let base: Config = serde_json::from_value(meta["base_config"].clone()).map_err(|e| format!("sweep.json base_config: {e}"))?;
    let preset = meta["preset"].as_str().and_then(presets::find);
    let axes = sweep_folder::axes_of(&meta);
    let points = sweep::points(&base, preset, &axes).map_err(|e| format!("sweep.json: {e}"))?;
    if points.len() != total {
        return Err(format!("sweep.json says {total} points, its grid has {}", points.len()));
    }
    let direct = meta["direct"].as_bool().unwrap_or(false);
    meta["shard"] = serde_json::Value::Null;

    let bundle = Bundle::create(out)?;
    bundle.write("sweep.json", sweep_folder::meta_text(&meta)?.as_bytes())?;
    let indices: Vec<usize> = (0..total).collect();
    sweep_folder::write_table(bundle.dir(), &meta, &indices, &|i| {
        let folder = &folders[holder[i] as usize];
        match &folder.source {
            Source::Records(p) => {
                let rec = p.read(i)?;
                rec.check(&points[i], direct).map_err(|e| format!("{}: {e}", p.path(i).display()))?;
                Ok(rec.into_row())
            }
            Source::Table(rows) => {
                let r = rows.iter().find(|r| r.index == i).cloned().ok_or("row vanished")?;
                if r.assignments != points[i].assignments {
                    return Err(format!(
                        "{}: row {i} has other grid values than the sweep's point {i}",
                        folder.dir.display()
                    ));
                }
                Ok(r)
            }
            Source::Absent => Err(format!("{} does not exist", folder.dir.display())),
        }
    })?;
    bundle.finish()
}

/// The one-line report of an incomplete collection: what is missing (and
/// which folder's shard owns it), what is duplicated (and where).
fn incomplete(folders: &[Folder], total: usize, missing: &[usize], duplicated: &[(usize, Vec<usize>)]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        let mut owners = Vec::new();
        let mut owned = vec![false; missing.len()];
        for f in folders {
            let mine: Vec<usize> = missing
                .iter()
                .enumerate()
                .filter(|(_, &i)| f.owns(i))
                .map(|(k, &i)| {
                    owned[k] = true;
                    i
                })
                .collect();
            if !mine.is_empty() {
                let shard = f.shard.map(|(s, n)| format!("shard {s}/{n}, ")).unwrap_or_default();
                owners.push(format!("{} in {}{}", ranges(&mine), shard, f.dir.display()));
            }
        }
        let orphans: Vec<usize> = missing.iter().zip(&owned).filter(|(_, &o)| !o).map(|(&i, _)| i).collect();
        if !orphans.is_empty() {
            owners.push(format!("{} in no folder given", ranges(&orphans)));
        }
        parts.push(format!("{} of {total} points missing ({})", missing.len(), owners.join("; ")));
    }
    let absent: Vec<String> = folders
        .iter()
        .filter(|f| matches!(f.source, Source::Absent))
        .map(|f| f.dir.display().to_string())
        .collect();
    if !absent.is_empty() {
        parts.push(format!("{} not there: {}", plural(absent.len(), "folder"), absent.join(", ")));
    }
    if !duplicated.is_empty() {
        let shown: Vec<String> = duplicated
            .iter()
            .take(20)
            .map(|(i, fs)| {
                let dirs: Vec<String> = fs.iter().map(|&f| folders[f].dir.display().to_string()).collect();
                format!("{i} in {}", dirs.join(" and "))
            })
            .collect();
        let more = duplicated.len().saturating_sub(20);
        parts.push(format!(
            "{} recorded more than once ({}{})",
            plural(duplicated.len(), "point"),
            shown.join("; "),
            if more > 0 { format!("; and {more} more") } else { String::new() }
        ));
    }
    format!(
        "cannot collect a complete table: {}. Nothing was written; rerun the shards that own the missing points with `sweep … --resume`, and pass each shard's folder once",
        parts.join("; ")
    )
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Ascending indices as ranges (`0, 4, 8-11`), at most 30 of them shown.
fn ranges(ix: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut k = 0;
    while k < ix.len() {
        let mut j = k;
        while j + 1 < ix.len() && ix[j + 1] == ix[j] + 1 {
            j += 1;
        }
        out.push(if j == k {
            ix[k].to_string()
        } else {
            format!("{}-{}", ix[k], ix[j])
        });
        k = j + 1;
    }
    let n = out.len();
    if n > 30 {
        out.truncate(30);
        out.push(format!("… ({} more ranges)", n - 30));
    }
    format!("point{} {}", if ix.len() == 1 { "" } else { "s" }, out.join(", "))
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_are_compact() {
        assert_eq!(ranges(&[3]), "point 3");
        assert_eq!(ranges(&[0, 4, 8, 9, 10, 11, 20]), "points 0, 4, 8-11, 20");
        let many: Vec<usize> = (0..100).map(|i| 2 * i).collect();
        assert!(ranges(&many).ends_with("… (70 more ranges)"));
    }
}
