//! Internal axis type: a plotters coordinate that is linear in a *transformed*
//! value `u` (u = v on linear axes, u = log10 v on log axes).
//!
//! Working in `u` keeps everything finite and linear (no ln of 0, no overflow
//! of huge spans), lets the charts clip lines themselves, and gives full
//! control over tick placement and tick labels.

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use std::ops::Range;

/// How data values map to the axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scale {
    /// u = v.
    Linear,
    /// u = log10 v (only v > 0 can be shown).
    Log10,
}

impl Scale {
    /// Data value to transformed value, None if the value cannot be shown.
    pub(crate) fn tf(self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        match self {
            Scale::Linear => Some(v),
            Scale::Log10 => {
                if v > 0.0 {
                    let u = v.log10();
                    u.is_finite().then_some(u)
                } else {
                    None
                }
            }
        }
    }

    pub(crate) fn is_log(self) -> bool {
        self == Scale::Log10
    }
}

#[derive(Clone, Debug)]
enum TickMode {
    /// Ticks at multiples of `step` in u (linear axis).
    Linear { step: f64 },
    /// Ticks at whole decades; `plain` = print as 0.01 / 100 rather than 10ᵏ.
    Decades { plain: bool },
    /// Log axis shorter than a decade: ticks at nice values; `step` in v.
    LogValues,
    /// Category axis: ticks at i + 0.5, labelled by name.
    Categories,
}

/// A coordinate axis over transformed values `lo..hi` (lo < hi, finite).
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub scale: Scale,
    /// Draw from hi (at the start of the pixel range) to lo.
    pub reversed: bool,
    ticks: Vec<f64>,
    minor: Vec<f64>,
    mode: TickMode,
    names: Vec<String>,
    /// Only whole-number ticks (index axes).
    integer: bool,
    n: usize,
}

/// Smallest "nice" number (1, 2, 5 × 10ᵏ) ≥ x (x > 0, finite).
fn nice_step(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let e = x.log10().floor();
    let base = 10f64.powf(e);
    let m = x / base;
    let n = if m <= 1.0 + 1e-9 {
        1.0
    } else if m <= 2.0 + 1e-9 {
        2.0
    } else if m <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    let s = n * base;
    if s.is_finite() && s > 0.0 {
        s
    } else {
        x
    }
}

/// Ticks at multiples of a nice step inside [lo, hi], at most about `n`.
fn linear_ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, f64) {
    let n = n.max(2) as f64;
    let half = hi / 2.0 - lo / 2.0;
    let mut step = nice_step(half / (n / 2.0));
    let mut out = Vec::new();
    for _ in 0..4 {
        out.clear();
        let k0 = (lo / step - 1e-9).ceil();
        let k1 = (hi / step + 1e-9).floor();
        if !(k0.is_finite() && k1.is_finite()) || k1 - k0 > 1000.0 {
            step = nice_step(step * 2.0);
            continue;
        }
        let mut k = k0;
        while k <= k1 {
            let v = k * step;
            out.push(if v == 0.0 { 0.0 } else { v });
            k += 1.0;
        }
        if out.len() as f64 <= n + 1.0 {
            break;
        }
        step = nice_step(step * 1.5);
    }
    (out, step)
}

fn superscript(e: i64) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::new();
    if e < 0 {
        s.push('⁻');
    }
    for c in e.unsigned_abs().to_string().chars() {
        s.push(DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// Format `v` knowing ticks are multiples of `step`.
pub(crate) fn fmt_with_step(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let step = if step.is_finite() && step > 0.0 { step } else { v.abs() };
    let mag = v.abs().max(step);
    if mag < 1e6 && step >= 1e-4 {
        let dec = (-step.log10().floor()).max(0.0) as usize;
        let s = format!("{:.*}", dec.min(8), v);
        if s.parse::<f64>().map(|x| x == 0.0).unwrap_or(false) {
            "0".into()
        } else {
            s
        }
    } else {
        let sig = (mag.log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize;
        format!("{:.*e}", sig, v)
    }
}

/// Short human formatting of one value (4 significant digits).
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let dec = (3.0 - a.log10().floor()).clamp(0.0, 6.0) as usize;
        let s = format!("{:.*}", dec, v);
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        let s = format!("{:.3e}", v);
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{}", m.trim_end_matches('0').trim_end_matches('.'), e)
            }
            _ => s,
        }
    }
}

impl Axis {
    /// An axis over transformed range [lo, hi] with about `n` ticks.
    pub(crate) fn new(lo: f64, hi: f64, scale: Scale, n: usize) -> Axis {
        let (lo, hi) = sanitize(lo, hi);
        let mut a = Axis {
            lo,
            hi,
            scale,
            reversed: false,
            ticks: vec![],
            minor: vec![],
            mode: TickMode::Linear { step: 1.0 },
            names: vec![],
            integer: false,
            n,
        };
        a.set_ticks(n);
        a
    }

