//! Internal chart furniture shared by every chart: title, legend, notes about
//! skipped data, "no data yet" message, axes with mesh, and pixel-space
//! drawing of clipped lines and markers.

use super::axis::Axis;
use super::palette::{Dash, Marker, SeriesStyle, GREY_LINE, GREY_TEXT};
use super::ChartError;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Convert plotters' generic drawing errors to [`ChartError`].
pub(crate) trait Ce<T> {
    fn ce(self) -> Result<T, ChartError>;
}

impl<T, E: std::error::Error + Send + Sync> Ce<T> for Result<T, DrawingAreaErrorKind<E>> {
    fn ce(self) -> Result<T, ChartError> {
        self.map_err(|e| ChartError::Backend(e.to_string()))
    }
}

pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// Font sizes (plotters units; SVG shows them at size / 1.24 px).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fonts {
    pub title: f64,
    pub desc: f64,
    pub tick: f64,
    pub legend: f64,
    pub note: f64,
}

thread_local! {
    /// Device pixels per CSS pixel of the surface being drawn (see [`super::with_pixel_ratio`]).
    static PIXEL_RATIO: std::cell::Cell<f64> = const { std::cell::Cell::new(1.0) };
}

/// The pixel ratio charts are currently drawn at.
pub(crate) fn pixel_ratio() -> f64 {
    PIXEL_RATIO.with(|r| r.get())
}

pub(crate) fn set_pixel_ratio(r: f64) -> f64 {
    PIXEL_RATIO.with(|c| c.replace(r))
}

impl Fonts {
    pub(crate) fn for_size(w: u32, h: u32) -> Fonts {
        // Text is sized for the CSS size of the surface, then scaled to device pixels.
        let r = pixel_ratio();
        let s = ((w.min(h * 2) as f64 / r) / 800.0).clamp(0.75, 1.0) * r;
        Fonts {
            title: 22.0 * s,
            desc: 17.0 * s,
            tick: 15.0 * s,
            legend: 15.0 * s,
            note: 14.0 * s,
        }
    }
}

/// Conservative estimate of the rendered width of `s` in pixels.
pub(crate) fn text_w(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size * 0.5).ceil() as i32
}

/// `s` cut to at most `max` characters (with an ellipsis).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub(crate) fn font(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: ("sans-serif", size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// Draw text at pixel position (relative to `area`).
pub(crate) fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> Result<(), ChartError> {
    if s.is_empty() {
        return Ok(());
    }
    area.draw(&Text::new(s.to_string(), at, style.clone())).ce()
}

/// What a legend row shows next to its label.
#[derive(Clone, Debug)]
pub(crate) enum Glyph {
    /// A short line in the series style (with its marker, if any).
    Line(SeriesStyle),
    /// Only a marker.
    Marker(RGBColor, Marker),
    /// A filled box with an outline (bars, regions), optionally with a marker.
    Box {
        fill: RGBColor,
        stroke: RGBColor,
        marker: Option<Marker>,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub glyph: Glyph,
}

impl LegendEntry {
    pub(crate) fn line(label: impl Into<String>, style: SeriesStyle) -> Self {
        LegendEntry {
            label: label.into(),
            glyph: Glyph::Line(style),
        }
    }
}

/// The area left for the plot after title, legend and notes.
pub(crate) struct Layout<DB: DrawingBackend> {
    pub body: DrawingArea<DB, Shift>,
    pub fonts: Fonts,
}

const GLYPH_W: i32 = 30;

/// Lay out a chart: white background, title on top, notes (skipped data) at
/// the bottom, legend on the right (wide areas) or below the plot (narrow
/// ones). Returns None (after drawing a short message) when the area is too
/// small for a plot.
pub(crate) fn layout<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
    notes: &[String],
) -> Result<Option<Layout<DB>>, ChartError> {
    layout_with(area, title, legend, notes, false)
}

