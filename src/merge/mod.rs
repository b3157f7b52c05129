//! Model merging: K nets (one per task, same architecture, same fixed
//! layers) become one. Each method is in its own file with its formula and
//! source: `arithmetic` (sum, mean, task_arithmetic), `regmean`, `ties`,
//! `dare`, `spectral`; `task_vector` holds what the task-vector methods share.
//!
//! Why `sum` works (the paper states that it does for shallow ReLU nets under
//! GD and deep linear nets under gradient flow; this mechanism is derived
//! here): with weight decay,
//! ∇_{W_1}L_t lies in span(X_t), and at stationarity W_1^t = −∇_{W_1}L_t/λ, so
//! W_1^t's rows lie in span(X_t). If X_A ⟂ X_B then W_1^B x_A = 0 and the
//! summed net computes f_A on task A exactly (shallow, with the fixed outer
//! layer this lab assumes).
//!
//! `diagnostics` measures, for every pair of nets, what decides whether a
//! merge can work (task-vector cosine, sign conflicts, low-rank energy,
//! singular-subspace overlap, the loss along the interference path).

pub mod arithmetic;
pub mod bound;
pub mod dare;
pub mod diagnostics;
pub mod regmean;
pub mod report;
pub mod spectral;
pub mod task_vector;
pub mod ties;

pub use report::{evaluate, MergeReport};

use crate::config::{MergeConfig, MergeMethod};
use crate::net::Net;
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// What a merge may use besides the method's parameters.
#[derive(Debug, Clone)]
pub struct MergeInputs<'a> {
    /// One net per task, all of one architecture with equal fixed layers.
    pub nets: Vec<&'a Net>,
    /// Each net's initialisation θ₀ᵗ (all equal under `merge.shared_init`,
    /// which the task-vector methods require; they use the first).
    pub inits: Vec<&'a Net>,
    /// Each task's inputs X_t (n_t × d), for RegMean's Gram matrices.
    pub inputs: Vec<ArrayView2<'a, f64>>,
}

/// What a method did, beyond its weights (the page and `run.json` show it):
/// `method` and the one section that method fills. (A struct rather than a
/// tagged enum: a tagged enum's deserializer would cost the page's wasm
/// module several KB.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeDetail {
    pub method: MergeMethod,
    /// task_arithmetic, ties, dare: the scale α of the merged task vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// regmean: per trained layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regmean: Option<Vec<regmean::RegmeanLayer>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ties: Option<ties::TiesInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dare: Option<dare::DareInfo>,
    /// spectral: the rank kept per net (outer, task order) and layer (inner; 0 for untrained layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spectral_ranks: Option<Vec<Vec<usize>>>,
}

impl MergeDetail {
    fn of(method: MergeMethod) -> MergeDetail {
        MergeDetail {
            method,
            alpha: None,
            regmean: None,
            ties: None,
            dare: None,
            spectral_ranks: None,
        }
    }
}

/// Merge by `method` with the parameters of `mc`.
pub fn merge_with(method: MergeMethod, mc: &MergeConfig, inp: &MergeInputs) -> (Net, MergeDetail) {
    let nets = &inp.nets;
    let init = inp.inits[0];
    let mut d = MergeDetail::of(method);
    let net = match method {
        MergeMethod::Sum => arithmetic::sum(nets),
        MergeMethod::Mean => arithmetic::mean(nets),
        MergeMethod::TaskArithmetic => {
            d.alpha = Some(mc.alpha);
            arithmetic::task_arithmetic(nets, init, mc.alpha)
        }
        MergeMethod::Regmean => {
            let (net, layers) = regmean::regmean(nets, &inp.inputs, mc.regmean_ridge);
            d.regmean = Some(layers);
            net
        }
        MergeMethod::Ties => {
            let (net, info) = ties::ties(nets, init, mc.ties_k, mc.alpha);
            (d.alpha, d.ties) = (Some(mc.alpha), Some(info));
            net
        }
        MergeMethod::Dare => {
            let (net, info) = dare::dare(nets, init, mc.dare_p, mc.dare_seed, mc.alpha);
            (d.alpha, d.dare) = (Some(mc.alpha), Some(info));
            net
        }
        MergeMethod::Spectral => {
            let rule = if mc.spectral_rank > 0 {
                spectral::RankRule::Fixed(mc.spectral_rank)
            } else {
                spectral::RankRule::Energy(mc.spectral_energy)
            };
            let (net, ranks) = spectral::spectral(nets, rule);
            d.spectral_ranks = Some(ranks);
            net
        }
    };
    (net, d)
}

