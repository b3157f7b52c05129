//! The standard speed workloads (f64, bias-free, logistic loss on ±1 labels,
//! unit-norm Gaussian inputs, full-batch GD with weight decay), shared by the
//! criterion benches, the browser benchmark and the CLI's exporter for the
//! NumPy / JAX / TensorFlow.js references.

use crate::config::{Config, OutputLayer};

/// Which workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// f(x) = a·relu(Wx), W ∈ R^{200×100}, a fixed ±1/√m; n = 20, η = 1, λ = 1e-2.
    W1,
    /// 50 → 64 → 64 → 1 ReLU, all layers trained; n = 30, η = 0.5, λ = 5e-3.
    W2,
    /// 256 → 1024 → 1, both layers trained; n = 256, η = 0.5, λ = 1e-3.
    W3,
}

/// The config of a workload (a very large step budget; benches advance in slices).
pub fn workload(w: Workload) -> Config {
    let mut c = Config::default();
    c.seed = 2026;
    c.train.steps = 1_000_000_000;
    c.train.record_every = 1_000_000_000;
    match w {
        Workload::W1 => {
            (c.data.d, c.data.n, c.net.widths) = (100, 20, vec![200]);
            c.net.output = OutputLayer::Fixed;
            (c.train.lr, c.train.lambda) = (1.0, 1e-2);
        }
        Workload::W2 => {
            (c.data.d, c.data.n, c.net.widths) = (50, 30, vec![64, 64]);
            (c.train.lr, c.train.lambda) = (0.5, 5e-3);
        }
        Workload::W3 => {
            (c.data.d, c.data.n, c.net.widths) = (256, 256, vec![1024]);
            (c.train.lr, c.train.lambda) = (0.5, 1e-3);
        }
    }
    c
}

/// The workload's config, or with `tiny` a few-unit version of the same shape
/// (the harness's smoke test: `lowrank-lab bench --tiny` and the browser
/// benchmark must build the same one, since their final losses are compared).
pub fn workload_sized(w: Workload, tiny: bool) -> Config {
    let mut c = workload(w);
    if tiny {
        let (d, n, widths) = match w {
            Workload::W1 => (10, 6, vec![16]),
            Workload::W2 => (8, 6, vec![7, 6]),
            Workload::W3 => (12, 10, vec![24]),
        };
        (c.data.d, c.data.n, c.net.widths) = (d, n, widths);
    }
    c
}
