// The run: the training worker (www/worker.js), its message protocol, and
// the one object that says where the run stands (`run`). It keeps the run's
// last exported state: a worker that crashes is replaced and the run
// restored from it, and a paused or finished run is saved (IndexedDB,
// store.js) and restored after a reload.
//
// What the worker reports goes to the modules that show it, through the
// handlers main.js passes to startRun: progress (the run bar), snapshots and
// live states (live.js), a restored run's config
// (the form). Requests that expect an answer (final, export, weights, mem)
// return promises.

import { $, showError, showNotice } from './dom.js';
import * as store from './store.js';

/** Where the run stands. Only this module writes it. */
export const run = {
  ready: false, // the wasm module is loaded and a worker is there
  id: 0, // the page's id of the current run (states of an earlier one are not kept)
  progress: null, // the worker's last progress report
  playing: false,
  // The worker's own word in its last progress report: still training (it may
  // not have seen a Pause yet), so the status says "paused" only once it has
  // stopped. Set by every report (the worker's reports on stopping, resetting
  // and starting a run say false); cleared here only when a worker is lost.
  workerPlaying: false,
  ended: false,
  depth: 0, // layers of the current net
  kept: null, // {text, step, config, record, compare}: the run's last exported state and its config (compare: run B's {sets, state})
  liveChanges: [], // λ/η changes made while it trained ("λ → 0.02 at step 100")
  config: null, // the config text the worker's run was made with
  stopped: false, // crashes came in a burst: no worker until a new run (a preset, an edit, New seed) starts one
  record: null, // Lab.record_json parsed: {config, reproducible, note}, what reproduces the run (the link)
  recordText: null, // the same as text
  compareSets: null, // run B's key=value list: the comparison asked for (the next run takes it too), or null
  compare: null, // the comparison the worker trains: {sets, text: {keys, a, b}}, or null
};

let worker = null;
let loaded = false;
let runSeq = 0;
let requestSeq = 0;
const requests = new Map();
const pendingRestores = new Map();
const crashTimes = []; // recent crashes (restarting stops if they come in a burst)
let on = null; // the handlers of startRun
let pageWasm = null; // the page's wasm module (config_change, validate_config)

// The wasm build the training worker runs (www/builds.js): its mode line,
// the single-thread build the analysis worker must load to compute the same
// numbers, and the channel the threaded build's pool workers report a trap on
// (the training worker then sleeps waiting for them, so it cannot).
let analystWasmBuild = 'st';
let poolChannel = null;

/** The wasm build the analysis worker loads (the training worker's single-thread twin). */
export function analystBuild() {
  return analystWasmBuild;
}

