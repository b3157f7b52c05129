//! The browser boundary (wasm32 only): one JSON config in, one JSON
//! snapshot out, and chart drawing onto canvases with plotters-canvas.
//!
//! The worker owns a [`Lab`] (training); the page calls [`draw_chart`]
//! with the snapshot the worker posted (plotters-canvas needs `window`, so
//! drawing stays on the main thread). Every export returns
//! `Result<_, JsError>` carrying the Rust message; nothing a user controls
//! is unwrapped.

mod backend;
// The browser benchmark's export (`bench/pkg`); not in the page's module.
#[cfg(feature = "bench-exports")]
mod bench;
use crate::charts::{self, BoundaryData, ChartReport};
use crate::config::{Config, ValidConfig};
use crate::run::{Run, Snapshot};
use crate::snapshot_delta::{DeltaEncoder, SnapshotDelta, SnapshotStore};
use crate::{data, figures, npy, presets, summary, urlhash};
use backend::{PageBackend, PageCanvas};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea, SVGBackend};
use serde_json::json;
use std::sync::{Mutex, Once};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// The message of the last panic in this wasm instance (see [`last_panic_message`]).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// "message (at file:line:col)" of a panic, without the build machine's paths
/// (`panic_text`; the console gets the full text from `console_error_panic_hook`).
fn panic_text(info: &std::panic::PanicHookInfo<'_>) -> String {
    crate::panic_text::without_machine_paths(&panic_text_full(info))
}

fn panic_text_full(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    match info.location() {
        Some(l) => format!("{msg} (at {}:{}:{})", l.file(), l.line(), l.column()),
        None => msg,
    }
}

/// Route panics to the console with their message (instead of "unreachable"),
/// and keep the message for [`last_panic_message`]: after a panic the instance
/// traps, and the worker reports this text to the page.
#[wasm_bindgen(start)]
pub fn start() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            if let Ok(mut slot) = LAST_PANIC.try_lock() {
                *slot = Some(panic_text(info));
            }
            console_error_panic_hook::hook(info);
        }));
    });
    // gemm keeps its wasm SIMD kernels behind a run-time switch (off by default).
    gemm_common::set_wasm_simd128(cfg!(target_feature = "simd128"));
}

/// Whether this module was built with WebAssembly SIMD (simd128) and uses it for matrix products.
#[wasm_bindgen]
pub fn simd_build() -> bool {
    cfg!(target_feature = "simd128") && gemm_common::get_wasm_simd128()
}

/// The message of the last Rust panic in this instance ("message (at file:line:col)"),
/// or undefined if nothing panicked.
#[wasm_bindgen]
pub fn last_panic_message() -> Option<String> {
    LAST_PANIC.try_lock().ok().and_then(|m| m.clone())
}

/// Panics on purpose with `message`, for the crash-recovery test. Nothing on the
/// page calls it: the worker does, on a `debug_panic` message that only the
/// test-only hook `window.__lab_test` sends (installed when a test asks for it).
#[wasm_bindgen]
pub fn debug_panic_for_tests(message: &str) {
    panic!("{message}");
}

/// Runs this instance out of memory on purpose, for the recovery test: reserves
/// 256 MiB blocks (never written, so they cost address space, not RAM) until
/// the linear memory cannot grow; the allocator's failure then aborts with a
/// trap, as a real out-of-memory would, without a Rust panic message. Only the
/// worker calls it, on the test-only `debug_oom` message.
#[wasm_bindgen]
pub fn debug_oom_for_tests() {
    loop {
        let block = Vec::<u8>::with_capacity(256 << 20);
        // Kept observable, so the allocation is not optimised away.
        std::hint::black_box(block.as_ptr());
        std::mem::forget(block);
    }
}

/// Bytes of this instance's linear memory (it only grows), for the memory checks.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) as f64) * 65536.0
}

