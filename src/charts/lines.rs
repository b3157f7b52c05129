//! Internal engine for line / scatter charts: validates points, computes
//! padded ranges, draws guides, reference curves, series, legend and notes.

use super::axis::{padded_range, Axis, Scale};
use super::frame::{self, LegendEntry};
use super::palette::SeriesStyle;
use super::{ChartError, ChartReport};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One data series of a line plot (points in data space).
#[derive(Clone, Debug)]
pub(crate) struct PlotLine {
    /// Legend label (empty: not in the legend).
    pub label: String,
    /// Name used in notes about skipped points.
    pub what: String,
    pub points: Vec<(f64, f64)>,
    pub style: SeriesStyle,
    /// Connect points with a line (false: scatter).
    pub connect: bool,
    /// Marker on every point (otherwise about ten per long series).
    pub all_markers: bool,
    /// Whether the points set the axis ranges.
    pub in_range: bool,
    /// Whether dropped points are listed in the report.
    pub report: bool,
    /// Sort points by x before drawing (sweeps).
    pub sort_x: bool,
}

impl PlotLine {
    pub(crate) fn new(label: impl Into<String>, points: Vec<(f64, f64)>, style: SeriesStyle) -> PlotLine {
        let label = label.into();
        PlotLine {
            what: label.clone(),
            label,
            points,
            style,
            connect: true,
            all_markers: false,
            in_range: true,
            report: true,
            sort_x: false,
        }
    }
}

/// A horizontal or vertical reference line at a data value.
#[derive(Clone, Debug)]
pub(crate) struct Guide {
    pub label: String,
    pub at: f64,
    pub style: SeriesStyle,
    /// Whether the guide must be inside the axis range.
    pub in_range: bool,
}

/// A reference curve u_y = f(u_x) in transformed coordinates, drawn over
/// the visible x range (it does not set the ranges).
pub(crate) struct Curve {
    pub label: String,
    pub style: SeriesStyle,
    pub f: Box<dyn Fn(f64) -> Option<f64>>,
}

pub(crate) struct LinePlot {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_scale: Scale,
    pub y_scale: Scale,
    pub lines: Vec<PlotLine>,
    pub hlines: Vec<Guide>,
    pub vlines: Vec<Guide>,
    pub curves: Vec<Curve>,
    /// Data values that must be inside the x / y range.
    pub x_include: Vec<f64>,
    pub y_include: Vec<f64>,
    /// Padding of each range, as a fraction of the span.
    pub x_pad: f64,
    pub y_pad: f64,
    /// Extra notes (skipped data found by the caller).
    pub skipped: Vec<String>,
    pub extra_legend: Vec<LegendEntry>,
    /// Shown instead of "no data yet" when nothing can be drawn because the
    /// chart is undefined (not because data is still to come).
    pub empty_message: Option<String>,
}

impl LinePlot {
    pub(crate) fn new(title: &str, x_label: &str, y_label: &str, x: Scale, y: Scale) -> Self {
        LinePlot {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_scale: x,
            y_scale: y,
            lines: vec![],
            hlines: vec![],
            vlines: vec![],
            curves: vec![],
            x_include: vec![],
            y_include: vec![],
            x_pad: 0.0,
            y_pad: 0.05,
            skipped: vec![],
            extra_legend: vec![],
            empty_message: None,
        }
    }

    /// One line per series, in the palette's order for `series.len()` lines
    /// (the per-layer and per-task charts' lines).
    pub(crate) fn push_series(&mut self, series: &[super::Series]) {
        let n = series.len();
        for (i, s) in series.iter().enumerate() {
            self.lines
                .push(PlotLine::new(s.name.clone(), s.points.clone(), super::palette::series_style(i, n)));
        }
    }
}

