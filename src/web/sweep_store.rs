//! The page's sweep: a plan (`run::sweep_plan`, the CLI's) and the records of
//! the points finished so far, which the page's pool of workers streams in
//! (`sweep_point` in the workers' builds). The table, the preset's claims, the
//! sweep charts, `sweep.csv` and `sweep.json` all come from here, by the
//! functions the CLI writes its sweep folder with.

use super::backend::PageBackend;
use super::draw::{draw_on_canvas, svg_of};
use super::err;
use crate::config::Config;
use crate::run::sweep::{self, Row};
use crate::run::sweep_charts::{self, SweepChart};
use crate::run::sweep_claims;
use crate::run::sweep_plan::{self, Plan};
use crate::run::sweep_record::Record;
use plotters::coord::Shift;
use plotters::prelude::DrawingArea;
use serde_json::json;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

/// The sweep of the page: its plan and the rows of the points finished so far.
#[wasm_bindgen]
pub struct SweepStore {
    plan: Plan,
    preset: Option<String>,
    meta: serde_json::Value,
    rows: BTreeMap<usize, Row>,
    charts: Vec<SweepChart>,
}

/// A number for the sweep's table: four significant digits (exponent form below 10⁻³ or from 10⁶).
fn short(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.abs() < 1e-3 || x.abs() >= 1e6 {
        return format!("{x:.3e}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

impl SweepStore {
    fn sorted_rows(&self) -> Vec<Row> {
        self.rows.values().cloned().collect()
    }

    fn plot(&self) -> Vec<String> {
        sweep_plan_plot(&self.meta)
    }

    fn chart(&self, name: &str) -> Result<&SweepChart, JsError> {
        self.charts
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| JsError::new(&format!("this sweep has no chart `{name}` (yet)")))
    }
}

fn sweep_plan_plot(meta: &serde_json::Value) -> Vec<String> {
    meta["plot"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

#[wasm_bindgen]
impl SweepStore {
    /// Plan `grid_json` (a JSON array of `key=v1;v2;…` axes; `[]`: the preset's
    /// own grid) over `config_json`, as `lowrank-lab sweep --preset P --grid …`
    /// would; refuses a bad axis or value (naming the point, field, range and
    /// value) and grids of more than `sweep_plan::PAGE_MAX_POINTS` points.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, preset: Option<String>, grid_json: &str) -> Result<SweepStore, JsError> {
        let base = Config::from_json(config_json).map_err(err)?;
        base.validate().map_err(err)?;
        let grid: Vec<String> = serde_json::from_str(grid_json).map_err(|e| JsError::new(&format!("grid: {e}")))?;
        let plan = sweep_plan::plan_for_page(base, preset.as_deref(), &grid).map_err(err)?;
        let meta = sweep_plan::meta(&plan, preset.as_deref(), None, false);
        Ok(SweepStore {
            plan,
            preset,
            meta,
            rows: BTreeMap::new(),
            charts: Vec::new(),
        })
    }

    /// The points to run, in index order: JSON [{index, label, assignments, config}]
    /// (each entry is what `sweep_point` takes).
    pub fn points_json(&self) -> Result<String, JsError> {
        let list: Vec<serde_json::Value> = self
            .plan
            .points
            .iter()
            .map(|p| {
                json!({
                    "index": p.index,
                    "label": sweep_claims::label(&p.assignments),
                    "assignments": p.assignments,
                    "config": p.config,
                })
            })
            .collect();
        serde_json::to_string(&list).map_err(err)
    }

    /// Take a finished point's record (from `sweep_point`); refuses a record
    /// that is not one of this plan's points as planned. Returns its index.
    pub fn add_record(&mut self, line: &str) -> Result<usize, JsError> {
        let rec = Record::parse(line).map_err(err)?;
        let point = self.plan.points.get(rec.index).ok_or_else(|| {
            JsError::new(&format!(
                "record for point {}, but the sweep has {} points",
                rec.index,
                self.plan.points.len()
            ))
        })?;
        rec.check(point, false).map_err(err)?;
        let row = rec.into_row();
        self.rows.insert(row.index, row);
        let methods = sweep_plan::methods_of(&self.meta);
        self.charts = sweep_charts::sweep_charts(&self.plan.axes, &self.sorted_rows(), &self.plot(), &methods);
        Ok(point.index)
    }

    /// What the page shows: JSON {done, total, complete, have: [indices],
    /// table: {head, rows: [[text]]}, claims: [claim results], charts: [{name,
    /// title, width, height}], collapsed: [point labels]}. Claims at points not
    /// finished yet are "waiting".
    pub fn view_json(&self) -> Result<String, JsError> {
        let methods = sweep_plan::methods_of(&self.meta);
        let keys = sweep_charts::chart_keys(&self.plot(), &methods);
        let mut head = vec!["point".to_string()];
        head.extend(keys.iter().cloned());
        let rows: Vec<Vec<String>> = self
            .rows
            .values()
            .map(|r| {
                let mut line = vec![sweep_claims::label(&r.assignments)];
                line.extend(keys.iter().map(|k| {
                    r.values
                        .iter()
                        .find(|(key, _)| key == k)
                        .map(|(_, v)| short(*v))
                        .unwrap_or_else(|| "—".into())
                }));
                line
            })
            .collect();
        let claims = match &self.preset {
            Some(p) if !self.rows.is_empty() => {
                let done: Vec<&Row> = self.rows.values().collect();
                sweep_claims::over_points(p, &self.plan.points, &done)
            }
            _ => Vec::new(),
        };
        let collapsed: Vec<String> = self
            .rows
            .values()
            .filter(|r| r.values.iter().any(|(k, v)| k.ends_with("collapsed") && *v == 1.0))
            .map(|r| sweep_claims::label(&r.assignments))
            .collect();
        let charts: Vec<serde_json::Value> = self
            .charts
            .iter()
            .map(|c| json!({"name": c.name, "title": c.title, "width": c.width, "height": c.height}))
            .collect();
        serde_json::to_string(&json!({
            "done": self.rows.len(),
            "total": self.plan.points.len(),
            "complete": self.rows.len() == self.plan.points.len(),
            "have": self.rows.keys().collect::<Vec<_>>(),
            "table": {"head": head, "rows": rows},
            "claims": claims,
            "charts": charts,
            "collapsed": collapsed,
        }))
        .map_err(err)
    }

    /// Draw chart `name` onto `canvas` (`pixel_ratio`: device pixels per CSS
    /// pixel); returns the chart's report JSON ({skipped: [...]}).
    pub fn draw(&self, name: &str, canvas: HtmlCanvasElement, pixel_ratio: f64) -> Result<String, JsError> {
        let chart = self.chart(name)?;
        crate::charts::with_pixel_ratio(pixel_ratio, || {
            draw_on_canvas(canvas, &|a: &DrawingArea<PageBackend<'_>, Shift>| chart.draw(a).map_err(err))
        })
    }

    /// Chart `name` as an SVG document of `width` × `height` (the CLI writes
    /// each at the chart's own size: `view_json`'s width and height).
    pub fn svg(&self, name: &str, width: u32, height: u32) -> Result<String, JsError> {
        let chart = self.chart(name)?;
        svg_of(width, height, &|a: &DrawingArea<PageBackend<'_>, Shift>| chart.draw(a).map_err(err))
    }

    /// `sweep.csv` (the CLI's table, `run::sweep::to_csv`), once every point is in; undefined before.
    pub fn csv(&self) -> Option<String> {
        (self.rows.len() == self.plan.points.len()).then(|| sweep::to_csv(&self.sorted_rows()))
    }

    /// `sweep.json` (as the CLI writes it for this grid without `--shard` or `--direct`).
    pub fn meta_text(&self) -> String {
        sweep_plan::meta_text(&self.meta)
    }
}

/// The config's keys a sweep can vary (JSON [{key, help, current}], `run::sweep_plan::sweep_keys`).
#[wasm_bindgen]
pub fn sweep_keys_json(config_json: &str) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?;
    serde_json::to_string(&sweep_plan::sweep_keys(&cfg)).map_err(err)
}
