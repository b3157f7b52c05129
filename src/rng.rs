//! Seeded, portable randomness.
//!
//! Every random choice comes from a ChaCha8 generator seeded with the config's
//! seed and a *stream* naming its purpose, so adding a consumer never shifts
//! another's numbers. Uniforms are built from raw 64-bit words and normals by
//! Box–Muller through the `libm` crate, so the same seed gives bit-identical
//! numbers natively and in wasm32 (std's `ln`/`cos` may differ by an ulp
//! between targets).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator type used everywhere.
pub type LabRng = ChaCha8Rng;

/// Named streams, one per purpose.
pub mod stream {
    /// Training inputs and labels.
    pub const DATA: u64 = 1;
    /// Fixed (shared, never-trained) layers.
    pub const FIXED_LAYERS: u64 = 2;
    /// Trained-layer initialisation of task t's net: `INIT + t`.
    pub const INIT: u64 = 1000;
    /// SGD batch order of task t's net: `SGD + t`.
    pub const SGD: u64 = 2000;
    /// DARE's drop masks (seeded with `merge.dare_seed`).
    pub const DARE: u64 = 3;
}

/// A generator for `seed` on `stream`.
pub fn seeded(seed: u64, stream: u64) -> LabRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Uniform in [0, 1), 53 random bits.
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal by Box–Muller (one value per two uniforms; simple and portable).
pub fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // 1 − u ∈ (0, 1], so the log is finite.
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// Uniform integer in [0, n) (n ≥ 1), by rejection so it is unbiased.
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// ±1 with equal probability.
pub fn sign<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    if rng.next_u64() >> 63 == 0 {
        1.0
    } else {
        -1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = seeded(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = seeded(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = seeded(7, 2);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_moments() {
        let mut r = seeded(1, 0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| normal(&mut r)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "var {var}");
    }

    #[test]
    fn below_is_in_range_and_covers() {
        let mut r = seeded(3, 0);
        let mut seen = [0usize; 5];
        for _ in 0..5000 {
            seen[below(&mut r, 5)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 900 && c < 1100), "{seen:?}");
    }
}
