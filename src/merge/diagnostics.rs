//! Why a merge works or fails, measured on the nets themselves, for every
//! pair of task nets (a, b) and every trained layer k. With τ_k^t = W_k^t − W_k^{t,0}
//! the layer's task matrix (its change from the net's own initialisation):
//!
//! - task cosine ⟨τ_k^a, τ_k^b⟩_F / (‖τ_k^a‖_F‖τ_k^b‖_F): 0 when the two nets
//!   moved in unrelated directions, near 1 when they moved alike (e.g. both
//!   mostly decayed the same shared θ₀);
//! - sign conflicts: among entries where both τ's are nonzero, the fraction
//!   with opposite signs (what TIES's election resolves; 1/2 for unrelated τ's);
//! - top-n energy of each τ_k^t and of W_k^t: Σ_{i≤n}σᵢ²/Σσᵢ² with n the
//!   task's sample count, the rank ≤ n that weight decay gives W_k at a
//!   stationary point (trivially 1 when n ≥ min(rows, cols));
//! - singular-subspace overlap of the weights W_k^a and W_k^b (the matrices
//!   the paper's sum adds), on the input side (right singular vectors V, in
//!   the layer's input space: for k = 1 where the data live, and at a
//!   stationary point inside span(X_t)) and the output side (U): with Q_a, Q_b
//!   the top r_a, r_b directions (r = min(n, #{σᵢ > 10⁻³σ₁})), the largest
//!   cosine ‖Q_aᵀQ_b‖₂ and the mean squared cosine ‖Q_aᵀQ_b‖²_F/min(r_a, r_b)
//!   of the principal angles; when r_a + r_b exceeds the dimension a shared
//!   direction is forced (`forced`). (On the task matrices instead, a random
//!   θ₀ that weight decay erases would fill every direction and make any two
//!   subspaces overlap: the task cosine already shows that.)
//!
//! and, for every ordered pair, the loss of task a and of task b along the
//! interference path θ(t) = θ_a + t·(θ_b − θ₀^b), t ∈ [0, 1] (adding b's task
//! vector to net a; at t = 1 task arithmetic with α = 1), and along the path
//! θ_a + t·θ_b whose end is the paper's sum, on [`PATH_POINTS`] equally
//! spaced t. The barrier of a curve is max_t [L(t) − ((1 − t)L(0) + tL(1))]
//! (0 for a convex curve; the linear-mode-connectivity barrier of Frankle et
//! al. 2020). Fixed layers are shared and stay put.
//!
//! Definitions are standard (task vectors: Ilharco et al. 2023; sign
//! conflicts: Yadav et al. 2023); the choice of n and of the 10⁻³ cut is ours.

use super::report::SUBSPACE_REL_TOL;
use crate::analysis::spectrum;
use crate::data::{task_name, Dataset};
use crate::net::{loss, Net};
use ndarray::{s, Array2};
use serde::{Deserialize, Serialize};

/// Points t = 0, 0.1, …, 1 on each interference path.
pub const PATH_POINTS: usize = 11;

/// One unordered pair of nets at one trained layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerPair {
    pub a: String,
    pub b: String,
    /// 1-based layer index.
    pub layer: usize,
    /// cos(τ_a, τ_b) (None when a task matrix is zero, e.g. before training).
    pub task_cosine: Option<f64>,
    /// Fraction of commonly nonzero entries with opposite signs (None when there are none).
    pub sign_conflicts: Option<f64>,
    /// Largest principal cosine between the weights' input-side singular subspaces.
    pub input_overlap: Option<f64>,
    /// Mean squared principal cosine between the weights' input-side singular subspaces.
    pub input_overlap_mean: Option<f64>,
    /// Largest principal cosine between the weights' output-side singular subspaces.
    pub output_overlap: Option<f64>,
    /// Mean squared principal cosine between the weights' output-side singular subspaces.
    pub output_overlap_mean: Option<f64>,
    /// Directions r_a, r_b in the compared subspaces.
    pub rank_a: usize,
    pub rank_b: usize,
    /// Whether r_a + r_b exceeds a side's dimension, so some overlap is forced (input, output).
    pub forced: [bool; 2],
}

/// How low-rank one net's layer is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerEnergy {
    pub net: String,
    /// 1-based layer index.
    pub layer: usize,
    /// n: the directions counted (the task's sample count, at most min(rows, cols)).
    pub top: usize,
    /// Whether n ≥ min(rows, cols), so both energies are 1 by construction.
    pub trivial: bool,
    /// Energy of the task matrix τ in its top n singular directions.
    pub task_energy: Option<f64>,
    /// Energy of the weights W in their top n singular directions.
    pub weight_energy: Option<f64>,
}

