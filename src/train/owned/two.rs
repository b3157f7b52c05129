//! Owned steps of a depth-2 net (`net::halves`): per step each thread
//! computes its half's partial output, the two meet once (2 × out × n numbers
//! cross between the cores), and each finishes its own half from the summed
//! output: loss, gradient, fused update.

use super::{Account, Counters, End, Plan, Stop};
use crate::config::Loss;
use crate::net::halves::{self, Half, OutputBias, Step};
use crate::net::loss;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};
use std::cell::UnsafeCell;

/// slot[t][parity]: thread t's partial output (out × n), then b_2 (thread 0's
/// copy; `out` values, or none without biases). Double-buffered by step parity.
pub struct Slots {
    out: usize,
    n: usize,
    nb: usize,
    slot: [[UnsafeCell<Vec<f64>>; 2]; 2],
}

// SAFETY: a slot is written only by its thread and read by the other only
// between the owner's meeting mark for that step and the owner's next write
// of that parity, two steps later, which waits for the reader's mark of the
// step in between (see `Pair::owned`).
unsafe impl Sync for Slots {}

impl Slots {
    /// For outputs out × n and an output bias of `bias_len` (0 or out).
    pub fn new(out: usize, n: usize, bias_len: usize) -> Slots {
        let len = out * n + bias_len;
        let cell = || UnsafeCell::new(vec![0.0; len]);
        Slots {
            out,
            n,
            nb: bias_len,
            slot: [[cell(), cell()], [cell(), cell()]],
        }
    }
}

/// One thread's side: its half, its Fᵀ and G_2ᵀ (out × n), and on side 0 the output bias.
pub struct Side<'a> {
    pub half: Half<'a>,
    pub f: ArrayViewMut2<'a, f64>,
    pub g: ArrayViewMut2<'a, f64>,
    pub bias: Option<OutputBias<'a>>,
}

/// A depth-2 net's step cut in its two halves.
pub struct Pair<'m, 'a> {
    pub step: Step<'a>,
    /// Targets, n × out.
    pub y: ArrayView2<'a, f64>,
    pub loss: Loss,
    pub slots: &'m Slots,
    pub counters: &'m Counters,
}

impl<'a> Plan for Pair<'_, 'a> {
    type Side = Side<'a>;

    fn counters(&self) -> &Counters {
        self.counters
    }

    fn owned(&self, me: usize, s: u64, side: &mut Side<'a>, acc: &mut Account) -> Result<u64, End> {
        let (on, nb) = (self.slots.out * self.slots.n, self.slots.nb);
        let parity = (s % 2) as usize;
        // SAFETY: this thread's slot of this parity (see `Slots`).
        let mine = unsafe { &mut *self.slots.slot[me][parity].get() };
        side.half.forward(&self.step, self.view_mut(&mut mine[..on]));
        if let Some(b) = &side.bias {
            mine[on..on + nb].copy_from_slice(b.b.as_slice().expect("contiguous"));
        }
        self.counters.meet(me, s + 1);
        if self.counters.any_failed(s) {
            return Err(End::Before);
        }
        // SAFETY: both published step s (the meeting above).
        let (p0, p1) = unsafe { (&*self.slots.slot[0][parity].get(), &*self.slots.slot[1][parity].get()) };
        let l = self.output_loss(side, &p0[..on], &p1[..on], &p0[on..on + nb]);
        if !l.is_finite() {
            return Err(End::Here(Stop::Loss));
        }
        let Side { half, g, bias, .. } = side;
        self.finish_step(s, l, g.view(), &mut [half], bias.as_mut(), acc, |finite| {
            self.counters.agree(me, s, finite)
        })
        .map_err(End::Here)
    }

    fn alone(&self, s: u64, mine: &mut Side<'a>, other: &mut Side<'a>, acc: &mut Account) -> Result<u64, Stop> {
        let (on, nb) = (self.slots.out * self.slots.n, self.slots.nb);
        // SAFETY: no other thread runs (no helper has half 1); the slots' first parity.
        let (p0, p1) = unsafe { (&mut *self.slots.slot[0][0].get(), &mut *self.slots.slot[1][0].get()) };
        mine.half.forward(&self.step, self.view_mut(&mut p0[..on]));
        other.half.forward(&self.step, self.view_mut(&mut p1[..on]));
        let bias = mine.bias.as_mut().expect("side 0 carries the output bias");
        p0[on..on + nb].copy_from_slice(bias.b.as_slice().expect("contiguous"));
        let l = self.output_loss(mine, &p0[..on], &p1[..on], &p0[on..on + nb]);
        if !l.is_finite() {
            return Err(Stop::Loss);
        }
        let Side { half, g, bias, .. } = mine;
        self.finish_step(s, l, g.view(), &mut [half, &mut other.half], bias.as_mut(), acc, |finite| finite)
    }
}

impl Pair<'_, '_> {
    /// A step after its loss `l`: the halves' gradients from G_2ᵀ, the
    /// checkpoint at a checkpoint step (once `agree`, given whether these
    /// halves' gradient is finite, says the whole one is), and the fused
    /// update. Returns the update's largest |θ| bits.
    #[allow(clippy::too_many_arguments)]
    fn finish_step(
        &self,
        s: u64,
        l: f64,
        g2t: ArrayView2<'_, f64>,
        halves: &mut [&mut Half],
        mut bias: Option<&mut OutputBias>,
        acc: &mut Account,
        agree: impl FnOnce(bool) -> bool,
    ) -> Result<u64, Stop> {
        let st = &self.step;
        for h in halves.iter_mut() {
            h.backward(st, g2t);
        }
        if let Some(b) = bias.as_deref_mut() {
            b.backward(st, g2t);
        }
        let finite = || halves.iter().all(|h| h.gradient_finite(st)) && bias.as_deref().is_none_or(|b| b.gradient_finite(st));
        if acc.checkpoint(s, l, finite, agree)? {
            halves.iter_mut().for_each(|h| h.keep(st));
            if let Some(b) = bias.as_deref_mut() {
                b.keep(st);
            }
        }
        let m = halves.iter_mut().fold(0, |m, h| m.max(h.update(st)));
        Ok(bias.map_or(m, |b| m.max(b.update(st))))
    }

    /// Fᵀ = P_0ᵀ + P_1ᵀ + b_2 into the side's F, then the loss and G_2ᵀ.
    fn output_loss(&self, side: &mut Side, p0: &[f64], p1: &[f64], b2: &[f64]) -> f64 {
        halves::combine(side.f.view_mut(), self.view(p0), self.view(p1), ArrayView1::from(b2));
        loss::value_and_grad(self.loss, side.f.t(), self.y, side.g.view_mut().reversed_axes())
    }

    fn view<'s>(&self, s: &'s [f64]) -> ArrayView2<'s, f64> {
        ArrayView2::from_shape((self.slots.out, self.slots.n), s).expect("out × n")
    }

    fn view_mut<'s>(&self, s: &'s mut [f64]) -> ArrayViewMut2<'s, f64> {
        ArrayViewMut2::from_shape((self.slots.out, self.slots.n), s).expect("out × n")
    }
}
