//! Owned steps of a net of depth L ≥ 3 (issue 21; derived here): thread t
//! owns half t of every hidden layer's units, [0, h_k) or [h_k, m_k) with
//! h_k = ⌊m_k/2⌋ (`halves::split_at`): those rows of W_k, b_k, Z_kᵀ, A_kᵀ,
//! G_kᵀ and of their gradients, averages and checkpoint copies, and the
//! matching columns of the output layer's W_L (thread 0 also owns b_L).
//! In the notation of `net::backprop` (transposes: one row per unit):
//!   Z_kᵀ[t]     = W_k[t, :] · A_{k−1}ᵀ + b_k[t]   (A_0ᵀ = Xᵀ)
//!   Fᵀ          = W_L · A_{L−1}ᵀ + b_L            (whole, on both threads)
//!   ∇W_L[:, t]  = G_Lᵀ · A_{L−1}ᵀ[t]ᵀ,  G_{L−1}ᵀ[t] = (W_L[:, t]ᵀ G_Lᵀ) ⊙ σ′
//!   ∇W_k[t, :]  = G_kᵀ[t] · A_{k−1},    G_{k−1}ᵀ[t] = (W_k[:, t]ᵀ G_kᵀ) ⊙ σ′
//! Each is a product of the whole pass (`Workspace::loss_and_grad`) cut
//! along rows or columns of its result, so the bits are the whole pass's;
//! the output Fᵀ is the whole product on both threads (out × m_{L−1} × n
//! multiply-adds twice; out is 1 in the lab's nets, and the tuner times
//! the arm on the machine it runs on), so deep nets' bits do not change.
//!
//! The threads meet (`Counters::meet`, a mark per meeting) where a product
//! reads the other half's rows: after A_kᵀ for k = 1..L−1 (the next layer
//! reads all of A_kᵀ), after G_kᵀ for k = L−1..2 while a lower layer still
//! needs its G (G_{k−1} reads all of G_kᵀ and the other half's rows of
//! W_k), and once at the end of the backward pass, before the updates: an
//! update overwrites the rows of W_k the other thread reads for its G_{k−1},
//! and the next step's A_kᵀ overwrites rows the other reads for ∇W_{k+1}.
//! Every write of step s+1 to a half's rows thus comes after the other
//! thread's last read of them in step s, and every read of the other half
//! after the meeting that follows its write: 2(L−1) meetings a step.

use super::{Account, Counters, End, Plan, Stop};
use crate::config::Loss;
use crate::net::gemm::sequential;
use crate::net::{halves, loss, simd, Act, Params};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use std::marker::PhantomData;
use std::ops::Range;

/// A standard-layout matrix both threads reach, each writing only its own
/// rows or columns between meetings (see the header).
#[derive(Clone, Copy)]
struct Mat {
    ptr: *mut f64,
    rows: usize,
    cols: usize,
}

impl Mat {
    const EMPTY: Mat = Mat {
        ptr: std::ptr::NonNull::dangling().as_ptr(),
        rows: 0,
        cols: 0,
    };

    fn of(a: &mut Array2<f64>) -> Mat {
        assert!(a.is_standard_layout(), "owned steps need standard layout");
        Mat {
            ptr: a.as_mut_ptr(),
            rows: a.nrows(),
            cols: a.ncols(),
        }
    }

    fn of_vec(a: &mut ndarray::Array1<f64>) -> Mat {
        let s = a.as_slice_mut().expect("vectors are contiguous");
        Mat {
            ptr: s.as_mut_ptr(),
            rows: s.len(),
            cols: 1,
        }
    }

    // SAFETY (all below): the range lies inside the matrix, the matrix
    // outlives the view (`Layers` borrows it for the run), and no other
    // thread writes the elements while the view is used (the meetings).
    unsafe fn all<'s>(self) -> ArrayView2<'s, f64> {
        ArrayView2::from_shape_ptr((self.rows, self.cols), self.ptr)
    }

    unsafe fn all_mut<'s>(self) -> ArrayViewMut2<'s, f64> {
        ArrayViewMut2::from_shape_ptr((self.rows, self.cols), self.ptr)
    }

