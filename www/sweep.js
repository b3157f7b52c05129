// The sweep panel: a grid over the config (up to two axes of the visitor's
// choice and seeds), its points trained in a pool of workers (sweep-pool.js),
// each point's record streamed into Rust's SweepStore as it finishes; the
// table, the preset's claims and the sweep charts are redrawn from the store
// after every point. The charts are the CLI's (`lowrank-lab sweep`): Rust
// draws both from one function, and the downloads are the CLI's sweep.csv and
// sweep.json.
//
// A preset with a grid fills the editor with it (its claims are about the
// points of that grid). The sweep's axes ride in the link (`s=`).
//
// This file does DOM and scheduling; what the grid means, whether it is valid,
// every number and every check are Rust's.

import { $, cell, download, errorText, fillTable } from './dom.js';
import { analystBuild, run, send } from './run.js';
import * as charts from './charts.js';
import { form } from './form.js';
import { claimRows, setClaimsPreset } from './tables.js';
import { Pool, poolSize } from './sweep-pool.js';

let wasm = null;
let presetList = []; // Rust's preset table (presets_json): name, grid, …
let keys = []; // the config's sweepable keys (sweep_keys_json)
let config = null; // the form's config object
let configText = null;
let hooks = { linkChanged: () => {} };

/** The planned sweep (the editor's grid over the form's config) and, once run, its points. */
const sweep = {
  store: null, // wasm SweepStore of the editor's grid, or null while the grid is invalid
  storeKey: null, // the config, preset and axes the store was planned from
  points: [], // [{index, label, text}] of the store
  pool: null,
  running: false,
  started: 0, // performance.now() at start
  finished: 0, // points finished in this run (for the ETA)
  pointMs: [], // each finished point's time in its worker (ms; the pool benchmark)
  trace: [], // the pool's timeline (sweep-pool.js onTrace; the pool benchmark)
  wallMs: null, // the last sweep's time from Run sweep to its last point (ms; the pool benchmark)
  failed: new Map(), // point index → message
  retried: new Map(), // point index → crash message
  redraw: false,
  stopped: null, // why the last run stopped before its end ('cancelled', …), or null
};
let editorPreset = undefined; // the preset whose grid the editor was last filled from
let linkAxes = null; // axes a link brought, applied once the config is shown

/** `presets`: Rust's preset table; `h.linkChanged()`: the sweep's axes changed (the link follows). */
export function initSweep(wasmModule, presets, h) {
  wasm = wasmModule;
  presetList = presets;
  hooks = h;
  $('#sweep').addEventListener('click', start);
  $('#sweep-cancel').addEventListener('click', () => cancel('cancelled'));
  $('#sweep-preset-grid').addEventListener('click', () => fillFromPreset(true));
  $('#sweep-run-preset').addEventListener('click', () => {
    fillFromPreset(true);
    start();
    // The panel is below the live charts: bring it into view so the visitor sees the points arrive.
    $('#sweep-panel').scrollIntoView({ block: 'start' });
  });
  for (const id of ['sweep-key-1', 'sweep-values-1', 'sweep-key-2', 'sweep-values-2', 'sweep-seeds']) {
    $(`#${id}`).addEventListener(id.includes('key') ? 'change' : 'input', () => {
      editorChanged();
      hooks.linkChanged();
    });
  }
  $('#sweep-csv').addEventListener('click', () => downloadText('csv'));
  $('#sweep-json').addEventListener('click', () => downloadText('json'));
}

// ---------------------------------------------------------------- the editor

/** The editor's grid axes (`key=v1;v2;…`), in order: axis 1, axis 2, seeds. */
function editorAxes() {
  const axes = [];
  for (const i of [1, 2]) {
    const key = $(`#sweep-key-${i}`).value;
    const values = $(`#sweep-values-${i}`).value.trim();
    if (key && values) axes.push(`${key}=${values}`);
  }
  const seeds = $('#sweep-seeds').value.trim();
  if (seeds) axes.push(`seed=${seeds}`);
  return axes;
}

/** Put `axes` (`key=v1;v2;…`) into the editor: a `seed` axis goes to Seeds, the others to axes 1 and 2. */
function setEditorAxes(axes) {
  const plain = axes.filter((a) => !a.startsWith('seed='));
  const seed = axes.find((a) => a.startsWith('seed='));
  for (const i of [1, 2]) {
    const a = plain[i - 1];
    const [key, values] = a ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : ['', ''];
    ensureKeyOption($(`#sweep-key-${i}`), key);
    $(`#sweep-key-${i}`).value = key;
    $(`#sweep-values-${i}`).value = values;
  }
  $('#sweep-seeds').value = seed ? seed.slice('seed='.length) : '';
  editorChanged();
}

