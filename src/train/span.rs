//! Span steps: full-batch GD on the first layer in the coordinates of the
//! low-rank argument (derived here: W_1's rows move only within span(X), the
//! rest shrinks by (1 − ηλ) per step), exact up to rounding.
//!
//! With inputs X (n × d), ∇_{W_1} L = G_1ᵀ X, so GD with weight decay,
//! W_1 ← c_t·W_1 − η_t·G_1ᵀ X (c_t = 1 − η_t λ_t), keeps
//!   W_1(t) = s_t·B + P_t·X,   s_{t+1} = c_t·s_t,   P_{t+1} = c_t·P_t − η_t·G_1ᵀ
//! from a base B (the initial W_1, or the W_1 training resumed from), s_0 = 1,
//! P_0 = 0. The step then needs Z_1ᵀ = W_1 Xᵀ = s·(B Xᵀ) + P·K with the Gram
//! matrix K = X Xᵀ (n × n): one product of width_1·n·n multiply-adds replaces
//! the forward W_1 Xᵀ and the gradient G_1ᵀ X (2·width_1·d·n), and nothing
//! of size width_1 × d is touched. It pays when n ≤ d (W1: n = 20, d = 100;
//! W3: n = d = 256, which halves layer 1's work).
//!
//! The gradient's EMA has the same form: ema_1 = e·E + Q·X with e ← β·e and
//! Q ← β·Q + (1 − β)·G_1ᵀ. W_1, its EMA and the recovery checkpoint are
//! written out as matrices ([`Span::materialize`]) when something reads
//! them: at history records, at the end of `Trainer::advance`, or on
//! `Trainer::sync_matrices` after `advance_deferred`. The products are associated differently from
//! the direct step, so the two agree to rounding, not bit for bit
//! (tests/span.rs bounds the difference).

use super::state::StateError;
use crate::net::backprop::SpanInput;
use crate::net::gemm::matmul;
use crate::net::simd;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Span coordinates as a run's exported state keeps them (`TrainerState::span`),
/// so that an imported run continues bit for bit. W_1, its EMA and the
/// checkpoint are in the state as matrices too; these are what produced them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpanState {
    /// B (width_1 × d); absent when it is the initial W_1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Array2<f64>>,
    pub s: f64,
    /// P, width_1 × n.
    pub p: Array2<f64>,
    /// E (width_1 × d); absent when e = 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ema_base: Option<Array2<f64>>,
    pub e: f64,
    /// Q, width_1 × n.
    pub q: Array2<f64>,
    /// (s, P) at the last checkpoint, when the checkpoint is in these coordinates
    /// (absent when it predates them: then the state's checkpoint matrix is it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<(f64, Array2<f64>)>,
    /// (e, Q) of the gradient's average at the last checkpoint, likewise (the
    /// state's `checkpoint_rest.ema` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_ema: Option<(f64, Array2<f64>)>,
}

/// Below this a factor s or e is flushed to 0: its term no longer changes
/// any weight, and subnormal factors would slow every step.
const FLUSH: f64 = 1e-290;

/// Whether span steps do less work than direct ones for n samples of dimension d.
pub fn pays(n: usize, d: usize) -> bool {
    n <= d
}

/// Layer 1 of a GD trainer in span coordinates (see the module header).
#[derive(Debug, Clone)]
pub struct Span {
    /// K = X Xᵀ, n × n.
    gram: Array2<f64>,
    /// B, width_1 × d.
    base: Array2<f64>,
    /// B Xᵀ, width_1 × n.
    base_zt: Array2<f64>,
    s: f64,
    /// P, width_1 × n.
    p: Array2<f64>,
    /// E, the EMA's base, width_1 × d.
    ema_base: Array2<f64>,
    e: f64,
    /// Q, width_1 × n.
    q: Array2<f64>,
    /// (s, P) at the trainer's last checkpoint, if it is in these coordinates.
    check_s: f64,
    check_p: Array2<f64>,
    /// (e, Q) at the last checkpoint, if it is in these coordinates.
    check_e: f64,
    check_q: Array2<f64>,
    check_ema_valid: bool,
    check_valid: bool,
    /// Whether the checkpoint's matrix lags (s, P) of the checkpoint.
    check_fresh: bool,
    /// Whether the checkpoint's EMA lags (e, Q) (a checkpoint taken in these coordinates).
    check_ema_fresh: bool,
}

impl Span {
    /// Span coordinates for W_1 = `w` and ema_1 = `ema` (both width_1 × d) on inputs `x` (n × d);
    /// `checkpoint_at_base`: whether the trainer's checkpoint of W_1 equals `w`, and its EMA `ema`.
    pub fn new(x: ArrayView2<f64>, w: ArrayView2<f64>, ema: ArrayView2<f64>, checkpoint_at_base: (bool, bool)) -> Span {
        let (n, m) = (x.nrows(), w.nrows());
        let mut gram = Array2::zeros((n, n));
        matmul(gram.view_mut(), x, x.t(), 1.0, false);
        let mut sp = Span {
            gram,
            base: w.to_owned(),
            base_zt: Array2::zeros((m, n)),
            s: 1.0,
            p: Array2::zeros((m, n)),
            ema_base: ema.to_owned(),
            e: 1.0,
            q: Array2::zeros((m, n)),
            check_s: 1.0,
            check_p: Array2::zeros((m, n)),
            check_e: 1.0,
            check_q: Array2::zeros((m, n)),
            check_ema_valid: false,
            check_valid: false,
            check_fresh: false,
            check_ema_fresh: false,
        };
        sp.rebase(x, w, ema, checkpoint_at_base);
        sp
    }

