//! Dotted-key overrides of a config: `train.lambda=1e-3`, `net.widths=[64,64]`.
//! The value is JSON (a bare word that is not JSON is taken as a string, so
//! `net.activation=relu` works). The patched config is re-parsed, so unknown
//! keys and wrong types are refused with serde's message, before validation.

use crate::config::quote::{clip, clip_message};
use crate::config::{Config, ConfigError};
use serde_json::Value;

/// Parse `key=value` into its parts.
pub fn parse_assignment(s: &str) -> Result<(String, Value), ConfigError> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| ConfigError::Parse(format!("expected key=value, got `{}`", clip(s))))?;
    let k = k.trim();
    if k.is_empty() || k.split('.').any(|p| p.is_empty()) {
        return Err(ConfigError::Parse(format!(
            "`{}` is not a dotted config key (e.g. train.lambda)",
            clip(k)
        )));
    }
    Ok((k.to_string(), parse_value(v.trim())))
}

/// A JSON value, or the text itself as a string.
pub fn parse_value(v: &str) -> Value {
    serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()))
}

/// Set `key` (dotted) to `value` in `cfg`.
pub fn apply(cfg: &Config, key: &str, value: Value) -> Result<Config, ConfigError> {
    let mut root = serde_json::to_value(cfg).map_err(|e| ConfigError::Parse(e.to_string()))?;
    let parts: Vec<&str> = key.split('.').collect();
    let mut cur = &mut root;
    for (i, p) in parts.iter().enumerate() {
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| ConfigError::Parse(format!("`{}` is not a section, cannot set `{}`", parts[..i].join("."), clip(key))))?;
        if i + 1 == parts.len() {
            if !obj.contains_key(*p) {
                return Err(ConfigError::Parse(format!(
                    "unknown key `{}` (known in this section: {})",
                    clip(key),
                    obj.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            obj.insert(p.to_string(), value);
            break;
        }
        cur = obj
            .get_mut(*p)
            .ok_or_else(|| ConfigError::Parse(format!("unknown section `{}` in `{}`", clip(&parts[..=i].join(".")), clip(key))))?;
    }
    serde_json::from_value(root).map_err(|e| {
        let exact = format!("{key}: {}", clip_message(e.to_string()));
        ConfigError::Parse(super::plain::explained(key, exact))
    })
}

/// A config from a JSON value (as `Config::deserialize`), but a refusal names
/// the dotted field it is about (`train.lr: invalid type: string "fast", expected f64`):
/// on error every section's keys are applied one by one to the defaults, and the
/// first that fails is reported.
pub fn config_from_value(v: &Value) -> Result<Config, ConfigError> {
    use serde::Deserialize;
    let whole = match Config::deserialize(v) {
        Ok(c) => return Ok(c),
        Err(e) => ConfigError::Parse(clip_message(e.to_string())),
    };
    let Some(obj) = v.as_object() else {
        return Err(whole);
    };
    let base = Config::default();
    for (section, sv) in obj {
        match sv.as_object() {
            Some(fields) if base_is_section(&base, section) => {
                for (k, leaf) in fields {
                    apply(&base, &format!("{section}.{k}"), leaf.clone())?;
                }
            }
            _ => {
                apply(&base, section, sv.clone())?;
            }
        }
    }
    Err(whole)
}

fn base_is_section(base: &Config, key: &str) -> bool {
    serde_json::to_value(base)
        .ok()
        .and_then(|v| v.get(key).map(Value::is_object))
        .unwrap_or(false)
}

/// Apply several `key=value` assignments in order.
pub fn apply_all(cfg: &Config, assignments: &[String]) -> Result<Config, ConfigError> {
    assignments.iter().try_fold(cfg.clone(), |c, a| {
        let (k, v) = parse_assignment(a)?;
        apply(&c, &k, v)
    })
}

/// Merge a JSON object patch (possibly nested) into a config.
pub fn apply_patch(cfg: &Config, patch: &Value) -> Result<Config, ConfigError> {
    let mut root = serde_json::to_value(cfg).map_err(|e| ConfigError::Parse(e.to_string()))?;
    merge_json(&mut root, patch);
    config_from_value(&root)
}

fn merge_json(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge_json(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_nested_keys_and_refuses_unknown_ones() {
        let c = apply_all(
            &Config::default(),
            &[
                "train.lambda=1e-3".into(),
                "net.widths=[64,64]".into(),
                "net.activation=tanh".into(),
            ],
        )
        .unwrap();
        assert_eq!(c.train.lambda, 1e-3);
        assert_eq!(c.net.widths, vec![64, 64]);
        assert_eq!(c.net.activation, crate::config::Activation::Tanh);
        let e = apply_all(&Config::default(), &["train.lamda=1".into()]).unwrap_err().to_string();
        assert!(e.contains("unknown key `train.lamda`") && e.contains("lambda"), "{e}");
        let e = apply_all(&Config::default(), &["train.lr=fast".into()]).unwrap_err().to_string();
        assert!(e.contains("train.lr") && e.contains("invalid type"), "{e}");
        assert!(apply_all(&Config::default(), &["noequals".into()]).is_err());
        assert!(apply_all(&Config::default(), &["train..lr=1".into()]).is_err());
        assert!(apply_all(&Config::default(), &["seed.x=1".into()]).is_err());
    }
}