/** A key a preset's grid or a link names is selectable even if the key list lacks it (e.g. `variant`). */
function ensureKeyOption(select, key) {
  if (!key || Array.from(select.options).some((o) => o.value === key)) return;
  select.append(new Option(key, key));
}

/** The key pickers list Rust's sweepable keys of the config (sweep_keys_json), keeping the choice. */
function fillKeyPickers() {
  const preset = presetList.find((p) => p.name === form.preset);
  for (const i of [1, 2]) {
    const select = $(`#sweep-key-${i}`);
    const chosen = select.value;
    select.textContent = '';
    select.append(new Option(i === 1 ? 'choose a key' : 'none', ''));
    if (preset && preset.variants && preset.variants.length) select.append(new Option('variant (the preset’s variants)', 'variant'));
    for (const k of keys) select.append(new Option(k.key, k.key));
    ensureKeyOption(select, chosen);
    select.value = chosen;
  }
  hintValues();
}

/** Under each values field: what the chosen key takes (Rust's description) and its current value. */
function hintValues() {
  const preset = presetList.find((p) => p.name === form.preset);
  for (const i of [1, 2]) {
    const key = $(`#sweep-key-${i}`).value;
    const k = keys.find((x) => x.key === key);
    let hint = '';
    if (k) hint = `${k.help} · now ${k.current} · values separated by ;`;
    else if (key === 'variant' && preset) hint = `one of: ${preset.variants.join('; ')}`;
    $(`#sweep-hint-${i}`).textContent = hint;
  }
}

/** The config or the preset changed: new key list; a new preset fills the editor with its grid. */
export function followConfig(obj, text) {
  config = obj;
  configText = text;
  followPreset();
  try {
    keys = JSON.parse(wasm.sweep_keys_json(text));
  } catch (e) {
    keys = [];
  }
  fillKeyPickers();
  if (linkAxes) {
    const axes = linkAxes;
    linkAxes = null;
    editorPreset = form.preset;
    setEditorAxes(axes);
  } else if (form.preset !== editorPreset) {
    fillFromPreset(false);
  } else {
    editorChanged();
  }
  showPresetButton();
}

/** Fill the editor with the form's preset's grid (a preset without one: an empty editor). */
function fillFromPreset(always) {
  const p = presetList.find((x) => x.name === form.preset);
  if (!always && sweep.running) return;
  editorPreset = form.preset;
  setEditorAxes(p ? p.grid : []);
  hooks.linkChanged();
}

/** "Run this preset's sweep" next to the claims, for a preset whose claims are at sweep points. */
function showPresetButton() {
  const p = presetList.find((x) => x.name === form.preset);
  const b = $('#sweep-run-preset');
  b.hidden = !p || !p.grid.length;
  // Controls that do not apply are not shown: "Preset's grid" only for a preset that has one.
  $('#sweep-preset-grid').hidden = b.hidden;
  if (p && p.grid.length) b.textContent = `Run the ${p.name} sweep (${p.grid.join(' × ')})`;
  b.disabled = sweep.running;
}

/** The link holds these axes (form.js calls this before showing the link's config). */
export function fromLink(axes) {
  linkAxes = axes && axes.length ? axes : null;
}

/** The sweep's axes for the link, or null when the editor holds none. */
export function linkAxesNow() {
  const axes = editorAxes();
  return axes.length ? axes : null;
}

/** Plan the editor's grid over the form's config (Rust validates it): the store, or the error shown. */
function editorChanged() {
  hintValues();
  if (sweep.running || !configText) return;
  const axes = editorAxes();
  const key = JSON.stringify([configText, form.preset, axes]);
  if (key === sweep.storeKey) return;
  $('#sweep-error').textContent = '';
  if (!axes.length) {
    replaceStore(null, key);
    $('#sweep').disabled = true;
    $('#sweep-plan').textContent = 'Choose a key and its values (or seeds) to sweep.';
    return;
  }
  try {
    replaceStore(new wasm.SweepStore(configText, form.preset || undefined, JSON.stringify(axes)), key);
    $('#sweep').disabled = false;
    $('#sweep-plan').textContent = `${sweep.points.length} points, on ${Math.min(poolSize(), sweep.points.length)} worker${Math.min(poolSize(), sweep.points.length) === 1 ? '' : 's'}`;
  } catch (e) {
    replaceStore(null, key);
    $('#sweep').disabled = true;
    $('#sweep-plan').textContent = '';
    $('#sweep-error').textContent = errorText(e);
  }
}

function replaceStore(store, key) {
  if (sweep.store) sweep.store.free();
  sweep.store = store;
  sweep.storeKey = key;
  sweep.points = store ? JSON.parse(store.points_json()).map((p) => ({ index: p.index, label: p.label, text: JSON.stringify(p) })) : [];
  sweep.failed.clear();
  sweep.retried.clear();
  sweep.stopped = null;
  showResults();
}

