//! What the integration tests share: running the built `lowrank-lab`
//! binary, and the runs more than one test file checks.
#![allow(dead_code)] // each test file uses the part it needs
use lowrank_lab::config::{Config, Generator, Optimizer};
use std::path::Path;
use std::process::{Command, Output};

/// `lowrank-lab ARGS`, waited for; stdout and stderr captured.
pub fn lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lowrank-lab"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// The process's stderr as text (lossy).
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A path as a CLI argument (test paths are UTF-8).
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `--set` overrides for an exactly interpolating linear net at λ = 0
/// (loss ~1e-31 after 20000 steps, gradients at rounding level): the run
/// whose cosines and stationarity must be flagged, not printed or passed.
pub const INTERPOLATING_NET: [&str; 8] = [
    "data.n=5",
    "data.d=20",
    "net.widths=[16]",
    "net.activation=linear",
    "train.loss=squared",
    "train.lambda=0",
    "train.lr=0.2",
    "train.steps=20000",
];

/// The small run the state, live-snapshot, delta and fuzz-corpus tests start
/// from (it trains in milliseconds): seed `seed`, `tasks` tasks (the `mixing`
/// generator with ρ = 0.3 when there are two or more) of n = 12 samples in
/// d = 16, hidden widths [20, 10], optimizer `opt` with η = 0.3 and SGD
/// batches of 4. Each test sets its budget (steps, time, record_every,
/// history_len) and whatever else it varies.
pub fn tiny_config(seed: u64, opt: Optimizer, tasks: usize) -> Config {
    let mut c = Config { seed, ..Config::default() };
    c.data.tasks = tasks;
    if tasks > 1 {
        c.data.generator = Generator::Mixing;
        c.data.rho = 0.3;
    }
    c.data.n = 12;
    c.data.d = 16;
    c.net.widths = vec![20, 10];
    c.train.optimizer = opt;
    c.train.lr = 0.3;
    c.train.batch_size = 4;
    c
}
