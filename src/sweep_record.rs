//! One finished sweep point as a self-contained record: what a shard writes
//! the moment a point finishes, so a shard killed mid-run keeps every point it
//! finished, a resumed shard runs only the points without a record, and
//! `collect` builds the table from records alone.
//!
//! A record is one line of JSON:
//!
//! ```text
//! {"format":"lowrank-lab sweep point 1","index":3,"point":"sha256:…",
//!  "assignments":[["train.lambda","0.01"]],"values":[["accuracy",1.0],["loss","NaN"]]}
//! ```
//!
//! `values` are the point's `final` numbers flattened to the columns of
//! `sweep.csv` (`summary::flatten`), in their order; JSON has no NaN or ±inf,
//! so those are the strings `"NaN"`, `"inf"`, `"-inf"` (what Rust prints and
//! parses). Finite numbers are written shortest-round-trip and read back
//! exactly (serde_json's `float_roundtrip`), so a table built from records is
//! byte for byte the table built from the points in memory.
//!
//! `point` fingerprints what the point ran: the SHA-256 of its full config
//! (as JSON) and whether GD took span steps. A record whose fingerprint is not
//! the point's is refused, never mixed into another sweep's table. A record
//! holds no training history, so its size (and the memory of everything that
//! reads records) does not grow with the length of a run.

use crate::config::Config;
use crate::sweep::{Point, Row};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `format` tag of every record this version writes and reads.
pub const FORMAT: &str = "lowrank-lab sweep point 1";

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    /// The text is not a record (bad JSON, a missing field, a value that is neither number nor NaN/inf).
    #[error("not a sweep point record: {0}")]
    Parse(String),
    /// The record was written by a different format version.
    #[error("record format must be `{FORMAT}`, got `{0}`")]
    Format(String),
    /// The record is for another grid point than expected.
    #[error("record is for point {found}, expected point {expected}")]
    Index { expected: usize, found: usize },
    /// The record's point ran another config (or the other GD step) than this sweep's point.
    #[error("record of point {index} was computed for a different config or --direct setting (fingerprint {found}, this sweep's point has {expected})")]
    Fingerprint { index: usize, expected: String, found: String },
}