/// The URL hash (`#v=1&c=…[&p=preset]`) of a config JSON (see [`crate::urlhash`]).
#[wasm_bindgen]
pub fn encode_hash(config_json: &str, preset: Option<String>) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?;
    Ok(urlhash::encode(&cfg, preset.as_deref()))
}

/// Read a URL hash: JSON `{config, preset}` (config validated, preset a known
/// preset or null), or an Error naming what is wrong with the link.
#[wasm_bindgen]
pub fn decode_hash(hash: &str) -> Result<String, JsError> {
    let d = urlhash::decode(hash).map_err(err)?;
    serde_json::to_string(&json!({ "config": d.config, "preset": d.preset })).map_err(err)
}

/// The crate version (shown on the page and written into exported runs).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The preset table as JSON: [{name, see, explain, config, grid}], config fully filled in.
#[wasm_bindgen]
pub fn presets_json() -> Result<String, JsError> {
    let list: Vec<serde_json::Value> = presets::PRESETS
        .iter()
        .map(|p| {
            Ok(json!({
                "name": p.name,
                "see": p.see,
                "explain": p.explain,
                "config": p.config().map_err(err)?,
                "grid": p.grid,
            }))
        })
        .collect::<Result<_, JsError>>()?;
    serde_json::to_string(&list).map_err(err)
}

/// The paper's λ for our λ, as the text shown next to the λ control (`notes::paper_lambda`).
#[wasm_bindgen]
pub fn paper_lambda_text(lambda: f64) -> String {
    crate::notes::paper_lambda(lambda)
}

/// The default config as JSON.
#[wasm_bindgen]
pub fn default_config() -> String {
    Config::default().to_json()
}

fn parse(config_json: &str) -> Result<ValidConfig, JsError> {
    Config::from_json(config_json).map_err(err)?.validate().map_err(err)
}

/// Validate a config; returns it normalised (every field present) or throws
/// an Error whose message names the field, the allowed range and the value.
#[wasm_bindgen]
pub fn validate_config(config_json: &str) -> Result<String, JsError> {
    Ok(parse(config_json)?.config().to_json())
}

/// Set a dotted key (e.g. `train.lambda`) to a JSON value in a config; validates the result.
#[wasm_bindgen]
pub fn set_config_key(config_json: &str, key: &str, value_json: &str) -> Result<String, JsError> {
    let cfg = Config::from_json(config_json).map_err(err)?;
    let cfg = crate::overrides::apply(&cfg, key, crate::overrides::parse_value(value_json)).map_err(err)?;
    Ok(cfg.validate().map_err(err)?.config().to_json())
}

/// SHA-256 of the data a config generates (the same value natively and in wasm).
#[wasm_bindgen]
pub fn data_hash(config_json: &str) -> Result<String, JsError> {
    Ok(data::data_hash(&data::generate(&parse(config_json)?)))
}

/// One run: K trainers and their data. Lives in the Web Worker.
#[wasm_bindgen]
pub struct Lab {
    run: Run,
    /// What [`Lab::snapshot_delta`] sent last.
    deltas: DeltaEncoder,
}

#[wasm_bindgen]
impl Lab {
    /// Validate `config_json` and initialise the run (refused before allocation if invalid).
    #[wasm_bindgen(constructor)]
    /// GD runs in span steps where they pay (`Trainer::set_span_steps`), as the CLI's do.
    pub fn new(config_json: &str) -> Result<Lab, JsError> {
        let mut run = Run::new(&parse(config_json)?);
        run.set_span_steps(true);
        Ok(Lab {
            run,
            deltas: DeltaEncoder::new(),
        })
    }

    /// Advance every task by at most `max_steps`; returns a small progress JSON
    /// {step, time, running, status: [..]} (cheap: no spectra). Layer 1's
    /// matrices are written out of span coordinates only when something reads
    /// them (the worker advances a wide net one step per call).
    pub fn advance(&mut self, max_steps: u32) -> Result<String, JsError> {
        self.run.advance_deferred(max_steps as u64);
        self.progress()
    }

