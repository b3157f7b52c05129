//! A run: the data of all K tasks, one [`Trainer`] per task, and (for K ≥ 2)
//! the merge report. This is what the CLI and the browser drive, and its
//! [`Snapshot`] is the one structured object that comes out.

pub mod definitions;
pub mod notes;
pub mod summary;
pub mod sweep;
pub mod sweep_charts;
pub mod sweep_claims;
pub mod sweep_plan;
pub mod sweep_record;

use crate::config::{ConfigError, ValidConfig};
use crate::data::{self, Dataset, OverlapStats};
use crate::merge::{self, MergeReport};
use crate::train::state::StateError;
use crate::train::{History, Metrics, Status, Trainer};
use serde::{Deserialize, Serialize};

/// Why a run state was refused or a run request could not be met. Every
/// message names the field (`state.tasks[1].params.w[0]`, `state.config.train.lr`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The JSON text does not parse: serde_json's message, after the path of
    /// the value it stopped at (a refusal below, met while parsing, is in it too).
    #[error("run state does not parse: {0}")]
    Syntax(String),
    /// A part of the state is not the JSON kind it must be.
    #[error("{path} must be {what}")]
    Kind { path: &'static str, what: &'static str },
    /// The state's config does not parse or validate.
    #[error("state.config: {}", config_text(.0))]
    Config(ConfigError),
    /// One task's state was refused.
    #[error(transparent)]
    State(#[from] StateError),
    /// The state's task count is not the config's.
    #[error("state has {got} tasks, the config makes {want} (data.tasks)")]
    TaskCount { got: usize, want: usize },
    /// [`Run::check_claims`] was given a preset that does not exist.
    #[error("unknown preset `{0}`")]
    UnknownPreset(String),
    /// [`Run::check_claims`] was given a variant its preset does not have.
    #[error("preset {preset} has no variant `{variant}`")]
    UnknownVariant { preset: String, variant: String },
    /// [`Run::adopt_record`] was given another run's record.
    #[error("the record's config is another run's: it differs from the run's in more than λ, η and train.schedule")]
    ForeignRecord,
    /// [`Run::adopt_record`] was given a record whose config does not validate.
    #[error("record.config: {0}")]
    RecordConfig(ConfigError),
}

/// A config error under `state.config`: a parse error's own text (its
/// "config does not parse" would repeat what the path says), any other whole.
fn config_text(e: &ConfigError) -> String {
    match e {
        ConfigError::Parse(m) => m.clone(),
        e => e.to_string(),
    }
}

/// A run's full state: its config and each trainer's state (JSON round-trips exactly).
///
/// Deserializing one (as the page's import does with `serde_json::from_str`)
/// goes through [`RunState::from_value`], so a refusal names the field it is
/// about (`state.tasks[0].params.w[1]: …`, `state.config.train.lr: …`); what
/// the values mean is checked against the config by [`Run::from_state`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunState {
    pub config: crate::config::Config,
    pub tasks: Vec<crate::train::TrainerState>,
}

impl<'de> Deserialize<'de> for RunState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        RunState::from_value(&v).map_err(serde::de::Error::custom)
    }
}

impl RunState {
    /// Parse an exported state (JSON text); errors name the field, also for
    /// a syntax error (`state.tasks[0].params.w[0].data[3]: number out of range …`).
    pub fn from_json(text: &str) -> Result<RunState, RunError> {
        serde_json::from_str(text).map_err(|e| {
            RunError::Syntax(if e.line() > 0 && !e.is_data() {
                format!("{}: {e}", crate::config::json_path::of_error(text, &e, "state"))
            } else {
                e.to_string()
            })
        })
    }

