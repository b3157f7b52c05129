//! The training step's matrix products, C ← α·A·B (or C ← C + α·A·B),
//! through faer's matmul: it picks AVX2/FMA (or AVX-512) kernels at run time
//! natively and, built with `-C target-feature=+simd128`, wasm SIMD kernels
//! (gemm's simd128 micro-kernels; with `+relaxed-simd` too, the patched
//! gemm-f64 in vendor/ fuses their multiply–adds), and it handles the small,
//! skinny shapes of one full-batch step (k = n = 20 in W1) better than
//! matrixmultiply (`examples/gemm_probe.rs`: 1.2–1.5× on the W1–W3 shapes).
//!
//! A product whose m·n·k reaches this thread's split threshold
//! (`par::min_work`, which the trainer sets from measurement: `net::tune`)
//! is cut in halves along the longer side of C, as many times as it takes
//! to give each thread one piece, and the pieces run on rayon's pool
//! (`rayon::join`, which allocates nothing, unlike faer's own threading)
//! when the `parallel` feature is on (native builds and the threaded wasm
//! build). Each half is the same product on fewer rows or columns, so the
//! bits do not depend on the number of threads or on the threshold.

use faer::{Accum, Par};
use ndarray::{ArrayView2, ArrayViewMut2};

/// A piece of a split product keeps at least this many multiply-adds.
#[cfg(feature = "parallel")]
const MIN_PIECE: usize = 1 << 14;

fn as_faer<'a>(a: &'a ArrayView2<'a, f64>) -> faer::MatRef<'a, f64> {
    let s = a.strides();
    // SAFETY: the pointer, shape and element strides describe exactly the
    // elements `a` borrows, for as long as `a` is borrowed.
    unsafe { faer::MatRef::from_raw_parts(a.as_ptr(), a.nrows(), a.ncols(), s[0], s[1]) }
}

/// C ← α·A·B, or C ← C + α·A·B when `accumulate`. Shapes: A m×k, B k×n, C m×n
/// (any strides; C must not alias A or B, which the borrows guarantee).
///
/// # Panics
/// If the shapes do not conform (a programming error: callers size C from A and B).
pub fn matmul(c: ArrayViewMut2<'_, f64>, a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, alpha: f64, accumulate: bool) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    assert!(
        b.nrows() == k && c.nrows() == m && c.ncols() == n,
        "matmul shapes {m}×{k} · {}×{n} → {}×{}",
        b.nrows(),
        c.nrows(),
        c.ncols()
    );
    #[cfg(feature = "parallel")]
    if super::par::splits(m * n * k) {
        return split(c, a, b, alpha, accumulate, super::par::threads());
    }
    sequential(c, a, b, alpha, accumulate);
}

/// Cut into at most `pieces` parts (one per thread): each part stays one
/// large product, which packs its operands once and runs faer's kernels on
/// full tiles. Cutting W3's 1024×256×256 products all the way down to 2¹⁸
/// multiply-adds made 256 pieces of 32×32×256: W3 direct steps 119 → 137
/// steps/s with one piece per thread (medians of 5 alternating runs of
/// `lowrank-lab bench --workload W3 --direct`; 4 pieces: 130).
#[cfg(feature = "parallel")]
fn split(c: ArrayViewMut2<'_, f64>, a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, alpha: f64, accumulate: bool, pieces: usize) {
    use ndarray::Axis;
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    if m * n * k < 2 * MIN_PIECE || pieces < 2 {
        return sequential(c, a, b, alpha, accumulate);
    }
    let (p1, p2) = (pieces / 2, pieces - pieces / 2);
    if m >= n {
        let (c1, c2) = c.split_at(Axis(0), m / 2);
        let (a1, a2) = a.split_at(Axis(0), m / 2);
        rayon::join(
            || split(c1, a1, b, alpha, accumulate, p1),
            || split(c2, a2, b, alpha, accumulate, p2),
        );
    } else {
        let (c1, c2) = c.split_at(Axis(1), n / 2);
        let (b1, b2) = b.split_at(Axis(1), n / 2);
        rayon::join(
            || split(c1, a, b1, alpha, accumulate, p1),
            || split(c2, a, b2, alpha, accumulate, p2),
        );
    }
}

