//! JSON has no NaN or ±inf: serde_json writes them as `null`. Fields that
//! may legitimately hold them (a residual of an all-zero θ, the loss of a
//! merged net that overflowed) read `null` back as NaN, so a snapshot always
//! round-trips through the worker → page boundary instead of failing to parse.

use serde::{Deserialize, Deserializer};

/// Deserialize an f64 that may have been written as `null`.
pub fn f64_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}