function onWorkerLoaded(m) {
  $('#version').textContent = `lowrank-lab ${m.version} · ${m.mode}`;
  document.body.dataset.wasmBuild = m.build;
  document.body.dataset.threads = String(m.threads);
  analystWasmBuild = m.analystBuild || 'st';
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

/** Post a message to the training worker. */
export function send(type, extra) {
  if (worker) worker.postMessage(Object.assign({ type }, extra || {}));
}

/** A request the worker answers with a message carrying the same requestId. */
export function request(type, extra) {
  const requestId = ++requestSeq;
  return new Promise((resolve, reject) => {
    requests.set(requestId, { resolve, reject });
    send(type, Object.assign({ requestId }, extra || {}));
  });
}

/**
 * Start the training worker. `handlers` (main.js): workerStarted(worker),
 * progress(m), depth(n), snapshot(m, worker), wantAnalyst(), live(m),
 * status(text or null: from the progress), changed() (buttons to redraw),
 * cleared() (the page's view of the run is reset), newRun(), restoredRun(),
 * restoredConfig(config, record), importing(), resetView(), liveChanged(),
 * crashed(), compare() (run.compare changed), replay(m) (the rewound step's replay: done, progress or failed), savedRecord() (the form's part of a saved run), record(record) (what
 * reproduces the run changed: the link follows), restarting(aside) and restarted(aside)
 * (a new run replaced a trained one, kept aside for Undo), setAside(q) (a config that
 * crashed the worker twice was set aside: start from the default config).
 */
export function startRun(handlers) {
  on = handlers;
  startWorker();
}

function startWorker() {
  loaded = false;
  // ?build=NAME asks for one wasm build (www/builds.js; tests use it).
  const asked = new URLSearchParams(location.search).get('build');
  worker = new Worker(new URL('./worker.js', import.meta.url), { name: `lowrank-lab training${asked ? ` build=${asked}` : ''}` });
  worker.onmessage = onWorkerMessage;
  worker.onerror = (e) => {
    e.preventDefault();
    const message = e.message || 'the worker failed';
    if (!loaded) showError('worker', `${message} (the training worker did not start)`);
    else onWorkerCrash(message);
  };
  worker.onmessageerror = () => onWorkerCrash('a message from the worker could not be read');
  on.workerStarted(worker);
}

/** The page's wasm module is loaded: the run can take configs. */
export function setReady(wasm) {
  pageWasm = wasm;
  run.ready = true;
}

/** The record's config as the page normalises configs (validate_config), or null. */
function linkText(recordText) {
  if (!recordText || !pageWasm) return null;
  try {
    return pageWasm.validate_config(JSON.stringify(JSON.parse(recordText).config));
  } catch (e) {
    return null;
  }
}

// ---------------------------------------------------------------- runs

/** Forget the page's view of the run (a new or restored run follows). */
function clearRunView(live = []) {
  run.playing = false;
  run.ended = false;
  run.progress = null;
  run.liveChanges = live.slice();
  on.cleared();
}

/** A new run id; the kept state and the saved run belong to the previous one. */
function newRun() {
  run.id = ++runSeq;
  run.kept = null;
  document.body.dataset.stateStep = '';
  store.clearRun().then(() => {
    if (run.kept === null) document.body.dataset.savedStep = '';
  });
  return run.id;
}

/** Start a new run of `config` (text, as Rust normalised it). */
export function initRun(config) {
  // After a burst of crashes the worker was not restarted: a new run gets a new one.
  if (!worker) startWorker();
  run.stopped = false;
  run.config = config;
  run.record = null;
  run.recordText = null;
  clearRunView();
  on.newRun();
  on.status('initialising');
  send('init', { config, runId: newRun(), compare: run.compareSets || undefined });
  on.changed();
}

/**
 * Train run B beside the run (`sets`: its key=value list, checked by Rust's
 * compare_check; both runs start again from step 0), or stop comparing (null: A
 * goes on where it is). The worker answers 'compare' or 'compare_failed'.
 */
export function setCompare(sets) {
  run.compareSets = sets && sets.length ? sets : null;
  if (!run.ready || run.config === null) return; // the first run takes it
  if (run.compareSets) {
    clearRunView();
    send('compare', { sets: run.compareSets, runId: newRun() });
  } else {
    send('compare', { sets: null });
  }
  on.changed();
}

/**
 * The form's config changed from `prevText` to `nextText`. Rust decides what
 * that means (config_change): λ and η reach the running Lab live; any other
 * change (or a chosen preset) starts a new run. A new run replacing a trained
 * one keeps that one's exact state aside first (restarted(): the page offers Undo).
 */
export function applyConfig(prevText, nextText, fromPreset) {
  if (!prevText || !run.ready) {
    initRun(nextText);
    return;
  }
  let change;
  try {
    change = JSON.parse(pageWasm.config_change(prevText, nextText));
  } catch (e) {
    change = { keys: [], kind: 'restart' };
  }
  if (change.kind === 'none' && !fromPreset) return;
  if (change.kind === 'live' && !fromPreset) {
    run.config = nextText;
    const next = JSON.parse(nextText);
    for (const k of change.keys) {
      const value = k === 'train.lambda' ? next.train.lambda : next.train.lr;
      // The worker says at which step it applied it ('live_changed').
      send(k === 'train.lambda' ? 'set_lambda' : 'set_lr', { value });
    }
    on.liveChanged();
    return;
  }
  keepAside(fromPreset ? 'the preset' : change.keys.join(', '));
  initRun(nextText);
}

/** Before a new run replaces a trained one: its exact state (the worker answers before it starts the new run). */
function keepAside(why) {
  if (!worker || !loaded || !run.progress || run.progress.step === 0) return;
  const aside = { why, step: run.progress.step, liveChanges: run.liveChanges.slice(), record: run.recordText };
  on.restarting(aside);
  request('export').then(
    (m) => {
      aside.text = m.state;
      aside.step = m.step;
      on.restarted(aside);
    },
    () => {},
  );
}

/** Back to a run kept aside by keepAside (the Undo of a restart). */
export function undoRestart(aside) {
  if (!aside || !aside.text) return;
  requestRestore(aside.text, 'undo', { liveChanges: aside.liveChanges, record: aside.record });
}

export function play() {
  run.playing = true;
  send('play');
  on.status('running');
  on.changed();
}

export function pause() {
  send('pause');
  run.playing = false;
  on.changed();
}

export function step(n) {
  send('step', { n });
}

/** Back to the same initial weights (the run keeps its config). */
export function reset() {
  run.playing = false;
  run.ended = false;
  run.liveChanges = [];
  on.liveChanged();
  on.resetView();
  send('reset', { runId: newRun() });
  on.changed();
}

// ---------------------------------------------------------------- restore

/**
 * Continue a run from exported RunState text in the worker (Lab.from_state):
 * after a reload ('reload'), a worker crash ('crash') or from a file ('import').
 * The worker answers 'restored' (the page then shows the run and its config)
 * or 'restore_failed' with Rust's message (an import keeps the current run).
 */
export function requestRestore(text, context, extra = {}) {
  const runId = ++runSeq;
  pendingRestores.set(runId, Object.assign({ text, context }, extra));
  if (context !== 'import') on.status('restoring');
  // The record kept with our own state (a reload, a crash, an undo): the restored run's link still reproduces it.
  send('restore', {
    state: text,
    runId,
    context,
    record: context === 'import' ? undefined : extra.record || undefined,
    compare: context === 'import' ? undefined : extra.compare || undefined,
  });
}

function onRestored(m) {
  const r = pendingRestores.get(m.runId);
  pendingRestores.delete(m.runId);
  if (!r) return;
  if (r.context === 'import') on.importing();
  clearRunView(r.liveChanges || []);
  on.restoredRun();
  run.id = m.runId;
  run.config = m.config;
  run.kept = { text: r.text, step: m.step, config: m.config, record: r.record || null };
  if (m.recordNote) console.warn(`the kept record was not taken: ${m.recordNote}`);
  document.body.dataset.stateStep = String(m.step);
  on.restoredConfig(m.config, r);
  if (r.context === 'import') {
    $('#import-status').textContent = `imported ${r.name ? `“${r.name}” ` : ''}at step ${m.step}`;
  }
  persistRun();
  on.changed();
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
  initRun(run.config);
}

/** Save the current run (its last state) for a reload. */
function persistRun() {
  if (!run.kept) return;
  const record = Object.assign(on.savedRecord(), {
    config: run.kept.config,
    record: run.kept.record,
    link: linkText(run.kept.record),
    liveChanges: run.liveChanges.slice(),
    state: run.kept.text,
    compare: run.kept.compare || null,
    step: run.kept.step,
    savedAt: Date.now(),
  });
  store.saveRun(record).then((written) => {
    if (written) document.body.dataset.savedStep = String(written.step);
  });
}

// ---------------------------------------------------------------- messages

function onWorkerMessage(ev) {
  const m = ev.data;
  switch (m.type) {
    case 'loaded':
      loaded = true;
      onWorkerLoaded(m);
      break;
    case 'state':
      if (m.runId !== run.id) break;
      run.kept = { text: m.state, step: m.step, config: m.config, record: m.record, compare: m.compare || null };
      document.body.dataset.stateStep = String(m.step);
      persistRun();
      break;
    case 'restored':
      onRestored(m);
      break;
    case 'compare':
      run.compare = m.sets ? { sets: m.sets, text: JSON.parse(m.text) } : null;
      run.compareSets = m.sets || null;
      on.compare();
      break;
    case 'compare_failed':
      run.compare = null;
      run.compareSets = null;
      showError('compare', m.message);
      on.compare();
      break;
    case 'live_changed':
      if (m.runId !== run.id) break;
      if (m.step > 0) run.liveChanges.push(`${m.what} → ${m.value} at step ${m.step}`);
      on.liveChanged();
      break;
    case 'record':
      if (m.runId !== run.id) break;
      run.recordText = m.record;
      run.record = JSON.parse(m.record);
      on.record(run.record);
      break;
    case 'replayed':
    case 'replay_progress':
    case 'replay_failed':
      if (m.runId !== run.id) break;
      on.replay(m);
      break;
    case 'restore_failed':
      onRestoreFailed(m);
      break;
    case 'crash':
      onWorkerCrash(m.message);
      break;
    case 'ready':
      run.depth = m.depth;
      on.depth(m.depth);
      break;
    case 'progress':
      run.progress = m.progress;
      run.workerPlaying = !!m.playing;
      if (!run.ended && !m.progress.running) run.ended = true;
      if (m.progress.running) run.ended = false;
      on.progress(m);
      break;
    case 'snapshot':
      on.snapshot(m, worker);
      break;
    case 'want_analyst':
      on.wantAnalyst();
      break;
    case 'live':
      on.live(m);
      break;
    case 'done':
      run.playing = false;
      run.ended = true;
      on.changed();
      on.status(null);
      break;
    case 'paused':
      run.playing = false;
      on.changed();
      on.status(null);
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
    case 'error':
      for (const [, r] of requests) r.reject(new Error(m.message));
      requests.clear();
      showError(m.context, m.message);
      if (m.context === 'init') on.status('error');
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- crashes

/**
 * The worker's wasm instance trapped (a Rust panic, out of memory) or the
 * worker failed: say so, start a new worker, and restore the run from its last
 * exported state (or start it again from the config if none was kept yet).
 */
function onWorkerCrash(message) {
  const now = Date.now();
  crashTimes.push(now);
  while (crashTimes.length && now - crashTimes[0] > 30_000) crashTimes.shift();
  // Crashes are counted per config, across reloads: the second one ends the loop.
  const last = store.loadCrashes();
  const count = last && last.config === run.config ? last.count + 1 : 1;
  store.saveCrashes({ config: run.config, count });
  worker.onmessage = null;
  worker.onerror = null;
  worker.onmessageerror = null;
  worker.terminate();
  worker = null;
  loaded = false;
  for (const [, r] of requests) r.reject(new Error(`the worker crashed: ${message}`));
  requests.clear();
  pendingRestores.clear();
  run.playing = false;
  run.workerPlaying = false;
  on.crashed();
  if (crashTimes.length > 3) {
    // A burst (several configs in a row): no new worker until the visitor picks a config.
    run.progress = null;
    run.kept = null;
    run.stopped = true;
    on.status('error');
    on.changed();
    showError('worker crashed', `${message}. It crashed ${crashTimes.length} times in 30 s, so it is not restarted: choose a preset (or reload) to start again.`);
    return;
  }
  if (count >= 2) {
    setAside(message);
    return;
  }
  const kept = run.kept;
  startWorker();
  if (kept) {
    showError('worker crashed', `${message}. A new worker restored the run at step ${kept.step} with its config.`);
    // With the form's preset (the crashed run's: a preset change starts a new run), as a reload keeps it.
    requestRestore(kept.text, 'crash', Object.assign(on.savedRecord(), { liveChanges: run.liveChanges.slice(), record: kept.record, compare: kept.compare }));
  } else {
    showError('worker crashed', `${message}. A new worker started the run again from its config.`);
    initRun(run.config);
  }
  on.changed();
}

/**
 * The run's config crashed the worker twice: it is kept aside (store.js; never
 * restored from the link or the saved state again until the visitor asks) and
 * the page starts from the default config with a new worker.
 */
function setAside(message) {
  const q = { config: run.config, link: linkText(run.recordText) || run.config, message, at: Date.now() };
  store.saveQuarantine(q);
  store.saveCrashes(null);
  clearRunView();
  newRun();
  startWorker();
  showError('worker crashed', `${message}. This configuration crashed the lab twice, so it is kept aside and the page starts from the default configuration.`);
  on.setAside(q);
  on.changed();
}
