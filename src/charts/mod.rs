//! Charts of the lab, as plain functions of plain data.
//!
//! Every chart is a function
//! `draw_x<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &XData) -> Result<ChartReport, ChartError>`
//! generic over the plotters backend: the browser calls the very same
//! functions on a canvas (plotters-canvas), the command line and the tests on
//! an SVG string ([`render_svg`]). The data structs are plain, serialisable
//! values (filled by the core from a metrics snapshot); the charts never look
//! anything up themselves.
//!
//! Robustness rules every chart follows: empty, constant, NaN/±inf and huge
//! (1e300) inputs never panic; non-finite points (and non-positive ones on
//! log axes) are dropped and listed in [`ChartReport::skipped`] *and* printed
//! as a small note at the bottom of the chart; constant ranges are padded; a
//! chart with nothing valid to draw says "no data yet". Colours come from the
//! colour-blind-safe Okabe–Ito palette ([`palette`]); many series also differ
//! by dash and marker.
//!
//! | chart | function | data |
//! |---|---|---|
//! | training loss | [`draw_loss`] | [`LossData`] |
//! | singular values | [`draw_spectrum`] | [`SpectrumData`] |
//! | spectrum over time | [`draw_spectrum_strip`], [`draw_spectrum_strips`] | [`SpectrumHistory`] |
//! | weight/gradient alignment | [`draw_alignment`] | [`AlignmentData`] |
//! | stationarity residual | [`draw_stationarity`] | [`StationarityData`] |
//! | both, stacked | [`draw_alignment_panels`] | both |
//! | weight norms | [`draw_norms`] | [`NormsData`] |
//! | layer balance | [`draw_balance`] | [`BalanceData`] |
//! | W₁ outside span(X) | [`draw_outside_span`] | [`OutsideSpanData`] |
//! | two runs in one chart (Compare) | `draw_x_compared` ([`compare`]) | both runs' data |
//! | norm identity | [`draw_norm_identity`] | [`NormIdentityData`] |
//! | generic sweep | [`draw_sweep`] | [`SweepData`] |
//! | ranks vs λ | [`draw_rank_sweep`] | [`RankSweepData`] |
//! | every merge method vs a sweep, stacked panels | [`draw_method_sweep`] | [`MethodSweepData`] |
//! | merged nets, bars | [`draw_merge_bars`] | [`MergeBarsData`] |
//! | output change vs overlap | [`draw_merge_overlap`] | [`MergeOverlapData`] |
//! | decision boundaries | [`draw_boundary`], [`draw_boundaries`] | [`BoundaryData`] |

pub(crate) mod axis;
mod frame;
mod lines;

pub mod alignment;
pub mod boundary;
pub mod compare;
mod compare_draw;
pub mod loss;
pub mod merge;
pub mod methods;
pub mod norm_identity;
pub mod norms;
pub mod outside_span;
pub mod palette;
pub mod ranks;
pub mod spectrum;

pub use alignment::{
    draw_alignment, draw_alignment_gap, draw_alignment_panels, draw_stationarity, AlignmentData, AlignmentLayer, StationarityData,
};
pub use boundary::{draw_boundaries, draw_boundary, BoundaryData};
pub use compare::CompareLabels;
pub use compare_draw::*;
pub use loss::{draw_loss, LossData};
pub use merge::{draw_merge_bars, draw_merge_overlap, MergeBarsData, MergeOverlapData};
pub use methods::{draw_method_sweep, MethodSweepData};
pub use norm_identity::{draw_norm_identity, norm_identity_data, NormIdentityData};
pub use norms::{draw_balance, draw_norms, BalanceData, NormsData};
pub use outside_span::{draw_outside_span, outside_span_data, OutsideSpanData};
pub use ranks::{draw_rank_sweep, draw_sweep, LayerRankSweep, RankSweepData, SweepData};
pub use spectrum::{draw_spectrum, draw_spectrum_strip, draw_spectrum_strips, LayerSpectrum, SpectrumData, SpectrumHistory};

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea, SVGBackend};
use serde::{Deserialize, Serialize};

/// One named series of (x, y) points in data units.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend label, e.g. "a", "b", "sum", "W1".
    pub name: String,
    /// (x, y) points; non-finite points are skipped when drawing.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from a name and points.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { name: name.into(), points }
    }
}

/// What a chart could not draw, and why (also printed on the chart).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartReport {
    /// One line per dropped piece of data, e.g.
    /// "W2: 3 non-finite values skipped".
    pub skipped: Vec<String>,
}

/// Errors of chart drawing (the backend's error, as text).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// The drawing backend failed (plotters' `DrawingAreaErrorKind`, as text).
    #[error("chart backend error: {0}")]
    Backend(String),
    /// A zero-sized canvas was requested.
    #[error("chart size {0}×{1} is empty")]
    EmptySize(u32, u32),
}

/// Run `f` with chart text scaled for a surface of `ratio` device pixels per
/// CSS pixel (a HiDPI canvas is drawn at 2× its CSS size; without this its
/// text would look half as large). `ratio` is clamped to [0.5, 4].
pub fn with_pixel_ratio<T>(ratio: f64, f: impl FnOnce() -> T) -> T {
    let r = if ratio.is_finite() { ratio.clamp(0.5, 4.0) } else { 1.0 };
    let old = frame::set_pixel_ratio(r);
    let out = f();
    frame::set_pixel_ratio(old);
    out
}

/// Render a chart into an SVG document string.
///
/// `f` is any chart function, e.g. `|a| draw_loss(a, &data)`.
pub fn render_svg<F>(width: u32, height: u32, f: F) -> Result<String, ChartError>
where
    F: for<'a, 'b> FnOnce(&'b DrawingArea<SVGBackend<'a>, Shift>) -> Result<ChartReport, ChartError>,
{
    render_svg_report(width, height, f).map(|(s, _)| s)
}

/// Like [`render_svg`], also returning the chart's [`ChartReport`].
pub fn render_svg_report<F>(width: u32, height: u32, f: F) -> Result<(String, ChartReport), ChartError>
where
    F: for<'a, 'b> FnOnce(&'b DrawingArea<SVGBackend<'a>, Shift>) -> Result<ChartReport, ChartError>,
{
    if width == 0 || height == 0 {
        return Err(ChartError::EmptySize(width, height));
    }
    let mut buf = String::new();
    let report = {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        let report = f(&root)?;
        root.present().map_err(|e| ChartError::Backend(e.to_string()))?;
        report
    };
    Ok((buf, report))
}

/// Display form of an x-axis name: "time" becomes "time t = η·step".
pub(crate) fn x_axis_name(x_label: &str) -> String {
    match x_label.trim() {
        "" | "step" => "step".into(),
        "time" | "t" => "time t = η·step".into(),
        other => other.into(),
    }
}

/// `title` unless empty, else `default`.
pub(crate) fn title_or(title: &str, default: &str) -> String {
    if title.trim().is_empty() {
        default.into()
    } else {
        title.into()
    }
}
