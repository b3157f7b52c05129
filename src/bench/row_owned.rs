//! Probe (issue 21): why W1's direct step gains nothing from a second thread,
//! and whether a step in which each thread *owns* half of W's rows would.
//! Measured natively by `cargo run --release --example row_owned_probe` and in
//! Chromium by `node bench/row-owned.mjs` (the threaded bench package's
//! `bench_row_owned`). Not the trainer: a stand-alone copy of W1's step.
//!
//! W1's shape: f(x) = aᵀrelu(Wx), W 200 × 100, n = 20, a fixed (±1/√m), logistic
//! loss, weight decay, GD. One step: Z = W·Xᵀ, f = aᵀrelu(Z),
//! D = a ⊙ relu′(Z) ⊙ ℓ′(f)/n, G = D·X, W ← (1 − ηλ)W − ηG. Three ways:
//!
//! - [`Mode::OneThread`]: all of it on this thread.
//! - [`Mode::SplitProducts`]: both products cut into row halves on two threads
//!   (`rayon::join` per product, as the trainer's split does), the rest on one:
//!   every step moves W's, Z's and G's halves between the cores twice.
//! - [`Mode::RowOwned`]: two threads each keep rows [0, 100) or [100, 200) of W
//!   for the whole run; per step each computes its half of f, the halves meet at
//!   one spinning barrier, and each finishes its own rows. Only 2 × 20 partial
//!   outputs cross between the cores.
//!
//! Every mode sums f as (rows 0..100) + (rows 100..200) and each row of Z and G
//! is one product row, so all three give the same bits (tested below).

#[cfg(feature = "parallel")]
use ndarray::Axis;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};
#[cfg(feature = "parallel")]
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

const D: usize = 100;
const M: usize = 200;
const N: usize = 20;
const H: usize = M / 2;
const ETA: f64 = 0.1;
const LAMBDA: f64 = 1e-3;

/// How the step is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    OneThread,
    SplitProducts,
    RowOwned,
}

impl Mode {
    /// `one`, `split` or `rows`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "one" => Some(Mode::OneThread),
            "split" => Some(Mode::SplitProducts),
            "rows" => Some(Mode::RowOwned),
            _ => None,
        }
    }
}

/// The probe's data (seeded, fixed) and initial W.
pub struct Probe {
    x: Array2<f64>,
    xt: Array2<f64>,
    y: Array1<f64>,
    a: Array1<f64>,
    w0: Array2<f64>,
}

impl Default for Probe {
    fn default() -> Self {
        Self::new()
    }
}

impl Probe {
    pub fn new() -> Probe {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let x = Array2::from_shape_fn((N, D), |_| next());
        let sign = |j: usize| if j.is_multiple_of(3) { -1.0 } else { 1.0 };
        Probe {
            xt: x.t().to_owned(),
            x,
            y: Array1::from_shape_fn(N, |i| if i % 2 == 0 { 1.0 } else { -1.0 }),
            a: Array1::from_shape_fn(M, |j| sign(j) / (M as f64).sqrt()),
            w0: Array2::from_shape_fn((M, D), |(i, j)| (((i * 131 + j * 71) % 97) as f64 / 97.0 - 0.5) * 0.3),
        }
    }

    /// W after `steps` GD steps run the `mode` way, and whether two threads ran
    /// them (without the `parallel` feature or on a pool of one thread every mode
    /// runs on one; row-owned also when no helper took its half in time).
    pub fn run(&self, mode: Mode, steps: u64) -> (Array2<f64>, bool) {
        let mut w = self.w0.clone();
        #[cfg(feature = "parallel")]
        if crate::net::par::threads() >= 2 {
            match mode {
                Mode::SplitProducts => {
                    self.split_products(&mut w, steps);
                    return (w, true);
                }
                Mode::RowOwned => {
                    let two = self.row_owned(&mut w, steps);
                    return (w, two);
                }
                Mode::OneThread => {}
            }
        }
        let _ = mode;
        self.one_thread(w.view_mut(), steps);
        (w, false)
    }

    fn one_thread(&self, mut w: ArrayViewMut2<'_, f64>, steps: u64) {
        let a = self.a.as_slice().expect("contiguous");
        let (mut z, mut g) = (Array2::zeros((M, N)), Array2::zeros((M, D)));
        let (mut f0, mut f1, mut dl) = ([0.0; N], [0.0; N], [0.0; N]);
        for _ in 0..steps {
            matmul(z.view_mut(), w.view(), self.xt.view());
            self.output_grad(z.view(), &mut f0, &mut f1, &mut dl);
            backward(w.view_mut(), a, self.x.view(), z.view_mut(), &dl, g.view_mut());
        }
    }