/// [`layout`], optionally forcing the legend below the plot.
pub(crate) fn layout_with<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
    notes: &[String],
    legend_below: bool,
) -> Result<Option<Layout<DB>>, ChartError> {
    area.fill(&WHITE).ce()?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let fonts = Fonts::for_size(w.max(0) as u32, h.max(0) as u32);

    // title: one line, shrunk to fit the width down to 80% of its size, else
    // wrapped (two lines at 80%, at most three at 9 px) rather than cut
    let chars = title.chars().count().max(1) as f64;
    let fit = |size: f64| ((w - 12).max(1) as f64 / (0.5 * size)) as usize;
    let one = fonts.title.min((w - 12).max(1) as f64 / (0.5 * chars));
    let (ts, lines) = if one >= fonts.title * 0.8 || (one < 9.0 && fonts.title * 0.8 < 9.0) {
        (one.max(9.0), vec![title.to_string()])
    } else {
        let ts = (fonts.title * 0.8).max(9.0);
        let two = wrap_label(title, fit(ts));
        if two.len() <= 2 {
            (ts, two)
        } else {
            let mut three = wrap_label(title, fit(9.0));
            if three.len() > 3 {
                let last = three[2..].join(" ");
                three.truncate(2);
                three.push(truncate(&last, fit(9.0)));
            }
            (9.0, three)
        }
    };
    let title_max = ((w - 8).max(0) as f64 / (ts * 0.5)) as usize;
    let line_h = (ts * 1.1) as i32;
    for (i, l) in lines.iter().enumerate() {
        text(
            area,
            &truncate(l, title_max),
            (w / 2, 6 + i as i32 * line_h),
            &font(ts, BLACK, HPos::Center, VPos::Top),
        )?;
    }
    let top = line_h * lines.len() as i32 + 12;

    // notes about skipped data, wrapped to at most 3 lines
    let ns = fonts.note;
    let max_chars = ((w - 12).max(10) as f64 / (ns * 0.5)) as usize;
    let lines = wrap_notes(notes, max_chars, 3);
    let line_h = ns as i32 + 3;
    let note_h = if lines.is_empty() { 0 } else { lines.len() as i32 * line_h + 6 };
    let note_style = font(ns, GREY_TEXT, HPos::Left, VPos::Top);
    for (i, l) in lines.iter().enumerate() {
        text(area, l, (6, h - note_h + 3 + i as i32 * line_h), &note_style)?;
    }

    // legend
    let ls = fonts.legend;
    let row_h = ls as i32 + 8;
    let mut right_w = 0;
    let mut bottom_h = 0;
    if !legend.is_empty() {
        let widest = legend.iter().map(|e| text_w(&e.label, ls)).max().unwrap_or(0);
        let body_h = h - top - note_h;
        if w >= 440 && !legend_below {
            let lw = (widest + GLYPH_W + 36).max(96).min((w as f64 * 0.34) as i32);
            let max_label = ((lw - GLYPH_W - 28).max(1) as f64 / (ls * 0.5)) as usize;
            let line_h = ls as i32 + 2;
            // entries with labels wrapped to at most two lines
            let mut rows: Vec<(Vec<String>, Option<Glyph>)> = legend
                .iter()
                .map(|e| (wrap_label(&e.label, max_label), Some(e.glyph.clone())))
                .collect();
            let height = |r: &[(Vec<String>, Option<Glyph>)]| -> i32 { r.iter().map(|(l, _)| row_h + (l.len() as i32 - 1) * line_h).sum() };
            let avail = body_h - 12;
            if height(&rows) > avail {
                let total = rows.len();
                while !rows.is_empty() && height(&rows) + row_h > avail {
                    rows.pop();
                }
                let hidden = total - rows.len();
                rows.push((vec![format!("… +{hidden} more")], None));
            }
            let x0 = w - lw + 4;
            let y0 = top + 4;
            let box_h = height(&rows) + 8;
            area.draw(&Rectangle::new(
                [(x0 - 2, y0 - 2), (w - 6, y0 + box_h)],
                GREY_LINE.mix(0.6).stroke_width(1),
            ))
            .ce()?;
            let mut y = y0 + 4;
            for (lines, glyph) in &rows {
                let yc = y + row_h / 2;
                if let Some(g) = glyph {
                    draw_glyph(area, g, (x0 + 4, yc))?;
                }
                for (k, l) in lines.iter().enumerate() {
                    text(
                        area,
                        l,
                        (x0 + 4 + GLYPH_W + 6, yc + k as i32 * line_h),
                        &font(ls, BLACK, HPos::Left, VPos::Center),
                    )?;
                }
                y += row_h + (lines.len() as i32 - 1) * line_h;
            }
            right_w = lw;
        } else {
            // flow layout below the plot
            let max_label = ((w - GLYPH_W - 24).max(1) as f64 / (ls * 0.5)) as usize;
            let mut rows: Vec<Vec<(String, Glyph)>> = vec![vec![]];
            let mut x = 6;
            for e in legend {
                let label = truncate(&e.label, max_label);
                let iw = GLYPH_W + 6 + text_w(&label, ls) + 14;
                if x + iw > w - 4 && !rows.last().map(|r| r.is_empty()).unwrap_or(true) {
                    rows.push(vec![]);
                    x = 6;
                }
                x += iw;
                if let Some(r) = rows.last_mut() {
                    r.push((label, e.glyph.clone()));
                }
            }
            let max_rows = (((h - top - note_h) / 2) / row_h).max(1) as usize;
            let hidden: usize = rows.iter().skip(max_rows).map(|r| r.len()).sum();
            rows.truncate(max_rows);
            bottom_h = rows.len() as i32 * row_h + 6;
            let y0 = h - note_h - bottom_h + 3;
            for (ri, row) in rows.iter().enumerate() {
                let y = y0 + ri as i32 * row_h + row_h / 2;
                let mut x = 6;
                for (label, glyph) in row {
                    draw_glyph(area, glyph, (x, y))?;
                    text(area, label, (x + GLYPH_W + 6, y), &font(ls, BLACK, HPos::Left, VPos::Center))?;
                    x += GLYPH_W + 6 + text_w(label, ls) + 14;
                }
            }
            if hidden > 0 {
                text(
                    area,
                    &format!("… +{hidden} more"),
                    (w - 6, y0 + row_h / 2),
                    &font(ls, GREY_TEXT, HPos::Right, VPos::Center),
                )?;
            }
        }
    }

    let bw = w - right_w;
    let bh = h - top - note_h - bottom_h;
    if bw < 90 || bh < 60 {
        text(
            area,
            "chart area too small",
            (w / 2, (h / 2).max(top)),
            &font(fonts.note, GREY_TEXT, HPos::Center, VPos::Center),
        )?;
        return Ok(None);
    }
    let body = area.clone().shrink((0, top), (bw, bh));
    Ok(Some(Layout { body, fonts }))
}

