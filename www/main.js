// The page: moves the config between the DOM and Rust (every check is
// Rust's), drives the training worker, keeps the URL hash, and draws the
// charts (drawing needs `window`, so it happens here, never in the worker).
// It keeps the run's last exported state: a worker that crashes is replaced
// and the run restored from it, and a paused or finished run is saved
// (IndexedDB) and restored after a reload. Text from users, files and error
// messages is only ever inserted as text (textContent), never as HTML.

import { simd } from 'wasm-feature-detect';
import * as store from './store.js';
import {
  fileStem,
  fmt,
  fmtDuration,
  fmtInt,
  getKey,
  historyCsv,
  lambdaAtPosition,
  numberJson,
  pairsJson,
  pairsText,
  positionOfLambda,
  widthsJson,
  widthsText,
} from './state.js';

const T0 = performance.now();
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const FRAME_MS = 33; // redraw at most ~30 times per second
const FRAME_BUDGET_MS = 14; // drawing time per frame (at least one chart)
const SWEEP_KEY = 'data.rho';
const SWEEP_VALUES = ['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8'];
const LIVE_KEYS = ['train.lambda', 'train.lr'];

let wasm = null;
let presets = [];
let config = null; // normalised config JSON text (Rust's)
let configObj = null;
let presetName = null; // the preset the config came from
let presetModified = false;
let worker = null;
let workerReady = false;
let workerLoaded = false;
let runSeq = 0; // ids of runs, so a state posted for an earlier run is not kept for this one
let currentRunId = 0;
let lastState = null; // {text, step, config}: the current run's last exported RunState and its config
const crashTimes = []; // recent worker crashes (restarting stops if they come in a burst)
const MAX_IMPORT_BYTES = 1 << 30;
// The live snapshot: the charts draw from `snapshots` (a wasm ChartStore that the
// workers' deltas update, src/snapshot_delta.rs); `snapshotObj` is the last delta
// parsed here, whose current metrics, merge report and overlap fill the tables
// (its histories hold only the newest points).
let snapshots = null;
let snapshotObj = null;
let boundariesText = null;
let sweepData = null; // merge_overlap chart JSON
let methodsSweepData = null; // merge_methods chart input JSON ({key, values, methods, finals})
let progress = null;
let playing = false;
let runEnded = false;
let depth = 0;
let firstChartMs = null;
let requestSeq = 0;
const requests = new Map();
const invalid = new Map(); // key -> value JSON the user typed that Rust refused
const liveChanges = [];

// ---------------------------------------------------------------- messages

function showError(context, message) {
  const el = $('#error');
  el.hidden = false;
  el.textContent = '';
  const b = document.createElement('strong');
  b.textContent = context ? `Error (${context}): ` : 'Error: ';
  el.append(b, document.createTextNode(message));
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.textContent = '×';
  close.setAttribute('aria-label', 'dismiss');
  close.addEventListener('click', () => {
    el.hidden = true;
  });
  el.append(close);
}

function showNotice(text) {
  const el = $('#notice');
  el.hidden = false;
  el.textContent = text;
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

// ---------------------------------------------------------------- config <-> DOM

function controls() {
  return $$('#controls [data-key]');
}

function errorSlot(key) {
  return $(`[data-error-for="${CSS.escape(key)}"]`);
}

function setFieldError(key, message) {
  const slot = errorSlot(key);
  if (slot) slot.textContent = message || '';
  for (const el of $$(`#controls [data-key="${CSS.escape(key)}"]`)) {
    if (message) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }
}

/** The JSON text a control's current value stands for. */
function controlJson(el) {
  switch (el.dataset.kind) {
    case 'number':
      return numberJson(el.value);
    case 'widths':
      return widthsJson(el.value);
    case 'pairs':
      return pairsJson(el.value);
    case 'select':
      return JSON.stringify(el.value);
    case 'bool':
      return el.checked ? 'true' : 'false';
    case 'lambda':
      return lambdaAtPosition(el.value);
    case 'methods':
      return JSON.stringify(
        $$('#controls [data-kind="methods"]')
          .filter((c) => c.checked)
          .map((c) => c.value),
      );
    default:
      throw new Error(`unknown control kind ${el.dataset.kind}`);
  }
}

/** Show the config in every control (except keys the user left invalid). */
function fillControls() {
  for (const el of controls()) {
    const key = el.dataset.key;
    if (invalid.has(key)) continue;
    const v = getKey(configObj, key);
    switch (el.dataset.kind) {
      case 'number':
        el.value = String(v);
        break;
      case 'widths':
        el.value = widthsText(v);
        break;
      case 'pairs':
        el.value = pairsText(v);
        break;
      case 'select':
        el.value = v;
        break;
      case 'bool':
        el.checked = !!v;
        break;
      case 'lambda':
        el.value = String(positionOfLambda(v));
        break;
      case 'methods':
        el.checked = v.includes(el.value);
        break;
      default:
        break;
    }
  }
  updateVisibility();
  $('#config-json').textContent = config;
  $('#paper-lambda').textContent = wasm.paper_lambda_text(configObj.train.lambda);
}

function whenHolds(expr) {
  const gt = expr.match(/^([\w.]+)>(\d+)$/);
  if (gt) return Number(getKey(configObj, gt[1])) > Number(gt[2]);
  const has = expr.match(/^([\w.]+)~(\w+)$/);
  if (has) return (getKey(configObj, has[1]) || []).includes(has[2]);
  const [key, values] = expr.split('=');
  return values.split('|').includes(String(getKey(configObj, key)));
}

function updateVisibility() {
  for (const el of $$('[data-when]')) {
    if (el.id === 'sweep-chart' || el.id === 'methods-sweep-chart') continue;
    el.hidden = !whenHolds(el.dataset.when);
  }
  const k = configObj.data.tasks;
  const sweepOk = k > 1 && configObj.data.generator === 'mixing';
  $('#sweep').disabled = !sweepOk || !wasm;
  $('#sweep').title = sweepOk ? '' : 'needs the mixing generator and at least two tasks';
  const status = $('#sweep-status');
  if (!sweepData && $('#sweep-cancel').hidden) {
    status.textContent = sweepOk ? '' : 'Available with the mixing generator (data.generator = mixing), e.g. the merge-overlap preset.';
  }
}

function updateHash() {
  let h;
  try {
    h = wasm.encode_hash(config, presetName || undefined);
  } catch (e) {
    showError('link', errorText(e));
    return;
  }
  if (location.hash !== h) history.replaceState(null, '', h);
  $('#link').value = location.href;
}

function updatePresetPicker() {
  for (const el of $$('#presets [data-preset]')) {
    const on = el.dataset.preset === presetName;
    el.classList.toggle('selected', on);
    el.setAttribute('aria-checked', on ? 'true' : 'false');
    el.classList.toggle('modified', on && presetModified);
  }
  const p = presets.find((x) => x.name === presetName);
  if (p) {
    $('#explain-title').textContent = presetModified ? `${p.name} (modified)` : p.name;
    $('#explain-see').textContent = `You should see: ${p.see}`;
    $('#explain-text').textContent = p.explain;
    $('#explain-grid').textContent = p.grid.length
      ? `On the command line this preset sweeps ${p.grid.join(' × ')}: lowrank-lab sweep --preset ${p.name} --out out`
      : '';
  } else {
    $('#explain-title').textContent = 'Default configuration';
    $('#explain-see').textContent = 'One task: a one-hidden-layer ReLU net (width 200) on 20 Gaussian points in d = 100, λ = 0.01.';
    $('#explain-text').textContent =
      'Pick an experiment on the left to load a config that shows one phenomenon, or change the controls. Press play to train; the charts follow live.';
    $('#explain-grid').textContent = '';
  }
}

/** Show `next` (normalised by Rust) as the config: controls, link, preset, saved config. */
function showConfig(next) {
  const prev = configObj;
  config = next;
  configObj = JSON.parse(next);
  fillControls();
  updateHash();
  updatePresetPicker();
  // Boundary panels and the weights picker follow the task count and generator.
  if (!prev || prev.data.generator !== configObj.data.generator || prev.data.tasks !== configObj.data.tasks) {
    renderBoundaryCards();
  }
  fillWeightsPicker();
  store.saveConfig({ config, preset: presetName, presetModified });
  return prev;
}

/**
 * Make `next` (normalised by Rust) the config. λ and η changes reach the
 * running Lab live; any other change re-creates the run. With `run: false`
 * only the page changes (the worker's run already has this config).
 */
function commitConfig(next, { fromPreset = false, run = true } = {}) {
  if (fromPreset) presetModified = false;
  else if (presetName) presetModified = true;
  const prev = showConfig(next);
  if (!run) return;
  if (!prev || !workerReady) {
    initRun();
    return;
  }
  const changed = changedKeys(prev, configObj);
  if (changed.length === 0 && !fromPreset) return;
  if (changed.every((k) => LIVE_KEYS.includes(k)) && !fromPreset) {
    for (const k of changed) {
      const value = getKey(configObj, k);
      worker.postMessage({ type: k === 'train.lambda' ? 'set_lambda' : 'set_lr', value });
      const step = progress ? progress.step : 0;
      if (step > 0) liveChanges.push(`${k === 'train.lambda' ? 'λ' : 'η'} → ${value} at step ${step}`);
    }
    renderLiveChanges();
    return;
  }
  initRun();
}

function changedKeys(a, b, prefix = '') {
  const out = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const key = prefix ? `${prefix}.${k}` : k;
    const x = a[k];
    const y = b[k];
    if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x)) out.push(...changedKeys(x, y, key));
    else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(key);
  }
  return out;
}

