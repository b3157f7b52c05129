//! Each preset's claims (its `see` line as data). The thresholds were
//! measured on the presets' configs (seeded; `tests/presets.rs` runs them at
//! their own sizes) with a margin; the numbers quoted in `see` are the
//! measured values these bound.

use super::{Claim, Comparison as C, Needs, Quantity as Q, Reference as R};

const fn claim(text: &'static str, quantity: Q, comparison: C, threshold: f64, at: &'static [(&'static str, &'static str)]) -> Claim {
    Claim {
        text,
        quantity,
        comparison,
        threshold,
        at,
        needs: Needs::Nothing,
        guard_collapse: true,
    }
}

const fn needs_lambda(c: Claim) -> Claim {
    Claim {
        needs: Needs::LambdaPositive,
        ..c
    }
}

/// A claim about a collapse itself (the collapse guard would make it unpassable).
const fn about_collapse(c: Claim) -> Claim {
    Claim {
        guard_collapse: false,
        ..c
    }
}

const EVERYWHERE: &[(&str, &str)] = &[];

const ALIGNMENT: &[Claim] = &[
    needs_lambda(claim(
        "averaged cos(W₁, −∇L)",
        Q::Value("layers.1.alignment_cos_avg"),
        C::Greater,
        0.999,
        EVERYWHERE,
    )),
    claim(
        "instantaneous cos(W₁, −∇L) (ReLU kinks: GD chatters)",
        Q::Value("layers.1.alignment_cos"),
        C::Less,
        0.99,
        EVERYWHERE,
    ),
    claim(
        "instantaneous cos(W₁, −∇L), still near the stationary point",
        Q::Value("layers.1.alignment_cos"),
        C::Greater,
        0.9,
        EVERYWHERE,
    ),
];

const NORMS: &[Claim] = &[
    needs_lambda(claim(
        "relative spread of ‖W_k‖_F over the layers",
        Q::Spread("layers.*.frobenius"),
        C::Less,
        1e-3,
        EVERYWHERE,
    )),
    needs_lambda(claim(
        "λ‖W_k‖²_F against (1/n)Σ(−ℓ′)yf, every layer",
        Q::RelDiff("layers.*.norm_identity_lhs", R::Key("norm_identity_rhs")),
        C::Less,
        1e-3,
        EVERYWHERE,
    )),
];

const BALANCE_GF: &[Claim] = &[
    needs_lambda(claim(
        "slope of log‖D_k‖ against −2λ (relative)",
        Q::RelDiff("layers.*.balance_rate", R::MinusTwoLambda),
        C::Less,
        1e-5,
        &[("train.lambda", "0.1")],
    )),
    claim(
        "slope of log‖D_k‖ at λ = 0 (conserved)",
        Q::Abs("layers.*.balance_rate"),
        C::Less,
        1e-9,
        &[("train.lambda", "0")],
    ),
];

const RANK_VS_LAMBDA: &[Claim] = &[
    claim(
        "effective rank of W₁ at λ = 0.001",
        Q::Value("layers.1.effective_rank"),
        C::Greater,
        6.0,
        &[("train.lambda", "0.001")],
    ),
    claim(
        "stable rank of W₁ at λ = 0.001",
        Q::Value("layers.1.stable_rank"),
        C::Greater,
        1.8,
        &[("train.lambda", "0.001")],
    ),
    claim(
        "training accuracy at λ = 0.001",
        Q::Value("accuracy"),
        C::AtLeast,
        1.0,
        &[("train.lambda", "0.001")],
    ),
    claim(
        "effective rank of W₁ at λ = 0.05",
        Q::Value("layers.1.effective_rank"),
        C::Less,
        4.5,
        &[("train.lambda", "0.05")],
    ),
    claim(
        "stable rank of W₁ at λ = 0.05",
        Q::Value("layers.1.stable_rank"),
        C::Less,
        1.45,
        &[("train.lambda", "0.05")],
    ),
    claim(
        "training accuracy at λ = 0.05",
        Q::Value("accuracy"),
        C::AtLeast,
        1.0,
        &[("train.lambda", "0.05")],
    ),
    about_collapse(claim(
        "the net collapsed at λ = 0.1 (flag)",
        Q::Value("collapsed"),
        C::AtLeast,
        1.0,
        &[("train.lambda", "0.1")],
    )),
    about_collapse(claim(
        "‖W₁‖_F of the collapsed net at λ = 0.1",
        Q::Value("layers.1.frobenius"),
        C::Less,
        1e-12,
        &[("train.lambda", "0.1")],
    )),
];

