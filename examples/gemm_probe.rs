use faer::{Accum, Par};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use std::time::Instant;

fn fv<'a>(a: ArrayView2<'a, f64>) -> faer::MatRef<'a, f64> {
    let s = a.strides();
    unsafe { faer::MatRef::from_raw_parts(a.as_ptr(), a.nrows(), a.ncols(), s[0], s[1]) }
}
fn fm<'a>(mut a: ArrayViewMut2<'a, f64>) -> faer::MatMut<'a, f64> {
    let s = a.strides().to_vec();
    unsafe { faer::MatMut::from_raw_parts_mut(a.as_mut_ptr(), a.nrows(), a.ncols(), s[0], s[1]) }
}
fn main() {
    let shapes = [
        ("W1 fwd X Wt", 20, 100, 200),
        ("W1 bwd Gt X", 200, 20, 100),
        ("W2 64x64 n30 fwd", 30, 64, 64),
        ("W2 bwd", 64, 30, 64),
        ("W3 fwd", 256, 256, 1024),
        ("W3 bwd", 1024, 256, 256),
    ];
    for (name, m, k, n) in shapes {
        let a = Array2::<f64>::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f64 * 0.1);
        let bt = Array2::<f64>::from_shape_fn((n, k), |(i, j)| ((i * 5 + j) % 13) as f64 * 0.1);
        let b = bt.t();
        let mut c = Array2::<f64>::zeros((m, n));
        let reps = (2e9 / (2.0 * (m * n * k) as f64)).max(3.0) as usize;
        let t = Instant::now();
        for _ in 0..reps {
            general_mat_mul(1.0, &a, &b, 0.0, &mut c);
        }
        let nd = t.elapsed().as_secs_f64() / reps as f64;
        let c1 = c.clone();
        for par in [Par::Seq] {
            let t = Instant::now();
            for _ in 0..reps {
                faer::linalg::matmul::matmul(fm(c.view_mut()), Accum::Replace, fv(a.view()), fv(b), 1.0, par);
            }
            let fa = t.elapsed().as_secs_f64() / reps as f64;
            let err = (&c - &c1).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            println!(
                "{name:18} nd {:8.2} us {:5.1} GF | faer {:?} {:8.2} us {:5.1} GF err {err:.1e}",
                nd * 1e6,
                2.0 * (m * n * k) as f64 / nd / 1e9,
                par,
                fa * 1e6,
                2.0 * (m * n * k) as f64 / fa / 1e9
            );
        }
    }
}