function renderLiveChanges() {
  const el = $('#live');
  el.hidden = liveChanges.length === 0;
  el.textContent = liveChanges.length ? `changed live: ${liveChanges.slice(-2).join('; ')}${liveChanges.length > 2 ? ' …' : ''}` : '';
  el.title = liveChanges.length
    ? `Changed while training: ${liveChanges.join('; ')}. The link holds the current values, so it reproduces a run with them from step 0, not this one.`
    : '';
}

function onControl(el) {
  const key = el.dataset.key;
  const value = controlJson(el);
  let next;
  try {
    next = wasm.set_config_key(config, key, value);
  } catch (e) {
    invalid.set(key, value);
    setFieldError(key, errorText(e));
    return;
  }
  invalid.delete(key);
  setFieldError(key, '');
  // A value refused earlier may be fine now (e.g. d raised for planar tasks).
  for (const [k, v] of Array.from(invalid)) {
    try {
      next = wasm.set_config_key(next, k, v);
      invalid.delete(k);
      setFieldError(k, '');
    } catch (e) {
      setFieldError(k, errorText(e));
    }
  }
  if (key === 'train.lambda') {
    // Keep the slider and the box in step with each other.
    const lam = JSON.parse(next).train.lambda;
    for (const c of $$('#controls [data-key="train.lambda"]')) {
      if (c !== el) c.value = c.dataset.kind === 'lambda' ? String(positionOfLambda(lam)) : String(lam);
    }
  }
  commitConfig(next);
}

function clearInvalid() {
  for (const k of Array.from(invalid.keys())) setFieldError(k, '');
  invalid.clear();
}

function choosePreset(name) {
  const p = presets.find((x) => x.name === name);
  if (!p) return;
  let next;
  try {
    next = wasm.validate_config(JSON.stringify(p.config));
  } catch (e) {
    showError(`preset ${name}`, errorText(e));
    return;
  }
  presetName = name;
  clearInvalid();
  commitConfig(next, { fromPreset: true });
}

function renderPresets() {
  const box = $('#presets');
  box.textContent = '';
  for (const p of presets) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'preset';
    b.dataset.preset = p.name;
    b.dataset.testid = `preset-${p.name}`;
    b.setAttribute('role', 'radio');
    b.setAttribute('aria-checked', 'false');
    const n = document.createElement('span');
    n.className = 'preset-name';
    n.textContent = p.name;
    const s = document.createElement('span');
    s.className = 'preset-see';
    s.textContent = p.see;
    b.append(n, s);
    b.addEventListener('click', () => choosePreset(p.name));
    box.append(b);
  }
}

// ---------------------------------------------------------------- the worker

/** Forget the page's view of the run (a new or restored run follows). */
function clearRunView(live = []) {
  playing = false;
  runEnded = false;
  progress = null;
  progressPending = null;
  if (snapshots) snapshots.clear();
  snapshotObj = null;
  boundariesText = null;
  liveChanges.length = 0;
  liveChanges.push(...live);
  renderLiveChanges();
  $('#divergence').hidden = true;
  renderLrHint(null);
}

/** A new run id; the kept state and the saved run belong to the previous one. */
function newRun() {
  currentRunId = ++runSeq;
  lastState = null;
  document.body.dataset.stateStep = '';
  store.clearRun().then(() => {
    if (lastState === null) document.body.dataset.savedStep = '';
  });
  return currentRunId;
}

function initRun() {
  clearRunView();
  if (!$('#sweep-cancel').hidden) send('cancel_sweep');
  if (sweepData || methodsSweepData) {
    // The sweep belonged to the previous config.
    sweepData = null;
    methodsSweepData = null;
    $('#sweep-chart').hidden = true;
    $('#methods-sweep-chart').hidden = true;
    $('#sweep-table').textContent = '';
    $('#methods-sweep-table').textContent = '';
    $('#sweep-status').textContent = '';
    updateVisibility();
  }
  markAllStale();
  setStatus('initialising');
  worker.postMessage({ type: 'init', config, runId: newRun() });
  updateButtons();
}

/**
 * Continue a run from exported RunState text in the worker (Lab.from_state):
 * after a reload ('reload'), a worker crash ('crash') or from a file ('import').
 * The worker answers 'restored' (the page then shows the run and its config)
 * or 'restore_failed' with Rust's message (an import keeps the current run).
 */
function requestRestore(text, context, extra = {}) {
  const runId = ++runSeq;
  pendingRestores.set(runId, Object.assign({ text, context }, extra));
  if (context !== 'import') setStatus('restoring');
  worker.postMessage({ type: 'restore', state: text, runId, context });
}
const pendingRestores = new Map();

function onRestored(m) {
  const r = pendingRestores.get(m.runId);
  pendingRestores.delete(m.runId);
  if (!r) return;
  if (r.context === 'import' && !$('#sweep-cancel').hidden) send('cancel_sweep');
  clearRunView(r.liveChanges || []);
  markAllStale();
  currentRunId = m.runId;
  lastState = { text: r.text, step: m.step, config: m.config };
  document.body.dataset.stateStep = String(m.step);
  if (m.config !== config) {
    // An imported run brings its own config (λ and η as they were last set).
    presetName = r.preset !== undefined ? r.preset : presetMatching(m.config);
    presetModified = !!r.presetModified;
    clearInvalid();
    showConfig(m.config);
  }
  if (r.context === 'import') {
    $('#import-status').textContent = `imported ${r.name ? `“${r.name}” ` : ''}at step ${m.step}`;
  }
  persistRun();
  updateButtons();
}

function onRestoreFailed(m) {
  const r = pendingRestores.get(m.runId);
  pendingRestores.delete(m.runId);
  if (!r) return;
  if (r.context === 'import') {
    showError('import run', m.message);
    $('#import-status').textContent = '';
    return;
  }
  showNotice(`The ${r.context === 'crash' ? 'crashed' : 'saved'} run could not be restored (${m.message}); starting it again from its config.`);
  initRun();
}

/** The preset whose config is exactly `configText`, else null. */
function presetMatching(configText) {
  for (const p of presets) {
    try {
      if (wasm.validate_config(JSON.stringify(p.config)) === configText) return p.name;
    } catch (e) {
      // A preset Rust refuses matches nothing.
    }
  }
  return null;
}

/** Save the current run (its last state) for a reload. */
function persistRun() {
  if (!lastState) return;
  const record = {
    config: lastState.config,
    preset: presetName,
    presetModified,
    liveChanges: liveChanges.slice(),
    state: lastState.text,
    step: lastState.step,
    savedAt: Date.now(),
  };
  store.saveRun(record).then((written) => {
    if (written) document.body.dataset.savedStep = String(written.step);
  });
}

function send(type, extra) {
  worker.postMessage(Object.assign({ type }, extra || {}));
}

