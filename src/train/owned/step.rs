//! One owned step (issue 21; derived here) of a net of depth L ≥ 2: thread
//! t owns half t of every hidden layer's units, [0, h_k) or [h_k, m_k) with
//! h_k = ⌊m_k/2⌋ (`halves::split_at`): those rows of W_k, b_k, Z_kᵀ, A_kᵀ,
//! G_kᵀ and of their gradients, averages and checkpoint copies, and the
//! matching columns of the output layer's W_L (thread 0 also owns b_L).
//! In the notation of `net::backprop` (transposes: one row per unit), with
//! P_u the partial sum over half u of the units summed over:
//!   Z_kᵀ[t]     = W_k[t, :]·A_{k−1}ᵀ + b_k[t]       (A_0ᵀ = Xᵀ)
//!   Fᵀ          = P_0 + P_1 + b_L,  P_u = W_L[:, u]·A_{L−1}ᵀ[u]
//!   ∇W_L[:, t]  = G_Lᵀ·A_{L−1}ᵀ[t]ᵀ,  G_{L−1}ᵀ[t] = (W_L[:, t]ᵀ·G_Lᵀ) ⊙ σ′
//!   ∇W_k[t, :]  = G_kᵀ[t]·A_{k−1}
//!   G_{k−1}ᵀ[t] = (P_0[t] + P_1[t]) ⊙ σ′,  P_u = W_k[u, :]ᵀ·G_kᵀ[u]  (k < L)
//! `Workspace::loss_and_grad` sums F and G_{k−1} in the same two halves
//! (`net::halves`), and every other product is the whole pass's cut along
//! rows or columns of its result, so a step has the whole pass's bits.
//!
//! What crosses between the cores per step: the other half's rows of
//! A_kᵀ for k < L−1 (layer k+1's forward product and ∇W_{k+1} read all of
//! A_kᵀ), and the partial sums (P for F, out × n, with thread 0's copy of
//! b_L; P for each G_{k−1} that is needed, of which each thread reads the
//! other's rows of its own half). No thread reads the other's weights or
//! G rows. Exchanging rows of W_k and G_kᵀ instead (each thread computing
//! its rows of G_{k−1} from all of G_kᵀ and W_k's columns) made W2's step
//! 32k steps/s natively against 39k on one thread: every step moved W_2's
//! rows between the cores and back.
//!
//! The threads meet (`Counters::meet`, marks j = 0..2(L−1) per step) after
//! A_kᵀ for k = 1..L−2, after the output's partial sums, after each needed
//! partial sum of G_{k−1}ᵀ (k = L−1..2), and at the end of the step only
//! when the lowest trained layer is a hidden layer above the first: its
//! ∇W then reads Aᵀ rows after the last meeting, and the next step's
//! first layer would overwrite them. Otherwise every read of the other
//! half's rows or slots in step s precedes a meeting the writer passes
//! before writing them again in step s+1, and follows the meeting after
//! their writes. The output's slots alternate by step parity: at depth 2
//! the output's meeting is a step's only one, and a slot is written again
//! two steps later, after the meeting in between. So a depth-2 step meets
//! once, a depth-3 one three times.

use super::{Account, Counters, End, Stop};
use crate::config::Loss;
use crate::net::backprop::bias_grad;
use crate::net::gemm::sequential;
use crate::net::top;
use crate::net::{halves, loss, simd, Act, Params};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};
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
    /// out[t][s % 2]: thread t's partial output (out × n); bias[s % 2]: thread 0's copy of b_L.
    out: [[Mat; 2]; 2],
    bias: [Mat; 2],
    /// below[t][k − 1]: thread t's partial sum for G_{k−1}ᵀ (m_{k−1} × n), k = 1..L−1.
    below: [Vec<Mat>; 2],
}

