#![allow(dead_code)]
//! A short run whose metrics were computed once natively and checked in:
//! the native test and the browser (wasm32) test both compare against these
//! numbers, so the two targets are held to the same results.

/// The config of the pinned run (100 GD steps of a shallow ReLU net on two mixed tasks).
pub const RUN_CONFIG: &str = r#"{"version":1,"seed":11,"data":{"generator":"mixing","tasks":2,"n":16,"d":24,"rho":0.3},"net":{"widths":[32],"output":"fixed"},"train":{"lr":0.5,"lambda":0.01,"steps":100,"record_every":10}}"#;

/// (dotted key of the `final` summary, value computed natively).
pub const RUN_FINAL: &[(&str, f64)] = &[
    ("loss", 0.5321984447380325),
    ("accuracy", 1.0),
    ("stationarity", 1.110450522219399),
    ("outside_span", 0.4722830470304489),
    ("layers.1.frobenius", 4.313310575031456),
    ("layers.1.stable_rank", 4.756541523180162),
    ("layers.1.effective_rank", 20.11445320346486),
    ("layers.1.alignment_cos", 0.5790944416987331),
    ("layers.1.alignment_cos_avg", 0.5506995028985108),
    ("layers.1.balance_diag", 3.328878593875759),
    ("tasks.b.loss", 0.5270864853645219),
    ("merge.sum.a.loss", 0.571704164751947),
    ("merge.sum.a.max_output_change", 0.3420491355624595),
    ("merge.sum.b.accuracy", 0.8125),
    ("merge_bound.1.max_bound", 6.08418473804019),
];

/// A short run merged by every method (100 GD steps, shared θ₀, overlapping tasks),
/// and a digits run: the new merges and the embedded real data, natively and in wasm.
pub const METHODS_CONFIG: &str = r#"{"version":1,"seed":13,"data":{"generator":"mixing","tasks":2,"n":16,"d":24,"rho":0.3},"net":{"widths":[32],"output":"fixed"},"train":{"lr":0.5,"lambda":0.01,"steps":100,"record_every":10},"merge":{"methods":["sum","mean","task_arithmetic","regmean","ties","dare","spectral"],"shared_init":true,"alpha":0.8,"ties_k":30,"dare_p":0.3,"dare_seed":5,"spectral_rank":3}}"#;

/// (dotted key of the `final` summary, value computed natively).
pub const METHODS_FINAL: &[(&str, f64)] = &[
    ("merge.sum.a.loss", 0.5298355939595998),
    ("merge.mean.a.loss", 0.6049987723415984),
    ("merge.task_arithmetic.a.loss", 0.5550665461018215),
    ("merge.regmean.a.loss", 0.495376407291364),
    ("merge.regmean.b.max_output_change", 0.08573233146767789),
    ("merge.ties.a.loss", 0.5919843805222123),
    ("merge.ties.b.accuracy", 1.0),
    ("merge.dare.a.loss", 0.5619401415554078),
    ("merge.dare.b.loss", 0.5654461702992422),
    ("merge.spectral.a.loss", 0.5484757422607641),
    ("merge.spectral.b.max_output_change", 0.37333699171261575),
    ("merge_diagnostics.pairs.1.task_cosine", 0.2890277743434573),
    ("merge_diagnostics.pairs.1.sign_conflicts", 0.4140625),
    ("merge_diagnostics.pairs.1.input_overlap_mean", 0.8266432120504139),
    ("merge_diagnostics.paths.1.loss_a.6", 0.5063381758837383),
    ("merge_diagnostics.paths.2.loss_b.6", 0.6183613828783124),
    ("merge_diagnostics.energy.1.task_energy", 0.9738459210342972),
];

/// A digits run (real images on all pixels).
pub const DIGITS_CONFIG: &str = r#"{"version":1,"seed":3,"data":{"generator":"digits","tasks":2,"n":60,"d":64,"digit_pixels":"all"},"net":{"widths":[16],"output":"fixed"},"train":{"lr":0.5,"lambda":0.01,"steps":50,"record_every":10},"merge":{"methods":["sum","regmean"]}}"#;

/// (dotted key of the `final` summary, value computed natively).
pub const DIGITS_FINAL: &[(&str, f64)] = &[
    ("tasks.a.loss", 0.43116940592294734),
    ("tasks.b.loss", 0.4525941456658864),
    ("merge.sum.a.loss", 0.528475806905813),
    ("merge.sum.b.max_output_change", 0.8262588326788565),
    ("merge.regmean.a.loss", 0.4432355192421057),
    ("overlap.pairs.1.mean_abs_inner", 0.6708463244951937),
];