const DATA_SPAN: &[Claim] = &[
    needs_lambda(claim(
        "part of W₁ outside span(X), relative, at ηλ = 0.005",
        Q::Value("outside_span"),
        C::Less,
        5e-9,
        &[("train.lambda", "0.01")],
    )),
    needs_lambda(claim(
        "…and above rounding (the decay is real)",
        Q::Value("outside_span"),
        C::Greater,
        1e-10,
        &[("train.lambda", "0.01")],
    )),
    claim(
        "part of W₁ outside span(X) at λ = 0 (stays), against 0.28",
        Q::AbsDiff("outside_span", R::Const(0.28)),
        C::Less,
        0.01,
        &[("train.lambda", "0")],
    ),
];

const MERGE_ORTHOGONAL: &[Claim] = &[
    claim(
        "summed net's output change on each task",
        Q::Value("merge.sum.*.max_output_change"),
        C::AtMost,
        1e-12,
        EVERYWHERE,
    ),
    claim(
        "summed net's accuracy on task a minus its own net's",
        Q::AbsDiff("merge.sum.a.accuracy", R::Key("merge.a.a.accuracy")),
        C::AtMost,
        0.0,
        EVERYWHERE,
    ),
    claim(
        "summed net's accuracy on task b minus its own net's",
        Q::AbsDiff("merge.sum.b.accuracy", R::Key("merge.b.b.accuracy")),
        C::AtMost,
        0.0,
        EVERYWHERE,
    ),
    claim(
        "mean merge's output change on each task (it halves the margin)",
        Q::Value("merge.mean.*.max_output_change"),
        C::Greater,
        0.1,
        EVERYWHERE,
    ),
];

const MERGE_OVERLAP: &[Claim] = &[
    claim(
        "the derived merge bound holds (1 = holds)",
        Q::Value("merge_bound.*.holds"),
        C::AtLeast,
        1.0,
        EVERYWHERE,
    ),
    claim(
        "output change on task a at ρ = 0",
        Q::Value("merge.sum.a.max_output_change"),
        C::Less,
        1e-12,
        &[("data.rho", "0")],
    ),
    claim(
        "output change on task a at ρ = 0.4",
        Q::Value("merge.sum.a.max_output_change"),
        C::Greater,
        0.1,
        &[("data.rho", "0.4")],
    ),
    claim(
        "output change on task a at ρ = 0.8",
        Q::Value("merge.sum.a.max_output_change"),
        C::Greater,
        0.5,
        &[("data.rho", "0.8")],
    ),
    claim(
        "output change on task a at ρ = 0.8",
        Q::Value("merge.sum.a.max_output_change"),
        C::Less,
        2.0,
        &[("data.rho", "0.8")],
    ),
];

const MERGE_LAMBDA: &[Claim] = &[
    claim(
        "output change on task a at λ = 0.005",
        Q::Value("merge.sum.a.max_output_change"),
        C::Greater,
        0.4,
        &[("train.lambda", "0.005")],
    ),
    claim(
        "output change on task a at λ = 0.1",
        Q::Value("merge.sum.a.max_output_change"),
        C::Less,
        0.08,
        &[("train.lambda", "0.1")],
    ),
];

