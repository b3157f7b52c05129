//! The digits data set in the workers' wasm builds, which leave its 32 KB
//! coding out (`data::digits`): the worker fetches `wasm/digits.lrc` when it
//! loads (www/builds.js) and hands it over here; a digits config is refused,
//! with the reason, until that has worked.

use crate::config::{Config, Generator};
use crate::data::digits;
use std::sync::Mutex;
use wasm_bindgen::prelude::*;

/// Why the last fetch or load failed (shown with a refused digits config).
static WHY: Mutex<Option<String>> = Mutex::new(None);

/// Whether this module still needs the coding (false once loaded, and in builds that embed it).
#[wasm_bindgen]
pub fn digits_needed() -> bool {
    !digits::available()
}

/// Load the fetched coding (`wasm/digits.lrc`); refuses a file whose SHA-256 is not the pinned one.
#[wasm_bindgen]
pub fn load_digits(coded: &[u8]) -> Result<(), JsError> {
    digits::load(coded).map_err(|e| {
        digits_unavailable(e.to_string());
        JsError::new(&e.to_string())
    })
}

/// Record why the coding could not be fetched (the worker's message: URL and HTTP status or error).
#[wasm_bindgen]
pub fn digits_unavailable(why: String) {
    if let Ok(mut w) = WHY.lock() {
        *w = Some(why);
    }
}

/// Refuse a digits config while the data is not there, saying why.
pub(crate) fn require(config: &Config) -> Result<(), JsError> {
    if config.data.generator != Generator::Digits || digits::available() {
        return Ok(());
    }
    let why = WHY.lock().ok().and_then(|w| w.clone());
    Err(JsError::new(&match why {
        Some(why) => format!("data.generator = \"digits\": {}: {why}", digits::MISSING),
        None => format!("data.generator = \"digits\": {}", digits::MISSING),
    }))
}