    unsafe fn rows<'s>(self, r: Range<usize>) -> ArrayView2<'s, f64> {
        ArrayView2::from_shape_ptr((r.len(), self.cols), self.ptr.add(r.start * self.cols))
    }

    unsafe fn rows_mut<'s>(self, r: Range<usize>) -> ArrayViewMut2<'s, f64> {
        ArrayViewMut2::from_shape_ptr((r.len(), self.cols), self.ptr.add(r.start * self.cols))
    }

    unsafe fn slice<'s>(self, r: Range<usize>) -> &'s [f64] {
        std::slice::from_raw_parts(self.ptr.add(r.start * self.cols), r.len() * self.cols)
    }

    unsafe fn slice_mut<'s>(self, r: Range<usize>) -> &'s mut [f64] {
        std::slice::from_raw_parts_mut(self.ptr.add(r.start * self.cols), r.len() * self.cols)
    }

    unsafe fn cols<'s>(self, r: Range<usize>) -> ArrayView2<'s, f64> {
        use ndarray::ShapeBuilder;
        ArrayView2::from_shape_ptr((self.rows, r.len()).strides((self.cols, 1)), self.ptr.add(r.start))
    }

    unsafe fn cols_mut<'s>(self, r: Range<usize>) -> ArrayViewMut2<'s, f64> {
        use ndarray::ShapeBuilder;
        ArrayViewMut2::from_shape_ptr((self.rows, r.len()).strides((self.cols, 1)), self.ptr.add(r.start))
    }

    /// Row i's elements in columns r.
    unsafe fn row_part<'s>(self, i: usize, r: Range<usize>) -> &'s mut [f64] {
        std::slice::from_raw_parts_mut(self.ptr.add(i * self.cols + r.start), r.len())
    }
}

/// The parameter sets a step reads and writes, in this order: θ, the
/// gradient's average, the gradient, the checkpoint and its gradient average.
const SETS: usize = 5;
const THETA: usize = 0;
const GRAD: usize = 2;

/// Where a run's arrays are, refilled at the start of each run (kept in the
/// trainer's scratch so that a run allocates nothing).
pub struct Pointers {
    /// w[set][k], b[set][k] (b: a column, 0 rows without biases).
    w: [Vec<Mat>; SETS],
    b: [Vec<Mat>; SETS],
    /// Z_kᵀ, A_kᵀ, G_kᵀ of the hidden layers (m_k × n).
    zt: Vec<Mat>,
    at: Vec<Mat>,
    gt: Vec<Mat>,
}

// SAFETY: the pointers are only dereferenced during a run, while `Layers`
// holds the borrows they were taken from.
unsafe impl Send for Pointers {}

impl Pointers {
    pub fn with_depth(depth: usize) -> Pointers {
        let v = |len| vec![Mat::EMPTY; len];
        Pointers {
            w: std::array::from_fn(|_| v(depth)),
            b: std::array::from_fn(|_| v(depth)),
            zt: v(depth - 1),
            at: v(depth - 1),
            gt: v(depth - 1),
        }
    }
}

/// One thread's side: which half (0 or 1), and where it puts Fᵀ and G_Lᵀ (out × n).
pub struct Side {
    t: usize,
    f: Mat,
    g: Mat,
}

// SAFETY: as `Pointers`.
unsafe impl Send for Side {}

/// What a step needs besides the arrays.
pub struct Step<'a> {
    /// Inputs X, n × d, and targets Y, n × out.
    pub x: ArrayView2<'a, f64>,
    pub y: ArrayView2<'a, f64>,
    pub loss: Loss,
    pub act: Act,
    /// Which layers train.
    pub trained: &'a [bool],
    /// θ ← c·θ − η·g, ema ← β·ema + (1 − β)·g.
    pub c: f64,
    pub eta: f64,
    pub beta: f64,
}

/// A deep net's step cut in the two halves of every hidden layer.
pub struct Layers<'m, 'a> {
    step: Step<'a>,
    counters: &'m Counters,
    ptr: &'m Pointers,
    /// The output layer's index, L − 1.
    top: usize,
    /// The lowest trained layer (G_k is needed for k ≥ it).
    lowest: usize,
    _borrows: PhantomData<&'a mut Params>,
}