const MERGE_DEEP: &[Claim] = &[
    claim(
        "hidden overlap ‖U_aᵀU_b‖₂, linear, width 16",
        Q::Value("hidden_overlap.1.value"),
        C::Greater,
        0.2,
        &[("net.widths", "[16,16]"), ("net.activation", "linear")],
    ),
    claim(
        "hidden overlap ‖U_aᵀU_b‖₂, linear, width 256",
        Q::Value("hidden_overlap.1.value"),
        C::Less,
        0.1,
        &[("net.widths", "[256,256]"), ("net.activation", "linear")],
    ),
    claim(
        "hidden overlap ‖U_aᵀU_b‖₂, ReLU, width 256 (a shared direction)",
        Q::Value("hidden_overlap.1.value"),
        C::Greater,
        0.3,
        &[("net.widths", "[256,256]"), ("net.activation", "relu")],
    ),
];

const LINEAR: &[(&str, &str)] = &[("variant", "linear")];
const MERGE_DEEP_GF: &[Claim] = &[
    claim("integrated to t = 400", Q::Value("time"), C::AtLeast, 400.0, LINEAR),
    claim(
        "stationarity ‖∇F‖/‖λθ‖ of task a's net",
        Q::Value("stationarity"),
        C::Less,
        1e-6,
        LINEAR,
    ),
    claim(
        "layer 1's cross-talk ‖W₁ᵇX_aᵀ‖",
        Q::Value("cross_talk.*.value"),
        C::Less,
        1e-7,
        LINEAR,
    ),
    claim(
        "relative spread of ‖W_k‖_F over the layers",
        Q::Spread("layers.*.frobenius"),
        C::Less,
        1e-6,
        LINEAR,
    ),
    claim(
        "‖W_k‖_F against 2.012",
        Q::AbsDiff("layers.*.frobenius", R::Const(2.012)),
        C::Less,
        1e-3,
        LINEAR,
    ),
    claim(
        "summed net's accuracy on each task",
        Q::Value("merge.sum.*.accuracy"),
        C::AtLeast,
        1.0,
        LINEAR,
    ),
    claim(
        "summed net's output change on task a",
        Q::Value("merge.sum.a.max_output_change"),
        C::Greater,
        1e-3,
        LINEAR,
    ),
    claim(
        "summed net's output change on task a",
        Q::Value("merge.sum.a.max_output_change"),
        C::Less,
        1.5,
        LINEAR,
    ),
    claim(
        "relu_v1, width 16: hidden overlap",
        Q::Value("hidden_overlap.1.value"),
        C::Greater,
        0.9,
        &[("variant", "relu_v1"), ("net.widths", "[16,16]")],
    ),
    claim(
        "relu_v1, width 16: summed net's accuracy on task a",
        Q::Value("merge.sum.a.accuracy"),
        C::AtMost,
        0.7,
        &[("variant", "relu_v1"), ("net.widths", "[16,16]")],
    ),
];

const MERGE_MANY: &[Claim] = &[
    claim(
        "summed net's accuracy on task a, K = 2",
        Q::Value("merge.sum.a.accuracy"),
        C::AtLeast,
        1.0,
        &[("data.tasks", "2")],
    ),
    claim(
        "summed net's accuracy on task a, K = 8",
        Q::Value("merge.sum.a.accuracy"),
        C::Less,
        0.8,
        &[("data.tasks", "8")],
    ),
];

