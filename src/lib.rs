//! lowrank-lab: watch weight decay make neural networks low-rank, and merge
//! nets trained on (nearly) orthogonal tasks by adding their weights.
//!
//! # Module map
//!
//! Layers, from the input to the outputs; a module uses only those above it
//! (and `rng`, `io`).
//!
//! | module | job |
//! |---|---|
//! | [`config`] | the one contract: raw [`config::Config`] → `validate()` → [`config::ValidConfig`]; dotted-key overrides, the URL hash, JSON error paths |
//! | [`presets`] | named experiments (a config patch, a sweep grid, what you should see) |
//! | [`claims`] | each preset's claims as data (quantity, comparison, threshold, where in its sweep) and their check on a run's flattened `final` values: pass, fail, waiting, collapsed, rounding level, not applicable |
//! | [`rng`] | seeded, portable randomness (one stream per purpose) |
//! | [`data`] | the K tasks' inputs and labels (generators and the digits), their overlap statistics, data hashes |
//! | [`net`] | the network, its forward/backward pass and the matrix kernels |
//! | [`train`] | the [`train::Trainer`]: GD / SGD / gradient flow, span steps, history, checkpoints, state |
//! | [`analysis`] | spectra, ranks, layer balance, curvature, the derived bounds; rounding levels, collapse, scaled norms |
//! | [`merge`] | merging K nets (sum, mean, task arithmetic, TIES, DARE, RegMean, spectral), pair diagnostics and the merge report |
//! | [`run`] | a [`run::Run`] of all tasks and its [`run::Snapshot`] (with its notes: what to show instead of a number that is not one); the `final` summary, the metrics CSV, `run.json`'s definitions, sweeps and their per-point records |
//! | [`live`] | the page's live snapshots: history deltas, and the analysis worker's snapshots |
//! | [`charts`] | every chart as `draw_x<DB: DrawingBackend>(area, data)`, plain data in |
//! | [`lessons`] | the guided path through the presets: per step a preset, what to do, the chart to watch and the claim that ends it |
//! | [`figures`] | which charts exist by name, the data each draws from a snapshot, and the CLI's SVGs |
//! | [`panic_text`] | panic messages a visitor sees, without the build machine's paths |
//! | [`io`] | `.npy` files, JSON floats that may be NaN |
//! | [`bench`] | the benchmark's workloads and matrix products |
//! | `web` | the browser boundary (wasm32 only): everything JavaScript calls |
pub mod analysis;
pub mod bench;
pub mod charts;
pub mod claims;
pub mod config;
pub mod data;
pub mod figures;
pub mod io;
pub mod lessons;
pub mod live;
pub mod merge;
pub mod net;
pub mod panic_text;
pub mod presets;
pub mod rng;
pub mod run;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