/// The partial sums' room (see [`Pointers`]) and thread 1's Fᵀ and G_Lᵀ
/// (out × n), allocated with the trainer.
pub struct Slots {
    f1: Array2<f64>,
    g1: Array2<f64>,
    out: [[Array2<f64>; 2]; 2],
    bias: [ndarray::Array1<f64>; 2],
    below: [Vec<Array2<f64>>; 2],
}

impl Slots {
    /// For a net shaped as `params` and `n` samples.
    pub fn new(params: &Params, n: usize) -> Slots {
        let top = params.depth() - 1;
        let out = params.w[top].nrows();
        let below = || params.w[..top - 1].iter().map(|w| Array2::zeros((w.nrows(), n))).collect();
        let pair = || [Array2::zeros((out, n)), Array2::zeros((out, n))];
        let bias = || ndarray::Array1::zeros(params.b[top].len());
        Slots {
            f1: Array2::zeros((out, n)),
            g1: Array2::zeros((out, n)),
            out: [pair(), pair()],
            bias: [bias(), bias()],
            below: [below(), below()],
        }
    }
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
            out: [[Mat::EMPTY; 2]; 2],
            bias: [Mat::EMPTY; 2],
            below: [v(depth - 2), v(depth - 2)],
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

/// A net's step cut in the two halves of every hidden layer.
pub struct Layers<'m, 'a> {
    step: Step<'a>,
    counters: &'m Counters,
    ptr: &'m Pointers,
    /// The output layer's index, L − 1.
    top: usize,
    /// The lowest trained layer (G_k is needed for k ≥ it).
    lowest: usize,
    /// Whether the threads meet at the end of a step (see the header).
    end_meeting: bool,
    _borrows: PhantomData<&'a mut Params>,
}

// SAFETY: the threads share the arrays under the meeting protocol of the header.
unsafe impl Sync for Layers<'_, '_> {}

/// The trainer's arrays for a run: θ, gradient average, gradient, checkpoint
/// and its gradient average; the workspace's Z_kᵀ, A_kᵀ, G_kᵀ (k = 1..L, the
/// last Z and G being thread 0's Fᵀ and G_Lᵀ).
pub struct Arrays<'a> {
    pub sets: [&'a mut Params; SETS],
    pub zt: &'a mut [Array2<f64>],
    pub at: &'a mut [Array2<f64>],
    pub gt: &'a mut [Array2<f64>],
}

impl<'m, 'a> Layers<'m, 'a> {
    /// The plan and its two sides, on the trainer's arrays and its owned-step scratch.
    pub fn new(step: Step<'a>, arrays: Arrays<'a>, scratch: &'m mut super::Scratch) -> (Layers<'m, 'a>, [Side; 2]) {
        let Arrays { sets, zt, at, gt } = arrays;
        let super::Scratch {
            counters,
            pointers: ptr,
            slots,
        } = scratch;
        let depth = sets[THETA].w.len();
        assert!(depth >= 2 && step.trained.len() == depth, "owned steps of a depth-{depth} net");
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
        for (t, pair) in slots.out.iter_mut().enumerate() {
            for (parity, o) in pair.iter_mut().enumerate() {
                ptr.out[t][parity] = Mat::of(o);
            }
        }
        for (parity, b) in slots.bias.iter_mut().enumerate() {
            ptr.bias[parity] = Mat::of_vec(b);
        }
        for (t, below) in slots.below.iter_mut().enumerate() {
            for (k, b) in below.iter_mut().enumerate() {
                ptr.below[t][k] = Mat::of(b);
            }
        }
        let sides = [
            Side {
                t: 0,
                f: Mat::of(&mut zt[top]),
                g: Mat::of(&mut gt[top]),
            },
            Side {
                t: 1,
                f: Mat::of(&mut slots.f1),
                g: Mat::of(&mut slots.g1),
            },
        ];
        let lowest = step.trained.iter().position(|&t| t).unwrap_or(depth);
        let plan = Layers {
            step,
            counters,
            ptr,
            top,
            lowest,
            end_meeting: (1..top).contains(&lowest),
            _borrows: PhantomData,
        };
        (plan, sides)
    }
}

impl Layers<'_, '_> {
    pub fn counters(&self) -> &Counters {
        self.counters
    }