    /// {step, time, running, total_steps, total_time, optimizer, status: [per task]}.
    pub fn progress(&self) -> Result<String, JsError> {
        let t = &self.run.trainers()[0];
        let cfg = self.run.config();
        let status: Vec<_> = self.run.trainers().iter().map(|t| t.status().clone()).collect();
        serde_json::to_string(&json!({
            "step": t.step_count(),
            "time": t.time(),
            "running": self.run.is_running(),
            "total_steps": cfg.train.steps,
            "total_time": cfg.train.time,
            "optimizer": cfg.train.optimizer,
            "status": status,
        }))
        .map_err(err)
    }

    /// The full snapshot (config, data hash, overlap, per-task metrics and history, merge report).
    pub fn snapshot(&mut self) -> Result<String, JsError> {
        self.run.sync_matrices();
        serde_json::to_string(&self.run.snapshot()).map_err(err)
    }

    /// The snapshot as a [`SnapshotDelta`] JSON: the histories hold only the points
    /// added since the last delta (all of them if `full`, after a decimation, a
    /// reset or a rollback). The page's [`ChartStore`] applies it.
    pub fn snapshot_delta(&mut self, full: bool) -> Result<String, JsError> {
        self.run.sync_matrices();
        serde_json::to_string(&self.deltas.encode(&self.run, full)).map_err(err)
    }

    /// The next [`Lab::snapshot_delta`] is full (the page could not apply one).
    pub fn resync_deltas(&mut self) {
        self.deltas.reset();
    }

    /// Stationarity residual of task a (cheap: no SVD), for the gauge.
    pub fn stationarity(&mut self) -> f64 {
        self.run.sync_matrices();
        self.run.trainers()[0].stationarity()
    }

    /// The gauge's reading of task a as JSON {"value": ρ or null, "note": null or
    /// why ρ is not shown (`notes::ROUNDING_LEVEL`)}.
    pub fn stationarity_gauge(&mut self) -> String {
        self.run.sync_matrices();
        let (v, rounding) = self.run.trainers()[0].stationarity_checked();
        json!({"value": if rounding { None } else { Some(v) }, "note": rounding.then_some(crate::notes::ROUNDING_LEVEL)}).to_string()
    }

    /// The `final` object (same as the CLI's `run --json`).
    pub fn final_summary(&mut self) -> Result<String, JsError> {
        self.run.sync_matrices();
        serde_json::to_string(&summary::final_summary(&self.run)).map_err(err)
    }

    /// Change λ without resetting.
    pub fn set_lambda(&mut self, lambda: f64) -> Result<(), JsError> {
        self.run.set_lambda(lambda).map_err(err)
    }

    /// Change η without resetting.
    pub fn set_lr(&mut self, lr: f64) -> Result<(), JsError> {
        self.run.set_lr(lr).map_err(err)
    }

    /// Back to the same initial weights.
    pub fn reset(&mut self) {
        self.run.reset();
    }

    /// Decision-boundary data for planar tasks: JSON [[BoundaryData per panel] per task] (empty otherwise).
    pub fn boundaries(&mut self) -> Result<String, JsError> {
        self.run.sync_matrices();
        let nets: Vec<_> = self.run.trainers().iter().map(|t| t.net().clone()).collect();
        let merged = self.run.merged_nets();
        let mut panels: Vec<(String, &crate::net::Net)> = nets.iter().enumerate().map(|(i, n)| (data::task_name(i), n)).collect();
        panels.extend(merged.iter().map(|(name, n)| (name.clone(), n)));
        serde_json::to_string(&figures::boundary_data(self.run.data(), &panels)).map_err(err)
    }

