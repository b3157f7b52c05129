//! The one contract: a raw [`Config`] (serde, JSON) is parsed, then
//! [`Config::validate`] turns it into a [`ValidConfig`]. Only a `ValidConfig`
//! reaches the core (data, net, training, merging), so nothing downstream
//! re-checks ranges, and nothing is allocated for a request that cannot run.
//!
//! Modelled on linfa's `ParamGuard`: serde never builds the checked type.
//!
//! Objective (our convention): F(θ) = L(θ) + (λ/2)‖θ‖². The paper writes
//! λ‖θ‖², so its λ is half of ours (the convention is known from secondary
//! summaries of the paper, not its text).

pub mod change;
pub mod compare;
pub mod json_path;
pub mod overrides;
pub mod plain;
pub(crate) mod quote;
pub mod summary;
pub mod urlhash;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;

/// Version of the config format this build reads and writes.
pub const CONFIG_VERSION: u32 = 1;

/// Largest seed that survives a round trip through a JavaScript number (2^53 − 1).
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// Memory budget for one run in a browser tab, in bytes (1 GiB).
pub const BROWSER_MEMORY_BUDGET: u64 = 1 << 30;
/// Memory budget for one run natively, in bytes (16 GiB; the machine has 24).
pub const NATIVE_MEMORY_BUDGET: u64 = 16 << 30;

/// The budget `validate()` applies on the current target.
pub const DEFAULT_MEMORY_BUDGET: u64 = if cfg!(target_arch = "wasm32") {
    BROWSER_MEMORY_BUDGET
} else {
    NATIVE_MEMORY_BUDGET
};

/// The machine a run is checked for: the largest single buffer and the most
/// memory it can address. wasm32 (the page) has a 32-bit `isize`, so no Rust
/// allocation exceeds 2³¹ − 1 bytes, and at most 4 GiB of linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub name: &'static str,
    /// Largest single allocation in bytes (`isize::MAX` of the target).
    pub max_buffer: u64,
    /// Most bytes of memory a run can have in total.
    pub max_memory: u64,
    /// Bytes of a `usize` (index buffers).
    pub usize_bytes: u64,
}

impl Target {
    /// The browser build (32-bit pointers, 4 GiB of linear memory).
    pub const WASM32: Target = Target {
        name: "wasm32 (the page)",
        max_buffer: i32::MAX as u64,
        max_memory: 4 << 30,
        usize_bytes: 4,
    };
    /// A 64-bit native build.
    pub const NATIVE64: Target = Target {
        name: "64-bit native",
        max_buffer: i64::MAX as u64,
        max_memory: u64::MAX,
        usize_bytes: 8,
    };
    /// The target this code was compiled for.
    pub const CURRENT: Target = if cfg!(target_pointer_width = "32") {
        Target::WASM32
    } else {
        Target::NATIVE64
    };
}

/// Why a config was refused. Every message names the field (dotted path),
/// the allowed range and the value received.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The JSON did not parse (syntax, wrong type, unknown key).
    #[error("config does not parse: {0}")]
    Parse(String),
    /// A field is outside its allowed range.
    #[error("{field} must be {allowed}, got {value}")]
    OutOfRange { field: String, allowed: String, value: String },
    /// Two fields that cannot go together.
    #[error("{field}: {reason}")]
    Conflict { field: String, reason: String },
    /// The run would need more memory than the budget.
    #[error("the run needs an estimated {estimate} bytes ({detail}), above the memory budget of {budget} bytes")]
    MemoryBudget { estimate: u64, budget: u64, detail: String },
    /// One buffer the run would allocate is larger than the target can hold (checked before allocating).
    #[error(
        "{field} = {value}: {what} would need one buffer of {bytes} bytes, above the {limit} bytes \
         a single allocation can have on {target}"
    )]
    Buffer {
        field: String,
        value: String,
        what: String,
        bytes: u64,
        limit: u64,
        target: String,
    },
    /// One full-batch step would cost more than the budget allows.
    #[error(
        "one training step costs an estimated {estimate} multiply-adds ({detail}), above the step budget of {budget} \
         (2 per byte of the memory budget; a step cannot be paused halfway)"
    )]
    StepCost { estimate: u64, budget: u64, detail: String },
}

/// Multiply-adds one full-batch step may cost, per byte of the memory budget:
/// 2.1·10⁹ in the browser (≈ 0.5–1 s of wasm per step, during which pause
/// cannot act), 3.4·10¹⁰ natively; the CLI's `--memory-budget` raises both.
pub const STEP_COST_PER_BUDGET_BYTE: u64 = 2;

/// Shows a float plainly when that is short, in scientific notation otherwise.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.abs();
        if a == 0.0 || (1e-4..1e9).contains(&a) || !a.is_finite() {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:e}", self.0)
        }
    }
}

fn range<T: fmt::Display>(field: &str, allowed: &str, value: T) -> ConfigError {
    ConfigError::OutOfRange {
        field: field.to_string(),
        allowed: allowed.to_string(),
        value: value.to_string(),
    }
}

