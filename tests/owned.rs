#![cfg(not(target_arch = "wasm32"))]
//! Owned steps (issue 21, `train::owned`): a net's plain GD steps run
//! with each of two threads owning half of every hidden layer's units give,
//! bit for bit, what one thread gives: the trainer's whole state
//! (parameters, the gradient's average, the checkpoint, history, status,
//! step), for every shape of net the lab trains, of depth 2 and deeper
//! (biases, odd widths, one-unit layers, trained or fixed output layers,
//! several outputs, leaky ReLU, frozen layers, scheduled changes), in any
//! budgets, when training diverges, when no second thread comes (the first
//! then runs both halves) and when it comes late. No timing is asserted.

use lowrank_lab::config::{Activation, Change, Config, Generator, Loss, OutputLayer};
use lowrank_lab::net::tune::{SplitTuner, OWNED};
use lowrank_lab::run::Run;
use lowrank_lab::train::{Status, Trainer};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool")
}

/// A two-thread pool one of whose threads is held by a job until the sender sends.
fn busy_pool() -> (rayon::ThreadPool, std::sync::mpsc::Sender<()>) {
    let busy = pool(2);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    busy.spawn(move || {
        started_tx.send(()).unwrap();
        rx.recv().unwrap();
    });
    started_rx.recv().unwrap();
    (busy, tx)
}

/// The trainer after `steps` steps in budgets of `budget`, under `tuner`, on `pool`.
fn trained(cfg: &Config, tuner: SplitTuner, steps: u64, budget: u64, pool: &rayon::ThreadPool) -> Trainer {
    let cfg = cfg.clone().validate().expect("valid");
    let run = Run::new(&cfg);
    let t = &run.data().tasks[0];
    let mut tr = Trainer::new(&cfg, 0, t.x.clone(), t.y.clone());
    pool.install(|| {
        tr.set_split_tuner(tuner);
        let mut done = 0;
        while done < steps && tr.status().is_running() {
            tr.advance(budget.min(steps - done));
            done += budget;
        }
    });
    tr
}

/// Everything a trainer's numbers are, exactly: its whole state (parameters,
/// gradient average, step, time, loss, checkpoint and its rest, history,
/// status) as JSON, whose floats are the shortest text that reads back to the same bits.
fn state(tr: &Trainer) -> String {
    serde_json::to_string(&tr.state()).expect("a state serializes")
}

/// One thread, no splits, against owned steps on two threads (and their report).
fn compare(name: &str, cfg: &Config, steps: u64, budget: u64) -> Trainer {
    let one = trained(cfg, SplitTuner::fixed(usize::MAX), steps, budget, &pool(1));
    let two = trained(cfg, SplitTuner::fixed(OWNED), steps, budget, &pool(2));
    assert!(state(&one) == state(&two), "{name}: the states differ");
    let r = two.split_report();
    // A budget of one step leaves no run of plain steps.
    assert!(budget == 1 || r.owned_runs > 0, "{name}: no owned run: {r:?}");
    two
}

fn shallow() -> Config {
    let mut c = Config {
        seed: 5,
        ..Config::default()
    };
    (c.data.n, c.data.d, c.net.widths) = (24, 30, vec![40]);
    (c.train.lr, c.train.lambda, c.train.record_every) = (0.5, 1e-2, 10);
    c
}

#[test]
fn owned_steps_equal_one_thread_for_every_depth_two_net() {
    let mut cases: Vec<(&str, Config)> = Vec::new();
    cases.push(("default shallow", shallow()));
    let mut c = shallow();
    c.net.output = OutputLayer::Fixed;
    cases.push(("fixed output", c));
    let mut c = shallow();
    (c.net.bias, c.net.widths) = (true, vec![7]);
    cases.push(("biases, odd width", c));
    let mut c = shallow();
    (c.net.widths, c.net.activation, c.net.leaky_slope) = (vec![1], Activation::LeakyRelu, 0.2);
    cases.push(("one hidden unit, leaky relu", c));
    let mut c = shallow();
    (c.data.generator, c.data.out_dim, c.train.loss, c.net.bias) = (Generator::Whitened, 3, Loss::Squared, true);
    (c.data.n, c.data.d) = (40, 20);
    cases.push(("three outputs, squared loss, biases", c));
    let mut c = shallow();
    c.net.frozen = vec![1];
    cases.push(("frozen first layer", c));
    let mut c = shallow();
    c.train.schedule = vec![
        Change {
            step: 45,
            lambda: Some(0.05),
            lr: None,
        },
        Change {
            step: 77,
            lambda: None,
            lr: Some(0.3),
        },
    ];
    c.train.record_every = 3;
    cases.push(("scheduled changes, a record every 3 steps", c));
    for (name, cfg) in &cases {
        for budget in [1, 13, 50, 1000] {
            compare(&format!("{name}, budgets of {budget}"), cfg, 150, budget);
        }
    }
}

fn deep() -> Config {
    let mut c = shallow();
    c.net.widths = vec![40, 30];
    c
}

