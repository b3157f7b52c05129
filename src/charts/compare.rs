//! Two runs in one chart (the page's Compare: run B beside run A, differing
//! in a few config keys). Line charts are overlaid: A's lines as they are, B's
//! in the same colours with another dash, so colour still says which layer or
//! series and the line style says which run; two legend entries say what
//! differs ("A: λ = 0.02", "B: λ = 0"). Charts where two sets of lines would
//! not read (heat strips, bars) are drawn side by side, each half titled with
//! its run.

use super::frame::LegendEntry;
use super::lines::LinePlot;
use super::palette::{Dash, SeriesStyle, GREY_LINE};
use super::{ChartError, ChartReport};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// What differs between runs A and B, as the legend says it, e.g. a = "A: λ = 0.02", b = "B: λ = 0".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareLabels {
    pub a: String,
    pub b: String,
}

/// B's dash for a line A draws with `dash`: never the same, so the runs stay apart.
pub(crate) fn other_dash(dash: Dash) -> Dash {
    match dash {
        Dash::Solid => Dash::Dashed,
        Dash::Dashed | Dash::Dotted => Dash::Dotted,
    }
}

/// `a` with `b`'s lines added: B's in A's colours with [`other_dash`], out of the
/// legend (two entries, a solid and a dashed grey line, name the runs); B's
/// reference curves and guides only where they differ from A's (by label),
/// suffixed " (B)". Each line's name in skip notes says its run. The axes
/// take both runs' points and includes; notes are both runs'.
pub(crate) fn overlay(mut a: LinePlot, b: LinePlot, labels: &CompareLabels) -> LinePlot {
    for l in &mut a.lines {
        l.what = format!("{} (A)", l.what);
    }
    for mut l in b.lines {
        l.what = format!("{} (B)", l.what);
        l.label = String::new();
        l.style.dash = other_dash(l.style.dash);
        a.lines.push(l);
    }
    for mut c in b.curves {
        if !a.curves.iter().any(|x| x.label == c.label) {
            if !c.label.is_empty() {
                c.label = format!("{} (B)", c.label);
            }
            c.style.dash = other_dash(c.style.dash);
            a.curves.push(c);
        }
    }
    for (mine, theirs) in [(&mut a.hlines, b.hlines), (&mut a.vlines, b.vlines)] {
        for mut g in theirs {
            if !mine.iter().any(|x| x.label == g.label && x.at == g.at) {
                if !g.label.is_empty() {
                    g.label = format!("{} (B)", g.label);
                }
                g.style.dash = other_dash(g.style.dash);
                mine.push(g);
            }
        }
    }
    a.x_include.extend(b.x_include);
    a.y_include.extend(b.y_include);
    a.skipped.extend(b.skipped.into_iter().map(|s| format!("B: {s}")));
    let run = |dash| SeriesStyle {
        color: GREY_LINE,
        dash,
        marker: None,
        width: 2,
    };
    a.extra_legend.push(LegendEntry::line(labels.a.clone(), run(Dash::Solid)));
    a.extra_legend.push(LegendEntry::line(labels.b.clone(), run(Dash::Dashed)));
    a
}

/// Runs A and B side by side: the left half drawn by `draw_a`, the right by
/// `draw_b` (each draws its own run's chart, whose title names the run); the
/// report lists both halves' notes, B's marked.
pub(crate) fn side_by_side<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    draw_a: impl FnOnce(&DrawingArea<DB, Shift>) -> Result<ChartReport, ChartError>,
    draw_b: impl FnOnce(&DrawingArea<DB, Shift>) -> Result<ChartReport, ChartError>,
) -> Result<ChartReport, ChartError> {
    let (w, _) = area.dim_in_pixel();
    let (left, right) = area.split_horizontally(w as i32 / 2);
    let mut r = draw_a(&left)?;
    r.skipped.extend(draw_b(&right)?.skipped.into_iter().map(|s| format!("B: {s}")));
    Ok(r)
}

/// "A: λ = 0.02 — " before a chart title (the halves of [`side_by_side`]).
pub(crate) fn titled(label: &str, title: &str) -> String {
    format!("{label} — {title}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::axis::Scale;
    use crate::charts::lines::PlotLine;
    use crate::charts::palette::series_style;

    fn plot(points: Vec<(f64, f64)>) -> LinePlot {
        let mut p = LinePlot::new("t", "x", "y", Scale::Linear, Scale::Log10);
        p.lines.push(PlotLine::new("W1", points, series_style(0, 1)));
        p.y_include = vec![1.0];
        p
    }

    #[test]
    fn b_takes_a_s_colours_another_dash_and_no_legend_entry_of_its_own() {
        let labels = CompareLabels {
            a: "A: λ = 0.02".into(),
            b: "B: λ = 0".into(),
        };
        let o = overlay(plot(vec![(0.0, 1.0), (1.0, 0.5)]), plot(vec![(0.0, 1.0), (1.0, 1.0)]), &labels);
        assert_eq!(o.lines.len(), 2);
        let (a, b) = (&o.lines[0], &o.lines[1]);
        assert_eq!(a.style.color, b.style.color);
        assert_eq!((a.style.dash, b.style.dash), (Dash::Solid, Dash::Dashed));
        assert_eq!((a.label.as_str(), b.label.as_str()), ("W1", ""));
        assert_eq!((a.what.as_str(), b.what.as_str()), ("W1 (A)", "W1 (B)"));
        assert_eq!(b.points, vec![(0.0, 1.0), (1.0, 1.0)]);
        let legend: Vec<&str> = o.extra_legend.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(legend, vec!["A: λ = 0.02", "B: λ = 0"]);
        assert_eq!(o.y_include, vec![1.0, 1.0]);
    }
}