function request(type, extra) {
  const requestId = ++requestSeq;
  return new Promise((resolve, reject) => {
    requests.set(requestId, { resolve, reject });
    send(type, Object.assign({ requestId }, extra || {}));
  });
}

function onWorkerMessage(ev) {
  const m = ev.data;
  switch (m.type) {
    case 'loaded':
      workerLoaded = true;
      onWorkerLoaded(m);
      break;
    case 'state':
      if (m.runId !== currentRunId) break;
      lastState = { text: m.state, step: m.step, config: m.config };
      document.body.dataset.stateStep = String(m.step);
      persistRun();
      break;
    case 'restored':
      onRestored(m);
      break;
    case 'restore_failed':
      onRestoreFailed(m);
      break;
    case 'crash':
      onWorkerCrash(m.message);
      break;
    case 'ready':
      depth = m.depth;
      fillWeightsPicker();
      break;
    case 'progress':
      onProgress(m);
      break;
    case 'snapshot':
      // The training worker's time on snapshots (bench/page-live.mjs reports its share).
      perf.snapshotWorkerMs += m.ms || 0;
      showSnapshot(m, worker);
      break;
    case 'want_analyst':
      if (!analyst) startAnalyst();
      else if (analystOk) send('analyst', { ok: true });
      break;
    case 'live':
      perf.snapshotWorkerMs += m.ms || 0;
      if (analystOk) analyst.postMessage(m, [m.data.buffer]);
      else send('snapshot_ack');
      break;
    case 'done':
      playing = false;
      runEnded = true;
      updateButtons();
      setStatus(statusText());
      break;
    case 'paused':
      playing = false;
      updateButtons();
      setStatus(statusText());
      break;
    case 'final':
    case 'export':
    case 'mem':
    case 'split_report':
    case 'weights': {
      const r = requests.get(m.requestId);
      if (r) {
        requests.delete(m.requestId);
        r.resolve(m);
      }
      break;
    }
    case 'sweep_progress':
      onSweepProgress(m);
      break;
    case 'sweep_done':
      onSweepDone(m);
      break;
    case 'sweep_cancelled':
      sweepUi(false);
      $('#sweep-status').textContent = 'sweep cancelled';
      break;
    case 'error':
      for (const [, r] of requests) r.reject(new Error(m.message));
      requests.clear();
      showError(m.context, m.message);
      if (m.context === 'init') setStatus('error');
      break;
    default:
      break;
  }
}

function statusText() {
  if (!progress) return 'initialising';
  const st = progress.status || [];
  const div = st.find((s) => s.state === 'diverged');
  if (div) return `diverged at step ${div.step}`;
  if (st.some((s) => s.state === 'stalled')) return 'stalled';
  if (!progress.running) return 'done';
  if (playing) return 'running';
  return progress.step === 0 ? 'ready' : 'paused';
}

function setStatus(text) {
  const el = $('#status');
  el.textContent = text;
  el.dataset.state = text.split(' ')[0];
}

// While training, the progress line, gauge and status are redrawn at most every
// PROGRESS_MS (the worker reports after every ~20 ms budget): each DOM change costs
// the page a style, layout, paint and commit, which on two cores competes with
// training. The newest report waits in `progressPending` and frame() shows it.
const PROGRESS_MS = 100;
let progressShownAt = -Infinity;
let progressPending = null;

function onProgress(m) {
  const p = m.progress;
  progress = p;
  if (!runEnded && !p.running) runEnded = true;
  if (p.running) runEnded = false;
  if (m.playing && performance.now() - progressShownAt < PROGRESS_MS) {
    progressPending = m;
    return;
  }
  showProgress(m);
}

function showProgress(m) {
  const p = m.progress;
  progressPending = null;
  progressShownAt = performance.now();
  const gf = p.optimizer === 'gf';
  $('#step-count').textContent = String(p.step);
  $('#step-total').textContent = gf ? '' : ` / ${fmtInt(p.total_steps)}`;
  $('#time-line').textContent = gf ? `t = ${fmt(p.time)} / ${fmt(p.total_time)}` : `t = ${fmt(p.time)}`;
  const bar = $('#progress');
  bar.max = gf ? p.total_time : p.total_steps;
  bar.value = gf ? p.time : p.step;
  const rate = m.stepsPerSec;
  $('#rate').textContent = rate ? `${fmtInt(rate)} steps/s` : '';
  if (p.running && rate && m.playing) {
    const left = gf ? null : (p.total_steps - p.step) / rate;
    $('#eta').textContent = left === null ? '' : `ETA ${fmtDuration(left)}`;
  } else {
    $('#eta').textContent = '';
  }
  renderGauge(m.stationarity);
  renderDivergence(p);
  setStatus(statusText());
  updateButtons();
}

// `g` is Rust's gauge reading {value, note}; the note, when present, says why there is no number.
function renderGauge(g) {
  const v = g ? g.value : null;
  $('#gauge-value').textContent = g && g.note ? g.note : v === null || v === undefined ? '—' : fmt(v, 3);
  // Fill: 0 at residual ≥ 1, full at ≤ 1e-8 (log scale).
  const fill = $('#gauge-fill');
  let frac = 0;
  if (typeof v === 'number' && v > 0 && Number.isFinite(v)) frac = Math.min(1, Math.max(0, -Math.log10(v) / 8));
  else if (v === 0) frac = 1;
  fill.style.width = `${(frac * 100).toFixed(1)}%`;
  fill.dataset.level = frac > 0.5 ? 'good' : frac > 0.2 ? 'mid' : 'low';
}

function renderDivergence(p) {
  const el = $('#divergence');
  const st = p.status || [];
  const names = snapshotObj ? snapshotObj.tasks.map((t) => t.task) : st.map((_, i) => String.fromCharCode(97 + i));
  const div = st.map((s, i) => [s, names[i]]).filter(([s]) => s.state === 'diverged');
  const stalled = st.map((s, i) => [s, names[i]]).filter(([s]) => s.state === 'stalled');
  if (!div.length) renderLrHint(null);
  if (!div.length && !stalled.length) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.textContent = '';
  const lr = configObj.train.lr;
  if (div.length) {
    const [s, task] = div[0];
    // Rust estimates the curvature h at the last finite state: η < 2/(h + λ) is stable there.
    const curv = Number.isFinite(s.suggested_lr) && s.suggested_lr > 0;
    const suggestion = String(Number((curv ? s.suggested_lr : lr / 4).toPrecision(3)));
    const why = curv ? 'below 2/(h + λ), with h the loss curvature at the last finite state' : 'η/4';
    // Where θ was put back to (the last checkpoint with a finite loss and gradient).
    const own = snapshotObj && snapshotObj.tasks.find((t) => t.task === task);
    const kept = task === names[0] || !own ? p.step : own.current.step;
    const msg = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = `Training diverged at step ${s.step}`;
    msg.append(
      strong,
      document.createTextNode(
        `: the ${s.quantity} of task ${task}${div.length > 1 ? ` (and ${div.length - 1} more task${div.length > 2 ? 's' : ''})` : ''} became non-finite (NaN or ∞). ` +
          `Training stopped there and kept the last finite state, at step ${kept}; the charts show it. ` +
          `Continue from it with a smaller step size, e.g. η = ${suggestion} (${why}).`,
      ),
    );
    el.append(msg);
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `Continue from step ${kept} with η = ${suggestion}`;
    b.dataset.testid = 'use-smaller-lr';
    b.addEventListener('click', () => continueWithLr(suggestion));
    el.append(b);
    renderLrHint(suggestion, s.step);
  } else {
    const [s, task] = stalled[0];
    const msg = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = `Gradient flow stalled at time t = ${fmt(s.time)}`;
    msg.append(
      strong,
      document.createTextNode(
        ` (task ${task}): the adaptive step size fell to ${fmt(s.step_size, 3)} without meeting the tolerance. ` +
          'The dynamics are too stiff here: try a smaller λ or time budget, a looser train.rtol, or gradient descent with a small η.',
      ),
    );
    el.append(msg);
  }
}

/** The suggested η next to the η control after a divergence (null clears it). */
function renderLrHint(suggestion, step) {
  const el = $('#lr-hint');
  if (!el) return;
  el.textContent = suggestion === null ? '' : `diverged at step ${step}: try η = ${suggestion}`;
  el.dataset.value = suggestion === null ? '' : String(suggestion);
}

