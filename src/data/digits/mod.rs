//! The `digits` generator: real data, the UCI 8×8 handwritten digits
//! (1,797 images of 64 pixels with values 0..16; see data/digits/README.md
//! for the source, licence and hashes).
//!
//! Task t separates the two digits [p, q] = `data.digit_pairs[t]`: its n
//! inputs are drawn without replacement from the images of p and q (a
//! seeded partial Fisher–Yates shuffle of their indices in file order: for
//! i = 0..n, swap i with i + below(m − i), m = the pair's image count), with
//! label +1 for p and −1 for q. An input is the image's pixels / 16 in
//! row-major order, scaled to unit norm when `data.unit_norm`.
//!
//! `digit_pixels = disjoint` keeps, for task t, only the t-th of K
//! contiguous blocks of the 64 pixel indices (for K = 2 the top four rows
//! and the bottom four) and zeroes the rest, so different tasks' inputs are
//! exactly orthogonal (⟨x, x'⟩ = 0 bit for bit), as with the `blocks`
//! generator, but on real images. With `all`, every task sees every pixel
//! and the tasks' inputs overlap as real images of different digits do.
//!
//! The images' coding (`data/digits/digits.lrc`, `codec` applied to the
//! shipped file; `build.rs` checks the two agree) is embedded in native builds
//! and decoded once on first use. The page's worker builds (cfg `web_worker`
//! without `web_page`) leave it out to stay within their size budget: the
//! worker fetches the file and hands it to [`load`], which checks its pinned
//! SHA-256 before decoding; until then [`available`] is false and the web
//! layer refuses digits configs with [`MISSING`]'s message.

pub mod codec;
pub mod pinned;

use ndarray::Array2;
use std::sync::OnceLock;

use super::{blocks::split, normalise_rows, task_name, Task};
use crate::config::{DataConfig, DigitPixels};
use crate::rng::{self, LabRng};

/// Pixels per image (8 × 8), so `data.d` for this generator.
pub const PIXELS: usize = codec::IMAGE;

/// Images of each digit 0..9 in the file.
pub const CLASS_COUNTS: [usize; 10] = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

/// The embedded coding, or `None` in the workers' wasm builds (fetched, see [`load`]).
#[cfg(not(all(web_worker, not(web_page))))]
static CODED: Option<&[u8]> = Some(include_bytes!("../../../data/digits/digits.lrc"));
#[cfg(all(web_worker, not(web_page)))]
static CODED: Option<&[u8]> = None;

/// Why the digits are not available, for messages (a build without them before [`load`]).
pub const MISSING: &str = "the digits data set (wasm/digits.lrc, fetched when the lab loads) is not loaded";

static DATA: OnceLock<Digits> = OnceLock::new();

/// The decoded data set: pixels (row-major images of [`PIXELS`] values in 0..=16) and labels.
pub struct Digits {
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Digits {
    /// Pixels ++ labels as bytes: what [`pinned::DECODED_SHA256`] fingerprints.
    pub fn bytes(&self) -> Vec<u8> {
        [&self.pixels[..], &self.labels[..]].concat()
    }
    /// Image `i`'s pixels.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * PIXELS..(i + 1) * PIXELS]
    }
}

fn decoded(coded: &[u8]) -> Digits {
    let (pixels, labels) = codec::decode(coded, pinned::IMAGES);
    Digits { pixels, labels }
}

/// The data, decoded on first use (a few ms).
///
/// # Panics
/// In a build without the embedded coding, before [`load`] succeeded: callers
/// that may run there check [`available`] first (the web layer's config parse does).
pub fn dataset() -> &'static Digits {
    DATA.get_or_init(|| decoded(CODED.unwrap_or_else(|| panic!("{MISSING}"))))
}

/// Whether [`dataset`] can be called: embedded, or loaded with [`load`].
pub fn available() -> bool {
    CODED.is_some() || DATA.get().is_some()
}

