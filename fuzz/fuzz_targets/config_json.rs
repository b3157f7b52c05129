//! Config JSON (the CLI's `--config FILE.json`, the page's config editor):
//! `Config::from_json` then `validate`. No input may panic; a refusal is a
//! short message; a parsed config round-trips through its JSON exactly.
//! Run: see the comment at the top of fuzz/Cargo.toml (target `config_json`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use lowrank_lab::config::{Config, DEFAULT_MEMORY_BUDGET};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_json(text) {
        Ok(c) => {
            let back = Config::from_json(&c.to_json()).expect("a parsed config re-parses from its own JSON");
            assert_eq!(back, c, "config JSON does not round-trip");
            match c.validate() {
                Ok(v) => assert!(v.memory_estimate() <= DEFAULT_MEMORY_BUDGET),
                Err(e) => {
                    let m = e.to_string();
                    assert!(!m.is_empty() && m.len() < 2000, "unclear message: {m}");
                }
            }
        }
        Err(e) => {
            let m = e.to_string();
            assert!(m.starts_with("config does not parse"), "{m}");
        }
    }
});
