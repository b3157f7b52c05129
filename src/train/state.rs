//! The full state of a trainer, for export and import: continuing from an
//! imported state gives bit-for-bit the numbers of an uninterrupted run.
//!
//! Floats are written by serde_json in shortest round-trip form, so they read
//! back exactly. What is not stored is recomputed deterministically: the data
//! (from the config) and gradient-flow's first stage (f(θ) is a pure function
//! of θ).
//!
//! An imported state is untrusted input (a file the page or the CLI is given):
//! [`Trainer::restore`] checks every part against the trainer's config before
//! changing anything — layer shapes, finite weights, the optimizer's state, the
//! history's invariants (which the charts index by layer) — and each refusal
//! names the field, what was expected and what was received.

use super::{History, Status, Trainer};
use crate::config::{Optimizer, ValidConfig};
use crate::net::Params;
use crate::rng::LabRng;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why an exported trainer state was refused. Every message names the field
/// (a dotted path such as `state.tasks[0].params.w[1]`), what was expected
/// and what the state holds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    /// A field does not deserialize (serde's message, its long middle cut), or is unknown.
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    /// A value outside what is allowed, or of the wrong JSON kind.
    #[error("{path} must be {allowed}, got {value}")]
    Invalid { path: String, allowed: String, value: String },
    /// A weight matrix or bias vector whose shape is not the config's network's.
    #[error("{path}: layer shapes do not match the config's network: {detail}")]
    Shape { path: String, detail: String },
    /// A matrix or vector entry that is NaN or infinite (`at`: its index).
    #[error("{path} has a non-finite entry {value} at {at}")]
    NonFinite { path: String, value: f64, at: String },
    /// A part that does not fit the config (sizes, the optimizer's state).
    #[error("{path}: {reason}")]
    Mismatch { path: String, reason: String },
    /// A value that contradicts another part of the state (steps out of order).
    #[error("{path} {reason}")]
    Inconsistent { path: String, reason: String },
}

impl StateError {
    pub(crate) fn invalid(path: impl Into<String>, allowed: impl Into<String>, value: impl std::fmt::Display) -> StateError {
        StateError::Invalid {
            path: path.into(),
            allowed: allowed.into(),
            value: value.to_string(),
        }
    }
    pub(crate) fn mismatch(path: impl Into<String>, reason: impl Into<String>) -> StateError {
        StateError::Mismatch {
            path: path.into(),
            reason: reason.into(),
        }
    }
    pub(crate) fn inconsistent(path: impl Into<String>, reason: impl Into<String>) -> StateError {
        StateError::Inconsistent {
            path: path.into(),
            reason: reason.into(),
        }
    }
    /// Entry `at` of the array at `path` is `value`, not finite.
    pub(crate) fn non_finite(path: impl Into<String>, value: f64, at: impl Into<String>) -> StateError {
        StateError::NonFinite {
            path: path.into(),
            value,
            at: at.into(),
        }
    }
}

/// Everything that evolves while a trainer runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainerState {
    pub task: usize,
    pub params: Params,
    pub initial: Params,
    pub ema: Params,
    pub ema_ready: bool,
    pub step: u64,
    pub time: f64,
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub loss: f64,
    pub checkpoint: Params,
    pub checkpoint_at: (u64, f64),
    pub history: History,
    pub status: Status,
    /// SGD: the batch generator and the index order it permutes.
    pub sgd: Option<(LabRng, Vec<usize>)>,
    /// Gradient flow: the next trial step size and the rejections in a row.
    pub flow: Option<(f64, u64)>,
    /// The rest of the checkpoint (absent in live states and in states saved
    /// before it was kept: a rollback then keeps the current EMA and generator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_rest: Option<CheckpointRest>,
    /// GD with span steps (`Trainer::set_span_steps`): layer 1's span
    /// coordinates. Absent otherwise, and in states saved before span steps
    /// (importing one under span steps starts them from its matrices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<super::span::SpanState>,
}

