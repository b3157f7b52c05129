//! Evaluation of merged nets on every task, and the quantities that explain
//! the result: input cross-talk ‖W_1^B X_Aᵀ‖_F, overlap ‖U_AᵀU_B‖₂ of the
//! nets' hidden subspaces (column spaces of W_k, directions with σᵢ above
//! [`SUBSPACE_REL_TOL`]·σ₁), the shallow bound where it applies, what each
//! method did ([`super::MergeDetail`]) and the pairwise diagnostics
//! ([`super::diagnostics`]).

use super::diagnostics::{self, Diagnostics};
use super::{bound, MergeDetail, MergeInputs, NetId};
use crate::analysis::spectrum;
use crate::config::{MergeMethod, ValidConfig};
use crate::data::{task_name, Dataset};
use crate::net::{loss, Net};
use crate::train::max_abs_diff;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Singular directions below this fraction of σ₁ are not part of a layer's
/// hidden subspace (they are what weight decay is still shrinking).
pub const SUBSPACE_REL_TOL: f64 = 1e-3;

/// Relative slack of the bound check: |change(x)| ≤ bound(x)·(1 + s) + s·|f_own(x)| (rounding).
pub const BOUND_SLACK: f64 = 1e-12;

/// One net evaluated on one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetOnTask {
    /// "a", "b", … for individual nets; "sum", "mean", "task_arithmetic" for merges.
    pub net: String,
    pub task: String,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub loss: f64,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub accuracy: f64,
    /// max over the task's inputs of |f_net(x) − f_task's own net(x)| (0 for the own net).
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub max_output_change: f64,
}

/// A quantity for an ordered pair of tasks (and a layer, where it applies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairValue {
    pub a: String,
    pub b: String,
    /// 1-based layer index (0 when not layer-specific).
    pub layer: usize,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub value: f64,
}

/// The shallow bound checked on one task for the `sum` merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundCheck {
    pub task: String,
    /// max over x ∈ X_task of |f_sum(x) − f_task(x)|.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub max_change: f64,
    /// max over x of the bound at x.
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub max_bound: f64,
    /// Whether |change(x)| ≤ bound(x) at every x (with slack 1e-12·(bound(x) + |f_own(x)|) for rounding).
    pub holds: bool,
}

/// Everything about merging one run's nets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeReport {
    /// Every net on every task: individual nets first, then each merge method.
    pub evals: Vec<NetOnTask>,
    /// ‖W_1^b X_aᵀ‖_F for ordered pairs a ≠ b: how much net b responds to task a's inputs.
    pub cross_talk: Vec<PairValue>,
    /// ‖U_aᵀU_b‖₂ per hidden layer for unordered pairs (1 = a shared direction, 0 = orthogonal).
    pub hidden_overlap: Vec<PairValue>,
    /// The shallow bound per task, when its assumptions hold (else empty).
    pub bound: Vec<BoundCheck>,
    /// What each merge method did, in `merge.methods` order.
    #[serde(default)]
    pub methods: Vec<MergeDetail>,
    /// Pairwise diagnostics of the task nets.
    #[serde(default)]
    pub diagnostics: Diagnostics,
}

impl MergeReport {
    /// The evaluation of `net` on `task`, if present.
    pub fn get(&self, net: &str, task: &str) -> Option<&NetOnTask> {
        self.evals.iter().find(|e| e.net == net && e.task == task)
    }
}

fn hidden_basis(w: &Array2<f64>) -> Array2<f64> {
    match spectrum::thin_svd(w.view()) {
        Some(svd) => {
            let s1 = svd.s.first().copied().unwrap_or(0.0);
            let r = svd.s.iter().filter(|&&s| s > SUBSPACE_REL_TOL * s1 && s > 0.0).count();
            svd.u.slice(ndarray::s![.., ..r]).to_owned()
        }
        None => Array2::zeros((w.nrows(), 0)),
    }
}

/// The inputs of a merge of `nets` (trained on `data.tasks`, started from `inits`).
pub fn inputs<'a>(data: &'a Dataset, nets: &'a [Net], inits: &[&'a Net]) -> MergeInputs<'a> {
    MergeInputs {
        nets: nets.iter().collect(),
        inits: inits.to_vec(),
        inputs: data.tasks.iter().map(|t| t.x.view()).collect(),
    }
}