    #[cfg(feature = "parallel")]
    fn split_products(&self, w: &mut Array2<f64>, steps: u64) {
        let a = self.a.as_slice().expect("contiguous");
        let (mut z, mut g) = (Array2::<f64>::zeros((M, N)), Array2::<f64>::zeros((M, D)));
        let (mut f0, mut f1, mut dl) = ([0.0; N], [0.0; N], [0.0; N]);
        let body = || {
            for _ in 0..steps {
                {
                    let (w0, w1) = w.view().split_at(Axis(0), H);
                    let (z0, z1) = z.view_mut().split_at(Axis(0), H);
                    rayon::join(|| matmul(z0, w0, self.xt.view()), || matmul(z1, w1, self.xt.view()));
                }
                self.output_grad(z.view(), &mut f0, &mut f1, &mut dl);
                relu_grad(z.view_mut(), a, &dl);
                {
                    let (z0, z1) = z.view().split_at(Axis(0), H);
                    let (g0, g1) = g.view_mut().split_at(Axis(0), H);
                    rayon::join(|| matmul(g0, z0, self.x.view()), || matmul(g1, z1, self.x.view()));
                }
                update(w.view_mut(), g.view());
            }
        };
        in_pool(body);
    }

    /// Two threads, each with its rows of W for the whole run, one barrier a step.
    /// If no second pool thread takes its half within ~1 ms (the pool is busy),
    /// this thread runs the whole step alone: a spinning barrier never waits for
    /// a half nobody runs.
    #[cfg(feature = "parallel")]
    fn row_owned(&self, w: &mut Array2<f64>, steps: u64) -> bool {
        let a = self.a.as_slice().expect("contiguous");
        let meet = Meet {
            part: Default::default(),
            done: [AtomicU64::new(0), AtomicU64::new(0)],
        };
        // 0: free; 1: a helper runs rows [H, M); 2: this thread runs everything.
        let claim = AtomicU8::new(0);
        let whole = RawRows(w.as_mut_ptr());
        // Whole references (closures would otherwise capture the fields, which are not Sync).
        let (meet, whole) = (&meet, &whole);
        let half = |me: usize| {
            // SAFETY: rows [me·H, (me+1)·H) of the contiguous M × D matrix `w`, which
            // `w`'s exclusive borrow keeps alive; each half is touched by one thread.
            let mut wh = unsafe { ArrayViewMut2::from_shape_ptr((H, D), whole.at(me * H * D)) };
            let ah = &a[me * H..(me + 1) * H];
            let (mut z, mut g) = (Array2::zeros((H, N)), Array2::zeros((H, D)));
            let (mut f, mut dl) = ([0.0; N], [0.0; N]);
            for s in 0..steps {
                let parity = (s % 2) as usize;
                // SAFETY: this thread's buffer of this parity; the other thread last read it
                // at step s − 2, before publishing step s − 1, which this thread waited for.
                let mine = unsafe { &mut *meet.part[me][parity].get() };
                matmul(z.view_mut(), wh.view(), self.xt.view());
                half_output(z.view(), ah, mine);
                meet.done[me].store(s + 1, Ordering::Release);
                while meet.done[1 - me].load(Ordering::Acquire) < s + 1 {
                    std::hint::spin_loop();
                }
                // SAFETY: both published for step s (the Acquire above).
                let (p0, p1) = unsafe { (&*meet.part[0][parity].get(), &*meet.part[1][parity].get()) };
                sum(p0, p1, &mut f);
                self.loss_grad(&f, &mut dl);
                backward(wh.view_mut(), ah, self.x.view(), z.view_mut(), &dl, g.view_mut());
            }
        };
        let first = || {
            let came = crate::net::tune::spin_until(|| claim.load(Ordering::Acquire) != 0, 1e-3);
            if !came && claim.compare_exchange(0, 2, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                // SAFETY: no helper will touch W (the claim is ours): all of it, as above.
                let all = unsafe { ArrayViewMut2::from_shape_ptr((M, D), whole.at(0)) };
                return self.one_thread(all, steps);
            }
            half(0)
        };
        let second = || {
            if claim.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                half(1);
            }
        };
        in_pool(|| {
            rayon::join(first, second);
        });
        claim.load(Ordering::Acquire) == 1
    }

    /// From all of Z (M × n): f in its two halves, summed, and ℓ′(f)/n into `dl`.
    fn output_grad(&self, z: ArrayView2<'_, f64>, f0: &mut [f64; N], f1: &mut [f64; N], dl: &mut [f64; N]) {
        let a = self.a.as_slice().expect("contiguous");
        half_output(z.slice(ndarray::s![..H, ..]), &a[..H], f0);
        half_output(z.slice(ndarray::s![H.., ..]), &a[H..], f1);
        let mut f = [0.0; N];
        sum(f0, f1, &mut f);
        self.loss_grad(&f, dl);
    }

    /// ℓ′(f)/n of the logistic loss, per sample.
    fn loss_grad(&self, f: &[f64; N], out: &mut [f64; N]) {
        for ((o, &fi), &yi) in out.iter_mut().zip(f).zip(&self.y) {
            *o = -yi / (1.0 + (yi * fi).exp()) / N as f64;
        }
    }
}