const RHO0: &[(&str, &str)] = &[("data.rho", "0")];
const RHO_UP: &[(&str, &str)] = &[("data.rho", ">=0.1")];
const RHO8: &[(&str, &str)] = &[("data.rho", "0.8")];
const MERGE_METHODS: &[Claim] = &[
    claim(
        "sum: output change on each task at ρ = 0",
        Q::Value("merge.sum.*.max_output_change"),
        C::AtMost,
        1e-9,
        RHO0,
    ),
    claim(
        "RegMean: output change on each task at ρ = 0",
        Q::Value("merge.regmean.*.max_output_change"),
        C::AtMost,
        1e-9,
        RHO0,
    ),
    claim(
        "sum's accuracy on task a minus its net's",
        Q::AbsDiff("merge.sum.a.accuracy", R::Key("merge.a.a.accuracy")),
        C::AtMost,
        0.0,
        RHO0,
    ),
    claim(
        "RegMean's accuracy on task a minus its net's",
        Q::AbsDiff("merge.regmean.a.accuracy", R::Key("merge.a.a.accuracy")),
        C::AtMost,
        0.0,
        RHO0,
    ),
    claim(
        "task a's own net's accuracy, against 0.933",
        Q::AbsDiff("merge.a.a.accuracy", R::Const(0.933)),
        C::Less,
        0.01,
        RHO0,
    ),
    claim(
        "task arithmetic's accuracy on task a, against 0.53",
        Q::AbsDiff("merge.task_arithmetic.a.accuracy", R::Const(0.53)),
        C::Less,
        0.01,
        RHO0,
    ),
    claim(
        "TIES's accuracy on task a, against 0.67",
        Q::AbsDiff("merge.ties.a.accuracy", R::Const(0.67)),
        C::Less,
        0.01,
        RHO0,
    ),
    claim(
        "DARE's accuracy on task a, against 0.70",
        Q::AbsDiff("merge.dare.a.accuracy", R::Const(0.70)),
        C::Less,
        0.01,
        RHO0,
    ),
    claim(
        "weights' input overlap at ρ = 0",
        Q::Value("merge_diagnostics.pairs.1.input_overlap"),
        C::Less,
        1e-12,
        RHO0,
    ),
    claim(
        "task vectors' cosine at ρ = 0 (they carry −θ₀)",
        Q::Value("merge_diagnostics.pairs.1.task_cosine"),
        C::Greater,
        0.9,
        RHO0,
    ),
    claim(
        "RegMean's output change on task a / the sum's",
        Q::Ratio("merge.regmean.a.max_output_change", R::Key("merge.sum.a.max_output_change")),
        C::Less,
        1.0,
        RHO_UP,
    ),
    claim(
        "RegMean's output change on task a / the mean's",
        Q::Ratio("merge.regmean.a.max_output_change", R::Key("merge.mean.a.max_output_change")),
        C::Less,
        1.0,
        RHO_UP,
    ),
    claim(
        "RegMean's output change on task a / task arithmetic's",
        Q::Ratio(
            "merge.regmean.a.max_output_change",
            R::Key("merge.task_arithmetic.a.max_output_change"),
        ),
        C::Less,
        1.0,
        RHO_UP,
    ),
    claim(
        "RegMean's output change on task a / TIES's",
        Q::Ratio("merge.regmean.a.max_output_change", R::Key("merge.ties.a.max_output_change")),
        C::Less,
        1.0,
        RHO_UP,
    ),
    claim(
        "RegMean's output change on task a / DARE's",
        Q::Ratio("merge.regmean.a.max_output_change", R::Key("merge.dare.a.max_output_change")),
        C::Less,
        1.0,
        RHO_UP,
    ),
    claim(
        "RegMean's output change on task a / the spectral merge's",
        Q::Ratio("merge.regmean.a.max_output_change", R::Key("merge.spectral.a.max_output_change")),
        C::Less,
        1.0,
        RHO_UP,
    ),
    claim(
        "RegMean's output change on task a at ρ = 0.8, against 0.22",
        Q::AbsDiff("merge.regmean.a.max_output_change", R::Const(0.22)),
        C::Less,
        0.01,
        RHO8,
    ),
    claim(
        "sum's output change on task a at ρ = 0.8, against 0.44",
        Q::AbsDiff("merge.sum.a.max_output_change", R::Const(0.44)),
        C::Less,
        0.01,
        RHO8,
    ),
    claim(
        "spectral's output change on task a at ρ = 0.8, against 0.45",
        Q::AbsDiff("merge.spectral.a.max_output_change", R::Const(0.45)),
        C::Less,
        0.01,
        RHO8,
    ),
    claim(
        "task arithmetic's output change on task a at ρ = 0.8, against 0.48",
        Q::AbsDiff("merge.task_arithmetic.a.max_output_change", R::Const(0.48)),
        C::Less,
        0.01,
        RHO8,
    ),
    claim(
        "DARE's output change on task a at ρ = 0.8, against 0.51",
        Q::AbsDiff("merge.dare.a.max_output_change", R::Const(0.51)),
        C::Less,
        0.01,
        RHO8,
    ),
    claim(
        "mean's output change on task a at ρ = 0.8, against 0.51",
        Q::AbsDiff("merge.mean.a.max_output_change", R::Const(0.51)),
        C::Less,
        0.01,
        RHO8,
    ),
    claim(
        "TIES's output change on task a at ρ = 0.8, against 0.66",
        Q::AbsDiff("merge.ties.a.max_output_change", R::Const(0.66)),
        C::Less,
        0.01,
        RHO8,
    ),
];

