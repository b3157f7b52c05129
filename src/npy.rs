//! NumPy `.npy` files of f64 matrices (through `ndarray-npy`), with the
//! checks a user-supplied file needs: a size cap before anything is read,
//! a strict parse of the header (its three keys `descr`, `fortran_order` and
//! `shape`, each refused with a message naming it and the value received),
//! 2-D only, f64 or f32 (widened), a data section of exactly the declared
//! size, and finite entries.
//!
//! The header is parsed here, not only by `ndarray-npy`, so that a hostile
//! header can neither make the reader allocate more than the file holds nor
//! reach its general Python-literal parser (deeply nested tuples) at all.

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
    #[error("contains a non-finite value ({value}) at row {row}, column {col}")]
    NonFinite { row: usize, col: usize, value: f64 },
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

/// The element types read: float64 and float32, either byte order.
const DTYPES: [(&str, u64); 4] = [("<f8", 8), (">f8", 8), ("<f4", 4), (">f4", 4)];

/// Longest header text quoted back in a message.
const QUOTE: usize = 60;

fn bad(m: impl Into<String>) -> NpyError {
    NpyError::Format(m.into())
}

/// `s` cut to at most `QUOTE` characters (on a char boundary), for messages.
fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A value of the header dictionary (the only forms a .npy header uses).
enum Lit<'a> {
    Str(&'a str),
    Bool(bool),
    Tuple(Vec<&'a str>),
    /// Anything else (a number, None, …), refused by the key that holds it.
    Bare(&'a str),
}

/// A strict reader of the header's Python dict literal:
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
struct Lexer<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Lexer<'a> {
    fn ws(&mut self) {
        while self.s[self.i..].starts_with([' ', '\t', '\n', '\r']) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }
    fn rest(&self) -> String {
        quote(&self.s[self.i..])
    }
    fn string(&mut self) -> Result<&'a str, NpyError> {
        self.ws();
        let q = match self.s[self.i..].chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(bad(format!("header: expected a quoted key or string at `{}`", self.rest()))),
        };
        let start = self.i + 1;
        let len = self.s[start..]
            .find(q)
            .ok_or_else(|| bad(format!("header: unterminated string at `{}`", self.rest())))?;
        self.i = start + len + 1;
        Ok(&self.s[start..start + len])
    }
    /// A bare token (a number, True/False): up to the next delimiter.
    fn token(&mut self) -> &'a str {
        self.ws();
        let start = self.i;
        let len = self.s[start..]
            .find([',', ')', '}', ' ', '\t', '\n', '\r'])
            .unwrap_or(self.s.len() - start);
        self.i = start + len;
        &self.s[start..start + len]
    }
    fn value(&mut self) -> Result<Lit<'a>, NpyError> {
        self.ws();
        if self.s[self.i..].starts_with(['\'', '"']) {
            return self.string().map(Lit::Str);
        }
        if self.eat('(') {
            let mut items = Vec::new();
            loop {
                if self.eat(')') {
                    return Ok(Lit::Tuple(items));
                }
                let t = self.token();
                if t.is_empty() {
                    return Err(bad(format!("header: expected a tuple entry at `{}`", self.rest())));
                }
                if items.len() >= 32 {
                    return Err(bad("shape has more than 32 dimensions"));
                }
                items.push(t);
                if !self.eat(',') {
                    if self.eat(')') {
                        return Ok(Lit::Tuple(items));
                    }
                    return Err(bad(format!("header: expected `,` or `)` in a tuple at `{}`", self.rest())));
                }
            }
        }
        match self.token() {
            "True" => Ok(Lit::Bool(true)),
            "False" => Ok(Lit::Bool(false)),
            "" => Err(bad(format!("header: expected a value at `{}`", self.rest()))),
            t => Ok(Lit::Bare(t)),
        }
    }
}

fn describe(lit: &Lit) -> String {
    match lit {
        Lit::Str(s) => format!("'{}'", quote(s)),
        Lit::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Lit::Tuple(t) if t.len() == 1 => quote(&format!("({},)", t[0])),
        Lit::Tuple(t) => quote(&format!("({})", t.join(", "))),
        Lit::Bare(t) => quote(t),
    }
}