/// Losses along one interference path for an ordered pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterferencePath {
    /// The net that is walked from (θ_a at t = 0).
    pub a: String,
    /// The net whose change is added.
    pub b: String,
    /// "task_vector": θ_a + t(θ_b − θ₀^b); "weights": θ_a + tθ_b.
    pub path: String,
    pub t: Vec<f64>,
    /// Loss on task a at each t (None where it is not finite).
    pub loss_a: Vec<Option<f64>>,
    /// Loss on task b at each t.
    pub loss_b: Vec<Option<f64>>,
    /// max_t of the loss above its chord, on task a and on task b (None if a loss is not finite).
    pub barrier_a: Option<f64>,
    pub barrier_b: Option<f64>,
}

/// `Some(x)` for finite x: JSON has no NaN, so an undefined value travels as `null`.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Every diagnostic of a run's nets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Unordered pairs (a, b), a before b, per trained layer.
    pub pairs: Vec<LayerPair>,
    /// Per net and trained layer.
    pub energy: Vec<LayerEnergy>,
    /// Ordered pairs a ≠ b, the task-vector path then the weights path.
    pub paths: Vec<InterferencePath>,
}

/// Energy fraction of the top `top` values of a descending spectrum (NaN if all are zero).
pub fn top_energy(s: &[f64], top: usize) -> f64 {
    let total: f64 = s.iter().map(|x| x * x).sum();
    if !(total > 0.0) {
        return f64::NAN;
    }
    s.iter().take(top).map(|x| x * x).sum::<f64>() / total
}

/// cos between two equally shaped matrices (NaN if either is zero).
pub fn cosine(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let (na, nb) = (a.iter().map(|x| x * x).sum::<f64>(), b.iter().map(|x| x * x).sum::<f64>());
    if na > 0.0 && nb > 0.0 {
        dot / libm::sqrt(na * nb)
    } else {
        f64::NAN
    }
}

/// Fraction of entries nonzero in both with opposite signs (NaN if none are nonzero in both).
pub fn sign_conflicts(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let (mut both, mut opposite) = (0usize, 0usize);
    for (&x, &y) in a.iter().zip(b) {
        if x != 0.0 && y != 0.0 {
            both += 1;
            if (x > 0.0) != (y > 0.0) {
                opposite += 1;
            }
        }
    }
    if both == 0 {
        f64::NAN
    } else {
        opposite as f64 / both as f64
    }
}

/// (largest principal cosine, mean squared principal cosine) of the column spans of orthonormal `qa`, `qb`.
pub fn subspace_overlap(qa: &Array2<f64>, qb: &Array2<f64>) -> (f64, f64) {
    let r = qa.ncols().min(qb.ncols());
    if r == 0 {
        return (f64::NAN, f64::NAN);
    }
    let c = qa.t().dot(qb);
    let max = spectrum::singular_values(c.view()).first().copied().unwrap_or(f64::NAN);
    let mean = c.iter().map(|x| x * x).sum::<f64>() / r as f64;
    (max.min(1.0), mean.min(1.0))
}

struct LayerSvd {
    u: Array2<f64>,
    v: Array2<f64>,
}

/// Top singular directions of a matrix: r = min(n, #{σᵢ > SUBSPACE_REL_TOL·σ₁}).
fn top_directions(svd: Option<&spectrum::Svd>, n: usize, shape: (usize, usize)) -> LayerSvd {
    match svd {
        Some(svd) => {
            let s1 = svd.s.first().copied().unwrap_or(0.0);
            let r = svd.s.iter().filter(|&&x| x > SUBSPACE_REL_TOL * s1 && x > 0.0).count().min(n);
            LayerSvd {
                u: svd.u.slice(s![.., ..r]).to_owned(),
                v: svd.v.slice(s![.., ..r]).to_owned(),
            }
        }
        None => LayerSvd {
            u: Array2::zeros((shape.0, 0)),
            v: Array2::zeros((shape.1, 0)),
        },
    }
}

/// θ_a + t·(θ_b − base) on trained layers (base = θ₀^b or zero).
fn walk(a: &Net, b: &Net, base: Option<&Net>, t: f64) -> Net {
    let mut out = a.clone();
    for k in (0..out.depth()).filter(|&k| out.trained[k]) {
        let (dw, db) = match base {
            Some(z) => (&b.params.w[k] - &z.params.w[k], &b.params.b[k] - &z.params.b[k]),
            None => (b.params.w[k].clone(), b.params.b[k].clone()),
        };
        out.params.w[k].scaled_add(t, &dw);
        out.params.b[k].scaled_add(t, &db);
    }
    out
}

