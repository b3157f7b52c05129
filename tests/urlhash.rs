#![cfg(not(target_arch = "wasm32"))]
//! The URL hash (`lowrank_lab::config::urlhash`): round trips, and one test per refusal
//! asserting its exact message.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lowrank_lab::config::urlhash::{decode, encode, Decoded, MAX_HASH_LEN};
use lowrank_lab::config::Config;

fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s.as_bytes())
}

fn message(hash: &str) -> String {
    decode(hash).unwrap_err().to_string()
}

#[test]
fn round_trips_a_config_and_a_preset() {
    let cfg = lowrank_lab::presets::find("merge-overlap").unwrap().config().unwrap();
    let h = encode(&cfg, Some("merge-overlap"));
    assert!(h.starts_with("#v=1&c="), "{h}");
    assert!(h.ends_with("&p=merge-overlap"), "{h}");
    let d = decode(&h).unwrap();
    assert_eq!(d.config, cfg);
    assert_eq!(d.preset.as_deref(), Some("merge-overlap"));
    // Without the '#' and without a preset.
    let d = decode(encode(&Config::default(), None).trim_start_matches('#')).unwrap();
    assert_eq!(
        d,
        Decoded {
            config: Config::default(),
            preset: None,
            sweep: Vec::new(),
            compare: Vec::new(),
        }
    );
}