/// [`matmul`] on this thread, never split (the shapes as there).
pub fn sequential(mut c: ArrayViewMut2<'_, f64>, a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, alpha: f64, accumulate: bool) {
    let (m, n) = (c.nrows(), c.ncols());
    let (rs, cs) = (c.strides()[0], c.strides()[1]);
    // SAFETY: as in `as_faer`, for the mutable borrow of C.
    let dst = unsafe { faer::MatMut::from_raw_parts_mut(c.as_mut_ptr(), m, n, rs, cs) };
    let accum = if accumulate { Accum::Add } else { Accum::Replace };
    faer::linalg::matmul::matmul(dst, accum, as_faer(&a), as_faer(&b), alpha, Par::Seq);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Against the textbook triple loop, for transposed (non-contiguous) operands too.
    #[test]
    fn matches_the_triple_loop_on_strided_operands() {
        let a = Array2::from_shape_fn((7, 5), |(i, j)| (i as f64 * 0.3 - j as f64).sin());
        let bt = Array2::from_shape_fn((9, 5), |(i, j)| (i as f64 + 0.7 * j as f64).cos());
        let b = bt.t();
        let mut c = Array2::from_elem((7, 9), 0.25);
        matmul(c.view_mut(), a.view(), b, -2.0, true);
        for i in 0..7 {
            for j in 0..9 {
                let want = 0.25 - 2.0 * (0..5).map(|l| a[[i, l]] * b[[l, j]]).sum::<f64>();
                assert!((c[[i, j]] - want).abs() < 1e-13, "({i},{j}): {} vs {want}", c[[i, j]]);
            }
        }
        matmul(c.view_mut().reversed_axes(), b.t(), a.t(), 1.0, false);
        for i in 0..7 {
            for j in 0..9 {
                let want: f64 = (0..5).map(|l| a[[i, l]] * b[[l, j]]).sum();
                assert!((c[[i, j]] - want).abs() < 1e-13);
            }
        }
    }

    /// Products big enough to be split give the same bits as one sequential call.
    #[test]
    fn split_products_equal_the_sequential_product() {
        for (m, k, n) in [(300, 130, 120), (90, 140, 400)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 31 + j * 17) % 97) as f64 / 97.0 - 0.5);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 13 + j * 7) % 89) as f64 / 89.0 - 0.5);
            assert!(m * n * k >= super::super::par::DEFAULT_MIN_WORK);
            let mut c1 = Array2::zeros((m, n));
            let mut c2 = Array2::zeros((m, n));
            matmul(c1.view_mut(), a.view(), b.view(), 0.5, false);
            sequential(c2.view_mut(), a.view(), b.view(), 0.5, false);
            assert_eq!(c1, c2);
            // Any number of pieces (uneven ones included), whatever the pool's size.
            #[cfg(feature = "parallel")]
            for pieces in [3, 5, 64] {
                let mut c3 = Array2::zeros((m, n));
                split(c3.view_mut(), a.view(), b.view(), 0.5, false, pieces);
                assert_eq!(c3, c2, "{pieces} pieces");
            }
        }
    }

    #[test]
    fn empty_products_are_zero_or_untouched() {
        let a = Array2::<f64>::zeros((3, 0));
        let b = Array2::<f64>::zeros((0, 4));
        let mut c = Array2::from_elem((3, 4), 1.0);
        matmul(c.view_mut(), a.view(), b.view(), 1.0, true);
        assert!(c.iter().all(|&v| v == 1.0));
        matmul(c.view_mut(), a.view(), b.view(), 1.0, false);
        assert!(c.iter().all(|&v| v == 0.0));
    }
}