/** After a divergence: η → `lr` on the running Lab (live) and go on from the kept state. */
function continueWithLr(lr) {
  let next;
  try {
    next = wasm.set_config_key(config, 'train.lr', lr);
  } catch (e) {
    showError('train.lr', errorText(e));
    return;
  }
  invalid.delete('train.lr');
  setFieldError('train.lr', '');
  commitConfig(next);
  $('#divergence').hidden = true;
  renderLrHint(null);
  playing = true;
  send('play');
  setStatus('running');
  updateButtons();
}

function updateButtons() {
  const ready = workerReady && !!progress;
  const running = !!(progress && progress.running);
  $('#play').disabled = !ready || playing || !running;
  $('#pause').disabled = !ready || !playing;
  $('#step').disabled = !ready || playing || !running;
  $('#reset').disabled = !ready;
  $('#new-seed').disabled = !ready;
}

// ---------------------------------------------------------------- tables

function cell(tag, text, attrs) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (attrs) for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function numCell(value, testid, digits) {
  const td = cell('td', fmt(value, digits));
  td.className = 'num';
  if (testid) td.dataset.testid = testid;
  td.dataset.value = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) td.classList.add('bad');
  return td;
}

/** A cell with Rust's note (why there is no number) if there is one, else `number()`. */
function noteOr(note, number, testid) {
  return note ? cell('td', note, { class: 'note', 'data-testid': testid }) : number();
}

function fillTable(table, head, rows) {
  table.textContent = '';
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const h of head) tr.append(typeof h === 'string' ? cell('th', h) : h);
  thead.append(tr);
  const tbody = document.createElement('tbody');
  for (const r of rows) {
    const row = document.createElement('tr');
    for (const c of r) row.append(c);
    tbody.append(row);
  }
  table.append(thead, tbody);
}

function renderTables() {
  const s = snapshotObj;
  if (!s) return;
  const collapsed = s.tasks.map((t) => t.notes && t.notes.collapsed).filter(Boolean);
  $('#collapse-warning').hidden = !collapsed.length;
  $('#collapse-warning').textContent = collapsed.join(' ');
  // Current metrics per task.
  const rows = s.tasks.map((t) => {
    const c = t.current;
    const l1 = c.layers[0];
    const notes = t.notes || { numerical_rank: [] };
    const rb = c.rank_bound;
    return [
      cell('th', t.task, { scope: 'row' }),
      numCell(c.step, `task-${t.task}-step`),
      numCell(c.loss, `task-${t.task}-loss`),
      numCell(c.objective, `task-${t.task}-objective`),
      numCell(c.accuracy, `task-${t.task}-accuracy`),
      noteOr(notes.stationarity, () => numCell(c.stationarity, `task-${t.task}-stationarity`, 3), `task-${t.task}-stationarity`),
      noteOr(notes.ranks, () => numCell(l1 ? l1.stable_rank : null, `task-${t.task}-stable-rank`), `task-${t.task}-stable-rank`),
      noteOr(notes.ranks, () => numCell(l1 ? l1.effective_rank : null, `task-${t.task}-effective-rank`), `task-${t.task}-effective-rank`),
      noteOr(
        notes.ranks || (l1 && l1.numerical_rank === null && notes.numerical_rank[0]),
        () => numCell(l1 ? l1.numerical_rank : null, `task-${t.task}-numerical-rank`),
        `task-${t.task}-numerical-rank`,
      ),
      numCell(c.outside_span, `task-${t.task}-outside-span`, 3),
      noteOr(notes.ranks, () => cell('td', rb ? `${fmt(rb.measured, 3)} ≤ ${fmt(rb.bound, 3)}` : '—', { class: 'num', title: rb ? rb.kind : '' })),
    ];
  });
  fillTable(
    $('#task-table'),
    ['task', 'step', 'loss L', 'objective F', 'accuracy', '‖∇L+λθ‖/‖λθ‖', 'stable rank W₁', 'effective rank W₁', 'numerical rank W₁', 'W₁ outside span(X)', 'stable-rank bound: measured ≤ bound'],
    rows,
  );

  const merge = s.merge;
  if (!merge) return;
  // Every net on every task.
  const tasks = s.tasks.map((t) => t.task);
  const nets = [];
  for (const e of merge.evals) if (!nets.includes(e.net)) nets.push(e.net);
  const head = ['net'];
  for (const t of tasks) head.push(`acc ${t}`, `loss ${t}`, `Δf ${t}`);
  const mrows = nets.map((n) => {
    const r = [cell('th', tasks.includes(n) ? `net ${n}` : n, { scope: 'row' })];
    for (const t of tasks) {
      const e = merge.evals.find((x) => x.net === n && x.task === t);
      r.push(
        numCell(e ? e.accuracy : null, `merge-${n}-${t}-accuracy`),
        numCell(e ? e.loss : null, `merge-${n}-${t}-loss`),
        numCell(e ? e.max_output_change : null, `merge-${n}-${t}-change`, 3),
      );
    }
    if (!tasks.includes(n)) r[0].classList.add('merged');
    return r;
  });
  fillTable($('#merge-table'), head, mrows);
  renderMergeDetails(merge);
  renderDiagnostics(merge.diagnostics);

  // Overlap statistics of the inputs and of the trained nets.
  const orows = s.overlap.pairs.map((p) => {
    const ang = p.principal_angles_deg || [];
    const hidden = merge.hidden_overlap.filter((h) => (h.a === p.a && h.b === p.b) || (h.a === p.b && h.b === p.a));
    const cross = merge.cross_talk.filter((h) => (h.a === p.a && h.b === p.b) || (h.a === p.b && h.b === p.a));
    return [
      cell('th', `${p.a} – ${p.b}`, { scope: 'row' }),
      numCell(p.max_abs_inner, `overlap-${p.a}-${p.b}-max-inner`, 3),
      numCell(p.mean_abs_inner, `overlap-${p.a}-${p.b}-mean-inner`, 3),
      cell('td', ang.length ? `${fmt(ang[0], 3)}° … ${fmt(ang[ang.length - 1], 3)}° (${ang.length})` : '—', { class: 'num' }),
      cell('td', hidden.length ? hidden.map((h) => `L${h.layer}: ${fmt(h.value, 3)}`).join(', ') : '—', { class: 'num' }),
      cell('td', cross.length ? cross.map((h) => `${h.b}→${h.a}: ${fmt(h.value, 3)}`).join(', ') : '—', { class: 'num' }),
    ];
  });
  fillTable(
    $('#overlap-table'),
    ['pair', 'max |⟨x, x′⟩|', 'mean |⟨x, x′⟩|', 'principal angles', 'hidden overlap ‖UₐᵀU_b‖₂', 'cross-talk ‖W₁ᵇXₐᵀ‖_F'],
    orows,
  );
  const brows = merge.bound.map((b) => [
    cell('th', `task ${b.task}`, { scope: 'row' }),
    numCell(b.max_change, `bound-${b.task}-change`, 3),
    numCell(b.max_bound, `bound-${b.task}-bound`, 3),
    cell('td', b.holds ? 'holds' : 'VIOLATED', { class: b.holds ? 'ok' : 'bad' }),
  ]);
  if (brows.length) {
    fillTable($('#bound-table'), ['sum merge', 'max |f_sum − f_own|', 'derived bound', 'check'], brows);
  } else {
    fillTable($('#bound-table'), ['derived merge bound'], [[cell('td', 'not applicable: it needs a shallow net (one hidden layer) with a fixed shared output layer and λ > 0')]]);
  }
}

