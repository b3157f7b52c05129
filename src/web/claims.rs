//! The page's claims (issue 18): which preset's claims the training worker's
//! run checks in every snapshot (`Run::check_claims`; the table and the
//! evaluator are `crate::claims`, the same the CLI and `tests/presets.rs` read).

use super::Lab;
use wasm_bindgen::prelude::*;

/// The variant of `preset` that its own config already is (a variant whose
/// patch changes nothing in the preset's config: `assumptions`' `baseline`),
/// so a single run of the preset's config is checked as that point of its grid.
fn own_variant(preset: &crate::presets::Preset) -> Option<&'static str> {
    let base = preset.config().ok()?;
    preset.variants.iter().find_map(|(name, patch)| {
        let patch: serde_json::Value = serde_json::from_str(patch).ok()?;
        let patched = crate::config::overrides::apply_patch(&base, &patch).ok()?;
        (patched == base).then_some(*name)
    })
}

#[wasm_bindgen]
impl Lab {
    /// Check the claims of preset `preset` in every snapshot from now on
    /// (`snapshot.claims`: each claim that applies to this run with its
    /// measured value and status; waiting while it trains). `variant`: the
    /// preset variant the run is, or none (then the variant whose patch leaves
    /// the preset's config as it is, if there is one). Refuses an unknown
    /// preset or variant, naming it.
    pub fn check_claims(&mut self, preset: &str, variant: Option<String>) -> Result<(), JsError> {
        let p = crate::presets::find(preset).ok_or_else(|| JsError::new(&format!("unknown preset `{preset}`")))?;
        let variant = variant.or_else(|| own_variant(p).map(String::from));
        self.run
            .check_claims(preset, variant.as_deref())
            .map_err(|e| JsError::new(&e.to_string()))
    }
}
