#![cfg(not(target_arch = "wasm32"))]
//! Export → JSON → import → continue equals an uninterrupted run, bit for bit,
//! for GD, SGD and gradient flow; a mismatched state is refused.
use lowrank_lab::config::{Config, Optimizer, NATIVE_MEMORY_BUDGET};
use lowrank_lab::run::{Run, RunState};

fn refused(st: RunState) -> String {
    match Run::from_state(st, NATIVE_MEMORY_BUDGET) {
        Ok(_) => panic!("a mismatched state was accepted"),
        Err(e) => e,
    }
}

fn config(opt: Optimizer) -> Config {
    let mut c = Config::default();
    c.seed = 17;
    c.data.generator = lowrank_lab::config::Generator::Mixing;
    c.data.tasks = 2;
    c.data.n = 12;
    c.data.d = 10;
    c.data.rho = 0.4;
    c.net.widths = vec![16, 8];
    c.train.optimizer = opt;
    c.train.batch_size = 4;
    c.train.lr = 0.3;
    c.train.steps = 400;
    c.train.time = 6.0;
    c.train.record_every = 7;
    c.train.history_len = 16;
    c
}

#[test]
fn export_import_continue_is_bit_identical() {
    for opt in [Optimizer::Gd, Optimizer::Sgd, Optimizer::Gf] {
        let cfg = config(opt).validate().unwrap();
        let mut straight = Run::new(&cfg);
        straight.advance(150);
        straight.advance(10_000);
        let mut first = Run::new(&cfg);
        first.advance(150);
        let text = serde_json::to_string(&first.state()).unwrap();
        let state: RunState = serde_json::from_str(&text).unwrap();
        // Exact round trip (compared as JSON: a NaN field, e.g. a metric of a zero layer, is never == itself).
        assert_eq!(
            serde_json::to_string(&state).unwrap(),
            text,
            "{opt:?}: JSON did not round-trip exactly"
        );
        let mut resumed = Run::from_state(state, NATIVE_MEMORY_BUDGET).unwrap();
        resumed.advance(10_000);
        let (a, b) = (
            serde_json::to_string(&straight.snapshot()).unwrap(),
            serde_json::to_string(&resumed.snapshot()).unwrap(),
        );
        assert_eq!(a, b, "{opt:?}: resumed run differs");
        assert!(straight.trainers()[0].step_count() > 150);
    }
}

#[test]
fn mismatched_states_are_refused() {
    let cfg = config(Optimizer::Gd).validate().unwrap();
    let run = Run::new(&cfg);
    let mut st = run.state();
    st.config.net.widths = vec![16, 9];
    assert!(refused(st).contains("layer shapes do not match"));
    let mut st = run.state();
    st.config.train.optimizer = Optimizer::Sgd;
    assert!(refused(st).contains("another optimizer"));
    let mut st = run.state();
    st.tasks.pop();
    assert!(refused(st).contains("state has 1 tasks"));
    let mut st = run.state();
    st.config.train.lr = -1.0;
    assert!(refused(st).contains("train.lr must be in (0, 1000]"));
    assert!(serde_json::from_str::<RunState>(r#"{"config": {}, "tasks": [], "extra": 1}"#).is_err());
}