/// Split a legend label into lines of at most `max` characters, breaking at
/// spaces (a word longer than `max` is split inside): legends are never cut.
fn wrap_label(label: &str, max: usize) -> Vec<String> {
    let max = max.max(4);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in label.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        let fits = cur.chars().count() + usize::from(!cur.is_empty()) + word.len() <= max;
        if !fits && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        while word.len() > max {
            lines.push(word.drain(..max).collect());
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.extend(word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Join notes into at most `max_lines` lines of `max_chars` characters.
fn wrap_notes(notes: &[String], max_chars: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let max_chars = max_chars.max(10);
    let notes: Vec<String> = notes
        .iter()
        .enumerate()
        .map(|(i, n)| if i == 0 { format!("Not drawn: {n}") } else { n.clone() })
        .collect();
    for (i, n) in notes.iter().enumerate() {
        let piece = if cur.is_empty() { n.clone() } else { format!("; {n}") };
        if cur.chars().count() + piece.chars().count() > max_chars && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            if lines.len() == max_lines {
                let left = notes.len() - i;
                let last = lines.pop().unwrap_or_default();
                let tail = format!(" … (+{left} more notes)");
                let keep = max_chars.saturating_sub(tail.chars().count());
                lines.push(format!("{}{}", truncate(&last, keep), tail));
                return lines;
            }
            cur = n.clone();
        } else {
            cur.push_str(&piece);
        }
    }
    if !cur.is_empty() {
        lines.push(truncate(&cur, max_chars));
    }
    lines
}

/// Draw a legend glyph whose left-middle point is `at`.
pub(crate) fn draw_glyph<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, g: &Glyph, at: (i32, i32)) -> Result<(), ChartError> {
    let (x, y) = at;
    match g {
        Glyph::Line(s) => {
            draw_path_px(area, &[(x, y), (x + GLYPH_W, y)], s)?;
            if let Some(m) = s.marker {
                draw_marker(area, (x + GLYPH_W / 2, y), m, s.color, 4)?;
            }
        }
        Glyph::Marker(c, m) => draw_marker(area, (x + GLYPH_W / 2, y), *m, *c, 4)?,
        Glyph::Box { fill, stroke, marker } => {
            area.draw(&Rectangle::new([(x + 4, y - 6), (x + GLYPH_W - 4, y + 6)], fill.filled()))
                .ce()?;
            area.draw(&Rectangle::new([(x + 4, y - 6), (x + GLYPH_W - 4, y + 6)], stroke.stroke_width(1)))
                .ce()?;
            if let Some(m) = marker {
                draw_marker(area, (x + GLYPH_W / 2, y), *m, BLACK, 3)?;
            }
        }
    }
    Ok(())
}

/// Draw a polyline given in pixels (relative to `area`) in a series style.
pub(crate) fn draw_path_px<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    s: &SeriesStyle,
) -> Result<(), ChartError> {
    if pts.len() < 2 {
        return Ok(());
    }
    let st = s.color.stroke_width(s.width.max(1));
    match s.dash {
        Dash::Solid => area.draw(&PathElement::new(pts.to_vec(), st)).ce(),
        Dash::Dashed => area.draw(&DashedPathElement::new(pts.to_vec(), 8, 5, st)).ce(),
        Dash::Dotted => area.draw(&DashedPathElement::new(pts.to_vec(), 2, 4, st)).ce(),
    }
}