/** One line per merge method: what it did (counts and ranks as Rust reported them). */
function methodText(d) {
  if (d.regmean) {
    return d.regmean.map((l) => `W${l.layer}: ΣG used in ${l.rank} of ${l.dim} directions, ridge ε = ${fmt(l.ridge, 2)}`).join('; ');
  }
  if (d.ties) {
    const t = d.ties;
    return `kept the top ${fmtInt(t.kept)} of ${fmtInt(t.entries)} entries of each task vector; ${fmtInt(t.conflicts)} entries had kept values of both signs (sign elected); ${fmtInt(t.untouched)} left at θ₀; α = ${fmt(d.alpha)}`;
  }
  if (d.dare) {
    return `kept ${d.dare.kept.map(fmtInt).join(', ')} of ${fmtInt(d.dare.entries)} entries (per task), rescaled by 1/(1 − p); α = ${fmt(d.alpha)}`;
  }
  if (d.spectral_ranks) {
    return d.spectral_ranks
      .map((ranks, t) => `net ${String.fromCharCode(97 + t)}: ` + ranks.map((r, l) => (r ? `W${l + 1} rank ${r}` : null)).filter((x) => x).join(', '))
      .join('; ');
  }
  if (d.alpha !== undefined && d.alpha !== null) return `θ₀ + α·Σ(θ_t − θ₀), α = ${fmt(d.alpha)}`;
  return d.method === 'sum' ? 'trained layers added, fixed layers copied once' : 'trained layers averaged';
}

function renderMergeDetails(merge) {
  const rows = (merge.methods || []).map((d) => [
    cell('th', d.method, { scope: 'row', class: 'merged' }),
    cell('td', methodText(d), { 'data-testid': `method-${d.method}` }),
  ]);
  fillTable($('#methods-table'), ['method', 'what it did'], rows);
}

function renderDiagnostics(diag) {
  if (!diag) return;
  const prow = diag.pairs.map((p) => {
    const id = `diag-${p.a}-${p.b}-${p.layer}`;
    return [
      cell('th', `${p.a} – ${p.b}, W${p.layer}`, { scope: 'row' }),
      numCell(p.task_cosine, `${id}-cosine`, 3),
      numCell(p.sign_conflicts, `${id}-signs`, 3),
      numCell(p.input_overlap, `${id}-input`, 3),
      numCell(p.input_overlap_mean, `${id}-input-mean`, 3),
      numCell(p.output_overlap, `${id}-output`, 3),
      numCell(p.output_overlap_mean, `${id}-output-mean`, 3),
      cell('td', `${p.rank_a}, ${p.rank_b}${p.forced[0] ? ' (input forced)' : ''}${p.forced[1] ? ' (output forced)' : ''}`, { class: 'num' }),
    ];
  });
  fillTable(
    $('#diag-table'),
    ['pair, layer', 'cos(τₐ, τ_b)', 'sign conflicts', 'input overlap (max cos)', 'input overlap (mean cos²)', 'output overlap (max cos)', 'output overlap (mean cos²)', 'directions rₐ, r_b'],
    prow,
  );
  const erow = diag.energy.map((e) => [
    cell('th', `net ${e.net}, W${e.layer}`, { scope: 'row' }),
    cell('td', e.trivial ? `${e.top} (all: trivially 1)` : String(e.top), { class: 'num' }),
    numCell(e.task_energy, `energy-${e.net}-${e.layer}-task`, 4),
    numCell(e.weight_energy, `energy-${e.net}-${e.layer}-weight`, 4),
  ]);
  fillTable($('#energy-table'), ['net, layer', 'top n', 'energy of τ = W − W₀', 'energy of W'], erow);
  const last = (xs) => (xs && xs.length ? xs[xs.length - 1] : null);
  const trow = diag.paths.map((p) => {
    const name = p.path === 'weights' ? `θ${p.a} + t·θ${p.b}` : `θ${p.a} + t·(θ${p.b} − θ₀)`;
    const id = `path-${p.a}-${p.b}-${p.path}`;
    return [
      cell('th', name, { scope: 'row' }),
      numCell(p.loss_a[0], `${id}-a0`, 3),
      numCell(last(p.loss_a), `${id}-a1`, 3),
      numCell(p.barrier_a, `${id}-barrier-a`, 3),
      numCell(p.loss_b[0], `${id}-b0`, 3),
      numCell(last(p.loss_b), `${id}-b1`, 3),
      numCell(p.barrier_b, `${id}-barrier-b`, 3),
    ];
  });
  fillTable($('#path-table'), ['path θ_start + t·(…)', 'start net’s task: loss at t = 0', 't = 1', 'barrier', 'added net’s task: loss at t = 0', 't = 1', 'barrier'], trow);
}

// ---------------------------------------------------------------- charts

const dirty = new Set();
// Drawing statistics, for people and tests curious about the main thread's load.
const perf = { byChart: {}, frames: 0, snapshots: 0, drawMsLast: 0, drawMsMax: 0, drawMsTotal: 0, snapshotBytes: 0, fullSnapshots: 0, partialBytes: null, partialRecent: [], resyncs: 0, resyncLast: null, snapshotStep: null, snapshotWorkerMs: 0, analystSnapshots: 0, analystMs: 0, analystError: null };
window.lowrankLabPerf = perf;
const visible = new Set();
let lastDraw = 0;
let snapshotUnacked = false; // the worker waits for an ack before its next live snapshot

function chartCards() {
  return $$('figure.chart[data-chart]');
}

/** Whether chart `id` has something to draw. */
function chartReady(id) {
  if (id === 'merge_overlap') return !!sweepData;
  if (id === 'merge_methods') return !!methodsSweepData;
  if (id.startsWith('boundaries_')) return !!boundariesText;
  return snapshotObj !== null;
}

/** What chart `id` draws from (`.draw(canvas, id, dpr)`, `.svg(id, w, h)`); may throw if its data does not parse. */
function chartSource(id) {
  if (id === 'merge_overlap') return chartData(id, sweepData);
  if (id === 'merge_methods') return chartData(id, methodsSweepData);
  if (id.startsWith('boundaries_')) return chartData(id, boundariesText);
  return snapshots;
}

// Boundary and overlap-sweep data: parsed once per text in Rust and drawn into
// every chart from it (the snapshot charts draw from `snapshots`).
const parsedSources = new Map(); // source name -> { text, data }

function chartData(id, json) {
  const name = id === 'merge_overlap' || id === 'merge_methods' ? id : 'boundaries';
  const cached = parsedSources.get(name);
  if (cached && cached.text === json) return cached.data;
  if (cached) {
    parsedSources.delete(name);
    cached.data.free();
  }
  const data = new wasm.ChartData(id, json);
  parsedSources.set(name, { text: json, data });
  return data;
}

function markAllStale() {
  for (const c of chartCards()) dirty.add(c);
}

function drawCard(card) {
  const id = card.dataset.chart;
  const note = $('.chart-note', card);
  const canvas = $('canvas', card);
  if (!chartReady(id)) {
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    return;
  }
  const box = $('.canvas-box', card).getBoundingClientRect();
  if (box.width < 10 || box.height < 10) return;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(box.width * dpr);
  const h = Math.round(box.height * dpr);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  try {
    const report = JSON.parse(chartSource(id).draw(canvas, id, dpr));
    note.textContent = report.skipped && report.skipped.length ? `Not drawn: ${report.skipped.join('; ')}` : '';
    note.classList.toggle('warn', !!(report.skipped && report.skipped.length));
    if (firstChartMs === null) {
      // Milliseconds since navigation started (performance.now()'s origin).
      firstChartMs = Math.round(performance.now());
      document.body.dataset.firstChartMs = String(firstChartMs);
      document.body.dataset.scriptStartMs = String(Math.round(T0));
      $('#timing').textContent = `first chart ${firstChartMs} ms after navigation`;
    }
  } catch (e) {
    note.textContent = errorText(e);
    note.classList.add('warn');
  }
}

// Draw dirty, visible charts, oldest first, within a small time budget per
// frame (the snapshot is parsed once per new snapshot, then each chart draws from it), so
// the page stays responsive; then tell the worker we are ready for more.
function frame(now) {
  requestAnimationFrame(frame);
  if (progressPending && performance.now() - progressShownAt >= PROGRESS_MS) showProgress(progressPending);
  if (now - lastDraw < FRAME_MS) return;
  let pendingVisible = false;
  if (dirty.size) {
    const t0 = performance.now();
    let n = 0;
    for (const card of Array.from(dirty)) {
      if (card.closest('[hidden]') || !visible.has(card)) continue;
      if (n > 0 && performance.now() - t0 > FRAME_BUDGET_MS) {
        pendingVisible = true;
        break;
      }
      dirty.delete(card);
      const c0 = performance.now();
      drawCard(card);
      perf.byChart[card.dataset.chart] = Math.round(performance.now() - c0);
      n += 1;
    }
    if (n) {
      lastDraw = now;
      const ms = performance.now() - t0;
      perf.frames += 1;
      perf.drawMsLast = ms;
      perf.drawMsMax = Math.max(perf.drawMsMax, ms);
      perf.drawMsTotal += ms;
    }
  }
  if (snapshotUnacked && !pendingVisible) {
    snapshotUnacked = false;
    send('snapshot_ack');
  }
}

