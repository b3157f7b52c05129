//! `--set key=value` overrides (one assignment per input line, as the CLI's
//! repeated `--set`), applied to the default config with `overrides::apply_all`
//! and validated; and the page's `set_config_key(key, value)` path
//! (`overrides::apply` of `overrides::parse_value`) on the first line.
//! Run: see the comment at the top of fuzz/Cargo.toml (target `overrides`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use lowrank_lab::config::Config;
use lowrank_lab::config::overrides;

fn clear(m: &str) {
    assert!(!m.is_empty() && m.len() < 2000, "unclear message ({} bytes): {m}", m.len());
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<String> = text.lines().take(64).map(String::from).collect();
    match overrides::apply_all(&Config::default(), &lines) {
        Ok(c) => {
            if let Err(e) = c.validate() {
                clear(&e.to_string());
            }
        }
        Err(e) => clear(&e.to_string()),
    }
    if let Some((k, v)) = lines.first().and_then(|l| l.split_once('=')) {
        match overrides::apply(&Config::default(), k, overrides::parse_value(v)) {
            Ok(c) => {
                if let Err(e) = c.validate() {
                    clear(&e.to_string());
                }
            }
            Err(e) => clear(&e.to_string()),
        }
    }
});