    /// A category axis with one slot of width 1 per name: slot i spans [i, i+1].
    pub(crate) fn categories(names: Vec<String>) -> Axis {
        let n = names.len().max(1);
        Axis {
            lo: 0.0,
            hi: n as f64,
            scale: Scale::Linear,
            reversed: false,
            ticks: (0..names.len()).map(|i| i as f64 + 0.5).collect(),
            minor: vec![],
            mode: TickMode::Categories,
            names,
            integer: true,
            n,
        }
    }

    /// Recompute ticks for about `n` ticks.
    pub(crate) fn set_ticks(&mut self, n: usize) {
        if matches!(self.mode, TickMode::Categories) {
            return;
        }
        let n = n.max(2);
        self.n = n;
        self.minor.clear();
        match self.scale {
            Scale::Linear => {
                let (mut t, mut step) = linear_ticks(self.lo, self.hi, n);
                if self.integer && step < 1.0 {
                    step = 1.0;
                    t.clear();
                    let mut k = self.lo.ceil();
                    while k <= self.hi && t.len() < 1000 {
                        t.push(k);
                        k += 1.0;
                    }
                }
                self.ticks = t;
                self.mode = TickMode::Linear { step };
            }
            Scale::Log10 => {
                let e0 = (self.lo - 1e-9).ceil();
                let e1 = (self.hi + 1e-9).floor();
                let decades = e1 - e0 + 1.0;
                if decades >= 2.0 {
                    // whole decades, every k-th
                    let mut k = 1.0;
                    while decades / k > n as f64 {
                        k = nice_step(k * 1.01).max(k + 1.0).round();
                    }
                    let start = (e0 / k).ceil() * k;
                    let mut e = start;
                    let mut t = Vec::new();
                    while e <= e1 {
                        t.push(e);
                        e += k;
                    }
                    let plain = t.iter().all(|&e| (-3.0..=4.0).contains(&e));
                    if k == 1.0 && self.hi - self.lo <= 8.0 {
                        let mut e = e0 - 1.0;
                        while e <= e1 {
                            for m in 2..10 {
                                let u = e + (m as f64).log10();
                                if u >= self.lo && u <= self.hi {
                                    self.minor.push(u);
                                }
                            }
                            e += 1.0;
                        }
                    }
                    self.ticks = t;
                    self.mode = TickMode::Decades { plain };
                } else {
                    // less than ~2 decades: nice values in v
                    let v0 = 10f64.powf(self.lo);
                    let v1 = 10f64.powf(self.hi);
                    let mut cands: Vec<f64> = Vec::new();
                    let mut e = e0 - 1.0;
                    while e <= e1 {
                        for m in [1.0, 2.0, 5.0] {
                            let u = e + f64::log10(m);
                            if u >= self.lo - 1e-12 && u <= self.hi + 1e-12 {
                                cands.push(u);
                            }
                        }
                        e += 1.0;
                    }
                    if cands.len() >= 3 {
                        self.ticks = cands;
                        self.mode = TickMode::LogValues;
                    } else {
                        let (t, _) = linear_ticks(v0, v1, n.min(6));
                        self.ticks = t
                            .into_iter()
                            .filter(|&v| v > 0.0)
                            .map(|v| v.log10())
                            .filter(|u| u.is_finite() && *u >= self.lo && *u <= self.hi)
                            .collect();
                        self.mode = TickMode::LogValues;
                    }
                }
            }
        }
    }

    /// Only whole-number ticks (for index axes).
    pub(crate) fn integer_ticks(mut self) -> Axis {
        self.integer = true;
        let n = self.n;
        self.set_ticks(n);
        self
    }

    /// Reverse the direction (hi at the start of the pixel range).
    pub(crate) fn reversed(mut self) -> Axis {
        self.reversed = true;
        self
    }

    /// Tick positions (transformed values).
    #[allow(dead_code)]
    pub(crate) fn ticks(&self) -> &[f64] {
        &self.ticks
    }

    /// The label printed at transformed position `u`.
    pub(crate) fn label(&self, u: f64) -> String {
        match &self.mode {
            TickMode::Linear { step } => fmt_with_step(u, *step),
            TickMode::Decades { plain } => {
                let e = u.round() as i64;
                if *plain {
                    fmt_with_step(10f64.powi(e as i32), 10f64.powi(e as i32))
                } else {
                    format!("10{}", superscript(e))
                }
            }
            TickMode::LogValues => fmt_num(10f64.powf(u)),
            TickMode::Categories => {
                let i = u.floor();
                if i >= 0.0 && (i as usize) < self.names.len() {
                    self.names[i as usize].clone()
                } else {
                    String::new()
                }
            }
        }
    }

