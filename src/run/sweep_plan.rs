//! A sweep's plan: its base config, preset, grid axes and every point (each
//! config validated), and `sweep.json`, what the sweep is. One plan serves the
//! CLI (`lowrank-lab sweep`, its shards and `--slurm` jobs) and the page's
//! in-page sweep (`web::SweepStore`), so both run the same points and write the
//! same `sweep.json`.

use crate::config::{Config, ConfigError};
use crate::presets::{self, Preset};
use crate::run::sweep::{self, Axis, Point};
use serde_json::json;

/// Most points a sweep run in the page may have (each is trained to the end in a
/// browser worker; the CLI's limit is [`sweep::MAX_POINTS`]).
pub const PAGE_MAX_POINTS: usize = 256;

/// Why a sweep cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// No grid given and the preset has none (or there is no preset).
    #[error("no grid: pass --grid key=v1;v2;… (or a preset that has one)")]
    NoGrid,
    /// A grid axis or point config is refused (names the point, field, range and value).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// More points than the page runs.
    #[error("the sweep has {points} points; the page runs at most {limit} (the product of the axes' value counts: {counts}); use `lowrank-lab sweep` for more")]
    TooManyForPage { points: usize, limit: usize, counts: String },
}

/// The sweep a command line or the page describes: its base config, preset,
/// axes and every point (each config validated, so a bad value fails before anything runs).
#[derive(Debug, Clone)]
pub struct Plan {
    pub base: Config,
    pub preset: Option<&'static Preset>,
    pub axes: Vec<Axis>,
    pub points: Vec<Point>,
}

/// Plan `grid` (axes `key=v1;v2;…`; empty: the preset's own grid) over `base`.
pub fn plan(base: Config, preset_name: Option<&str>, grid: &[String]) -> Result<Plan, PlanError> {
    let preset = preset_name.and_then(presets::find);
    let specs: Vec<String> = if grid.is_empty() {
        preset.map(|p| p.grid.iter().map(|s| s.to_string()).collect()).unwrap_or_default()
    } else {
        grid.to_vec()
    };
    if specs.is_empty() {
        return Err(PlanError::NoGrid);
    }
    let axes: Vec<Axis> = specs.iter().map(|s| sweep::parse_axis(s)).collect::<Result<_, _>>()?;
    let points = sweep::points(&base, preset, &axes)?;
    Ok(Plan {
        base,
        preset,
        axes,
        points,
    })
}

/// [`plan`], refusing grids of more than [`PAGE_MAX_POINTS`] points before any point is built.
pub fn plan_for_page(base: Config, preset_name: Option<&str>, grid: &[String]) -> Result<Plan, PlanError> {
    if !grid.is_empty() {
        let axes: Vec<Axis> = grid.iter().map(|s| sweep::parse_axis(s)).collect::<Result<_, _>>()?;
        let points: usize = axes.iter().map(|a| a.values.len()).product();
        if points > PAGE_MAX_POINTS {
            let counts = axes
                .iter()
                .map(|a| format!("{} {}", a.values.len(), a.key))
                .collect::<Vec<_>>()
                .join(" × ");
            return Err(PlanError::TooManyForPage {
                points,
                limit: PAGE_MAX_POINTS,
                counts,
            });
        }
    }
    plan(base, preset_name, grid)
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

/// `sweep.json`'s text (pretty JSON, as every sweep has written it).
pub fn meta_text(meta: &serde_json::Value) -> String {
    serde_json::to_string_pretty(meta).expect("a JSON value serialises")
}

/// The merge methods of a `sweep.json`'s base config (the sweep charts draw one line per method).
pub fn methods_of(meta: &serde_json::Value) -> Vec<String> {
    meta["base_config"]["merge"]["methods"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// A key of the config a sweep can vary, for the page's sweep editor.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepKey {
    /// Dotted key (`train.lambda`).
    pub key: String,
    /// What its values are, in words (the grid's values are JSON or bare words).
    pub help: &'static str,
    /// Its value in the config, as a grid value would spell it.
    pub current: String,
}

/// Keys that are not a sweep's to vary: the format version, and the live
/// schedule (a record of changes made while training, not a setting).
const NOT_SWEPT: &[&str] = &["version", "train.schedule"];

/// Every numeric, choice, switch or list-of-numbers key of `config`, in the
/// config's order (what `--grid key=…` and the page's sweep editor accept;
/// each value is still checked by `validate` when the sweep is planned).
pub fn sweep_keys(config: &Config) -> Vec<SweepKey> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<SweepKey>) {
        use serde_json::Value;
        let (help, current) = match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(&key, x, out);
                }
                return;
            }
            Value::Number(n) if n.is_u64() || n.is_i64() => ("a whole number", n.to_string()),
            Value::Number(n) => ("a number", n.to_string()),
            Value::String(s) => ("a name (one of the choices of its control)", s.clone()),
            Value::Bool(b) => ("true or false", b.to_string()),
            Value::Array(a) if a.iter().all(Value::is_number) => ("a list of numbers, e.g. [64,64]", v.to_string()),
            _ => return,
        };
        if !NOT_SWEPT.contains(&prefix) {
            out.push(SweepKey {
                key: prefix.to_string(),
                help,
                current,
            });
        }
    }
    let mut out = Vec::new();
    walk("", &serde_json::to_value(config).expect("a config serialises"), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The editor's key list: numbers, names, switches and width lists, each
    /// with its current value as a grid value spells it; not the version or
    /// the live schedule.
    #[test]
    fn sweep_keys_cover_numbers_choices_and_lists_but_not_the_version() {
        let mut cfg = Config::default();
        cfg.train.lambda = 0.03;
        cfg.net.widths = vec![64, 32];
        let keys = sweep_keys(&cfg);
        let find = |k: &str| keys.iter().find(|x| x.key == k);
        assert_eq!(
            find("train.lambda").map(|k| (k.help, k.current.as_str())),
            Some(("a number", "0.03"))
        );
        assert_eq!(find("net.widths").map(|k| k.current.as_str()), Some("[64,32]"));
        assert_eq!(find("seed").map(|k| k.help), Some("a whole number"));
        assert!(find("data.generator").is_some_and(|k| k.help.starts_with("a name")));
        assert!(find("version").is_none() && find("train.schedule").is_none());
        // Every listed key is one a grid can set: its current value applied back gives the same config.
        for k in &keys {
            let back = crate::config::overrides::apply(&cfg, &k.key, crate::config::overrides::parse_value(&k.current)).unwrap();
            assert_eq!(back, cfg, "{}", k.key);
        }
    }

    /// The page's cap is checked from the axes' value counts, before any point is built.
    #[test]
    fn the_page_refuses_grids_beyond_its_cap_and_plans_the_rest_as_the_cli() {
        let many = format!("seed={}", (0..257).map(|i| i.to_string()).collect::<Vec<_>>().join(";"));
        let e = plan_for_page(Config::default(), None, &[many]).unwrap_err().to_string();
        assert!(e.contains("257 points; the page runs at most 256") && e.contains("257 seed"), "{e}");
        let grid = vec!["train.lambda=0.01;0.1".to_string()];
        let (a, b) = (
            plan_for_page(Config::default(), None, &grid).unwrap(),
            plan(Config::default(), None, &grid).unwrap(),
        );
        assert_eq!(meta_text(&meta(&a, None, None, false)), meta_text(&meta(&b, None, None, false)));
        assert_eq!(plan(Config::default(), None, &[]).unwrap_err(), PlanError::NoGrid);
    }
}