fn conflict(field: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Conflict {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// Input generator for the K tasks. See `data` for each one's construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Generator {
    /// Disjoint coordinate blocks: tasks are exactly orthogonal.
    Blocks,
    /// x = √ρ·shared + √(1−ρ)·private.
    Mixing,
    /// i.i.d. Gaussian inputs (approximately orthogonal as d grows).
    Gaussian,
    /// Whitened regression: XᵀX = n·I (X is n × d), multi-output targets.
    Whitened,
    /// 2-D data sets lifted to x = R_task·(p₁, p₂, 1).
    Planar,
    /// The UCI 8×8 handwritten digits (1,797 real images, d = 64): task t
    /// separates the two digits of `data.digit_pairs[t]`.
    Digits,
}

/// Which pixels a `digits` task sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigitPixels {
    /// Every task sees all 64 pixels (real, overlapping inputs).
    All,
    /// Task t keeps only the t-th of K contiguous blocks of pixels in row-major
    /// order (for K = 2: the top and the bottom half) and sees zeros elsewhere:
    /// exactly orthogonal real inputs.
    Disjoint,
}

/// Shape of a planar task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanarShape {
    Moons,
    Circles,
    Xor,
    Spiral,
}

/// How labels are drawn (ignored by `planar`, whose shapes carry labels, and
/// by `whitened`, whose targets come from a random linear map).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Labels {
    /// Independent ±1 labels.
    Random,
    /// A random one-hidden-layer ReLU teacher: sign of its output for the
    /// logistic loss, its (standardised) output for the squared loss.
    Teacher,
}

/// Data section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    pub generator: Generator,
    /// Number of tasks K (named a, b, c, …), 1–26.
    pub tasks: usize,
    /// Samples per task.
    pub n: usize,
    /// Input dimension d.
    pub d: usize,
    /// Output dimension (1 for the logistic loss).
    pub out_dim: usize,
    /// Overlap ρ ∈ [0, 1] of the `mixing` generator.
    pub rho: f64,
    /// Planar shape.
    pub shape: PlanarShape,
    /// Principal angle φ between consecutive planar tasks' 3-D subspaces, degrees in [0, 90].
    pub angle_deg: f64,
    /// Noise of planar shapes (standard deviation in the plane), in [0, 1].
    pub noise: f64,
    pub labels: Labels,
    /// Hidden width of the teacher network, 1–4096.
    pub teacher_width: usize,
    /// Scale non-planar inputs to unit norm.
    pub unit_norm: bool,
    /// `digits` only: the two digits (0–9, distinct) task t separates, labels +1
    /// for the first and −1 for the second; at least one pair per task (extra pairs unused).
    pub digit_pairs: Vec<[u8; 2]>,
    /// `digits` only: every task on all pixels, or each on its own block of them.
    pub digit_pixels: DigitPixels,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            generator: Generator::Gaussian,
            tasks: 1,
            n: 20,
            d: 100,
            out_dim: 1,
            rho: 0.0,
            shape: PlanarShape::Moons,
            angle_deg: 90.0,
            noise: 0.1,
            labels: Labels::Random,
            teacher_width: 8,
            unit_norm: true,
            digit_pairs: vec![[0, 1], [7, 9]],
            digit_pixels: DigitPixels::All,
        }
    }
}

/// Activation σ. relu, leaky_relu and linear are positively homogeneous (the
/// theory's setting); tanh and gelu are there to show what breaks without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Relu,
    LeakyRelu,
    Linear,
    Tanh,
    Gelu,
}

impl Activation {
    /// σ(cz) = c·σ(z) for c > 0.
    pub fn is_homogeneous(self) -> bool {
        matches!(self, Activation::Relu | Activation::LeakyRelu | Activation::Linear)
    }
}

/// The output layer: trained, or fixed at random ±1/√m (this lab's assumed shallow setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputLayer {
    Trained,
    /// Entries ±1/√m with random signs, shared by every task's net, never trained.
    Fixed,
}

/// Network section. Layer k (1-based) maps width_{k−1} → width_k, with width_0 = d
/// and width_L = out_dim, so L = widths.len() + 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetConfig {
    /// Hidden widths, in order from the input; may be empty (a linear model).
    pub widths: Vec<usize>,
    pub activation: Activation,
    /// Negative-side slope of leaky_relu, in (0, 1).
    pub leaky_slope: f64,
    /// Add a bias to every layer (breaks homogeneity: an "assumption" experiment).
    pub bias: bool,
    pub output: OutputLayer,
    /// 1-based indices of layers kept at their initial value (besides a fixed output).
    pub frozen: Vec<usize>,
    /// Multiplies the default init std 1/√fan_in, in (0, 100].
    pub init_scale: f64,
    /// Per-layer multipliers of the init std (deliberately unbalanced layers); empty or L entries in (0, 100].
    pub layer_scales: Vec<f64>,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            widths: vec![200],
            activation: Activation::Relu,
            leaky_slope: 0.1,
            bias: false,
            output: OutputLayer::Trained,
            frozen: Vec::new(),
            init_scale: 1.0,
            layer_scales: Vec::new(),
        }
    }
}

/// Training loss ℓ, averaged over samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// log(1 + e^{−y f}) on ±1 labels (out_dim = 1).
    Logistic,
    /// ½‖f − y‖².
    Squared,
}

/// How θ moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    /// Full-batch gradient descent θ ← (1−ηλ)θ − η∇L.
    Gd,
    /// Gradient flow dθ/dt = −∇L − λθ, adaptive Dormand–Prince 5(4).
    Gf,
    /// Minibatch SGD, batches drawn without replacement each step.
    Sgd,
}