/// Draw a marker centred at pixel `c` (relative to `area`), radius `r`.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: (i32, i32),
    m: Marker,
    color: RGBColor,
    r: i32,
) -> Result<(), ChartError> {
    let (x, y) = c;
    match m {
        Marker::Circle => area.draw(&Circle::new((x, y), r, color.filled())).ce(),
        Marker::Square => area
            .draw(&Rectangle::new([(x - r + 1, y - r + 1), (x + r - 1, y + r - 1)], color.filled()))
            .ce(),
        Marker::Triangle => area
            .draw(&Polygon::new(
                vec![(x, y - r - 1), (x - r, y + r - 1), (x + r, y + r - 1)],
                color.filled(),
            ))
            .ce(),
        Marker::Diamond => area
            .draw(&Polygon::new(
                vec![(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)],
                color.filled(),
            ))
            .ce(),
        Marker::Cross => {
            let st = color.stroke_width(2);
            area.draw(&PathElement::new(vec![(x - r, y - r), (x + r, y + r)], st)).ce()?;
            area.draw(&PathElement::new(vec![(x - r, y + r), (x + r, y - r)], st)).ce()
        }
    }
}

/// `label` if it fits in `max` characters, else without its trailing
/// parenthetical ("index i (σ₁ at top)" → "index i"), else that part's last
/// word, the symbol ("i"), else cut: a short axis keeps a readable name
/// rather than "ind…".
pub(crate) fn fit_label(label: &str, max: usize) -> String {
    let short = match label.find(" (") {
        Some(i) if label.ends_with(')') => &label[..i],
        _ => label,
    };
    let symbol = short.rsplit(' ').next().unwrap_or(short);
    [label, short, symbol]
        .into_iter()
        .find(|c| c.chars().count() <= max)
        .map_or_else(|| truncate(label, max), str::to_string)
}

