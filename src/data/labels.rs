//! Labels of the `blocks`, `mixing` and `gaussian` generators.
//!
//! * `Labels::Random`: i.i.d. ±1 in every output column — pure memorisation,
//!   no structure for the net to share across tasks.
//! * `Labels::Teacher`: one random one-hidden-layer ReLU teacher shared by all
//!   tasks, per output o
//!
//!     t_o(x) = Σ_j v_{o,j}·relu(⟨u_{o,j}, x⟩),  u_{o,j} ~ N(0, I_d/d),  v_{o,j} = ±1,
//!
//!   with j over `teacher_width` units. Labels are sign(t_o(x)) (0 → +1) for
//!   the logistic loss, and t_o(x) divided by its root mean square over all
//!   tasks' samples (unit RMS per output) for the squared loss.
//!
//! Draws (after all inputs): for `Teacher`, per output o, per unit j, d
//! normals for u_{o,j} then one sign for v_{o,j}; for `Random`, task by task,
//! row-major, one sign per label.

use ndarray::Array2;

use crate::config::{DataConfig, Labels, Loss};
use crate::rng::{self, LabRng};

/// Targets (n × out_dim) for each task's inputs `xs` (each n × d).
pub(super) fn labels(xs: &[Array2<f64>], dc: &DataConfig, loss: Loss, r: &mut LabRng) -> Vec<Array2<f64>> {
    let out = dc.out_dim;
    match dc.labels {
        Labels::Random => xs
            .iter()
            .map(|x| {
                let mut y = Array2::zeros((x.nrows(), out));
                for v in y.iter_mut() {
                    *v = rng::sign(r);
                }
                y
            })
            .collect(),
        Labels::Teacher => {
            let (d, w) = (dc.d, dc.teacher_width);
            let scale = 1.0 / libm::sqrt(d as f64);
            // One unit at a time (memory O(d), whatever out_dim × width): draw
            // u_{o,j} and v_{o,j}, then add v·relu(⟨u, x⟩) to every sample's t_o,
            // so each t_o(x) is summed over j in order starting from 0.
            let mut ys: Vec<Array2<f64>> = xs.iter().map(|x| Array2::zeros((x.nrows(), out))).collect();
            let mut u = vec![0.0; d];
            for o in 0..out {
                for _j in 0..w {
                    for e in u.iter_mut() {
                        *e = rng::normal(r) * scale;
                    }
                    let v = rng::sign(r);
                    for (x, y) in xs.iter().zip(ys.iter_mut()) {
                        for (row, t) in x.rows().into_iter().zip(y.column_mut(o)) {
                            let mut z = 0.0;
                            for (a, b) in u.iter().zip(row.iter()) {
                                z += a * b;
                            }
                            if z > 0.0 {
                                *t += v * z;
                            }
                        }
                    }
                }
            }
            match loss {
                Loss::Logistic => {
                    for y in &mut ys {
                        y.mapv_inplace(|t| if t < 0.0 { -1.0 } else { 1.0 });
                    }
                }
                Loss::Squared => {
                    let count: usize = ys.iter().map(|y| y.nrows()).sum();
                    for o in 0..out {
                        let mut ss = 0.0;
                        for y in &ys {
                            for t in y.column(o) {
                                ss += t * t;
                            }
                        }
                        let rms = libm::sqrt(ss / count as f64);
                        if rms > 0.0 && rms.is_finite() {
                            for y in &mut ys {
                                y.column_mut(o).mapv_inplace(|t| t / rms);
                            }
                        }
                    }
                }
            }
            ys
        }
    }
}
