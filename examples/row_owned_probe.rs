//! Probe (issue 21): W1's direct step on one thread, with its two products split
//! across two threads (as the trainer splits them), and with W's rows owned by
//! two threads and one barrier a step (`lowrank_lab::bench::row_owned`). All three
//! give the same bits (checked here on every run). Alternates the modes, medians.
//!
//!   cargo run --release --example row_owned_probe [steps=20000] [rounds=5]
//!
//! The same in Chromium: `node bench/row-owned.mjs` (the threaded bench package).

use lowrank_lab::bench::row_owned::{checksum, Mode, Probe};
use std::time::Instant;

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).map(|a| a.parse().expect("a number")).collect();
    let steps = args.first().copied().unwrap_or(20_000);
    let rounds = args.get(1).copied().unwrap_or(5);
    let probe = Probe::new();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool of two threads");
    let modes = [
        (Mode::OneThread, "one thread"),
        (Mode::SplitProducts, "split products (2 threads)"),
        (Mode::RowOwned, "row-owned (2 threads)"),
    ];
    let mut rates = vec![Vec::new(); modes.len()];
    let mut sums = Vec::new();
    for _ in 0..rounds {
        for (i, (mode, _)) in modes.iter().enumerate() {
            let t = Instant::now();
            let (w, two) = pool.install(|| probe.run(*mode, steps));
            assert!(two || *mode == Mode::OneThread, "{mode:?} ran on one thread");
            rates[i].push(steps as f64 / t.elapsed().as_secs_f64());
            sums.push(checksum(&w));
        }
    }
    assert!(sums.iter().all(|&s| s == sums[0]), "every mode must give the same bits");
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = median(&rates[0]);
    for ((_, name), r) in modes.iter().zip(&rates) {
        let m = median(r);
        let all: Vec<String> = r.iter().map(|x| format!("{x:.0}")).collect();
        println!(
            "{name:28} median {m:8.0} steps/s ({:.2}× one thread)  [{}]",
            m / base,
            all.join(" ")
        );
    }
    println!("same bits in every run; {steps} steps of W1's shape (200 × 100, n = 20) per run");
}