fn barrier(l: &[f64], t: &[f64]) -> f64 {
    if l.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let (l0, l1) = (l[0], l[l.len() - 1]);
    l.iter()
        .zip(t)
        .map(|(&v, &t)| v - ((1.0 - t) * l0 + t * l1))
        .fold(f64::NEG_INFINITY, f64::max)
        .max(0.0)
}

/// Every diagnostic for `nets` (net t trained on `data.tasks[t]`, started from `inits[t]`).
pub fn diagnose(data: &Dataset, nets: &[&Net], inits: &[&Net], loss_kind: crate::config::Loss) -> Diagnostics {
    let depth = nets[0].depth();
    let k = nets.len();
    let mut out = Diagnostics::default();
    let trained: Vec<usize> = (0..depth).filter(|&l| nets[0].trained[l]).collect();
    // Per net, per trained layer: the task matrix and the weights' top directions.
    let mut taus: Vec<Vec<Array2<f64>>> = Vec::with_capacity(k);
    let mut dirs: Vec<Vec<LayerSvd>> = Vec::with_capacity(k);
    for t in 0..k {
        let n = data.tasks[t].x.nrows();
        let mut tl = Vec::new();
        let mut dl = Vec::new();
        for &l in &trained {
            let w = &nets[t].params.w[l];
            let tau = w - &inits[t].params.w[l];
            let svd = spectrum::thin_svd(w.view());
            let full = w.nrows().min(w.ncols());
            let top = n.min(full);
            let task_energy = top_energy(&spectrum::singular_values(tau.view()), top);
            let weight_energy = svd.as_ref().map_or(f64::NAN, |s| top_energy(&s.s, top));
            out.energy.push(LayerEnergy {
                net: task_name(t),
                layer: l + 1,
                top,
                trivial: top == full,
                task_energy: finite(task_energy),
                weight_energy: finite(weight_energy),
            });
            dl.push(top_directions(svd.as_ref(), n, w.dim()));
            tl.push(tau);
        }
        taus.push(tl);
        dirs.push(dl);
    }
    for a in 0..k {
        for b in a + 1..k {
            for (i, &l) in trained.iter().enumerate() {
                let (ta, tb) = (&taus[a][i], &taus[b][i]);
                let (da, db) = (&dirs[a][i], &dirs[b][i]);
                let (in_max, in_mean) = subspace_overlap(&da.v, &db.v);
                let (out_max, out_mean) = subspace_overlap(&da.u, &db.u);
                let (ra, rb) = (da.v.ncols(), db.v.ncols());
                out.pairs.push(LayerPair {
                    a: task_name(a),
                    b: task_name(b),
                    layer: l + 1,
                    task_cosine: finite(cosine(ta, tb)),
                    sign_conflicts: finite(sign_conflicts(ta, tb)),
                    input_overlap: finite(in_max),
                    input_overlap_mean: finite(in_mean),
                    output_overlap: finite(out_max),
                    output_overlap_mean: finite(out_mean),
                    rank_a: ra,
                    rank_b: rb,
                    forced: [ra + rb > ta.ncols(), ra + rb > ta.nrows()],
                });
            }
        }
    }
    let ts: Vec<f64> = (0..PATH_POINTS).map(|i| i as f64 / (PATH_POINTS - 1) as f64).collect();
    for a in 0..k {
        for b in (0..k).filter(|&b| b != a) {
            for (name, base) in [("task_vector", Some(inits[b])), ("weights", None)] {
                let (mut la, mut lb) = (Vec::new(), Vec::new());
                for &t in &ts {
                    let net = walk(nets[a], nets[b], base, t);
                    for (task, acc) in [(a, &mut la), (b, &mut lb)] {
                        let x = &data.tasks[task];
                        acc.push(loss::value(loss_kind, net.forward(x.x.view()).view(), x.y.view()));
                    }
                }
                out.paths.push(InterferencePath {
                    a: task_name(a),
                    b: task_name(b),
                    path: name.to_string(),
                    barrier_a: finite(barrier(&la, &ts)),
                    barrier_b: finite(barrier(&lb, &ts)),
                    t: ts.clone(),
                    loss_a: la.into_iter().map(finite).collect(),
                    loss_b: lb.into_iter().map(finite).collect(),
                });
            }
        }
    }
    out
}
