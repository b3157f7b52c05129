//! `lowrank-lab analyze`: the lab's diagnostics for anyone's weight matrices.

use crate::bundle::Bundle;
use lowrank_lab::analysis::{layers, ranks, spectrum};
use lowrank_lab::charts::{self, LayerSpectrum, SpectrumData};
use lowrank_lab::npy;
use serde_json::json;
use std::path::Path;

pub fn analyze(dir: &Path, out: Option<&Path>) -> Result<(), String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let mut mats = Vec::new();
    for k in 1.. {
        let p = dir.join(format!("W{k}.npy"));
        if !p.exists() {
            break;
        }
        let meta = std::fs::metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.len() as usize > npy::MAX_NPY_BYTES {
            return Err(format!("{}: {}", p.display(), npy::NpyError::TooLarge(meta.len() as usize)));
        }
        let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let w = npy::from_bytes(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
        if w.is_empty() {
            return Err(format!("{}: the matrix is empty ({}×{})", p.display(), w.nrows(), w.ncols()));
        }
        mats.push(w);
    }
    if mats.is_empty() {
        return Err(format!(
            "{} holds no W1.npy (expected W1.npy, W2.npy, … of shape fan_out × fan_in)",
            dir.display()
        ));
    }
    let mut layer_docs = Vec::new();
    let mut spectra = Vec::new();
    let mut tolerances = Vec::new();
    for (k, w) in mats.iter().enumerate() {
        let s = spectrum::singular_values(w.view());
        if s.is_empty() {
            return Err(format!("W{}.npy: the SVD did not converge", k + 1));
        }
        let tol = spectrum::rank_tolerance(s[0], w.nrows(), w.ncols());
        let (rank_lo, rank_hi) = spectrum::numerical_rank_range(&s, w.nrows(), w.ncols());
        let chains = mats.get(k + 1).is_some_and(|n| n.ncols() == w.nrows());
        let balance = chains.then(|| layers::balance(w.view(), mats[k + 1].view()));
        layer_docs.push(json!({
            "name": format!("W{}", k + 1),
            "shape": [w.nrows(), w.ncols()],
            "frobenius": lowrank_lab::analysis::scaled::sum_sq(w.iter().copied()).norm(),
            "spectral_norm": s[0],
            "stable_rank": ranks::stable_rank(&s),
            "effective_rank": ranks::effective_rank(&s),
            "numerical_rank": (rank_lo == rank_hi).then_some(rank_lo),
            "numerical_rank_min": rank_lo,
            "numerical_rank_max": rank_hi,
            "rank_tolerance": tol,
            "svd_error": spectrum::svd_error(s[0], w.nrows(), w.ncols()),
            "balance": balance.map(|b| b.0),
            "balance_diag": balance.map(|b| b.1),
            "singular_values": s,
        }));
        tolerances.push(tol);
        spectra.push(LayerSpectrum {
            name: format!("W{}", k + 1),
            singular_values: spectrum::singular_values(w.view()),
        });
    }
    let doc = json!({ "weights": dir.display().to_string(), "layers": layer_docs });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    match out {
        None => crate::print_stdout(&text),
        Some(out) => {
            let bundle = Bundle::create(out)?;
            bundle.write("analysis.json", text.as_bytes())?;
            let data = SpectrumData {
                title: format!("Singular values of the weights in {}", dir.display()),
                layers: spectra,
                rank_bound: None,
                tolerance: Some(tolerances),
            };
            let svg = charts::render_svg(900, 540, |a| charts::draw_spectrum(a, &data)).map_err(|e| e.to_string())?;
            bundle.write("spectrum.svg", svg.as_bytes())?;
            bundle.finish()?;
        }
    }
    Ok(())
}
