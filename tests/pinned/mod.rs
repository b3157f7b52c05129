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
