//! The per-parameter passes of a GD step, written so the compiler vectorises
//! them: on x86-64 a copy compiled for AVX2 is picked at run time (the
//! default target has only SSE2). On wasm32 with `+simd128` they are written
//! with the 128-bit intrinsics instead (`wasm` below): the page's build
//! optimises this crate for size, and at opt-level "s" LLVM leaves these loops
//! scalar. Span steps in Chromium 156, medians of 7 alternating runs
//! (`node bench/browser_ab.mjs W1 5000 span 7 pkg-old pkg`): W1 14.2k →
//! 19.1k steps/s, W2 5.9k → 7.6k. Only additions and multiplications
//! in the written order (no FMA contraction), so every build gives the same bits.
//!
//! max |v| and "is every v finite" come from one integer maximum: with the
//! sign bit cleared, the IEEE-754 bit patterns of non-negative doubles order
//! like their values, and NaN and ±∞ are exactly the patterns ≥ that of +∞.

const ABS: u64 = !(1u64 << 63);
const INF_BITS: u64 = 0x7FF0_0000_0000_0000;

/// max |v| if every v is finite, from the largest masked bit pattern (see the module header).
#[inline]
pub fn finite_from_bits(max_bits: u64) -> Option<f64> {
    (max_bits < INF_BITS).then(|| f64::from_bits(max_bits))
}

#[inline(always)]
fn max_abs_bits_body(s: &[f64]) -> u64 {
    s.iter().fold(0u64, |m, v| m.max(v.to_bits() & ABS))
}

#[inline(always)]
fn fused_update_body(t: &mut [f64], e: &mut [f64], g: &[f64], c: f64, eta: f64, beta: f64) -> u64 {
    let n = t.len().min(e.len()).min(g.len());
    let (t, e, g) = (&mut t[..n], &mut e[..n], &g[..n]);
    let keep = 1.0 - beta;
    let mut m = 0u64;
    for i in 0..n {
        let gi = g[i];
        let v = c * t[i] - eta * gi;
        t[i] = v;
        e[i] = beta * e[i] + keep * gi;
        m = m.max(v.to_bits() & ABS);
    }
    m
}

#[inline(always)]
fn forward_body(z: &[f64], a: &mut [f64], neg: f64) {
    for (a, &z) in a.iter_mut().zip(z) {
        *a = if z > 0.0 { z } else { neg * z };
    }
}

