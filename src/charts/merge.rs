//! Merging nets by adding weights: per-task metrics of each net (bars), and
//! measured output change against input overlap with the derived bound.

use super::axis::{fmt_num, padded_range, Axis, Scale};
use super::frame::{self, Ce, Glyph, LegendEntry};
use super::lines::{axis_label, draw_line_plot, LinePlot, PlotLine};
use super::palette::{series_color, Dash, Marker, SeriesStyle, BLACK, BLUE, MARKERS, VERMILLION};
use super::{title_or, ChartError, ChartReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::{Deserialize, Serialize};

/// One metric of several nets on several tasks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MergeBarsData {
    /// Chart title; empty for "`metric` of each net on each task".
    #[serde(default)]
    pub title: String,
    /// Task names (groups on the x axis), e.g. ["task a", "task b"].
    pub tasks: Vec<String>,
    /// Net names (one bar per net in each group), e.g. ["a", "b", "sum", "mean"].
    pub nets: Vec<String>,
    /// `values[net][task]`.
    pub values: Vec<Vec<f64>>,
    /// What is measured, with units, e.g. "test loss" or "accuracy".
    pub metric: String,
    /// Log y axis (values ≤ 0 are listed as skipped).
    #[serde(default)]
    pub log_y: bool,
}

/// Grouped bars: for each task (group on the x axis) one bar per net
/// (colour = net, legend) of `data.metric`; `data.values[net][task]`.
/// Shows e.g. that the summed net does about as well on each task as the net
/// trained on it. Non-finite values (and ≤ 0 on a log axis) are not drawn
/// and are reported.
pub fn draw_merge_bars<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &MergeBarsData) -> Result<ChartReport, ChartError> {
    let metric = if data.metric.is_empty() { "value" } else { data.metric.as_str() };
    let title = title_or(&data.title, &format!("{} of each net on each task", capitalize(metric)));
    let scale = if data.log_y { Scale::Log10 } else { Scale::Linear };
    let mut report = ChartReport::default();
    let (nn, nt) = (data.nets.len(), data.tasks.len());
    if data.values.len() > nn {
        report
            .skipped
            .push(format!("{} value rows without a net name skipped", data.values.len() - nn));
    }
    // bars: (net, task, transformed value)
    let mut bars: Vec<(usize, usize, f64)> = vec![];
    for (ni, net) in data.nets.iter().enumerate() {
        let row = data.values.get(ni).map(|r| r.as_slice()).unwrap_or(&[]);
        let (mut missing, mut nonfinite, mut nonpos) = (0, 0, 0);
        for ti in 0..nt {
            match row.get(ti) {
                None => missing += 1,
                Some(&v) if !v.is_finite() => nonfinite += 1,
                Some(&v) => match scale.tf(v) {
                    Some(u) => bars.push((ni, ti, u)),
                    None => nonpos += 1,
                },
            }
        }
        if row.len() > nt {
            report
                .skipped
                .push(format!("net {net}: {} values without a task name skipped", row.len() - nt));
        }
        if missing > 0 {
            report.skipped.push(format!("net {net}: {missing} tasks without a value"));
        }
        if nonfinite > 0 {
            report.skipped.push(format!("net {net}: {nonfinite} non-finite values skipped"));
        }
        if nonpos > 0 {
            report
                .skipped
                .push(format!("net {net}: {nonpos} values ≤ 0 not shown on the log axis"));
        }
    }
    let many = nn > 4;
    let legend: Vec<LegendEntry> = data
        .nets
        .iter()
        .enumerate()
        // Legend entries are nets (the x axis holds the tasks): say so.
        .map(|(i, n)| LegendEntry {
            label: format!("net {n}"),
            glyph: Glyph::Box {
                fill: series_color(i),
                stroke: BLACK,
                marker: many.then_some(MARKERS[i % MARKERS.len()]),
            },
        })
        .collect();
    if bars.is_empty() {
        if let Some(lay) = frame::layout(area, &title, &[], &report.skipped)? {
            frame::message(&lay.body, &lay.fonts, frame::NO_DATA)?;
        } else {
            report.skipped.push("chart area too small to draw".into());
        }
        return Ok(report);
    }
    let include_zero = if scale.is_log() { None } else { Some(0.0) };
    let (y0, y1) = padded_range(bars.iter().map(|b| b.2).chain(include_zero), scale, 0.06).unwrap_or((0.0, 1.0));
    // linear bars start exactly at 0 when all values are ≥ 0
    let y0 = if !scale.is_log() && bars.iter().all(|b| b.2 >= 0.0) {
        0.0
    } else {
        y0
    };
    let Some(lay) = frame::layout(area, &title, &legend, &report.skipped)? else {
        report.skipped.push("chart area too small to draw".into());
        return Ok(report);
    };
    let xa = Axis::categories(data.tasks.clone());
    let ya = Axis::new(y0, y1.max(y0 + f64::MIN_POSITIVE), scale, 8);
    let chart = frame::axes(&lay.body, &lay.fonts, xa, ya, "task", &axis_label(metric, scale), false)?;
    let ya = chart.as_coord_spec().y_spec().clone();
    let base = if scale.is_log() { ya.lo } else { 0.0f64.clamp(ya.lo, ya.hi) };
    let slot = 0.8 / nn.max(1) as f64;
    let body = &lay.body;
    for &(ni, ti, u) in &bars {
        let xl = ti as f64 + 0.1 + ni as f64 * slot;
        let xr = xl + slot * 0.92;
        let top = u.clamp(ya.lo, ya.hi);
        let a = frame::px(&chart, body, (xl, base));
        let b = frame::px(&chart, body, (xr, top));
        let (l, r) = (a.0.min(b.0), a.0.max(b.0));
        let (t, btm) = (a.1.min(b.1), a.1.max(b.1));
        let color = series_color(ni);
        body.draw(&Rectangle::new([(l, t), (r, btm)], color.filled())).ce()?;
        body.draw(&Rectangle::new([(l, t), (r, btm)], BLACK.stroke_width(1))).ce()?;
        if many && r - l >= 10 && btm - t >= 14 {
            frame::draw_marker(body, ((l + r) / 2, btm - 8), MARKERS[ni % MARKERS.len()], BLACK, 4)?;
        }
        // value label above (or below, for negative bars) when it fits
        let v = if scale.is_log() { 10f64.powf(u) } else { u };
        let label = fmt_num(v);
        let size = lay.fonts.tick * 0.8;
        // Only inside the bar's own slot (bar plus its gap), so neighbours never overlap.
        let slot_px = ((r - l) as f64 / 0.92).floor() as i32;
        if frame::text_w(&label, size) <= slot_px - 2 {
            let (y, vpos) = if u >= base || scale.is_log() {
                (t - 2, VPos::Bottom)
            } else {
                (btm + 2, VPos::Top)
            };
            frame::text(body, &label, ((l + r) / 2, y), &frame::font(size, BLACK, HPos::Center, vpos))?;
        }
    }
    Ok(report)
}