/// Add " (log)" to an axis label of a log axis unless it already says so.
pub(crate) fn axis_label(label: &str, scale: Scale) -> String {
    if scale.is_log() && !label.to_ascii_lowercase().contains("log") {
        format!("{label} (log)")
    } else {
        label.to_string()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Valid transformed points of a series split into runs (a dropped point
/// breaks the line), plus notes about what was dropped.
pub(crate) fn transform_points(
    what: &str,
    pts: &[(f64, f64)],
    xs: Scale,
    ys: Scale,
    sort_x: bool,
    notes: Option<&mut Vec<String>>,
) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![];
    let mut cur: Vec<(f64, f64)> = vec![];
    let (mut nonfinite, mut bad_x, mut bad_y) = (0usize, 0usize, 0usize);
    for &(x, y) in pts {
        if !(x.is_finite() && y.is_finite()) {
            nonfinite += 1;
        } else {
            match (xs.tf(x), ys.tf(y)) {
                (Some(u), Some(v)) => {
                    cur.push((u, v));
                    continue;
                }
                (None, _) => bad_x += 1,
                (_, None) => bad_y += 1,
            }
        }
        if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    if sort_x {
        let mut all: Vec<(f64, f64)> = runs.into_iter().flatten().collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        runs = if all.is_empty() { vec![] } else { vec![all] };
    }
    if let Some(notes) = notes {
        if nonfinite > 0 {
            notes.push(format!(
                "{what}: {} skipped",
                plural(nonfinite, "non-finite value", "non-finite values")
            ));
        }
        if bad_x > 0 {
            notes.push(format!(
                "{what}: {} with x ≤ 0 not shown on the log x axis",
                plural(bad_x, "point", "points")
            ));
        }
        if bad_y > 0 {
            notes.push(format!(
                "{what}: {} with y ≤ 0 not shown on the log y axis",
                plural(bad_y, "point", "points")
            ));
        }
    }
    runs
}

/// Draw a line plot; see [`LinePlot`].
pub(crate) fn draw_line_plot<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, plot: &LinePlot) -> Result<ChartReport, ChartError> {
    let mut report = ChartReport {
        skipped: plot.skipped.clone(),
    };
    let mut data: Vec<Vec<Vec<(f64, f64)>>> = Vec::with_capacity(plot.lines.len());
    for l in &plot.lines {
        let notes = if l.report { Some(&mut report.skipped) } else { None };
        data.push(transform_points(&l.what, &l.points, plot.x_scale, plot.y_scale, l.sort_x, notes));
    }
    let has_data = plot
        .lines
        .iter()
        .zip(&data)
        .any(|(l, d)| l.in_range && d.iter().any(|r| !r.is_empty()));

    let x_label = axis_label(&plot.x_label, plot.x_scale);
    let y_label = axis_label(&plot.y_label, plot.y_scale);

    if !has_data {
        let Some(lay) = frame::layout(area, &plot.title, &[], &report.skipped)? else {
            return Ok(report);
        };
        frame::message(&lay.body, &lay.fonts, plot.empty_message.as_deref().unwrap_or(frame::NO_DATA))?;
        return Ok(report);
    }

    // ranges
    let in_range_pts = || {
        plot.lines
            .iter()
            .zip(&data)
            .filter(|(l, _)| l.in_range)
            .flat_map(|(_, d)| d.iter().flatten().copied())
    };
    let xs = in_range_pts()
        .map(|p| p.0)
        .chain(plot.x_include.iter().filter_map(|&v| plot.x_scale.tf(v)))
        .chain(plot.vlines.iter().filter(|g| g.in_range).filter_map(|g| plot.x_scale.tf(g.at)));
    let (x0, x1) = padded_range(xs, plot.x_scale, plot.x_pad).unwrap_or((0.0, 1.0));
    let ys = in_range_pts()
        .map(|p| p.1)
        .chain(plot.y_include.iter().filter_map(|&v| plot.y_scale.tf(v)))
        .chain(plot.hlines.iter().filter(|g| g.in_range).filter_map(|g| plot.y_scale.tf(g.at)));
    let (y0, y1) = padded_range(ys, plot.y_scale, plot.y_pad).unwrap_or((0.0, 1.0));

    // legend
    let mut legend: Vec<LegendEntry> = vec![];
    for l in &plot.lines {
        if !l.label.is_empty() {
            let g = if l.connect {
                frame::Glyph::Line(l.style)
            } else {
                frame::Glyph::Marker(l.style.color, l.style.marker.unwrap_or(super::palette::Marker::Circle))
            };
            legend.push(LegendEntry {
                label: l.label.clone(),
                glyph: g,
            });
        }
    }
    for c in &plot.curves {
        if !c.label.is_empty() {
            legend.push(LegendEntry::line(c.label.clone(), c.style));
        }
    }
    for g in plot.hlines.iter().chain(&plot.vlines) {
        if !g.label.is_empty() && !legend.iter().any(|e| e.label == g.label) {
            legend.push(LegendEntry::line(g.label.clone(), g.style));
        }
    }
    legend.extend(plot.extra_legend.iter().cloned());

    let Some(lay) = frame::layout(area, &plot.title, &legend, &report.skipped)? else {
        report.skipped.push("chart area too small to draw".into());
        return Ok(report);
    };
    let xa = Axis::new(x0, x1, plot.x_scale, 8);
    let ya = Axis::new(y0, y1, plot.y_scale, 8);
    let chart = frame::axes(&lay.body, &lay.fonts, xa, ya, &x_label, &y_label, true)?;
    let xa = chart.as_coord_spec().x_spec().clone();
    let ya = chart.as_coord_spec().y_spec().clone();

    // guides
    for g in &plot.hlines {
        if let Some(u) = plot.y_scale.tf(g.at) {
            if ya.contains(u) {
                frame::draw_series(&chart, &lay.body, &[(xa.lo, u), (xa.hi, u)], &g.style, true, &[])?;
            }
        }
    }
    for g in &plot.vlines {
        if let Some(u) = plot.x_scale.tf(g.at) {
            if xa.contains(u) {
                frame::draw_series(&chart, &lay.body, &[(u, ya.lo), (u, ya.hi)], &g.style, true, &[])?;
            }
        }
    }
    // data
    for (si, (l, runs)) in plot.lines.iter().zip(&data).enumerate() {
        for r in runs {
            let idx = if l.style.marker.is_some() || !l.connect {
                frame::marker_indices(r.len(), si, l.all_markers || !l.connect)
            } else {
                vec![]
            };
            let mut st = l.style;
            if !l.connect && st.marker.is_none() {
                st.marker = Some(super::palette::Marker::Circle);
            }
            // a lone point (or all points equal) of a line series gets a marker
            let lone = r.iter().all(|p| *p == r[0]);
            if l.connect && lone && st.marker.is_none() {
                st.marker = Some(super::palette::Marker::Circle);
                frame::draw_series(&chart, &lay.body, r, &st, false, &[0])?;
                continue;
            }
            frame::draw_series(&chart, &lay.body, r, &st, l.connect, &idx)?;
        }
    }
    // reference curves, on top of the data so a curve the data follows exactly stays visible
    for c in &plot.curves {
        let n = 256;
        let mut run: Vec<(f64, f64)> = vec![];
        let mut runs = vec![];
        for i in 0..=n {
            let u = xa.lo + (xa.hi - xa.lo) * i as f64 / n as f64;
            match (c.f)(u) {
                Some(v) if v.is_finite() => run.push((u, v)),
                _ => {
                    if !run.is_empty() {
                        runs.push(std::mem::take(&mut run));
                    }
                }
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        let mut st = c.style;
        st.marker = None;
        for r in runs {
            frame::draw_series(&chart, &lay.body, &r, &st, true, &[])?;
        }
    }
    Ok(report)
}
