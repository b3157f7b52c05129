//! Activations σ and their derivatives σ′.
//!
//! relu, leaky_relu (slope α on the negative side) and linear are positively
//! homogeneous, σ(cz) = c·σ(z) for c > 0, which is what the theory needs
//! (Euler: ⟨W_k, ∇_{W_k} f⟩ = f for every layer). tanh and gelu
//! (z·Φ(z), exact, via erf) are not, and are there to show what breaks.
//! At the kink z = 0 we use σ′(0) = 0 for relu and α for leaky_relu (a
//! subgradient). Transcendentals go through `libm` so native and wasm agree.

use crate::config::Activation;

/// σ together with its parameter (the leaky slope).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Act {
    pub kind: Activation,
    /// Negative-side slope of leaky_relu (unused otherwise).
    pub slope: f64,
}

const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

impl Act {
    /// σ(z).
    #[inline]
    pub fn value(self, z: f64) -> f64 {
        match self.kind {
            Activation::Relu => {
                if z > 0.0 {
                    z
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu => {
                if z > 0.0 {
                    z
                } else {
                    self.slope * z
                }
            }
            Activation::Linear => z,
            Activation::Tanh => libm::tanh(z),
            Activation::Gelu => 0.5 * z * (1.0 + libm::erf(z * std::f64::consts::FRAC_1_SQRT_2)),
        }
    }

    /// σ′(z).
    #[inline]
    pub fn derivative(self, z: f64) -> f64 {
        match self.kind {
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu => {
                if z > 0.0 {
                    1.0
                } else {
                    self.slope
                }
            }
            Activation::Linear => 1.0,
            Activation::Tanh => {
                let t = libm::tanh(z);
                1.0 - t * t
            }
            Activation::Gelu => {
                let cdf = 0.5 * (1.0 + libm::erf(z * std::f64::consts::FRAC_1_SQRT_2));
                cdf + z * FRAC_1_SQRT_2PI * libm::exp(-0.5 * z * z)
            }
        }
    }

    /// Whether the activation has a kink at 0 (where finite differences are invalid).
    pub fn has_kink(self) -> bool {
        matches!(self.kind, Activation::Relu | Activation::LeakyRelu)
    }
}
