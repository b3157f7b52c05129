//! Live snapshots off the training path: the page's second worker.
//!
//! A snapshot of a wide net (spectra of every layer, the balance W_kW_kᵀ, the
//! span projection, a full-batch forward and backward pass) costs many
//! training steps. The training worker therefore only copies its trainers'
//! states ([`encode`]) and an [`Analyst`] in a second worker restores them into
//! its own run of the same config and takes the snapshot there, on the other
//! core. The result is the snapshot the training worker would have taken at
//! that step (tests/live.rs compares the JSON).
//!
//! The encoding keeps the large arrays out of JSON (writing W3's in JSON would
//! cost the training worker about as much as the snapshot): each task's
//! `Trainer::live_state` goes to JSON with its matrices emptied, and the
//! matrices follow as raw f64 in a fixed order — per task θ (W_k then b_k per
//! layer), the gradient EMA likewise, then the span coordinates present (P, Q,
//! B, E). Initial weights and the checkpoint are not sent:
//! the analyst's run has the same initial weights, and a snapshot reads neither.

use crate::config::ValidConfig;
use crate::net::Params;
use crate::run::{Run, Snapshot};
use crate::train::state::StateError;
use crate::train::TrainerState;
use ndarray::Array2;

/// Why live states could not be encoded or were refused by the [`Analyst`].
/// Messages name the part (`live.tasks[0].span.q`) and the sizes involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LiveError {
    /// serde_json could not write the states (its message).
    #[error("live state does not encode: {0}")]
    Encode(String),
    /// The states' JSON does not parse (serde_json's message).
    #[error("live state does not parse: {0}")]
    Parse(String),
    /// The states' JSON is not an array.
    #[error("live state must be a JSON array (one state per task)")]
    NotArray,
    /// A state per task of another config.
    #[error("live.tasks: {got} states, the config has {want} tasks")]
    TaskCount { got: usize, want: usize },
    /// The raw numbers end before a matrix the states need.
    #[error("live data: {len} numbers, too few for {what} (a {rows}×{cols} matrix at offset {at})")]
    TooShort {
        len: usize,
        what: String,
        rows: usize,
        cols: usize,
        at: usize,
    },
    /// A matrix could not take its shape (ndarray's message).
    #[error("live data: {what}: {message}")]
    Shape { what: String, message: String },
    /// Numbers left over after the last matrix the states use.
    #[error("live data: {len} numbers, the states use {used}")]
    Leftover { len: usize, used: usize },
    /// A task's state does not fit the config.
    #[error(transparent)]
    State(#[from] StateError),
}

/// The trainers' states: JSON without the matrices, and the matrices.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveState {
    /// JSON array of one `TrainerState` per task, every matrix and vector empty.
    pub meta: String,
    /// The matrices' entries, in the order of the module header (row-major).
    pub data: Vec<f64>,
}

fn push_matrix(data: &mut Vec<f64>, a: &Array2<f64>) {
    data.extend(a.iter());
}

fn push_params(data: &mut Vec<f64>, p: &Params) {
    for (w, b) in p.w.iter().zip(&p.b) {
        push_matrix(data, w);
        data.extend(b.iter());
    }
}

/// Every trainer's live state (`Trainer::live_state`), split as [`LiveState`] describes.
pub fn encode(run: &Run) -> Result<LiveState, LiveError> {
    let mut data = Vec::new();
    let mut tasks = Vec::with_capacity(run.trainers().len());
    for t in run.trainers() {
        let mut st = t.live_state();
        let depth = st.params.depth();
        push_params(&mut data, &st.params);
        push_params(&mut data, &st.ema);
        // initial and checkpoint come empty from live_state (the analyst has its own).
        for p in [&mut st.params, &mut st.ema] {
            *p = Params::empty(depth);
        }
        if let Some(sp) = &mut st.span {
            let none = || Array2::zeros((0, 0));
            push_matrix(&mut data, &sp.p);
            push_matrix(&mut data, &sp.q);
            sp.p = none();
            sp.q = none();
            for a in [sp.base.as_mut(), sp.ema_base.as_mut()].into_iter().flatten() {
                push_matrix(&mut data, a);
                *a = none();
            }
        }
        tasks.push(st);
    }
    let meta = serde_json::to_string(&tasks).map_err(|e| LiveError::Encode(e.to_string()))?;
    Ok(LiveState { meta, data })
}

