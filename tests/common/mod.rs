//! What the CLI tests share: running the built `lowrank-lab` binary.
#![allow(dead_code)] // each test file uses the part it needs
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