const io = new IntersectionObserver(
  (entries) => {
    for (const e of entries) {
      if (e.isIntersecting) visible.add(e.target);
      else visible.delete(e.target);
    }
  },
  { rootMargin: '200px' },
);
const ro = new ResizeObserver(() => markAllStale());

function watchCard(card) {
  io.observe(card);
  ro.observe($('.canvas-box', card));
  for (const b of $$('button[data-dl]', card)) b.addEventListener('click', () => downloadChart(card, b.dataset.dl));
}

function renderBoundaryCards() {
  const box = $('#boundary-charts');
  box.textContent = '';
  if (configObj.data.generator !== 'planar') return;
  for (let i = 0; i < configObj.data.tasks; i++) {
    const t = String.fromCharCode(97 + i);
    const fig = document.createElement('figure');
    fig.className = 'chart boundary';
    fig.dataset.chart = `boundaries_${t}`;
    const cap = document.createElement('figcaption');
    const title = document.createElement('span');
    title.textContent = `Decision boundaries on task ${t}'s plane (net ${t}${configObj.data.tasks > 1 ? ', other nets and merges' : ''})`;
    const dl = document.createElement('span');
    dl.className = 'dl';
    for (const kind of ['png', 'svg']) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.dl = kind;
      b.textContent = kind.toUpperCase();
      dl.append(b);
    }
    cap.append(title, dl);
    const cb = document.createElement('div');
    cb.className = 'canvas-box';
    const canvas = document.createElement('canvas');
    canvas.dataset.testid = `chart-boundaries_${t}`;
    cb.append(canvas);
    const note = document.createElement('p');
    note.className = 'chart-note';
    fig.append(cap, cb, note);
    box.append(fig);
    watchCard(fig);
    dirty.add(fig);
  }
}

// ---------------------------------------------------------------- downloads

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function stem() {
  return fileStem(presetName, progress ? progress.step : 0);
}

function downloadChart(card, kind) {
  const id = card.dataset.chart;
  if (!chartReady(id)) {
    showError(`download ${id}`, 'nothing to draw yet');
    return;
  }
  if (kind === 'png') {
    const canvas = $('canvas', card);
    canvas.toBlob((blob) => {
      if (blob) download(blob, `${stem()}_${id}.png`);
      else showError(`download ${id}`, 'the canvas could not be encoded as PNG');
    }, 'image/png');
    return;
  }
  try {
    const box = $('.canvas-box', card).getBoundingClientRect();
    const scale = Math.max(1, 900 / Math.max(1, box.width));
    const svg = chartSource(id).svg(id, Math.round(box.width * scale), Math.round(box.height * scale));
    download(new Blob([svg], { type: 'image/svg+xml' }), `${stem()}_${id}.svg`);
  } catch (e) {
    showError(`download ${id}`, errorText(e));
  }
}

async function downloadRun() {
  try {
    const m = await request('final');
    const doc = {
      format: 'lowrank-lab run',
      version: $('#version').textContent.replace('lowrank-lab ', ''),
      preset: presetName,
      live_changes: liveChanges,
      config: JSON.parse(config),
      final: JSON.parse(m.final),
      snapshot: JSON.parse(m.snapshot),
    };
    download(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }), `${stem()}_run.json`);
  } catch (e) {
    showError('download run', errorText(e));
  }
}

function downloadCsv() {
  if (!snapshotObj) {
    showError('download metrics', 'no snapshot yet');
    return;
  }
  try {
    download(new Blob([historyCsv(JSON.parse(snapshots.snapshot_json()))], { type: 'text/csv' }), `${stem()}_metrics.csv`);
  } catch (e) {
    showError('download metrics', errorText(e));
  }
}

/** "Export run": the run's full state (Lab.export_state, exactly as Rust wrote it) as one JSON file. */
async function exportRun() {
  try {
    const m = await request('export');
    download(new Blob([m.state], { type: 'application/json' }), `${fileStem(presetName, m.step)}_run-state.json`);
  } catch (e) {
    showError('export run', errorText(e));
  }
}

/** "Import run": a file from "Export run" continues here (Rust checks it against its config). */
async function importRun(ev) {
  const input = ev.target;
  const file = input.files && input.files[0];
  input.value = '';
  if (!file) return;
  if (file.size > MAX_IMPORT_BYTES) {
    showError('import run', `the file is ${file.size} bytes, above the limit of ${MAX_IMPORT_BYTES} bytes`);
    return;
  }
  let text;
  try {
    text = await file.text();
  } catch (e) {
    showError('import run', `the file could not be read: ${errorText(e)}`);
    return;
  }
  if (playing) send('pause');
  $('#import-status').textContent = 'importing…';
  requestRestore(text, 'import', { name: file.name, liveChanges: [] });
}

async function downloadWeights() {
  const net = $('#w-net').value;
  const layer = Number($('#w-layer').value);
  try {
    const m = await request('weights', { net, layer });
    download(new Blob([m.bytes], { type: 'application/octet-stream' }), `${stem()}_${net}_W${layer}.npy`);
  } catch (e) {
    showError('download weights', errorText(e));
  }
}

function fillWeightsPicker() {
  const nets = $('#w-net');
  const prevNet = nets.value;
  nets.textContent = '';
  const names = [];
  for (let i = 0; i < configObj.data.tasks; i++) names.push(String.fromCharCode(97 + i));
  if (configObj.data.tasks > 1) names.push(...configObj.merge.methods);
  for (const n of names) nets.append(cell('option', names.indexOf(n) < configObj.data.tasks ? `net ${n}` : `merged: ${n}`, { value: n }));
  if (names.includes(prevNet)) nets.value = prevNet;
  const layers = $('#w-layer');
  layers.textContent = '';
  for (let k = 1; k <= depth; k++) layers.append(cell('option', `W${k}`, { value: String(k) }));
}

async function copyLink() {
  const link = $('#link');
  link.value = location.href;
  try {
    await navigator.clipboard.writeText(location.href);
    $('#copy-link').textContent = 'Copied ✓';
  } catch (e) {
    link.select();
    $('#copy-link').textContent = 'Select + copy';
  }
  setTimeout(() => {
    $('#copy-link').textContent = 'Copy link';
  }, 1500);
}

// ---------------------------------------------------------------- overlap sweep

function sweepUi(running) {
  $('#sweep').disabled = running;
  $('#sweep-cancel').hidden = !running;
  $('#sweep-progress').hidden = !running;
}

function startSweep() {
  if (playing) send('pause');
  sweepUi(true);
  $('#sweep-status').textContent = 'starting…';
  send('sweep', { config, key: SWEEP_KEY, values: SWEEP_VALUES });
}

function onSweepProgress(m) {
  const bar = $('#sweep-progress');
  bar.max = m.total;
  bar.value = m.done;
  $('#sweep-status').textContent = `${m.done} / ${m.total} runs trained`;
}