#[inline(always)]
fn backward_body(z: &[f64], g: &mut [f64], neg: f64) {
    for (g, &z) in g.iter_mut().zip(z) {
        *g *= if z > 0.0 { 1.0 } else { neg };
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn forward(z: &[f64], a: &mut [f64], neg: f64) {
        super::forward_body(z, a, neg)
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn backward(z: &[f64], g: &mut [f64], neg: f64) {
        super::backward_body(z, g, neg)
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn max_abs_bits(s: &[f64]) -> u64 {
        super::max_abs_bits_body(s)
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn fused_update(t: &mut [f64], e: &mut [f64], g: &[f64], c: f64, eta: f64, beta: f64) -> u64 {
        super::fused_update_body(t, e, g, c, eta, beta)
    }
}

/// The same passes with wasm's 128-bit lanes, two doubles at a time and the
/// odd last element by the scalar body. The bit maximum needs no unsigned
/// 64-bit compare (simd128 has none): masked patterns are below 2^63, where
/// the signed `i64x2_gt` orders them alike.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use core::arch::wasm32::*;

    const ABS: v128 = u64x2(super::ABS, super::ABS);

    #[inline(always)]
    fn ld(s: &[f64], i: usize) -> v128 {
        debug_assert!(i + 2 <= s.len());
        // SAFETY: i + 2 ≤ s.len() (every caller loops while that holds);
        // wasm loads need no alignment.
        unsafe { v128_load(s.as_ptr().add(i).cast()) }
    }

    #[inline(always)]
    fn st(s: &mut [f64], i: usize, v: v128) {
        debug_assert!(i + 2 <= s.len());
        // SAFETY: as in `ld`.
        unsafe { v128_store(s.as_mut_ptr().add(i).cast(), v) }
    }

    #[inline(always)]
    fn max_bits(m: v128, v: v128) -> v128 {
        let v = v128_and(v, ABS);
        v128_bitselect(v, m, i64x2_gt(v, m))
    }

    #[inline(always)]
    fn lanes_max(m: v128) -> u64 {
        (i64x2_extract_lane::<0>(m) as u64).max(i64x2_extract_lane::<1>(m) as u64)
    }

    pub(super) fn forward(z: &[f64], a: &mut [f64], neg: f64) {
        let n = z.len().min(a.len());
        let (zero, negv) = (f64x2_splat(0.0), f64x2_splat(neg));
        let mut i = 0;
        while i + 2 <= n {
            let zv = ld(z, i);
            st(a, i, v128_bitselect(zv, f64x2_mul(negv, zv), f64x2_gt(zv, zero)));
            i += 2;
        }
        super::forward_body(&z[i..n], &mut a[i..n], neg);
    }

    pub(super) fn relu(z: &[f64], a: &mut [f64]) {
        let n = z.len().min(a.len());
        let zero = f64x2_splat(0.0);
        let mut i = 0;
        while i + 2 <= n {
            let zv = ld(z, i);
            // z > 0 keeps z; anything else (−0, NaN included) gives +0.
            st(a, i, v128_and(zv, f64x2_gt(zv, zero)));
            i += 2;
        }
        super::relu_body(&z[i..n], &mut a[i..n]);
    }

    pub(super) fn backward(z: &[f64], g: &mut [f64], neg: f64) {
        let n = z.len().min(g.len());
        let (zero, one, negv) = (f64x2_splat(0.0), f64x2_splat(1.0), f64x2_splat(neg));
        let mut i = 0;
        while i + 2 <= n {
            let slope = v128_bitselect(one, negv, f64x2_gt(ld(z, i), zero));
            st(g, i, f64x2_mul(ld(g, i), slope));
            i += 2;
        }
        super::backward_body(&z[i..n], &mut g[i..n], neg);
    }

    pub(super) fn max_abs_bits(s: &[f64]) -> u64 {
        let mut m = u64x2_splat(0);
        let mut i = 0;
        while i + 2 <= s.len() {
            m = max_bits(m, ld(s, i));
            i += 2;
        }
        lanes_max(m).max(super::max_abs_bits_body(&s[i..]))
    }

    pub(super) fn fused_update(t: &mut [f64], e: &mut [f64], g: &[f64], c: f64, eta: f64, beta: f64) -> u64 {
        let n = t.len().min(e.len()).min(g.len());
        let (cv, etav, bv, kv) = (f64x2_splat(c), f64x2_splat(eta), f64x2_splat(beta), f64x2_splat(1.0 - beta));
        let mut m = u64x2_splat(0);
        let mut i = 0;
        while i + 2 <= n {
            let gv = ld(g, i);
            let v = f64x2_sub(f64x2_mul(cv, ld(t, i)), f64x2_mul(etav, gv));
            st(t, i, v);
            st(e, i, f64x2_add(f64x2_mul(bv, ld(e, i)), f64x2_mul(kv, gv)));
            m = max_bits(m, v);
            i += 2;
        }
        lanes_max(m).max(super::fused_update_body(&mut t[i..n], &mut e[i..n], &g[i..n], c, eta, beta))
    }

    pub(super) fn scale(src: &[f64], dst: &mut [f64], s: f64) {
        let n = src.len().min(dst.len());
        let sv = f64x2_splat(s);
        let mut i = 0;
        while i + 2 <= n {
            st(dst, i, f64x2_mul(sv, ld(src, i)));
            i += 2;
        }
        super::scale_body(&src[i..n], &mut dst[i..n], s);
    }
}

/// `$wasm` in the simd128 build, `$plain` in every other.
macro_rules! wasm_or {
    ($wasm:expr, $plain:expr) => {{
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        let r = $wasm;
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        let r = $plain;
        r
    }};
}

#[inline(always)]
fn scale_body(src: &[f64], dst: &mut [f64], s: f64) {
    for (d, &x) in dst.iter_mut().zip(src) {
        *d = s * x;
    }
}

/// dst = s·src elementwise (over the common length).
pub fn scale(src: &[f64], dst: &mut [f64], s: f64) {
    wasm_or!(wasm::scale(src, dst, s), scale_body(src, dst, s))
}

/// The largest `v.to_bits() & !sign` over `s` (0 for an empty slice); feed it to [`finite_from_bits`].
pub fn max_abs_bits(s: &[f64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2::max_abs_bits(s) };
    }
    wasm_or!(wasm::max_abs_bits(s), max_abs_bits_body(s))
}

/// t ← c·t − η·g and e ← β·e + (1−β)·g elementwise (over the common length);
/// returns the largest masked bit pattern of the new t (see [`finite_from_bits`]).
pub fn fused_update(t: &mut [f64], e: &mut [f64], g: &[f64], c: f64, eta: f64, beta: f64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2::fused_update(t, e, g, c, eta, beta) };
    }
    wasm_or!(wasm::fused_update(t, e, g, c, eta, beta), fused_update_body(t, e, g, c, eta, beta))
}

