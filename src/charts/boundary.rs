//! Decision regions of nets on a planar (2-D input) task.

use super::axis::{pad_range, Axis, Scale};
use super::frame::{self, Ce, Glyph, LegendEntry};
use super::palette::{lighten, Marker, BLACK, BLUE, VERMILLION};
use super::{ChartError, ChartReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// One net's output on a grid over the plane, plus the training points.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BoundaryData {
    /// Panel title, e.g. "net a", "net b", "a + b (merged)".
    pub title: String,
    /// Grid resolution per side (typically 200).
    pub grid: usize,
    /// Plotted region (x0, x1, y0, y1) in input units (x = p1, y = p2).
    pub extent: (f64, f64, f64, f64),
    /// Net output f at the grid cell centres: grid × grid values, row-major
    /// with y outer: `values[iy * grid + ix]`, cell centre
    /// (x0 + (ix + ½)(x1 − x0)/grid, y0 + (iy + ½)(y1 − y0)/grid).
    pub values: Vec<f64>,
    /// Training points (p1, p2, label ±1).
    pub points: Vec<(f64, f64, f64)>,
}

const POS: RGBColor = BLUE;
const NEG: RGBColor = VERMILLION;

fn region_colour(class: i8) -> RGBColor {
    match class {
        1 => lighten(POS, 0.72),
        -1 => lighten(NEG, 0.72),
        _ => RGBColor(0xDD, 0xDD, 0xDD),
    }
}

fn legend() -> Vec<LegendEntry> {
    vec![
        LegendEntry {
            label: "f > 0 (predicts +1)".into(),
            glyph: Glyph::Box {
                fill: region_colour(1),
                stroke: lighten(BLACK, 0.5),
                marker: None,
            },
        },
        LegendEntry {
            label: "f < 0 (predicts −1)".into(),
            glyph: Glyph::Box {
                fill: region_colour(-1),
                stroke: lighten(BLACK, 0.5),
                marker: None,
            },
        },
        LegendEntry {
            label: "training point, label +1".into(),
            glyph: Glyph::Marker(POS, Marker::Circle),
        },
        LegendEntry {
            label: "training point, label −1".into(),
            glyph: Glyph::Marker(NEG, Marker::Triangle),
        },
    ]
}

/// Decision regions of one net on a planar task: grid cells filled light
/// blue where the net output f > 0 and light vermillion where f < 0, with
/// the training points on top (blue circles: label +1, vermillion
/// triangles: label −1). Axes are the two input coordinates (p1, p2).
pub fn draw_boundary<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &BoundaryData) -> Result<ChartReport, ChartError> {
    panel(area, data, &panel_title("", data), &legend(), false)
}

/// A panel's title: its data's (or a generic one), after `prefix` and " — " when one is given.
fn panel_title(prefix: &str, data: &BoundaryData) -> String {
    let own = if data.title.is_empty() {
        "Decision regions of the net"
    } else {
        data.title.as_str()
    };
    if prefix.is_empty() {
        own.to_string()
    } else {
        super::compare::titled(prefix, own)
    }
}

/// Several nets' decision regions side by side (e.g. net a, net b, merged),
/// one [`draw_boundary`] panel per entry of `data`, with one shared legend
/// below. The report lists what every panel skipped (prefixed by its title).
pub fn draw_boundaries<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &[BoundaryData]) -> Result<ChartReport, ChartError> {
    draw_boundary_rows(area, &[("", data)])
}