// ---------------------------------------------------------------- running

function setRunning(on) {
  sweep.running = on;
  $('#sweep').disabled = on || !sweep.store;
  $('#sweep-cancel').hidden = !on;
  $('#sweep-progress').hidden = !on;
  for (const id of ['sweep-key-1', 'sweep-values-1', 'sweep-key-2', 'sweep-values-2', 'sweep-seeds', 'sweep-preset-grid']) $(`#${id}`).disabled = on;
  showPresetButton();
}

/** Run every point of the planned grid that has no record yet (all of them, the first time). */
function start() {
  editorChanged();
  if (!sweep.store || sweep.running) return;
  if (run.playing) send('pause');
  const view = JSON.parse(sweep.store.view_json());
  const have = new Set(view.have || []);
  const todo = sweep.points.filter((p) => !have.has(p.index));
  sweep.failed.clear();
  sweep.retried.clear();
  sweep.started = performance.now();
  sweep.finished = 0;
  sweep.pointMs = [];
  sweep.trace = [];
  sweep.wallMs = null;
  sweep.stopped = null;
  setRunning(true);
  sweep.pool = new Pool({
    size: Math.min(poolSize(), Math.max(1, todo.length)),
    // The single-thread build of the training worker's arithmetic (www/builds.js).
    build: analystBuild(),
    onRecord: (index, line, ms) => {
      sweep.pointMs.push(ms);
      try {
        sweep.store.add_record(line);
      } catch (e) {
        sweep.failed.set(index, errorText(e));
      }
      sweep.finished += 1;
      scheduleRedraw();
    },
    onFailed: (index, message) => {
      sweep.failed.set(index, message);
      scheduleRedraw();
    },
    onRetry: (index, message) => {
      sweep.retried.set(index, message);
      scheduleRedraw();
    },
    onIdle: () => finish(),
    onTrace: (t) => sweep.trace.push(t),
  });
  if (testCrashes) for (const [i, n] of testCrashes) sweep.pool.crashNext.set(i, n);
  testCrashes = null;
  sweep.pool.run(todo);
  showProgress();
}

/** Stop the pool now; the finished points stay (a next Run sweep runs only the missing ones). */
export function cancel(why = 'cancelled') {
  if (!sweep.running) return;
  sweep.pool.cancel();
  sweep.pool = null;
  // showResults writes the status from this, so that a redraw already scheduled
  // by a point that finished before the cancel cannot overwrite it.
  sweep.stopped = why;
  setRunning(false);
  showResults();
}

function finish() {
  sweep.wallMs = performance.now() - sweep.started;
  sweep.pool = null;
  setRunning(false);
  showResults();
}

/** The status line of a sweep that is not running: whole, stopped by the visitor, or with points failed. */
function stoppedStatus(view) {
  if (view.complete) return `${view.total} points trained`;
  if (sweep.stopped) return `sweep ${sweep.stopped}: ${view.done} of ${view.total} points kept (Run sweep runs the rest)`;
  if (view.done === 0 && !sweep.failed.size) return '';
  const failed = sweep.failed.size ? ` (${sweep.failed.size} failed: Run sweep tries them again)` : '';
  return `${view.done} of ${view.total} points trained${failed}`;
}

function scheduleRedraw() {
  if (sweep.redraw) return;
  sweep.redraw = true;
  requestAnimationFrame(() => {
    sweep.redraw = false;
    showResults();
    if (sweep.running) showProgress();
  });
}

/** Progress: points done, failed, workers, and the time left at the pace so far. */
function showProgress() {
  const view = JSON.parse(sweep.store.view_json());
  const bar = $('#sweep-progress');
  bar.max = view.total;
  bar.value = view.done + sweep.failed.size;
  const left = view.total - view.done - sweep.failed.size;
  const elapsed = (performance.now() - sweep.started) / 1000;
  const eta = sweep.finished > 0 ? `, about ${duration((elapsed / sweep.finished) * left)} left` : '';
  const failed = sweep.failed.size ? `, ${sweep.failed.size} failed` : '';
  $('#sweep-status').textContent = `${view.done} of ${view.total} points trained${failed} · ${sweep.pool ? sweep.pool.o.size : 0} workers · ${duration(elapsed)}${eta}`;
}

function duration(s) {
  if (!Number.isFinite(s)) return '…';
  const m = Math.floor(s / 60);
  const r = Math.round(s - 60 * m);
  return m ? `${m} min ${r} s` : `${r} s`;
}

// ---------------------------------------------------------------- results

let shownCharts = []; // names of the chart cards shown

