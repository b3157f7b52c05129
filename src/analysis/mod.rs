//! Diagnostics of weights: spectra (faer SVD), rank measures, alignment,
//! stationarity, balance and the data span. Each file's header states its math.
pub mod bounds;
pub mod collapse;
pub mod curvature;
pub mod layers;
pub mod ranks;
pub mod rounding;
pub mod scaled;
pub mod spectrum;