/// Grey centred message (e.g. "no data yet") in the middle of `area`.
pub(crate) fn message<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fonts: &Fonts, msg: &str) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let size = (fonts.desc * 1.2).min(w as f64 / (0.5 * msg.chars().count().max(1) as f64));
    text(
        area,
        msg,
        (w as i32 / 2, h as i32 / 2),
        &font(size.max(8.0), GREY_TEXT, HPos::Center, VPos::Center),
    )
}

/// The text shown when a chart has nothing valid to draw.
pub(crate) const NO_DATA: &str = "no data yet";

/// Build axes with tick labels, axis descriptions and a light grid inside
/// `body`. Tick counts adapt to the available pixels so labels don't overlap.
pub(crate) fn axes<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    fonts: &Fonts,
    mut x: Axis,
    mut y: Axis,
    x_label: &str,
    y_label: &str,
    x_grid: bool,
) -> Result<Chart<'a, DB>, ChartError> {
    let (bw, bh) = body.dim_in_pixel();
    let (bw, bh) = (bw as i32, bh as i32);
    let tick = fonts.tick;
    let desc = fonts.desc;
    let x_area = (tick * 1.1) as i32 + 10 + (desc * 1.2) as i32 + 6;
    let top_margin = 10;
    let plot_h = (bh - x_area - top_margin).max(10);
    let ny = ((plot_h as f64 / (tick * 2.6)) as usize).clamp(2, 8);
    y.set_ticks(ny);
    let y_tick_w = text_w(&"0".repeat(y.max_label_chars()), tick);
    let y_area = y_tick_w + 12 + (desc * 1.2) as i32 + 8;
    let right_margin = 16;
    let plot_w = (bw - y_area - right_margin - 4).max(10);
    for _ in 0..2 {
        let lw = text_w(&"0".repeat(x.max_label_chars()), tick) + 18;
        let nx = ((plot_w / lw.max(1)) as usize).clamp(2, 9);
        x.set_ticks(nx);
    }
    let x_desc = fit_label(x_label, (plot_w as f64 / (desc * 0.5)) as usize);
    let y_desc = fit_label(y_label, (plot_h as f64 / (desc * 0.5)) as usize);

    let mut chart = ChartBuilder::on(body)
        .margin_top(top_margin as u32)
        .margin_left(4)
        .margin_right(right_margin as u32)
        .x_label_area_size(x_area as u32)
        .y_label_area_size(y_area as u32)
        .build_cartesian_2d(x, y)
        .ce()?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(10)
        .y_labels(10)
        .label_style(("sans-serif", tick))
        .axis_desc_style(("sans-serif", desc))
        .axis_style(BLACK.mix(0.7))
        .bold_line_style(GREY_LINE.mix(0.25))
        .light_line_style(GREY_LINE.mix(0.1));
    if !x_grid {
        mesh.disable_x_mesh();
    }
    mesh.draw().ce()?;
    Ok(chart)
}

/// Pixel position (relative to `body`) of transformed point `p`.
pub(crate) fn px<DB: DrawingBackend>(chart: &Chart<'_, DB>, body: &DrawingArea<DB, Shift>, p: (f64, f64)) -> (i32, i32) {
    let (x, y) = chart.backend_coord(&p);
    let (bx, by) = body.get_base_pixel();
    (x - bx, y - by)
}