function onSweepDone(m) {
  sweepUi(false);
  updateVisibility();
  const finals = m.results.map((r) => JSON.parse(r));
  const points = [];
  const bound = [];
  const rows = [];
  finals.forEach((f, i) => {
    const pair = f.overlap && f.overlap.pairs && f.overlap.pairs[0];
    const b = f.merge_bound && f.merge_bound[0];
    const acc = f.merge && f.merge.sum && f.merge.sum.a ? f.merge.sum.a.accuracy : null;
    if (pair && b) {
      points.push([pair.max_abs_inner, b.max_change]);
      bound.push([pair.max_abs_inner, b.max_bound]);
    }
    rows.push([
      cell('th', `ρ = ${m.values[i]}`, { scope: 'row' }),
      numCell(pair ? pair.max_abs_inner : null, null, 3),
      numCell(b ? b.max_change : null, `sweep-${i}-change`, 3),
      numCell(b ? b.max_bound : null, `sweep-${i}-bound`, 3),
      cell('td', b ? (b.holds ? 'holds' : 'VIOLATED') : '—', { class: b ? (b.holds ? 'ok' : 'bad') : '' }),
      numCell(acc, null),
    ]);
  });
  fillTable($('#sweep-table'), ['run', 'max |⟨x_a, x_b⟩|', 'max |f_sum − f_a| on a', 'derived bound', 'check', 'sum accuracy on a'], rows);
  showMethodsSweep(m.values, finals);
  if (!points.length) {
    $('#sweep-status').textContent =
      'No bound to plot: the derived merge bound needs a shallow net (one hidden layer) with a fixed shared output layer and λ > 0.';
    $('#sweep-chart').hidden = true;
    return;
  }
  sweepData = JSON.stringify({
    title: 'Summed net: output change on task a vs input overlap',
    x_label: 'max |⟨x_a, x_b⟩| (measured input overlap)',
    y_label: 'max |f_sum(x) − f_a(x)| on task a',
    points,
    bound,
    log_x: false,
    log_y: false,
  });
  $('#sweep-status').textContent = `${finals.length} runs trained (ρ = ${SWEEP_VALUES[0]} … ${SWEEP_VALUES[SWEEP_VALUES.length - 1]})`;
  const card = $('#sweep-chart');
  card.hidden = false;
  dirty.add(card);
}

/** Every selected merge method's accuracy and output change on task a across the sweep (chart and table). */
function showMethodsSweep(values, finals) {
  const methods = configObj.merge.methods;
  methodsSweepData = JSON.stringify({ key: `overlap ρ (${SWEEP_KEY})`, values: values.map(Number), methods, finals });
  const head = ['run'];
  for (const meth of methods) head.push(`${meth}: acc a`, `${meth}: Δf a`);
  const rows = finals.map((f, i) => {
    const r = [cell('th', `ρ = ${values[i]}`, { scope: 'row' })];
    for (const meth of methods) {
      const e = f.merge && f.merge[meth] && f.merge[meth].a;
      r.push(numCell(e ? e.accuracy : null, `msweep-${i}-${meth}-accuracy`, 3), numCell(e ? e.max_output_change : null, `msweep-${i}-${meth}-change`, 3));
    }
    return r;
  });
  fillTable($('#methods-sweep-table'), head, rows);
  const card = $('#methods-sweep-chart');
  card.hidden = false;
  dirty.add(card);
}

// ---------------------------------------------------------------- boot

function bindUi() {
  for (const el of controls()) {
    const ev = el.dataset.kind === 'lambda' ? 'input' : 'change';
    el.addEventListener(ev, () => onControl(el));
  }
  $('#controls').addEventListener('submit', (e) => e.preventDefault());
  $('#play').addEventListener('click', () => {
    playing = true;
    send('play');
    setStatus('running');
    updateButtons();
  });
  $('#pause').addEventListener('click', () => {
    send('pause');
    playing = false;
    updateButtons();
  });
  $('#step').addEventListener('click', () => send('step', { n: Number($('#step-n').value) }));
  $('#reset').addEventListener('click', () => {
    playing = false;
    runEnded = false;
    liveChanges.length = 0;
    renderLiveChanges();
    $('#divergence').hidden = true;
    renderLrHint(null);
    send('reset', { runId: newRun() });
    updateButtons();
  });
  $('#new-seed').addEventListener('click', () => {
    const seed = String(Math.floor(Math.random() * 1e9));
    try {
      commitConfig(wasm.set_config_key(config, 'seed', seed));
    } catch (e) {
      showError('seed', errorText(e));
    }
  });
  $('#copy-link').addEventListener('click', copyLink);
  $('#dl-json').addEventListener('click', downloadRun);
  $('#export-run').addEventListener('click', exportRun);
  $('#import-run').addEventListener('click', () => $('#import-file').click());
  $('#import-file').addEventListener('change', importRun);
  $('#dl-csv').addEventListener('click', downloadCsv);
  $('#dl-npy').addEventListener('click', downloadWeights);
  $('#sweep').addEventListener('click', startSweep);
  $('#sweep-cancel').addEventListener('click', () => send('cancel_sweep'));
  $('#config-apply').addEventListener('click', () => {
    const text = $('#config-editor').value;
    try {
      const next = wasm.validate_config(text);
      $('#config-editor-error').textContent = '';
      clearInvalid();
      commitConfig(next);
    } catch (e) {
      $('#config-editor-error').textContent = errorText(e);
    }
  });
  for (const card of chartCards()) watchCard(card);
  window.addEventListener('hashchange', () => {
    // A pasted link: load it (our own replaceState does not fire this).
    loadFromHash();
  });
}

/**
 * The config of the URL hash (read and validated by Rust): null for no hash,
 * {error} for a link Rust refuses (its message), else {config, preset}.
 */
function configFromHash() {
  const raw = location.hash;
  if (raw === '' || raw === '#') return null;
  try {
    const d = JSON.parse(wasm.decode_hash(raw));
    return { config: wasm.validate_config(JSON.stringify(d.config)), preset: d.preset };
  } catch (e) {
    return { error: errorText(e) };
  }
}

/**
 * Load the config of the link, or (no link) the one saved at the last visit,
 * or the defaults. At boot, a saved run with exactly this config continues
 * where it was (`savedRun`, from IndexedDB).
 */
function loadFromHash(savedRun = null) {
  $('#notice').hidden = true;
  const h = configFromHash();
  let next = null;
  let preset = null;
  let modified = null;
  if (h && h.error) {
    showNotice(`This link could not be read (${h.error}); showing the default config instead.`);
  } else if (h) {
    next = h.config;
    preset = h.preset;
  } else {
    const saved = store.loadConfig();
    if (saved) {
      try {
        next = wasm.validate_config(saved.config);
        preset = saved.preset && presets.some((p) => p.name === saved.preset) ? saved.preset : null;
        modified = !!saved.presetModified;
      } catch (e) {
        next = null; // saved by another version: the defaults instead
      }
    }
  }
  if (next === null) next = wasm.validate_config(wasm.default_config());
  clearInvalid();
  presetName = preset;
  presetModified = false;
  if (preset) {
    const p = presets.find((x) => x.name === preset);
    presetModified = modified !== null ? modified : wasm.validate_config(JSON.stringify(p.config)) !== next;
  }
  const restore = savedRun && savedRun.config === next;
  commitConfig(next, { fromPreset: !presetModified, run: !restore });
  presetModified = !!preset && presetModified;
  updatePresetPicker();
  if (restore) {
    requestRestore(savedRun.state, 'reload', { liveChanges: savedRun.liveChanges || [] });
  }
}

/**
 * A snapshot delta from the training worker or the analysis worker (`from`, which
 * gets 'resync' if the delta does not continue the held snapshot: it then sends a
 * full one); an older one than shown is dropped.
 */
function showSnapshot(m, from) {
  if (m.seq <= lastSnapshotSeq) {
    send('snapshot_ack');
    return;
  }
  try {
    snapshots.apply(m.snapshot);
  } catch (e) {
    // It continues a snapshot this page dropped or never had: nothing is drawn from it.
    perf.resyncs += 1;
    perf.resyncLast = errorText(e);
    from.postMessage({ type: 'resync' });
    send('snapshot_ack');
    return;
  }
  lastSnapshotSeq = m.seq;
  perf.snapshots += 1;
  perf.snapshotBytes = m.snapshot.length;
  snapshotObj = JSON.parse(m.snapshot);
  if (snapshotObj.tasks.every((t) => t.history.from === 0)) perf.fullSnapshots += 1;
  else {
    perf.partialBytes = m.snapshot.length;
    // The last 16 deltas' sizes, for the long-run test: one delta's size
    // depends on how many steps the worker ran while the page drew.
    perf.partialRecent = perf.partialRecent.slice(-15).concat([m.snapshot.length]);
  }
  perf.snapshotStep = snapshotObj.tasks[0].current.step;
  if (m.boundaries) boundariesText = m.boundaries;
  renderTables();
  markAllStale();
  snapshotUnacked = true;
}

// ---------------------------------------------------------------- analysis worker

