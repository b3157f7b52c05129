//! Parameter sweeps: a grid of config overrides, its points (Cartesian,
//! first axis outermost), shards for cluster job arrays, and result rows as
//! CSV that shard outputs can be collected from.
//!
//! A point's result depends only on its config, so running every N-th point
//! on N machines and collecting the rows gives exactly the unsharded table.

use crate::config::overrides;
use crate::config::{Config, ConfigError};
use crate::presets::Preset;
use crate::run::summary;
use crate::run::Run;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// One axis: a dotted config key (or `variant`) and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

/// Parse `key=v1;v2;…` (values are JSON or bare words).
pub fn parse_axis(s: &str) -> Result<Axis, ConfigError> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| ConfigError::Parse(format!("grid: expected key=v1;v2;…, got `{s}`")))?;
    let values: Vec<String> = v.split(';').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect();
    if k.trim().is_empty() || values.is_empty() {
        return Err(ConfigError::Parse(format!("grid: expected key=v1;v2;…, got `{s}`")));
    }
    Ok(Axis {
        key: k.trim().to_string(),
        values,
    })
}

/// A point of the grid: its index, its assignments and its config.
#[derive(Debug, Clone)]
pub struct Point {
    pub index: usize,
    pub assignments: Vec<(String, String)>,
    pub config: Config,
}

/// Most points a grid may have.
pub const MAX_POINTS: usize = 100_000;

/// Every point of `axes` applied to `base` (the last axis varies fastest).
/// Each config is validated here, so a bad value fails before anything runs.
pub fn points(base: &Config, preset: Option<&Preset>, axes: &[Axis]) -> Result<Vec<Point>, ConfigError> {
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    if total > MAX_POINTS {
        return Err(ConfigError::Parse(format!("grid has {total} points, more than {MAX_POINTS}")));
    }
    let mut out = Vec::with_capacity(total);
    for index in 0..total {
        let mut rem = index;
        let mut picks = vec![0; axes.len()];
        for (i, a) in axes.iter().enumerate().rev() {
            picks[i] = rem % a.values.len();
            rem /= a.values.len();
        }
        let mut cfg = base.clone();
        let mut assignments = Vec::new();
        for (a, &p) in axes.iter().zip(&picks) {
            let v = &a.values[p];
            cfg = if a.key == "variant" {
                let patch = preset
                    .and_then(|pr| pr.variant(v))
                    .ok_or_else(|| ConfigError::Parse(format!("grid: unknown variant `{v}`")))?;
                let patch: Value = serde_json::from_str(patch).map_err(|e| ConfigError::Parse(e.to_string()))?;
                overrides::apply_patch(&cfg, &patch)?
            } else {
                overrides::apply(&cfg, &a.key, overrides::parse_value(v))?
            };
            assignments.push((a.key.clone(), v.clone()));
        }
        cfg.validate()
            .map_err(|e| ConfigError::Parse(format!("grid point {index} ({}): {e}", fmt_assign(&assignments))))?;
        out.push(Point {
            index,
            assignments,
            config: cfg,
        });
    }
    Ok(out)
}

