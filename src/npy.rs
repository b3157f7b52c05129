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

/// The shape a .npy header declares, checked against the bytes that follow it,
/// so a hostile header cannot make the reader allocate more than the file holds.
fn check_declared_size(bytes: &[u8]) -> Result<(), NpyError> {
    let bad = |m: &str| NpyError::Format(m.to_string());
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("missing the \\x93NUMPY magic string"));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(NpyError::Format(format!("unsupported .npy version {v}"))),
    };
    let end = start
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| bad("header is not text"))?;
    let after = header.split("'shape'").nth(1).ok_or_else(|| bad("header has no shape"))?;
    let open = after.find('(').ok_or_else(|| bad("shape is not a tuple"))?;
    let close = after[open..].find(')').ok_or_else(|| bad("shape is not a tuple"))? + open;
    let dims: Vec<u64> = after[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.parse::<u64>()
                .map_err(|_| NpyError::Format(format!("bad dimension `{d}` in shape")))
        })
        .collect::<Result<_, _>>()?;
    let item = if header.contains("<f4") || header.contains("'f4'") { 4 } else { 8 };
    let need = dims
        .iter()
        .try_fold(item as u64, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad("shape overflows"))?;
    let have = (bytes.len() - end) as u64;
    if need > have {
        return Err(NpyError::Format(format!(
            "header declares {need} bytes of data, the file holds {have}"
        )));
    }
    Ok(())
}

/// Parse .npy bytes into a finite f64 matrix (f32 files are widened).
pub fn from_bytes(bytes: &[u8]) -> Result<Array2<f64>, NpyError> {
    if bytes.len() > MAX_NPY_BYTES {
        return Err(NpyError::TooLarge(bytes.len()));
    }
    check_declared_size(bytes)?;
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
        // A header declaring far more data than the file holds is refused before any allocation.
        let mut hostile = bytes.clone();
        let text = String::from_utf8_lossy(&hostile[10..]).to_string();
        let shape_at = text.find("(2, 2)").unwrap() + 10;
        hostile.splice(shape_at..shape_at + 6, b"(9999999999, 9999999999)".iter().cloned());
        let e = from_bytes(&hostile).unwrap_err().to_string();
        assert!(
            e.contains("truncated header") || e.contains("declares") || e.contains("overflows"),
            "{e}"
        );
        let one_d = vec_to_bytes(&ndarray::array![1.0, 2.0]).unwrap();
        assert!(matches!(from_bytes(&one_d), Err(NpyError::Format(_))));
    }
}
