//! The page's URL hash: `#v=1&c=<base64url of the compact config JSON>[&p=<preset>][&s=<sweep>][&b=<compare>]`,
//! where the sweep is base64url of a compact JSON array of grid axes (`key=v1;v2;…`,
//! as `lowrank-lab sweep --grid` takes them; at most [`MAX_SWEEP_AXES`]), and the
//! comparison base64url of a compact JSON array of run B's `key=value` assignments
//! ([`crate::config::compare`]; checked against the link's config).
//!
//! [`encode`] writes it; [`decode`] reads it and validates the config, so a
//! bad link is refused with a message that names what is wrong (the format
//! version, a missing part, the encoding, or the config field Rust refuses).
//! Decoding never panics and never allocates more than a small multiple of
//! its input: a hash longer than [`MAX_HASH_LEN`] is refused before anything
//! is decoded.

use crate::config::{Config, ConfigError};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// Version of the hash format; it follows the config's version.
pub const HASH_VERSION: &str = "1";

/// Longest hash [`decode`] reads, in bytes (64 KiB; a full config is about 1 KiB).
pub const MAX_HASH_LEN: usize = 64 * 1024;

/// base64url, with or without `=` padding, refusing non-canonical trailing bits.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Most axes a link's sweep may have (two of the visitor's and a seed axis).
pub const MAX_SWEEP_AXES: usize = 3;

/// What a hash holds: a validated config, the preset it came from if the link
/// names one, and the sweep's grid axes (empty: the link holds no sweep). The
/// axes are checked for their form here (`key=v1;v2;…`); whether their values
/// suit the config is the sweep's check (`run::sweep::points`), when it is planned.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub config: Config,
    pub preset: Option<String>,
    pub sweep: Vec<String>,
    /// Run B's `key=value` assignments (empty: no comparison).
    pub compare: Vec<String>,
}

/// Why a hash was refused. Messages name the part of the link that is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HashError {
    /// Nothing after the `#`.
    #[error("the link has no hash (#v=1&c=…)")]
    Empty,
    /// Refused before decoding.
    #[error("the link's hash is {len} bytes long, above the limit of {limit} bytes")]
    TooLong { len: usize, limit: usize },
    /// A `&`-separated part without `=`.
    #[error("the link's part \"{0}\" is not key=value")]
    NotKeyValue(String),
    /// The same key twice.
    #[error("the link has {0}= more than once")]
    Repeated(String),
    /// A key this format does not have.
    #[error("the link has an unknown key \"{0}\" (this page reads v, c, p, s and b)")]
    UnknownKey(String),
    /// No `v=`.
    #[error("the link has no format version (v=); this page reads {HASH_VERSION}")]
    MissingVersion,
    /// `v=` is not [`HASH_VERSION`].
    #[error("unknown format version \"{0}\"; this page reads {HASH_VERSION}")]
    UnknownVersion(String),
    /// No `c=`.
    #[error("missing c= (the link has no config)")]
    MissingConfig,
    /// A `%` escape that does not decode.
    #[error("the link's {0}= is not percent-encoded UTF-8")]
    NotPercentEncoded(String),
    /// `c=` is not base64url.
    #[error("the link's config (c=) is not base64url: {0}")]
    NotBase64(String),
    /// The decoded bytes are not UTF-8.
    #[error("the link's config (c=) is not UTF-8: {0}")]
    NotUtf8(String),
    /// The decoded text is not JSON.
    #[error("the link's config (c=) is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not a config Rust accepts (names the field).
    #[error("config error: {0}")]
    Config(#[from] ConfigError),
    /// `s=` is not base64url of a JSON array of at most [`MAX_SWEEP_AXES`] `key=v1;v2;…` strings.
    #[error("the link's sweep (s=) {0}")]
    Sweep(String),
    /// `b=` is not base64url of a JSON array of `key=value` strings, or run B is refused.
    #[error("the link's comparison (b=) {0}")]
    Compare(String),
    /// `p=` names no preset.
    #[error("the link's preset (p=) \"{0}\" is not a known preset")]
    UnknownPreset(String),
}

/// The hash of `config` (with its leading `#`): compact JSON, base64url without padding,
/// and `&p=<preset>` when given.
pub fn encode(config: &Config, preset: Option<&str>) -> String {
    encode_with_sweep(config, preset, &[])
}

/// [`encode`], and `&s=<sweep>` when `sweep` (grid axes `key=v1;v2;…`) is not empty.
pub fn encode_with_sweep(config: &Config, preset: Option<&str>, sweep: &[String]) -> String {
    encode_all(config, preset, sweep, &[])
}