    /// Start again from W_1 = `w`, ema_1 = `ema` (after a reset, a restored
    /// checkpoint or an imported state); `checkpoint_at_base` as for [`Span::new`].
    pub fn rebase(&mut self, x: ArrayView2<f64>, w: ArrayView2<f64>, ema: ArrayView2<f64>, checkpoint_at_base: (bool, bool)) {
        self.base.assign(&w);
        matmul(self.base_zt.view_mut(), w, x.t(), 1.0, false);
        self.s = 1.0;
        self.p.fill(0.0);
        self.ema_base.assign(&ema);
        self.e = 1.0;
        self.q.fill(0.0);
        self.check_s = 1.0;
        self.check_p.fill(0.0);
        self.check_e = 1.0;
        self.check_q.fill(0.0);
        (self.check_valid, self.check_ema_valid) = checkpoint_at_base;
        self.check_fresh = false;
        self.check_ema_fresh = false;
    }

    /// The coordinates to export; `initial` is the initial W_1 (a base equal to it is
    /// left out); `ema_ready` false exports the EMA as not started (Q = 0, e = 0).
    pub fn state(&self, initial: &Array2<f64>, ema_ready: bool, with_check: bool) -> SpanState {
        let ema_kept = ema_ready && self.q.iter().all(|v| v.is_finite()) && (self.e == 0.0 || self.ema_base.iter().all(|v| v.is_finite()));
        SpanState {
            base: (self.base != *initial).then(|| self.base.clone()),
            s: self.s,
            p: self.p.clone(),
            ema_base: (ema_kept && self.e != 0.0).then(|| self.ema_base.clone()),
            e: if ema_kept { self.e } else { 0.0 },
            q: if ema_kept {
                self.q.clone()
            } else {
                Array2::zeros(self.q.raw_dim())
            },
            check: (with_check && self.check_valid).then(|| (self.check_s, self.check_p.clone())),
            check_ema: (with_check && ema_kept && self.check_ema_valid).then(|| (self.check_e, self.check_q.clone())),
        }
    }

    /// Span coordinates from an exported state (checked by [`check_state`]); the
    /// next [`Span::materialize`] writes W_1, its EMA and (if in these
    /// coordinates) the checkpoint out of them.
    pub fn from_state(x: ArrayView2<f64>, initial: ArrayView2<f64>, st: SpanState) -> Span {
        let base = st.base.unwrap_or_else(|| initial.to_owned());
        let mut sp = Span::new(
            x,
            base.view(),
            st.ema_base.as_ref().map_or(base.view(), |e| e.view()),
            (false, false),
        );
        sp.s = st.s;
        sp.p = st.p;
        sp.e = st.e;
        sp.q = st.q;
        if st.ema_base.is_none() {
            sp.ema_base.fill(0.0);
        }
        if let Some((s, p)) = st.check {
            sp.check_s = s;
            sp.check_p = p;
            sp.check_valid = true;
            sp.check_fresh = true;
        }
        if let Some((e, q)) = st.check_ema {
            sp.check_e = e;
            sp.check_q = q;
            sp.check_ema_valid = true;
            sp.check_ema_fresh = true;
        }
        sp
    }