/// Training section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    pub loss: Loss,
    pub optimizer: Optimizer,
    /// Step size η for gd/sgd, in (0, 1000]. Gradient flow uses it as its first trial step.
    pub lr: f64,
    /// Weight decay λ ≥ 0 (ours; the paper's λ is λ/2, a convention from secondary summaries), at most 1000.
    pub lambda: f64,
    /// SGD batch size, 1–n.
    pub batch_size: usize,
    /// Step budget for gd/sgd, 1–10^9.
    pub steps: u64,
    /// Time budget for gradient flow, in (0, 10^9]; GD reaches time η·step.
    pub time: f64,
    /// Gradient flow relative tolerance, in [1e-14, 1e-2].
    pub rtol: f64,
    /// Gradient flow absolute tolerance, in [0, 1].
    pub atol: f64,
    /// Record metrics every this many steps (accepted steps under gradient flow), 1–10^9.
    pub record_every: u64,
    /// Most points the history keeps (older points are decimated), 16–100000.
    pub history_len: usize,
    /// Decay β of the gradient's exponential moving average, in [0, 1).
    pub ema: f64,
    /// Changes of λ and η during the run, in strictly increasing step order:
    /// each applies when the trainer has taken `step` steps (accepted steps
    /// under gradient flow), before the next one — exactly where a live change
    /// between budgets acts, so a run with the schedule repeats the live
    /// session's numbers. The page records its live changes here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<Change>,
}

/// One scheduled change of λ and/or η (at least one of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Steps taken when the change applies, 0–10^9.
    pub step: u64,
    /// New λ, in [0, 1000] (like `train.lambda`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<f64>,
    /// New η, in (0, 1000] (like `train.lr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            loss: Loss::Logistic,
            optimizer: Optimizer::Gd,
            lr: 1.0,
            lambda: 1e-2,
            batch_size: 10,
            steps: 2000,
            time: 100.0,
            rtol: 1e-8,
            atol: 1e-12,
            record_every: 10,
            history_len: 512,
            ema: 0.99,
            schedule: Vec::new(),
        }
    }
}

/// A merge method (how K nets become one). Each one's formula and source
/// is in its file under `src/merge/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeMethod {
    /// The paper's merge (weights added): trained layers added, fixed layers copied once.
    Sum,
    /// Trained layers averaged.
    Mean,
    /// θ₀ + α·Σ(θ_k − θ₀) from the shared initialisation θ₀.
    TaskArithmetic,
    /// Per layer, the least-squares fit to every net's outputs on its own
    /// task's layer inputs: W = (Σᵢ WᵢGᵢ)(Σᵢ Gᵢ + εI)⁻¹ (Jin et al. 2023).
    Regmean,
    /// Trim each task vector to its top k%, elect signs, disjoint mean (Yadav et al. 2023).
    Ties,
    /// Drop a fraction p of each task vector's entries (seeded mask), rescale by
    /// 1/(1 − p), then task arithmetic (Yu et al. 2024).
    Dare,
    /// Each net's trained layers truncated to their top-r singular directions, then summed.
    Spectral,
}

impl MergeMethod {
    /// Every method, in the order the page and the CLI list them.
    pub const ALL: [MergeMethod; 7] = [
        MergeMethod::Sum,
        MergeMethod::Mean,
        MergeMethod::TaskArithmetic,
        MergeMethod::Regmean,
        MergeMethod::Ties,
        MergeMethod::Dare,
        MergeMethod::Spectral,
    ];

    /// The name used in files, JSON and on the page.
    pub fn name(self) -> &'static str {
        match self {
            MergeMethod::Sum => "sum",
            MergeMethod::Mean => "mean",
            MergeMethod::TaskArithmetic => "task_arithmetic",
            MergeMethod::Regmean => "regmean",
            MergeMethod::Ties => "ties",
            MergeMethod::Dare => "dare",
            MergeMethod::Spectral => "spectral",
        }
    }

    /// The method called `name` ([`MergeMethod::name`]).
    pub fn from_name(name: &str) -> Option<MergeMethod> {
        MergeMethod::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether the method works on task vectors θ_t − θ₀ (so needs `merge.shared_init`).
    pub fn needs_shared_init(self) -> bool {
        matches!(self, MergeMethod::TaskArithmetic | MergeMethod::Ties | MergeMethod::Dare)
    }
}

/// Merge section (used when data.tasks ≥ 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MergeConfig {
    pub methods: Vec<MergeMethod>,
    /// Scale α of the merged task vector (task_arithmetic, ties, dare), in (0, 10].
    pub alpha: f64,
    /// Start every task's net from the same trained-layer initialisation.
    pub shared_init: bool,
    /// TIES: percent of each task vector's entries kept (largest |value|), in (0, 100].
    pub ties_k: f64,
    /// DARE: fraction p of each task vector's entries dropped, in [0, 1).
    pub dare_p: f64,
    /// DARE: seed of the drop masks, 0 to 2^53 − 1.
    pub dare_seed: u64,
    /// Spectral: singular directions kept per layer of each net, 1–1000000, or 0 to use `spectral_energy`.
    pub spectral_rank: usize,
    /// Spectral rank rule (when `spectral_rank` = 0): the smallest r whose top-r
    /// singular values hold this fraction of Σσᵢ², in (0, 1].
    pub spectral_energy: f64,
    /// RegMean ridge ε as a fraction of the largest eigenvalue of Σᵢ Gᵢ, in [0, 1].
    pub regmean_ridge: f64,
}

impl Default for MergeConfig {
    fn default() -> Self {
        MergeConfig {
            methods: vec![MergeMethod::Sum],
            alpha: 1.0,
            shared_init: false,
            ties_k: 20.0,
            dare_p: 0.5,
            dare_seed: 0,
            spectral_rank: 0,
            spectral_energy: 0.9,
            regmean_ridge: 1e-12,
        }
    }
}