// Started when the training worker finds its snapshots too costly (a wide net):
// it then takes them from the trainers' states on the other core (www/analyst.js).
let analyst = null;
let analystOk = false;
let lastSnapshotSeq = 0; // per training worker: its snapshots are numbered

function startAnalyst() {
  analyst = new Worker(new URL('./analyst.js', import.meta.url), { name: `lowrank-lab analysis build=${analystBuild}` });
  analyst.onmessage = onAnalystMessage;
  analyst.onerror = (e) => {
    e.preventDefault();
    analystDown(e.message || 'the analysis worker failed');
  };
}

/** Live snapshots go back to the training worker (slower for wide nets, never lost). */
function analystDown(message) {
  analystOk = false;
  if (analyst) {
    analyst.onmessage = null;
    analyst.onerror = null;
    analyst.terminate();
  }
  perf.analystError = message;
  document.body.dataset.analyst = 'off';
  send('analyst', { ok: false });
  send('snapshot_ack');
}

function onAnalystMessage(ev) {
  const m = ev.data;
  if (m.type === 'loaded') {
    analystOk = true;
    document.body.dataset.analyst = 'on';
    send('analyst', { ok: true });
  } else if (m.type === 'snapshot') {
    perf.analystSnapshots += 1;
    perf.analystMs = Math.round(m.ms);
    send('analyst', { ok: true, ms: m.ms });
    if (m.runId === currentRunId) showSnapshot(m, analyst);
    else send('snapshot_ack');
  } else if (m.type === 'error') {
    if (m.fatal) analystDown(m.message);
    else {
      showError('live snapshot', m.message);
      send('snapshot_ack');
    }
  }
}

// ---------------------------------------------------------------- worker faults

// The wasm build the training worker runs (www/builds.js): its mode line,
// the single-thread build the analysis worker must load to compute the same
// numbers, and the channel the threaded build's pool workers report a trap on
// (the training worker then sleeps waiting for them, so it cannot).
let analystBuild = 'st';
let poolChannel = null;

function onWorkerLoaded(m) {
  $('#version').textContent = `lowrank-lab ${m.version} · ${m.mode}`;
  document.body.dataset.wasmBuild = m.build;
  document.body.dataset.threads = String(m.threads);
  analystBuild = m.analystBuild || 'st';
  if (poolChannel) poolChannel.close();
  poolChannel = null;
  if (m.threads > 1 && m.poolChannel && typeof BroadcastChannel === 'function') {
    const mine = worker;
    poolChannel = new BroadcastChannel(m.poolChannel);
    poolChannel.onmessage = (e) => {
      if (worker === mine && e.data && e.data.type === 'pool_crash') onWorkerCrash(`a thread of the training worker crashed: ${e.data.message}`);
    };
  }
}

function startWorker() {
  workerLoaded = false;
  lastSnapshotSeq = 0;
  // ?build=NAME asks for one wasm build (www/builds.js; tests use it).
  const asked = new URLSearchParams(location.search).get('build');
  worker = new Worker(new URL('./worker.js', import.meta.url), { name: `lowrank-lab training${asked ? ` build=${asked}` : ''}` });
  worker.onmessage = onWorkerMessage;
  worker.onerror = (e) => {
    e.preventDefault();
    const message = e.message || 'the worker failed';
    if (!workerLoaded) showError('worker', `${message} (the training worker did not start)`);
    else onWorkerCrash(message);
  };
  worker.onmessageerror = () => onWorkerCrash('a message from the worker could not be read');
}

/**
 * The worker's wasm instance trapped (a Rust panic, out of memory) or the
 * worker failed: say so, start a new worker, and restore the run from its last
 * exported state (or start it again from the config if none was kept yet).
 */
function onWorkerCrash(message) {
  const now = Date.now();
  crashTimes.push(now);
  while (crashTimes.length && now - crashTimes[0] > 30_000) crashTimes.shift();
  worker.onmessage = null;
  worker.onerror = null;
  worker.onmessageerror = null;
  worker.terminate();
  for (const [, r] of requests) r.reject(new Error(`the worker crashed: ${message}`));
  requests.clear();
  pendingRestores.clear();
  playing = false;
  snapshotUnacked = false;
  if (!$('#sweep-cancel').hidden) {
    sweepUi(false);
    $('#sweep-status').textContent = 'sweep stopped: the worker crashed';
  }
  if (crashTimes.length > 3) {
    workerReady = false;
    setStatus('error');
    updateButtons();
    showError('worker crashed', `${message}. It crashed ${crashTimes.length} times in 30 s, so it is not restarted; reload the page to try again.`);
    return;
  }
  const kept = lastState;
  startWorker();
  if (kept) {
    showError('worker crashed', `${message}. A new worker restored the run at step ${kept.step} with its config.`);
    requestRestore(kept.text, 'crash', { liveChanges: liveChanges.slice() });
  } else {
    showError('worker crashed', `${message}. A new worker started the run again from its config.`);
    initRun();
  }
  updateButtons();
}

/** Test-only hooks, installed only when a test sets window.__lab_enable_test_hooks before the page loads. */
function installTestHooks() {
  if (window.__lab_enable_test_hooks !== true) return;
  window.__lab_test = {
    /** Make Rust panic inside the training worker. */
    crashWorker: (message = 'deliberate panic for a test') => send('debug_panic', { message }),
    /** Make the training worker run out of wasm memory. */
    exhaustWorkerMemory: () => send('debug_oom'),
    /** Turn the training worker's live snapshots off (false) or on (forced ones still go out). */
    setLiveSnapshots: (on) => send('debug_live', { on: !!on }),
    /** How the training worker's steps split work across threads: 'auto', 'never' or 'always'. */
    setSplit: (how) => send('debug_split', { how }),
    /** What the split tuners measured (an array, one report per task). */
    splitReport: () => request('split_report').then((m) => JSON.parse(m.report)),
    /** Make Rust panic on a thread of the threaded build's pool while the training worker waits for it. */
    crashPoolThread: (message = 'deliberate pool panic for a test') => send('debug_pool_panic', { message }),
    /** The run's exported state (JSON text), as Export run saves it. */
    exportState: () => request('export').then((m) => m.state),
    /** Bytes of the worker's wasm memory. */
    workerWasmBytes: () => request('mem').then((m) => m.bytes),
    /** Bytes of the page's own wasm memory (charts). */
    pageWasmBytes: () => wasm.wasm_memory_bytes(),
    /** Step of the last state the page keeps for crash recovery. */
    keptStep: () => (lastState ? lastState.step : null),
    /** Length of the JSON of the snapshot the charts draw from (the deltas applied so far). */
    heldSnapshotBytes: () => (snapshots && snapshots.has_snapshot() ? snapshots.snapshot_json().length : null),
    /** That snapshot's JSON. */
    heldSnapshot: () => (snapshots && snapshots.has_snapshot() ? snapshots.snapshot_json() : null),
    /** Length of that state's JSON text. */
    keptStateBytes: () => (lastState ? lastState.text.length : null),
  };
}

async function boot() {
  setStatus('loading…');
  // The module uses WebAssembly SIMD (see .cargo/config.toml): say so plainly
  // instead of failing with a compile error on an engine without it.
  if (!(await simd())) {
    setStatus('error');
    showError('loading the wasm module', 'this browser does not support WebAssembly SIMD (Chrome/Edge 91+, Firefox 89+, Safari 16.4+); the lab needs it');
    return;
  }
  // The worker compiles its own instance of the module: start it now, so the two
  // compilations run side by side (the first chart waits for both).
  startWorker();
  try {
    wasm = await import('../pkg/lowrank_lab.js');
    snapshots = new wasm.ChartStore();
  } catch (e) {
    setStatus('error');
    showError('loading the wasm module', errorText(e));
    return;
  }
  try {
    presets = JSON.parse(wasm.presets_json());
  } catch (e) {
    showError('presets', errorText(e));
    presets = [];
  }
  renderPresets();
  workerReady = true;
  bindUi();
  installTestHooks();
  // A run saved at the last visit continues if the config is the same.
  const savedRun = await Promise.race([store.loadRun(), new Promise((resolve) => setTimeout(() => resolve(null), 3000))]);
  loadFromHash(savedRun);
  requestAnimationFrame(frame);
}

boot();
