//! Claims: each preset's "what you should see" as data — a quantity of the
//! run's `final` summary, a comparison, a threshold and the points of the
//! preset's sweep where it applies. The table is [`table::of`]; the
//! evaluator ([`eval`]) turns a run's (or a sweep's) numbers into a measured
//! value and a status. The CLI (`run`, `sweep`, `presets --claims`), the
//! snapshot and `tests/presets.rs` all read the same table, so the thresholds
//! exist once.
//!
//! A claim on a net that collapsed to zero (`analysis::collapse`) or on a
//! value computed from a gradient at rounding level (`analysis::rounding`) is
//! never a pass: it gets its own status saying why. The thresholds are
//! measured here (on the presets' configs, seeded), not constants of the paper.

pub mod eval;
pub mod table;

pub use eval::{evaluate, for_rows, for_run, ClaimResult, Input, Status};

/// What a claim measures, from the flattened `final` summary (dotted keys,
/// `summary::flatten`). A `*` in a key stands for one path segment
/// (`layers.*.frobenius`, `merge.sum.*.max_output_change`) and ranges over
/// every key it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// The value at the key; over a `*`, the worst one for the comparison
    /// (the largest for `<`, the smallest for `>`).
    Value(&'static str),
    /// max |x| over the key's matches.
    Abs(&'static str),
    /// (max − min) / max |x| over the key's matches: the relative spread.
    Spread(&'static str),
    /// max |x / r − 1| over the key's matches.
    RelDiff(&'static str, Reference),
    /// max |x − r| over the key's matches.
    AbsDiff(&'static str, Reference),
    /// max x / r over the key's matches.
    Ratio(&'static str, Reference),
}

/// What a quantity is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reference {
    /// Another key's value (no `*`).
    Key(&'static str),
    /// −2λ, with λ = `train.lambda` of the point's config (D_k's decay rate).
    MinusTwoLambda,
    /// A number.
    Const(f64),
}

/// How the measured value must compare with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Less,
    AtMost,
    Greater,
    AtLeast,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::AtMost => "≤",
            Comparison::Greater => ">",
            Comparison::AtLeast => "≥",
        }
    }

    /// Whether `measured` satisfies it (NaN never does).
    pub fn holds(self, measured: f64, threshold: f64) -> bool {
        match self {
            Comparison::Less => measured < threshold,
            Comparison::AtMost => measured <= threshold,
            Comparison::Greater => measured > threshold,
            Comparison::AtLeast => measured >= threshold,
        }
    }

    /// Whether larger measured values are worse (`<`, `≤`).
    pub fn upper(self) -> bool {
        matches!(self, Comparison::Less | Comparison::AtMost)
    }
}

/// A condition the point's config must meet for the claim to be testable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// λ > 0 (`train.lambda`): alignment with −λθ, norm preservation, decay at rate 2λ.
    LambdaPositive,
}

/// One claim of a preset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claim {
    /// For people: what is measured ("averaged cos(W₁, −∇L)").
    pub text: &'static str,
    pub quantity: Quantity,
    pub comparison: Comparison,
    pub threshold: f64,
    /// Where in the preset's sweep it applies: every `(key, value)` must
    /// match the point (`variant` by name, a config key by its JSON value;
    /// a value `>=x` matches numbers ≥ x). Empty: every point.
    pub at: &'static [(&'static str, &'static str)],
    pub needs: Needs,
    /// false only for claims *about* a collapse (a collapsed net is then the point).
    pub guard_collapse: bool,
}

/// A threshold as people write it: `0.999`, `1e-12`.
pub fn number(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl Claim {
    /// The quantity as text: `spread of layers.*.frobenius`, `|layers.*.balance_rate / (−2λ) − 1|`.
    pub fn quantity_text(&self) -> String {
        let r = |r: &Reference| match r {
            Reference::Key(k) => k.to_string(),
            Reference::MinusTwoLambda => "(−2λ)".to_string(),
            Reference::Const(c) => number(*c),
        };
        match &self.quantity {
            Quantity::Value(k) => k.to_string(),
            Quantity::Abs(k) => format!("|{k}|"),
            Quantity::Spread(k) => format!("spread of {k}"),
            Quantity::RelDiff(k, x) => format!("|{k} / {} − 1|", r(x)),
            Quantity::AbsDiff(k, x) => format!("|{k} − {}|", r(x)),
            Quantity::Ratio(k, x) => format!("{k} / {}", r(x)),
        }
    }

    /// Where it applies, as text: `everywhere`, `train.lambda=0.1, variant=sgd` or `data.rho ≥ 0.1`.
    pub fn at_text(&self) -> String {
        if self.at.is_empty() {
            "everywhere".into()
        } else {
            self.at
                .iter()
                .map(|(k, v)| match v.strip_prefix(">=") {
                    Some(min) => format!("{k} ≥ {min}"),
                    None => format!("{k}={v}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// One Markdown line: ``averaged cos(W₁, −∇L) > 0.999 — `layers.1.alignment_cos_avg`, everywhere; needs λ > 0``.
    pub fn line(&self) -> String {
        format!(
            "{} {} {} — `{}`, {}{}",
            self.text,
            self.comparison.symbol(),
            number(self.threshold),
            self.quantity_text(),
            if self.at.is_empty() {
                "everywhere".to_string()
            } else {
                format!("at {}", self.at_text())
            },
            if self.needs == Needs::LambdaPositive {
                "; needs λ > 0"
            } else {
                ""
            }
        )
    }
}