/// The fingerprint of a point's computation: `sha256:` and the hex digest of
/// `{"config": <config>, "direct": <bool>}` as compact JSON (object keys sorted).
pub fn fingerprint(config: &Config, direct: bool) -> String {
    let v = serde_json::json!({ "config": config, "direct": direct });
    let digest = Sha256::digest(v.to_string().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A finished point: its index, fingerprint, grid assignments and `final` numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub index: usize,
    pub point: String,
    pub assignments: Vec<(String, String)>,
    /// Flattened `final` keys and values, in `summary::flatten` order.
    pub values: Vec<(String, f64)>,
}

/// A value on the wire: a JSON number, or the string Rust prints for a non-finite f64.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Num {
    Finite(f64),
    Text(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    index: usize,
    point: String,
    assignments: Vec<(String, String)>,
    values: Vec<(String, Num)>,
}

impl Record {
    /// The record of `row`, computed for `point` (with `direct` as the sweep ran it).
    pub fn new(point: &Point, direct: bool, row: Row) -> Record {
        Record {
            index: row.index,
            point: fingerprint(&point.config, direct),
            assignments: row.assignments,
            values: row.values,
        }
    }

    /// One line of JSON, newline included.
    pub fn to_line(&self) -> String {
        let wire = Wire {
            format: FORMAT.to_string(),
            index: self.index,
            point: self.point.clone(),
            assignments: self.assignments.clone(),
            values: self
                .values
                .iter()
                .map(|(k, v)| (k.clone(), if v.is_finite() { Num::Finite(*v) } else { Num::Text(v.to_string()) }))
                .collect(),
        };
        // Plain strings, f64s and integers always serialise.
        let mut line = serde_json::to_string(&wire).unwrap_or_default();
        line.push('\n');
        line
    }

    /// Parse a record written by [`Record::to_line`].
    pub fn parse(text: &str) -> Result<Record, RecordError> {
        let wire: Wire = serde_json::from_str(text).map_err(|e| RecordError::Parse(e.to_string()))?;
        if wire.format != FORMAT {
            return Err(RecordError::Format(wire.format));
        }
        let values = wire
            .values
            .into_iter()
            .map(|(k, v)| match v {
                Num::Finite(x) => Ok((k, x)),
                Num::Text(t) => match t.parse::<f64>() {
                    Ok(x) if !x.is_finite() => Ok((k, x)),
                    _ => Err(RecordError::Parse(format!(
                        "value of `{k}` must be a number, NaN, inf or -inf, got `{t}`"
                    ))),
                },
            })
            .collect::<Result<_, _>>()?;
        Ok(Record {
            index: wire.index,
            point: wire.point,
            assignments: wire.assignments,
            values,
        })
    }

    /// Check that this record is `point`'s, computed with `direct`.
    pub fn check(&self, point: &Point, direct: bool) -> Result<(), RecordError> {
        if self.index != point.index {
            return Err(RecordError::Index {
                expected: point.index,
                found: self.index,
            });
        }
        let expected = fingerprint(&point.config, direct);
        if self.point != expected {
            return Err(RecordError::Fingerprint {
                index: point.index,
                expected,
                found: self.point.clone(),
            });
        }
        Ok(())
    }

    /// The table row this record is.
    pub fn into_row(self) -> Row {
        Row {
            index: self.index,
            assignments: self.assignments,
            values: self.values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{parse_axis, points, to_csv};

    fn point(i: usize) -> Point {
        points(&Config::default(), None, &[parse_axis("train.lambda=0.01;0.1").unwrap()])
            .unwrap()
            .remove(i)
    }

    #[test]
    fn records_round_trip_every_f64_exactly() {
        let p = point(1);
        let values = vec![
            ("a".to_string(), 0.1 + 0.2),
            ("b".into(), 1e-300),
            ("c".into(), -0.0),
            ("d".into(), f64::NAN),
            ("e".into(), f64::INFINITY),
            ("f".into(), f64::NEG_INFINITY),
            ("g".into(), 20000.0),
            ("h".into(), f64::MIN_POSITIVE / 3.0),
        ];
        let row = Row {
            index: 1,
            assignments: vec![("train.lambda".into(), "0.1".into())],
            values,
        };
        let rec = Record::new(&p, false, row.clone());
        let line = rec.to_line();
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1, "{line}");
        assert!(line.contains(r#"["d","NaN"]"#) && line.contains(r#"["f","-inf"]"#), "{line}");
        let back = Record::parse(&line).unwrap();
        back.check(&p, false).unwrap();
        for ((k, x), (k2, y)) in row.values.iter().zip(&back.values) {
            assert_eq!((k, x.to_bits()), (k2, y.to_bits()), "{k}");
        }
        // The table from the record is the table from the row, byte for byte.
        assert_eq!(to_csv(&[back.into_row()]), to_csv(&[row]));
    }

    #[test]
    fn records_of_another_point_config_or_step_are_refused() {
        let (p0, p1) = (point(0), point(1));
        let rec = Record::new(
            &p1,
            false,
            Row {
                index: 1,
                assignments: vec![],
                values: vec![],
            },
        );
        assert!(matches!(rec.check(&p1, true), Err(RecordError::Fingerprint { index: 1, .. })));
        assert_eq!(rec.check(&p0, false), Err(RecordError::Index { expected: 0, found: 1 }));
        let mut other = p1.clone();
        other.config.train.lambda = 0.2;
        assert!(rec.check(&other, false).unwrap_err().to_string().contains("different config"));
        for (text, says) in [
            ("{", "not a sweep point record"),
            (
                r#"{"format":"lowrank-lab sweep point 0","index":0,"point":"x","assignments":[],"values":[]}"#,
                "record format must be",
            ),
            (
                r#"{"format":"lowrank-lab sweep point 1","index":0,"point":"x","assignments":[],"values":[["a","1.5"]]}"#,
                "value of `a` must be a number, NaN, inf or -inf, got `1.5`",
            ),
        ] {
            let e = Record::parse(text).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn fingerprints_differ_by_config_and_step() {
        let p = point(0);
        let a = fingerprint(&p.config, false);
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64);
        assert_eq!(a, fingerprint(&p.config.clone(), false));
        assert_ne!(a, fingerprint(&p.config, true));
        assert_ne!(a, fingerprint(&point(1).config, false));
    }
}
