//! Elementwise passes over big slices, cut in halves across rayon's pool as
//! the big products are (`gemm`). Under span steps a W3 step spends ~40% of
//! its wall time in such passes (activation, its derivative, the fused
//! update, s·Z₀), which otherwise leave the other core idle. Every pass here
//! is elementwise, so the result is bit-identical however the slices are cut;
//! a maximum (the fused update's) is combined with `max`.

/// Slices shorter than this run in one piece (the hand-off costs more than it saves).
pub const PARALLEL_LEN: usize = 1 << 16;

#[cfg(feature = "parallel")]
fn split(len: usize) -> Option<usize> {
    (len >= PARALLEL_LEN && rayon::current_num_threads() >= 2).then_some(len / 2)
}

/// `f(a, b)` over equally long slices, in two halves on two threads when long.
pub fn zip2(a: &[f64], b: &mut [f64], f: &(impl Fn(&[f64], &mut [f64]) + Sync)) {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(feature = "parallel")]
    if let Some(mid) = split(a.len()) {
        let ((a1, a2), (b1, b2)) = (a.split_at(mid), b.split_at_mut(mid));
        rayon::join(|| f(a1, b1), || f(a2, b2));
        return;
    }
    f(a, b)
}

/// `f(t, e, g)` over equally long slices, halves on two threads when long; the larger of the two results.
pub fn zip3(t: &mut [f64], e: &mut [f64], g: &[f64], f: &(impl Fn(&mut [f64], &mut [f64], &[f64]) -> u64 + Sync)) -> u64 {
    debug_assert!(t.len() == e.len() && e.len() == g.len());
    #[cfg(feature = "parallel")]
    if let Some(mid) = split(t.len()) {
        let ((t1, t2), (e1, e2), (g1, g2)) = (t.split_at_mut(mid), e.split_at_mut(mid), g.split_at(mid));
        let (x, y) = rayon::join(|| f(t1, e1, g1), || f(t2, e2, g2));
        return x.max(y);
    }
    f(t, e, g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_give_the_bits_of_one_pass() {
        let n = 3 * PARALLEL_LEN + 5;
        let a: Vec<f64> = (0..n).map(|i| ((i * 37) as f64).sin()).collect();
        let f = |a: &[f64], b: &mut [f64]| b.iter_mut().zip(a).for_each(|(b, a)| *b = a.max(0.0) * 1.5);
        let mut split_b = vec![0.0; n];
        zip2(&a, &mut split_b, &f);
        let mut one = vec![0.0; n];
        f(&a, &mut one);
        assert_eq!(split_b, one);
        let g: Vec<f64> = (0..n).map(|i| ((i * 11) as f64).cos()).collect();
        let upd = |t: &mut [f64], e: &mut [f64], g: &[f64]| crate::net::simd::fused_update(t, e, g, 0.99, 0.1, 0.9);
        let (mut t1, mut e1) = (a.clone(), vec![0.5; n]);
        let (mut t2, mut e2) = (a.clone(), vec![0.5; n]);
        assert_eq!(zip3(&mut t1, &mut e1, &g, &upd), upd(&mut t2, &mut e2, &g));
        assert_eq!((t1, e1), (t2, e2));
    }
}