    /// What the forward pass needs.
    pub fn input(&self) -> SpanInput<'_> {
        SpanInput {
            s: self.s,
            base_zt: self.base_zt.view(),
            p: self.p.view(),
            gram: self.gram.view(),
        }
    }

    /// The EMA starts at the first gradient: ema_1 = G_1ᵀ X.
    pub fn start_ema(&mut self, g_t: ArrayView2<f64>) {
        self.q.assign(&g_t);
        self.e = 0.0;
    }

    /// One GD step with EMA: P ← c·P − η·G_1ᵀ, Q ← β·Q + (1 − β)·G_1ᵀ, s ← c·s, e ← β·e.
    /// Returns max |P| if every new entry of P is finite.
    pub fn update(&mut self, g_t: ArrayView2<f64>, c: f64, eta: f64, beta: f64) -> Option<f64> {
        let (Some(p), Some(q), Some(g)) = (self.p.as_slice_mut(), self.q.as_slice_mut(), g_t.as_slice()) else {
            unreachable!("span coordinates and the workspace's G_1ᵀ are standard layout")
        };
        let max = crate::net::par::zip3(p, q, g, &|p, q, g| simd::fused_update(p, q, g, c, eta, beta));
        self.s = flush(self.s * c);
        self.e = flush(self.e * beta);
        simd::finite_from_bits(max)
    }

    /// Keep (s, P) and (e, Q): the next [`Span::materialize`] writes the checkpoint's W_1 and EMA out.
    pub fn checkpoint(&mut self) {
        self.check_s = self.s;
        self.check_p.assign(&self.p);
        self.check_e = self.e;
        self.check_q.assign(&self.q);
        self.check_ema_valid = true;
        self.check_valid = true;
        self.check_fresh = true;
        self.check_ema_fresh = true;
    }

    /// Write W_1 = s·B + P·X into `w`, ema_1 = e·E + Q·X into `ema` and, if
    /// one was taken since the last call, the checkpoint's W_1 and EMA into
    /// `check` and `check_ema`.
    pub fn materialize(
        &mut self,
        x: ArrayView2<f64>,
        w: &mut Array2<f64>,
        ema: &mut Array2<f64>,
        check: &mut Array2<f64>,
        check_ema: &mut Array2<f64>,
    ) {
        combine(w, self.s, &self.base, &self.p, x);
        combine(ema, self.e, &self.ema_base, &self.q, x);
        if self.check_fresh {
            combine(check, self.check_s, &self.base, &self.check_p, x);
            self.check_fresh = false;
        }
        if self.check_ema_fresh {
            combine(check_ema, self.check_e, &self.ema_base, &self.check_q, x);
            self.check_ema_fresh = false;
        }
    }

    /// Back to the checkpoint after a divergence: its coordinates where they
    /// are in these coordinates (then continuing repeats an uninterrupted run
    /// bit for bit), else a new base at its matrices `check` and `check_ema`
    /// (written out by [`Span::materialize`] first).
    pub fn restore_checkpoint(&mut self, x: ArrayView2<f64>, check: &Array2<f64>, check_ema: &Array2<f64>) {
        if self.check_valid {
            self.s = self.check_s;
            self.p.assign(&self.check_p);
        } else {
            self.base.assign(check);
            matmul(self.base_zt.view_mut(), check.view(), x.t(), 1.0, false);
            (self.s, self.check_s) = (1.0, 1.0);
            self.p.fill(0.0);
            self.check_p.fill(0.0);
            self.check_valid = true;
        }
        if self.check_ema_valid {
            self.e = self.check_e;
            self.q.assign(&self.check_q);
        } else {
            self.ema_base.assign(check_ema);
            (self.e, self.check_e) = (1.0, 1.0);
            self.q.fill(0.0);
            self.check_q.fill(0.0);
            self.check_ema_valid = true;
        }
        self.check_fresh = false;
        self.check_ema_fresh = false;
    }
}

/// An exported [`SpanState`] fits a layer 1 of `m` units on `n` inputs of
/// dimension `d`, with finite entries; refusals name the field under `path`.
pub fn check_state(st: &SpanState, m: usize, d: usize, n: usize, path: &str) -> Result<(), StateError> {
    let mats = [
        ("base", st.base.as_ref(), (m, d)),
        ("p", Some(&st.p), (m, n)),
        ("ema_base", st.ema_base.as_ref(), (m, d)),
        ("q", Some(&st.q), (m, n)),
        ("check[1]", st.check.as_ref().map(|c| &c.1), (m, n)),
        ("check_ema[1]", st.check_ema.as_ref().map(|c| &c.1), (m, n)),
    ];
    for (name, a, want) in mats {
        let Some(a) = a else { continue };
        if a.dim() != want {
            return Err(StateError::mismatch(
                format!("{path}.{name}"),
                format!(
                    "shape ({}, {}) does not match the config's ({}, {}) (layer 1's width × {})",
                    a.nrows(),
                    a.ncols(),
                    want.0,
                    want.1,
                    if want.1 == n { "data.n" } else { "data.d" }
                ),
            ));
        }
        if let Some(((i, j), v)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(StateError::non_finite(format!("{path}.{name}"), *v, format!("({i}, {j})")));
        }
    }
    for (name, v) in [
        ("s", st.s),
        ("e", st.e),
        ("check[0]", st.check.as_ref().map_or(0.0, |c| c.0)),
        ("check_ema[0]", st.check_ema.as_ref().map_or(0.0, |c| c.0)),
    ] {
        if !v.is_finite() {
            return Err(StateError::invalid(format!("{path}.{name}"), "finite", v));
        }
    }
    Ok(())
}

/// ∇_{W_1} L = G_1ᵀ X into `out` (width_1 × d).
pub fn first_layer_grad(g_t: ArrayView2<f64>, x: ArrayView2<f64>, out: &mut Array2<f64>) {
    matmul(out.view_mut(), g_t, x, 1.0, false);
}

/// out ← f·base + coef·X.
fn combine(out: &mut Array2<f64>, f: f64, base: &Array2<f64>, coef: &Array2<f64>, x: ArrayView2<f64>) {
    if f == 0.0 {
        matmul(out.view_mut(), coef.view(), x, 1.0, false);
    } else {
        out.zip_mut_with(base, |o, &b| *o = f * b);
        matmul(out.view_mut(), coef.view(), x, 1.0, true);
    }
}

fn flush(v: f64) -> f64 {
    if v.abs() < FLUSH {
        0.0
    } else {
        v
    }
}
