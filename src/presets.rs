//! The preset table: named configs that each show one phenomenon, as data.
//!
//! Each `explain` says which part is stated by the paper (Kuzborskij &
//! Abbasi-Yadkori, AISTATS 2026, v2: alignment, norm preservation and low-rank
//! bias at stationary points; merging for shallow ReLU nets trained by GD and
//! deep linear nets trained by gradient flow; v1 also claimed deep ReLU nets
//! under gradient flow), which is derived here (D_k ∝ e^{−2λt}, the (1 − ηλ)
//! span contraction, rank ≤ n, every explicit bound) and which is this lab's
//! assumption (the fixed ±1/√m output layer of the shallow setting). Our
//! objective is L + (λ/2)‖θ‖²; the paper's λ is half ours (from secondary
//! summaries, as is the logistic loss).
//!
//! A preset is a JSON patch over `Config::default()`, an optional default
//! sweep grid (`key=v1;v2;…`, Cartesian), optional named variants (JSON
//! patches selected by the grid key `variant`), and the sweep metrics to
//! plot. `see` states what you should see, with a number that
//! `tests/presets.rs` asserts on a shortened run.

use crate::config::overrides;
use crate::config::{Config, ConfigError};

/// One named experiment.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    /// One line: what you should see, with a number.
    pub see: &'static str,
    /// Two or three sentences with the formula: what to watch and why.
    pub explain: &'static str,
    /// JSON patch over the default config.
    pub config: &'static str,
    /// Default sweep grid, `key=v1;v2;…` per axis (empty: a single run).
    pub grid: &'static [&'static str],
    /// Named JSON patches, selected with the grid key `variant`.
    pub variants: &'static [(&'static str, &'static str)],
    /// Dotted `final` keys a sweep plots against its first axis.
    pub plot: &'static [&'static str],
}

impl Preset {
    /// The preset's config (defaults patched), not yet validated.
    pub fn config(&self) -> Result<Config, ConfigError> {
        let patch: serde_json::Value =
            serde_json::from_str(self.config).map_err(|e| ConfigError::Parse(format!("preset {}: {e}", self.name)))?;
        overrides::apply_patch(&Config::default(), &patch)
    }

    /// The patch of variant `name`.
    pub fn variant(&self, name: &str) -> Option<&'static str> {
        self.variants.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }
}

/// Look a preset up by name.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The `merge-methods` claim, with the numbers `tests/presets.rs` asserts.
const SEE_MERGE_METHODS: &str = "at ρ = 0 the sum (to 1e-16) and RegMean (to 2e-12) reproduce each net on its task, while task arithmetic, TIES and DARE reach only 0.53, 0.67 and 0.70 accuracy on task a against its net's 0.93 (their task vectors carry the erased random θ₀); as ρ grows to 0.8 RegMean keeps the smallest output change on task a (0.22, against 0.44 for the sum, 0.45 spectral, 0.48 task arithmetic, 0.51 DARE and mean, 0.66 TIES)";

/// The `merge-digits` claim, with the numbers `tests/presets.rs` asserts.
const SEE_MERGE_DIGITS: &str = "real digits on all 64 pixels overlap (mean |⟨x_a, x_b⟩| = 0.66): the summed net drops task a (0 vs 1) from 1.00 to 0.96 accuracy with an output change of 0.98, RegMean keeps 0.993; with each task on its own half of the pixels (overlap exactly 0) the sum equals each net to 1e-15, same accuracy (0.993 and 0.947)";

