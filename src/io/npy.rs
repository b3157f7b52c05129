//! NumPy `.npy` files of f64 matrices, with the checks a user-supplied file
//! needs: a size cap before anything is read,
//! a strict parse of the header (its three keys `descr`, `fortran_order` and
//! `shape`, each refused with a message naming it and the value received),
//! 2-D only, f64 or f32 (widened), a data section of exactly the declared
//! size, and finite entries.
//!
//! The format (NumPy's `numpy/lib/format.py`, version 1.0): the magic
//! `\x93NUMPY`, the version, a little-endian header length, a Python dict
//! literal padded with spaces to a multiple of 64 bytes and ended by `\n`,
//! then the elements in C or Fortran order. The header is parsed here,
//! strictly, so that a hostile header can neither make the reader allocate
//! more than the file holds nor reach a general Python-literal parser; once
//! it is checked, reading the data is a byte-order conversion. The
//! `ndarray-npy` crate (a dev-dependency) is the oracle in the tests: our
//! files are byte-identical to its, and we read what it writes. It is not
//! linked into the page (its literal parser brought 65 KB of bignum code).

use ndarray::{Array1, Array2, ShapeBuilder};

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

/// A .npy v1.0 file of little-endian f64 in C order with this shape text
/// (`"(3, 4)"` or `"(5,)"`) and these elements.
fn write(shape: &str, len: usize, elems: impl Iterator<Item = f64>) -> Result<Vec<u8>, NpyError> {
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}}}");
    // Pad so that the data starts on a 64-byte boundary, as NumPy does.
    let unpadded = 10 + header.len() + 1;
    header.extend(std::iter::repeat_n(' ', unpadded.next_multiple_of(64) - unpadded));
    header.push('\n');
    let hlen = u16::try_from(header.len()).map_err(|_| NpyError::Write(format!("header of {} bytes", header.len())))?;
    let mut buf = Vec::with_capacity(10 + header.len() + 8 * len);
    buf.extend_from_slice(b"\x93NUMPY\x01\x00");
    buf.extend_from_slice(&hlen.to_le_bytes());
    buf.extend_from_slice(header.as_bytes());
    for v in elems {
        buf.extend_from_slice(&v.to_le_bytes());
    }
    Ok(buf)
}

/// Serialise a matrix as .npy bytes (little-endian f64, C order).
pub fn to_bytes(a: &Array2<f64>) -> Result<Vec<u8>, NpyError> {
    write(&format!("({}, {})", a.nrows(), a.ncols()), a.len(), a.iter().copied())
}

/// Serialise a vector as a 1-D .npy.
pub fn vec_to_bytes(v: &Array1<f64>) -> Result<Vec<u8>, NpyError> {
    write(&format!("({},)", v.len()), v.len(), v.iter().copied())
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
fn parse_header(bytes: &[u8]) -> Result<Header, NpyError> {
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
    let fortran = match fortran.ok_or_else(|| bad("header has no 'fortran_order'"))? {
        Lit::Bool(b) => b,
        other => return Err(bad(format!("fortran_order must be True or False, got {}", describe(&other)))),
    };
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
    Ok(Header {
        item,
        big_endian: descr.starts_with('>'),
        fortran,
        rows: rows as usize,
        cols: cols as usize,
        data: end,
    })
}

/// A checked header: the data section `bytes[data..]` holds exactly
/// rows·cols elements of `item` bytes.
struct Header {
    /// 8 (float64) or 4 (float32).
    item: u64,
    big_endian: bool,
    fortran: bool,
    rows: usize,
    cols: usize,
    /// Offset of the first element.
    data: usize,
}

/// Parse .npy bytes into a finite f64 matrix (f32 files are widened).
pub fn from_bytes(bytes: &[u8]) -> Result<Array2<f64>, NpyError> {
    if bytes.len() > MAX_NPY_BYTES {
        return Err(NpyError::TooLarge(bytes.len()));
    }
    let h = parse_header(bytes)?;
    let data = &bytes[h.data..];
    let elems: Vec<f64> = match (h.item, h.big_endian) {
        (8, false) => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        (8, true) => data
            .chunks_exact(8)
            .map(|c| f64::from_be_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        (_, false) => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")).into())
            .collect(),
        (_, true) => data
            .chunks_exact(4)
            .map(|c| f32::from_be_bytes(c.try_into().expect("4 bytes")).into())
            .collect(),
    };
    // parse_header checked rows·cols·item == data.len(), so the shape fits.
    let shape = (h.rows, h.cols).set_f(h.fortran);
    let a = Array2::from_shape_vec(shape, elems).map_err(|e| bad(e.to_string()))?;
    let a = if h.fortran { a.as_standard_layout().into_owned() } else { a };
    if let Some(((row, col), &value)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(NpyError::NonFinite { row, col, value });
    }
    Ok(a)
}

// Native only: the oracle, ndarray-npy, is a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use ndarray_npy::{ReadNpyExt, WriteNpyExt};

    /// Our files are byte for byte what ndarray-npy writes, and read back by it.
    #[test]
    fn files_match_ndarray_npy() {
        for (r, c) in [(0, 3), (1, 1), (3, 4), (7, 300)] {
            let a = Array2::from_shape_fn((r, c), |(i, j)| (i as f64 - 1.5) * 10f64.powi(j as i32 % 40 - 20));
            let mut theirs = Vec::new();
            a.write_npy(&mut theirs).unwrap();
            let ours = to_bytes(&a).unwrap();
            assert_eq!(ours, theirs, "{r}×{c}");
            assert_eq!(Array2::<f64>::read_npy(&ours[..]).unwrap(), a);
        }
        let v = Array1::from_vec(vec![0.5, -1e300, 3.0]);
        let mut theirs = Vec::new();
        v.write_npy(&mut theirs).unwrap();
        assert_eq!(vec_to_bytes(&v).unwrap(), theirs);
    }

    /// Big-endian data and both element sizes decode to the same values.
    #[test]
    fn byte_orders_and_widths_decode_alike() {
        let vals = [1.5f64, -2.25, 1e-3, 4.0e10];
        let be8: Vec<u8> = vals.iter().flat_map(|v| v.to_be_bytes()).collect();
        let le4: Vec<u8> = vals.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect();
        let be4: Vec<u8> = vals.iter().flat_map(|&v| (v as f32).to_be_bytes()).collect();
        let want = Array2::from_shape_vec((2, 2), vals.to_vec()).unwrap();
        let got = from_bytes(&file("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", &be8)).unwrap();
        assert_eq!(got, want);
        let want32 = want.mapv(|v| v as f32 as f64);
        let got = from_bytes(&file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", &le4)).unwrap();
        assert_eq!(got, want32);
        let got = from_bytes(&file("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 2), }", &be4)).unwrap();
        assert_eq!(got, want32.t());
    }

    /// A .npy v1 file with this header dict and `data` after it.
    fn file(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut h = dict.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
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
