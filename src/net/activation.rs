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

    /// The negative-side slope if σ is piecewise linear through 0 (relu 0,
    /// leaky relu its slope, linear 1), for the vectorised passes in `simd`.
    fn negative_slope(self) -> Option<f64> {
        match self.kind {
            Activation::Relu => Some(0.0),
            Activation::LeakyRelu => Some(self.slope),
            Activation::Linear => Some(1.0),
            Activation::Tanh | Activation::Gelu => None,
        }
    }

    /// a ← σ(z) elementwise (equal lengths).
    pub fn forward_slice(self, z: &[f64], a: &mut [f64]) {
        match self.negative_slope() {
            Some(neg) => super::simd::piecewise_linear_forward(z, a, neg),
            None => a.iter_mut().zip(z).for_each(|(a, &z)| *a = self.value(z)),
        }
    }

    /// g ← g ⊙ σ′(z) elementwise (equal lengths).
    pub fn backward_slice(self, z: &[f64], g: &mut [f64]) {
        match self.negative_slope() {
            Some(neg) => super::simd::piecewise_linear_backward(z, g, neg),
            None => g.iter_mut().zip(z).for_each(|(g, &z)| *g *= self.derivative(z)),
        }
    }

    /// Whether the activation has a kink at 0 (where finite differences are invalid).
    pub fn has_kink(self) -> bool {
        matches!(self.kind, Activation::Relu | Activation::LeakyRelu)
    }
}
