//! The top layer's backward pass when the net has one output (W_L is
//! 1 × width: every preset's net and W1–W3). Then ∇W_L = G_Lᵀ·A_{L−1} is one
//! dot product per unit of layer L−1 and W_Lᵀ·G_Lᵀ an outer product, so with
//! g = G_Lᵀ (n samples) both come out of one pass over that layer's units:
//!   ∇W_L[i] = Σ_j g_j·a_ij,   G_{L−1}ᵀ[i] = (w_i·g) ⊙ σ′(z_i),
//! each row of A_{L−1}ᵀ, Z_{L−1}ᵀ and G_{L−1}ᵀ read or written once, the
//! row of G finished while it is in L1, instead of two products (a
//! matrix–vector product and an outer product) and a pass over σ′. On W3
//! (1024 × 256 per array, two threads) those took ~0.35 ms of a 1.84 ms span
//! step (temporary phase timers, 2026-12-06; not in the repository): the
//! matrix–vector product ran slower split than whole (0.14 against 0.07 ms),
//! and the three moved 10 MB where this pass moves 6. The whole step's gain
//! is measured by alternating binaries built before and after
//! (`lowrank-lab bench --workload W3 --reps 3`; README, Performance).
//!
//! The workspace ([`split_rows`], two halves of the units on two threads when
//! the pass is big enough, `par::splits`) and owned steps (`train::owned`,
//! each thread its own half) call [`rows`], so they compute the same bits.
//! w_i·g_j is one rounding, as in the outer product this replaces (the same
//! bits: tested); the dot product's order is fixed here ([`dot`]), so every
//! build and every split gives the same ∇W_L.

use super::activation::Act;
use super::par::{join, splits, WORK_PER_ELEMENT};
use ndarray::{ArrayView1, Axis};

/// Whether a top layer of `outputs` units takes its backward pass here
/// (the workspace and owned steps both ask, so they agree).
pub fn applies(outputs: usize) -> bool {
    outputs == 1
}

/// Σ_j x_j·y_j over the common length, in a fixed order: eight running sums
/// over j mod 8, added in pairs at the end. Rust never reassociates or fuses
/// floating-point operations, so the bits are the same in every build; the
/// eight sums let LLVM vectorise the loop as it is written.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut s = [0.0f64; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for k in 0..8 {
            s[k] += a[k] * b[k];
        }
    }
    for k in 0..xr.len() {
        s[k] += xr[k] * yr[k];
    }
    ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}

/// The pass over the units `w` covers (row i: w[i], the i-th rows of `a`
/// and `z`, entry i of `grad_w`, the i-th row of `below`; rows `g.len()`
/// long, flat, standard layout). `w`: W_L's entries for these units; `g`:
/// G_Lᵀ (n); `a`, `z`: A_{L−1}ᵀ and Z_{L−1}ᵀ; `grad_w`: ∇W_L's entries for
/// them, when layer L trains; `below`: G_{L−1}ᵀ, when a lower layer trains.
pub fn rows(act: Act, w: ArrayView1<f64>, g: &[f64], a: &[f64], z: &[f64], mut grad_w: Option<&mut [f64]>, mut below: Option<&mut [f64]>) {
    let n = g.len();
    if n == 0 {
        // No samples: ∇W_L is an empty sum (G_{L−1}ᵀ has no entries).
        if let Some(gw) = grad_w {
            gw.fill(0.0);
        }
        return;
    }
    // Rows in blocks of about BLOCK elements: σ′ runs over a block's outer
    // product while it is in L1, one call per block (W1's rows are 20 long:
    // one call per row made its span step 86k against 93k steps/s, 4
    // alternating rounds of `lowrank-lab bench --workload W1 --reps 3`).
    let per = (BLOCK / n).max(1);
    let units = w.len();
    for start in (0..units).step_by(per) {
        let end = (start + per).min(units);
        if let Some(gw) = grad_w.as_deref_mut() {
            for i in start..end {
                gw[i] = dot(g, &a[i * n..(i + 1) * n]);
            }
        }
        if let Some(b) = below.as_deref_mut() {
            let block = &mut b[start * n..end * n];
            for (i, out) in (start..end).zip(block.chunks_exact_mut(n)) {
                super::simd::scale(g, out, w[i]);
            }
            act.backward_slice(&z[start * n..end * n], block);
        }
    }
}

/// Elements of G_{L−1}ᵀ per block of rows in [`rows`] (16 KB, half of a small L1).
const BLOCK: usize = 2048;

