//! Rank measures of a weight matrix from its singular values σ₁ ≥ σ₂ ≥ … ≥ 0.
//!
//! - stable rank s(W) = ‖W‖²_F / ‖W‖²₂ = Σσᵢ² / σ₁² ∈ [1, rank W];
//! - effective rank (Roy & Vetterli 2007) exp(H(p)), pᵢ = σᵢ / Σσⱼ, H the Shannon entropy;
//! - numerical rank: #{σᵢ > max(rows, cols)·ε·σ₁} (see `spectrum::numerical_rank`).
//!
//! All are 0 for the zero matrix (not NaN).

/// ‖W‖²_F / ‖W‖²₂ from singular values (any order).
pub fn stable_rank(s: &[f64]) -> f64 {
    let top = s.iter().cloned().fold(0.0, f64::max);
    if top <= 0.0 {
        return 0.0;
    }
    s.iter().map(|x| (x / top) * (x / top)).sum()
}

/// exp(entropy of σᵢ/Σσ) from singular values (any order).
pub fn effective_rank(s: &[f64]) -> f64 {
    let total: f64 = s.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let h: f64 = s
        .iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| {
            let p = x / total;
            -p * libm::log(p)
        })
        .sum();
    libm::exp(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        assert_eq!(stable_rank(&[2.0, 2.0, 2.0]), 3.0);
        assert!((stable_rank(&[2.0, 1.0]) - 1.25).abs() < 1e-15);
        assert!((effective_rank(&[1.0, 1.0, 1.0, 1.0]) - 4.0).abs() < 1e-12);
        assert!((effective_rank(&[5.0, 0.0, 0.0]) - 1.0).abs() < 1e-15);
        assert_eq!(stable_rank(&[]), 0.0);
        assert_eq!(effective_rank(&[0.0, 0.0]), 0.0);
    }
}
