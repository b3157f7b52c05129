//! "What am I looking at?": per snapshot chart, what is plotted (formula and
//! axes), the shape to expect, and where that expectation comes from — the
//! paper's statement, derived in this lab, or a measurement with no claimed
//! shape (the README's paper/derived/assumed split). The page shows it under
//! each chart card; the match is exhaustive, so a new chart needs its text.
//! (First drafted by a helper session; checked against the charts and the README here.)

use super::registry::SnapshotChart;
use serde::Serialize;

/// Where a chart's expected shape comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A statement of the paper (Kuzborskij & Abbasi-Yadkori, AISTATS 2026).
    Paper,
    /// Derived in this lab (README, "What the paper states, what is derived here").
    Derived,
    /// A measurement; no shape is claimed.
    Measured,
}

impl Basis {
    pub fn text(self) -> &'static str {
        match self {
            Basis::Paper => "The expected shape is the paper's statement.",
            Basis::Derived => "The expected shape is derived in this lab (not stated by the paper).",
            Basis::Measured => "A measurement: no shape is claimed.",
        }
    }
}

/// A chart's explanation (plain text, Unicode, no markup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// What is plotted: the quantity, its formula, the axes.
    pub plotted: &'static str,
    /// What to expect, and when.
    pub expect: &'static str,
    pub basis: Basis,
    /// [`Basis::text`].
    pub basis_text: &'static str,
}

/// The explanation of `chart`.
pub fn explain(chart: SnapshotChart) -> Explanation {
    use Basis::*;
    let (plotted, expect, basis) = match chart {
        SnapshotChart::Loss => (
            "The training loss L = (1/n)Σℓ(yᵢ, f(xᵢ)) of each task's net (logistic or squared loss) against the step (time t under gradient flow), on a log axis.",
            "It falls and flattens. With λ > 0 it stops above 0, where the pull of the loss balances the weight decay.",
            Measured,
        ),
        SnapshotChart::Spectrum => (
            "The singular values σ₁ ≥ σ₂ ≥ … of each layer Wₖ now, by index i, on a log axis; the dotted lines are each layer's numerical-rank tolerance, the dashed line the bound rank ≤ n.",
            "With weight decay a few values stay large and the rest fall towards 0: the low-rank bias (the paper's). At a stationary point no layer has more than n values above the tolerance (rank ≤ n, derived here).",
            Paper,
        ),
        SnapshotChart::SpectrumOverTime => (
            "Each layer's spectrum over training: one strip per layer, time across, singular-value index down, colour log₁₀(σᵢ/σ₁).",
            "The lower rows darken over time as the small singular values decay while the top few stay: the low-rank bias forming.",
            Paper,
        ),
        SnapshotChart::Norms => (
            "The Frobenius norm ‖Wₖ‖ of each layer against the step (time t under gradient flow).",
            "At a stationary point of a positively homogeneous, bias-free net the layers' norms are preserved across layers: the lines meet (the paper's norm preservation).",
            Paper,
        ),
        SnapshotChart::OutsideSpan => (
            "‖W₁(I − P)‖, the part of the first layer's weights outside the span of the training inputs (P projects onto the span of the inputs xᵢ), on a log axis, with the dashed reference (1 − ηλ) to the power step through the first point (exp(−λt) under gradient flow).",
            "The gradient of L with respect to W₁ has its rows in span(X), so only weight decay acts on this part: the line follows the reference exactly, falling by decades for λ > 0 and staying flat at λ = 0, until it flattens at rounding level (about 1e-14 of ‖W₁‖).",
            Derived,
        ),
        SnapshotChart::Alignment => (
            "Top: cos(Wₖ, −∇L) per trained layer, instantaneous and against the running average of the gradient. Bottom: the stationarity residual ‖∇L + λθ‖/‖λθ‖, on a log axis.",
            "At a stationary point ∇L = −λθ, so the cosine is 1 and the residual 0 (the paper's alignment). Under GD with ReLU the instantaneous cosine chatters below 1 while the averaged one climbs to 1.",
            Paper,
        ),
        SnapshotChart::AlignmentGap => (
            "1 − cos(Wₖ, −∇L) per trained layer on a log axis, computed as ‖Â + B̂‖²/2 (accurate where 1 minus the cosine would round to 0), instantaneous and averaged.",
            "The averaged gap falls by decades as the run nears a stationary point (where the paper's alignment makes it 0); 0.999 and 0.9999 are a decade apart here.",
            Paper,
        ),
        SnapshotChart::Balance => (
            "‖Dₖ‖ with Dₖ = Wₖ₊₁ᵀWₖ₊₁ − WₖWₖᵀ for consecutive trained layers, against time t = η·step, on a log axis, with the line C·exp(−2λt) through the first point.",
            "Under gradient flow log‖Dₖ‖ falls on a straight line of slope −2λ (flat at λ = 0); GD follows it up to O(η). Not defined with a fixed output layer.",
            Derived,
        ),
        SnapshotChart::NormIdentity => (
            "Both sides of λ‖Wₖ‖² = (1/n)Σ(−ℓ′ᵢ)yᵢfᵢ: the left side per trained layer (solid) and the right side (dashed), against the step.",
            "At a stationary point of a positively homogeneous, bias-free net the lines meet (Euler's identity); early in training, or with biases, nothing makes them meet.",
            Derived,
        ),
        SnapshotChart::MergeAccuracy => (
            "The accuracy of every net (each task's own net, then each merge) on every task: one group of bars per task.",
            "For tasks on orthogonal inputs the summed net scores as each task's own net on its task (the paper's merging claim); overlapping inputs cost accuracy (the lab's derived bound).",
            Paper,
        ),
        SnapshotChart::MergeLoss => (
            "The training loss of every net on every task: one group of bars per task.",
            "For tasks on orthogonal inputs the summed net's loss matches each task's own net; overlap raises it.",
            Paper,
        ),
        SnapshotChart::MergePath => (
            "The loss on each task along θₐ + t(θ_b − θ₀) (task arithmetic at t = 1) and along θₐ + tθ_b (the sum at t = 1), from net a, against t.",
            "A barrier (a rise above the chord between the ends) means the nets interfere; on orthogonal tasks there is none. A diagnostic defined in this lab.",
            Measured,
        ),
    };
    Explanation {
        plotted,
        expect,
        basis,
        basis_text: basis.text(),
    }
}
