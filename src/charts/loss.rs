//! Training-loss curves.

use super::axis::Scale;
use super::lines::{draw_line_plot, LinePlot};
use super::{title_or, x_axis_name, ChartError, ChartReport, Series};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// Loss curves: one series per task ("a", "b", …) or per merged net.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LossData {
    /// Chart title; empty for the default "Training loss per task (log scale)".
    #[serde(default)]
    pub title: String,
    /// "step" or "time" (shown as "time t = η·step"), or any other axis name.
    pub x_label: String,
    /// Series of (step or time, loss) points; loss must be > 0 to show on
    /// the log axis.
    pub series: Vec<Series>,
}

/// Training loss over steps (or time t = η·step) on a log y axis, one line
/// per series of `data.series` (points are (x, loss), loss > 0; non-positive
/// and non-finite losses are skipped and reported).
pub fn draw_loss<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &LossData) -> Result<ChartReport, ChartError> {
    draw_line_plot(area, &loss_plot(data))
}

/// The plot [`draw_loss`] draws (also overlaid with a second run's: `compare`).
pub(crate) fn loss_plot(data: &LossData) -> LinePlot {
    let title = title_or(&data.title, "Training loss per task (log scale)");
    let mut plot = LinePlot::new(&title, &x_axis_name(&data.x_label), "loss", Scale::Linear, Scale::Log10);
    plot.push_series(&data.series);
    plot
}
