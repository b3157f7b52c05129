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
    w3_layouts();
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

/// The W3 step's two big products in the layouts the step uses, against the
/// other layouts the same product can be written in (C row- or column-major,
/// A and B either way), one thread.
fn w3_layouts() {
    let (n, d, m) = (256usize, 256usize, 1024usize);
    let x = Array2::<f64>::from_shape_fn((n, d), |(i, j)| ((i * 7 + j * 3) % 11) as f64 * 0.1);
    let g = Array2::<f64>::from_shape_fn((n, m), |(i, j)| ((i * 5 + j) % 13) as f64 * 0.1);
    let g_cm = g.t().as_standard_layout().reversed_axes().to_owned(); // n×m, column-major
    let x_cm = x.t().as_standard_layout().reversed_axes().to_owned();
    let time = |name: &str, f: &mut dyn FnMut()| {
        f();
        let reps = 30;
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        let s = t.elapsed().as_secs_f64() / reps as f64;
        println!("{name:44} {:8.1} us {:5.1} GF", s * 1e6, 2.0 * (n * d * m) as f64 / s / 1e9);
    };
    let mut c_rm = Array2::<f64>::zeros((m, d));
    let mut c_cm = Array2::<f64>::zeros((d, m)); // its transpose is m×d column-major
    let mm = |c: faer::MatMut<'_, f64>, a: faer::MatRef<'_, f64>, b: faer::MatRef<'_, f64>| {
        faer::linalg::matmul::matmul(c, Accum::Replace, a, b, 1.0, Par::Seq)
    };
    time("bwd Gt(cm) X(rm) -> C rm (the step)", &mut || {
        mm(fm(c_rm.view_mut()), fv(g.t()), fv(x.view()))
    });
    time("bwd Gt(cm) X(rm) -> C cm", &mut || {
        mm(fm(c_cm.view_mut().reversed_axes()), fv(g.t()), fv(x.view()))
    });
    time("bwd Gt(rm) X(rm) -> C rm", &mut || {
        mm(fm(c_rm.view_mut()), fv(g_cm.t()), fv(x.view()))
    });
    time("bwd Gt(rm) X(cm) -> C rm", &mut || {
        mm(fm(c_rm.view_mut()), fv(g_cm.t()), fv(x_cm.view()))
    });
    time("bwd Gt(cm) X(cm) -> C rm", &mut || {
        mm(fm(c_rm.view_mut()), fv(g.t()), fv(x_cm.view()))
    });
    time("bwd Gt(cm) X(cm) -> C cm", &mut || {
        mm(fm(c_cm.view_mut().reversed_axes()), fv(g.t()), fv(x_cm.view()))
    });
    let w = Array2::<f64>::from_shape_fn((m, d), |(i, j)| ((i * 3 + j) % 7) as f64 * 0.1);
    let mut z = Array2::<f64>::zeros((n, m));
    let mut z_cm = Array2::<f64>::zeros((m, n));
    time("fwd X(rm) Wt(cm) -> Z rm (the step)", &mut || {
        mm(fm(z.view_mut()), fv(x.view()), fv(w.t()))
    });
    time("fwd X(rm) Wt(cm) -> Z cm", &mut || {
        mm(fm(z_cm.view_mut().reversed_axes()), fv(x.view()), fv(w.t()))
    });
    time("fwd X(cm) Wt(cm) -> Z rm", &mut || mm(fm(z.view_mut()), fv(x_cm.view()), fv(w.t())));
    time("fwd X(cm) Wt(cm) -> Z cm", &mut || {
        mm(fm(z_cm.view_mut().reversed_axes()), fv(x_cm.view()), fv(w.t()))
    });
}
