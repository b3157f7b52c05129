//! A compact lossless coding of the 8×8 digits (pixels 0..=16, labels 0..=9),
//! so the page can carry all 1,797 images inside the wasm module.
//!
//! gzip gets the 116,805 bytes (one per pixel and label) to 44 KB; their
//! information under a small context model is about 32 KB, so this file
//! codes them with that model and a binary range coder (the LZMA one:
//! 32-bit range, 11-bit probabilities adapted by a shift of 4):
//!
//! - pixel p of an image, with left neighbour l and upper neighbour u (0
//!   outside the image), is coded in the context (p, q(l), q(u)), with
//!   q(v) = 0 for v = 0, 1 for v < 6, 2 for v < 12, 3 otherwise;
//! - a pixel value v is binarised as: v = 0?; if not, v = 16?; if not, the
//!   four bits of v − 1 (0..=14) most significant first, through a binary tree;
//! - images come in file order, row-major, then every label as four bits
//!   through one tree.
//!
//! Derived here (design choice, no source); `build.rs` encodes the shipped
//! `data/digits/digits.csv.gz` with [`encode`] and checks that [`decode`]
//! gives it back, and the tests pin the SHA-256 of the decoded bytes. This
//! file uses only `core`/`std` so `build.rs` can include it.

/// Pixels per image.
pub const IMAGE: usize = 64;
const PROB_BITS: u32 = 11;
const PROB_ONE: u16 = 1 << PROB_BITS;
const ADAPT: u32 = 4;
const TOP: u32 = 1 << 24;
/// Probabilities per pixel context: the zero flag, the 16 flag, 15 tree nodes.
const PER_CONTEXT: usize = 17;
const CONTEXTS: usize = IMAGE * 16;

fn quant(v: u8) -> usize {
    match v {
        0 => 0,
        1..=5 => 1,
        6..=11 => 2,
        _ => 3,
    }
}

/// The context of pixel `p` of `img` (its earlier pixels already known).
fn context(img: &[u8], p: usize) -> usize {
    let (x, y) = (p % 8, p / 8);
    let left = if x > 0 { img[p - 1] } else { 0 };
    let up = if y > 0 { img[p - 8] } else { 0 };
    p * 16 + quant(left) * 4 + quant(up)
}

struct Model {
    pixels: Vec<u16>,
    labels: [u16; 16],
}

impl Model {
    fn new() -> Model {
        Model {
            pixels: vec![PROB_ONE / 2; CONTEXTS * PER_CONTEXT],
            labels: [PROB_ONE / 2; 16],
        }
    }
}

fn adapt(p: &mut u16, bit: bool) {
    if bit {
        *p -= *p >> ADAPT;
    } else {
        *p += (PROB_ONE - *p) >> ADAPT;
    }
}

struct Encoder {
    low: u64,
    range: u32,
    cache: u8,
    cache_size: u64,
    out: Vec<u8>,
}

impl Encoder {
    fn bit(&mut self, p: &mut u16, bit: bool) {
        let bound = (self.range >> PROB_BITS) * u32::from(*p);
        if bit {
            self.low += u64::from(bound);
            self.range -= bound;
        } else {
            self.range = bound;
        }
        adapt(p, bit);
        while self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    fn shift_low(&mut self) {
        if self.low < 0xFF00_0000 || self.low >= 1 << 32 {
            let carry = (self.low >> 32) as u8;
            let mut byte = self.cache;
            loop {
                self.out.push(byte.wrapping_add(carry));
                byte = 0xFF;
                self.cache_size -= 1;
                if self.cache_size == 0 {
                    break;
                }
            }
            self.cache = ((self.low >> 24) & 0xFF) as u8;
        }
        self.cache_size += 1;
        self.low = (self.low & 0x00FF_FFFF) << 8;
    }

    fn tree4(&mut self, probs: &mut [u16], v: u8) {
        let mut node = 1;
        for k in (0..4).rev() {
            let b = (v >> k) & 1 == 1;
            self.bit(&mut probs[node - 1], b);
            node = node * 2 + usize::from(b);
        }
    }
}

struct Decoder<'a> {
    code: u32,
    range: u32,
    input: &'a [u8],
    pos: usize,
}

impl Decoder<'_> {
    fn byte(&mut self) -> u8 {
        // Past the end reads zeros; the encoder's flush makes that unnecessary for valid input.
        let b = self.input.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn bit(&mut self, p: &mut u16) -> bool {
        let bound = (self.range >> PROB_BITS) * u32::from(*p);
        let bit = self.code >= bound;
        if bit {
            self.code -= bound;
            self.range -= bound;
        } else {
            self.range = bound;
        }
        adapt(p, bit);
        while self.range < TOP {
            self.range <<= 8;
            self.code = (self.code << 8) | u32::from(self.byte());
        }
        bit
    }

    fn tree4(&mut self, probs: &mut [u16]) -> u8 {
        let mut node = 1;
        for _ in 0..4 {
            let b = self.bit(&mut probs[node - 1]);
            node = node * 2 + usize::from(b);
        }
        (node - 16) as u8
    }
}

/// Code `pixels` (row-major images of [`IMAGE`] values in 0..=16) and `labels`
/// (one in 0..=9 per image). Panics if the lengths or values are out of range
/// (it runs in `build.rs`, where that is a broken data file).
pub fn encode(pixels: &[u8], labels: &[u8]) -> Vec<u8> {
    assert_eq!(pixels.len(), labels.len() * IMAGE, "one label per image");
    assert!(pixels.iter().all(|&v| v <= 16) && labels.iter().all(|&l| l <= 9));
    let mut m = Model::new();
    let mut e = Encoder {
        low: 0,
        range: u32::MAX,
        cache: 0,
        cache_size: 1,
        out: Vec::new(),
    };
    for img in pixels.chunks(IMAGE) {
        for (p, &v) in img.iter().enumerate() {
            let probs = &mut m.pixels[context(img, p) * PER_CONTEXT..][..PER_CONTEXT];
            e.bit(&mut probs[0], v == 0);
            if v != 0 {
                e.bit(&mut probs[1], v == 16);
                if v != 16 {
                    e.tree4(&mut probs[2..], v - 1);
                }
            }
        }
    }
    for &l in labels {
        e.tree4(&mut m.labels, l);
    }
    for _ in 0..5 {
        e.shift_low();
    }
    e.out
}

/// Decode `count` images and their labels from [`encode`]'s output:
/// (pixels, row-major, [`IMAGE`] per image; labels).
pub fn decode(input: &[u8], count: usize) -> (Vec<u8>, Vec<u8>) {
    let mut m = Model::new();
    let mut d = Decoder {
        code: 0,
        range: u32::MAX,
        input,
        pos: 0,
    };
    for _ in 0..5 {
        d.code = (d.code << 8) | u32::from(d.byte());
    }
    let mut pixels = vec![0u8; count * IMAGE];
    for i in 0..count {
        for p in 0..IMAGE {
            let c = context(&pixels[i * IMAGE..(i + 1) * IMAGE], p);
            let probs = &mut m.pixels[c * PER_CONTEXT..][..PER_CONTEXT];
            let v = if d.bit(&mut probs[0]) {
                0
            } else if d.bit(&mut probs[1]) {
                16
            } else {
                d.tree4(&mut probs[2..]) + 1
            };
            pixels[i * IMAGE + p] = v;
        }
    }
    let labels = (0..count).map(|_| d.tree4(&mut m.labels)).collect();
    (pixels, labels)
}