/// [`rows`] over all units, in two halves of them on two threads when the
/// pass is big enough to split here (`par::splits`, n·units·4 of work).
pub fn split_rows(act: Act, w: ArrayView1<f64>, g: &[f64], a: &[f64], z: &[f64], grad_w: Option<&mut [f64]>, below: Option<&mut [f64]>) {
    let (units, n) = (w.len(), g.len());
    if units < 2 || !splits(units * n * WORK_PER_ELEMENT) {
        return rows(act, w, g, a, z, grad_w, below);
    }
    let h = units / 2;
    let (w1, w2) = w.split_at(Axis(0), h);
    let ((a1, a2), (z1, z2)) = (a.split_at(h * n), z.split_at(h * n));
    let (gw1, gw2) = match grad_w {
        Some(s) => {
            let (x, y) = s.split_at_mut(h);
            (Some(x), Some(y))
        }
        None => (None, None),
    };
    let (b1, b2) = match below {
        Some(s) => {
            let (x, y) = s.split_at_mut(h * n);
            (Some(x), Some(y))
        }
        None => (None, None),
    };
    join(|| rows(act, w1, g, a1, z1, gw1, b1), || rows(act, w2, g, a2, z2, gw2, b2));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Activation;
    use crate::net::gemm::sequential;
    use ndarray::Array2;

    fn data(units: usize, n: usize) -> (Array2<f64>, Array2<f64>, Array2<f64>, Array2<f64>) {
        let w = Array2::from_shape_fn((1, units), |(_, i)| ((i * 37 + 5) as f64).sin());
        let g = Array2::from_shape_fn((1, n), |(_, j)| ((j * 11 + 1) as f64).cos() * 1e-3);
        let z = Array2::from_shape_fn((units, n), |(i, j)| ((i * 7 + j * 13) as f64 * 0.61).sin());
        let a = z.mapv(|v| v.max(0.0));
        (w, g, a, z)
    }

    /// G_{L−1}ᵀ is the outer product followed by the σ′ pass, bit for bit
    /// (for each activation); ∇W_L is the matrix–vector product to rounding.
    #[test]
    fn one_pass_equals_the_products_and_the_sigma_pass() {
        for kind in [
            Activation::Relu,
            Activation::LeakyRelu,
            Activation::Linear,
            Activation::Tanh,
            Activation::Gelu,
        ] {
            let act = Act { kind, slope: 0.1 };
            for (units, n) in [(1024, 256), (37, 30), (5, 3)] {
                let (w, g, a, z) = data(units, n);
                let mut want_g = Array2::zeros((units, n));
                sequential(want_g.view_mut(), w.t(), g.view(), 1.0, false);
                act.backward_slice(z.as_slice().unwrap(), want_g.as_slice_mut().unwrap());
                let mut want_w = Array2::zeros((1, units));
                sequential(want_w.view_mut(), g.view(), a.t(), 1.0, false);

                let (mut got_w, mut got_g) = (vec![f64::NAN; units], vec![f64::NAN; units * n]);
                rows(
                    act,
                    w.row(0),
                    g.as_slice().unwrap(),
                    a.as_slice().unwrap(),
                    z.as_slice().unwrap(),
                    Some(&mut got_w),
                    Some(&mut got_g),
                );
                assert_eq!(got_g.as_slice(), want_g.as_slice().unwrap(), "{kind:?} {units}×{n}");
                for (i, (x, y)) in got_w.iter().zip(want_w.iter()).enumerate() {
                    let scale: f64 = (0..n).map(|j| (g[[0, j]] * a[[i, j]]).abs()).sum();
                    assert!((x - y).abs() <= 1e-14 * scale, "{kind:?} ∇W[{i}]: {x} vs {y}");
                }
            }
        }
    }

    /// Either output alone, and split in halves on a pool of two threads or
    /// not at all: the same bits.
    #[test]
    fn halves_and_parts_give_the_same_bits() {
        let act = Act {
            kind: Activation::Relu,
            slope: 0.0,
        };
        let (units, n) = (301, 257);
        let (w, g, a, z) = data(units, n);
        let (w, g, a, z) = (w.row(0), g.as_slice().unwrap(), a.as_slice().unwrap(), z.as_slice().unwrap());
        let (mut one_w, mut one_g) = (vec![0.0; units], vec![0.0; units * n]);
        rows(act, w, g, a, z, Some(&mut one_w), Some(&mut one_g));
        let mut only_w = vec![0.0; units];
        rows(act, w, g, a, z, Some(&mut only_w), None);
        assert_eq!(only_w, one_w);
        let mut only_g = vec![0.0; units * n];
        rows(act, w, g, a, z, None, Some(&mut only_g));
        assert_eq!(only_g, one_g);
        #[cfg(feature = "parallel")]
        {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            for threshold in [0, usize::MAX] {
                pool.install(|| {
                    let before = crate::net::par::set_min_work(threshold);
                    let (mut sw, mut sg) = (vec![0.0; units], vec![0.0; units * n]);
                    split_rows(act, w, g, a, z, Some(&mut sw), Some(&mut sg));
                    crate::net::par::set_min_work(before);
                    assert_eq!((sw, sg), (one_w.clone(), one_g.clone()), "threshold {threshold}");
                });
            }
        }
    }

    #[test]
    fn dot_sums_in_its_stated_order() {
        let x: Vec<f64> = (0..19).map(|i| 1.0 + i as f64).collect();
        let y: Vec<f64> = (0..19).map(|i| 0.5 - i as f64 * 0.25).collect();
        let exact: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
        assert!((dot(&x, &y) - exact).abs() <= 1e-12 * exact.abs());
        // Huge terms that cancel only in the stated pairing: lanes 0 and 4
        // hold ±1e16, lane 1 holds 1; any other order loses the 1.
        let mut x = vec![0.0; 8];
        let y = vec![1.0; 8];
        (x[0], x[4], x[1]) = (1e16, -1e16, 1.0);
        assert_eq!(dot(&x, &y), 1.0);
        assert_eq!(dot(&[], &[]), 0.0);
    }

    /// No samples: ∇W_L is zero (an empty sum), not what the buffer held.
    #[test]
    fn no_samples_give_a_zero_gradient() {
        let act = Act {
            kind: Activation::Relu,
            slope: 0.0,
        };
        let w = ndarray::arr1(&[1.0, -2.0, 3.0]);
        let mut gw = vec![7.0; 3];
        rows(act, w.view(), &[], &[], &[], Some(&mut gw), Some(&mut []));
        assert_eq!(gw, vec![0.0; 3]);
    }
}