/// Merge `nets` by `method` without task inputs (every method but RegMean)
/// from the shared θ₀ `init` and scale `alpha`, other parameters at their defaults.
pub fn merge(method: MergeMethod, nets: &[&Net], init: &Net, alpha: f64) -> Net {
    assert!(method != MergeMethod::Regmean, "RegMean needs the tasks' inputs: use merge_with");
    let mc = MergeConfig {
        alpha,
        ..MergeConfig::default()
    };
    let inp = MergeInputs {
        nets: nets.to_vec(),
        inits: vec![init; nets.len()],
        inputs: Vec::new(),
    };
    merge_with(method, &mc, &inp).0
}

/// Every merge method of the config applied, in the config's order, with what each did.
pub fn merged_nets(cfg: &crate::config::ValidConfig, inp: &MergeInputs) -> Vec<(MergeMethod, Net, MergeDetail)> {
    cfg.merge
        .methods
        .iter()
        .map(|&m| {
            let (net, detail) = merge_with(m, &cfg.merge, inp);
            (m, net, detail)
        })
        .collect()
}

/// Which net of a run: task `i`'s own net, or a merge of all of them. Its
/// display name ("a", "b", …, "a1" from the 27th task; "sum", "mean", …) is
/// what files, JSON and the page use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetId {
    /// The net trained on task `i` (0-based, `data::task_name(i)`).
    Task(usize),
    /// The merge of every task's net by this method.
    Merged(MergeMethod),
}

impl NetId {
    /// The net named `name` in a run of `tasks` tasks (task names first: no
    /// method's name is a task name).
    pub fn parse(name: &str, tasks: usize) -> Option<NetId> {
        (0..tasks)
            .find(|&i| crate::data::task_name(i) == name)
            .map(NetId::Task)
            .or_else(|| MergeMethod::from_name(name).map(NetId::Merged))
    }
}

impl std::fmt::Display for NetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetId::Task(i) => f.write_str(&crate::data::task_name(*i)),
            NetId::Merged(m) => f.write_str(m.name()),
        }
    }
}

/// For linear nets (σ = identity, no bias): f_sum(x) − f_own(x) written as
/// the sum of every cross term Π_k W_k^{t_k} x with (t_1, …, t_L) ≠ (own, …, own),
/// for inputs X (n × d); returns n × out. The K^L products are enumerated, so
/// keep K^L small (it is for the tests and the `merge-deep` explanation).
pub fn linear_cross_terms(nets: &[&Net], own: usize, x: ndarray::ArrayView2<f64>) -> ndarray::Array2<f64> {
    let depth = nets[0].depth();
    let k = nets.len();
    let total = k.pow(depth as u32);
    let mut acc = ndarray::Array2::zeros((x.nrows(), nets[0].params.w[depth - 1].nrows()));
    for code in 0..total {
        let mut c = code;
        let mut choice = Vec::with_capacity(depth);
        for _ in 0..depth {
            choice.push(c % k);
            c /= k;
        }
        if choice.iter().all(|&t| t == own) {
            continue;
        }
        let mut a = x.to_owned();
        for (l, &t) in choice.iter().enumerate() {
            a = a.dot(&nets[t].params.w[l].t());
        }
        acc += &a;
    }
    acc
}
