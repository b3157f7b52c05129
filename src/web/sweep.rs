//! The page's overlap sweep: configs trained to the end, one per call, in the training worker.

use super::config::parse;
use super::err;
use crate::run::summary;
use crate::run::Run;
use wasm_bindgen::prelude::*;

/// Train one config to the end and return its `final` JSON (the overlap sweep runs these one by one in the worker).
#[wasm_bindgen]
pub fn run_to_end(config_json: &str) -> Result<String, JsError> {
    let cfg = parse(config_json)?;
    let mut run = Run::new(&cfg);
    run.set_span_steps(true);
    run.run_to_end();
    serde_json::to_string(&summary::final_summary(&run)).map_err(err)
}