/// The panels of `rows` (a title prefix, e.g. a compared run's label, or "", and its
/// panels), one row of panels each (all rows as wide as the longest;
/// in an area taller than wide, one column each), under one title and legend: [`draw_boundaries`] is one row; a comparison puts
/// run A's row over run B's (`draw_boundaries_compared`).
pub(crate) fn draw_boundary_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[(&str, &[BoundaryData])],
) -> Result<ChartReport, ChartError> {
    let title = "Decision regions of each net (colour = sign of the output)";
    let mut report = ChartReport::default();
    let cols = rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    if cols == 0 {
        if let Some(lay) = frame::layout(area, title, &[], &[])? {
            frame::message(&lay.body, &lay.fonts, frame::NO_DATA)?;
        } else {
            report.skipped.push("chart area too small to draw".into());
        }
        return Ok(report);
    }
    let Some(lay) = frame::layout_with(area, title, &legend(), &[], true)? else {
        report.skipped.push("chart area too small to draw".into());
        return Ok(report);
    };
    // A tall area (a phone's card) turns the grid: each row of panels becomes a column.
    let (w, h) = lay.body.dim_in_pixel();
    let turned = w < h;
    let cells = if turned {
        lay.body.split_evenly((cols, rows.len()))
    } else {
        lay.body.split_evenly((rows.len(), cols))
    };
    for (ri, (prefix, row)) in rows.iter().enumerate() {
        for (i, d) in row.iter().enumerate() {
            let p = if turned {
                &cells[i * rows.len() + ri]
            } else {
                &cells[ri * cols + i]
            };
            let title = panel_title(prefix, d);
            let r = panel(p, d, &title, &[], true)?;
            let name = if d.title.is_empty() {
                format!("panel {}", ri * cols + i + 1)
            } else {
                title
            };
            report.skipped.extend(r.skipped.into_iter().map(|s| format!("{name}: {s}")));
        }
    }
    Ok(report)
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &BoundaryData,
    title: &str,
    legend: &[LegendEntry],
    compact: bool,
) -> Result<ChartReport, ChartError> {
    let mut report = ChartReport::default();
    let (ex0, ex1, ey0, ey1) = data.extent;
    let extent_ok = [ex0, ex1, ey0, ey1].iter().all(|v| v.is_finite()) && ex0 < ex1 && ey0 < ey1;
    let g = data.grid;
    let regions_ok = !data.values.is_empty() && g > 0 && g.checked_mul(g) == Some(data.values.len()) && extent_ok;
    if !data.values.is_empty() && !regions_ok {
        if !extent_ok {
            report
                .skipped
                .push(format!("extent ({ex0}, {ex1}, {ey0}, {ey1}) invalid: regions not drawn"));
        } else {
            report.skipped.push(format!(
                "{} grid values for grid {g} (expected {}): regions not drawn",
                data.values.len(),
                g.checked_mul(g).map(|n| n.to_string()).unwrap_or_else(|| "too many".into())
            ));
        }
    }
    let nan_cells = if regions_ok {
        data.values.iter().filter(|v| !v.is_finite()).count()
    } else {
        0
    };
    if nan_cells > 0 {
        report.skipped.push(format!("{nan_cells} non-finite grid values left blank"));
    }
    let mut pts: Vec<(f64, f64, i8)> = vec![];
    let (mut bad_pt, mut bad_label) = (0, 0);
    for &(x, y, l) in &data.points {
        if !(x.is_finite() && y.is_finite()) {
            bad_pt += 1;
        } else if !l.is_finite() || l == 0.0 {
            bad_label += 1;
        } else {
            pts.push((x, y, if l > 0.0 { 1 } else { -1 }));
        }
    }
    if bad_pt > 0 {
        report.skipped.push(format!("{bad_pt} points with non-finite coordinates skipped"));
    }
    if bad_label > 0 {
        report
            .skipped
            .push(format!("{bad_label} points with label 0 or non-finite skipped"));
    }
    // ranges: extent ∪ points
    let mut xr: Option<(f64, f64)> = extent_ok.then_some((ex0, ex1));
    let mut yr: Option<(f64, f64)> = extent_ok.then_some((ey0, ey1));
    if !pts.is_empty() {
        let px0 = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let px1 = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        let py0 = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let py1 = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let (px0, px1) = pad_range(px0, px1, Scale::Linear, 0.04);
        let (py0, py1) = pad_range(py0, py1, Scale::Linear, 0.04);
        let union = |r: Option<(f64, f64)>, a: f64, b: f64| match r {
            Some((lo, hi)) if lo <= a && hi >= b => Some((lo, hi)),
            Some((lo, hi)) => Some((lo.min(a), hi.max(b))),
            None => Some((a, b)),
        };
        xr = union(xr, px0, px1);
        yr = union(yr, py0, py1);
    }
    let (Some(xr), Some(yr)) = (xr, yr) else {
        if let Some(lay) = frame::layout(area, title, &[], &report.skipped)? {
            frame::message(&lay.body, &lay.fonts, frame::NO_DATA)?;
        } else {
            report.skipped.push("chart area too small to draw".into());
        }
        return Ok(report);
    };
    if !regions_ok && pts.is_empty() {
        if let Some(lay) = frame::layout(area, title, &[], &report.skipped)? {
            frame::message(&lay.body, &lay.fonts, frame::NO_DATA)?;
        }
        return Ok(report);
    }
    let lay = if compact {
        frame::layout_with(area, title, legend, &report.skipped, true)?
    } else {
        frame::layout(area, title, legend, &report.skipped)?
    };
    let Some(lay) = lay else {
        report.skipped.push("chart area too small to draw".into());
        return Ok(report);
    };
    let (x0, x1) = pad_range(xr.0, xr.1, Scale::Linear, 0.0);
    let (y0, y1) = pad_range(yr.0, yr.1, Scale::Linear, 0.0);
    let chart = frame::axes(
        &lay.body,
        &lay.fonts,
        Axis::new(x0, x1, Scale::Linear, 6),
        Axis::new(y0, y1, Scale::Linear, 6),
        "input p₁",
        "input p₂",
        true,
    )?;
    let body = &lay.body;
    if regions_ok {
        let dx = (ex1 - ex0) / g as f64;
        let dy = (ey1 - ey0) / g as f64;
        let class = |v: f64| -> Option<i8> {
            if !v.is_finite() {
                None
            } else if v > 0.0 {
                Some(1)
            } else if v < 0.0 {
                Some(-1)
            } else {
                Some(0)
            }
        };
        for iy in 0..g {
            let row = &data.values[iy * g..(iy + 1) * g];
            let ya = ey0 + iy as f64 * dy;
            let yb = if iy + 1 == g { ey1 } else { ya + dy };
            let mut ix = 0;
            while ix < g {
                let c = class(row[ix]);
                let mut k = ix + 1;
                while k < g && class(row[k]) == c {
                    k += 1;
                }
                if let Some(c) = c {
                    let xa = ex0 + ix as f64 * dx;
                    let xb = if k == g { ex1 } else { ex0 + k as f64 * dx };
                    let a = frame::px(&chart, body, (xa, ya));
                    let b = frame::px(&chart, body, (xb, yb));
                    body.draw(&Rectangle::new(
                        [(a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1))],
                        region_colour(c).filled(),
                    ))
                    .ce()?;
                }
                ix = k;
            }
        }
    }
    for &(x, y, l) in &pts {
        let p = frame::px(&chart, body, (x, y));
        let (m, c) = if l > 0 { (Marker::Circle, POS) } else { (Marker::Triangle, NEG) };
        frame::draw_marker(body, p, m, BLACK, 5)?;
        frame::draw_marker(body, p, m, c, 4)?;
    }
    // redraw the frame line over the filled cells
    let (xr_px, yr_px) = chart.plotting_area().get_pixel_range();
    let (bx, by) = body.get_base_pixel();
    body.draw(&Rectangle::new(
        [(xr_px.start - bx, yr_px.start - by), (xr_px.end - bx - 1, yr_px.end - by - 1)],
        BLACK.mix(0.7).stroke_width(1),
    ))
    .ce()?;
    Ok(report)
}
