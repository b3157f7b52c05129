//! The sweep's workers' export: one grid point trained to the end, its record
//! returned (`www/point-worker.js`; the page's pool runs one per core).

use super::config::parse;
use super::err;
use crate::config::Config;
use crate::run::sweep::{self, Point};
use crate::run::sweep_record::Record;
use wasm_bindgen::prelude::*;

/// A point as the page's `SweepStore::points_json` lists it.
#[derive(serde::Deserialize)]
struct PointText {
    index: usize,
    assignments: Vec<(String, String)>,
    config: Config,
}

/// Train the point `point_json` (one entry of `SweepStore::points_json`) to the
/// end as `lowrank-lab sweep` does (GD in span coordinates), and return its
/// record line (`run::sweep_record`), which the page's `SweepStore` checks
/// against its plan before it takes it.
#[wasm_bindgen]
pub fn sweep_point(point_json: &str) -> Result<String, JsError> {
    let p: PointText = serde_json::from_str(point_json).map_err(err)?;
    let cfg = parse(&p.config.to_json())?;
    let point = Point {
        index: p.index,
        assignments: p.assignments,
        config: cfg.config().clone(),
    };
    let row = sweep::run_point(&point, false).map_err(err)?;
    Ok(Record::new(&point, false, row).to_line())
}
