//! Bias-free (by default) fully connected networks f(x) = W_L σ(… σ(W_1 x)),
//! their initialisation, and batched forward/backward passes.
//!
//! Shapes: inputs are rows of X (n × d); W_k is (fan_out × fan_in); outputs
//! are rows of F (n × out_dim). Initialisation: trained and frozen layers
//! W_k ~ N(0, s_k²/fan_in) with s_k = init_scale·layer_scales[k]; a fixed
//! output layer (this lab's assumed shallow setting, not stated by the paper)
//! has entries ±1/√m with random signs. Fixed and frozen layers come from one shared random stream, so
//! every task's net has the same ones (needed for merging); trained layers
//! come from a per-task stream unless `merge.shared_init`.

pub mod activation;
pub mod backprop;
pub mod gemm;
pub mod halves;
pub mod loss;
pub mod par;
pub mod params;
pub mod simd;
pub mod top;
pub mod tune;

pub use activation::Act;
pub use backprop::Workspace;
pub use params::Params;

use crate::config::{OutputLayer, ValidConfig};
use crate::rng::{self, stream};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// A network: parameters, which layers train, and the activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Net {
    pub params: Params,
    /// `trained[k]`: whether layer k+1 is updated (fixed/frozen layers are not).
    pub trained: Vec<bool>,
    #[serde(skip, default = "default_act")]
    pub act: Act,
}

fn default_act() -> Act {
    Act {
        kind: crate::config::Activation::Relu,
        slope: 0.1,
    }
}

impl Net {
    /// The initial net of task `task` (0-based) for a checked config.
    pub fn init(cfg: &ValidConfig, task: usize) -> Net {
        let sizes = cfg.layer_sizes();
        let depth = cfg.depth();
        let init_stream = if cfg.merge.shared_init { 0 } else { task as u64 };
        let mut trained_rng = rng::seeded(cfg.seed, stream::INIT + init_stream);
        let mut fixed_rng = rng::seeded(cfg.seed, stream::FIXED_LAYERS);
        let mut w = Vec::with_capacity(depth);
        let mut b = Vec::with_capacity(depth);
        let mut trained = Vec::with_capacity(depth);
        for k in 0..depth {
            let (fan_in, fan_out) = (sizes[k], sizes[k + 1]);
            let is_trained = cfg.is_trained(k);
            let r = if is_trained { &mut trained_rng } else { &mut fixed_rng };
            let layer = if k == depth - 1 && cfg.net.output == OutputLayer::Fixed {
                let c = 1.0 / libm::sqrt(fan_in as f64);
                Array2::from_shape_simple_fn((fan_out, fan_in), || c * rng::sign(r))
            } else {
                let std = cfg.layer_scale(k) / libm::sqrt(fan_in as f64);
                Array2::from_shape_simple_fn((fan_out, fan_in), || std * rng::normal(r))
            };
            w.push(layer);
            b.push(if cfg.net.bias { Array1::zeros(fan_out) } else { Array1::zeros(0) });
            trained.push(is_trained);
        }
        Net {
            params: Params { w, b },
            trained,
            act: Act {
                kind: cfg.net.activation,
                slope: cfg.net.leaky_slope,
            },
        }
    }

    /// Number of layers L.
    pub fn depth(&self) -> usize {
        self.params.depth()
    }

    /// Whether layers carry biases.
    pub fn has_bias(&self) -> bool {
        self.params.b.iter().any(|b| !b.is_empty())
    }

    /// Outputs F (n × out_dim) for inputs X (n × d). Allocates; the training loop uses [`Workspace`].
    pub fn forward(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut a = x.to_owned();
        for k in 0..self.depth() {
            let mut z = a.dot(&self.params.w[k].t());
            if !self.params.b[k].is_empty() {
                z += &self.params.b[k];
            }
            if k + 1 < self.depth() {
                z.mapv_inplace(|v| self.act.value(v));
            }
            a = z;
        }
        a
    }

    /// Pre-activations of every hidden layer for inputs X: `[Z_1, …, Z_{L−1}]`, each n × width.
    pub fn hidden_preactivations(&self, x: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let mut out = Vec::new();
        let mut a = x.to_owned();
        for k in 0..self.depth().saturating_sub(1) {
            let mut z = a.dot(&self.params.w[k].t());
            if !self.params.b[k].is_empty() {
                z += &self.params.b[k];
            }
            a = z.mapv(|v| self.act.value(v));
            out.push(z);
        }
        out
    }
}