/// Parse and check the header: magic, version, the dict's three keys, a 2-D
/// shape of float64/float32, and a data section of exactly the declared size.
/// Returns the element size in bytes (8 or 4); `fortran_order` is left to `ndarray-npy`.
fn parse_header(bytes: &[u8]) -> Result<u64, NpyError> {
    if bytes.len() < 6 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("missing the \\x93NUMPY magic string (not a .npy file)"));
    }
    if bytes.len() < 10 {
        return Err(bad(format!("truncated header: the file is only {} bytes", bytes.len())));
    }
    let (len, start) = match (bytes[6], bytes[7]) {
        (1, 0) => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        (2 | 3, 0) if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        (2 | 3, 0) => return Err(bad(format!("truncated header: the file is only {} bytes", bytes.len()))),
        (major, minor) => return Err(bad(format!("version must be 1.0, 2.0 or 3.0, got {major}.{minor}"))),
    };
    let end = start.checked_add(len).filter(|&e| e <= bytes.len()).ok_or_else(|| {
        bad(format!(
            "truncated header: it declares {len} bytes, the file holds {}",
            bytes.len() - start
        ))
    })?;
    let text = std::str::from_utf8(&bytes[start..end]).map_err(|_| bad("header is not UTF-8 text"))?;

    let mut lx = Lexer { s: text, i: 0 };
    if !lx.eat('{') {
        return Err(bad(format!("header must be a dict `{{…}}`, got `{}`", lx.rest())));
    }
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        if lx.eat('}') {
            break;
        }
        let key = lx.string()?;
        if !lx.eat(':') {
            return Err(bad(format!("header: expected `:` after '{}'", quote(key))));
        }
        let v = lx.value()?;
        let slot_taken = match key {
            "descr" => descr.replace(v).is_some(),
            "fortran_order" => fortran.replace(v).is_some(),
            "shape" => shape.replace(v).is_some(),
            k => {
                return Err(bad(format!(
                    "header has an unknown key '{}' (expected 'descr', 'fortran_order', 'shape')",
                    quote(k)
                )))
            }
        };
        if slot_taken {
            return Err(bad(format!("header repeats the key '{key}'")));
        }
        if !lx.eat(',') {
            if lx.eat('}') {
                break;
            }
            return Err(bad(format!("header: expected `,` or `}}` at `{}`", lx.rest())));
        }
    }
    lx.ws();
    if lx.i != text.len() {
        return Err(bad(format!("header: unexpected text after the dict: `{}`", lx.rest())));
    }

    let descr = descr.ok_or_else(|| bad("header has no 'descr' (the dtype)"))?;
    let (descr, item) = match &descr {
        Lit::Str(s) => match DTYPES.iter().find(|(d, _)| d == s) {
            Some(&(d, item)) => (d.to_string(), item),
            None => {
                return Err(bad(format!(
                    "descr (the dtype) must be float64 or float32 ('<f8', '>f8', '<f4' or '>f4'), got {}",
                    describe(&descr)
                )))
            }
        },
        other => {
            return Err(bad(format!(
                "descr (the dtype) must be a string such as '<f8', got {}",
                describe(other)
            )))
        }
    };
    match fortran.ok_or_else(|| bad("header has no 'fortran_order'"))? {
        Lit::Bool(_) => {}
        other => return Err(bad(format!("fortran_order must be True or False, got {}", describe(&other)))),
    }
    let shape = shape.ok_or_else(|| bad("header has no 'shape'"))?;
    let dims = match &shape {
        Lit::Tuple(d) if d.len() == 2 => d,
        Lit::Tuple(_) => return Err(bad(format!("shape must have 2 dimensions (rows, cols), got {}", describe(&shape)))),
        other => return Err(bad(format!("shape must be a tuple (rows, cols), got {}", describe(other)))),
    };
    let dim = |i: usize| -> Result<u64, NpyError> {
        let t = dims[i];
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("shape[{i}] must be a non-negative integer, got `{}`", quote(t))));
        }
        t.parse::<u64>().map_err(|_| bad(format!("shape[{i}] = {} is too large", quote(t))))
    };
    let (rows, cols) = (dim(0)?, dim(1)?);
    let have = (bytes.len() - end) as u64;
    let need = rows.checked_mul(cols).and_then(|n| n.checked_mul(item));
    match need {
        Some(need) if need == have => {}
        Some(need) if need > have => {
            return Err(bad(format!(
                "shape ({rows}, {cols}) of '{descr}' declares {need} bytes of data, the file holds {have}"
            )))
        }
        Some(need) => {
            return Err(bad(format!(
                "shape ({rows}, {cols}) of '{descr}' declares {need} bytes of data, the file holds {have} ({} extra bytes)",
                have - need
            )))
        }
        None => {
            return Err(bad(format!(
                "shape ({rows}, {cols}) of '{descr}' overflows (it declares more than 2^64 bytes), the file holds {have}"
            )))
        }
    }
    Ok(item)
}