    /// Thread `me`'s share of step `s`, meeting the other thread. Returns the
    /// update's largest |θ| bits (`simd::fused_update`), or why the step ended
    /// early. Call [`Counters::tell_failed`] first.
    pub fn owned(&self, me: usize, s: u64, side: &mut Side, acc: &mut Account) -> Result<u64, End> {
        let meeting = Meeting {
            counters: Some(self.counters),
            me,
            base: s * 2 * self.top as u64,
        };
        let agree = |finite| self.counters.agree(me, s, finite);
        self.step(s, &[&*side], acc, &meeting, agree)
    }

    /// Step `s` with both sides on this thread, in the order two threads
    /// would compute them: the update's largest |θ| bits, or why nothing of the step applied.
    pub fn alone(&self, s: u64, mine: &mut Side, other: &mut Side, acc: &mut Account) -> Result<u64, Stop> {
        let meeting = Meeting {
            counters: None,
            me: 0,
            base: 0,
        };
        match self.step(s, &[&*mine, &*other], acc, &meeting, |finite| finite) {
            Ok(m) => Ok(m),
            Err(End::Here(stop)) => Err(stop),
            Err(End::Before) => unreachable!("one thread reports its failed update itself"),
        }
    }
}

impl Layers<'_, '_> {
    /// Step `s` for `sides` (one on each of two threads, or both on one),
    /// meeting the other thread at `meet(j)` (marks j = 0..2(L−1), see the header).
    fn step(&self, s: u64, sides: &[&Side], acc: &mut Account, meeting: &Meeting, agree: impl FnOnce(bool) -> bool) -> Result<u64, End> {
        let top = self.top;
        let meet = |j| meeting.meet(s, j);
        for k in 0..top {
            for side in sides {
                self.hidden_forward(k, side.t);
            }
            if k + 1 < top {
                meet(k)?;
            }
        }
        let parity = (s % 2) as usize;
        for side in sides {
            self.output_part(side.t, parity);
        }
        meet(top - 1)?;
        // The output, loss and G_Lᵀ on the first side's buffers (every thread has its own).
        let out = sides[0];
        let l = self.output(out, parity);
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
                for side in sides {
                    self.part_below(k, side.t);
                }
                meet(top + (top - 1 - k))?;
                for side in sides {
                    self.sum_below(k, side.t);
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
        if self.end_meeting {
            meet(2 * top - 1)?;
        }
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

    /// Half t's partial output W_L[:, t]·A_{L−1}ᵀ[t] into its slot of this
    /// step's parity (half 0 also copies b_L).
    fn output_part(&self, t: usize, parity: usize) {
        let (p, top) = (&self.ptr, self.top);
        let r = self.units(top - 1, t);
        // SAFETY: this thread's slot of this parity, which the other reads
        // after the next meeting and before it meets again; this half's columns and rows.
        unsafe {
            halves::partial(p.out[t][parity].all_mut(), p.w[THETA][top].cols(r.clone()), p.at[top - 1].rows(r));
            if t == 0 {
                let b = p.b[THETA][top];
                p.bias[parity].slice_mut(0..b.rows).copy_from_slice(b.slice(0..b.rows));
            }
        }
    }

    /// Fᵀ = P_0 + P_1 + b_L on the side's buffer, then the loss and G_Lᵀ.
    fn output(&self, side: &Side, parity: usize) -> f64 {
        let p = &self.ptr;
        // SAFETY: the side's own buffers; both slots after the meeting that follows their writes.
        unsafe {
            let b = p.bias[parity].slice(0..p.bias[parity].rows);
            halves::combine(
                side.f.all_mut(),
                p.out[0][parity].all(),
                p.out[1][parity].all(),
                ArrayView1::from(b),
            );
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
                let b = p.b[GRAD][top];
                if t == 0 && b.rows > 0 {
                    bias_grad(b.all_mut().column_mut(0), g);
                }
            }
            let w = p.w[THETA][top].cols(r.clone());
            if top::applies(w.nrows()) {
                // One output: the workspace's pass (`net::top`) on this half's units, for the same bits.
                let grad_w = self.step.trained[top].then(|| p.w[GRAD][top].row_part(0, r.clone()));
                let below = (top > self.lowest).then(|| p.gt[top - 1].slice_mut(r.clone()));
                let gs = g.as_slice().expect("G_Lᵀ is standard layout");
                top::rows(
                    self.step.act,
                    w.row(0),
                    gs,
                    p.at[top - 1].slice(r.clone()),
                    p.zt[top - 1].slice(r),
                    grad_w,
                    below,
                );
                return;
            }
            if self.step.trained[top] {
                sequential(p.w[GRAD][top].cols_mut(r.clone()), g, p.at[top - 1].rows(r.clone()).t(), 1.0, false);
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
        // SAFETY: this half's rows; the other half's rows of A_{k−1}ᵀ are
        // rewritten only after a meeting that follows this read (the header).
        unsafe {
            let below = if k == 0 { self.step.x } else { p.at[k - 1].all().reversed_axes() };
            let gk = p.gt[k].rows(r.clone());
            sequential(p.w[GRAD][k].rows_mut(r), gk, below, 1.0, false);
            let rb = self.bias_units(GRAD, k, t);
            if !rb.is_empty() {
                bias_grad(p.b[GRAD][k].rows_mut(rb).column_mut(0), gk);
            }
        }
    }

    /// Half t's partial sum W_k[t, :]ᵀ·G_kᵀ[t] (m_{k−1} × n) for a hidden
    /// layer k ≥ 1, into its slot. (Computing the other half's rows first and
    /// publishing them before this half's, to overlap the meeting, measured
    /// no faster in Chromium: W2 16,876 against 17,360 steps/s, medians of 7
    /// alternating rounds of `node bench/browser_ab.mjs W2 3000 direct 7`.)
    fn part_below(&self, k: usize, t: usize) {
        let p = &self.ptr;
        let r = self.units(k, t);
        // SAFETY: this thread's slot (read by the other only between the next
        // meeting and the next step's first); this half's rows.
        unsafe {
            halves::partial(
                p.below[t][k - 1].all_mut(),
                p.w[THETA][k].rows(r.clone()).reversed_axes(),
                p.gt[k].rows(r),
            );
        }
    }

    /// G_{k−1}ᵀ[t] = (P_0[t] + P_1[t]) ⊙ σ′(Z_{k−1}ᵀ[t]).
    fn sum_below(&self, k: usize, t: usize) {
        let p = &self.ptr;
        let r = self.units(k - 1, t);
        // SAFETY: this half's rows; both slots after the meeting that follows their writes.
        unsafe {
            halves::sum_into(
                p.gt[k - 1].rows_mut(r.clone()),
                p.below[0][k - 1].rows(r.clone()),
                p.below[1][k - 1].rows(r.clone()),
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

/// How a step meets the other thread: the marks of step s are base + j + 1
/// for meetings j (none when both sides run on one thread).
struct Meeting<'c> {
    counters: Option<&'c Counters>,
    me: usize,
    base: u64,
}

impl Meeting<'_> {
    /// Meet at mark j of step s. Meeting 0 is every step's first (at depth 2
    /// the output's): after it, a thread whose update of the step before
    /// failed has told the other, and both stop there.
    fn meet(&self, s: u64, j: usize) -> Result<(), End> {
        if let Some(c) = self.counters {
            c.meet(self.me, self.base + j as u64 + 1);
            if j == 0 && c.any_failed(s) {
                return Err(End::Before);
            }
        }
        Ok(())
    }
}