/** Table, claims and charts from the store (partial while points are running). */
function showResults() {
  const view = sweep.store ? JSON.parse(sweep.store.view_json()) : null;
  const has = !!view && view.done > 0;
  $('#sweep-results').hidden = !has && !sweep.failed.size;
  $('#sweep-csv').disabled = !(view && view.complete);
  $('#sweep-json').disabled = !sweep.store;
  if (!view) {
    $('#sweep-table').textContent = '';
    showCharts([]);
    $('#sweep-claims-box').hidden = true;
    if (!sweep.running) $('#sweep-status').textContent = '';
    return;
  }
  fillTable(
    $('#sweep-table'),
    view.table.head,
    view.table.rows.map((r) => r.map((text, j) => cell(j === 0 ? 'th' : 'td', text, j === 0 ? { scope: 'row' } : { class: 'num' }))),
  );
  const failures = [...sweep.failed].map(([i, m]) => `point ${i} (${labelOf(i)}) failed: ${m}`);
  const retries = [...sweep.retried].filter(([i]) => !sweep.failed.has(i)).map(([i, m]) => `point ${i} (${labelOf(i)}) crashed once and ran again (${m})`);
  $('#sweep-failures').textContent = failures.concat(retries).join('\n');
  const claims = view.claims || [];
  $('#sweep-claims-box').hidden = !claims.length;
  if (claims.length) {
    fillTable($('#sweep-claims'), ['', 'claim', 'measured', 'where', 'check'], claimRows(claims, 'sweep-claim'));
    const pass = claims.filter((c) => c.status === 'pass').length;
    $('#sweep-claims-note').textContent = `${pass} of ${claims.length} claims of ${form.preset} hold over the ${view.done} of ${view.total} points trained`;
  }
  showCharts(view.charts || []);
  if (!sweep.running) $('#sweep-status').textContent = stoppedStatus(view);
  if (view.collapsed && view.collapsed.length) {
    $('#sweep-failures').textContent += `${$('#sweep-failures').textContent ? '\n' : ''}collapsed to zero (ranks not plotted): ${view.collapsed.join('; ')}`;
  }
}

function labelOf(index) {
  const p = sweep.points.find((x) => x.index === index);
  return p ? p.label : '';
}

/** One card per chart of the view, drawn by the store (charts.js schedules and downloads them). */
function showCharts(list) {
  const box = $('#sweep-charts');
  const names = list.map((c) => c.name);
  if (names.join('\n') !== shownCharts.join('\n')) {
    box.textContent = '';
    for (const c of list) box.append(charts.sourceCard({ key: `sweep-${c.name}`, caption: c.title, svgWidth: c.width, svgHeight: c.height, tall: c.height > 600 }));
    shownCharts = names;
  }
  for (const c of list) charts.setCardSource(`sweep-${c.name}`, sweep.store ? storeSource(c.name) : null);
}

/** The store as charts.js draws a card: draw(canvas, id, dpr) and svg(id, w, h). */
function storeSource(name) {
  const store = sweep.store;
  return {
    draw: (canvas, _id, dpr) => store.draw(name, canvas, dpr),
    svg: (_id, w, h) => store.svg(name, w, h),
  };
}

function downloadText(kind) {
  if (!sweep.store) return;
  const stem = form.preset ? `${form.preset}_sweep` : 'sweep';
  if (kind === 'csv') {
    const csv = sweep.store.csv();
    if (csv === undefined || csv === null) return;
    download(new Blob([csv], { type: 'text/csv' }), `${stem}.csv`);
  } else {
    download(new Blob([sweep.store.meta_text()], { type: 'application/json' }), `${stem}.json`);
  }
}

// ---------------------------------------------------------------- claims of single runs

let claimsSent = undefined; // the preset last named to the training worker

/** The training worker checks the claims of the form's preset in every snapshot (Lab.check_claims). */
function followPreset() {
  const preset = form.preset || null;
  if (preset !== claimsSent) {
    claimsSent = preset;
    send('claims', { preset, config: form.text });
  }
  setClaimsPreset(preset, form.modified);
}

/** A new training worker (after a crash) is told the preset again. */
export function workerStarted() {
  if (claimsSent) send('claims', { preset: claimsSent, config: form.text });
}

// ---------------------------------------------------------------- tests

let testCrashes = null;

/** Tests: the next sweep's point `index` crashes its worker `times` times (a trap, as a panic would). */
export function crashPointForTest(index, times) {
  testCrashes = testCrashes || new Map();
  testCrashes.set(index, times);
}

/** Tests: the sweep's state. */
export function stateForTest() {
  return { running: sweep.running, redrawPending: sweep.redraw, points: sweep.points.length, failed: [...sweep.failed.keys()], workers: sweep.pool ? sweep.pool.slots.length : 0, pointMs: sweep.pointMs, trace: sweep.trace, wallMs: sweep.wallMs, startedAt: performance.timeOrigin + sweep.started };
}
