//! lowrank-lab: watch weight decay make neural networks low-rank, and merge
//! nets trained on (nearly) orthogonal tasks by adding their weights.
pub mod analysis;
pub mod config;
pub mod rng;