/// [`encode_with_sweep`], and `&b=<compare>` when `compare` (run B's `key=value` list) is not empty.
pub fn encode_all(config: &Config, preset: Option<&str>, sweep: &[String], compare: &[String]) -> String {
    let json = serde_json::to_string(config).expect("a config serialises");
    let mut h = format!("#v={HASH_VERSION}&c={}", URL_SAFE_NO_PAD.encode(json.as_bytes()));
    if let Some(p) = preset {
        h.push_str("&p=");
        h.push_str(&percent_encode(p));
    }
    if !sweep.is_empty() {
        let json = serde_json::to_string(sweep).expect("strings serialise");
        h.push_str("&s=");
        h.push_str(&URL_SAFE_NO_PAD.encode(json.as_bytes()));
    }
    if !compare.is_empty() {
        let json = serde_json::to_string(compare).expect("strings serialise");
        h.push_str("&b=");
        h.push_str(&URL_SAFE_NO_PAD.encode(json.as_bytes()));
    }
    h
}

/// Read a hash (with or without its leading `#`), validating the config with
/// this target's memory budget.
pub fn decode(hash: &str) -> Result<Decoded, HashError> {
    if hash.len() > MAX_HASH_LEN {
        return Err(HashError::TooLong {
            len: hash.len(),
            limit: MAX_HASH_LEN,
        });
    }
    let h = hash.strip_prefix('#').unwrap_or(hash);
    if h.is_empty() {
        return Err(HashError::Empty);
    }
    let (mut v, mut c, mut p, mut sw, mut b) = (None, None, None, None, None);
    for part in h.split('&') {
        let (key, value) = part
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| HashError::NotKeyValue(excerpt(part)))?;
        let slot = match key {
            "v" => &mut v,
            "c" => &mut c,
            "p" => &mut p,
            "s" => &mut sw,
            "b" => &mut b,
            other => return Err(HashError::UnknownKey(excerpt(other))),
        };
        if slot.replace(value).is_some() {
            return Err(HashError::Repeated(key.to_string()));
        }
    }
    let v = percent_decode(v.ok_or(HashError::MissingVersion)?, "v")?;
    if v != HASH_VERSION {
        return Err(HashError::UnknownVersion(excerpt(&v)));
    }
    let c = percent_decode(c.ok_or(HashError::MissingConfig)?, "c")?;
    let bytes = BASE64URL.decode(c.as_bytes()).map_err(|e| HashError::NotBase64(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| HashError::NotUtf8(e.utf8_error().to_string()))?;
    serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| HashError::NotJson(e.to_string()))?;
    let config = Config::from_json(&text)?;
    config.validate()?;
    let preset = match p {
        None => None,
        Some(p) => {
            let name = percent_decode(p, "p")?;
            if crate::presets::find(&name).is_none() {
                return Err(HashError::UnknownPreset(excerpt(&name)));
            }
            Some(name)
        }
    };
    let sweep = match sw {
        None => Vec::new(),
        Some(s) => decode_sweep(&percent_decode(s, "s")?)?,
    };
    let compare = match b {
        None => Vec::new(),
        Some(b) => decode_compare(&config, &percent_decode(b, "b")?)?,
    };
    Ok(Decoded {
        config,
        preset,
        sweep,
        compare,
    })
}

/// Run B's assignments from `b=`: base64url of a JSON array of `key=value`
/// strings, which must make a valid run B of `config` ([`crate::config::compare::compare`]).
fn decode_compare(config: &Config, b: &str) -> Result<Vec<String>, HashError> {
    let bytes = BASE64URL
        .decode(b.as_bytes())
        .map_err(|e| HashError::Compare(format!("is not base64url: {e}")))?;
    let sets: Vec<String> =
        serde_json::from_slice(&bytes).map_err(|e| HashError::Compare(format!("is not a JSON array of key=value texts: {e}")))?;
    crate::config::compare::compare(config, &sets, |c| c.validate()).map_err(|e| HashError::Compare(format!("is refused: {e}")))?;
    Ok(sets)
}

/// The grid axes of `s=`: base64url of a JSON array of `key=v1;v2;…` strings.
fn decode_sweep(s: &str) -> Result<Vec<String>, HashError> {
    let bytes = BASE64URL
        .decode(s.as_bytes())
        .map_err(|e| HashError::Sweep(format!("is not base64url: {e}")))?;
    let axes: Vec<String> =
        serde_json::from_slice(&bytes).map_err(|e| HashError::Sweep(format!("is not a JSON array of grid axes: {e}")))?;
    if axes.is_empty() || axes.len() > MAX_SWEEP_AXES {
        return Err(HashError::Sweep(format!(
            "has {} axes; a sweep has 1 to {MAX_SWEEP_AXES}",
            axes.len()
        )));
    }
    for a in &axes {
        crate::run::sweep::parse_axis(a).map_err(|e| HashError::Sweep(e.to_string()))?;
    }
    Ok(axes)
}

/// At most 40 characters of user text, for a message.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str, key: &str) -> Result<String, HashError> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bad = || HashError::NotPercentEncoded(key.to_string());
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let digit = |b: u8| (b as char).to_digit(16).ok_or_else(bad);
            out.push((digit(hex[0])? * 16 + digit(hex[1])?) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}