const ALL: &[(&str, &str)] = &[("variant", "all")];
const DISJOINT: &[(&str, &str)] = &[("variant", "disjoint")];
const MERGE_DIGITS: &[Claim] = &[
    claim(
        "mean |⟨x_a, x_b⟩| of real digits, against 0.66",
        Q::AbsDiff("overlap.pairs.1.mean_abs_inner", R::Const(0.66)),
        C::Less,
        0.005,
        ALL,
    ),
    claim("task a's own net's accuracy", Q::Value("merge.a.a.accuracy"), C::AtLeast, 1.0, ALL),
    claim(
        "summed net's accuracy on task a, against 0.96",
        Q::AbsDiff("merge.sum.a.accuracy", R::Const(0.96)),
        C::Less,
        0.005,
        ALL,
    ),
    claim(
        "summed net's output change on task a, against 0.98",
        Q::AbsDiff("merge.sum.a.max_output_change", R::Const(0.98)),
        C::Less,
        0.01,
        ALL,
    ),
    claim(
        "RegMean's accuracy on task a, against 0.993",
        Q::AbsDiff("merge.regmean.a.accuracy", R::Const(0.993)),
        C::Less,
        0.002,
        ALL,
    ),
    claim(
        "weights' input overlap",
        Q::Value("merge_diagnostics.pairs.1.input_overlap"),
        C::Greater,
        0.5,
        ALL,
    ),
    claim(
        "max |⟨x_a, x_b⟩| on disjoint pixels",
        Q::Value("overlap.pairs.1.max_abs_inner"),
        C::AtMost,
        0.0,
        DISJOINT,
    ),
    claim(
        "summed net's output change on each task",
        Q::Value("merge.sum.*.max_output_change"),
        C::AtMost,
        1e-15,
        DISJOINT,
    ),
    claim(
        "summed net's accuracy on task a minus its net's",
        Q::AbsDiff("merge.sum.a.accuracy", R::Key("merge.a.a.accuracy")),
        C::AtMost,
        0.0,
        DISJOINT,
    ),
    claim(
        "summed net's accuracy on task b minus its net's",
        Q::AbsDiff("merge.sum.b.accuracy", R::Key("merge.b.b.accuracy")),
        C::AtMost,
        0.0,
        DISJOINT,
    ),
    claim(
        "task a's net's accuracy, against 0.993",
        Q::AbsDiff("merge.a.a.accuracy", R::Const(0.993)),
        C::Less,
        0.002,
        DISJOINT,
    ),
    claim(
        "task b's net's accuracy, against 0.947",
        Q::AbsDiff("merge.b.b.accuracy", R::Const(0.947)),
        C::Less,
        0.002,
        DISJOINT,
    ),
    claim(
        "weights' input overlap",
        Q::Value("merge_diagnostics.pairs.1.input_overlap"),
        C::Less,
        1e-12,
        DISJOINT,
    ),
];