    /// Weights of net `net` ("a", "b", …, or a merge name) layer `layer` (1-based) as .npy bytes.
    pub fn weights_npy(&mut self, net: &str, layer: usize) -> Result<Vec<u8>, JsError> {
        self.run.sync_matrices();
        let nets: Vec<_> = self.run.trainers().iter().map(|t| t.net().clone()).collect();
        let chosen = match nets.iter().enumerate().find(|(i, _)| data::task_name(*i) == net) {
            Some((_, n)) => n.clone(),
            None => self
                .run
                .merged_nets()
                .into_iter()
                .find(|(name, _)| name == net)
                .map(|(_, n)| n)
                .ok_or_else(|| JsError::new(&format!("no net named `{net}`")))?,
        };
        let w = chosen
            .params
            .w
            .get(layer.wrapping_sub(1))
            .ok_or_else(|| JsError::new(&format!("layer must be in [1, {}], got {layer}", chosen.depth())))?;
        npy::to_bytes(w).map_err(err)
    }

    /// The run's full state as JSON (config, weights, RNG and integrator state, history);
    /// floats are written so they read back exactly. See [`Lab::from_state`].
    pub fn export_state(&mut self) -> Result<String, JsError> {
        self.run.sync_matrices();
        serde_json::to_string(&self.run.state()).map_err(err)
    }

    /// A run restored from [`Lab::export_state`] output; continuing it gives the same
    /// numbers as the run that was exported. Refuses (with the reason) a state that does
    /// not match its config, and configs above the browser memory budget.
    pub fn from_state(state_json: &str) -> Result<Lab, JsError> {
        let state = crate::run::RunState::from_json(state_json).map_err(|e| JsError::new(&e))?;
        let mut run = Run::from_state(state, crate::config::BROWSER_MEMORY_BUDGET).map_err(|e| JsError::new(&e))?;
        // A state saved with span coordinates continues in them bit for bit; an older one starts them here.
        run.set_span_steps(true);
        Ok(Lab {
            run,
            deltas: DeltaEncoder::new(),
        })
    }

    /// Every trainer's state for the analysis worker ([`Analyst`]), without writing layer 1
    /// out of span coordinates first (`live::encode`: JSON without the matrices, and the
    /// matrices as raw f64; a few ms for W3).
    pub fn live_state(&self) -> Result<LiveState, JsError> {
        crate::live::encode(&self.run)
            .map(|inner| LiveState { inner })
            .map_err(|e| JsError::new(&e))
    }

    /// The run's config JSON (normalised; λ and η as last set).
    pub fn config_json(&self) -> String {
        self.run.config().config().to_json()
    }

    /// What reproduces this run (`Run::record`): `{config, reproducible, note}`, the
    /// config as started with every live λ/η change in `train.schedule` (for the link).
    pub fn record_json(&self) -> String {
        serde_json::to_string(self.run.record()).unwrap_or_default()
    }

    /// Number of layers L.
    pub fn depth(&self) -> usize {
        self.run.trainers()[0].initial_net().depth()
    }
}

/// [`Lab::live_state`]'s two parts.
#[wasm_bindgen]
pub struct LiveState {
    inner: crate::live::LiveState,
}

#[wasm_bindgen]
impl LiveState {
    /// The states without their matrices (JSON).
    pub fn meta(&self) -> String {
        self.inner.meta.clone()
    }

    /// The matrices (a Float64Array; taken out, so a second call returns an empty array).
    pub fn take_data(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.inner.data)
    }
}

/// The page's analysis worker: snapshots of [`Lab::live_state`], taken off the
/// training worker (on the other core), equal to what [`Lab::snapshot`] would give.
#[wasm_bindgen]
pub struct Analyst {
    inner: crate::live::Analyst,
    deltas: DeltaEncoder,
}

#[wasm_bindgen]
impl Analyst {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Analyst {
        Analyst {
            inner: crate::live::Analyst::new(),
            deltas: DeltaEncoder::new(),
        }
    }

    /// The snapshot JSON (as [`Lab::snapshot`]) of the run in `meta` and `data` (a
    /// [`LiveState`]'s parts), trained with `config_json` ([`Lab::config_json`]); refuses
    /// states that do not parse or do not fit the config.
    pub fn snapshot(&mut self, config_json: &str, meta: &str, data: &[f64]) -> Result<String, JsError> {
        serde_json::to_string(&self.take(config_json, meta, data)?).map_err(err)
    }