/// A checksum of W that differs whenever a bit of it does (Σ bits·(index + 1), wrapping).
pub fn checksum(w: &Array2<f64>) -> u64 {
    w.iter()
        .enumerate()
        .fold(0u64, |acc, (i, v)| acc.wrapping_add(v.to_bits().wrapping_mul(i as u64 + 1)))
}

/// Run `f` on a pool thread (natively the global pool; in wasm the page's pool).
#[cfg(feature = "parallel")]
fn in_pool(f: impl FnOnce() + Send) {
    if rayon::current_thread_index().is_some() {
        f()
    } else {
        rayon::scope(|_| f())
    }
}

#[cfg(feature = "parallel")]
struct RawRows(*mut f64);
#[cfg(feature = "parallel")]
impl RawRows {
    fn at(&self, offset: usize) -> *mut f64 {
        // SAFETY (callers): offset within the M × D matrix.
        unsafe { self.0.add(offset) }
    }
}
// SAFETY: the two threads write disjoint rows (see `row_owned`).
#[cfg(feature = "parallel")]
unsafe impl Sync for RawRows {}
#[cfg(feature = "parallel")]
unsafe impl Send for RawRows {}

/// Each thread's partial outputs, double-buffered by step parity, and the last step each published.
#[cfg(feature = "parallel")]
struct Meet {
    part: [[std::cell::UnsafeCell<[f64; N]>; 2]; 2],
    done: [AtomicU64; 2],
}
// SAFETY: a buffer is written only by its owner and read by the other thread only
// between the owner's Release of `done` and the owner's next write of that parity.
#[cfg(feature = "parallel")]
unsafe impl Sync for Meet {}

/// C ← A·B on this thread, whatever the split threshold (the trainer's products, unsplit).
fn matmul(c: ArrayViewMut2<'_, f64>, a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) {
    crate::net::gemm::sequential(c, a, b, 1.0, false);
}

/// aᵀrelu(Z) over these rows, per sample.
fn half_output(z: ArrayView2<'_, f64>, a: &[f64], out: &mut [f64; N]) {
    out.iter_mut().for_each(|v| *v = 0.0);
    for (row, &aj) in z.rows().into_iter().zip(a) {
        for (o, &zi) in out.iter_mut().zip(row) {
            *o += aj * zi.max(0.0);
        }
    }
}

fn sum(p0: &[f64; N], p1: &[f64; N], f: &mut [f64; N]) {
    for i in 0..N {
        f[i] = p0[i] + p1[i];
    }
}

/// Z ← a ⊙ relu′(Z) ⊙ ℓ′ (in place), row by row.
fn relu_grad(mut z: ArrayViewMut2<'_, f64>, a: &[f64], dl: &[f64; N]) {
    for (mut row, &aj) in z.rows_mut().into_iter().zip(a) {
        for (v, &d) in row.iter_mut().zip(dl) {
            *v = if *v > 0.0 { aj * d } else { 0.0 };
        }
    }
}

/// D = a ⊙ relu′(Z) ⊙ ℓ′, G = D·X, W ← (1 − ηλ)W − ηG, for these rows.
fn backward(
    w: ArrayViewMut2<'_, f64>,
    a: &[f64],
    x: ArrayView2<'_, f64>,
    mut z: ArrayViewMut2<'_, f64>,
    dl: &[f64; N],
    mut g: ArrayViewMut2<'_, f64>,
) {
    relu_grad(z.view_mut(), a, dl);
    matmul(g.view_mut(), z.view(), x);
    update(w, g.view());
}

/// W ← (1 − ηλ)W − ηG, elementwise.
fn update(mut w: ArrayViewMut2<'_, f64>, g: ArrayView2<'_, f64>) {
    let c = 1.0 - ETA * LAMBDA;
    w.zip_mut_with(&g, |w, &g| *w = c * *w - ETA * g);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three modes give the same bits, on a pool of two threads (and the
    /// probe really trains: the loss-driving W moves).
    #[test]
    fn every_mode_gives_the_same_bits() {
        let p = Probe::new();
        let (one, two) = p.run(Mode::OneThread, 50);
        assert!(one != p.w0 && !two);
        #[cfg(feature = "parallel")]
        {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
            pool.install(|| {
                for mode in [Mode::SplitProducts, Mode::RowOwned] {
                    let (w, _) = p.run(mode, 50);
                    assert_eq!(checksum(&w), checksum(&one), "{mode:?}");
                    assert!(w == one, "{mode:?}");
                }
            });
            // A pool of one thread: row-owned falls back to one thread instead of waiting forever.
            let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            single.install(|| {
                let mut w = p.w0.clone();
                assert!(!p.row_owned(&mut w, 50), "no helper on a pool of one thread");
                assert!(w == one);
            });
        }
    }
}