/// Parse .npy bytes into a finite f64 matrix (f32 files are widened).
pub fn from_bytes(bytes: &[u8]) -> Result<Array2<f64>, NpyError> {
    if bytes.len() > MAX_NPY_BYTES {
        return Err(NpyError::TooLarge(bytes.len()));
    }
    let item = parse_header(bytes)?;
    let a = if item == 8 {
        Array2::<f64>::read_npy(bytes).map_err(|e| bad(e.to_string()))?
    } else {
        Array2::<f32>::read_npy(bytes).map_err(|e| bad(e.to_string()))?.mapv(f64::from)
    };
    if let Some(((row, col), &value)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(NpyError::NonFinite { row, col, value });
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A .npy v1 file with this header dict and `data` after it.
    fn file(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut h = dict.to_string();
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        b.extend_from_slice(data);
        b
    }

    fn err(b: &[u8]) -> String {
        from_bytes(b).unwrap_err().to_string()
    }

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
        let fortran = {
            let mut b = Vec::new();
            ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
                .reversed_axes()
                .write_npy(&mut b)
                .unwrap();
            b
        };
        assert_eq!(from_bytes(&fortran).unwrap(), ndarray::array![[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]);
        assert!(err(b"not npy").contains("magic"));
        let bytes = to_bytes(&a).unwrap();
        assert!(err(&bytes[..bytes.len() - 3]).contains("declares 32 bytes of data, the file holds 29"));
        let nan = to_bytes(&ndarray::array![[1.0, 2.0], [3.0, f64::NAN]]).unwrap();
        assert_eq!(err(&nan), "contains a non-finite value (NaN) at row 1, column 1");
        let one_d = vec_to_bytes(&ndarray::array![1.0, 2.0]).unwrap();
        assert!(err(&one_d).contains("shape must have 2 dimensions (rows, cols), got (2,)"));
    }

    #[test]
    fn header_fields_are_named_in_refusals() {
        let d16 = [0u8; 16];
        let cases: &[(&str, &[u8], &str)] = &[
            (
                "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }",
                &d16,
                "descr (the dtype) must be float64 or float32",
            ),
            ("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }", &d16, "got '<i8'"),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 1), }",
                &d16,
                "fortran_order must be True or False, got 0",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 1), }",
                &d16,
                "shape[0] must be a non-negative integer, got `-2`",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2.5, 1), }",
                &d16,
                "shape[0] must be a non-negative integer, got `2.5`",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }",
                &d16,
                "shape (1000000000, 1000000000) of '<f8' declares 8000000000000000000 bytes of data, the file holds 16",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }",
                &d16,
                "overflows",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }",
                &d16,
                "(8 extra bytes)",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 2), }",
                &d16,
                "got (1, 1, 2)",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (((((1,),),),),), }",
                &d16,
                "header: expected",
            ),
            ("{'descr': '<f8', 'fortran_order': False}", &d16, "header has no 'shape'"),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), 'x': 1}",
                &d16,
                "unknown key 'x'",
            ),
        ];
        for (dict, data, want) in cases {
            let got = err(&file(dict, data));
            assert!(got.contains(want), "{dict}: got «{got}», want «{want}»");
        }
        assert!(from_bytes(&file("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 2), }", &d16)).is_ok());
    }
}