/// The raw, unchecked config: what JSON, the URL hash and the CLI produce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Format version; this build reads 1.
    pub version: u32,
    /// Seed of every random choice (data, init, SGD batches), 0 to 2^53 − 1.
    pub seed: u64,
    pub data: DataConfig,
    pub net: NetConfig,
    pub train: TrainConfig,
    pub merge: MergeConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: CONFIG_VERSION,
            seed: 0,
            data: DataConfig::default(),
            net: NetConfig::default(),
            train: TrainConfig::default(),
            merge: MergeConfig::default(),
        }
    }
}

/// A config that passed validation. Only [`Config::validate`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidConfig {
    raw: Config,
    memory_estimate: u64,
}

impl Deref for ValidConfig {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.raw
    }
}

impl ValidConfig {
    /// The checked config, as plain data (for serialising with a run).
    pub fn config(&self) -> &Config {
        &self.raw
    }
    /// Estimated peak bytes of a run with this config.
    pub fn memory_estimate(&self) -> u64 {
        self.memory_estimate
    }
    /// Layer sizes [d, widths…, out_dim] (length L + 1).
    pub fn layer_sizes(&self) -> Vec<usize> {
        layer_sizes(&self.raw)
    }
    /// Number of layers L.
    pub fn depth(&self) -> usize {
        self.raw.net.widths.len() + 1
    }
    /// Whether layer k (0-based) is trained.
    pub fn is_trained(&self, k: usize) -> bool {
        let last = self.depth() - 1;
        let fixed_output = k == last && self.raw.net.output == OutputLayer::Fixed;
        !fixed_output && !self.raw.net.frozen.contains(&(k + 1))
    }
    /// Per-layer init std multiplier (init_scale × layer_scales[k]).
    pub fn layer_scale(&self, k: usize) -> f64 {
        self.raw.net.init_scale * self.raw.net.layer_scales.get(k).copied().unwrap_or(1.0)
    }
    /// Replace λ (checked like the config field); the run continues.
    pub fn with_lambda(&self, lambda: f64) -> Result<ValidConfig, ConfigError> {
        let mut raw = self.raw.clone();
        raw.train.lambda = lambda;
        raw.validate_with_budget(u64::MAX)
    }
    /// The same config without scheduled changes at or after `step` (a live change
    /// at `step` replaces what the schedule said would come next, including an
    /// entry at `step` itself, which would apply only before the next step).
    pub fn without_changes_after(&self, step: u64) -> ValidConfig {
        let mut v = self.clone();
        v.raw.train.schedule.retain(|c| c.step < step);
        v
    }
    /// Replace η (checked like the config field); the run continues.
    pub fn with_lr(&self, lr: f64) -> Result<ValidConfig, ConfigError> {
        let mut raw = self.raw.clone();
        raw.train.lr = lr;
        raw.validate_with_budget(u64::MAX)
    }
}

fn layer_sizes(c: &Config) -> Vec<usize> {
    let mut s = Vec::with_capacity(c.net.widths.len() + 2);
    s.push(c.data.d);
    s.extend_from_slice(&c.net.widths);
    s.push(c.data.out_dim);
    s
}

macro_rules! check {
    ($cond:expr, $field:expr, $allowed:expr, $value:expr) => {
        if !($cond) {
            return Err(range($field, $allowed, $value));
        }
    };
}

fn finite_in(v: f64, lo: f64, hi: f64, lo_open: bool) -> bool {
    v.is_finite() && v <= hi && if lo_open { v > lo } else { v >= lo }
}