/// What a rollback restores besides θ (`checkpoint`) and step and time (`checkpoint_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointRest {
    /// The gradient's average at the checkpoint, and whether it had started.
    pub ema: Params,
    pub ema_ready: bool,
    /// The loss at the checkpoint (null before the first).
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub loss: f64,
    /// The loss the next checkpoint is compared with (null: the next finite one is kept).
    #[serde(deserialize_with = "crate::io::serde_nan::f64_or_null")]
    pub reference_loss: f64,
    /// SGD: the generator and index order before the checkpoint step's batch.
    pub sgd: Option<(LabRng, Vec<usize>)>,
}

/// Largest history stride accepted on import (a power of two; a real run
/// would need 2^44 recorded points to get there).
pub const MAX_HISTORY_STRIDE: u64 = 1 << 40;

/// Most accepted steps a gradient-flow state may have done (2^53: the step
/// counter then never overflows, and stays exact as a JavaScript number).
pub const MAX_FLOW_STEPS: u64 = 1 << 53;

/// Largest SGD generator position (32-bit words drawn) accepted on import.
/// A real run draws a few words per step; the bound keeps the position far
/// below 2^64, beyond which its export (a JSON integer) would no longer read
/// back through `serde_json::Value`.
pub const MAX_RNG_WORD_POS: u128 = 1 << 62;

/// Shapes of θ that `cfg` makes: per layer W_k's (fan_out, fan_in) and b_k's length.
pub fn expected_shapes(cfg: &ValidConfig) -> Vec<((usize, usize), usize)> {
    let s = cfg.layer_sizes();
    s.windows(2).map(|w| ((w[1], w[0]), if cfg.net.bias { w[1] } else { 0 })).collect()
}

fn shape_text((r, c): (usize, usize)) -> String {
    format!("({r}, {c})")
}

/// `p` has exactly the layers and shapes of `want`, and finite entries; the
/// error names the first offending layer (`{path}.w[k]` / `{path}.b[k]`).
pub fn check_params(p: &Params, want: &[((usize, usize), usize)], path: &str) -> Result<(), StateError> {
    let shape = |path: String, detail: String| Err(StateError::Shape { path, detail });
    if p.w.len() != want.len() || p.b.len() != want.len() {
        return shape(
            path.to_string(),
            format!(
                "{} weight matrices and {} bias vectors in the state, the config has {} layers",
                p.w.len(),
                p.b.len(),
                want.len()
            ),
        );
    }
    for (k, (&(ws, bs), (w, b))) in want.iter().zip(p.w.iter().zip(&p.b)).enumerate() {
        if w.dim() != ws {
            return shape(
                format!("{path}.w[{k}]"),
                format!("{} in the state, {} from the config", shape_text(w.dim()), shape_text(ws)),
            );
        }
        if b.len() != bs {
            return shape(
                format!("{path}.b[{k}]"),
                format!(
                    "length {} in the state, {} from the config{}",
                    b.len(),
                    bs,
                    if bs == 0 { " (net.bias is false)" } else { "" }
                ),
            );
        }
        if let Some(((i, j), v)) = w.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(StateError::non_finite(format!("{path}.w[{k}]"), *v, format!("({i}, {j})")));
        }
        if let Some((i, v)) = b.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(StateError::non_finite(format!("{path}.b[{k}]"), *v, i.to_string()));
        }
    }
    Ok(())
}

fn finite_nonneg(v: f64, field: &str) -> Result<(), StateError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(StateError::invalid(field, "finite and ≥ 0", v))
    }
}