const ASSUMPTIONS: &[Claim] = &[
    needs_lambda(claim(
        "baseline: relative spread of ‖W_k‖_F",
        Q::Spread("layers.*.frobenius"),
        C::Less,
        1e-3,
        &[("variant", "baseline")],
    )),
    needs_lambda(claim(
        "baseline: averaged cos(W₁, −∇L)",
        Q::Value("layers.1.alignment_cos_avg"),
        C::Greater,
        0.9999,
        &[("variant", "baseline")],
    )),
    claim(
        "biases: relative spread of ‖W_k‖_F",
        Q::Spread("layers.*.frobenius"),
        C::Greater,
        0.03,
        &[("variant", "bias")],
    ),
    claim(
        "gelu: relative spread of ‖W_k‖_F",
        Q::Spread("layers.*.frobenius"),
        C::Greater,
        0.2,
        &[("variant", "gelu")],
    ),
    claim(
        "SGD (batch 5): averaged cos(W₁, −∇L)",
        Q::Value("layers.1.alignment_cos_avg"),
        C::Less,
        0.999,
        &[("variant", "sgd")],
    ),
    claim(
        "stopped at 300 steps: averaged cos(W₁, −∇L)",
        Q::Value("layers.1.alignment_cos_avg"),
        C::Less,
        0.95,
        &[("variant", "early_stop")],
    ),
];

/// The claims of the preset named `preset` (none for an unknown name).
pub fn of(preset: &str) -> &'static [Claim] {
    match preset {
        "alignment" => ALIGNMENT,
        "norms" => NORMS,
        "balance-gf" => BALANCE_GF,
        "rank-vs-lambda" => RANK_VS_LAMBDA,
        "data-span" => DATA_SPAN,
        "merge-orthogonal" => MERGE_ORTHOGONAL,
        "merge-overlap" => MERGE_OVERLAP,
        "merge-lambda" => MERGE_LAMBDA,
        "merge-deep" => MERGE_DEEP,
        "merge-deep-gf" => MERGE_DEEP_GF,
        "merge-many" => MERGE_MANY,
        "merge-methods" => MERGE_METHODS,
        "merge-digits" => MERGE_DIGITS,
        "assumptions" => ASSUMPTIONS,
        _ => &[],
    }
}

/// The claims of `preset` as a Markdown list under its name (what `lowrank-lab presets --claims` prints and README shows).
pub fn markdown(preset: &str) -> String {
    let mut out = format!("**{preset}**\n");
    for c in of(preset) {
        out.push_str(&format!("- {}\n", c.line()));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_preset_has_claims_and_every_claim_is_where_its_grid_goes() {
        for p in crate::presets::PRESETS {
            let claims = super::of(p.name);
            assert!(!claims.is_empty(), "{} has no claims", p.name);
            let axes: Vec<crate::run::sweep::Axis> = p.grid.iter().map(|g| crate::run::sweep::parse_axis(g).unwrap()).collect();
            for c in claims {
                for (k, v) in c.at {
                    let axis = axes
                        .iter()
                        .find(|a| a.key == *k)
                        .unwrap_or_else(|| panic!("{}: claim `{}` is at {k}, not an axis of the grid", p.name, c.text));
                    // A place on the grid: one of the axis' values (or a lower bound some value meets).
                    let num = |s: &str| s.trim().parse::<f64>().ok();
                    let on_grid = match v.strip_prefix(">=") {
                        Some(min) => axis.values.iter().any(|x| num(x) >= num(min)),
                        None => axis.values.iter().any(|x| {
                            crate::config::overrides::parse_value(x) == crate::config::overrides::parse_value(v)
                                || (num(x).is_some() && num(x) == num(v))
                        }),
                    };
                    assert!(
                        on_grid,
                        "{}: claim `{}` is at {k}={v}, not on the grid {:?}",
                        p.name, c.text, axis.values
                    );
                }
            }
        }
    }
}