fn fmt_assign(a: &[(String, String)]) -> String {
    a.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

/// Parse `i/N` (0 ≤ i < N).
pub fn parse_shard(s: &str) -> Result<(usize, usize), ConfigError> {
    let bad = || ConfigError::Parse(format!("shard must be i/N with 0 ≤ i < N, got `{s}`"));
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The result of one point: its assignments and the flattened `final` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub index: usize,
    pub assignments: Vec<(String, String)>,
    pub values: Vec<(String, f64)>,
}

/// Train one point to the end and summarise it: GD in span coordinates
/// (`Trainer::set_span_steps`) unless `direct`, as `lowrank-lab run` does.
pub fn run_point(p: &Point, direct: bool) -> Result<Row, ConfigError> {
    let cfg = p.config.validate()?;
    let mut run = Run::new(&cfg);
    run.set_span_steps(!direct);
    run.run_to_end();
    Ok(Row {
        index: p.index,
        assignments: p.assignments.clone(),
        values: summary::flatten(&summary::final_summary(&run)),
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Rows as CSV: `index`, the axis keys, then every value key (first-seen order).
/// Floats are written in Rust's shortest round-trip form.
pub fn to_csv(rows: &[Row]) -> String {
    let mut cols = Columns::default();
    for r in rows {
        cols.add(r);
    }
    let mut out = cols.header();
    for r in rows {
        out.push_str(&cols.line(r));
    }
    out
}

/// The columns of a sweep table: `index`, then the axis keys, then the value
/// keys, each in the order first seen over the rows in index order. Built in
/// one pass over the rows and used to write them in a second, so a table can
/// be written from records read one at a time ([`to_csv`] is the in-memory case).
#[derive(Debug, Default, Clone)]
pub struct Columns {
    axis: Vec<String>,
    values: Vec<String>,
    axis_seen: HashSet<String>,
    values_seen: HashSet<String>,
}

impl Columns {
    /// Add the keys of `row` not seen yet (rows must come in index order).
    pub fn add(&mut self, row: &Row) {
        for (k, _) in &row.assignments {
            if self.axis_seen.insert(k.clone()) {
                self.axis.push(k.clone());
            }
        }
        for (k, _) in &row.values {
            if self.values_seen.insert(k.clone()) {
                self.values.push(k.clone());
            }
        }
    }

    /// The header line, newline included.
    pub fn header(&self) -> String {
        let header: Vec<String> = std::iter::once("index")
            .chain(self.axis.iter().map(String::as_str))
            .chain(self.values.iter().map(String::as_str))
            .map(csv_field)
            .collect();
        format!("{}\n", header.join(","))
    }

    /// `row` as one line, newline included: a key the row lacks is an empty
    /// field; of a key the row repeats, its first value counts.
    pub fn line(&self, row: &Row) -> String {
        let mut assigned: HashMap<&str, &str> = HashMap::with_capacity(row.assignments.len());
        for (k, v) in &row.assignments {
            assigned.entry(k).or_insert(v);
        }
        let mut valued: HashMap<&str, f64> = HashMap::with_capacity(row.values.len());
        for (k, v) in &row.values {
            valued.entry(k).or_insert(*v);
        }
        let mut fields = vec![row.index.to_string()];
        fields.extend(self.axis.iter().map(|k| csv_field(assigned.get(k.as_str()).copied().unwrap_or(""))));
        fields.extend(
            self.values
                .iter()
                .map(|k| valued.get(k.as_str()).map(|v| v.to_string()).unwrap_or_default()),
        );
        let mut out = fields.join(",");
        out.push('\n');
        out
    }
}

/// Split one CSV line (RFC 4180 quoting).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Read rows back from [`to_csv`] output; `axis_count` columns after `index` are axes.
pub fn from_csv(text: &str, axis_count: usize) -> Result<Vec<Row>, ConfigError> {
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let header = split_csv_line(lines.next().ok_or_else(|| ConfigError::Parse("empty sweep.csv".into()))?);
    if header.first().map(String::as_str) != Some("index") || header.len() < 1 + axis_count {
        return Err(ConfigError::Parse(
            "sweep.csv: header does not start with index and the grid keys".into(),
        ));
    }
    lines
        .enumerate()
        .map(|(i, l)| {
            let f = split_csv_line(l);
            if f.len() != header.len() {
                return Err(ConfigError::Parse(format!(
                    "sweep.csv line {}: {} fields, header has {}",
                    i + 2,
                    f.len(),
                    header.len()
                )));
            }
            let index = f[0]
                .parse()
                .map_err(|_| ConfigError::Parse(format!("sweep.csv line {}: bad index `{}`", i + 2, f[0])))?;
            let assignments = (1..=axis_count).map(|j| (header[j].clone(), f[j].clone())).collect();
            let values = (1 + axis_count..header.len())
                .filter(|&j| !f[j].is_empty())
                .map(|j| {
                    Ok((
                        header[j].clone(),
                        f[j].parse::<f64>()
                            .map_err(|_| ConfigError::Parse(format!("sweep.csv line {}: `{}` is not a number", i + 2, f[j])))?,
                    ))
                })
                .collect::<Result<_, ConfigError>>()?;
            Ok(Row {
                index,
                assignments,
                values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's layout, spelled out: `index`, axes and value keys in
    /// first-seen order, empty fields for keys a row lacks, the first of a
    /// repeated key, quoting only where CSV needs it, shortest round-trip floats.
    #[test]
    fn csv_layout_is_first_seen_order_with_empty_fields() {
        let rows = vec![
            Row {
                index: 0,
                assignments: vec![("net.widths".into(), "[8]".into()), ("seed".into(), "0".into())],
                values: vec![("loss".into(), 0.5), ("layers.1.s".into(), 1.0), ("loss".into(), 9.0)],
            },
            Row {
                index: 1,
                assignments: vec![("net.widths".into(), "[8,8]".into()), ("seed".into(), "1".into())],
                values: vec![
                    ("loss".into(), 0.1 + 0.2),
                    ("layers.2.s".into(), f64::NAN),
                    ("layers.1.s".into(), 1e21),
                ],
            },
        ];
        assert_eq!(
            to_csv(&rows),
            "index,net.widths,seed,loss,layers.1.s,layers.2.s\n\
             0,[8],0,0.5,1,\n\
             1,\"[8,8]\",1,0.30000000000000004,1000000000000000000000,NaN\n"
        );
    }

    #[test]
    fn grid_points_are_cartesian_and_csv_round_trips() {
        let axes = vec![
            parse_axis("train.lambda=0.01;0.1").unwrap(),
            parse_axis("net.widths=[8];[16]").unwrap(),
        ];
        let pts = points(&Config::default(), None, &axes).unwrap();
        assert_eq!(pts.len(), 4);
        assert_eq!(pts[1].config.net.widths, vec![16]);
        assert_eq!(pts[2].config.train.lambda, 0.1);
        let rows = vec![Row {
            index: 3,
            assignments: vec![("a".into(), "[1,2]".into())],
            values: vec![("x".into(), 0.1 + 0.2), ("y".into(), 1e-300)],
        }];
        let back = from_csv(&to_csv(&rows), 1).unwrap();
        assert_eq!(back, rows);
        assert!(parse_shard("2/2").is_err() && parse_shard("1/2").is_ok());
        assert!(points(&Config::default(), None, &[parse_axis("train.lambda=-1").unwrap()])
            .unwrap_err()
            .to_string()
            .contains("train.lambda must be in [0, 1000]"));
    }
}