    /// The same snapshot as a [`SnapshotDelta`] JSON against the deltas this
    /// analyst sent before (see [`Lab::snapshot_delta`]).
    pub fn snapshot_delta(&mut self, config_json: &str, meta: &str, data: &[f64]) -> Result<String, JsError> {
        let snap = self.take(config_json, meta, data)?;
        serde_json::to_string(&self.deltas.encode_snapshot(snap, false)).map_err(err)
    }

    /// The next [`Analyst::snapshot_delta`] is full (the page could not apply one).
    pub fn resync_deltas(&mut self) {
        self.deltas.reset();
    }

    fn take(&mut self, config_json: &str, meta: &str, data: &[f64]) -> Result<Snapshot, JsError> {
        let cfg = parse(config_json)?;
        self.inner.snapshot(&cfg, meta, data).map_err(|e| JsError::new(&e))
    }
}

impl Default for Analyst {
    fn default() -> Self {
        Analyst::new()
    }
}

/// Train one config to the end and return its `final` JSON (the overlap sweep runs these one by one in the worker).
#[wasm_bindgen]
pub fn run_to_end(config_json: &str) -> Result<String, JsError> {
    let cfg = parse(config_json)?;
    let mut run = Run::new(&cfg);
    run.set_span_steps(true);
    run.run_to_end();
    serde_json::to_string(&summary::final_summary(&run)).map_err(err)
}

/// Chart input parsed once: a snapshot (most charts), boundary panels,
/// overlap-sweep data, or every merge method across a sweep.
enum Parsed {
    Snapshot(Box<Snapshot>),
    Boundaries(Vec<Vec<BoundaryData>>),
    Overlap(charts::MergeOverlapData),
    Methods(charts::MethodSweepData),
}

/// The page's in-page sweep, as the `merge_methods` chart reads it: the swept
/// key, its values (numbers), the config's merge methods and each point's
/// `final` object (`run_to_end`).
#[derive(serde::Deserialize)]
struct MethodSweepInput {
    key: String,
    values: Vec<f64>,
    methods: Vec<String>,
    finals: Vec<serde_json::Value>,
}

/// One accuracy and one output-change panel on `task` a, a line per merge
/// method of the sweep's config ([`figures::method_sweep`]).
fn method_sweep_of(input: MethodSweepInput) -> charts::MethodSweepData {
    let points: Vec<figures::SweepPoint> = input
        .values
        .iter()
        .zip(&input.finals)
        .map(|(&x, f)| figures::SweepPoint {
            x,
            group: String::new(),
            values: summary::flatten(f),
        })
        .collect();
    let templates = [
        "merge.{method}.a.accuracy".to_string(),
        "merge.{method}.a.max_output_change".to_string(),
    ];
    figures::method_sweep(&input.key, false, &input.methods, &templates, &points)
}

fn parse_for(chart: &str, json_text: &str) -> Result<Parsed, JsError> {
    Ok(if chart.starts_with("boundaries") {
        Parsed::Boundaries(serde_json::from_str(json_text).map_err(err)?)
    } else if chart == "merge_overlap" {
        Parsed::Overlap(serde_json::from_str(json_text).map_err(err)?)
    } else if chart == "merge_methods" {
        Parsed::Methods(method_sweep_of(serde_json::from_str(json_text).map_err(err)?))
    } else {
        Parsed::Snapshot(Box::new(serde_json::from_str(json_text).map_err(err)?))
    })
}

