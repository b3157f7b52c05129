//! What a config edit does to a running Lab: the dotted keys that changed and
//! whether the Lab takes them live (λ and η: `Run::set_lambda` / `Run::set_lr`,
//! the trained state stays) or needs a new run from step 0 (everything else,
//! `train.schedule` included). The page asks this before touching its run.

use crate::config::Config;
use serde::Serialize;
use serde_json::Value;

/// Keys a running Lab takes without restarting.
pub const LIVE_KEYS: [&str; 2] = ["train.lambda", "train.lr"];

/// What a change from one config to another means for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// The configs are equal.
    None,
    /// Only [`LIVE_KEYS`] changed: the run continues from its current state.
    Live,
    /// Something else changed: a new run from step 0 (the trained state is gone).
    Restart,
}

/// The changed keys (dotted, sorted; arrays compare whole) and their [`ChangeKind`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigChange {
    pub keys: Vec<String>,
    pub kind: ChangeKind,
}

/// How `new` differs from `old`.
pub fn config_change(old: &Config, new: &Config) -> ConfigChange {
    let (a, b) = (to_value(old), to_value(new));
    let mut keys = Vec::new();
    diff(&a, &b, "", &mut keys);
    keys.sort();
    let kind = if keys.is_empty() {
        ChangeKind::None
    } else if keys.iter().all(|k| LIVE_KEYS.contains(&k.as_str())) {
        ChangeKind::Live
    } else {
        ChangeKind::Restart
    };
    ConfigChange { keys, kind }
}

fn to_value(c: &Config) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

fn diff(a: &Value, b: &Value, prefix: &str, out: &mut Vec<String>) {
    if let (Value::Object(x), Value::Object(y)) = (a, b) {
        let mut names: Vec<&String> = x.keys().collect();
        names.extend(y.keys().filter(|k| !x.contains_key(*k)));
        for k in names {
            let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            diff(x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), &key, out);
        }
    } else if a != b {
        out.push(prefix.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Config)) -> Config {
        let mut c = Config::default();
        f(&mut c);
        c
    }

    #[test]
    fn lambda_and_lr_are_live_anything_else_restarts() {
        let base = Config::default();
        assert_eq!(
            config_change(&base, &base),
            ConfigChange {
                keys: vec![],
                kind: ChangeKind::None
            }
        );
        let live = with(|c| {
            c.train.lambda = 0.5;
            c.train.lr = 0.25;
        });
        let ch = config_change(&base, &live);
        assert_eq!(ch.kind, ChangeKind::Live);
        assert_eq!(ch.keys, vec!["train.lambda".to_string(), "train.lr".to_string()]);
        let widths = with(|c| c.net.widths = vec![7, 3]);
        assert_eq!(
            config_change(&base, &widths),
            ConfigChange {
                keys: vec!["net.widths".into()],
                kind: ChangeKind::Restart
            }
        );
        let both = with(|c| {
            c.train.lambda = 0.5;
            c.seed = 99;
        });
        let ch = config_change(&base, &both);
        assert_eq!(ch.kind, ChangeKind::Restart);
        assert_eq!(ch.keys, vec!["seed".to_string(), "train.lambda".to_string()]);
        let sched = with(|c| {
            c.train.schedule = vec![crate::config::Change {
                step: 5,
                lambda: Some(1.0),
                lr: None,
            }]
        });
        assert_eq!(
            config_change(&base, &sched),
            ConfigChange {
                keys: vec!["train.schedule".into()],
                kind: ChangeKind::Restart
            }
        );
        assert_eq!(config_change(&sched, &base).kind, ChangeKind::Restart);
    }
}
