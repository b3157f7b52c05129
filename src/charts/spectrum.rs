//! Singular-value spectra: per layer at one moment ([`draw_spectrum`]) and
//! over training as a heat strip ([`draw_spectrum_strip`]).

use super::axis::{Axis, Scale};
use super::frame::{self, Ce};
use super::lines::{draw_line_plot, Guide, LinePlot, PlotLine};
use super::palette::{series_color, Dash, SeriesStyle, BLACK, MARKERS};
use super::{x_axis_name, ChartError, ChartReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::{Deserialize, Serialize};

/// Singular values of one weight matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerSpectrum {
    /// Layer name, e.g. "W1".
    pub name: String,
    /// σ₁ ≥ σ₂ ≥ … ≥ 0 (descending).
    pub singular_values: Vec<f64>,
}

/// Spectra of all layers at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpectrumData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// One spectrum per layer.
    pub layers: Vec<LayerSpectrum>,
    /// Known bound n on the rank (e.g. the number of task directions): a
    /// vertical line "rank ≤ n" is drawn between index n and n + 1.
    #[serde(default)]
    pub rank_bound: Option<usize>,
    /// Numerical-rank tolerance per layer (same order as `layers`): σᵢ below
    /// it count as zero; drawn as a dashed horizontal line.
    #[serde(default)]
    pub tolerance: Option<Vec<f64>>,
}

/// Singular values σᵢ of each layer against their index i (1-based) on a
/// log y axis, one line with markers per layer of `data.layers`; optional
/// vertical "rank ≤ n" line and per-layer dashed tolerance lines. Exact zeros
/// (σ ≤ 0) cannot be shown on the log axis and are reported.
pub fn draw_spectrum<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &SpectrumData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &spectrum_plot(data))
}

/// The plot [`draw_spectrum`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn spectrum_plot(data: &SpectrumData) -> LinePlot {
    let title = super::title_or(&data.title, "Singular values σᵢ of each weight matrix (log scale)");
    let mut plot = LinePlot::new(&title, "index i", "σᵢ (log)", Scale::Linear, Scale::Log10);
    plot.x_pad = 0.02;
    let mut max_len = 0usize;
    for (li, l) in data.layers.iter().enumerate() {
        let mut pts = Vec::with_capacity(l.singular_values.len());
        let mut zeros = 0;
        for (i, &s) in l.singular_values.iter().enumerate() {
            if s.is_finite() && s <= 0.0 {
                zeros += 1;
            } else {
                pts.push(((i + 1) as f64, s));
            }
        }
        if zeros > 0 {
            plot.skipped.push(format!(
                "{}: {zeros} singular value{} ≤ 0 not shown on the log axis",
                l.name,
                if zeros == 1 { "" } else { "s" }
            ));
        }
        max_len = max_len.max(l.singular_values.len());
        let style = SeriesStyle {
            color: series_color(li),
            dash: Dash::Solid,
            marker: Some(MARKERS[li % MARKERS.len()]),
            width: 2,
        };
        let mut line = PlotLine::new(l.name.clone(), pts, style);
        line.all_markers = l.singular_values.len() <= 64;
        plot.lines.push(line);
    }
    if max_len > 0 {
        plot.x_include = vec![0.5, max_len as f64 + 0.5];
    }
    if let Some(n) = data.rank_bound {
        plot.vlines.push(Guide {
            label: format!("rank ≤ {n}"),
            at: n as f64 + 0.5,
            style: SeriesStyle {
                color: BLACK,
                dash: Dash::Dashed,
                marker: None,
                width: 2,
            },
            in_range: true,
        });
    }
    if let Some(tol) = &data.tolerance {
        for (li, (l, &t)) in data.layers.iter().zip(tol.iter()).enumerate() {
            if t.is_finite() && t > 0.0 {
                plot.hlines.push(Guide {
                    label: format!("{} rank tolerance", l.name),
                    at: t,
                    style: SeriesStyle {
                        color: series_color(li),
                        dash: Dash::Dotted,
                        marker: None,
                        width: 2,
                    },
                    in_range: true,
                });
            } else {
                plot.skipped
                    .push(format!("{}: tolerance {t} not shown (must be finite and > 0)", l.name));
            }
        }
    }
    plot
}