/// Every chart is drawn through [`PageBackend`], so it is compiled once for both outputs.
fn draw_parsed(area: &DrawingArea<PageBackend<'_>, Shift>, chart: &str, parsed: &Parsed) -> Result<ChartReport, JsError> {
    let s = match parsed {
        Parsed::Boundaries(sets) => {
            let task = chart.strip_prefix("boundaries_").unwrap_or("a");
            let i = task.bytes().next().map(|b| b.wrapping_sub(b'a') as usize).unwrap_or(0);
            let set = sets.get(i).ok_or_else(|| JsError::new("no planar task to draw"))?;
            return charts::draw_boundaries(area, set).map_err(err);
        }
        Parsed::Overlap(d) => return charts::draw_merge_overlap(area, d).map_err(err),
        Parsed::Methods(d) => return charts::draw_method_sweep(area, d).map_err(err),
        Parsed::Snapshot(s) => s,
    };
    draw_snapshot_chart(area, chart, s)
}

/// The charts drawn from a snapshot.
fn draw_snapshot_chart(area: &DrawingArea<PageBackend<'_>, Shift>, chart: &str, s: &Snapshot) -> Result<ChartReport, JsError> {
    let r = match chart {
        "loss" => charts::draw_loss(area, &figures::loss_data(s)),
        "spectrum" => charts::draw_spectrum(area, &figures::spectrum_data(s, 0)),
        "spectrum_over_time" => charts::draw_spectrum_strips(area, &figures::spectrum_history(s, 0)),
        "alignment" => {
            let (a, st) = figures::alignment_data(s, 0);
            charts::draw_alignment_panels(area, &a, &st)
        }
        "norms" => charts::draw_norms(area, &figures::norms_data(s, 0).0),
        "balance" => charts::draw_balance(area, &figures::norms_data(s, 0).1),
        "merge_loss" | "merge_accuracy" | "merge_path" => {
            let report = s
                .merge
                .as_ref()
                .ok_or_else(|| JsError::new("this run has one task: nothing merged"))?;
            if chart == "merge_path" {
                charts::draw_sweep(area, &figures::merge_path_data(report))
            } else {
                charts::draw_merge_bars(
                    area,
                    &figures::merge_bars(report, if chart == "merge_loss" { "loss" } else { "accuracy" }),
                )
            }
        }
        other => return Err(JsError::new(&format!("unknown chart `{other}`"))),
    };
    r.map_err(err)
}