impl Config {
    /// Parse JSON; unknown keys and wrong types are errors.
    /// Type errors and unknown keys name the field (`train.lr: invalid type: …`).
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        serde_json::from_str(text).map_err(|e| {
            let path = crate::config::json_path::of_error(text, &e, "");
            let exact = if path.is_empty() { e.to_string() } else { format!("{path}: {e}") };
            // Plain words first, the exact rule underneath (the page shows both lines).
            ConfigError::Parse(plain::explained(&path, exact))
        })
    }

    /// Pretty JSON of this config.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("config serialises")
    }

    /// Check every field with this target's memory budget ([`DEFAULT_MEMORY_BUDGET`]).
    pub fn validate(&self) -> Result<ValidConfig, ConfigError> {
        self.validate_with_budget(DEFAULT_MEMORY_BUDGET)
    }

    /// Check every field; refuse runs whose memory estimate exceeds `budget` bytes.
    pub fn validate_with_budget(&self, budget: u64) -> Result<ValidConfig, ConfigError> {
        self.validate_for(Target::CURRENT, budget)
    }

    /// Check every field for `target`: besides the ranges, no single buffer
    /// beyond `target.max_buffer` ([`largest_buffer`]) and at most
    /// min(`budget`, `target.max_memory`) bytes in all.
    pub fn validate_for(&self, target: Target, budget: u64) -> Result<ValidConfig, ConfigError> {
        let budget = budget.min(target.max_memory);
        let c = self;
        check!(
            c.version == CONFIG_VERSION,
            "version",
            &format!("{CONFIG_VERSION} (the format this build reads)"),
            c.version
        );
        check!(c.seed <= MAX_SEED, "seed", "in [0, 9007199254740991]", c.seed);

        c.data.check()?;
        c.net.check()?;
        c.train.check(&c.data)?;
        c.merge.check()?;
        let estimate = c.check_fits(target, budget)?;
        Ok(ValidConfig {
            raw: c.clone(),
            memory_estimate: estimate,
        })
    }

    /// The sizes: no single buffer beyond `target.max_buffer` ([`largest_buffer`]),
    /// at most `budget` bytes in all (the snapshot's text included, at most
    /// `target.max_memory`), and one step at most [`STEP_COST_PER_BUDGET_BYTE`]
    /// multiply-adds per byte of `budget`. Returns the memory estimate.
    fn check_fits(&self, target: Target, budget: u64) -> Result<u64, ConfigError> {
        let c = self;
        let big = largest_buffer(c, target);
        if big.bytes > target.max_buffer {
            return Err(ConfigError::Buffer {
                field: big.field,
                value: big.value,
                what: big.what,
                bytes: big.bytes,
                limit: target.max_buffer,
                target: target.name.to_string(),
            });
        }
        let (estimate, detail) = memory_estimate(c);
        if estimate > budget {
            return Err(ConfigError::MemoryBudget { estimate, budget, detail });
        }
        // The snapshot's JSON text exists next to the run, and must fit the target's memory too.
        let with_snapshot = estimate.saturating_add(snapshot_json_bytes(c));
        if with_snapshot > target.max_memory {
            return Err(ConfigError::MemoryBudget {
                estimate: with_snapshot,
                budget: target.max_memory,
                detail: format!("{detail}, snapshot text {} B, on {}", snapshot_json_bytes(c), target.name),
            });
        }
        let (cost, cost_detail) = step_cost(c);
        let cost_budget = budget.saturating_mul(STEP_COST_PER_BUDGET_BYTE);
        if cost > cost_budget {
            return Err(ConfigError::StepCost {
                estimate: cost,
                budget: cost_budget,
                detail: cost_detail,
            });
        }
        Ok(estimate)
    }
}

impl DataConfig {
    /// The data section: its ranges, and what each generator needs of them.
    fn check(&self) -> Result<(), ConfigError> {
        let d = self;
        check!((1..=26).contains(&d.tasks), "data.tasks", "in [1, 26]", d.tasks);
        check!((1..=1_000_000).contains(&d.n), "data.n", "in [1, 1000000]", d.n);
        check!((1..=1_000_000).contains(&d.d), "data.d", "in [1, 1000000]", d.d);
        check!((1..=4096).contains(&d.out_dim), "data.out_dim", "in [1, 4096]", d.out_dim);
        check!(finite_in(d.rho, 0.0, 1.0, false), "data.rho", "in [0, 1]", d.rho);
        check!(
            finite_in(d.angle_deg, 0.0, 90.0, false),
            "data.angle_deg",
            "in [0, 90] degrees",
            Num(d.angle_deg)
        );
        check!(finite_in(d.noise, 0.0, 1.0, false), "data.noise", "in [0, 1]", d.noise);
        check!(
            (1..=4096).contains(&d.teacher_width),
            "data.teacher_width",
            "in [1, 4096]",
            d.teacher_width
        );
        match d.generator {
            Generator::Blocks => check!(
                d.d >= d.tasks,
                "data.d",
                &format!("at least data.tasks = {} for the blocks generator (one block per task)", d.tasks),
                d.d
            ),
            Generator::Mixing => check!(
                d.d > d.tasks,
                "data.d",
                &format!(
                    "at least data.tasks + 1 = {} for the mixing generator (a shared block plus one per task)",
                    d.tasks + 1
                ),
                d.d
            ),
            Generator::Gaussian => {}
            Generator::Whitened => {
                if d.tasks != 1 {
                    return Err(conflict(
                        "data.tasks",
                        format!("the whitened generator makes one task, got {}", d.tasks),
                    ));
                }
                check!(
                    d.n >= d.d,
                    "data.n",
                    &format!("at least data.d = {} for whitened inputs (XᵀX = n·I needs n ≥ d)", d.d),
                    d.n
                );
            }
            Generator::Planar => {
                check!(
                    d.d >= 3 * d.tasks,
                    "data.d",
                    &format!("at least 3 × data.tasks = {} for planar tasks (three axes per task)", 3 * d.tasks),
                    d.d
                );
                check!(d.out_dim == 1, "data.out_dim", "1 for planar tasks", d.out_dim);
            }
            Generator::Digits => {
                use crate::data::digits::{CLASS_COUNTS, PIXELS};
                check!(d.d == PIXELS, "data.d", "64 for the digits generator (8 × 8 pixels)", d.d);
                check!(d.out_dim == 1, "data.out_dim", "1 for digits tasks (labels ±1)", d.out_dim);
                check!(
                    d.digit_pairs.len() >= d.tasks,
                    "data.digit_pairs",
                    &format!("at least one pair per task (data.tasks = {})", d.tasks),
                    format!("{} pair{}", d.digit_pairs.len(), if d.digit_pairs.len() == 1 { "" } else { "s" })
                );
                for (t, &[p, q]) in d.digit_pairs.iter().enumerate().take(d.tasks) {
                    let field = format!("data.digit_pairs[{t}]");
                    check!(
                        p <= 9 && q <= 9 && p != q,
                        &field,
                        "two different digits in [0, 9]",
                        format!("[{p}, {q}]")
                    );
                    let available = CLASS_COUNTS[p as usize] + CLASS_COUNTS[q as usize];
                    check!(
                        d.n <= available,
                        "data.n",
                        &format!("at most {available} for task {t} (digits {p} and {q} have that many images)"),
                        d.n
                    );
                }
            }
        }
        Ok(())
    }
}