/// Spectra of one layer at several moments of training.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpectrumHistory {
    /// Layer name, e.g. "W1".
    pub layer: String,
    /// "step" or "time" (shown as "time t = η·step"); empty means "step".
    #[serde(default)]
    pub x_label: String,
    /// Moment of each snapshot (steps or time), same length as `spectra`.
    pub times: Vec<f64>,
    /// Singular values (descending) at each moment.
    pub spectra: Vec<Vec<f64>>,
    /// A vertical cursor at this x (the page's time slider when rewound), or None.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<f64>,
}

/// Clip level of the heat strip: log10 σᵢ/σ₁ below this shows as this.
pub const STRIP_FLOOR: f64 = -16.0;
const LEVELS: f64 = 48.0;

fn viridis(z: f64) -> RGBColor {
    // z in [STRIP_FLOOR, 0] → [0, 1]
    let h = if z.is_finite() {
        ((z - STRIP_FLOOR) / -STRIP_FLOOR).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ViridisRGB::get_color(h)
}

/// The spectrum of one layer over training as a heat strip: x = step or time,
/// y = index i (σ₁ at the top), colour = log10(σᵢ/σ₁) clipped at 10⁻¹⁶
/// (viridis: yellow = as large as σ₁, dark = negligible). Shows the rank
/// collapsing as the rows below the surviving directions turn dark.
/// `data.times[j]` is the moment of `data.spectra[j]`.
pub fn draw_spectrum_strip<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &SpectrumHistory) -> Result<ChartReport, ChartError> {
    strip(area, data, true)
}

