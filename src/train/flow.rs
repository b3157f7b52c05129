//! Gradient flow dθ/dt = −(∇L(θ) + λθ), integrated by the Dormand–Prince
//! 5(4) embedded Runge–Kutta pair (Dormand & Prince 1980; Hairer, Nørsett &
//! Wanner, *Solving ODEs I*, §II.5) with FSAL, a mixed error norm
//! ‖e‖ = RMS(eᵢ / (atol + rtol·max(|θᵢ|, |θ̃ᵢ|))) and the standard step-size
//! controller h ← h·min(5, max(0.2, 0.9‖e‖^{−1/5})).
//!
//! A trial step whose stages or error estimate are not finite (the trial point
//! left f64's range, though the exact flow cannot: F decreases along it) is
//! rejected like a failed error test, at the controller's strongest shrink
//! (h ← h/5), and retried; only a non-finite value at an accepted state (the
//! start, or a state imported or changed from outside) is a divergence.
//!
//! Written here rather than taken from an ODE crate because the integrator
//! must be resumable across bounded budgets (the browser advances in slices),
//! carry its step size and last stage between them, and allocate nothing per
//! step; the tableau is the published one.

use crate::config::Loss;
use crate::net::{Net, Params, Workspace};
use ndarray::{ArrayView2, Zip};

const A: [[f64; 6]; 7] = [
    [0.0; 6],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0, 0.0],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0],
];
/// b − b̂: fifth-order weights minus the embedded fourth-order ones.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

/// One step's problem: dθ/dt = −(∇L(θ) + λθ) on the data (x, y) with the
/// loss `loss`, integrated to tolerances (`rtol`, `atol`) from time `t`,
/// advancing at most `h_max` (the rest of the time budget).
#[derive(Debug, Clone, Copy)]
pub struct FlowProblem<'a> {
    /// Inputs, n × d (one row per sample).
    pub x: ArrayView2<'a, f64>,
    /// Targets, n × out_dim.
    pub y: ArrayView2<'a, f64>,
    pub loss: Loss,
    /// Weight decay λ ≥ 0.
    pub lambda: f64,
    /// Relative tolerance of the error norm.
    pub rtol: f64,
    /// Absolute tolerance of the error norm.
    pub atol: f64,
    /// Time reached so far (the stall test compares the step with its rounding).
    pub t: f64,
    /// Largest step this call may take (> 0).
    pub h_max: f64,
}

/// Integrator state carried between budgets.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Next trial step size.
    pub h: f64,
    /// Stage derivatives k₁…k₇ (k₁ is valid when `fsal` is set).
    k: Vec<Params>,
    fsal: bool,
    probe: Net,
    err: Params,
    mask: Vec<bool>,
    pub rejected: u64,
}

/// Result of one attempted-until-accepted step.
pub enum FlowStep {
    /// Accepted a step of this size; `loss` is L at the new point, whose gradient is in the trainer's `grad`.
    Accepted { h: f64, loss: f64 },
    /// The step size fell below what the tolerance allows in floating point.
    Stalled { h: f64 },
    /// The accepted state itself evaluates to a non-finite value.
    NonFinite { quantity: &'static str },
}

impl Flow {
    pub fn new(net: &Net, h0: f64) -> Flow {
        let z = Params::zeros_like(&net.params);
        Flow {
            h: h0,
            k: vec![z.clone(); 7],
            fsal: false,
            probe: net.clone(),
            err: z,
            mask: net.trained.clone(),
            rejected: 0,
        }
    }

    /// Forget the cached first stage (θ or λ changed from outside).
    pub fn invalidate(&mut self) {
        self.fsal = false;
    }

    /// f(θ) = −(∇L + λθ) at `self.probe`, into k[i]; leaves ∇L in `grad`; returns L.
    fn eval(&mut self, i: usize, p: &FlowProblem, ws: &mut Workspace, grad: &mut Params, mask: &[bool]) -> f64 {
        let Flow { k, probe, .. } = self;
        let l = ws.loss_and_grad(probe, p.x, p.y, p.loss, grad);
        k[i].assign(grad, mask);
        k[i].scale_add(-1.0, -p.lambda, &probe.params, mask);
        l
    }

