//! A fingerprint of the generated data, and pinned fingerprints.
//!
//! `data_hash` is SHA-256 over, per task in order, x then y as little-endian
//! f64 bytes in row-major order. Generation uses only the seeded ChaCha8
//! stream, `libm` and plain IEEE arithmetic, so the same config must give the
//! same hash natively and in wasm32, today and in later releases. `PINNED`
//! records (config JSON, hash) pairs computed once natively; the native tests
//! and the browser (wasm) tests both check them, so any change in the bits —
//! a reordered draw, a different formula, a platform-dependent function — fails.

use sha2::{Digest, Sha256};

use super::Dataset;

/// (config JSON, expected `data_hash`) pairs: a `mixing` config, a two-moons
/// `planar` config and a `digits` config (the embedded real images, decoded,
/// sampled and scaled). Changing any hash is a breaking change of the data.
pub const PINNED: &[(&str, &str)] = &[
    (
        r#"{"version":1,"seed":42,"data":{"generator":"mixing","tasks":2,"n":16,"d":12,"rho":0.3},"train":{"loss":"logistic"}}"#,
        "532a0d1db1b4cd211656ce1f4abe814c34571bc66b99d04ca8db0535df922466",
    ),
    (
        r#"{"version":1,"seed":7,"data":{"generator":"planar","shape":"moons","tasks":2,"n":32,"d":6,"angle_deg":60,"noise":0.1},"train":{"loss":"logistic"}}"#,
        "11b68588b1e96d61fd25ea5f6bc0824f3d6d72b9fa0d8086de583da3d0e632ac",
    ),
    (
        r#"{"version":1,"seed":3,"data":{"generator":"digits","tasks":2,"n":40,"d":64,"digit_pairs":[[0,1],[7,9]],"digit_pixels":"disjoint"},"train":{"loss":"logistic"}}"#,
        "252ab2eee51c8c3359a653e924fabbffa143d0e68467fbf4687e56b223be982c",
    ),
];

/// Values hashed per `update` call (the hash does not depend on it).
const BUF_VALUES: usize = 1024;

/// Lowercase hex SHA-256 (64 characters) of the data: per task in order, the
/// entries of x then of y, row-major, each as 8 little-endian bytes.
pub fn data_hash(ds: &Dataset) -> String {
    let mut h = Sha256::new();
    let mut buf = Vec::with_capacity(8 * BUF_VALUES);
    for t in &ds.tasks {
        for v in t.x.iter().chain(t.y.iter()) {
            buf.extend_from_slice(&v.to_le_bytes());
            if buf.len() == 8 * BUF_VALUES {
                h.update(&buf);
                buf.clear();
            }
        }
    }
    h.update(&buf);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{OverlapStats, Task};
    use ndarray::{array, Array2, ShapeBuilder};

    fn task(x: Array2<f64>, y: Array2<f64>) -> Task {
        Task {
            name: "a".into(),
            x,
            y,
            planar: None,
        }
    }

    fn ds(tasks: Vec<Task>) -> Dataset {
        Dataset {
            tasks,
            overlap: OverlapStats { pairs: Vec::new() },
        }
    }

    /// Reference values from Python: hashlib.sha256(b"".join(struct.pack("<d", v) for v in vals)).
    #[test]
    fn data_hash_matches_reference() {
        let empty = ds(Vec::new());
        assert_eq!(
            data_hash(&empty),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let two = ds(vec![
            task(array![[1.0, -2.5], [0.0, 3.25]], array![[1.0], [-1.0]]),
            task(array![[0.5, 7.0]], array![[-1.0]]),
        ]);
        assert_eq!(data_hash(&two), "b1f36686f698163c5a9a489fbb1d72e513996a9a70f7397c2cb22b95af6d0300");
        // Longer than the internal buffer; a transposed (column-major) x still hashes row-major.
        let x = Array2::from_shape_fn((1000, 3), |(i, j)| (3 * i + j) as f64);
        let mut xt = Array2::zeros((1000, 3).f());
        xt.assign(&x);
        assert!(!xt.is_standard_layout());
        let long = ds(vec![task(xt, Array2::zeros((0, 1)))]);
        assert_eq!(data_hash(&long), "35357f51fa6e5db4360948a6b0165cb74b83465da81e3714cb335013fadef4ed");
    }
}