#[test]
fn owned_steps_equal_one_thread_for_every_deeper_net() {
    let mut cases: Vec<(&str, Config)> = Vec::new();
    cases.push(("depth 3", deep()));
    let mut c = deep();
    (c.net.widths, c.net.bias, c.net.output) = (vec![7, 1, 9], true, OutputLayer::Fixed);
    cases.push(("depth 4, odd widths, one unit, biases, fixed output", c));
    let mut c = deep();
    (c.data.generator, c.data.out_dim, c.train.loss, c.net.bias) = (Generator::Whitened, 3, Loss::Squared, true);
    (c.data.n, c.data.d, c.net.activation, c.net.leaky_slope) = (40, 20, Activation::LeakyRelu, 0.2);
    cases.push(("three outputs, squared loss, biases, leaky relu", c));
    let mut c = deep();
    c.net.frozen = vec![1];
    cases.push(("frozen first layer", c));
    let mut c = deep();
    (c.net.widths, c.net.frozen) = (vec![12, 10, 8], vec![1, 2]);
    cases.push(("depth 4, two frozen layers", c));
    let mut c = deep();
    c.train.schedule = vec![Change {
        step: 45,
        lambda: Some(0.05),
        lr: Some(0.3),
    }];
    c.train.record_every = 3;
    cases.push(("a scheduled change, a record every 3 steps", c));
    for (name, cfg) in &cases {
        for budget in [1, 13, 1000] {
            compare(&format!("{name}, budgets of {budget}"), cfg, 150, budget);
        }
    }
}

#[test]
fn a_diverging_run_stops_at_the_same_step_and_state() {
    // η far beyond the curvature limit: the loss overflows within a few dozen steps.
    let mut c = shallow();
    (c.train.lr, c.train.loss, c.data.generator, c.data.out_dim) = (40.0, Loss::Squared, Generator::Whitened, 2);
    (c.data.n, c.data.d, c.net.bias) = (40, 20, true);
    // ηλ = 10: every step multiplies W_1 by −9 (and adds a gradient), the weights
    // overflow before the loss does.
    let mut w = shallow();
    (w.train.lr, w.train.lambda, w.net.output) = (1.0, 10.0, OutputLayer::Fixed);
    let mut d = c.clone();
    d.net.widths = vec![40, 30];
    // Depth 3 with W_2 frozen too: only W_1 grows, and the weights overflow first.
    let mut v = w.clone();
    (v.net.widths, v.net.frozen) = (vec![40, 30], vec![2]);
    for (name, cfg, quantity) in [
        ("η too large", c, "loss"),
        ("ηλ > 2", w, "weights"),
        ("depth 3, η too large", d, "loss"),
        ("depth 3, ηλ > 2", v, "weights"),
    ] {
        let two = compare(name, &cfg, 1000, 1000);
        // Inside a run of owned steps (not at a checkpoint or record step), and put back to the checkpoint.
        let Status::Diverged { step, quantity: q, .. } = two.status() else {
            panic!("{name}: {:?}", two.status())
        };
        assert!(step % 32 != 0 && step % 10 != 0, "{name}: diverged at step {step}");
        assert_eq!(q, quantity, "{name}");
        assert_eq!(two.step_count(), two.checkpoint_step());
    }
}

#[test]
fn without_a_second_thread_the_first_runs_both_halves() {
    // The pool's other thread is kept busy: no helper takes half 1, and the
    // trainer's thread runs every owned step alone, with the same bits.
    for cfg in [shallow(), deep()] {
        let one = trained(&cfg, SplitTuner::fixed(usize::MAX), 150, 50, &pool(1));
        let (busy, tx) = busy_pool();
        let alone = trained(&cfg, SplitTuner::fixed(OWNED), 150, 50, &busy);
        tx.send(()).unwrap();
        assert!(state(&one) == state(&alone), "{:?}", cfg.net.widths);
        let r = alone.split_report();
        assert!(r.owned_runs > 0 && r.owned_alone == r.owned_runs, "{r:?}");
    }
}

#[test]
fn a_helper_that_comes_late_takes_its_half_over_mid_run() {
    // One long run (one budget, no records): the pool's other thread is busy
    // for its first few milliseconds, then free. The trainer's thread starts
    // on both halves and hands half 1 over at the step after the helper comes.
    for widths in [vec![200], vec![120, 80]] {
        let mut cfg = shallow();
        (cfg.data.n, cfg.data.d, cfg.net.widths, cfg.net.output) = (20, 100, widths, OutputLayer::Fixed);
        cfg.train.record_every = 1_000_000;
        late_join(&cfg);
    }
}

fn late_join(cfg: &Config) {
    let steps = 4000;
    let one = trained(cfg, SplitTuner::fixed(usize::MAX), steps, steps, &pool(1));
    // Scheduling decides when the helper comes; a machine too busy to let it
    // run within the whole run gets three tries.
    for attempt in 0..3 {
        let (busy, tx) = busy_pool();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(3));
            tx.send(()).unwrap();
        });
        let late = trained(cfg, SplitTuner::fixed(OWNED), steps, steps, &busy);
        release.join().unwrap();
        assert!(
            state(&one) == state(&late),
            "{:?}, attempt {attempt}: the states differ",
            cfg.net.widths
        );
        let r = late.split_report();
        assert!(r.owned_runs > 0, "{r:?}");
        if r.owned_alone < r.owned_runs {
            return;
        }
    }
    panic!("{:?}: the helper never joined a run in three tries", cfg.net.widths);
}