/// The history's invariants: its capacity is the config's, the stride a power
/// of two, at most capacity + 1 points with increasing steps up to `step`, one
/// layer entry per layer and at most min(rows, cols) singular values each.
fn check_history(h: &History, cfg: &ValidConfig, step: u64, path: &str) -> Result<(), StateError> {
    let cap = cfg.train.history_len;
    if h.capacity != cap {
        return Err(StateError::mismatch(
            format!("{path}.capacity"),
            format!(
                "capacity differs from train.history_len ({} in the state, {cap} in the config)",
                h.capacity
            ),
        ));
    }
    if !h.stride.is_power_of_two() || h.stride > MAX_HISTORY_STRIDE {
        return Err(StateError::invalid(
            format!("{path}.stride"),
            "a power of two in [1, 2^40]",
            h.stride,
        ));
    }
    if h.points.len() > cap + 1 {
        return Err(StateError::mismatch(
            format!("{path}.points"),
            format!("{} points, at most train.history_len + 1 = {}", h.points.len(), cap + 1),
        ));
    }
    let shapes = expected_shapes(cfg);
    let mut prev: Option<u64> = None;
    for (j, m) in h.points.iter().enumerate() {
        let p = format!("{path}.points[{j}]");
        if let Some(prev) = prev.filter(|&s| m.step <= s) {
            return Err(StateError::inconsistent(
                format!("{p}.step"),
                format!("{} is not after the previous point's step {prev}", m.step),
            ));
        }
        if m.step > step {
            return Err(StateError::inconsistent(
                format!("{p}.step"),
                format!("{} is after the state's step {step}", m.step),
            ));
        }
        prev = Some(m.step);
        if m.layers.len() != shapes.len() {
            return Err(StateError::mismatch(
                format!("{p}.layers"),
                format!("{} entries, the config's network has {} layers", m.layers.len(), shapes.len()),
            ));
        }
        for (k, (l, &((r, c), _))) in m.layers.iter().zip(&shapes).enumerate() {
            if l.singular_values.len() > r.min(c) {
                return Err(StateError::mismatch(
                    format!("{p}.layers[{k}].singular_values"),
                    format!("{} values, a {r}×{c} layer has at most {}", l.singular_values.len(), r.min(c)),
                ));
            }
            for (name, v) in [
                ("numerical_rank", l.numerical_rank.unwrap_or(0)),
                ("numerical_rank_max", l.numerical_rank_max),
            ] {
                if v > r.min(c) {
                    return Err(StateError::inconsistent(
                        format!("{p}.layers[{k}].{name}"),
                        format!("{v} exceeds min(rows, cols) = {} of a {r}×{c} layer", r.min(c)),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A permutation of 0..n, checked in O(n); the error says what is wrong.
fn check_permutation(perm: &[usize], n: usize, path: &str) -> Result<(), StateError> {
    let not = "the index order is not a permutation of the samples";
    if perm.len() != n {
        return Err(StateError::mismatch(path, format!("{not}: {} entries, data.n = {n}", perm.len())));
    }
    let mut seen = vec![false; n];
    for (i, &p) in perm.iter().enumerate() {
        match seen.get_mut(p) {
            None => return Err(StateError::mismatch(path, format!("{not}: entry {i} is {p}, outside [0, {n})"))),
            Some(true) => return Err(StateError::mismatch(path, format!("{not}: {p} appears twice"))),
            Some(s) => *s = true,
        }
    }
    Ok(())
}

impl Trainer {
    /// The trainer's full state.
    ///
    /// After a divergence whose gradient was non-finite the gradient's EMA may
    /// hold NaN or ±inf (θ itself is put back to the checkpoint, and the EMA is
    /// marked not ready: the next step restarts it from the next gradient).
    /// JSON cannot carry those values, so such an EMA is exported as zeros and
    /// not ready, which continues like the trainer itself (the same JSON).
    pub fn state(&self) -> TrainerState {
        debug_assert!(self.current(), "Trainer::state after advance_deferred without sync_matrices");
        self.state_parts(true)
    }

    /// [`Trainer::state`] without writing layer 1 out of span coordinates first
    /// and without the initial weights and the checkpoint (empty [`Params`], no
    /// span checkpoint:
    /// the page's analysis worker gets this at every live snapshot and fills
    /// both from its own run of the same config, so a W3 snapshot copies 4 MB
    /// less). Layer 1's matrices may lag, the span coordinates are current, and
    /// [`Trainer::restore`] writes the matrices out of them, so the restored
    /// trainer is the same as from [`Trainer::state`] after `sync_matrices`.
    pub fn live_state(&self) -> TrainerState {
        self.state_parts(false)
    }

    /// The state; with `references` false, `initial` and `checkpoint` empty and
    /// no span checkpoint.
    fn state_parts(&self, references: bool) -> TrainerState {
        let all = vec![true; self.ema.depth()];
        let (ema, ema_ready) = if self.ema.all_finite(&all) {
            (self.ema.clone(), self.ema_ready)
        } else {
            // A layer with any non-finite entry becomes zeros: its averaged alignment
            // then reads as undefined (null), as the NaN it would give does.
            fn clean<D: ndarray::Dimension>(a: &ndarray::Array<f64, D>) -> ndarray::Array<f64, D> {
                if a.iter().all(|v| v.is_finite()) {
                    a.clone()
                } else {
                    ndarray::Array::zeros(a.raw_dim())
                }
            }
            let ema = Params {
                w: self.ema.w.iter().map(clean).collect(),
                b: self.ema.b.iter().map(clean).collect(),
            };
            (ema, false)
        };
        let (initial, checkpoint) = if references {
            (self.init.params.clone(), self.checkpoint.clone())
        } else {
            (Params::empty(self.init.params.depth()), Params::empty(self.checkpoint.depth()))
        };
        let checkpoint_rest = references.then(|| {
            // A checkpoint's average is finite unless its entries overflowed; then it restarts.
            let ok = self.check_ema.all_finite(&all);
            CheckpointRest {
                ema: if ok {
                    self.check_ema.clone()
                } else {
                    Params::zeros_like(&self.check_ema)
                },
                ema_ready: ok && self.check_ema_ready,
                loss: self.check_loss,
                reference_loss: self.check_ref,
                sgd: self.check_sgd.clone(),
            }
        });
        TrainerState {
            task: self.task,
            params: self.net.params.clone(),
            initial,
            ema,
            ema_ready,
            step: self.step,
            time: self.time,
            loss: self.loss,
            checkpoint,
            checkpoint_at: self.checkpoint_at,
            checkpoint_rest,
            history: self.history.clone(),
            status: self.status.clone(),
            sgd: self.sgd.as_ref().map(|s| (s.rng.clone(), s.perm.clone())),
            flow: self.flow.as_ref().map(|f| (f.h, f.rejected)),
            span: self.span.as_ref().map(|sp| sp.state(&self.init.params.w[0], ema_ready, references)),
        }
    }

    /// Continue from `st` (taken from a trainer of the same config and task).
    /// Refuses a state whose shapes, values or optimizer do not match, changing nothing.
    pub fn restore(&mut self, st: TrainerState) -> Result<(), StateError> {
        self.restore_at(st, "state")
    }

    /// [`Trainer::restore`], with refusals naming fields under `path` (e.g. `state.tasks[1]`).
    pub fn restore_at(&mut self, st: TrainerState, path: &str) -> Result<(), StateError> {
        self.check_state(&st, path)?;
        let span_state = st.span;
        self.net.params = st.params;
        self.init.params = st.initial;
        self.ema = st.ema;
        self.ema_ready = st.ema_ready;
        self.step = st.step;
        self.time = st.time;
        self.loss = st.loss;
        self.checkpoint = st.checkpoint;
        self.checkpoint_at = st.checkpoint_at;
        match st.checkpoint_rest {
            Some(c) => {
                self.check_ema = c.ema;
                self.check_ema_ready = c.ema_ready;
                self.check_loss = c.loss;
                self.check_ref = c.reference_loss;
                self.check_sgd = c.sgd;
            }
            None => {
                self.check_ema = self.ema.clone();
                self.check_ema_ready = self.ema_ready;
                self.check_loss = f64::NAN;
                self.check_ref = f64::NAN;
                self.check_sgd = st.sgd.clone();
            }
        }
        self.history = st.history;
        self.status = st.status;
        self.stale = false;
        match span_state {
            Some(ss) => {
                let sp = super::span::Span::from_state(self.x.view(), self.init.params.w[0].view(), ss);
                self.install_span(Some(sp));
                self.sync();
            }
            None => self.rebase(),
        }
        if let (Some(s), Some((rng, perm))) = (&mut self.sgd, st.sgd) {
            s.rng = rng;
            s.perm = perm;
        }
        if let (Some(f), Some((h, rejected))) = (&mut self.flow, st.flow) {
            f.h = h;
            f.rejected = rejected;
            f.invalidate();
        }
        Ok(())
    }

    /// Every check [`Trainer::restore`] makes, without changing anything.
    pub fn check_state(&self, st: &TrainerState, path: &str) -> Result<(), StateError> {
        if st.task != self.task {
            return Err(StateError::inconsistent(
                format!("{path}.task"),
                format!("is {}, this trainer trains task {}", st.task, self.task),
            ));
        }
        let shapes = expected_shapes(&self.cfg);
        for (name, p) in [
            ("params", &st.params),
            ("initial", &st.initial),
            ("ema", &st.ema),
            ("checkpoint", &st.checkpoint),
        ] {
            check_params(p, &shapes, &format!("{path}.{name}"))?;
        }
        let max_step = match self.cfg.train.optimizer {
            Optimizer::Gf => MAX_FLOW_STEPS,
            Optimizer::Gd | Optimizer::Sgd => self.cfg.train.steps,
        };
        if st.step > max_step {
            return Err(StateError::invalid(
                format!("{path}.step"),
                format!(
                    "at most {} ({})",
                    max_step,
                    if self.cfg.train.optimizer == Optimizer::Gf {
                        "2^53 accepted gradient-flow steps"
                    } else {
                        "train.steps: training stops there"
                    }
                ),
                st.step,
            ));
        }
        finite_nonneg(st.time, &format!("{path}.time"))?;
        finite_nonneg(st.checkpoint_at.1, &format!("{path}.checkpoint_at[1] (time)"))?;
        if st.checkpoint_at.0 > st.step {
            return Err(StateError::inconsistent(
                format!("{path}.checkpoint_at[0]"),
                format!("(step) is {}, after the state's step {}", st.checkpoint_at.0, st.step),
            ));
        }
        let opt = format!("{:?}", self.cfg.train.optimizer).to_ascii_lowercase();
        if let Some(c) = &st.checkpoint_rest {
            let p = format!("{path}.checkpoint_rest");
            check_params(&c.ema, &shapes, &format!("{p}.ema"))?;
            if c.sgd.is_some() != self.sgd.is_some() {
                return Err(StateError::mismatch(
                    format!("{p}.sgd"),
                    format!(
                        "state was saved with another optimizer than the config's (train.optimizer = {opt}, sgd state {})",
                        if c.sgd.is_some() { "present" } else { "missing" }
                    ),
                ));
            }
            if let Some((rng, perm)) = &c.sgd {
                let pos = rng.get_word_pos();
                if pos > MAX_RNG_WORD_POS {
                    return Err(StateError::invalid(
                        format!("{p}.sgd[0].word_pos (the batch generator's position)"),
                        format!("at most 2^62 = {MAX_RNG_WORD_POS}"),
                        pos,
                    ));
                }
                check_permutation(perm, self.x.nrows(), &format!("{p}.sgd"))?;
            }
        }
        if st.sgd.is_some() != self.sgd.is_some() {
            return Err(StateError::mismatch(
                format!("{path}.sgd"),
                format!(
                    "state was saved with another optimizer than the config's (train.optimizer = {opt}, sgd state {})",
                    if st.sgd.is_some() { "present" } else { "missing" }
                ),
            ));
        }
        if st.flow.is_some() != self.flow.is_some() {
            return Err(StateError::mismatch(
                format!("{path}.flow"),
                format!(
                    "state was saved with another optimizer than the config's (train.optimizer = {opt}, flow state {})",
                    if st.flow.is_some() { "present" } else { "missing" }
                ),
            ));
        }
        if let Some((rng, perm)) = &st.sgd {
            let pos = rng.get_word_pos();
            if pos > MAX_RNG_WORD_POS {
                return Err(StateError::invalid(
                    format!("{path}.sgd[0].word_pos (the batch generator's position)"),
                    format!("at most 2^62 = {MAX_RNG_WORD_POS}"),
                    pos,
                ));
            }
            check_permutation(perm, self.x.nrows(), &format!("{path}.sgd"))?;
        }
        if let Some((h, _)) = st.flow {
            if !(h.is_finite() && h > 0.0) {
                return Err(StateError::invalid(
                    format!("{path}.flow[0] (the next step size)"),
                    "finite and > 0",
                    h,
                ));
            }
        }
        if let Some(sp) = &st.span {
            if !self.span_usable() {
                return Err(StateError::mismatch(
                    format!("{path}.span"),
                    format!(
                        "span coordinates are for GD with layer 1 trained and data.n ≤ data.d (here train.optimizer = {opt}, data.n = {}, data.d = {})",
                        self.x.nrows(),
                        self.x.ncols()
                    ),
                ));
            }
            let m = self.net.params.w[0].nrows();
            super::span::check_state(sp, m, self.x.ncols(), self.x.nrows(), &format!("{path}.span"))?;
        }
        check_history(&st.history, &self.cfg, st.step, &format!("{path}.history"))
    }
}

/// serde's message with a long middle (a quoted value) cut out.
fn clip(m: String) -> String {
    crate::config::quote::clip_message(m)
}

fn de<T: serde::de::DeserializeOwned>(v: &Value, path: &str) -> Result<(), StateError> {
    T::deserialize(v).map(|_| ()).map_err(|e| StateError::Parse {
        path: path.to_string(),
        message: clip(e.to_string()),
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Find the part of a `Params` value that does not deserialize.
fn explain_params(v: &Value, path: &str) -> Result<(), StateError> {
    let Some(obj) = v.as_object() else {
        return Err(StateError::invalid(path, "an object {\"w\": […], \"b\": […]}", kind(v)));
    };
    for (k, f) in obj {
        let arr = match k.as_str() {
            "w" | "b" => f
                .as_array()
                .ok_or_else(|| StateError::invalid(format!("{path}.{k}"), "an array of layers", kind(f)))?,
            _ => continue,
        };
        for (i, layer) in arr.iter().enumerate() {
            let p = format!("{path}.{k}[{i}]");
            if k == "w" {
                de::<Array2<f64>>(layer, &p)?;
            } else {
                de::<Array1<f64>>(layer, &p)?;
            }
        }
    }
    de::<Params>(v, path)
}

fn explain_history(v: &Value, path: &str) -> Result<(), StateError> {
    if let Some(points) = v.get("points").and_then(Value::as_array) {
        for (j, p) in points.iter().enumerate() {
            de::<super::Metrics>(p, &format!("{path}.points[{j}]"))?;
        }
    }
    de::<History>(v, path)
}

impl TrainerState {
    /// Deserialize one task's state from JSON; a refusal names the field
    /// (`{path}.params.w[1]: data and dimension must match in size`).
    pub fn from_value(v: &Value, path: &str) -> Result<TrainerState, StateError> {
        TrainerState::deserialize(v).map_err(|e| {
            explain(v, path).err().unwrap_or_else(|| StateError::Parse {
                path: path.to_string(),
                message: clip(e.to_string()),
            })
        })
    }
}

/// The first field of a trainer state that does not deserialize on its own.
fn explain(v: &Value, path: &str) -> Result<(), StateError> {
    let Some(obj) = v.as_object() else {
        return Err(StateError::invalid(path, "an object (one task's state)", kind(v)));
    };
    for (k, f) in obj {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "task" => de::<usize>(f, &p)?,
            "params" | "initial" | "ema" | "checkpoint" => explain_params(f, &p)?,
            "ema_ready" => de::<bool>(f, &p)?,
            "step" => de::<u64>(f, &p)?,
            "time" => de::<f64>(f, &p)?,
            "loss" => de::<Option<f64>>(f, &p)?,
            "checkpoint_at" => de::<(u64, f64)>(f, &p)?,
            "history" => explain_history(f, &p)?,
            "status" => de::<Status>(f, &p)?,
            "sgd" => de::<Option<(LabRng, Vec<usize>)>>(f, &p)?,
            "flow" => de::<Option<(f64, u64)>>(f, &p)?,
            "span" => de::<Option<super::span::SpanState>>(f, &p)?,
            "checkpoint_rest" => de::<Option<CheckpointRest>>(f, &p)?,
            other => {
                return Err(StateError::Parse {
                    path: path.to_string(),
                    message: format!(
                        "unknown field `{}` (expected task, params, initial, ema, ema_ready, step, time, loss, checkpoint, checkpoint_at, checkpoint_rest, history, status, sgd, flow, span)",
                        crate::config::quote::clip(other)
                    ),
                })
            }
        }
    }
    de::<TrainerState>(v, path)
}
