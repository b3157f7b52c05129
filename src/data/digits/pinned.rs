//! The digits data's pinned fingerprints (included by `build.rs` too).

/// SHA-256 of `data/digits/digits.csv.gz` as shipped (scikit-learn 1.9.1's file).
pub const SOURCE_SHA256: &str = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22";

/// SHA-256 of the decoded data: the 1,797 × 64 pixels (one byte each,
/// row-major, file order), then the 1,797 labels (one byte each).
pub const DECODED_SHA256: &str = "87ff0c9e40dc7e2c0e34e7257799c2e3f3aec1a016363bb11cad869ec428a826";

/// SHA-256 of the coding (`data/digits/digits.lrc`, `codec::encode` of the
/// decoded data): what `build.rs` checks the shipped coding against and what
/// the workers' wasm builds check the fetched file against before decoding it.
pub const CODED_SHA256: &str = "eb4c05f5c1acc20761aa5ea9df6c4e8b68108cd160c09aa6ae676ebb0117f5d9";

/// Images in the file.
pub const IMAGES: usize = 1797;