/// One strip; `bar`: with its own colour bar (stacked strips share one).
fn strip<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &SpectrumHistory, bar: bool) -> Result<ChartReport, ChartError> {
    let name = if data.layer.is_empty() { "layer" } else { data.layer.as_str() };
    let title = format!("Spectrum of {name} over training: σᵢ/σ₁ (colour, log)");
    let mut report = ChartReport::default();
    let nt = data.times.len();
    let ns = data.spectra.len();
    if nt != ns {
        report.skipped.push(format!(
            "{name}: {} times but {} spectra; {} unmatched skipped",
            nt,
            ns,
            nt.abs_diff(ns)
        ));
    }
    // columns: (time, cells z or NaN)
    let mut cols: Vec<(f64, Vec<f64>)> = Vec::new();
    let (mut bad_t, mut bad_s1, mut bad_cells) = (0usize, 0usize, 0usize);
    for (&t, s) in data.times.iter().zip(&data.spectra) {
        if !t.is_finite() {
            bad_t += 1;
            continue;
        }
        let s1 = s.iter().copied().filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
        if !(s1.is_finite() && s1 > 0.0) {
            bad_s1 += 1;
            continue;
        }
        let z: Vec<f64> = s
            .iter()
            .map(|&v| {
                if !v.is_finite() {
                    bad_cells += 1;
                    f64::NAN
                } else if v <= 0.0 {
                    STRIP_FLOOR
                } else {
                    (v / s1).log10().clamp(STRIP_FLOOR, 0.0)
                }
            })
            .collect();
        cols.push((t, z));
    }
    if bad_t > 0 {
        report
            .skipped
            .push(format!("{name}: {bad_t} snapshots with non-finite time skipped"));
    }
    if bad_s1 > 0 {
        report
            .skipped
            .push(format!("{name}: {bad_s1} snapshots without a finite σ₁ > 0 skipped"));
    }
    if bad_cells > 0 {
        report.skipped.push(format!("{name}: {bad_cells} non-finite σᵢ skipped"));
    }
    cols.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_max = cols.iter().map(|c| c.1.len()).max().unwrap_or(0);
    if cols.is_empty() || n_max == 0 {
        if let Some(lay) = frame::layout(area, &title, &[], &report.skipped)? {
            frame::message(&lay.body, &lay.fonts, frame::NO_DATA)?;
        }
        return Ok(report);
    }
    // keep the SVG light: at most ~600 snapshots
    let max_cols = 600;
    if cols.len() > max_cols {
        let k = cols.len().div_ceil(max_cols);
        let total = cols.len();
        let last = cols.last().cloned();
        cols = cols.into_iter().step_by(k).collect();
        if let Some(l) = last {
            if cols.last().map(|c| c.0) != Some(l.0) {
                cols.push(l);
            }
        }
        report.skipped.push(format!("{name}: showing every {k}th of {total} snapshots"));
    }
    // column edges at midpoints
    let m = cols.len();
    let mut edges = Vec::with_capacity(m + 1);
    if m == 1 {
        let t = cols[0].0;
        let d = if t == 0.0 { 0.5 } else { t.abs() * 0.05 };
        edges.push(t - d);
        edges.push(t + d);
    } else {
        let first_gap = cols[1].0 / 2.0 - cols[0].0 / 2.0;
        edges.push(cols[0].0 - first_gap);
        for j in 0..m - 1 {
            edges.push(cols[j].0 / 2.0 + cols[j + 1].0 / 2.0);
        }
        let last_gap = cols[m - 1].0 / 2.0 - cols[m - 2].0 / 2.0;
        edges.push(cols[m - 1].0 + last_gap);
    }
    for e in edges.iter_mut() {
        *e = e.clamp(-f64::MAX, f64::MAX);
    }
    let Some(lay) = frame::layout(area, &title, &[], &report.skipped)? else {
        report.skipped.push("chart area too small to draw".into());
        return Ok(report);
    };
    let (bw, _) = lay.body.dim_in_pixel();
    let bar_w = if bar { 96.min(bw as i32 / 4) } else { 0 };
    let (plot_area, bar_area) = lay.body.split_horizontally(bw as i32 - bar_w);
    let (x0, x1) = super::axis::pad_range(edges[0], edges[m], Scale::Linear, 0.0);
    let xa = Axis::new(x0, x1, Scale::Linear, 8);
    let ya = Axis::new(0.5, n_max as f64 + 0.5, Scale::Linear, 8).integer_ticks().reversed();
    let x_label = x_axis_name(if data.x_label.is_empty() { "step" } else { &data.x_label });
    let chart = frame::axes(&plot_area, &lay.fonts, xa, ya, &x_label, "index i (σ₁ at top)", false)?;
    // cells, merged along rows where the quantised colour repeats
    let q = |z: f64| -> Option<i64> {
        if z.is_finite() {
            Some(((z - STRIP_FLOOR) / -STRIP_FLOOR * LEVELS).round() as i64)
        } else {
            None
        }
    };
    let plot = chart.plotting_area();
    // (level, row, first column, column after the last)
    let mut runs: Vec<(i64, usize, usize, usize)> = Vec::new();
    for i in 0..n_max {
        let mut j = 0;
        while j < m {
            let level = cols[j].1.get(i).copied().and_then(q);
            let mut k = j + 1;
            while k < m && cols[k].1.get(i).copied().and_then(q) == level {
                k += 1;
            }
            if let Some(l) = level {
                runs.push((l, i, j, k));
            }
            j = k;
        }
    }
    // Colour by colour: the cells do not overlap, and a canvas then sets each
    // fill colour once, not once per cell (src/web/backend.rs).
    runs.sort_by_key(|r| r.0);
    for (l, i, j, k) in runs {
        let z = STRIP_FLOOR + (l as f64 / LEVELS) * -STRIP_FLOOR;
        let y0 = i as f64 + 0.5;
        plot.draw(&Rectangle::new([(edges[j], y0), (edges[k], y0 + 1.0)], viridis(z).filled()))
            .ce()?;
    }
    // The time slider's cursor: a white line edged in black, visible on every colour.
    if let Some(x) = data.cursor.filter(|x| x.is_finite()) {
        let (lo, hi) = (x0.min(x1), x0.max(x1));
        if (lo..=hi).contains(&x) {
            let line = vec![(x, 0.5), (x, n_max as f64 + 0.5)];
            plot.draw(&PathElement::new(line.clone(), BLACK.stroke_width(4))).ce()?;
            plot.draw(&PathElement::new(line, WHITE.stroke_width(2))).ce()?;
        } else {
            report.skipped.push(format!("{name}: cursor at {x} outside the history"));
        }
    }
    drop(chart);
    if bar {
        colour_bar(&bar_area, &lay.fonts)?;
    }
    Ok(report)
}

