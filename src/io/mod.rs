//! Files and formats: NumPy `.npy` arrays ([`npy`]) and JSON floats that
//! may be NaN ([`serde_nan`]).

pub mod npy;
pub mod serde_nan;
