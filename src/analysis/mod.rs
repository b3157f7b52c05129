//! Diagnostics of trained weights: spectra, ranks, alignment, balance, span, bounds.
pub mod spectrum;
