//! Criterion benchmarks of the standard workloads (issue: speed).
//! W1 shallow, W2 deep, W3 wide: full-batch GD steps per second; S: spectra.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lowrank_lab::bench::workloads::{workload, Workload};
use lowrank_lab::run::Run;
use lowrank_lab::train::Trainer;

fn trainer(w: Workload) -> Trainer {
    let cfg = workload(w).validate().expect("workload config is valid");
    let run = Run::new(&cfg);
    let t = &run.data().tasks[0];
    Trainer::new(&cfg, 0, t.x.clone(), t.y.clone())
}

fn steps(c: &mut Criterion) {
    for w in [Workload::W1, Workload::W2, Workload::W3] {
        let mut g = c.benchmark_group(format!("{w:?}"));
        let per = if w == Workload::W3 { 5 } else { 100 };
        g.throughput(Throughput::Elements(per));
        g.sample_size(20);
        let mut t = trainer(w);
        g.bench_function("gd_steps", |b| {
            b.iter(|| {
                if !t.status().is_running() {
                    t.reset();
                }
                t.advance(per);
            })
        });
        g.finish();
    }
}

fn spectra(c: &mut Criterion) {
    let mut g = c.benchmark_group("S");
    g.sample_size(20);
    for w in [Workload::W2, Workload::W3] {
        let t = trainer(w);
        g.bench_function(format!("{w:?}_all_layers"), |b| {
            b.iter(|| {
                t.net()
                    .params
                    .w
                    .iter()
                    .map(|m| lowrank_lab::analysis::spectrum::singular_values(m.view()).len())
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, steps, spectra);
criterion_main!(benches);
