//! What the page (and any reader of a snapshot) shows instead of a number
//! that is not one: a cosine or residual from a gradient at rounding level,
//! an ambiguous numerical rank, a collapsed net. The wording lives here so the
//! page only displays it.

use crate::analysis::collapse;
use crate::train::Metrics;
use serde::{Deserialize, Serialize};

/// Shown instead of a cosine or a stationarity residual computed from rounding noise.
pub const ROUNDING_LEVEL: &str = "not meaningful: gradient at rounding level";

/// Below this, W₁'s relative part outside span(X) is rounding noise: the
/// projection W₁ − (W₁Q)Qᵀ loses about √d·ε of ‖W₁‖_F (derived here; measured
/// 1e-16 to 1e-15 at d = 40 once the part has decayed past it), and 1e-14 stays
/// above that for the d ≤ 10⁴ this lab runs.
pub const OUTSIDE_SPAN_ROUNDING: f64 = 1e-14;

/// Shown instead of W₁'s part outside span(X) once it is in (0, [`OUTSIDE_SPAN_ROUNDING`]).
pub const OUTSIDE_SPAN_GONE: &str = "< 1e-14: gone to rounding level";

/// Shown instead of a rank measure of a net that collapsed to zero.
pub const COLLAPSED_RANK: &str = "trivial: the net collapsed";

/// One task's notes; `None` (or an empty list) where the number stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskNotes {
    /// Instead of `stationarity`.
    pub stationarity: Option<String>,
    /// Per layer, instead of `alignment_cos` and `alignment_cos_avg`.
    pub alignment_cos: Vec<Option<String>>,
    pub alignment_cos_avg: Vec<Option<String>>,
    /// Per layer, the numerical rank as text ("3", or "1 or 2 (ambiguous: …)").
    pub numerical_rank: Vec<String>,
    /// A warning when the net collapsed to zero.
    pub collapsed: Option<String>,
    /// Instead of the rank measures of a collapsed net (trivial, not low-rank bias).
    #[serde(default)]
    pub ranks: Option<String>,
    /// Instead of `outside_span` when it is rounding noise (absent from the JSON otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_span: Option<String>,
}

/// The notes of task `task`'s metrics `m`.
pub fn task_notes(task: &str, m: &Metrics) -> TaskNotes {
    let rounding = |flag: bool| flag.then(|| ROUNDING_LEVEL.to_string());
    TaskNotes {
        stationarity: rounding(m.stationarity_at_rounding_level),
        alignment_cos: m.layers.iter().map(|l| rounding(l.gradient_at_rounding_level)).collect(),
        alignment_cos_avg: m.layers.iter().map(|l| rounding(l.gradient_avg_at_rounding_level)).collect(),
        numerical_rank: m
            .layers
            .iter()
            .map(|l| match l.numerical_rank {
                Some(r) => r.to_string(),
                None => format!(
                    "{} or {} (ambiguous: a singular value lies within the SVD's error of the tolerance {:.1e})",
                    l.numerical_rank_min, l.numerical_rank_max, l.rank_tolerance
                ),
            })
            .collect(),
        collapsed: m
            .collapsed
            .then(|| collapse::warning(task, m.theta_norm, m.initial_theta_norm, m.loss, m.zero_output_loss)),
        ranks: m.collapsed.then(|| COLLAPSED_RANK.to_string()),
        // Exactly 0 is exact (the inputs span ℝ^d, or W₁ = 0): shown as the number.
        outside_span: (m.outside_span > 0.0 && m.outside_span < OUTSIDE_SPAN_ROUNDING).then(|| OUTSIDE_SPAN_GONE.to_string()),
    }
}

/// The paper's λ next to ours: "paper's λ = 0.005 (it writes λ‖θ‖²; ours is (λ/2)‖θ‖², from secondary summaries)".
pub fn paper_lambda(lambda: f64) -> String {
    format!(
        "paper's λ = {} (ours / 2: the paper writes λ‖θ‖², we (λ/2)‖θ‖²; convention from secondary summaries of the paper)",
        crate::run::notes::short(lambda / 2.0)
    )
}

/// A number in at most 4 significant digits, without trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let s = format!("{:.3e}", v);
    let parsed: f64 = s.parse().unwrap_or(v);
    let plain = format!("{parsed}");
    if plain.len() <= 9 {
        plain
    } else {
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_lambda_is_half_ours_and_short() {
        assert!(paper_lambda(0.01).starts_with("paper's λ = 0.005 (ours / 2"));
        assert!(paper_lambda(0.0).starts_with("paper's λ = 0 "));
        assert!(
            paper_lambda(2e-6).starts_with("paper's λ = 0.000001 ") || paper_lambda(2e-6).starts_with("paper's λ = 1e-6 "),
            "{}",
            paper_lambda(2e-6)
        );
        assert!(paper_lambda(0.3).starts_with("paper's λ = 0.15 "));
    }
}