impl NetConfig {
    /// The network section: widths, scales, frozen layers, and at least one trained layer.
    fn check(&self) -> Result<(), ConfigError> {
        let n = self;
        check!(n.widths.len() <= 32, "net.widths", "at most 32 hidden layers", n.widths.len());
        for (i, &w) in n.widths.iter().enumerate() {
            check!((1..=1_000_000).contains(&w), &format!("net.widths[{i}]"), "in [1, 1000000]", w);
        }
        let depth = n.widths.len() + 1;
        check!(
            finite_in(n.leaky_slope, 0.0, 1.0, true) && n.leaky_slope < 1.0,
            "net.leaky_slope",
            "in (0, 1)",
            Num(n.leaky_slope)
        );
        check!(
            finite_in(n.init_scale, 0.0, 100.0, true),
            "net.init_scale",
            "in (0, 100]",
            Num(n.init_scale)
        );
        check!(
            n.layer_scales.is_empty() || n.layer_scales.len() == depth,
            "net.layer_scales",
            &format!("empty or one entry per layer ({depth})"),
            format!("{} entries", n.layer_scales.len())
        );
        for (i, &s) in n.layer_scales.iter().enumerate() {
            check!(
                finite_in(s, 0.0, 100.0, true),
                &format!("net.layer_scales[{i}]"),
                "in (0, 100]",
                Num(s)
            );
        }
        for (i, &f) in n.frozen.iter().enumerate() {
            check!(
                (1..=depth).contains(&f),
                &format!("net.frozen[{i}]"),
                &format!("a layer index in [1, {depth}]"),
                f
            );
        }
        if n.output == OutputLayer::Fixed && n.widths.is_empty() {
            return Err(conflict(
                "net.output",
                "a fixed output layer needs at least one hidden layer (net.widths is empty)",
            ));
        }
        let trained = (0..depth)
            .filter(|&k| {
                let fixed_output = k == depth - 1 && n.output == OutputLayer::Fixed;
                !fixed_output && !n.frozen.contains(&(k + 1))
            })
            .count();
        if trained == 0 {
            return Err(conflict("net.frozen", "every layer is frozen or fixed: nothing to train"));
        }
        Ok(())
    }
}

impl TrainConfig {
    /// The training section: ranges, the schedule, and what the optimizer and
    /// the loss need of the data (`d`: SGD's batch size, the logistic loss's out_dim).
    fn check(&self, d: &DataConfig) -> Result<(), ConfigError> {
        let t = self;
        check!(finite_in(t.lr, 0.0, 1000.0, true), "train.lr", "in (0, 1000]", t.lr);
        check!(
            t.schedule.len() <= 10_000,
            "train.schedule",
            "at most 10000 changes",
            t.schedule.len()
        );
        for (i, ch) in t.schedule.iter().enumerate() {
            let at = |f: &str| format!("train.schedule[{i}].{f}");
            check!(ch.step <= 1_000_000_000, &at("step"), "in [0, 1000000000]", ch.step);
            if i > 0 {
                let prev = t.schedule[i - 1].step;
                check!(
                    ch.step > prev,
                    &at("step"),
                    &format!("above train.schedule[{}].step = {prev} (steps strictly increasing)", i - 1),
                    ch.step
                );
            }
            if ch.lambda.is_none() && ch.lr.is_none() {
                return Err(conflict(&format!("train.schedule[{i}]"), "a change needs lambda, lr or both"));
            }
            if let Some(l) = ch.lambda {
                check!(finite_in(l, 0.0, 1000.0, false), &at("lambda"), "in [0, 1000]", Num(l));
            }
            if let Some(lr) = ch.lr {
                check!(finite_in(lr, 0.0, 1000.0, true), &at("lr"), "in (0, 1000]", Num(lr));
            }
        }
        check!(
            finite_in(t.lambda, 0.0, 1000.0, false),
            "train.lambda",
            "in [0, 1000]",
            Num(t.lambda)
        );
        check!((1..=1_000_000_000).contains(&t.steps), "train.steps", "in [1, 1000000000]", t.steps);
        check!(finite_in(t.time, 0.0, 1e9, true), "train.time", "in (0, 1e9]", Num(t.time));
        check!(finite_in(t.rtol, 1e-14, 1e-2, false), "train.rtol", "in [1e-14, 1e-2]", Num(t.rtol));
        check!(finite_in(t.atol, 0.0, 1.0, false), "train.atol", "in [0, 1]", t.atol);
        check!(
            (1..=1_000_000_000).contains(&t.record_every),
            "train.record_every",
            "in [1, 1000000000]",
            t.record_every
        );
        check!(
            (16..=100_000).contains(&t.history_len),
            "train.history_len",
            "in [16, 100000]",
            t.history_len
        );
        check!(
            finite_in(t.ema, 0.0, 1.0, false) && t.ema < 1.0,
            "train.ema",
            "in [0, 1)",
            Num(t.ema)
        );
        if t.optimizer == Optimizer::Sgd {
            check!(
                (1..=d.n).contains(&t.batch_size),
                "train.batch_size",
                &format!("in [1, data.n = {}]", d.n),
                t.batch_size
            );
        }
        if t.loss == Loss::Logistic {
            check!(d.out_dim == 1, "data.out_dim", "1 for the logistic loss (labels are ±1)", d.out_dim);
        }
        Ok(())
    }
}

