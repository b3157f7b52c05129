//! The matrix products of one direct GD step, alone: the ceiling a build's
//! step speed has while these products take most of its time (in `make
//! bench`, products alone run at 1.00–1.10× the direct step's rate in
//! Chromium and 1.05–1.17× natively on one thread, W1–W3). `make bench` times
//! them natively on one thread and in the wasm build, so "how close can the
//! browser get to native" is a ratio measured in the same run rather than an
//! argument about SIMD widths.
//!
//! For layer k (W_k: out × in, batch n, inputs X: n × d), as
//! `Workspace::loss_and_grad` computes them through [`crate::net::gemm::matmul`],
//! with the same operand layouts (a transposed operand is a transposed view):
//! - forward: Z_kᵀ (out × n) = W_k · Xᵀ for k = 0, W_k · A_{k−1}ᵀ above;
//! - ∇W_k (out × in) = G_kᵀ · X, or G_kᵀ · A_{k−1} (trained layers only);
//! - backpropagated G_{k−1}ᵀ (in × n) = W_kᵀ · G_kᵀ, for k above the lowest trained layer.
//!
//! With one output the step computes the top layer's ∇W_L and G_{L−1}ᵀ in one
//! pass instead (`net::top`: dot products and an outer product); they stay
//! here as the products every reference computes, so that the FLOPs of a step
//! are the same for every implementation (0.4–0.7% of W1's, W2's and W3's).
//!
//! The operands hold fixed values (the products' speed does not depend on them),
//! and [`DirectProducts::checksum`] lets the runner check that a build computed
//! the same products before it reports their speed.

use crate::config::ValidConfig;
use crate::net::gemm::matmul;
use ndarray::{Array2, ArrayView2};

/// An operand as the step stores it: `transposed` means the product reads the
/// transpose of `stored`.
struct Operand {
    stored: Array2<f64>,
    transposed: bool,
}

impl Operand {
    /// A (rows × cols as the product reads it) with entries in [−0.5, 0.5),
    /// a function of (`salt`, position) only.
    fn new(rows: usize, cols: usize, transposed: bool, salt: usize) -> Self {
        let shape = if transposed { (cols, rows) } else { (rows, cols) };
        let stored = Array2::from_shape_fn(shape, |(i, j)| ((i * 7 + j * 13 + salt * 5) % 17) as f64 / 17.0 - 0.5);
        Self { stored, transposed }
    }

    fn view(&self) -> ArrayView2<'_, f64> {
        if self.transposed {
            self.stored.t()
        } else {
            self.stored.view()
        }
    }
}

struct Product {
    c: Array2<f64>,
    a: Operand,
    b: Operand,
}

/// Every matrix product of one direct step of a bias-free net, in the step's order.
pub struct DirectProducts {
    products: Vec<Product>,
}

impl DirectProducts {
    /// `sizes`: layer widths from input to output (d, …, out), so layer k maps
    /// sizes[k] → sizes[k+1]; `trained[k]` whether W_k trains (length
    /// sizes.len() − 1); `n` the batch (number of training inputs).
    ///
    /// # Panics
    /// If `trained` does not have one entry per layer.
    pub fn new(sizes: &[usize], trained: &[bool], n: usize) -> Self {
        assert_eq!(trained.len() + 1, sizes.len(), "one trained flag per layer");
        let lowest = trained.iter().position(|&t| t).unwrap_or(trained.len());
        let mut products = Vec::new();
        let mut push = |m: usize, k: usize, p: usize, a_t: bool, b_t: bool| {
            let salt = products.len();
            products.push(Product {
                c: Array2::zeros((m, p)),
                a: Operand::new(m, k, a_t, 2 * salt),
                b: Operand::new(k, p, b_t, 2 * salt + 1),
            });
        };
        for (k, w) in sizes.windows(2).enumerate() {
            let (inp, out) = (w[0], w[1]);
            // Xᵀ is a view of X (n × d); A_{k−1}ᵀ is stored as it is read.
            push(out, inp, n, false, k == 0);
        }
        for k in (0..trained.len()).rev() {
            let (inp, out) = (sizes[k], sizes[k + 1]);
            if trained[k] {
                // X is read as stored; A_{k−1} is the view of A_{k−1}ᵀ.
                push(out, n, inp, false, k > 0);
            }
            if k > lowest {
                push(inp, out, n, true, false);
            }
        }
        Self { products }
    }

