//! `.npy` weights as `lowrank-lab analyze` reads them: `npy::from_bytes`, then
//! (for small matrices) the spectra and ranks analyze reports. No input may
//! panic or allocate more than the file holds.
//! Run: see the comment at the top of fuzz/Cargo.toml (target `npy`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use lowrank_lab::analysis::{ranks, spectrum};
use lowrank_lab::io::npy;

fuzz_target!(|data: &[u8]| {
    match npy::from_bytes(data) {
        Ok(w) => {
            // Exactly the declared data was read: 4 or 8 bytes per entry.
            assert!(w.len() * 4 <= data.len(), "{} entries from {} bytes", w.len(), data.len());
            assert!(w.iter().all(|v| v.is_finite()));
            if !w.is_empty() && w.len() <= 4096 {
                let s = spectrum::singular_values(w.view());
                if let Some(&s0) = s.first() {
                    let _ = spectrum::rank_tolerance(s0, w.nrows(), w.ncols());
                    let _ = spectrum::numerical_rank(&s, w.nrows(), w.ncols());
                    let _ = ranks::stable_rank(&s);
                    let _ = ranks::effective_rank(&s);
                }
            }
        }
        Err(e) => {
            let m = e.to_string();
            assert!(!m.is_empty() && m.len() < 2000, "unclear message: {m}");
        }
    }
});