/// A comparison rides in the link as `b=` and comes back as given; one that
/// is not a list of `key=value` texts, or that run B's check refuses, is
/// refused with what is wrong.
#[test]
fn a_comparison_round_trips_and_a_bad_one_is_refused() {
    let mut cfg = Config::default();
    cfg.train.lambda = 0.02;
    let sets = vec!["train.lambda=0".to_string()];
    let h = lowrank_lab::config::urlhash::encode_all(&cfg, None, &[], &sets);
    assert!(h.contains("&b="), "{h}");
    let d = decode(&h).unwrap();
    assert_eq!(d.compare, sets);
    assert_eq!(d.config, cfg);
    let c = format!("#v=1&c={}", b64(&serde_json::to_string(&cfg).unwrap()));
    assert!(message(&format!("{c}&b=!!!")).starts_with("the link's comparison (b=) is not base64url"));
    assert!(message(&format!("{c}&b={}", b64("{}"))).contains("(b=) is not a JSON array"));
    assert_eq!(
        message(&format!("{c}&b={}", b64(r#"["train.lambda=0.02"]"#))),
        "the link's comparison (b=) is refused: compare: B equals A (train.lambda=0.02 leaves the config as it is); choose a value that differs"
    );
    assert!(message(&format!("{c}&b={}", b64(r#"["seed=4"]"#))).contains("keeps A's seed"));
}

/// A sweep rides in the link as `s=` and comes back axis for axis; a sweep
/// that is not a list of 1–3 `key=v1;v2;…` axes is refused with what is wrong.
#[test]
fn a_sweep_round_trips_and_a_bad_one_is_refused() {
    let cfg = Config::default();
    let axes = vec![
        "train.lambda=0.001;0.01".to_string(),
        "net.widths=[8];[16,16]".to_string(),
        "seed=0;1".to_string(),
    ];
    let h = lowrank_lab::config::urlhash::encode_with_sweep(&cfg, Some("alignment"), &axes);
    assert!(h.contains("&p=alignment&s="), "{h}");
    let d = decode(&h).unwrap();
    assert_eq!(d.sweep, axes);
    assert_eq!(d.preset.as_deref(), Some("alignment"));
    // No sweep: no s= part, and an empty list back.
    assert!(!encode(&cfg, None).contains("&s="));
    let b64 = |t: &str| URL_SAFE_NO_PAD.encode(t);
    let base = encode(&cfg, None);
    for (sweep, why) in [
        (b64(r#"["train.lambda"]"#), "expected key=v1;v2"),
        (b64(r#"[]"#), "has 0 axes; a sweep has 1 to 3"),
        (b64(r#"["a=1","b=1","c=1","d=1"]"#), "has 4 axes"),
        (b64(r#"{"a":1}"#), "is not a JSON array of grid axes"),
        ("!!".to_string(), "is not base64url"),
    ] {
        let e = decode(&format!("{base}&s={sweep}")).unwrap_err().to_string();
        assert!(e.starts_with("the link's sweep (s=)") && e.contains(why), "{sweep}: {e}");
    }
}

#[test]
fn floats_and_big_seeds_round_trip_exactly() {
    let mut cfg = Config::default();
    cfg.seed = lowrank_lab::config::MAX_SEED;
    cfg.train.lambda = 0.1 + 0.2;
    cfg.train.lr = 1e-7 / 3.0;
    assert_eq!(decode(&encode(&cfg, None)).unwrap().config, cfg);
}

#[test]
fn accepts_padding_and_percent_escapes() {
    let json = r#"{"seed":5}"#;
    let padded = base64::engine::general_purpose::URL_SAFE.encode(json);
    assert!(padded.ends_with('='));
    assert_eq!(decode(&format!("#v=1&c={padded}")).unwrap().config.seed, 5);
    let escaped = padded.replace('=', "%3D");
    assert_eq!(
        decode(&format!("#v=%31&c={escaped}&p=norm%73")).unwrap().preset.as_deref(),
        Some("norms")
    );
}

#[test]
fn each_refusal_names_what_is_wrong() {
    let ok = b64("{}");
    assert_eq!(message(""), "the link has no hash (#v=1&c=…)");
    assert_eq!(message("#"), "the link has no hash (#v=1&c=…)");
    assert_eq!(message(&format!("#v=7&c={ok}")), "unknown format version \"7\"; this page reads 1");
    assert_eq!(
        message(&format!("#c={ok}")),
        "the link has no format version (v=); this page reads 1"
    );
    assert_eq!(message("#v=1"), "missing c= (the link has no config)");
    assert_eq!(message("#v=1&p=norms"), "missing c= (the link has no config)");
    assert_eq!(message("#hello"), "the link's part \"hello\" is not key=value");
    assert_eq!(message("#=1&c=e30"), "the link's part \"=1\" is not key=value");
    assert_eq!(message(&format!("#v=1&v=1&c={ok}")), "the link has v= more than once");
    assert_eq!(
        message(&format!("#v=1&c={ok}&x=2")),
        "the link has an unknown key \"x\" (this page reads v, c, p, s and b)"
    );
    assert!(message("#v=1&c=%%%garbage").starts_with("the link's c= is not percent-encoded UTF-8"));
    assert_eq!(message("#v=1&c=%E0%A4%A"), "the link's c= is not percent-encoded UTF-8");
    assert_eq!(message("#v=1&c=%+1"), "the link's c= is not percent-encoded UTF-8");
    let m = message("#v=1&c=not+base64");
    assert!(m.starts_with("the link's config (c=) is not base64url: "), "{m}");
    // "e31" leaves non-zero trailing bits: not a canonical encoding.
    assert!(message("#v=1&c=e31").starts_with("the link's config (c=) is not base64url"));
    let m = message(&format!("#v=1&c={}", URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x7b])));
    assert!(m.starts_with("the link's config (c=) is not UTF-8: invalid utf-8"), "{m}");
    let m = message(&format!("#v=1&c={}", b64("not json")));
    assert!(m.starts_with("the link's config (c=) is not JSON: expected"), "{m}");
    let m = message(&format!("#v=1&c={}", b64("{\"seed\": 1")));
    assert!(m.starts_with("the link's config (c=) is not JSON: EOF"), "{m}");
    assert_eq!(
        message(&format!("#v=1&c={}", b64(r#"{"train":{"lr":-1}}"#))),
        "config error: train.lr must be in (0, 1000], got -1"
    );
    let m = message(&format!("#v=1&c={}", b64(r#"{"trian":{}}"#)));
    assert!(
        m.starts_with("config error: config does not parse: trian: unknown field `trian`"),
        "{m}"
    );
    let m = message(&format!("#v=1&c={}", b64(r#"{"train":{"lr":"fast"}}"#)));
    assert_eq!(
        m,
        "config error: config does not parse: train.lr takes a number, e.g. 0.01 or 1e-3\n\
         exact rule: train.lr: invalid type: string \"fast\", expected f64 at line 1 column 21"
    );
    assert_eq!(
        message(&format!("#v=1&c={ok}&p=nope")),
        "the link's preset (p=) \"nope\" is not a known preset"
    );
    assert_eq!(message(&format!("#v=1&c={ok}&p=%FF")), "the link's p= is not percent-encoded UTF-8");
}

#[test]
fn the_memory_budget_is_checked() {
    let m = message(&format!("#v=1&c={}", b64(r#"{"data":{"d":1000000,"n":1000000}}"#)));
    assert!(m.starts_with("config error: the run needs an estimated "), "{m}");
}

#[test]
fn long_hashes_are_refused_before_decoding() {
    let h = format!("#v=1&c={}", "A".repeat(MAX_HASH_LEN));
    assert_eq!(
        message(&h),
        format!("the link's hash is {} bytes long, above the limit of 65536 bytes", h.len())
    );
    // Just at the limit, the length is fine (and the content is what is refused).
    let h = format!("#v=2&c={}", "A".repeat(MAX_HASH_LEN - 7));
    assert_eq!(h.len(), MAX_HASH_LEN);
    assert_eq!(message(&h), "unknown format version \"2\"; this page reads 1");
}

#[test]
fn user_text_in_messages_is_cut_short() {
    let m = message(&format!("#v={}&c=e30", "9".repeat(500)));
    assert!(m.len() < 100, "{m}");
    assert!(m.contains('…'));
}

#[test]
fn odd_inputs_never_panic() {
    for h in [
        "#&",
        "&&&",
        "#v=",
        "#v=1&c=",
        "#v=1&c=&p=",
        "#c",
        "#v==1",
        "#v=1&c=%",
        "#v=1&c=%4",
        "#€=1",
        "#v=1&c=é",
    ] {
        assert!(decode(h).is_err(), "{h}");
    }
    // An empty c= decodes to empty text: not JSON.
    assert!(message("#v=1&c=").starts_with("the link's config (c=) is not JSON"));
}