    /// A state from a JSON value, every refusal naming its field.
    pub fn from_value(v: &serde_json::Value) -> Result<RunState, RunError> {
        let parse = |message: String| StateError::Parse {
            path: "state".into(),
            message,
        };
        let obj = v.as_object().ok_or(RunError::Kind {
            path: "state",
            what: "a JSON object {\"config\": {…}, \"tasks\": […]}",
        })?;
        if let Some(k) = obj.keys().find(|k| *k != "config" && *k != "tasks") {
            return Err(parse(format!(
                "unknown field `{}` (expected config, tasks)",
                crate::config::quote::clip(k)
            ))
            .into());
        }
        let config = obj.get("config").ok_or_else(|| parse("missing field `config`".into()))?;
        let config = crate::config::overrides::config_from_value(config).map_err(RunError::Config)?;
        let tasks = obj.get("tasks").ok_or_else(|| parse("missing field `tasks`".into()))?;
        let tasks = tasks.as_array().ok_or(RunError::Kind {
            path: "state.tasks",
            what: "an array (one state per task)",
        })?;
        if tasks.len() > MAX_TASKS {
            return Err(StateError::Mismatch {
                path: "state.tasks".into(),
                reason: format!("{} entries, at most {MAX_TASKS} (data.tasks ≤ 26)", tasks.len()),
            }
            .into());
        }
        let tasks = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| crate::train::TrainerState::from_value(t, &format!("state.tasks[{i}]")))
            .collect::<Result<_, _>>()?;
        Ok(RunState { config, tasks })
    }
}

/// Most tasks a config makes (data.tasks ≤ 26).
const MAX_TASKS: usize = 26;

/// A run's config as started plus its live changes (see [`Run::record`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub config: crate::config::Config,
    /// Whether `config` repeats this run's numbers from step 0.
    pub reproducible: bool,
    /// Why not, when it does not.
    pub note: Option<String>,
}

/// All tasks of one config, trained side by side.
pub struct Run {
    record: RunRecord,
    cfg: ValidConfig,
    data: Dataset,
    /// SHA-256 of `data` (every snapshot carries it; the data never change).
    data_hash: String,
    trainers: Vec<Trainer>,
    /// The preset (and variant) whose claims every snapshot checks ([`Run::check_claims`]).
    claims_of: Option<(String, Option<String>)>,
}

/// One task's state in a snapshot; `H` is its history ([`History`], or the
/// part of it a live snapshot sends: `snapshot_delta::HistoryDelta`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSnapshot<H = History> {
    pub task: String,
    pub status: Status,
    pub current: Metrics,
    /// What to show instead of `current`'s numbers that are not ones (`notes`).
    #[serde(default)]
    pub notes: crate::run::notes::TaskNotes,
    pub history: H,
}

/// Numbers only: everything a chart or a report needs, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<H = History> {
    pub config: crate::config::Config,
    pub data_hash: String,
    pub overlap: OverlapStats,
    pub tasks: Vec<TaskSnapshot<H>>,
    /// Present when there are at least two tasks.
    pub merge: Option<MergeReport>,
    /// The claims of the run's preset that apply to it, checked at this
    /// state (`claims`); empty unless [`Run::check_claims`] named a preset.
    #[serde(default)]
    pub claims: Vec<crate::claims::ClaimResult>,
}

/// A [`Run`] whose matrices are current ([`Run::synced`]); reads as a `&Run`.
pub struct Synced<'a>(&'a Run);

impl std::ops::Deref for Synced<'_> {
    type Target = Run;
    fn deref(&self) -> &Run {
        self.0
    }
}

/// [`Run::progress`]: what the page's run bar shows after every budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// Steps and time of task a (every task advances together).
    pub step: u64,
    pub time: f64,
    /// Whether any task can still advance.
    pub running: bool,
    /// The config's budget: steps (GD/SGD) or time (gradient flow).
    pub total_steps: u64,
    pub total_time: f64,
    pub optimizer: crate::config::Optimizer,
    /// Each task's name ("a", "b", …), in task order.
    pub tasks: Vec<String>,
    /// Each task's status, in task order.
    pub status: Vec<Status>,
}

impl<H> Snapshot<H> {
    /// The x of a history point on the charts: integrated time t for gradient
    /// flow, the step for GD/SGD.
    pub fn x_of(&self, m: &Metrics) -> f64 {
        if self.config.train.optimizer == crate::config::Optimizer::Gf {
            m.time
        } else {
            m.step as f64
        }
    }

