//! Every merge method against a swept parameter: one panel per measure
//! (e.g. accuracy on task a, then its output change), stacked, one line per
//! method with the same colour, dash and marker in every panel.

use super::ranks::{draw_sweep, SweepData};
use super::{ChartError, ChartReport};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};
use serde::{Deserialize, Serialize};

/// Stacked sweep panels that share their series (one per method, same order in each).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodSweepData {
    /// Top to bottom.
    pub panels: Vec<SweepData>,
}

/// The panels of `data` stacked in equal heights; the report lists what each skipped
/// (prefixed by its y label). No panels: "no data yet".
pub fn draw_method_sweep<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: &MethodSweepData) -> Result<ChartReport, ChartError> {
    if data.panels.is_empty() {
        return draw_sweep(area, &SweepData::default());
    }
    let mut report = ChartReport::default();
    for (part, panel) in area.split_evenly((data.panels.len(), 1)).iter().zip(&data.panels) {
        let r = draw_sweep(part, panel)?;
        report
            .skipped
            .extend(r.skipped.into_iter().map(|s| format!("{}: {s}", panel.y_label)));
    }
    Ok(report)
}