// SAFETY: the threads share the arrays under the meeting protocol of the header.
unsafe impl Sync for Layers<'_, '_> {}

/// The trainer's arrays for a run: θ, gradient average, gradient, checkpoint
/// and its gradient average; the workspace's Z_kᵀ, A_kᵀ, G_kᵀ (k = 1..L, the
/// last Z and G being thread 0's Fᵀ and G_Lᵀ); thread 1's Fᵀ and G_Lᵀ.
pub struct Arrays<'a> {
    pub sets: [&'a mut Params; SETS],
    pub zt: &'a mut [Array2<f64>],
    pub at: &'a mut [Array2<f64>],
    pub gt: &'a mut [Array2<f64>],
    pub f1: &'a mut Array2<f64>,
    pub g1: &'a mut Array2<f64>,
}

impl<'m, 'a> Layers<'m, 'a> {
    /// The plan and its two sides.
    pub fn new(step: Step<'a>, arrays: Arrays<'a>, counters: &'m Counters, ptr: &'m mut Pointers) -> (Layers<'m, 'a>, [Side; 2]) {
        let Arrays { sets, zt, at, gt, f1, g1 } = arrays;
        let depth = sets[THETA].w.len();
        assert!(depth >= 3 && step.trained.len() == depth, "owned deep steps of a depth-{depth} net");
        for (set, p) in sets.into_iter().enumerate() {
            for (k, (w, b)) in p.w.iter_mut().zip(p.b.iter_mut()).enumerate() {
                ptr.w[set][k] = Mat::of(w);
                ptr.b[set][k] = Mat::of_vec(b);
            }
        }
        for k in 0..depth - 1 {
            (ptr.zt[k], ptr.at[k], ptr.gt[k]) = (Mat::of(&mut zt[k]), Mat::of(&mut at[k]), Mat::of(&mut gt[k]));
        }
        let top = depth - 1;
        let sides = [
            Side {
                t: 0,
                f: Mat::of(&mut zt[top]),
                g: Mat::of(&mut gt[top]),
            },
            Side {
                t: 1,
                f: Mat::of(f1),
                g: Mat::of(g1),
            },
        ];
        let lowest = step.trained.iter().position(|&t| t).unwrap_or(depth);
        let plan = Layers {
            step,
            counters,
            ptr,
            top,
            lowest,
            _borrows: PhantomData,
        };
        (plan, sides)
    }
}

impl Plan for Layers<'_, '_> {
    type Side = Side;

    fn counters(&self) -> &Counters {
        self.counters
    }

    fn owned(&self, me: usize, s: u64, side: &mut Side, acc: &mut Account) -> Result<u64, End> {
        let per_step = 2 * self.top as u64;
        let mark = |j: usize| self.counters.meet(me, s * per_step + j as u64 + 1);
        let agree = |finite| self.counters.agree(me, s, finite);
        self.step(s, &[&*side], acc, mark, agree)
    }

    fn alone(&self, s: u64, mine: &mut Side, other: &mut Side, acc: &mut Account) -> Result<u64, Stop> {
        match self.step(s, &[&*mine, &*other], acc, |_| {}, |finite| finite) {
            Ok(m) => Ok(m),
            Err(End::Here(stop)) => Err(stop),
            Err(End::Before) => unreachable!("one thread reports its failed update itself"),
        }
    }
}