    /// The charts' x-axis name for [`Snapshot::x_of`]: "time t" or "step".
    pub fn x_label(&self) -> String {
        if self.config.train.optimizer == crate::config::Optimizer::Gf {
            "time t".into()
        } else {
            "step".into()
        }
    }

    /// The same snapshot with task `i`'s history replaced by `f(i, history)`.
    pub fn map_histories<G>(self, mut f: impl FnMut(usize, H) -> G) -> Snapshot<G> {
        Snapshot {
            config: self.config,
            data_hash: self.data_hash,
            overlap: self.overlap,
            tasks: self
                .tasks
                .into_iter()
                .enumerate()
                .map(|(i, t)| TaskSnapshot {
                    task: t.task,
                    status: t.status,
                    current: t.current,
                    notes: t.notes,
                    history: f(i, t.history),
                })
                .collect(),
            merge: self.merge,
            claims: self.claims,
        }
    }
}

impl Run {
    /// Generate the data and initialise one net per task.
    pub fn new(cfg: &ValidConfig) -> Run {
        let data = data::generate(cfg);
        let trainers = data
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| Trainer::new(cfg, i, t.x.clone(), t.y.clone()))
            .collect();
        Run {
            record: RunRecord {
                config: cfg.config().clone(),
                reproducible: true,
                note: None,
            },
            cfg: cfg.clone(),
            data_hash: data::data_hash(&data),
            data,
            trainers,
            claims_of: None,
        }
    }

    /// Check the claims of preset `preset` (run as its variant `variant`, if
    /// any) in every snapshot from now on; an unknown preset or variant is refused.
    pub fn check_claims(&mut self, preset: &str, variant: Option<&str>) -> Result<(), RunError> {
        let p = crate::presets::find(preset).ok_or_else(|| RunError::UnknownPreset(preset.to_string()))?;
        if let Some(v) = variant {
            p.variant(v).ok_or_else(|| RunError::UnknownVariant {
                preset: preset.to_string(),
                variant: v.to_string(),
            })?;
        }
        self.claims_of = Some((preset.to_string(), variant.map(String::from)));
        Ok(())
    }

    /// The claims named by [`Run::check_claims`] that apply to this run, at
    /// its current state (waiting while it trains); empty when none was named.
    pub fn claims(&self) -> Vec<crate::claims::ClaimResult> {
        if self.claims_of.is_none() {
            return Vec::new();
        }
        let metrics: Vec<Metrics> = self.trainers.iter().map(|t| t.metrics()).collect();
        self.claims_with(&metrics.iter().collect::<Vec<_>>(), self.merge_report().as_ref())
    }

    /// The claims from each task's current `metrics` and the merge `report` (computed once per snapshot).
    fn claims_with(&self, metrics: &[&Metrics], report: Option<&MergeReport>) -> Vec<crate::claims::ClaimResult> {
        let Some((preset, variant)) = &self.claims_of else {
            return Vec::new();
        };
        let values = crate::run::summary::flatten(&crate::run::summary::summary_of(self, metrics, report));
        let config = serde_json::to_value(self.cfg.config()).unwrap_or_default();
        crate::claims::for_run(
            preset,
            &crate::claims::Input {
                values: &values,
                config: &config,
                variant: variant.as_deref(),
                running: self.is_running(),
                point: "",
            },
        )
    }

    pub fn config(&self) -> &ValidConfig {
        &self.cfg
    }
    pub fn data(&self) -> &Dataset {
        &self.data
    }
    pub fn trainers(&self) -> &[Trainer] {
        &self.trainers
    }
    pub fn trainers_mut(&mut self) -> &mut [Trainer] {
        &mut self.trainers
    }

    /// Span steps on or off for every trainer (`Trainer::set_span_steps`); returns whether any uses them.
    pub fn set_span_steps(&mut self, on: bool) -> bool {
        self.trainers.iter_mut().fold(false, |any, t| t.set_span_steps(on) | any)
    }

    /// Record history points after the first, or not (`Trainer::set_record_history`).
    pub fn set_record_history(&mut self, on: bool) {
        for t in &mut self.trainers {
            t.set_record_history(on);
        }
    }

    /// Advance every task's trainer by at most `max_steps`.
    pub fn advance(&mut self, max_steps: u64) {
        for t in &mut self.trainers {
            t.advance(max_steps);
        }
        self.follow_schedule();
    }

    /// λ and η as the trainers have them after scheduled changes, so the
    /// snapshot's config and the merges use the values in force (as after a live change).
    fn follow_schedule(&mut self) {
        let Some(t) = self.trainers.first() else { return };
        let (l, lr) = (t.config().train.lambda, t.config().train.lr);
        if l.to_bits() != self.cfg.train.lambda.to_bits() {
            if let Ok(c) = self.cfg.with_lambda(l) {
                self.cfg = c;
            }
        }
        if lr.to_bits() != self.cfg.train.lr.to_bits() {
            if let Ok(c) = self.cfg.with_lr(lr) {
                self.cfg = c;
            }
        }
    }

    /// [`Run::advance`] leaving layer 1's matrices behind their span coordinates
    /// (`Trainer::advance_deferred`); call [`Run::sync_matrices`] before reading.
    pub fn advance_deferred(&mut self, max_steps: u64) {
        for t in &mut self.trainers {
            t.advance_deferred(max_steps);
        }
        self.follow_schedule();
    }

    /// Every trainer's matrices current (`Trainer::sync_matrices`).
    pub fn sync_matrices(&mut self) {
        for t in &mut self.trainers {
            t.sync_matrices();
        }
    }

    /// The run with every trainer's matrices current: what reads weights (snapshots,
    /// merges, boundary panels, exported states) takes, so no reader has to
    /// remember [`Run::sync_matrices`] after [`Run::advance_deferred`].
    pub fn synced(&mut self) -> Synced<'_> {
        self.sync_matrices();
        Synced(self)
    }

    /// Where the run is (task a's step and time; every task's name and status), cheap: no spectra.
    pub fn progress(&self) -> Progress {
        let t = &self.trainers[0];
        Progress {
            step: t.step_count(),
            time: t.time(),
            running: self.is_running(),
            total_steps: self.cfg.train.steps,
            total_time: self.cfg.train.time,
            optimizer: self.cfg.train.optimizer,
            tasks: (0..self.trainers.len()).map(data::task_name).collect(),
            status: self.trainers.iter().map(|t| t.status().clone()).collect(),
        }
    }

    /// Whether any trainer can still advance.
    pub fn is_running(&self) -> bool {
        self.trainers.iter().any(|t| t.status().is_running())
    }

    /// Train every task to the end of its budget (or divergence).
    pub fn run_to_end(&mut self) {
        for t in &mut self.trainers {
            t.run_to_end();
        }
        self.follow_schedule();
    }

    /// The merge report (K ≥ 2), at the current weights.
    pub fn merge_report(&self) -> Option<MergeReport> {
        if self.trainers.len() < 2 {
            return None;
        }
        let nets: Vec<_> = self.trainers.iter().map(|t| t.net().clone()).collect();
        Some(merge::evaluate(&self.cfg, &self.data, &nets, &self.initial_nets()))
    }

    /// Each task's initial net θ₀ᵗ, in task order.
    pub fn initial_nets(&self) -> Vec<&crate::net::Net> {
        self.trainers.iter().map(|t| t.initial_net()).collect()
    }

    /// Every merge of the config at the current weights, in the config's order (empty for one task).
    pub fn merged_nets(&self) -> Vec<(crate::config::MergeMethod, crate::net::Net)> {
        if self.trainers.len() < 2 {
            return Vec::new();
        }
        let nets: Vec<_> = self.trainers.iter().map(|t| t.net().clone()).collect();
        let inits = self.initial_nets();
        let inp = merge::report::inputs(&self.data, &nets, &inits);
        merge::merged_nets(&self.cfg, &inp)
            .into_iter()
            .map(|(method, net, _)| (method, net))
            .collect()
    }

    /// Every net of the run at the current weights: each task's own, then
    /// every merge ([`Run::merged_nets`]).
    pub fn nets(&self) -> Vec<(merge::NetId, crate::net::Net)> {
        let own = self
            .trainers
            .iter()
            .enumerate()
            .map(|(i, t)| (merge::NetId::Task(i), t.net().clone()));
        let merged = self.merged_nets().into_iter().map(|(m, n)| (merge::NetId::Merged(m), n));
        own.chain(merged).collect()
    }

    /// Change λ on every trainer (no reset), recorded in [`Run::record`].
    pub fn set_lambda(&mut self, lambda: f64) -> Result<(), crate::config::ConfigError> {
        self.cfg.with_lambda(lambda)?;
        let step = self.live_change_step();
        for t in &mut self.trainers {
            t.set_lambda(lambda)?;
            t.drop_schedule_after(t.step_count());
        }
        self.cfg = self.cfg.with_lambda(lambda)?;
        self.drop_own_schedule_after();
        self.record_change(step);
        Ok(())
    }

    /// Change η on every trainer (no reset; also how a diverged run continues), recorded in [`Run::record`].
    pub fn set_lr(&mut self, lr: f64) -> Result<(), crate::config::ConfigError> {
        self.cfg.with_lr(lr)?;
        let step = self.live_change_step();
        for t in &mut self.trainers {
            t.set_lr(lr)?;
            t.drop_schedule_after(t.step_count());
        }
        self.cfg = self.cfg.with_lr(lr)?;
        self.drop_own_schedule_after();
        self.record_change(step);
        Ok(())
    }

    /// Back to the same initial weights. λ and η stay as last set; the record
    /// becomes that config with the schedule still ahead.
    pub fn reset(&mut self) {
        for t in &mut self.trainers {
            t.reset();
        }
        if let Some(t) = self.trainers.first() {
            self.record.config = t.config().config().clone();
        }
    }

    /// The step every trainer is at, if they agree (a live change then has one step to be recorded at).
    fn live_change_step(&self) -> Option<u64> {
        let first = self.trainers.first()?.step_count();
        self.trainers.iter().all(|t| t.step_count() == first).then_some(first)
    }

    /// Records the λ and η now in force at `step`, replacing the record's
    /// schedule from there on. Both values: after a rollback (a divergence
    /// puts the trainers back to an earlier step) a change made later than
    /// `step` is in force too, and the replay must have it from `step` on.
    fn record_change(&mut self, step: Option<u64>) {
        let Some(step) = step else {
            self.record.reproducible = false;
            self.record.note = Some(
                "λ or η was changed while the tasks were at different steps (one diverged): \
                 a link or config file gives the starting config and the schedule up to then, not this run"
                    .into(),
            );
            return;
        };
        let (lambda, lr) = (Some(self.cfg.train.lambda), Some(self.cfg.train.lr));
        let sched = &mut self.record.config.train.schedule;
        sched.retain(|c| c.step < step);
        if step == 0 {
            // Before the first step a change is the starting config (a link then reads as one).
            self.record.config.train.lambda = self.cfg.train.lambda;
            self.record.config.train.lr = self.cfg.train.lr;
            return;
        }
        sched.push(crate::config::Change { step, lambda, lr });
    }

    /// The run's config (what its state exports) without the scheduled changes
    /// the trainers dropped at a live change: a restored state must not apply them.
    fn drop_own_schedule_after(&mut self) {
        if let Some(t) = self.trainers.first() {
            self.cfg = self.cfg.without_changes_after(t.step_count());
        }
    }

    /// Take `record` as this run's record: after [`Run::from_state`] of a state
    /// the page exported itself (a reload, a crashed worker), the record it kept
    /// with that state still reproduces the run. Refused unless its config is
    /// this run's apart from λ, η and the schedule.
    pub fn adopt_record(&mut self, record: RunRecord) -> Result<(), RunError> {
        // Compared field by field without λ, η and the schedule (no JSON diff: the workers' modules stay small).
        let mut same = record.config.clone();
        same.train.lambda = self.cfg.train.lambda;
        same.train.lr = self.cfg.train.lr;
        same.train.schedule = self.cfg.train.schedule.clone();
        if &same != self.cfg.config() {
            return Err(RunError::ForeignRecord);
        }
        record
            .config
            .clone()
            .validate_with_budget(u64::MAX)
            .map_err(RunError::RecordConfig)?;
        self.record = record;
        Ok(())
    }

    /// What reproduces this run: the config it started from with every live
    /// change of λ and η in `train.schedule` (the link and `lowrank-lab run
    /// --config` take it), or why it cannot.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    /// The full state (config and every trainer), for export; see [`Run::from_state`].
    pub fn state(&self) -> RunState {
        RunState {
            config: self.cfg.config().clone(),
            tasks: self.trainers.iter().map(|t| t.state()).collect(),
        }
    }

    /// Rebuild a run from an exported state: the config is validated (with
    /// `budget` bytes, so nothing is allocated for a run that cannot fit), the
    /// state's task count and layer shapes are checked against it before the
    /// data is regenerated, and every trainer is restored (which checks the rest).
    pub fn from_state(state: RunState, budget: u64) -> Result<Run, RunError> {
        let cfg = state.config.validate_with_budget(budget).map_err(RunError::Config)?;
        if state.tasks.len() != cfg.data.tasks {
            return Err(RunError::TaskCount {
                got: state.tasks.len(),
                want: cfg.data.tasks,
            });
        }
        let shapes = crate::train::state::expected_shapes(&cfg);
        for (i, st) in state.tasks.iter().enumerate() {
            let path = format!("state.tasks[{i}]");
            if st.task != i {
                return Err(StateError::Inconsistent {
                    path: format!("{path}.task"),
                    reason: format!("is {}, expected {i} (tasks in order)", st.task),
                }
                .into());
            }
            for (name, p) in [
                ("params", &st.params),
                ("initial", &st.initial),
                ("ema", &st.ema),
                ("checkpoint", &st.checkpoint),
            ] {
                crate::train::state::check_params(p, &shapes, &format!("{path}.{name}"))?;
            }
        }
        let mut run = Run::new(&cfg);
        for (i, (t, st)) in run.trainers.iter_mut().zip(state.tasks).enumerate() {
            t.restore_at(st, &format!("state.tasks[{i}]"))?;
        }
        run.record.reproducible = false;
        run.record.note = Some(
            "this run continues an imported state: a link or config file gives its config, \
             not the training that led to the imported weights"
                .into(),
        );
        Ok(run)
    }

    /// Everything, as numbers.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot_with(|_, h| h.clone())
    }

    /// As [`Run::snapshot`], with task `i`'s history given by `history(i, its History)`
    /// (live snapshots send only its new points without copying the rest).
    pub fn snapshot_with<H>(&self, mut history: impl FnMut(usize, &History) -> H) -> Snapshot<H> {
        let merge = self.merge_report();
        let tasks: Vec<TaskSnapshot<H>> = self
            .trainers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let current = t.metrics();
                let task = data::task_name(t.task());
                TaskSnapshot {
                    notes: crate::run::notes::task_notes(&task, &current),
                    task,
                    status: t.status().clone(),
                    current,
                    history: history(i, t.history()),
                }
            })
            .collect();
        let current: Vec<&Metrics> = tasks.iter().map(|t| &t.current).collect();
        Snapshot {
            claims: self.claims_with(&current, merge.as_ref()),
            config: self.cfg.config().clone(),
            data_hash: self.data_hash.clone(),
            overlap: self.data.overlap.clone(),
            tasks,
            merge,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot_with_nan_round_trips_through_json() {
        let cfg = crate::config::Config::default().validate().unwrap();
        let run = super::Run::new(&cfg);
        let mut s = run.snapshot();
        s.tasks[0].current.stationarity = f64::NAN;
        s.tasks[0].current.loss = f64::INFINITY;
        let text = serde_json::to_string(&s).unwrap();
        let back: super::Snapshot = serde_json::from_str(&text).unwrap();
        assert!(back.tasks[0].current.stationarity.is_nan());
        assert!(back.tasks[0].current.loss.is_nan());
    }
}
