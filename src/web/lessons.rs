//! The guided path for the page's "Start here" panel (`www/lessons.js`): the
//! steps of `crate::lessons::PATH` as JSON, and a step's config validated as
//! every config the page runs. The text, the charts to watch and the claims a
//! step waits for are Rust's; the page only shows them.

use super::err;
use crate::lessons::{self, PATH};
use wasm_bindgen::prelude::*;

#[derive(serde::Serialize)]
struct StepView {
    id: &'static str,
    title: &'static str,
    preset: &'static str,
    /// The settings over the preset, as `key=value`.
    set: &'static [&'static str],
    todo: &'static str,
    /// The chart card to watch (a registry key), or null: the Now table.
    chart: Option<&'static str>,
    expect: &'static str,
    /// The full text of the claim whose pass ends the step (as `snapshot.claims[].claim` carries it).
    claim: &'static str,
}

/// Every step of the path, in order (JSON array of steps: id, title, preset,
/// set, todo, chart, expect, claim).
#[wasm_bindgen]
pub fn lessons_json() -> String {
    let steps: Vec<StepView> = PATH
        .iter()
        .map(|s| StepView {
            id: s.id,
            title: s.title,
            preset: s.preset,
            set: s.set,
            todo: s.todo,
            chart: s.chart,
            expect: s.expect,
            claim: s.claim().map_or(s.claim, |c| c.text),
        })
        .collect();
    serde_json::to_string(&steps).unwrap_or_default()
}

/// The config of lesson step `id` (its preset's with its settings), validated
/// and normalised as `validate_config` does. An unknown id is refused, with
/// the ids there are.
#[wasm_bindgen]
pub fn lesson_config(id: &str) -> Result<String, JsError> {
    let step = lessons::find(id).ok_or_else(|| {
        let ids: Vec<&str> = PATH.iter().map(|s| s.id).collect();
        JsError::new(&format!("there is no lesson `{id}`; the lessons are {}", ids.join(", ")))
    })?;
    let cfg = step.config().map_err(err)?;
    super::validate_config(&cfg.to_json())
}