    /// Longest tick label, in characters.
    pub(crate) fn max_label_chars(&self) -> usize {
        self.ticks.iter().map(|&u| self.label(u).chars().count()).max().unwrap_or(1)
    }

    /// Position of `u` as a fraction of the axis (0 at lo, 1 at hi); NaN-safe.
    pub(crate) fn frac(&self, u: f64) -> f64 {
        let f = (u / 2.0 - self.lo / 2.0) / (self.hi / 2.0 - self.lo / 2.0);
        if f.is_finite() {
            f
        } else if f == f64::INFINITY {
            2.0
        } else if f == f64::NEG_INFINITY {
            -1.0
        } else {
            0.5
        }
    }

    /// Whether transformed `u` lies inside the axis range.
    pub(crate) fn contains(&self, u: f64) -> bool {
        u >= self.lo && u <= self.hi
    }
}

/// Make sure lo < hi, both finite.
fn sanitize(lo: f64, hi: f64) -> (f64, f64) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi), lo.max(hi))
    } else {
        (0.0, 1.0)
    };
    if hi / 2.0 - lo / 2.0 <= 0.0 {
        let d = (lo.abs() * 0.1).max(1e-300);
        lo -= d;
        hi += d;
        if hi / 2.0 - lo / 2.0 <= 0.0 {
            lo = 0.0;
            hi = 1.0;
        }
    }
    (lo, hi)
}

/// The padded transformed range covering `values` (finite transformed
/// values). `pad` is the fraction of the span added on each side. A constant
/// range is widened (±10 % or ±1 around zero on linear axes, ±½ decade on log
/// axes). Returns None when `values` is empty.
pub(crate) fn padded_range(values: impl IntoIterator<Item = f64>, scale: Scale, pad: f64) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    Some(pad_range(lo, hi, scale, pad))
}

/// Pad a finite transformed range (see [`padded_range`]).
pub(crate) fn pad_range(lo: f64, hi: f64, scale: Scale, pad: f64) -> (f64, f64) {
    let half = hi / 2.0 - lo / 2.0;
    let mag = lo.abs().max(hi.abs());
    let constant = half <= mag * 1e-12 || half <= 0.0;
    let (lo, hi) = if constant {
        let c = lo / 2.0 + hi / 2.0;
        let d = match scale {
            Scale::Log10 => 0.5,
            Scale::Linear => {
                if c == 0.0 {
                    1.0
                } else {
                    (c.abs() * 0.1).max(1e-300)
                }
            }
        };
        (c - d, c + d)
    } else {
        let p = half * 2.0 * pad.max(0.0);
        let p = if p.is_finite() { p } else { half * pad * 2.0 };
        ((lo - p).max(-f64::MAX), (hi + p).min(f64::MAX))
    };
    sanitize(lo, hi)
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let mut f = self.frac(*v);
        if self.reversed {
            f = 1.0 - f;
        }
        let f = f.clamp(-1.0, 2.0);
        let len = limit.1 as f64 - limit.0 as f64;
        let p = limit.0 as f64 + len * f;
        p.round().clamp(-1.0e9, 1.0e9) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            return vec![];
        }
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format(v: &f64) -> String {
        fmt_num(*v)
    }
    fn format_ext(&self, v: &f64) -> String {
        self.label(*v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_inside_and_labelled() {
        let a = Axis::new(0.0, 1.0, Scale::Linear, 6);
        assert!(a.ticks().len() >= 3);
        assert_eq!(a.label(0.2), "0.2");
        let a = Axis::new(-16.0, 0.0, Scale::Log10, 6);
        assert!(a.ticks().iter().all(|t| (-16.0..=0.0).contains(t)));
        assert_eq!(a.label(-16.0), "10⁻¹⁶");
        let a = Axis::new(-1e300, 1e300, Scale::Linear, 6);
        assert!(!a.ticks().is_empty());
        let a = Axis::new(-f64::MAX, f64::MAX, Scale::Linear, 6);
        assert!(!a.ticks().is_empty());
        assert!(a.frac(0.0).is_finite());
        let a = Axis::new(0.5f64.log10(), 0.6f64.log10(), Scale::Log10, 6);
        assert!(a.ticks().len() >= 2, "{:?}", a.ticks());
        let (lo, hi) = pad_range(3.0, 3.0, Scale::Linear, 0.05);
        assert!(lo < 3.0 && hi > 3.0);
        let (lo, hi) = pad_range(1e300, 1e300, Scale::Linear, 0.05);
        assert!(lo < hi);
    }
}