/// Vertical colour bar for log10 σᵢ/σ₁ from 0 (top) to STRIP_FLOOR.
fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fonts: &frame::Fonts) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let top = 34;
    let bottom = h - (fonts.tick * 1.1) as i32 - 10 - (fonts.desc * 1.2) as i32 - 6;
    if bottom - top < 30 || w < 30 {
        return Ok(());
    }
    let x0 = 8;
    let x1 = 8 + (w / 5).clamp(10, 18);
    frame::text(
        area,
        "σᵢ/σ₁",
        (x0, top - 8),
        &frame::font(fonts.tick, BLACK, HPos::Left, VPos::Bottom),
    )?;
    let steps = 64;
    for s in 0..steps {
        let ya = top + (bottom - top) * s / steps;
        let yb = top + (bottom - top) * (s + 1) / steps;
        let z = -STRIP_FLOOR * -(s as f64 + 0.5) / steps as f64;
        area.draw(&Rectangle::new([(x0, ya), (x1, yb)], viridis(z).filled())).ce()?;
    }
    area.draw(&Rectangle::new([(x0, top), (x1, bottom)], BLACK.mix(0.6).stroke_width(1)))
        .ce()?;
    for e in [0, -4, -8, -12, -16] {
        let y = top + ((bottom - top) as f64 * (e as f64 / STRIP_FLOOR)) as i32;
        let label = if e == 0 {
            "1".to_string()
        } else {
            Axis::new(-16.0, 0.0, Scale::Log10, 5).label(e as f64)
        };
        let label = if e == -16 { format!("≤{label}") } else { label };
        area.draw(&PathElement::new(vec![(x1, y), (x1 + 4, y)], BLACK)).ce()?;
        frame::text(
            area,
            &label,
            (x1 + 6, y),
            &frame::font(fonts.tick * 0.9, BLACK, HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}

/// Several layers' spectrum strips stacked vertically (one
/// [`draw_spectrum_strip`] per entry of `data`, same shapes/units).
pub fn draw_spectrum_strips<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &[SpectrumHistory],
) -> Result<ChartReport, ChartError> {
    if data.is_empty() {
        let mut report = ChartReport::default();
        if let Some(lay) = frame::layout(area, "Spectra over training", &[], &[])? {
            frame::message(&lay.body, &lay.fonts, frame::NO_DATA)?;
        } else {
            report.skipped.push("chart area too small to draw".into());
        }
        return Ok(report);
    }
    let mut report = ChartReport::default();
    if data.len() == 1 {
        return draw_spectrum_strip(area, &data[0]);
    }
    // One colour bar on the right for all strips: a third of the height is
    // too short for a bar of its own (it used to be left out).
    let (w, _) = area.dim_in_pixel();
    let bar_w = 96.min(w as i32 / 5);
    let (panels, bar_area) = area.split_horizontally(w as i32 - bar_w);
    for (panel, h) in panels.split_evenly((data.len(), 1)).iter().zip(data) {
        let r = strip(panel, h, false)?;
        report.skipped.extend(r.skipped);
    }
    bar_area.fill(&plotters::style::WHITE).ce()?;
    colour_bar(&bar_area, &frame::Fonts::for_size(w, area.dim_in_pixel().1))?;
    Ok(report)
}
