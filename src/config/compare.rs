//! Compare: run B is run A's config with a few keys set otherwise
//! (`key=value`, as the CLI's `--set` takes them; typical: `train.lambda=0`,
//! `net.output=trained`, `data.rho=0.5`). B keeps A's seed, so it draws the
//! same data (where the changed keys leave the data alone) and starts from the
//! same initial weights (where they leave the architecture alone): whatever
//! differs between the two runs' charts is the changed keys' doing.
//!
//! [`compare`] checks a comparison and says in words what differs
//! ([`CompareText`], the charts' legends and the page's Now table).

use super::overrides::{apply, parse_assignment};
use super::{Config, ConfigError, ValidConfig};
use serde::Serialize;
use serde_json::Value;

/// Most keys B may change (the legend names each).
pub const MAX_COMPARE_KEYS: usize = 4;

/// Why a comparison was refused. Messages name the assignment or key at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error("compare: B changes nothing; give at least one key=value (e.g. train.lambda=0)")]
    Empty,
    #[error("compare: B may change at most {MAX_COMPARE_KEYS} keys, got {0}")]
    TooMany(usize),
    #[error("compare: B keeps A's seed (the same data and initial weights are the point of a comparison); `{0}` is refused")]
    Seed(String),
    #[error("compare: `{0}` is set twice")]
    Repeated(String),
    #[error("compare: B equals A ({0} leaves the config as it is); choose a value that differs")]
    Same(String),
    #[error("compare: run B: {0}")]
    Config(#[from] ConfigError),
}

/// What differs between A and B, in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareText {
    /// The keys B changes (dotted, in the order given).
    pub keys: Vec<String>,
    /// "A: λ = 0.02" (A's values of the keys B changes).
    pub a: String,
    /// "B: λ = 0".
    pub b: String,
}

/// A checked comparison: B's validated config and the words for the two runs.
#[derive(Debug, Clone)]
pub struct Compared {
    pub b: ValidConfig,
    pub text: CompareText,
}

/// Check run B = `a` with `sets` applied (`key=value` each). Refuses an empty
/// or over-long list, the seed, a key given twice, a value A already has, and
/// a B config that does not validate (with `validate`: the caller's budget).
pub fn compare(
    a: &Config,
    sets: &[String],
    validate: impl Fn(&Config) -> Result<ValidConfig, ConfigError>,
) -> Result<Compared, CompareError> {
    if sets.is_empty() {
        return Err(CompareError::Empty);
    }
    if sets.len() > MAX_COMPARE_KEYS {
        return Err(CompareError::TooMany(sets.len()));
    }
    let mut b = a.clone();
    let mut keys: Vec<String> = Vec::with_capacity(sets.len());
    for s in sets {
        let (key, value) = parse_assignment(s)?;
        if key == "seed" {
            return Err(CompareError::Seed(s.clone()));
        }
        if keys.contains(&key) {
            return Err(CompareError::Repeated(key));
        }
        let next = apply(&b, &key, value)?;
        if value_at(&next, &key) == value_at(a, &key) {
            return Err(CompareError::Same(s.clone()));
        }
        b = next;
        keys.push(key);
    }
    let b = validate(&b)?;
    let text = CompareText {
        a: format!("A: {}", describe(a, &keys)),
        b: format!("B: {}", describe(b.config(), &keys)),
        keys,
    };
    Ok(Compared { b, text })
}

/// What differs between the configs of runs A and B as they are now (a live λ
/// or η change may have made them differ in more, or in nothing: "same config").
pub fn texts(a: &Config, b: &Config) -> CompareText {
    let keys = super::change::config_change(a, b).keys;
    if keys.is_empty() {
        return CompareText {
            keys,
            a: "A: same config as B".into(),
            b: "B: same config as A".into(),
        };
    }
    CompareText {
        a: format!("A: {}", describe(a, &keys)),
        b: format!("B: {}", describe(b, &keys)),
        keys,
    }
}

/// The value of dotted `key` in `cfg` (Null where there is none).
fn value_at(cfg: &Config, key: &str) -> Value {
    let root = serde_json::to_value(cfg).unwrap_or(Value::Null);
    key.split('.').fold(root, |v, p| v.get(p).cloned().unwrap_or(Value::Null))
}

/// "λ = 0.02, output layer fixed": each key's name and its value in `cfg`.
fn describe(cfg: &Config, keys: &[String]) -> String {
    keys.iter()
        .map(|k| {
            let v = match value_at(cfg, k) {
                Value::String(s) => s,
                // f64's own form: 0 and 0.02, not serde's 0.0.
                Value::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), |x| x.to_string()),
                v => v.to_string(),
            };
            match k.as_str() {
                "net.output" => format!("output layer {v}"),
                _ => format!("{} = {v}", name(k)),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The symbol the page and the paper use for a key, else the key itself.
fn name(key: &str) -> &str {
    match key {
        "train.lambda" => "λ",
        "train.lr" => "η",
        "data.rho" => "ρ",
        "net.widths" => "widths",
        "net.activation" => "σ",
        "train.optimizer" => "optimizer",
        "train.loss" => "loss",
        _ => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &Config, sets: &[&str]) -> Result<Compared, CompareError> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        compare(a, &sets, |c| c.validate())
    }

    fn base() -> Config {
        let mut c = Config::default();
        c.train.lambda = 0.02;
        c
    }

    #[test]
    fn lambda_zero_against_lambda_positive() {
        let c = check(&base(), &["train.lambda=0"]).unwrap();
        assert_eq!(c.b.config().train.lambda, 0.0);
        assert_eq!(c.b.config().seed, base().seed);
        assert_eq!(c.text.keys, vec!["train.lambda"]);
        assert_eq!(c.text.a, "A: λ = 0.02");
        assert_eq!(c.text.b, "B: λ = 0");
    }

    #[test]
    fn output_layer_and_two_keys() {
        let mut a = base();
        a.net.widths = vec![16];
        let c = check(&a, &["net.output=fixed", "data.rho=0.5"]).unwrap();
        assert_eq!(c.text.b, "B: output layer fixed, ρ = 0.5");
        assert!(c.text.a.starts_with("A: output layer trained, ρ = "), "{}", c.text.a);
    }

    #[test]
    fn texts_follow_the_configs_as_they_are() {
        let c = check(&base(), &["train.lambda=0"]).unwrap();
        assert_eq!(texts(&base(), c.b.config()), c.text);
        // A's λ changed live to B's: nothing differs any more.
        let mut a = base();
        a.train.lambda = 0.0;
        let same = texts(&a, c.b.config());
        assert!(same.keys.is_empty() && same.a == "A: same config as B", "{same:?}");
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        let e = |sets: &[&str]| check(&base(), sets).unwrap_err().to_string();
        assert!(e(&[]).contains("changes nothing"));
        assert!(e(&["seed=3"]).contains("keeps A's seed"));
        assert!(e(&["train.lambda=0.02"]).contains("B equals A"));
        assert!(e(&["train.lambda=0", "train.lambda=0.1"]).contains("set twice"));
        assert!(e(&["a=1", "b=2", "c=3", "d=4", "e=5"]).contains("at most 4"));
        let bad = e(&["train.lambda=-1"]);
        assert!(bad.starts_with("compare: run B:") && bad.contains("lambda"), "{bad}");
        assert!(e(&["train.nope=1"]).contains("nope"));
    }
}