/// Measured output change of a merged net against the measured input
/// overlap between tasks, with the bound derived in this lab.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MergeOverlapData {
    /// Chart title; empty for the default.
    #[serde(default)]
    pub title: String,
    /// e.g. "input overlap ‖P_A X_B‖ / ‖X_B‖".
    pub x_label: String,
    /// e.g. "output change ‖f_sum − f_B‖ / ‖f_B‖".
    pub y_label: String,
    /// Measured (overlap, output change) pairs.
    pub points: Vec<(f64, f64)>,
    /// The derived bound as (overlap, bound) points (drawn as a line).
    pub bound: Vec<(f64, f64)>,
    /// Log x axis.
    #[serde(default)]
    pub log_x: bool,
    /// Log y axis.
    #[serde(default)]
    pub log_y: bool,
}

/// Scatter of the measured output change against the measured input overlap
/// (blue circles, "measured"), with the derived bound as a dashed vermillion
/// line ("bound (derived here, not the paper's constant)"); points should lie
/// below the line.
pub fn draw_merge_overlap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &MergeOverlapData) -> Result<ChartReport, ChartError> {
    let title = title_or(&data.title, "Output change of the summed net vs input overlap of the tasks");
    let x_label = if data.x_label.is_empty() { "input overlap" } else { &data.x_label };
    let y_label = if data.y_label.is_empty() { "output change" } else { &data.y_label };
    let xs = if data.log_x { Scale::Log10 } else { Scale::Linear };
    let ys = if data.log_y { Scale::Log10 } else { Scale::Linear };
    let mut plot = LinePlot::new(&title, x_label, y_label, xs, ys);
    plot.x_pad = 0.04;
    let mut measured = PlotLine::new(
        "measured",
        data.points.clone(),
        SeriesStyle {
            color: BLUE,
            dash: Dash::Solid,
            marker: Some(Marker::Circle),
            width: 2,
        },
    );
    measured.connect = false;
    plot.lines.push(measured);
    let mut bound = PlotLine::new(
        "bound (derived here, not the paper's constant)",
        data.bound.clone(),
        SeriesStyle {
            color: VERMILLION,
            dash: Dash::Dashed,
            marker: None,
            width: 2,
        },
    );
    bound.what = "bound".into();
    bound.sort_x = true;
    plot.lines.push(bound);
    draw_line_plot(area, &plot)
}

/// First letter in upper case; ASCII only (the labels are English words, and
/// a leading Greek symbol such as λ must stay as it is).
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => std::iter::once(f.to_ascii_uppercase()).chain(c).collect(),
        None => String::new(),
    }
}