/// Reads the raw matrices back in order, refusing a buffer of the wrong length.
struct Reader<'a> {
    data: &'a [f64],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, (r, c): (usize, usize), what: &str) -> Result<Array2<f64>, LiveError> {
        let len = r * c;
        let end = self
            .at
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| LiveError::TooShort {
                len: self.data.len(),
                what: what.to_string(),
                rows: r,
                cols: c,
                at: self.at,
            })?;
        let a = Array2::from_shape_vec((r, c), self.data[self.at..end].to_vec()).map_err(|e| LiveError::Shape {
            what: what.to_string(),
            message: e.to_string(),
        })?;
        self.at = end;
        Ok(a)
    }

    fn params(&mut self, shapes: &[((usize, usize), usize)], what: &str) -> Result<Params, LiveError> {
        let mut p = Params::empty(shapes.len());
        for (k, &(ws, bs)) in shapes.iter().enumerate() {
            p.w[k] = self.take(ws, &format!("{what}.w[{k}]"))?;
            let b = format!("{what}.b[{k}]");
            p.b[k] = self.take((1, bs), &b)?.into_shape_with_order(bs).map_err(|e| LiveError::Shape {
                what: b,
                message: e.to_string(),
            })?;
        }
        Ok(p)
    }
}

/// Snapshots of [`encode`]d states, in a run of the same config kept between calls.
#[derive(Default)]
pub struct Analyst {
    run: Option<Run>,
}

impl Analyst {
    pub fn new() -> Analyst {
        Analyst::default()
    }

    /// The snapshot of the run whose trainers `live` holds (from [`encode`]),
    /// trained with `cfg` (λ and η as last set). Refuses states that do not
    /// parse or do not fit the config, naming the field (`live.tasks[0].…`).
    pub fn snapshot(&mut self, cfg: &ValidConfig, meta: &str, data: &[f64]) -> Result<Snapshot, LiveError> {
        let v: serde_json::Value = serde_json::from_str(meta).map_err(|e| LiveError::Parse(e.to_string()))?;
        let metas = v.as_array().ok_or(LiveError::NotArray)?;
        if !self.run.as_ref().is_some_and(|r| r.config().config() == cfg.config()) {
            self.run = Some(Run::new(cfg));
        }
        let Some(run) = self.run.as_mut() else {
            unreachable!("set just above")
        };
        if metas.len() != run.trainers().len() {
            return Err(LiveError::TaskCount {
                got: metas.len(),
                want: run.trainers().len(),
            });
        }
        let shapes = crate::train::state::expected_shapes(cfg);
        let mut r = Reader { data, at: 0 };
        let mut states = Vec::with_capacity(metas.len());
        for (i, (m, t)) in metas.iter().zip(run.trainers()).enumerate() {
            let path = format!("live.tasks[{i}]");
            let mut st = TrainerState::from_value(m, &path)?;
            st.params = r.params(&shapes, &format!("{path}.params"))?;
            st.ema = r.params(&shapes, &format!("{path}.ema"))?;
            st.initial = t.initial_net().params.clone();
            st.checkpoint = st.params.clone();
            if let Some(sp) = &mut st.span {
                let (m1, n, d) = (shapes[0].0 .0, t.inputs().nrows(), t.inputs().ncols());
                sp.p = r.take((m1, n), &format!("{path}.span.p"))?;
                sp.q = r.take((m1, n), &format!("{path}.span.q"))?;
                if let Some(b) = sp.base.as_mut() {
                    *b = r.take((m1, d), &format!("{path}.span.base"))?;
                }
                if let Some(e) = sp.ema_base.as_mut() {
                    *e = r.take((m1, d), &format!("{path}.span.ema_base"))?;
                }
            }
            states.push(st);
        }
        if r.at != data.len() {
            return Err(LiveError::Leftover {
                len: data.len(),
                used: r.at,
            });
        }
        for (i, (t, st)) in run.trainers_mut().iter_mut().zip(states).enumerate() {
            t.restore_at(st, &format!("live.tasks[{i}]"))?;
        }
        Ok(run.snapshot())
    }
}
