#![cfg(not(target_arch = "wasm32"))]
//! The benchmark times GD steps alone (`Trainer::set_record_first(false)`):
//! skipping the history point at step 0 must not change a single bit of the
//! training, under span and direct steps, or the benchmark's final losses
//! (which every reference must reproduce) would belong to another run. SGD
//! and gradient flow keep the point whatever the setting.

use lowrank_lab::bench::workloads::{workload_sized, Workload};
use lowrank_lab::config::{Config, Optimizer};
use lowrank_lab::run::Run;
use lowrank_lab::train::Trainer;

fn trained(c: &Config, span: bool, first: bool, steps: u64) -> Trainer {
    let cfg = c.clone().validate().unwrap();
    let run = Run::new(&cfg);
    let t = &run.data().tasks[0];
    let mut tr = Trainer::new(&cfg, 0, t.x.clone(), t.y.clone());
    tr.set_span_steps(span);
    tr.set_record_first(first);
    tr.advance(steps);
    tr
}

#[test]
fn without_the_first_point_gd_trains_the_same_bits() {
    for w in [Workload::W1, Workload::W2, Workload::W3] {
        let c = workload_sized(w, true);
        for span in [true, false] {
            let with = trained(&c, span, true, 25);
            let without = trained(&c, span, false, 25);
            assert_eq!(with.history().points.len(), 1, "{w:?} span {span}: the point at step 0");
            assert!(without.history().points.is_empty(), "{w:?} span {span}: no point");
            assert_eq!(with.step_count(), 25);
            assert_eq!(without.step_count(), 25);
            for (a, b) in with.net().params.w.iter().zip(&without.net().params.w) {
                assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()), "{w:?} span {span}");
            }
            assert_eq!(with.loss_and_gradient().0.to_bits(), without.loss_and_gradient().0.to_bits());
        }
    }
}

#[test]
fn sgd_and_gradient_flow_keep_the_first_point() {
    for opt in [Optimizer::Sgd, Optimizer::Gf] {
        let mut c = workload_sized(Workload::W2, true);
        c.train.optimizer = opt;
        c.train.batch_size = 3;
        let t = trained(&c, false, false, 5);
        assert_eq!(t.history().points.len(), 1, "{opt:?}");
    }
}
