//! Sums of squares that neither overflow nor underflow (derived here; the
//! usual scaling of LAPACK's `dnrm2`). A weight of 1e155 has a finite
//! Frobenius norm, but its square overflows, and squares of entries below
//! ~1e-160 lose their digits to underflow. When the largest |entry| lies
//! outside [2⁻⁴⁸⁰, 2⁴⁸⁰], every entry is multiplied by a power of two
//! (exact) that brings it near 1 before squaring, and the result is scaled
//! back. Inside that range nothing is scaled, so results there are bit for
//! bit those of the plain Σv² (a sum of up to 2⁶⁴ squares of entries below
//! 2⁴⁸⁰ cannot overflow).

/// Largest |entry| at which no scaling is needed.
const SAFE_HI: f64 = 3.121748550315992e144; // 2^480
/// Smallest nonzero |entry| at which no scaling is needed.
const SAFE_LO: f64 = 3.2033329522929615e-145; // 2^-480

/// A power of two s with s·`max_abs` in [0.5, 1) when `max_abs` is outside the
/// safe range for sums of squares, else 1 (also for 0 and non-finite values).
pub fn scale_for(max_abs: f64) -> f64 {
    scale_for_power(max_abs, 2)
}

/// [`scale_for`] for sums of `p`-th powers of the entries (4 for ‖WWᵀ‖², whose
/// entries are already squares): the safe range is [2^(−960/p), 2^(960/p)].
pub fn scale_for_power(max_abs: f64, p: i32) -> f64 {
    let (lo, hi) = if p == 2 {
        (SAFE_LO, SAFE_HI)
    } else {
        (libm::ldexp(1.0, -960 / p), libm::ldexp(1.0, 960 / p))
    };
    if !max_abs.is_finite() || max_abs == 0.0 || (lo..=hi).contains(&max_abs) {
        return 1.0;
    }
    let (_, e) = libm::frexp(max_abs);
    libm::ldexp(1.0, -e)
}

/// Σ(s·vᵢ)² with the power of two s = 1/`unscale` (see [`scale_for`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SumSq {
    pub sum: f64,
    pub unscale: f64,
}

impl SumSq {
    /// √Σvᵢ².
    pub fn norm(&self) -> f64 {
        libm::sqrt(self.sum) * self.unscale
    }
    /// Σvᵢ² (may overflow to +∞: then the true value is above f64's range).
    pub fn norm_sq(&self) -> f64 {
        self.sum * self.unscale * self.unscale
    }
}

/// Largest |v| (NaN if some v is NaN).
pub fn max_abs<I: Iterator<Item = f64>>(it: I) -> f64 {
    it.fold(0.0, |m: f64, v| if v.is_nan() || m.is_nan() { f64::NAN } else { m.max(v.abs()) })
}

/// Σvᵢ² of `it`, scaled as the module header says.
pub fn sum_sq<I: Iterator<Item = f64> + Clone>(it: I) -> SumSq {
    let s = scale_for(max_abs(it.clone()));
    sum_sq_with(it, s)
}

/// Σ(s·vᵢ)² for a given power of two `s`.
pub fn sum_sq_with<I: Iterator<Item = f64>>(it: I, s: f64) -> SumSq {
    let sum = if s == 1.0 {
        it.map(|v| v * v).sum()
    } else {
        it.map(|v| (v * s) * (v * s)).sum()
    };
    SumSq { sum, unscale: 1.0 / s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_and_tiny_entries_keep_their_norm() {
        for scale in [1e-300, 1e-160, 1.0, 1e150, 1e200, 1e300] {
            let v = [3.0 * scale, 4.0 * scale];
            let s = sum_sq(v.iter().copied());
            assert!((s.norm() / (5.0 * scale) - 1.0).abs() < 1e-15, "{scale:e}: {}", s.norm());
        }
        // The plain sum overflows where the scaled one does not.
        let v = [1e200, 1e200];
        assert!(v.iter().map(|x| x * x).sum::<f64>().is_infinite());
        assert!((sum_sq(v.iter().copied()).norm() / (1e200 * 2f64.sqrt()) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn inside_the_safe_range_nothing_is_scaled() {
        let v = [0.1, -7.3, 2e100, 1e-100];
        let s = sum_sq(v.iter().copied());
        assert_eq!(s.unscale, 1.0);
        assert_eq!(s.sum, v.iter().map(|x| x * x).sum::<f64>());
        assert_eq!(scale_for(0.0), 1.0);
        assert_eq!(scale_for(f64::INFINITY), 1.0);
        assert_eq!(scale_for(1e200) * 1e200, 1e200 / 2f64.powi(665));
    }
}