type Drawer<'a> = &'a dyn Fn(&DrawingArea<PageBackend<'_>, Shift>) -> Result<ChartReport, JsError>;

fn draw_on_canvas(canvas: HtmlCanvasElement, draw: Drawer<'_>) -> Result<String, JsError> {
    let backend = PageCanvas::new(canvas).ok_or_else(|| JsError::new("canvas has no 2-D context"))?;
    let area = PageBackend::Canvas(backend).into_drawing_area();
    let report = draw(&area)?;
    area.present().map_err(err)?;
    serde_json::to_string(&report).map_err(err)
}

fn svg_of(width: u32, height: u32, draw: Drawer<'_>) -> Result<String, JsError> {
    if width == 0 || height == 0 {
        return Err(err(charts::ChartError::EmptySize(width, height)));
    }
    let mut buf = String::new();
    {
        let area = PageBackend::Svg(SVGBackend::with_string(&mut buf, (width, height))).into_drawing_area();
        draw(&area)?;
        area.present().map_err(err)?;
    }
    Ok(buf)
}

/// Chart input parsed once and drawn many times (a snapshot is parsed once
/// per frame, not once per chart).
#[wasm_bindgen]
pub struct ChartData {
    parsed: Parsed,
}

#[wasm_bindgen]
impl ChartData {
    /// Parse `json_text` as the input of charts like `chart` (a snapshot, or
    /// boundary panels for `boundaries_*`, or overlap data for `merge_overlap`).
    #[wasm_bindgen(constructor)]
    pub fn new(chart: &str, json_text: &str) -> Result<ChartData, JsError> {
        Ok(ChartData {
            parsed: parse_for(chart, json_text)?,
        })
    }

    /// Draw `chart` onto `canvas`; returns the chart's report JSON ({skipped: [...]}).
    /// `pixel_ratio` is the canvas's device pixels per CSS pixel (window.devicePixelRatio),
    /// so text keeps its size on HiDPI screens.
    pub fn draw(&self, canvas: HtmlCanvasElement, chart: &str, pixel_ratio: f64) -> Result<String, JsError> {
        charts::with_pixel_ratio(pixel_ratio, || draw_on_canvas(canvas, &|a| draw_parsed(a, chart, &self.parsed)))
    }

    /// The same chart as an SVG document.
    pub fn svg(&self, chart: &str, width: u32, height: u32) -> Result<String, JsError> {
        svg_of(width, height, &|a| draw_parsed(a, chart, &self.parsed))
    }
}

/// The page's live snapshot, kept in Rust and updated by the workers'
/// [`SnapshotDelta`]s, so a snapshot's history is parsed once when its points
/// arrive, not with every snapshot; the snapshot charts draw from it.
#[wasm_bindgen]
pub struct ChartStore {
    store: SnapshotStore,
}

#[wasm_bindgen]
impl ChartStore {
    #[wasm_bindgen(constructor)]
    pub fn new() -> ChartStore {
        ChartStore {
            store: SnapshotStore::new(),
        }
    }

    /// Apply a delta JSON ([`Lab::snapshot_delta`], [`Analyst::snapshot_delta`]).
    /// Throws, keeping the held snapshot, if it does not parse or does not
    /// continue the held histories (the sender must then send a full one).
    pub fn apply(&mut self, delta_json: &str) -> Result<(), JsError> {
        let d: SnapshotDelta = serde_json::from_str(delta_json).map_err(err)?;
        self.store.apply(d).map_err(|e| JsError::new(&e))
    }

    /// Forget the held snapshot (a new run follows).
    pub fn clear(&mut self) {
        self.store.clear();
    }

    /// Whether a snapshot is held.
    pub fn has_snapshot(&self) -> bool {
        self.store.snapshot().is_some()
    }

    /// The held snapshot as JSON (as [`Lab::snapshot`]), e.g. for the metrics CSV.
    pub fn snapshot_json(&self) -> Result<String, JsError> {
        serde_json::to_string(self.held()?).map_err(err)
    }

    /// Draw snapshot chart `chart` onto `canvas` (as [`ChartData::draw`]).
    pub fn draw(&self, canvas: HtmlCanvasElement, chart: &str, pixel_ratio: f64) -> Result<String, JsError> {
        let s = self.held()?;
        charts::with_pixel_ratio(pixel_ratio, || draw_on_canvas(canvas, &|a| draw_snapshot_chart(a, chart, s)))
    }

    /// The same chart as an SVG document.
    pub fn svg(&self, chart: &str, width: u32, height: u32) -> Result<String, JsError> {
        let s = self.held()?;
        svg_of(width, height, &|a| draw_snapshot_chart(a, chart, s))
    }

    fn held(&self) -> Result<&Snapshot, JsError> {
        self.store.snapshot().ok_or_else(|| JsError::new("no snapshot yet"))
    }
}

impl Default for ChartStore {
    fn default() -> Self {
        ChartStore::new()
    }
}

/// Draw chart `chart` onto `canvas` from a snapshot JSON (or, for
/// `boundaries_*` and `merge_overlap`, that chart's data JSON). Returns the
/// chart's report JSON ({skipped: [...]}). Parses on every call: use
/// [`ChartData`] to draw several charts from one snapshot.
#[wasm_bindgen]
pub fn draw_chart(canvas: HtmlCanvasElement, chart: &str, json_text: &str) -> Result<String, JsError> {
    let parsed = parse_for(chart, json_text)?;
    draw_on_canvas(canvas, &|a| draw_parsed(a, chart, &parsed))
}

/// The same chart as an SVG document (for "download SVG").
#[wasm_bindgen]
pub fn chart_svg(chart: &str, json_text: &str, width: u32, height: u32) -> Result<String, JsError> {
    let parsed = parse_for(chart, json_text)?;
    svg_of(width, height, &|a| draw_parsed(a, chart, &parsed))
}