impl Layers<'_, '_> {
    /// Step `s` for `sides` (one on each of two threads, or both on one),
    /// meeting the other thread at `meet(j)` for meetings j = 0..2(L−1).
    fn step(&self, s: u64, sides: &[&Side], acc: &mut Account, meet: impl Fn(usize), agree: impl FnOnce(bool) -> bool) -> Result<u64, End> {
        let top = self.top;
        for k in 0..top {
            for side in sides {
                self.hidden_forward(k, side.t);
            }
            meet(k);
            if k == 0 && self.counters.any_failed() {
                return Err(End::Before);
            }
        }
        // The output, loss and G_Lᵀ on the first side's buffers (every thread has its own).
        let out = sides[0];
        let l = self.output(out);
        if !l.is_finite() {
            return Err(End::Here(Stop::Loss));
        }
        for side in sides {
            self.top_backward(side.t, out.g);
        }
        for k in (0..top).rev() {
            if self.step.trained[k] {
                for side in sides {
                    self.weight_grad(k, side.t);
                }
            }
            if k > self.lowest {
                meet(top + (top - 1 - k));
                for side in sides {
                    self.grad_below(k, side.t);
                }
            }
        }
        let finite = || sides.iter().all(|side| self.gradient_finite(side.t));
        let keep = acc.checkpoint(s, l, finite, agree).map_err(End::Here)?;
        if keep {
            for side in sides {
                self.keep(side.t);
            }
        }
        meet(2 * top - 1);
        Ok(sides.iter().fold(0, |m, side| m.max(self.update(side.t))))
    }

    /// Half t of hidden layer k's units.
    fn units(&self, k: usize, t: usize) -> Range<usize> {
        let m = self.ptr.at[k].rows;
        let h = halves::split_at(m);
        if t == 0 {
            0..h
        } else {
            h..m
        }
    }

    /// Half t of a bias of hidden layer k (empty without biases).
    fn bias_units(&self, set: usize, k: usize, t: usize) -> Range<usize> {
        if self.ptr.b[set][k].rows == 0 {
            0..0
        } else {
            self.units(k, t)
        }
    }

    /// Z_kᵀ[t] = W_k[t, :]·A_{k−1}ᵀ + b_k[t], A_kᵀ[t] = σ(Z_kᵀ[t]).
    fn hidden_forward(&self, k: usize, t: usize) {
        let p = &self.ptr;
        let r = self.units(k, t);
        // SAFETY: this half's rows; the rows below are read after the meeting that follows their writes.
        unsafe {
            let below = if k == 0 { self.step.x.t() } else { p.at[k - 1].all() };
            let mut zt = p.zt[k].rows_mut(r.clone());
            sequential(zt.view_mut(), p.w[THETA][k].rows(r.clone()), below, 1.0, false);
            let rb = self.bias_units(THETA, k, t);
            halves::add_bias(zt, ArrayView1::from(p.b[THETA][k].slice(rb)));
            self.step.act.forward_slice(p.zt[k].slice(r.clone()), p.at[k].slice_mut(r));
        }
    }

    /// Fᵀ = W_L·A_{L−1}ᵀ + b_L on the side's buffer, then the loss and G_Lᵀ.
    fn output(&self, side: &Side) -> f64 {
        let (p, top) = (&self.ptr, self.top);
        // SAFETY: the side's own buffers; every A_{L−1}ᵀ row and W_L, b_L are
        // read after the meeting that follows their last writes.
        unsafe {
            let mut f = side.f.all_mut();
            sequential(f.view_mut(), p.w[THETA][top].all(), p.at[top - 1].all(), 1.0, false);
            let b = p.b[THETA][top];
            halves::add_bias(f.view_mut(), ArrayView1::from(b.slice(0..b.rows)));
            loss::value_and_grad(self.step.loss, side.f.all().t(), self.step.y, side.g.all_mut().reversed_axes())
        }
    }

    /// ∇W_L[:, t] (and ∇b_L on half 0) and G_{L−1}ᵀ[t] from G_Lᵀ (`g`).
    fn top_backward(&self, t: usize, g: Mat) {
        let (p, top) = (&self.ptr, self.top);
        let r = self.units(top - 1, t);
        // SAFETY: this half's columns of ∇W_L and rows of G_{L−1}ᵀ; G_Lᵀ is this thread's.
        unsafe {
            let g = g.all();
            if self.step.trained[top] {
                sequential(p.w[GRAD][top].cols_mut(r.clone()), g, p.at[top - 1].rows(r.clone()).t(), 1.0, false);
                let b = p.b[GRAD][top];
                if t == 0 && b.rows > 0 {
                    b.all_mut().column_mut(0).assign(&g.sum_axis(Axis(1)));
                }
            }
            if top > self.lowest {
                let below = top - 1;
                sequential(p.gt[below].rows_mut(r.clone()), p.w[THETA][top].cols(r.clone()).t(), g, 1.0, false);
                self.step.act.backward_slice(p.zt[below].slice(r.clone()), p.gt[below].slice_mut(r));
            }
        }
    }