    /// Take one accepted step of at most `p.h_max` from `net`, updating it in
    /// place; `grad` holds ∇L at the new point afterwards (see [`FlowStep`]).
    pub fn step(&mut self, p: &FlowProblem, net: &mut Net, ws: &mut Workspace, grad: &mut Params) -> FlowStep {
        let mask = std::mem::take(&mut self.mask);
        let out = self.step_inner(p, net, ws, grad, &mask);
        self.mask = mask;
        out
    }

    fn step_inner(&mut self, p: &FlowProblem, net: &mut Net, ws: &mut Workspace, grad: &mut Params, mask: &[bool]) -> FlowStep {
        let FlowProblem { rtol, atol, h_max, t, .. } = *p;
        if !self.fsal {
            self.probe.params.assign(&net.params, mask);
            let l = self.eval(0, p, ws, grad, mask);
            if !l.is_finite() {
                return FlowStep::NonFinite { quantity: "loss" };
            }
            self.fsal = true;
        }
        let count = net.params.count(mask).max(1) as f64;
        loop {
            let h = self.h.min(h_max);
            if h <= 16.0 * f64::EPSILON * t.abs().max(1.0) || self.rejected > 200 {
                return FlowStep::Stalled { h };
            }
            let mut last_loss = f64::NAN;
            let mut finite = true;
            for i in 1..7 {
                self.probe.params.assign(&net.params, mask);
                for j in 0..i {
                    if A[i][j] != 0.0 {
                        let (kj, probe) = (&self.k[j], &mut self.probe.params);
                        probe.scale_add(1.0, h * A[i][j], kj, mask);
                    }
                }
                last_loss = self.eval(i, p, ws, grad, mask);
                if !last_loss.is_finite() {
                    finite = false;
                    break;
                }
            }
            if !finite {
                // The trial left f64's range: reject it (k₁ at the accepted state is still valid).
                self.rejected += 1;
                self.h = h * 0.2;
                continue;
            }
            // err = h Σ E_i k_i
            self.err.scale_add(0.0, h * E[0], &self.k[0], mask);
            for i in 2..7 {
                let (e, ki) = (&mut self.err, &self.k[i]);
                e.scale_add(1.0, h * E[i], ki, mask);
            }
            let mut acc = 0.0;
            for l in (0..net.depth()).filter(|&l| mask[l]) {
                let add = |acc: &mut f64, e: f64, a: f64, b: f64| {
                    let sc = atol + rtol * a.abs().max(b.abs());
                    let r = e / sc;
                    *acc += r * r;
                };
                Zip::from(&self.err.w[l])
                    .and(&net.params.w[l])
                    .and(&self.probe.params.w[l])
                    .for_each(|&e, &a, &b| add(&mut acc, e, a, b));
                Zip::from(&self.err.b[l])
                    .and(&net.params.b[l])
                    .and(&self.probe.params.b[l])
                    .for_each(|&e, &a, &b| add(&mut acc, e, a, b));
            }
            let norm = libm::sqrt(acc / count);
            if !norm.is_finite() {
                // A stage's gradient overflowed: a rejected trial as above.
                self.rejected += 1;
                self.h = h * 0.2;
                continue;
            }
            let factor = if norm == 0.0 {
                5.0
            } else {
                (0.9 * libm::pow(norm, -0.2)).clamp(0.2, 5.0)
            };
            if norm <= 1.0 {
                // The stage-7 point is the new state (FSAL): its derivative is the next k₁.
                net.params.assign(&self.probe.params, mask);
                self.k.swap(0, 6);
                // A step clipped to reach the end of a budget says nothing about the next one.
                self.h = if h < self.h { self.h.max(h * factor) } else { h * factor };
                self.rejected = 0;
                return FlowStep::Accepted { h, loss: last_loss };
            }
            self.rejected += 1;
            self.h = h * factor.min(1.0);
        }
    }
}