/// A fetched coding that is not the pinned one (wrong, truncated or damaged file).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the digits data set's file ({len} bytes) has SHA-256 {got}, expected {expected}", expected = pinned::CODED_SHA256)]
pub struct WrongFile {
    /// The file's size in bytes.
    pub len: usize,
    /// Its SHA-256, hex.
    pub got: String,
}

/// Hand over the coding a build without it fetched (`data/digits/digits.lrc`).
/// Checked against [`pinned::CODED_SHA256`] before decoding, so a wrong or
/// truncated file is refused with a message instead of decoded into garbage;
/// loading again once loaded is a no-op.
pub fn load(coded: &[u8]) -> Result<(), WrongFile> {
    use sha2::{Digest, Sha256};
    let got: String = Sha256::digest(coded).iter().map(|b| format!("{b:02x}")).collect();
    if got != pinned::CODED_SHA256 {
        return Err(WrongFile { len: coded.len(), got });
    }
    DATA.get_or_init(|| decoded(coded));
    Ok(())
}

/// Size in bytes of the coding (what the digits add to a binary that embeds them).
pub fn coded_len() -> usize {
    include_bytes!("../../../data/digits/digits.lrc").len()
}

/// The K tasks (inputs and ±1 labels); draws as in the module header, task by task.
pub(in crate::data) fn generate(dc: &DataConfig, r: &mut LabRng) -> Vec<Task> {
    let data = dataset();
    let blocks = split(PIXELS, dc.tasks);
    (0..dc.tasks)
        .map(|t| {
            let [p, q] = dc.digit_pairs[t];
            let mut idx: Vec<usize> = (0..data.labels.len())
                .filter(|&i| data.labels[i] == p || data.labels[i] == q)
                .collect();
            let m = idx.len();
            for i in 0..dc.n.min(m) {
                let j = i + rng::below(r, m - i);
                idx.swap(i, j);
            }
            let (start, len) = match dc.digit_pixels {
                DigitPixels::All => (0, PIXELS),
                DigitPixels::Disjoint => blocks[t],
            };
            let mut x = Array2::zeros((dc.n, PIXELS));
            let mut y = Array2::zeros((dc.n, 1));
            for (row, &i) in idx.iter().take(dc.n).enumerate() {
                for (j, &v) in data.image(i).iter().enumerate().skip(start).take(len) {
                    x[[row, j]] = f64::from(v) / 16.0;
                }
                y[[row, 0]] = if data.labels[i] == p { 1.0 } else { -1.0 };
            }
            if dc.unit_norm {
                normalise_rows(&mut x);
            }
            Task {
                name: task_name(t),
                x,
                y,
                planar: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_decode_to_the_pinned_bytes_and_counts() {
        let d = dataset();
        assert_eq!(d.labels.len(), pinned::IMAGES);
        let hash: String = {
            use sha2::{Digest, Sha256};
            Sha256::digest(d.bytes()).iter().map(|b| format!("{b:02x}")).collect()
        };
        assert_eq!(hash, pinned::DECODED_SHA256);
        for (digit, &count) in CLASS_COUNTS.iter().enumerate() {
            assert_eq!(d.labels.iter().filter(|&&l| l as usize == digit).count(), count, "digit {digit}");
        }
        assert!(d.pixels.iter().all(|&v| v <= 16));
    }

    #[test]
    fn digits_codec_round_trips_edge_values() {
        // Every value at every position at least once, and runs of 0 and 16.
        let mut pixels = Vec::new();
        for i in 0..40u8 {
            pixels.extend((0..64u8).map(|p| (p + i) % 17));
        }
        pixels.extend([0u8; 64]);
        pixels.extend([16u8; 64]);
        let labels: Vec<u8> = (0..42).map(|i| (i % 10) as u8).collect();
        let coded = codec::encode(&pixels, &labels);
        assert_eq!(codec::decode(&coded, labels.len()), (pixels, labels));
    }
}
