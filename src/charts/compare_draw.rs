//! Every snapshot chart's two-run form (the page's Compare): each
//! `draw_x_compared` draws runs A and B in one chart, overlaid
//! ([`super::compare::overlay`]: A solid, B dashed, legend names both) where
//! lines read, side by side ([`super::compare::side_by_side`]) where they do not.

use super::alignment::{alignment_gap_plot, alignment_plot, stationarity_plot, AlignmentData, StationarityData};
use super::compare::{overlay, side_by_side, CompareLabels};
use super::lines::{draw_line_plot, LinePlot};
use super::{BoundaryData, ChartError, ChartReport, MergeBarsData, SpectrumHistory};
use plotters::coord::Shift;
use plotters::prelude::*;

fn overlaid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: LinePlot,
    b: LinePlot,
    labels: &CompareLabels,
) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &overlay(a, b, labels))
}

/// `draw_x_compared(area, a, b, labels)`: chart x of `a` and `b` overlaid.
macro_rules! overlaid_charts {
    ($($(#[doc = $doc:literal])* $name:ident($data:ty) = $plot:path;)*) => {$(
        $(#[doc = $doc])*
        pub fn $name<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, a: &$data, b: &$data, labels: &CompareLabels) -> Result<ChartReport, ChartError> {
            overlaid(area, $plot(a), $plot(b), labels)
        }
    )*};
}

overlaid_charts! {
    /// [`super::draw_loss`] of two runs.
    draw_loss_compared(super::LossData) = super::loss::loss_plot;
    /// [`super::draw_spectrum`] of two runs.
    draw_spectrum_compared(super::SpectrumData) = super::spectrum::spectrum_plot;
    /// [`super::draw_norms`] of two runs.
    draw_norms_compared(super::NormsData) = super::norms::norms_plot;
    /// [`super::draw_balance`] of two runs (each with its own e^{−2λt} line where λ differs).
    draw_balance_compared(super::BalanceData) = super::norms::balance_plot;
    /// [`super::draw_norm_identity`] of two runs.
    draw_norm_identity_compared(super::NormIdentityData) = super::norm_identity::norm_identity_plot;
    /// [`super::draw_outside_span`] of two runs (each with its own reference where ηλ differs).
    draw_outside_span_compared(super::OutsideSpanData) = super::outside_span::outside_span_plot;
    /// [`super::draw_sweep`] of two runs.
    draw_sweep_compared(super::SweepData) = super::ranks::sweep_plot;
}

/// The instantaneous lines only: the averaged ones are dashed in the one-run chart, which
/// B's dash would collide with.
fn instantaneous(d: &AlignmentData) -> AlignmentData {
    let mut d = d.clone();
    for l in &mut d.layers {
        l.ema.clear();
    }
    d
}

/// [`super::draw_alignment_gap`] of two runs (instantaneous values: A solid, B dashed).
pub fn draw_alignment_gap_compared<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: &AlignmentData,
    b: &AlignmentData,
    labels: &CompareLabels,
) -> Result<ChartReport, ChartError> {
    overlaid(
        area,
        alignment_gap_plot(&instantaneous(a)),
        alignment_gap_plot(&instantaneous(b)),
        labels,
    )
}

/// [`super::draw_alignment_panels`] of two runs: each panel overlaid (instantaneous alignment).
pub fn draw_alignment_panels_compared<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: (&AlignmentData, &StationarityData),
    b: (&AlignmentData, &StationarityData),
    labels: &CompareLabels,
) -> Result<ChartReport, ChartError> {
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = area.split_vertically(h as i32 / 2);
    let mut r = overlaid(
        &top,
        alignment_plot(&instantaneous(a.0)),
        alignment_plot(&instantaneous(b.0)),
        labels,
    )?;
    r.skipped
        .extend(overlaid(&bottom, stationarity_plot(a.1), stationarity_plot(b.1), labels)?.skipped);
    Ok(r)
}

/// [`super::draw_spectrum_strips`] of two runs side by side (heat strips do not overlay);
/// each strip's layer name says its run ("W1 · A").
pub fn draw_spectrum_strips_compared<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: &[SpectrumHistory],
    b: &[SpectrumHistory],
    _labels: &CompareLabels,
) -> Result<ChartReport, ChartError> {
    let named = |h: &[SpectrumHistory], run: &str| -> Vec<SpectrumHistory> {
        h.iter()
            .map(|s| SpectrumHistory {
                layer: format!("{} · {run}", s.layer),
                ..s.clone()
            })
            .collect()
    };
    let (a, b) = (named(a, "A"), named(b, "B"));
    side_by_side(area, |l| super::draw_spectrum_strips(l, &a), |r| super::draw_spectrum_strips(r, &b))
}

/// [`super::draw_merge_bars`] of two runs side by side (bars do not overlay), each titled
/// with its run; a run without a merge report (one task) leaves its half with a note.
pub fn draw_merge_bars_compared<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: Option<&MergeBarsData>,
    b: Option<&MergeBarsData>,
    labels: &CompareLabels,
) -> Result<ChartReport, ChartError> {
    let titled = |d: Option<&MergeBarsData>, label: &str| {
        // Short titles: two halves of one card.
        d.map(|d| MergeBarsData {
            title: super::compare::titled(label, &format!("{} on each task", d.metric)),
            ..d.clone()
        })
    };
    let (a, b) = (titled(a, &labels.a), titled(b, &labels.b));
    let half = |area: &DrawingArea<DB, Shift>, d: &Option<MergeBarsData>, label: &str| match d {
        Some(d) => super::draw_merge_bars(area, d),
        None => {
            let mut r = ChartReport::default();
            if let Some(lay) = super::frame::layout(area, label, &[], &[])? {
                super::frame::message(&lay.body, &lay.fonts, "one task: nothing merged")?;
            } else {
                r.skipped.push("chart area too small to draw".into());
            }
            Ok(r)
        }
    };
    side_by_side(area, |l| half(l, &a, &labels.a), |r| half(r, &b, &labels.b))
}

/// Decision regions of run A's nets (top row) over run B's (bottom row), each
/// panel's title led by its run's label; B without panels for this task (not
/// planar there, or fewer tasks) leaves its row empty and says so.
pub fn draw_boundaries_compared<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    a: &[BoundaryData],
    b: Option<&[BoundaryData]>,
    labels: &CompareLabels,
) -> Result<ChartReport, ChartError> {
    // The titles are prefixed as drawn: no copy of the grids.
    let mut report = super::boundary::draw_boundary_rows(area, &[(&labels.a, a), (&labels.b, b.unwrap_or_default())])?;
    if b.is_none() {
        report.skipped.push(format!("{}: no decision boundaries for this task", labels.b));
    }
    Ok(report)
}