/// a = σ(z) for σ(z) = z (z > 0), neg·z (otherwise): relu (neg = 0; NaN gives 0)
/// and leaky relu (neg = its slope), elementwise over the common length.
pub fn piecewise_linear_forward(z: &[f64], a: &mut [f64], neg: f64) {
    if neg == 0.0 {
        // relu is max(z, 0) with NaN → 0, not 0·z (which keeps NaN and −0).
        return relu_forward(z, a);
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2::forward(z, a, neg) };
    }
    wasm_or!(wasm::forward(z, a, neg), forward_body(z, a, neg))
}

#[inline(always)]
fn relu_body(z: &[f64], a: &mut [f64]) {
    for (a, &z) in a.iter_mut().zip(z) {
        *a = if z > 0.0 { z } else { 0.0 };
    }
}

fn relu_forward(z: &[f64], a: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn body_avx2(z: &[f64], a: &mut [f64]) {
            relu_body(z, a)
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { body_avx2(z, a) };
        }
    }
    wasm_or!(wasm::relu(z, a), relu_body(z, a))
}

/// g ← g·σ′(z) with σ′ = 1 (z > 0), neg (otherwise), elementwise over the common length.
pub fn piecewise_linear_backward(z: &[f64], g: &mut [f64], neg: f64) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2::backward(z, g, neg) };
    }
    wasm_or!(wasm::backward(z, g, neg), backward_body(z, g, neg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_maximum_is_the_largest_magnitude_and_catches_non_finite_values() {
        let v: Vec<f64> = (0..37).map(|i| (i as f64 - 20.0) * 0.75).collect();
        assert_eq!(finite_from_bits(max_abs_bits(&v)), Some(15.0));
        assert_eq!(finite_from_bits(max_abs_bits(&[])), Some(0.0));
        assert_eq!(finite_from_bits(max_abs_bits(&[-0.0, 5e-324])), Some(5e-324));
        assert_eq!(finite_from_bits(max_abs_bits(&[f64::MAX, -f64::MAX])), Some(f64::MAX));
        for bad in [f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for pos in [0, 3, 4, 36] {
                let mut w = v.clone();
                w[pos] = bad;
                assert_eq!(finite_from_bits(max_abs_bits(&w)), None, "{bad} at {pos}");
            }
        }
    }

    #[test]
    fn piecewise_linear_passes_match_the_scalar_activation() {
        use crate::config::Activation;
        use crate::net::Act;
        let z: Vec<f64> = (0..45)
            .map(|i| (i as f64 - 22.0) * 0.5)
            .chain([f64::NAN, -0.0, 0.0, f64::INFINITY])
            .collect();
        let g0: Vec<f64> = (0..z.len()).map(|i| (i as f64 * 0.7).sin()).collect();
        for (kind, slope) in [(Activation::Relu, 0.0), (Activation::LeakyRelu, 0.1), (Activation::Linear, 1.0)] {
            let act = Act { kind, slope };
            let mut a = vec![7.0; z.len()];
            let mut g = g0.clone();
            piecewise_linear_forward(&z, &mut a, slope);
            piecewise_linear_backward(&z, &mut g, slope);
            for i in 0..z.len() {
                let (want_a, want_g) = (act.value(z[i]), g0[i] * act.derivative(z[i]));
                assert!(
                    a[i].to_bits() == want_a.to_bits() || (a[i].is_nan() && want_a.is_nan()),
                    "{kind:?} σ({}) = {} vs {want_a}",
                    z[i],
                    a[i]
                );
                assert!(
                    g[i].to_bits() == want_g.to_bits() || (g[i].is_nan() && want_g.is_nan()),
                    "{kind:?} σ'({})",
                    z[i]
                );
            }
        }
    }

    #[test]
    fn dispatched_and_plain_updates_give_the_same_bits() {
        let n = 103;
        let t0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 1e3).collect();
        let e0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
        let g: Vec<f64> = (0..n).map(|i| (i as f64 * 0.73).tan()).collect();
        let (mut t1, mut e1) = (t0.clone(), e0.clone());
        let m1 = fused_update(&mut t1, &mut e1, &g, 0.995, 0.3, 0.99);
        let (mut t2, mut e2) = (t0.clone(), e0.clone());
        let m2 = fused_update_body(&mut t2, &mut e2, &g, 0.995, 0.3, 0.99);
        assert_eq!((t1.clone(), e1, m1), (t2, e2, m2));
        for i in 0..n {
            assert_eq!(t1[i], 0.995 * t0[i] - 0.3 * g[i]);
        }
    }
}
