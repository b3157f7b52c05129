//! NumPy `.npy` files of f64 matrices (through `ndarray-npy`), with the
//! checks a user-supplied file needs: a size cap before anything is read,
//! 2-D only, f64 or f32 (widened), finite entries.

use ndarray::Array2;
use ndarray_npy::{ReadNpyExt, WriteNpyExt};

/// Largest .npy file read, in bytes (256 MiB).
pub const MAX_NPY_BYTES: usize = 256 << 20;

/// Why a .npy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    #[error("{0} bytes is larger than the {MAX_NPY_BYTES}-byte limit for .npy files")]
    TooLarge(usize),
    #[error("not a 2-D float64/float32 .npy array: {0}")]
    Format(String),
    #[error("contains non-finite values (NaN or ±inf)")]
    NonFinite,
    #[error("write failed: {0}")]
    Write(String),
}

/// Serialise a matrix as .npy bytes (little-endian f64, C order).
pub fn to_bytes(a: &Array2<f64>) -> Result<Vec<u8>, NpyError> {
    let mut buf = Vec::new();
    a.write_npy(&mut buf).map_err(|e| NpyError::Write(e.to_string()))?;
    Ok(buf)
}

/// Serialise a vector as a 1-D .npy.
pub fn vec_to_bytes(v: &ndarray::Array1<f64>) -> Result<Vec<u8>, NpyError> {
    let mut buf = Vec::new();
    v.write_npy(&mut buf).map_err(|e| NpyError::Write(e.to_string()))?;
    Ok(buf)
}

/// Parse .npy bytes into a finite f64 matrix (f32 files are widened).
pub fn from_bytes(bytes: &[u8]) -> Result<Array2<f64>, NpyError> {
    if bytes.len() > MAX_NPY_BYTES {
        return Err(NpyError::TooLarge(bytes.len()));
    }
    let a = match Array2::<f64>::read_npy(bytes) {
        Ok(a) => a,
        Err(e64) => match Array2::<f32>::read_npy(bytes) {
            Ok(a) => a.mapv(f64::from),
            Err(_) => return Err(NpyError::Format(e64.to_string())),
        },
    };
    if a.iter().any(|v| !v.is_finite()) {
        return Err(NpyError::NonFinite);
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let a = ndarray::array![[1.0, -2.5], [1e-300, 3.0]];
        assert_eq!(from_bytes(&to_bytes(&a).unwrap()).unwrap(), a);
        let f32s = {
            let mut b = Vec::new();
            ndarray::array![[1.5f32, 2.0]].write_npy(&mut b).unwrap();
            b
        };
        assert_eq!(from_bytes(&f32s).unwrap(), ndarray::array![[1.5, 2.0]]);
        assert!(matches!(from_bytes(b"not npy"), Err(NpyError::Format(_))));
        let bytes = to_bytes(&a).unwrap();
        assert!(from_bytes(&bytes[..bytes.len() - 3]).is_err());
        let nan = to_bytes(&ndarray::array![[f64::NAN]]).unwrap();
        assert!(matches!(from_bytes(&nan), Err(NpyError::NonFinite)));
        let one_d = vec_to_bytes(&ndarray::array![1.0, 2.0]).unwrap();
        assert!(matches!(from_bytes(&one_d), Err(NpyError::Format(_))));
    }
}
