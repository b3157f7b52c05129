//! The page's URL hash (`#v=1&c=<base64url config>[&p=<preset>]`):
//! `urlhash::decode`. No input may panic; a decoded config is valid and
//! encodes back to a hash that decodes to the same config.
//! Run: see the comment at the top of fuzz/Cargo.toml (target `urlhash`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use lowrank_lab::config::urlhash;

fuzz_target!(|data: &[u8]| {
    let Ok(hash) = std::str::from_utf8(data) else {
        return;
    };
    match urlhash::decode(hash) {
        Ok(d) => {
            assert!(d.config.validate().is_ok(), "decode returned an invalid config");
            let again = urlhash::encode(&d.config, d.preset.as_deref());
            let back = urlhash::decode(&again).expect("an encoded hash decodes");
            assert_eq!(back.config, d.config);
        }
        Err(e) => {
            let m = e.to_string();
            assert!(!m.is_empty() && m.len() < 2000, "unclear message: {m}");
        }
    }
});
