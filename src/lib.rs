//! lowrank-lab: watch weight decay make neural networks low-rank, and merge
//! nets trained on (nearly) orthogonal tasks by adding their weights.
pub mod analysis;
pub mod bench_products;
pub mod bench_workloads;
pub mod charts;
pub mod config;
pub mod data;
pub mod definitions;
pub mod figures;
pub mod json_path;
pub mod live;
pub mod merge;
pub mod net;
pub mod notes;
pub mod npy;
pub mod overrides;
pub mod presets;
pub mod rng;
pub mod run;
pub mod serde_nan;
pub mod snapshot_delta;
pub mod summary;
pub mod sweep;
pub mod train;
pub mod urlhash;
#[cfg(target_arch = "wasm32")]
pub mod web;