/// Evaluate individual and merged nets on every task. `nets[t]` was trained on
/// `data.tasks[t]` from `inits[t]` (all equal under `merge.shared_init`).
pub fn evaluate(cfg: &ValidConfig, data: &Dataset, nets: &[Net], inits: &[&Net]) -> MergeReport {
    let loss_kind = cfg.train.loss;
    let inp = inputs(data, nets, inits);
    let (merged, methods): (Vec<(MergeMethod, Net)>, Vec<MergeDetail>) = super::merged_nets(cfg, &inp)
        .into_iter()
        .map(|(name, net, detail)| ((name, net), detail))
        .unzip();
    let own_outputs: Vec<Array2<f64>> = nets.iter().zip(&data.tasks).map(|(n, t)| n.forward(t.x.view())).collect();
    let mut evals = Vec::new();
    let named = nets
        .iter()
        .enumerate()
        .map(|(i, n)| (NetId::Task(i), n))
        .chain(merged.iter().map(|(m, n)| (NetId::Merged(*m), n)));
    for (id, net) in named {
        for (t, task) in data.tasks.iter().enumerate() {
            let f = if id == NetId::Task(t) {
                own_outputs[t].clone()
            } else {
                net.forward(task.x.view())
            };
            evals.push(NetOnTask {
                net: id.to_string(),
                task: task.name.clone(),
                loss: loss::value(loss_kind, f.view(), task.y.view()),
                accuracy: loss::accuracy(f.view(), task.y.view()),
                max_output_change: max_abs_diff(f.view(), own_outputs[t].view()),
            });
        }
    }

    let mut cross_talk = Vec::new();
    for (a, ta) in data.tasks.iter().enumerate() {
        for (b, nb) in nets.iter().enumerate() {
            if a != b {
                let m = nb.params.w[0].dot(&ta.x.t());
                cross_talk.push(PairValue {
                    a: task_name(a),
                    b: task_name(b),
                    layer: 1,
                    value: crate::analysis::scaled::sum_sq(m.iter().copied()).norm(),
                });
            }
        }
    }

    let mut hidden_overlap = Vec::new();
    let depth = nets[0].depth();
    for layer in 0..depth.saturating_sub(1) {
        let bases: Vec<Array2<f64>> = nets.iter().map(|n| hidden_basis(&n.params.w[layer])).collect();
        for a in 0..nets.len() {
            for b in a + 1..nets.len() {
                let value = if bases[a].ncols() == 0 || bases[b].ncols() == 0 {
                    0.0
                } else {
                    spectrum::singular_values(bases[a].t().dot(&bases[b]).view())
                        .first()
                        .copied()
                        .unwrap_or(0.0)
                };
                hidden_overlap.push(PairValue {
                    a: task_name(a),
                    b: task_name(b),
                    layer: layer + 1,
                    value,
                });
            }
        }
    }

    let mut checks = Vec::new();
    let lambda = cfg.train.lambda;
    let sum_net = merged.iter().find(|(m, _)| *m == MergeMethod::Sum).map(|(_, n)| n);
    if let Some(sum_net) = sum_net.filter(|_| nets.iter().all(|n| bound::applies(n, lambda))) {
        for (a, ta) in data.tasks.iter().enumerate() {
            let mut b_total = ndarray::Array1::zeros(ta.x.nrows());
            for (b, tb) in data.tasks.iter().enumerate() {
                if b != a {
                    b_total += &bound::contribution(&nets[b], tb.x.view(), tb.y.view(), loss_kind, lambda, ta.x.view());
                }
            }
            let change = sum_net.forward(ta.x.view()) - &own_outputs[a];
            let per_x: Vec<f64> = change.outer_iter().map(|r| libm::sqrt(r.iter().map(|v| v * v).sum())).collect();
            // Rounding slack: the outputs themselves carry ~1e-16 relative error,
            // so at exact orthogonality (bound 0) a change of that size is noise.
            let scale: Vec<f64> = own_outputs[a]
                .outer_iter()
                .map(|r| libm::sqrt(r.iter().map(|v| v * v).sum()))
                .collect();
            let holds = per_x
                .iter()
                .zip(b_total.iter())
                .zip(&scale)
                .all(|((&c, &bd), &f)| c <= bd * (1.0 + BOUND_SLACK) + BOUND_SLACK * f + 1e-300);
            checks.push(BoundCheck {
                task: ta.name.clone(),
                max_change: per_x.iter().cloned().fold(0.0, f64::max),
                max_bound: b_total.iter().cloned().fold(0.0, f64::max),
                holds,
            });
        }
    }

    MergeReport {
        evals,
        cross_talk,
        hidden_overlap,
        bound: checks,
        methods,
        diagnostics: diagnostics::diagnose(data, &inp.nets, inits, loss_kind),
    }
}