/// Every preset, in the order the page and `lowrank-lab presets` list them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "alignment",
        see: "averaged cos(W₁, −∇L) exceeds 0.999 (0.999999 after 20000 steps) while the instantaneous cosine stays near 0.95: ReLU kinks make GD chatter around the stationary point",
        explain: "The paper states alignment at stationary points: there ∇L = −λθ, so every trained layer satisfies cos(W_k, −∇_{W_k}L) = 1 (our F = L + (λ/2)‖θ‖²; the paper writes λ‖θ‖², its λ is half ours). Measured here: with ReLU, full-batch GD keeps crossing kinks and never settles, so the instantaneous cosine hovers near 0.95 while the cosine against the gradient's running average reaches 1. The fixed ±1/√m output layer is this lab's assumed shallow setting. Switch the activation to leaky_relu or gelu to see how the kinks matter.",
        config: r#"{"seed": 1, "data": {"generator": "gaussian", "n": 20, "d": 40},
                    "net": {"widths": [64], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 0.5, "lambda": 0.01, "steps": 20000, "record_every": 50}}"#,
        grid: &[],
        variants: &[],
        plot: &[],
    },
    Preset {
        name: "norms",
        see: "‖W_k‖_F of three layers started 10× apart converge to within 0.01% of each other (2.9760, 2.9759, 2.9759), and λ‖W_k‖²_F matches (1/n)Σ(−ℓ′)yf to 0.01% (within 0.03% at every record of the last 10,000 steps: ReLU chatter, which grows with η)",
        explain: "The paper states norm preservation at stationary points: λ‖W_k‖²_F is the same for every trained layer. Derived here for positively homogeneous bias-free nets: Euler's identity gives ⟨W_k, ∇_{W_k}L⟩ = (1/n)Σ ℓ′ᵢyᵢfᵢ for every layer k, so at a stationary point λ‖W_k‖²_F = (1/n)Σ(−ℓ′ᵢ)yᵢfᵢ. Start the layers deliberately unbalanced and watch the norms meet. Measured here: full-batch GD on a ReLU net chatters around the stationary point, the more the larger η: at η = 0.2 the two sides differ by up to 0.18% from record to record (over steps 10,000–20,000), at this preset's η = 0.03 by at most 0.03% (steps 30,000–40,000).",
        config: r#"{"seed": 2, "data": {"generator": "gaussian", "n": 20, "d": 30},
                    "net": {"widths": [32, 32], "activation": "relu", "layer_scales": [3.0, 1.0, 0.3]},
                    "train": {"lr": 0.03, "lambda": 0.02, "steps": 40000, "record_every": 100}}"#,
        grid: &[],
        variants: &[],
        plot: &[],
    },
    Preset {
        name: "balance-gf",
        see: "under gradient flow log‖D_k‖ falls with slope −2λ = −0.2 (to 1e-5 relative); at λ = 0 it stays flat",
        explain: "Derived here, not a statement of the paper (it is the mechanism behind norm preservation): for a linear net under gradient flow, D_k = W_{k+1}ᵀW_{k+1} − W_kW_kᵀ obeys dD_k/dt = −2λD_k, so ‖D_k(t)‖ = e^{−2λt}‖D_k(0)‖: conserved at λ = 0, decaying at rate 2λ otherwise (for ReLU, only its diagonal). GD at finite η follows this only approximately.",
        config: r#"{"seed": 3, "data": {"generator": "gaussian", "n": 12, "d": 8, "out_dim": 2},
                    "net": {"widths": [10, 7], "activation": "linear", "layer_scales": [2.0, 0.5, 1.0]},
                    "train": {"loss": "squared", "optimizer": "gf", "lambda": 0.1, "time": 10.0, "lr": 0.05, "rtol": 1e-12, "atol": 0.0, "record_every": 5}}"#,
        grid: &["train.lambda=0;0.1"],
        variants: &[],
        plot: &[],
    },
    Preset {
        name: "rank-vs-lambda",
        see: "the effective rank of W₁ falls as λ grows, from 8.4 at λ = 1e-3 to 3.4 at λ = 0.05 (stable rank 2.0 → 1.35) while the net still fits every point; at λ = 0.1 it collapses to zero (‖W₁‖ = 1.6e-30, loss ln 2 = ℓ(0)), flagged as collapsed: its rank 1 is trivial",
        explain: "The paper states a low-rank bias at stationary points. Derived here: there W_k = −∇_{W_k}L/λ is a sum of n rank-one terms (rank ≤ n), and √(s₁s₂) ≤ max‖x‖·L̂/λ bounds the stable ranks s_k = ‖W_k‖²_F/‖W_k‖²₂. Stronger weight decay means a lower-rank net, until λ is so strong that the net shrinks to zero: a collapsed net outputs nothing, and its rank is no evidence of anything.",
        config: r#"{"seed": 4, "data": {"generator": "gaussian", "n": 20, "d": 40},
                    "net": {"widths": [64], "activation": "relu"},
                    "train": {"lr": 0.5, "lambda": 0.01, "steps": 20000, "record_every": 100}}"#,
        grid: &["train.lambda=0.001;0.003;0.01;0.03;0.05;0.1"],
        variants: &[],
        plot: &["layers.1.stable_rank", "layers.1.effective_rank", "layers.2.stable_rank"],
    },
    Preset {
        name: "data-span",
        see: "the part of W₁ outside span(X) shrinks by (1 − ηλ) per step, to 2.6e-9 of ‖W₁‖ after 4000 steps at ηλ = 0.005; at λ = 0 it stays at 0.28",
        explain: "Derived here (the mechanism behind the paper's low-rank and merging statements): ∇_{W_1}L = (1/n)Σ gᵢxᵢᵀ has rows in the span of the training inputs, so under GD the component of W₁ outside it is multiplied by exactly (1 − ηλ) each step: W₁'s rows end up in span(X), and W₁ has rank ≤ n.",
        config: r#"{"seed": 5, "data": {"generator": "gaussian", "n": 10, "d": 40},
                    "net": {"widths": [64], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 0.5, "lambda": 0.01, "steps": 4000, "record_every": 20}}"#,
        grid: &["train.lambda=0;0.01"],
        variants: &[],
        plot: &["outside_span"],
    },
    Preset {
        name: "merge-orthogonal",
        see: "tasks on disjoint coordinate blocks: the summed net's outputs equal each net's own on its task to 1e-12 (here exactly), with the same accuracy; the mean merge loses half the margin",
        explain: "The paper states merging for shallow ReLU nets trained by GD on orthogonal tasks. Assumed here: the shallow net is f(x) = aᵀσ(Wx) with a fixed ±1/√m output layer a shared by both nets. Derived here: weight decay puts the rows of W^b in span(X_b) (see data-span), so with X_a ⟂ X_b, W^b x_a = 0 and f_{a+b}(x_a) = aᵀσ((W^a + W^b)x_a) = f_a(x_a).",
        config: r#"{"seed": 6, "data": {"generator": "blocks", "tasks": 2, "n": 20, "d": 40},
                    "net": {"widths": [64], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 1.0, "lambda": 0.02, "steps": 2000, "record_every": 20},
                    "merge": {"methods": ["sum", "mean"]}}"#,
        grid: &[],
        variants: &[],
        plot: &[],
    },
    Preset {
        name: "merge-overlap",
        see: "as the input overlap ρ grows from 0 to 0.8 the summed net's output change on task a grows from 0 to 0.9, always below the derived bound (0.69 → 5.4)",
        explain: "Beyond the paper's orthogonal tasks: with x = √ρ·shared + √(1−ρ)·private, tasks overlap. Derived here (not the paper's constant), for the assumed shallow setting with a shared fixed outer layer a, at any iterate |f_{a+b}(x) − f_a(x)| ≤ (‖a‖²/(λn_b))Σᵢ|ℓ′_{b,i}||⟨xᵢᵇ, x⟩| + ‖a‖‖R_b x‖/λ with R_b = ∇L_b + λW^b: the change is governed by the inner products between the tasks' inputs.",
        config: r#"{"seed": 7, "data": {"generator": "mixing", "tasks": 2, "n": 20, "d": 40, "rho": 0.3},
                    "net": {"widths": [64], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 1.0, "lambda": 0.02, "steps": 2000, "record_every": 50}}"#,
        grid: &["data.rho=0;0.1;0.2;0.4;0.6;0.8"],
        variants: &[],
        plot: &["merge.sum.a.max_output_change", "merge_bound.1.max_bound", "merge.sum.a.accuracy"],
    },
    Preset {
        name: "merge-lambda",
        see: "at fixed overlap ρ = 0.3, the merged net's output change on task a falls like 1/λ: 0.62 at λ = 0.005, 0.05 at λ = 0.1",
        explain: "The derived merge bound (see merge-overlap; not the paper's constant) scales like (1/λ)·(task b's loss gradients)·max|⟨x_b, x_a⟩|, but the weights themselves shrink with λ too. Sweep λ at a fixed overlap to see which wins.",
        config: r#"{"seed": 8, "data": {"generator": "mixing", "tasks": 2, "n": 20, "d": 40, "rho": 0.3},
                    "net": {"widths": [64], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 1.0, "lambda": 0.02, "steps": 2000, "record_every": 50}}"#,
        grid: &["train.lambda=0.005;0.01;0.02;0.05;0.1"],
        variants: &[],
        plot: &["merge.sum.a.max_output_change", "merge.sum.a.accuracy", "merge_bound.1.max_bound"],
    },
    Preset {
        name: "merge-deep",
        see: "with every layer of a deep linear net trained, the overlap ‖U_aᵀU_b‖₂ of the two nets' first hidden subspaces falls from 0.31 at width 16 to 0.05 at width 256; ReLU nets keep a shared direction (0.5 at 256)",
        explain: "Measured here, beyond the paper's setting (overlapping Gaussian tasks, GD; for the paper's deep linear statement under gradient flow see merge-deep-gf). When all layers train, the summed net's output on task a picks up cross terms such as W₂ᵇW₁ᵃx. Weight decay makes each layer low-rank, and two independently trained linear nets occupy nearly orthogonal hidden subspaces once the width is large. ReLU's nonnegative hidden units share a common direction, so their overlap falls more slowly.",
        config: r#"{"seed": 100, "data": {"generator": "gaussian", "tasks": 2, "n": 10, "d": 20},
                    "net": {"widths": [64, 64], "activation": "linear"},
                    "train": {"lr": 0.5, "lambda": 0.05, "steps": 1500, "record_every": 50}}"#,
        grid: &["net.widths=[16,16];[64,64];[256,256]", "net.activation=linear;relu"],
        variants: &[],
        plot: &["hidden_overlap.1.value", "merge.sum.a.accuracy"],
    },
    Preset {
        name: "merge-deep-gf",
        see: "deep linear nets trained by gradient flow on orthogonal tasks, then summed: layer 1's cross-talk ‖W₁ᵇX_aᵀ‖ falls like e^{−λt} to 1e-8 by t = 400, all layers end at the same norm (2.012), and the summed net classifies both tasks perfectly at widths 16, 64 and 256, its outputs moving by 0.02–1.0 through the nets' hidden overlap (~0.1); relu_v1 (ReLU under gradient flow, claimed in v1, dropped in v2): still far from stationary at t = 100 (ρ ≈ 0.16), hidden overlap 0.74–1.0, and at width 16 the summed net drops to 0.6 accuracy on task a",
        explain: "The paper (v2) states merging for deep linear nets trained by gradient flow: here two 3-layer linear nets, logistic loss, tasks on disjoint coordinate blocks, every layer trained, integrated by Dormand–Prince to t = 400, then their weights added layer by layer. Derived here: W₁ᵇ's rows approach span(X_b) like e^{−λt}, so W₁ᵇx_a → 0; the deeper cross terms such as W₃ᵇW₂ᵇW₁ᵃx_a go through the overlap of the two nets' hidden directions. The variant relu_v1 runs the same with ReLU: v1 of the paper also claimed deep ReLU nets under gradient flow, v2 dropped them; the lab shows what happens there (looser tolerance rtol = 1e-3 and t = 100: ReLU's kinks make the integrator crawl).",
        config: r#"{"seed": 100, "data": {"generator": "blocks", "tasks": 2, "n": 10, "d": 20},
                    "net": {"widths": [64, 64], "activation": "linear"},
                    "train": {"optimizer": "gf", "lr": 0.5, "lambda": 0.05, "time": 400.0, "record_every": 5}}"#,
        grid: &["net.widths=[16,16];[64,64];[256,256]", "variant=linear;relu_v1"],
        variants: &[
            ("linear", "{}"),
            (
                "relu_v1",
                r#"{"net": {"activation": "relu"}, "train": {"time": 100.0, "rtol": 1e-3, "atol": 1e-9}}"#,
            ),
        ],
        plot: &["merge.sum.a.accuracy", "merge.sum.a.max_output_change", "hidden_overlap.1.value", "cross_talk.1.value"],
    },
    Preset {
        name: "merge-many",
        see: "summing K nets trained on K Gaussian tasks (n = 16) in d = 64: the merged accuracy on task a is 1.0 at K = 2 and falls to 0.69 by K = 8, once K·n exceeds d",
        explain: "Measured here, beyond the paper's two orthogonal tasks (assumed shallow setting, fixed output layer). Each extra task adds its net's response W^b x_a to every other task's inputs. With K tasks of n random inputs in dimension d, the overlaps add up until the summed net no longer fits anyone: capacity runs out around K·n ≈ d.",
        config: r#"{"seed": 9, "data": {"generator": "gaussian", "tasks": 4, "n": 16, "d": 64},
                    "net": {"widths": [128], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 1.0, "lambda": 0.02, "steps": 2000, "record_every": 100}}"#,
        grid: &["data.tasks=2;4;8;16"],
        variants: &[],
        plot: &["merge.sum.a.accuracy", "merge.sum.a.max_output_change"],
    },
    Preset {
        name: "merge-methods",
        see: SEE_MERGE_METHODS,
        explain: "Beyond the paper, which states only the sum, and measured here on the assumed shallow setting (fixed ±1/√m output layer). Seven ways to merge the same two nets as the overlap ρ of their tasks' inputs grows: sum (the paper's), mean, task arithmetic θ₀ + αΣ(θ_t − θ₀), RegMean (per layer the least-squares fit W = (ΣGᵢWᵢ)(ΣGᵢ + εI)⁻¹ to every net's outputs on its own inputs, Gᵢ = XᵢᵀXᵢ), TIES (trim each task vector to its top 20%, elect signs, disjoint mean), DARE (drop half of each task vector, rescale by 2) and the spectral merge (each W₁ cut to the singular directions holding 90% of Σσᵢ², then summed). Derived here: at ρ = 0 the sum is exact and RegMean's W₁ is the sum of the span-projected weights, the same thing once weight decay has confined each W₁ to its span. Here θ₀ is a random initialisation that weight decay erases, so every task vector θ_t − θ₀ carries −θ₀: the merge diagnostics show it (task cosine near 1 on orthogonal data). K·n = 60 > d = 40, so RegMean cannot simply interpolate both tasks.",
        config: r#"{"seed": 7, "data": {"generator": "mixing", "tasks": 2, "n": 30, "d": 40, "rho": 0.4},
                    "net": {"widths": [64], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 1.0, "lambda": 0.02, "steps": 2000, "record_every": 50},
                    "merge": {"methods": ["sum", "mean", "task_arithmetic", "regmean", "ties", "dare", "spectral"], "shared_init": true}}"#,
        grid: &["data.rho=0;0.1;0.2;0.4;0.6;0.8"],
        variants: &[],
        plot: &["merge.{method}.a.accuracy", "merge.{method}.a.max_output_change"],
    },
    Preset {
        name: "merge-digits",
        see: SEE_MERGE_DIGITS,
        explain: "Measured here, beyond the paper's synthetic orthogonal tasks, on the assumed shallow setting. Real data: 0 vs 1 (task a) and 7 vs 9 (task b) from the UCI 8×8 handwritten digits, 300 images each, one shallow ReLU net per task with a shared fixed output layer. Pixels are nonnegative, so every pair of images overlaps (⟨x_a, x_b⟩ > 0) and the summed net's W^b x_a is not zero: the merge costs accuracy. The disjoint variant gives task a only the top half of each image and task b only the bottom half: exactly orthogonal real inputs, and the sum is exact again. RegMean, which sees the inputs, is shown beside it.",
        config: r#"{"seed": 12, "data": {"generator": "digits", "tasks": 2, "n": 300, "d": 64, "digit_pairs": [[0, 1], [7, 9]]},
                    "net": {"widths": [64], "activation": "relu", "output": "fixed"},
                    "train": {"lr": 1.0, "lambda": 0.02, "steps": 2000, "record_every": 50},
                    "merge": {"methods": ["sum", "regmean"]}}"#,
        grid: &["variant=all;disjoint"],
        variants: &[
            ("all", r#"{"data": {"digit_pixels": "all"}}"#),
            ("disjoint", r#"{"data": {"digit_pixels": "disjoint"}}"#),
        ],
        plot: &[
            "merge.sum.a.accuracy",
            "merge.sum.b.accuracy",
            "merge.sum.a.max_output_change",
            "overlap.pairs.1.mean_abs_inner",
        ],
    },
    Preset {
        name: "assumptions",
        see: "one assumption at a time: layer norms agree to 0.01% in the baseline but differ by 6% with biases and 30% with gelu; minibatch SGD leaves the averaged cosine at 0.9988 and stopping at 300 steps at 0.88",
        explain: "The paper's statements are about stationary points; the derivations here also use a bias-free positively homogeneous net. Each variant drops one assumption (biases, a non-homogeneous activation, minibatches, stopping early). Alignment ∇L = −λθ holds at any stationary point, smooth or not; norm equality needs homogeneity and no biases (Euler's identity); the averaged cosine needs full batches and time. With gelu, task b's net collapses to zero (flagged), so its merge is trivial.",
        config: r#"{"seed": 10, "data": {"generator": "mixing", "tasks": 2, "n": 20, "d": 40, "rho": 0.2},
                    "net": {"widths": [32, 32], "activation": "relu"},
                    "train": {"lr": 0.2, "lambda": 0.02, "steps": 10000, "record_every": 100}}"#,
        grid: &["variant=baseline;bias;tanh;gelu;sgd;early_stop"],
        variants: &[
            ("baseline", "{}"),
            ("bias", r#"{"net": {"bias": true}}"#),
            ("tanh", r#"{"net": {"activation": "tanh"}}"#),
            ("gelu", r#"{"net": {"activation": "gelu"}}"#),
            ("sgd", r#"{"train": {"optimizer": "sgd", "batch_size": 5}}"#),
            ("early_stop", r#"{"train": {"steps": 300}}"#),
        ],
        plot: &["layers.1.alignment_cos_avg", "merge.sum.a.accuracy"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_validates_with_its_grid_and_variants() {
        for p in PRESETS {
            let c = p.config().unwrap_or_else(|e| panic!("{}: {e}", p.name));
            c.validate().unwrap_or_else(|e| panic!("{}: {e}", p.name));
            for (name, patch) in p.variants {
                let v: serde_json::Value = serde_json::from_str(patch).unwrap_or_else(|e| panic!("{}/{name}: {e}", p.name));
                overrides::apply_patch(&c, &v)
                    .unwrap()
                    .validate()
                    .unwrap_or_else(|e| panic!("{}/{name}: {e}", p.name));
            }
            assert!(!p.see.is_empty() && p.explain.len() > 80, "{}", p.name);
        }
        let mut names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PRESETS.len());
    }
}
