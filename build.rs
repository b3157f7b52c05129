//! Decodes the shipped digits file (`data/digits/digits.csv.gz`, checked
//! against its pinned SHA-256), codes it (`src/data/digits/codec.rs`) and
//! checks that the coding equals the shipped `data/digits/digits.lrc`, which
//! native builds embed with `include_bytes!` and the page's workers fetch
//! (their wasm builds leave it out: 33 KB of the 500 KB budget). A wrong
//! file, or a codec change without a new `digits.lrc`, fails the build with
//! what it found (the fresh coding is left in `$OUT_DIR/digits.lrc`).

use sha2::{Digest, Sha256};
use std::io::Read;

#[path = "src/data/digits/codec.rs"]
#[allow(dead_code)]
mod codec;
#[path = "src/data/digits/pinned.rs"]
#[allow(dead_code)]
mod pinned;

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    // The wasm exports' split (Cargo features web-page / web-worker, src/web/mod.rs):
    // a build asking for neither carries both.
    let page = std::env::var_os("CARGO_FEATURE_WEB_PAGE").is_some();
    let worker = std::env::var_os("CARGO_FEATURE_WEB_WORKER").is_some();
    println!("cargo:rustc-check-cfg=cfg(web_page)");
    println!("cargo:rustc-check-cfg=cfg(web_worker)");
    if page || !worker {
        println!("cargo:rustc-cfg=web_page");
    }
    if worker || !page {
        println!("cargo:rustc-cfg=web_worker");
    }
    let src = "data/digits/digits.csv.gz";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=src/data/digits/codec.rs");
    println!("cargo:rerun-if-changed=src/data/digits/pinned.rs");
    println!("cargo:rerun-if-changed=data/digits/digits.lrc");
    let gz = std::fs::read(src).unwrap_or_else(|e| panic!("cannot read {src}: {e}"));
    let got = hex(&gz);
    assert!(
        got == pinned::SOURCE_SHA256,
        "{src} has SHA-256 {got}, expected {} (the scikit-learn 1.9.1 file; see data/digits/README.md)",
        pinned::SOURCE_SHA256
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{src} does not decompress: {e}"));
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let v: Vec<u8> = line
            .split(',')
            .map(|f| {
                f.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{src} line {}: `{f}` is not 0..255", i + 1))
            })
            .collect();
        assert!(v.len() == 65, "{src} line {}: {} fields, expected 65", i + 1, v.len());
        assert!(
            v[..64].iter().all(|&p| p <= 16) && v[64] <= 9,
            "{src} line {}: value out of range",
            i + 1
        );
        pixels.extend_from_slice(&v[..64]);
        labels.push(v[64]);
    }
    assert_eq!(labels.len(), pinned::IMAGES, "{src}: image count");
    let decoded = [&pixels[..], &labels[..]].concat();
    assert_eq!(hex(&decoded), pinned::DECODED_SHA256, "{src}: decoded bytes' hash");
    let coded = codec::encode(&pixels, &labels);
    let (p2, l2) = codec::decode(&coded, labels.len());
    assert!(p2 == pixels && l2 == labels, "digits codec does not round-trip");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("digits.lrc");
    std::fs::write(&out, &coded).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    let shipped_path = "data/digits/digits.lrc";
    let shipped = std::fs::read(shipped_path).unwrap_or_else(|e| panic!("cannot read {shipped_path}: {e}"));
    assert!(
        shipped == coded,
        "{shipped_path} (SHA-256 {}) is not the coding of {src} by src/data/digits/codec.rs (SHA-256 {}): \
         if the codec changed on purpose, copy {} over it and update pinned::CODED_SHA256",
        hex(&shipped),
        hex(&coded),
        out.display()
    );
    assert_eq!(hex(&coded), pinned::CODED_SHA256, "{shipped_path}: pinned::CODED_SHA256");
}
