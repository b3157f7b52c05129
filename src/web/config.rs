//! Config exports: validation, dotted-key edits, the URL hash and presets
//! (in the page's and the workers' modules). Every refusal is the Rust message (field, range, value).

use super::err;
use crate::config::urlhash;
use crate::config::{Config, ValidConfig};
use crate::merge::NetId;
use crate::presets;
use serde_json::json;
use wasm_bindgen::prelude::*;

/// The URL hash (`#v=1&c=…[&p=preset][&s=sweep][&b=compare]`) of a config JSON (see
/// [`crate::config::urlhash`]); `sweep_json`: a JSON array of grid axes
/// (`key=v1;v2;…`), or undefined / `[]` for none; `compare_json`: a JSON array of
/// run B's `key=value` assignments, or undefined / `[]` for none.
#[wasm_bindgen]
pub fn encode_hash(
    config_json: &str,
    preset: Option<String>,
    sweep_json: Option<String>,
    compare_json: Option<String>,
) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?;
    let list = |text: Option<String>| -> Result<Vec<String>, JsError> {
        match text {
            Some(s) => serde_json::from_str(&s).map_err(err),
            None => Ok(Vec::new()),
        }
    };
    Ok(urlhash::encode_all(
        &cfg,
        preset.as_deref(),
        &list(sweep_json)?,
        &list(compare_json)?,
    ))
}

/// Read a URL hash: JSON `{config, preset, sweep, compare}`: `config` the validated
/// config as the JSON text [`validate_config`] returns (so the page does not
/// validate it again), `preset` a known preset or null, `sweep` the grid axes
/// (`[]`: none), `compare` run B's assignments (`[]`: none); or an Error naming
/// what is wrong with the link.
#[wasm_bindgen]
pub fn decode_hash(hash: &str) -> Result<String, JsError> {
    let d = urlhash::decode(hash).map_err(err)?;
    serde_json::to_string(&json!({ "config": d.config.to_json(), "preset": d.preset, "sweep": d.sweep, "compare": d.compare })).map_err(err)
}

/// Check a comparison typed in the page: `sets_text` is run B's `key=value`
/// assignments separated by `;` or new lines. Returns JSON `{sets, keys, a, b}`
/// (the list to send the worker, and [`crate::config::compare::CompareText`]), or
/// an Error saying what is refused ([`crate::config::compare::compare`]).
#[wasm_bindgen]
pub fn compare_check(config_json: &str, sets_text: &str) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?;
    let sets: Vec<String> = sets_text
        .split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let c = crate::config::compare::compare(&cfg, &sets, |c| c.validate()).map_err(err)?;
    serde_json::to_string(&json!({ "sets": sets, "keys": c.text.keys, "a": c.text.a, "b": c.text.b })).map_err(err)
}

/// The preset table as JSON: [{name, see, explain, config, grid, variants}], config fully
/// filled in, `variants` the names a grid's `variant` axis takes.
#[wasm_bindgen]
pub fn presets_json() -> Result<String, JsError> {
    let list: Vec<serde_json::Value> = presets::PRESETS
        .iter()
        .map(|p| {
            Ok(json!({
                "name": p.name,
                "see": p.see,
                "explain": p.explain,
                "config": p.config().map_err(err)?,
                "grid": p.grid,
                "variants": p.variants.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
            }))
        })
        .collect::<Result<_, JsError>>()?;
    serde_json::to_string(&list).map_err(err)
}

/// The paper's λ for our λ, as the text shown next to the λ control (`notes::paper_lambda`).
#[wasm_bindgen]
pub fn paper_lambda_text(lambda: f64) -> String {
    crate::run::notes::paper_lambda(lambda)
}

/// One sentence on what a config trains (`config::summary`), for a config
/// that is no preset; throws as [`validate_config`] does for a bad one.
/// The page's build only (form.js): the workers' builds have no use for it.
#[cfg(web_page)]
#[wasm_bindgen]
pub fn config_summary(config_json: &str) -> Result<String, JsError> {
    Ok(crate::config::summary::summary(parse(config_json)?.config()))
}

/// The default config as JSON.
#[wasm_bindgen]
pub fn default_config() -> String {
    Config::default().to_json()
}

pub(crate) fn parse(config_json: &str) -> Result<ValidConfig, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?.validate().map_err(err)?;
    // The workers' builds fetch the digits' coding: refuse a digits config until it is there.
    #[cfg(all(web_worker, not(web_page)))]
    super::digits::require(cfg.config())?;
    Ok(cfg)
}

/// Validate a config; returns it normalised (every field present) or throws
/// an Error whose message names the field, the allowed range and the value.
#[wasm_bindgen]
pub fn validate_config(config_json: &str) -> Result<String, JsError> {
    Ok(parse(config_json)?.config().to_json())
}

/// Set a dotted key (e.g. `train.lambda`) to a JSON value in a config; validates the result.
#[wasm_bindgen]
pub fn set_config_key(config_json: &str, key: &str, value_json: &str) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?;
    let cfg = crate::config::overrides::apply(&cfg, key, crate::config::overrides::parse_value(value_json)).map_err(err)?;
    Ok(cfg.validate().map_err(err)?.config().to_json())
}

/// What editing the config from `old_json` to `new_json` does to the running Lab:
/// JSON `{keys: [dotted keys that changed, sorted], kind: "none" | "live" | "restart"}`
/// (`config::change`: λ and η are taken live, anything else starts a new run).
/// In the page's module only (the workers never decide this).
#[cfg(web_page)]
#[wasm_bindgen]
pub fn config_change(old_json: &str, new_json: &str) -> Result<String, JsError> {
    let old = Config::from_json(old_json).map_err(err)?;
    let new = Config::from_json(new_json).map_err(err)?;
    serde_json::to_string(&crate::config::change::config_change(&old, &new)).map_err(err)
}

/// The nets a run of `config_json` has, as the weights picker lists them: JSON
/// [{name, merged}], each task's net ("a", "b", …; `merge::NetId`) then, with two
/// tasks or more, each merge method of the config ("sum", …).
#[wasm_bindgen]
pub fn net_names(config_json: &str) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?;
    let tasks = cfg.data.tasks;
    let mut nets: Vec<NetId> = (0..tasks).map(NetId::Task).collect();
    if tasks > 1 {
        nets.extend(cfg.merge.methods.iter().map(|&m| NetId::Merged(m)));
    }
    let list: Vec<serde_json::Value> = nets
        .iter()
        .map(|id| json!({"name": id.to_string(), "merged": matches!(id, NetId::Merged(_))}))
        .collect();
    serde_json::to_string(&list).map_err(err)
}