    /// The products of a direct step of the net `cfg` describes (biases aside).
    pub fn of_config(cfg: &ValidConfig) -> Self {
        let trained: Vec<bool> = (0..cfg.depth()).map(|k| cfg.is_trained(k)).collect();
        Self::new(&cfg.layer_sizes(), &trained, cfg.data.n)
    }

    /// Run every product once (C ← A·B).
    pub fn run(&mut self) {
        for p in &mut self.products {
            matmul(p.c.view_mut(), p.a.view(), p.b.view(), 1.0, false);
        }
    }

    /// 2·m·k·n summed over the products: the FLOPs of one [`DirectProducts::run`]
    /// (the same count as the benchmark's FLOPs of a direct step).
    pub fn flops(&self) -> f64 {
        self.products
            .iter()
            .map(|p| 2.0 * (p.c.nrows() * p.c.ncols() * p.a.view().ncols()) as f64)
            .sum()
    }

    /// Σ C² over every product's C (after [`DirectProducts::run`]): builds that
    /// computed the same products agree on it to rounding.
    pub fn checksum(&self) -> f64 {
        self.products.iter().map(|p| p.c.iter().map(|v| v * v).sum::<f64>()).sum()
    }

    /// The number of products (W1: 4, W2: 8, W3: 5).
    pub fn len(&self) -> usize {
        self.products.len()
    }

    /// Whether there are no products (never, for a net with a layer).
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_follow_the_step_and_count_its_flops() {
        // W1 (100 → 200 → 1, output fixed, n = 20): two forward products, ∇W₁,
        // and G₁ = W₂ᵀG₂ (∇W₁ needs it); no ∇W₂.
        let p = DirectProducts::new(&[100, 200, 1], &[true, false], 20);
        assert_eq!(p.len(), 4);
        assert_eq!(p.flops(), 4.0 * 20.0 * 100.0 * 200.0 + 4.0 * 20.0 * 200.0);
        // W2: 3 forward, 3 gradients, 2 backpropagated.
        assert_eq!(DirectProducts::new(&[50, 64, 64, 1], &[true; 3], 30).len(), 8);
    }

    #[test]
    fn a_config_gives_its_nets_products() {
        use crate::bench::workloads::{workload, Workload};
        // W1's output layer is fixed: no ∇W₂.
        let w1 = DirectProducts::of_config(&workload(Workload::W1).validate().expect("valid"));
        assert_eq!((w1.len(), w1.flops()), (4, 4.0 * 20.0 * 100.0 * 200.0 + 4.0 * 20.0 * 200.0));
        // W3: Z₁, ∇W₁ (d·m·n each), Z₂, ∇W₂, G₁ (m·n each); no product back into X.
        let w3 = DirectProducts::of_config(&workload(Workload::W3).validate().expect("valid"));
        assert_eq!((w3.len(), w3.flops()), (5, 2.0 * 256.0 * (2.0 * 256.0 * 1024.0 + 3.0 * 1024.0)));
    }

    #[test]
    fn each_product_is_a_times_b() {
        let mut p = DirectProducts::new(&[5, 4, 3], &[true, true], 6);
        p.run();
        for q in &p.products {
            let want = q.a.view().dot(&q.b.view());
            let err = (&q.c - &want).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(err < 1e-12, "max |C − A·B| = {err}");
        }
        let sum: f64 = p
            .products
            .iter()
            .map(|q| q.a.view().dot(&q.b.view()).iter().map(|v| v * v).sum::<f64>())
            .sum();
        assert!((p.checksum() - sum).abs() <= 1e-12 * sum && sum > 0.0);
    }
}
