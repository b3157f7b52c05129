//! The `definitions` object of a bundle's `run.json`: what each reported
//! number is, with the constants the code uses (taken from the code, so the
//! text cannot drift from it), so a reader can recompute every number from the
//! exported `.npy` files. Sources are marked: the paper (Kuzborskij &
//! Abbasi-Yadkori, AISTATS 2026), derived here, or this lab's convention.

use crate::analysis::{collapse, rounding, spectrum};
use crate::merge::report::{BOUND_SLACK, SUBSPACE_REL_TOL};
use crate::train::metrics::SPAN_REL_TOL;
use crate::train::{CHECKPOINT_EVERY, CHECKPOINT_JUMP};
use serde_json::{json, Value};

/// Every definition, keyed by the `final` field (or file) it explains.
pub fn definitions() -> Value {
    let eps = f64::EPSILON;
    json!({
        "objective": "F(θ) = L(θ) + (λ/2)‖θ‖² over the trained layers, L the mean loss over the n training points. The paper writes λ‖θ‖², so its λ is half of ours (convention from secondary summaries of the paper, as is the logistic loss).",
        "weights": "weights/<net>/Wk.npy has shape (fan_out, fan_in), f(x) = W_L σ(… σ(W_1 x + b_1) …) + b_L; bk.npy only with biases; fixed layers included.",
        "gradient_avg": "gradient_avg/<task>/Gk.npy (gbk.npy for biases): the gradient's exponential moving average ḡ ← β·ḡ + (1 − β)·∇L (β = train.ema), started at the first gradient, at the reported state; before the first step, the current gradient. Zero for layers that do not train.",
        "alignment_cos": "cos(W_k, −∇_{W_k}L) = −⟨W_k, G_k⟩ / (‖W_k‖_F ‖G_k‖_F), G_k the full-batch gradient at the reported weights (recompute from weights and data); alignment_cos_avg uses ḡ_k (gradient_avg). Null for a layer that does not train, when a norm is 0, or when the gradient is at rounding level.",
        "gradient_at_rounding_level": format!("gradient_noise is a first-order bound on the rounding error of the computed ‖∇_{{W_k, b_k}}L‖ (src/analysis/rounding.rs: entrywise |A||B| products times (m + 2)·ε through the forward and backward pass, ε = {eps:e}); when gradient_norm ≤ {}·gradient_noise the gradient (its average: gradient_avg_norm) is at rounding level and the cosine from it is reported as null, not a number.", rounding::MEANINGFUL),
        "stationarity": format!("ρ = ‖∇L + λθ‖ / ‖λθ‖ over the trained parameters (at λ = 0: ‖∇L‖/‖θ‖). Null, with stationarity_at_rounding_level, when ‖∇L + λθ‖ ≤ {}·(√Σ_k gradient_noise_k² + 2ε‖λθ‖).", rounding::MEANINGFUL),
        "norm_identity": "norm_identity_lhs = λ‖W_k‖²_F for a trained layer (null, n/a, for a fixed or frozen layer, which the identity does not cover); norm_identity_rhs = (1/n)Σᵢ⟨−∂ℓ/∂fᵢ, fᵢ⟩. Norm preservation (the paper): equal at a stationary point; the identity itself is derived here from Euler's identity for homogeneous bias-free nets.",
        "frobenius": "‖W_k‖_F, computed with entries scaled by a power of two before squaring when they leave [2^-480, 2^480] (src/analysis/scaled.rs), so finite weights give finite norms.",
        "singular_values": "of W_k itself (faer's bidiagonal SVD, not through a QR that drops nearly dependent columns), descending, min(rows, cols) of them.",
        "stable_rank": "‖W_k‖²_F / ‖W_k‖²_2 = Σσᵢ² / σ₁².",
        "effective_rank": "exp(H(p)), pᵢ = σᵢ / Σⱼσⱼ, H the Shannon entropy with natural logarithms (Roy & Vetterli 2007); 0 for the zero matrix.",
        "numerical_rank": format!("#{{σᵢ > rank_tolerance}}, rank_tolerance = max(rows, cols)·ε·σ₁ (NumPy's matrix_rank default), ε = {eps:e}. svd_error = 2·√max(rows, cols)·ε·σ₁ bounds how far a computed σᵢ is from the exact one (measured ≤ 5·ε·σ₁ against 60-digit values); when some σᵢ lies within svd_error of the tolerance, numerical_rank is null and the rank is one of numerical_rank_min..numerical_rank_max."),
        "balance": "‖D_k‖_F and ‖diag D_k‖_2 with D_k = W_{k+1}ᵀW_{k+1} − W_kW_kᵀ (width_k × width_k). Derived here: under gradient flow ‖D_k(t)‖ = e^{−2λt}‖D_k(0)‖ for linear nets, and for the diagonal of ReLU nets.",
        "outside_span": format!("‖W_1(I − QQᵀ)‖_F / ‖W_1‖_F with Q an orthonormal basis of span{{xᵢ}}: the right singular vectors of X with σᵢ > {SPAN_REL_TOL:e}·σ₁. Derived here: under GD it shrinks by exactly (1 − ηλ) per step."),
        "rank_bound": "derived here (not the paper's constants), logistic loss, homogeneous σ, no biases: √(Π s_k) ≤ P_F^{1−2/L}·max‖x‖·L̂/λ with all layers trained, s(W) ≤ (‖a‖·max‖x‖·L̂/λ)²/‖W‖²_F with a fixed outer layer a; holds at stationary points only.",
        "collapsed": format!("this lab's definition: every output exactly 0, or ‖θ‖ ≤ {tol:e}·‖θ₀‖ (theta_norm, initial_theta_norm, trained layers) with |L − ℓ(0)| ≤ {tol:e}·ℓ(0), ℓ(0) = zero_output_loss, the loss of an all-zero output. A collapsed net's ranks are trivial.", tol = collapse::COLLAPSE_TOL),
        "diverged": format!("false, or the step and quantity (loss, gradient, weights) that became non-finite. Everything reported is then the last checkpoint's state (θ, ḡ, step, loss, SGD generator): one is considered every {CHECKPOINT_EVERY} steps and kept only if its loss and gradient are finite and the loss is at most {CHECKPOINT_JUMP}× the last kept one's. Gradient flow rejects a non-finite trial step and retries with h/5; it diverges only at a non-finite accepted state."),
        "merge": "merge.<net>.<task>: loss, accuracy (the fraction of outputs whose sign matches the target's; f = 0 counts as wrong) and max_output_change = maxᵢ |f_net(xᵢ) − f_own(xᵢ)| over the task's inputs, f_own the task's own net. sum (the paper's merge): trained layers added, fixed layers copied once; mean: averaged; task_arithmetic: θ₀ + α·Σ_t(θ_t − θ₀) (α = merge.alpha) with θ₀ the shared initial weights (it requires merge.shared_init; weights_init/a, equal for every task).",
        "cross_talk": "{a, b, layer 1, value}: ‖W_1^b X_aᵀ‖_F, how much net b's first layer responds to task a's inputs (X_a rows are inputs).",
        "hidden_overlap": format!("{{a, b, layer k, value}}: ‖U_aᵀU_b‖_2, U_t an orthonormal basis of the column space of net t's W_k: its left singular vectors with σᵢ > {SUBSPACE_REL_TOL:e}·σ₁ (1 = a shared direction, 0 = orthogonal)."),
        "merge_bound": format!("derived here (not the paper's constant), shallow net with a shared fixed outer layer A, σ 1-Lipschitz, no bias: |f_sum(x) − f_own(x)| ≤ (‖A‖²₂/(λn_b))Σᵢ‖ℓ′_{{b,i}}‖·|⟨xᵢᵇ, x⟩| + ‖A‖₂‖R_b x‖/λ, R_b = ∇L_b + λW^b, at any iterate; holds = true when change ≤ bound·(1 + {BOUND_SLACK:e}) + {BOUND_SLACK:e}·|f_own(x)| at every x."),
        "overlap": format!("data overlap per task pair: max and mean |⟨x_a, x_b⟩| over pairs of inputs, and principal angles (degrees) between span(X_a) and span(X_b), bases cut at σᵢ > {:e}·σ₁.", spectrum::ANGLE_BASIS_REL_TOL),
    })
}