impl MergeConfig {
    /// The merge section: ranges, no method twice, shared θ₀ where a method needs it.
    fn check(&self) -> Result<(), ConfigError> {
        let m = self;
        check!(finite_in(m.alpha, 0.0, 10.0, true), "merge.alpha", "in (0, 10]", Num(m.alpha));
        for (i, meth) in m.methods.iter().enumerate() {
            if m.methods[..i].contains(meth) {
                return Err(conflict("merge.methods", format!("{} is listed twice", meth.name())));
            }
        }
        if let Some(meth) = m.methods.iter().find(|x| x.needs_shared_init()).filter(|_| !m.shared_init) {
            return Err(conflict(
                "merge.methods",
                format!(
                    "{} needs merge.shared_init = true (it measures each net's change from a shared θ₀)",
                    meth.name()
                ),
            ));
        }
        check!(
            finite_in(m.ties_k, 0.0, 100.0, true),
            "merge.ties_k",
            "in (0, 100] (percent of each task vector kept)",
            Num(m.ties_k)
        );
        check!(
            finite_in(m.dare_p, 0.0, 1.0, false) && m.dare_p < 1.0,
            "merge.dare_p",
            "in [0, 1) (fraction of each task vector dropped)",
            Num(m.dare_p)
        );
        check!(m.dare_seed <= MAX_SEED, "merge.dare_seed", "in [0, 9007199254740991]", m.dare_seed);
        check!(
            m.spectral_rank <= 1_000_000,
            "merge.spectral_rank",
            "in [0, 1000000] (0: the rank rule merge.spectral_energy)",
            m.spectral_rank
        );
        check!(
            finite_in(m.spectral_energy, 0.0, 1.0, true),
            "merge.spectral_energy",
            "in (0, 1] (fraction of Σσᵢ² the kept directions hold)",
            Num(m.spectral_energy)
        );
        check!(
            finite_in(m.regmean_ridge, 0.0, 1.0, false),
            "merge.regmean_ridge",
            "in [0, 1] (a fraction of the largest eigenvalue of Σ Gᵢ)",
            Num(m.regmean_ridge)
        );
        Ok(())
    }
}

/// Multiply-adds of one full-batch GD step over all tasks: per layer the
/// forward product, the weight gradient and the back-propagated gradient,
/// n·fan_in·fan_out each (gradient flow takes about six such evaluations per
/// accepted step; SGD less). Saturating, like the memory estimate.
fn step_cost(c: &Config) -> (u64, String) {
    let sizes: Vec<u64> = layer_sizes(c).iter().map(|&s| s as u64).collect();
    let per_sample = sizes
        .windows(2)
        .map(|w| w[0].saturating_mul(w[1]))
        .fold(0u64, |a, b| a.saturating_add(b));
    let (k, n) = (c.data.tasks as u64, c.data.n as u64);
    let total = per_sample.saturating_mul(3).saturating_mul(n).saturating_mul(k);
    (total, format!("3 products × n = {n} × {per_sample} weights × {k} task(s)"))
}

/// Estimated peak bytes of a run, with a breakdown. Uses saturating
/// arithmetic so absurd sizes give a huge estimate, never an overflow.
fn memory_estimate(c: &Config) -> (u64, String) {
    let f = 8u64; // bytes per f64
    let sizes: Vec<u64> = layer_sizes(c).iter().map(|&s| s as u64).collect();
    let k = c.data.tasks as u64;
    let n = c.data.n as u64;
    let params: u64 = sizes
        .windows(2)
        .map(|w| w[0].saturating_mul(w[1]).saturating_add(w[1]))
        .fold(0u64, |a, b| a.saturating_add(b));
    let units: u64 = sizes.iter().fold(0u64, |a, &b| a.saturating_add(b));
    let data = k
        .saturating_mul(n)
        .saturating_mul((c.data.d as u64).saturating_add(c.data.out_dim as u64))
        .saturating_mul(f);
    // Weights, gradient, EMA, initial copy, previous state, plus 7 Runge–Kutta stages under GF.
    let copies = if c.train.optimizer == Optimizer::Gf { 12 } else { 5 };
    let per_net_params = params.saturating_mul(copies).saturating_mul(f);
    // Pre-activations, activations and their gradients for the whole batch.
    let per_net_acts = n.saturating_mul(units).saturating_mul(4).saturating_mul(f);
    // Metrics history: per point, per layer a spectrum of min(rows, cols) values.
    let spectra: u64 = sizes.windows(2).map(|w| w[0].min(w[1])).fold(0u64, |a, b| a.saturating_add(b));
    let history = (c.train.history_len as u64)
        .saturating_mul(spectra.saturating_add(16 * sizes.len() as u64))
        .saturating_mul(f);
    let nets = k.saturating_add(c.merge.methods.len() as u64);
    let total = data
        .saturating_add(nets.saturating_mul(per_net_params))
        .saturating_add(k.saturating_mul(per_net_acts.saturating_add(history)));
    let detail = format!(
        "data {data} B, parameters {} B, activations {} B, history {} B",
        nets.saturating_mul(per_net_params),
        k.saturating_mul(per_net_acts),
        k.saturating_mul(history)
    );
    (total, detail)
}

/// One buffer a run allocates: its size in bytes and the field that sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buffer {
    /// The config field (dotted path) that makes it large.
    pub field: String,
    /// That field's value.
    pub value: String,
    /// What the buffer holds.
    pub what: String,
    pub bytes: u64,
}