    /// ∇W_k[t, :] = G_kᵀ[t]·A_{k−1} and ∇b_k[t] for a hidden layer k.
    fn weight_grad(&self, k: usize, t: usize) {
        let p = &self.ptr;
        let r = self.units(k, t);
        // SAFETY: this half's rows; A_{k−1}ᵀ is not written before the end meeting.
        unsafe {
            let below = if k == 0 { self.step.x } else { p.at[k - 1].all().reversed_axes() };
            let gk = p.gt[k].rows(r.clone());
            sequential(p.w[GRAD][k].rows_mut(r), gk, below, 1.0, false);
            let rb = self.bias_units(GRAD, k, t);
            if !rb.is_empty() {
                p.b[GRAD][k].rows_mut(rb).column_mut(0).assign(&gk.sum_axis(Axis(1)));
            }
        }
    }

    /// G_{k−1}ᵀ[t] = (W_k[:, t]ᵀ·G_kᵀ) ⊙ σ′(Z_{k−1}ᵀ[t]) for a hidden layer k ≥ 1.
    fn grad_below(&self, k: usize, t: usize) {
        let p = &self.ptr;
        let r = self.units(k - 1, t);
        // SAFETY: this half's rows of G_{k−1}ᵀ; all of G_kᵀ and W_k are read
        // after the meeting that follows G_kᵀ's writes, and W_k changes only after the end meeting.
        unsafe {
            sequential(
                p.gt[k - 1].rows_mut(r.clone()),
                p.w[THETA][k].cols(r.clone()).t(),
                p.gt[k].all(),
                1.0,
                false,
            );
            self.step.act.backward_slice(p.zt[k - 1].slice(r.clone()), p.gt[k - 1].slice_mut(r));
        }
    }

    /// Whether this half's gradient of the trained layers is finite.
    fn gradient_finite(&self, t: usize) -> bool {
        let mut finite = true;
        self.shares(t, &mut |parts| finite &= parts[GRAD].iter().all(|v| v.is_finite()));
        finite
    }

    /// The checkpoint's θ and gradient average ← this half's, for trained layers.
    fn keep(&self, t: usize) {
        self.shares(t, &mut |[th, e, _, ck, cke]| {
            ck.copy_from_slice(th);
            cke.copy_from_slice(e);
        });
    }

    /// The fused update of this half's trained layers: the largest |θ| bits written.
    fn update(&self, t: usize) -> u64 {
        let (c, eta, beta) = (self.step.c, self.step.eta, self.step.beta);
        let mut m = 0;
        self.shares(t, &mut |[th, e, g, _, _]| m = m.max(simd::fused_update(th, e, g, c, eta, beta)));
        m
    }

    /// Calls `each` with every contiguous piece of half t's share of the
    /// trained layers, in the five sets: its rows of W_k and b_k for hidden
    /// layers, each row's part of its columns of W_L, and b_L on half 0.
    fn shares(&self, t: usize, each: &mut dyn FnMut([&mut [f64]; SETS])) {
        let (p, top) = (&self.ptr, self.top);
        // SAFETY: this half's own elements, which no other thread touches.
        unsafe {
            for k in (0..top).filter(|&k| self.step.trained[k]) {
                let r = self.units(k, t);
                each(std::array::from_fn(|set| p.w[set][k].slice_mut(r.clone())));
                let rb = self.bias_units(THETA, k, t);
                if !rb.is_empty() {
                    each(std::array::from_fn(|set| p.b[set][k].slice_mut(rb.clone())));
                }
            }
            if self.step.trained[top] {
                let r = self.units(top - 1, t);
                for i in 0..p.w[THETA][top].rows {
                    each(std::array::from_fn(|set| p.w[set][top].row_part(i, r.clone())));
                }
                let b = p.b[THETA][top];
                if t == 0 && b.rows > 0 {
                    each(std::array::from_fn(|set| p.b[set][top].slice_mut(0..b.rows)));
                }
            }
        }
    }
}