/// Clip a polyline (transformed coordinates) to the axis rectangle;
/// returns the visible pieces.
pub(crate) fn clip_polyline(pts: &[(f64, f64)], x: &Axis, y: &Axis) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    if pts.len() == 1 {
        if x.contains(pts[0].0) && y.contains(pts[0].1) {
            out.push(vec![pts[0]]);
        }
        return out;
    }
    for w in pts.windows(2) {
        match clip_segment(w[0], w[1], (x.lo, x.hi), (y.lo, y.hi)) {
            Some((a, b, a_moved, b_moved)) => {
                if cur.is_empty() || a_moved {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.push(a);
                }
                cur.push(b);
                if b_moved {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A clipped segment: endpoints and whether each was moved by clipping.
type Clipped = ((f64, f64), (f64, f64), bool, bool);

/// Liang–Barsky clipping of segment a→b; returns the clipped endpoints and
/// whether each was moved.
fn clip_segment(a: (f64, f64), b: (f64, f64), xr: (f64, f64), yr: (f64, f64)) -> Option<Clipped> {
    let dx = b.0 - a.0;
    let dy = b.1 - a.1;
    if !(dx.is_finite() && dy.is_finite()) {
        return None;
    }
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    let checks = [(-dx, a.0 - xr.0), (dx, xr.1 - a.0), (-dy, a.1 - yr.0), (dy, yr.1 - a.1)];
    for (p, q) in checks {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let pa = if t0 > 0.0 { (a.0 + t0 * dx, a.1 + t0 * dy) } else { a };
    let pb = if t1 < 1.0 { (a.0 + t1 * dx, a.1 + t1 * dy) } else { b };
    Some((pa, pb, t0 > 0.0, t1 < 1.0))
}

/// Keep at most ~4 points per pixel column (first, min, max, last) so huge
/// series stay light; visually lossless.
pub(crate) fn decimate(pts: &[(f64, f64)], x: &Axis, width_px: i32) -> Vec<(f64, f64)> {
    let w = width_px.max(1) as usize;
    if pts.len() <= 4 * w {
        return pts.to_vec();
    }
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(4 * w);
    let mut i = 0;
    while i < pts.len() {
        let col = |p: (f64, f64)| (x.frac(p.0) * w as f64).floor() as i64;
        let c = col(pts[i]);
        let mut j = i;
        let (mut imin, mut imax) = (i, i);
        while j < pts.len() && col(pts[j]) == c {
            if pts[j].1 < pts[imin].1 {
                imin = j;
            }
            if pts[j].1 > pts[imax].1 {
                imax = j;
            }
            j += 1;
        }
        let mut idx = vec![i, imin, imax, j - 1];
        idx.sort_unstable();
        idx.dedup();
        out.extend(idx.into_iter().map(|k| pts[k]));
        i = j;
    }
    out
}

/// Width of the plotting rectangle in pixels.
pub(crate) fn plot_width<DB: DrawingBackend>(chart: &Chart<'_, DB>) -> i32 {
    let (xr, _) = chart.plotting_area().get_pixel_range();
    xr.end - xr.start
}

/// Draw a polyline in transformed coordinates: clipped, decimated, in the
/// series style; markers at `marker_at` indices (into `pts`) when visible.
pub(crate) fn draw_series<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    body: &DrawingArea<DB, Shift>,
    pts: &[(f64, f64)],
    style: &SeriesStyle,
    connect: bool,
    marker_at: &[usize],
) -> Result<(), ChartError> {
    let xa = chart.as_coord_spec().x_spec().clone();
    let ya = chart.as_coord_spec().y_spec().clone();
    if connect && pts.len() >= 2 {
        let d = decimate(pts, &xa, plot_width(chart));
        for piece in clip_polyline(&d, &xa, &ya) {
            let p: Vec<(i32, i32)> = piece.iter().map(|&q| px(chart, body, q)).collect();
            draw_path_px(body, &p, style)?;
        }
    }
    if let Some(m) = style.marker {
        for &i in marker_at {
            if let Some(&q) = pts.get(i) {
                if xa.contains(q.0) && ya.contains(q.1) {
                    draw_marker(body, px(chart, body, q), m, style.color, 4)?;
                }
            }
        }
    }
    Ok(())
}

/// Indices at which to draw markers: all of them for short series, about
/// ten (staggered by series index so markers of different series don't sit
/// on top of each other) for long ones.
pub(crate) fn marker_indices(n: usize, series: usize, all: bool) -> Vec<usize> {
    if all || n <= 25 {
        return (0..n).collect();
    }
    let step = (n / 10).max(1);
    let offset = (series * step / 3 + step / 2) % step;
    (offset..n).step_by(step).collect()
}