/// Bytes of the JSON text of one snapshot (upper estimate): every history
/// point of every task writes its per-layer numbers and singular values, at
/// most 26 characters per number; [`largest_buffer`] doubles it for the
/// growth of the string that holds it.
pub fn snapshot_json_bytes(c: &Config) -> u64 {
    let sizes: Vec<u64> = layer_sizes(c).iter().map(|&s| s as u64).collect();
    let layers = sizes.len() as u64 - 1;
    let spectra: u64 = sizes.windows(2).map(|w| w[0].min(w[1])).fold(0u64, |a, b| a.saturating_add(b));
    // ~30 named numbers per layer (names included, ~40 characters each), ~40 per point, plus the config and the merge report.
    let per_point = spectra
        .saturating_mul(26)
        .saturating_add(layers.saturating_mul(30 * 40))
        .saturating_add(40 * 40);
    let points = (c.train.history_len as u64).saturating_add(1);
    let tasks = c.data.tasks as u64;
    let merge = (c.merge.methods.len() as u64 + 1).saturating_mul(layers.saturating_mul(2000).saturating_add(4000));
    tasks
        .saturating_mul(points)
        .saturating_mul(per_point)
        .saturating_add(merge)
        .saturating_add(64 << 10)
}

/// The largest single buffer a run with this config allocates on `target`
/// (training, snapshots, merges, the snapshot's JSON), in bytes. Saturating.
/// Each entry mirrors an allocation in the code (tests/wasm_limits.rs checks
/// the estimate against the sizes a run actually allocates):
/// - the data, n × d and n × out_dim per task (`data`);
/// - each weight matrix, fan_out × fan_in, and its copies (`net`, `train`);
/// - activations and their gradients, n × width per layer (`net::Workspace`);
///   the merges stack all tasks' inputs of a layer, K·n × fan_in (`merge::regmean`);
/// - the balance D_k of a hidden layer of m units: Gram matrices of the fans,
///   or blocks of D_k's rows (`analysis::layers::balance`);
/// - an SVD's copy and workspace (`analysis::spectrum`), taken as 3 × the matrix;
/// - the SGD index order, n indices of `target.usize_bytes`;
/// - the snapshot's JSON text, 2 × [`snapshot_json_bytes`].
pub fn largest_buffer(c: &Config, target: Target) -> Buffer {
    let f = 8u64;
    let sizes: Vec<u64> = layer_sizes(c).iter().map(|&s| s as u64).collect();
    let size_field = |j: usize| -> (String, String) {
        if j == 0 {
            ("data.d".into(), c.data.d.to_string())
        } else if j + 1 == sizes.len() {
            ("data.out_dim".into(), c.data.out_dim.to_string())
        } else {
            (format!("net.widths[{}]", j - 1), sizes[j].to_string())
        }
    };
    let (n, k) = (c.data.n as u64, c.data.tasks as u64);
    let mut all: Vec<Buffer> = Vec::new();
    let mut add = |(field, value): (String, String), what: String, bytes: u64| all.push(Buffer { field, value, what, bytes });
    let n_field = || ("data.n".to_string(), c.data.n.to_string());
    add(
        n_field(),
        "the inputs of one task".into(),
        n.saturating_mul(sizes[0]).saturating_mul(f),
    );
    add(
        ("data.teacher_width".into(), c.data.teacher_width.to_string()),
        "the teacher's weights".into(),
        (c.data.teacher_width as u64).saturating_mul(sizes[0]).saturating_mul(f),
    );
    add(n_field(), "the SGD index order".into(), n.saturating_mul(target.usize_bytes));
    for j in 0..sizes.len() {
        add(
            size_field(j),
            format!("the activations of layer {j} (data.n × width)"),
            n.saturating_mul(sizes[j]).saturating_mul(f),
        );
        if k > 1 {
            add(
                size_field(j),
                format!("the merge's stacked inputs of layer {} (tasks · data.n × width)", j + 1),
                k.saturating_mul(n).saturating_mul(sizes[j] + 1).saturating_mul(f).saturating_mul(3),
            );
        }
    }
    for l in 0..sizes.len() - 1 {
        let (fi, fo) = (sizes[l], sizes[l + 1]);
        let field = if fi >= fo { size_field(l) } else { size_field(l + 1) };
        let w = fi.saturating_mul(fo).saturating_mul(f);
        add(field.clone(), format!("the weights of layer {} ({fo} × {fi})", l + 1), w);
        add(
            field,
            format!("the SVD of layer {}'s weights ({fo} × {fi})", l + 1),
            w.saturating_mul(3),
        );
    }
    for j in 1..sizes.len() - 1 {
        let (m, fi, fo) = (sizes[j], sizes[j - 1], sizes[j + 1]);
        let to = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        let grams = if crate::analysis::layers::balance_uses_grams(to(m), to(fi), to(fo)) {
            fi.max(fo).saturating_mul(fi.max(fo))
        } else {
            0
        };
        let rows = crate::analysis::layers::balance_block_rows(to(m)) as u64;
        let block = rows.min(m).saturating_mul(m);
        add(
            size_field(j),
            format!("the balance D_{j} of a {m}-unit layer"),
            grams.max(block).saturating_mul(f),
        );
    }
    add(
        ("train.history_len".into(), c.train.history_len.to_string()),
        "the snapshot's JSON text".into(),
        snapshot_json_bytes(c).saturating_mul(2),
    );
    all.into_iter().max_by_key(|b| b.bytes).expect("at least one buffer")
}
