// The training worker: owns the Lab (Rust), advances it in small time-boxed
// budgets while playing, and posts progress (cheap, every budget) and
// snapshots (heavier, at most SNAPSHOT_HZ per second) as JSON strings.
// Between budgets it yields to its message queue, so pause is prompt.
// It also posts the run's full state (Lab.export_state) every ~2 s while
// training and whenever training stops, so the page can restore the run after
// a crash of this worker or a reload.
//
// Snapshots costing more than LIVE_MS (a wide net: spectra, balance, span and a
// forward/backward pass take hundreds of ms in wasm) is taken off this worker:
// it asks the page for the analysis worker (www/analyst.js, on the other core)
// and from then on posts only its trainers' states (Lab.live_state: JSON and a
// Float64Array of the matrices, a few ms),
// which the page hands to that worker; forced snapshots (pause, end, changes)
// are still taken here. Every snapshot carries a sequence number, so the page
// never shows an older one after a newer one.
//
// Snapshots are deltas (Lab.snapshot_delta, src/live/delta.rs): their
// histories hold only the points added since the last one, so a long run's
// history is not serialised, posted and parsed 15 times a second. Forced
// snapshots are full. When the page cannot apply a delta (it dropped an older
// one) it sends 'resync' and the next snapshot is full.
//
// Messages in:  {type: 'init', config, runId, compare?} | {type: 'restore', state, runId, context, record?, compare?}
//               | {type: 'compare', sets} (run B: a key=value list, or null to stop; compare?: the same list
//               on init, {sets, state} on restore) | 'resync_compare'
//               | 'play' | 'pause' | {type: 'step', n} | {type: 'reset', runId}
//               | {type: 'set_lambda', value} | {type: 'set_lr', value}
//               | 'snapshot' | 'snapshot_ack' | 'resync' | {type: 'analyst', ok}
//               | 'final' | 'export' | 'mem' | {type: 'weights', net, layer}
//               | {type: 'claims', preset, config} (the preset whose claims snapshots carry; null: none;
//               the current run takes it only if it is the run of `config`)
//               | {type: 'debug_panic', message} | 'debug_oom' (tests only: a Rust panic, or
//               running out of memory, on purpose) | {type: 'debug_live', on} (tests and
//               bench/page-live.mjs: live snapshots off and on, to measure what they cost)
//               | {type: 'debug_split', how} (tests: every trainer's split across threads
//               "never", "always", "owned" or "auto") | {type: 'debug_pool_panic', message} (tests: a
//               panic on a pool thread of the threaded build) | 'split_report'
// The wasm build (threads, relaxed SIMD) is chosen at load (www/builds.js);
// 'loaded' says which, with the page's mode line and the build the analysis
// worker must load to compute the same numbers.
//
// Messages out: loaded, ready, record, live_changed (a λ/η change, with the step it acts at), progress,
//               snapshot (with its runId; `compare`: run B's delta), compare {sets, text} | compare_failed {sets, message},
//               want_analyst, live, state (with `compare`: {sets, state} of run B), restored, restore_failed, done,
//               paused, final, export, mem, weights, split_report,
//               error (always with the Rust message), crash (the wasm instance trapped:
//               with the Rust panic message; this worker is then unusable).

import { chooseBuild, loadBuild, modeText } from './builds.js';

const BUDGET_MS = 20; // work per budget, between yields
const SNAPSHOT_HZ = 15;
// At most this share of the worker's time goes to snapshots (spectra of every
// layer included): a W3-sized net's ~50 ms snapshot then comes every ~0.5 s
// (2 Hz) and costs training at most 10%; small nets stay at SNAPSHOT_HZ.
const SNAPSHOT_SHARE = 0.1;
const LIVE_MS = 40;
// With threads (training on every core), the analysis worker's live snapshots
// and their export here take at most this share of all cores: W3 (~260 ms a
// snapshot in Chromium) then gets one every 3–5 s. Training loses about twice
// this share, as a step split over two threads waits for the one the analysis
// worker holds up (at 0.06 bench/page-live.mjs measured 10–12% in three of
// four runs). On one thread it runs at its own pace on the other core, ~4 a second.
const LIVE_SHARE_THREADED = 0.04;
const LIVE_VOTES = 2; // in-worker snapshots in a row above LIVE_MS (the first call of a run is slower)
const BOUNDARY_HZ = 3; // decision-boundary grids are heavier than snapshots
const STATIONARITY_HZ = 10;
// The gauge's residual is a full-batch forward and backward pass (plus, under
// span steps, writing layer 1 out): for a W3-sized net ~50 ms in wasm, so it is
// also held to a share of the worker's time.
const STATIONARITY_SHARE = 0.05;
const STATE_MS = 2000; // full state for crash recovery, at most this often while training

let wasm = null;
let threads = 1; // the loaded build's pool size
let lab = null;
let runId = 0; // the page's id of the current run, echoed in state messages
let planar = false;
let playing = false;
let stepsLeft = 0; // > 0 while a "step n" request is being worked off
let chunk = 1; // steps per advance() call, adapted to BUDGET_MS
let generation = 0; // bumped on init/reset so stale loops stop
let lastSnapshotAt = -Infinity;
let snapshotCost = 0;
let snapshotSeq = 0;
let liveSnapshots = true; // off only through the test hook (forced snapshots still go out)
let analystReady = false; // the page has an analysis worker for live snapshots
let analystAsked = false;
let liveCost = 0;
let liveVotes = 0;
let analystMs = 0; // the analysis worker's last time per snapshot: live states are sent at its pace
let lastBoundaryAt = -Infinity;
let lastStationarityAt = -Infinity;
let stationarityCost = 0;
let lastStateAt = -Infinity;
let stateCost = 0;
let stationarity = null;
let rate = { t: 0, step: 0, perSec: null };
let claimsPreset = null; // the preset whose claims every run checks (Lab.check_claims), or null
let compareSets = null; // run B's key=value list (Lab.set_compare), or null: no comparison
let dead = false; // after a trap the wasm instance cannot be trusted: report and stop
// Back-pressure: after a live snapshot, wait until the page has drawn it
// (it acks) before sending the next one; forced snapshots skip the wait.
let awaitingAck = false;
const ACK_TIMEOUT_MS = 1000;

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

function errorMessage(e) {
  return e && e.message ? e.message : String(e);
}

function postError(context, e) {
  post({ type: 'error', context, message: errorMessage(e) });
}

/** A WebAssembly trap (a Rust panic aborts with `unreachable`; running out of memory traps too). */
function isTrap(e) {
  return typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
}

/** The instance trapped: tell the page (with the Rust panic message) and do nothing more. */
function crash(e) {
  if (dead) return;
  dead = true;
  playing = false;
  stepsLeft = 0;
  generation += 1;
  let panic = null;
  try {
    panic = wasm ? wasm.last_panic_message() : null;
  } catch (_) {
    panic = null;
  }
  const trap = errorMessage(e);
  const message = panic || `${trap} (a WebAssembly trap without a Rust panic message: most likely out of memory)`;
  post({ type: 'crash', message, trap });
}

/** Report `e`: a trap ends this worker, any other error is a Rust message for the page. */
function fail(context, e) {
  if (isTrap(e)) crash(e);
  else postError(context, e);
}

// A zero-delay yield that is not clamped like nested setTimeout(0).
const channel = new MessageChannel();
const pending = [];
channel.port1.onmessage = () => {
  const fn = pending.shift();
  if (fn && !dead) fn();
};
function yieldThen(fn) {
  pending.push(fn);
  channel.port2.postMessage(0);
}

function progressMessage(force) {
  const now = performance.now();
  const p = JSON.parse(lab.progress());
  if (rate.t === 0 || p.step < rate.step) {
    rate = { t: now, step: p.step, perSec: null };
  } else if (now - rate.t >= 250) {
    rate = { t: now, step: p.step, perSec: ((p.step - rate.step) * 1000) / (now - rate.t) };
  }
  const every = Math.max(1000 / STATIONARITY_HZ, stationarityCost * (1 / STATIONARITY_SHARE - 1));
  if (force || now - lastStationarityAt >= every) {
    stationarity = JSON.parse(lab.stationarity_gauge());
    stationarityCost = performance.now() - now;
    lastStationarityAt = performance.now();
  }
  post({ type: 'progress', progress: p, stationarity, stepsPerSec: rate.perSec, playing: playing || stepsLeft > 0 });
  return p;
}

function snapshotMessage(force) {
  if (!force && !liveSnapshots) return;
  const now = performance.now();
  // A comparison's snapshots are taken here, both runs' from the same step (no analysis worker).
  const live = !force && !planar && !compareSets && liveVotes >= LIVE_VOTES;
  if (live && !analystReady) {
    if (!analystAsked) post({ type: 'want_analyst' });
    analystAsked = true;
  }
  if (live && analystReady) {
    // The analysis worker takes the snapshot: only the state export costs this
    // worker. States go out at the analysis worker's pace without waiting for
    // the page (it keeps only the newest), so it always has a fresh one to start on.
    // With threads, training uses every core, so whatever the analysis worker
    // computes is taken from training: its snapshots (and this export) are
    // held to LIVE_SHARE_THREADED of all cores. Without, it has the other core.
    const paced = threads > 1 ? (analystMs + liveCost) / (LIVE_SHARE_THREADED * threads) : 0.9 * analystMs;
    const interval = Math.max(1000 / SNAPSHOT_HZ, liveCost * (1 / SNAPSHOT_SHARE - 1), paced);
    if (now - lastSnapshotAt < interval) return;
    const live = lab.live_state();
    const meta = live.meta();
    const data = live.take_data();
    live.free();
    liveCost = performance.now() - now;
    lastSnapshotAt = performance.now();
    post({ type: 'live', runId, seq: ++snapshotSeq, config: lab.config_json(), meta, data, ms: liveCost }, [data.buffer]);
    return;
  }
  const interval = Math.max(1000 / SNAPSHOT_HZ, snapshotCost * (1 / SNAPSHOT_SHARE - 1));
  if (!force && now - lastSnapshotAt < interval) return;
  if (!force && awaitingAck && now - lastSnapshotAt < ACK_TIMEOUT_MS) return;
  const t0 = performance.now();
  const snapshot = lab.snapshot_delta(force);
  const compare = compareSets ? lab.compare_delta(force) : undefined;
  let boundaries = null;
  let compareBoundaries = null;
  if (planar && (force || now - lastBoundaryAt >= 1000 / BOUNDARY_HZ)) {
    boundaries = lab.boundaries();
    if (compareSets) compareBoundaries = lab.compare_boundaries() || null;
    lastBoundaryAt = now;
  }
  snapshotCost = performance.now() - t0;
  liveVotes = snapshotCost > LIVE_MS ? liveVotes + 1 : 0;
  lastSnapshotAt = performance.now();
  awaitingAck = true;
  post({ type: 'snapshot', runId, seq: ++snapshotSeq, snapshot, compare, boundaries, compareBoundaries, ms: snapshotCost });
}

// The full state, for restoring the run after a crash or a reload: forced when
// training stops, else every STATE_MS (longer if exporting is slow, so a big
// run spends at most ~5% of its time on it).
function stateMessage(force) {
  const now = performance.now();
  if (!force && now - lastStateAt < Math.max(STATE_MS, 20 * stateCost)) return;
  const t0 = performance.now();
  const state = lab.export_state();
  const compare = compareSets ? { sets: compareSets, state: lab.export_compare_state() } : null;
  const p = JSON.parse(lab.progress());
  stateCost = performance.now() - t0;
  lastStateAt = performance.now();
  post({ type: 'state', runId, state, compare, config: lab.config_json(), record: lab.record_json(), step: p.step, running: p.running });
}

// What reproduces the run (Lab.record_json: the config as started and its live
// changes), for the link: after every change of it (init, restore, reset, λ/η).
function recordMessage() {
  post({ type: 'record', runId, record: lab.record_json(), config: lab.config_json() });
}

// Where training stops, the snapshot goes out before the progress: the page
// handles messages in order, so its tables show the final state before its
// status says "done" or "paused" (never a live snapshot's older numbers under it).
function finish(p) {
  playing = false;
  stepsLeft = 0;
  snapshotMessage(true);
  progressMessage(true);
  stateMessage(true);
  post({ type: 'done', progress: p });
}

/** The next call's step count after `n` steps took `dt` ms: each call aims at about a quarter of the budget. */
function nextChunk(n, dt) {
  if (dt < BUDGET_MS / 8) return Math.min(n * 2, 1 << 20);
  if (dt > BUDGET_MS / 2) return Math.max(1, Math.floor(n / 2));
  return n;
}

// One budget of work, then yield; repeats while playing or stepping.
function loop(gen) {
  if (gen !== generation || !lab || !(playing || stepsLeft > 0)) return;
  try {
    const t0 = performance.now();
    let p = null;
    while (performance.now() - t0 < BUDGET_MS) {
      const n = stepsLeft > 0 ? Math.min(chunk, stepsLeft) : chunk;
      const c0 = performance.now();
      p = JSON.parse(lab.advance(n));
      chunk = nextChunk(chunk, performance.now() - c0);
      if (stepsLeft > 0) stepsLeft = Math.max(0, stepsLeft - n);
      if (!p.running || !(playing || stepsLeft > 0)) break;
    }
    if (p && !p.running) {
      finish(p);
      return;
    }
    if (stepsLeft === 0 && !playing) {
      snapshotMessage(true);
      progressMessage(false);
      stateMessage(true);
      return;
    }
    progressMessage(false);
    snapshotMessage(false);
    stateMessage(false);
  } catch (e) {
    playing = false;
    stepsLeft = 0;
    fail('training', e);
    if (!dead) post({ type: 'paused' });
    return;
  }
  yieldThen(() => loop(gen));
}

function start() {
  generation += 1;
  const gen = generation;
  yieldThen(() => loop(gen));
}

function stopTraining() {
  playing = false;
  stepsLeft = 0;
  generation += 1;
}

function adopt(next, id) {
  if (lab) lab.free();
  lab = next;
  runId = id;
  replayGen += 1; // an older run's replay stops
  if (claimsPreset) lab.check_claims(claimsPreset);
  planar = JSON.parse(lab.config_json()).data.generator === 'planar';
  chunk = 1;
  rate = { t: 0, step: 0, perSec: null };
  lastStateAt = -Infinity;
  // A new run measures its own snapshot cost (its first snapshot is taken here).
  snapshotCost = 0;
  liveCost = 0;
  liveVotes = 0;
}

function init(msg) {
  stopTraining();
  if (lab) {
    // Free the old run first: the new one may need its memory.
    lab.free();
    lab = null;
  }
  adopt(new wasm.Lab(msg.config), msg.runId);
  setCompare(msg.compare || null);
  post({ type: 'ready', depth: lab.depth() });
  recordMessage();
  progressMessage(true);
  snapshotMessage(true);
}

// A run from an exported state (import, reload, or a new worker after a crash).
// The current run is kept if the state is refused.
function restore(msg) {
  let next;
  try {
    next = wasm.Lab.from_state(msg.state);
  } catch (e) {
    if (isTrap(e)) throw e;
    post({ type: 'restore_failed', runId: msg.runId, context: msg.context, message: errorMessage(e) });
    return;
  }
  stopTraining();
  adopt(next, msg.runId);
  // The page's own state (a reload, a crash): the record it kept with it still reproduces the run.
  let recordNote = null;
  if (msg.record) {
    try {
      lab.adopt_record(msg.record);
    } catch (e) {
      if (isTrap(e)) throw e;
      recordNote = errorMessage(e);
    }
  }
  // Run B of a comparison, from its own saved state; refused (with the reason) if it is not A's partner.
  compareSets = null;
  if (!(msg.compare && msg.compare.state)) post({ type: 'compare', sets: null });
  else {
    try {
      const text = lab.restore_compare(JSON.stringify(msg.compare.sets), msg.compare.state);
      compareSets = msg.compare.sets;
      post({ type: 'compare', sets: compareSets, text });
    } catch (e) {
      if (isTrap(e)) throw e;
      post({ type: 'compare_failed', sets: msg.compare.sets, message: errorMessage(e) });
    }
  }
  const p = JSON.parse(lab.progress());
  post({ type: 'restored', runId: msg.runId, context: msg.context, config: lab.config_json(), step: p.step, recordNote });
  post({ type: 'ready', depth: lab.depth() });
  recordMessage();
  progressMessage(true);
  snapshotMessage(true);
}

// Train run B beside A (sets: its key=value list; A goes back to step 0 with it), or
// stop comparing (null). A refused comparison leaves A alone and says why.
function setCompare(sets) {
  compareSets = null;
  if (!sets) {
    lab.clear_compare();
    post({ type: 'compare', sets: null });
    return;
  }
  try {
    const text = lab.set_compare(JSON.stringify(sets));
    compareSets = sets;
    post({ type: 'compare', sets, text });
  } catch (e) {
    if (isTrap(e)) throw e;
    post({ type: 'compare_failed', sets, message: errorMessage(e) });
  }
}

// The run trained again to a rewound step (Lab.replay_*, src/live/replay.rs): in
// budgets between the training loop's, so the worker keeps answering; a newer
// request replaces an older one; progress goes out at most every REPLAY_REPORT_MS.
const REPLAY_REPORT_MS = 250;
let replayGen = 0;
let replayChunk = 16;
function replay(step) {
  const gen = ++replayGen;
  const id = runId; // results go out under the run they were asked for
  if (step === null || step === undefined) {
    lab.replay_drop();
    return;
  }
  if (!lab.replay_needed()) return;
  try {
    lab.replay_aim(step);
  } catch (e) {
    post({ type: 'replay_failed', runId: id, step, message: errorMessage(e) });
    return;
  }
  let reported = performance.now();
  const tick = () => {
    if (gen !== replayGen || !lab || dead) return;
    try {
      const t0 = performance.now();
      let there = false;
      while (!there && performance.now() - t0 < BUDGET_MS) {
        const c0 = performance.now();
        there = lab.replay_advance(replayChunk);
        replayChunk = nextChunk(replayChunk, performance.now() - c0);
      }
      if (there) {
        post({ type: 'replayed', runId: id, step, result: lab.replay_result() });
        return;
      }
      if (performance.now() - reported >= REPLAY_REPORT_MS) {
        reported = performance.now();
        post({ type: 'replay_progress', runId: id, step, at: JSON.parse(lab.replay_progress()).step });
      }
    } catch (e) {
      if (isTrap(e)) crash(e);
      else post({ type: 'replay_failed', runId: id, step, message: errorMessage(e) });
      return;
    }
    yieldThen(tick);
  };
  yieldThen(tick);
}

function handle(msg) {
  switch (msg.type) {
    case 'replay':
      if (lab) replay(msg.step);
      break;
    case 'compare':
      // A new comparison starts both runs at step 0 (a new run id); stopping one keeps A where it is.
      if (!lab) return;
      if (msg.sets) {
        stopTraining();
        runId = msg.runId;
        rate = { t: 0, step: 0, perSec: null };
      }
      setCompare(msg.sets || null);
      recordMessage();
      progressMessage(true);
      if (!playing) snapshotMessage(true);
      stateMessage(true);
      if (msg.sets) post({ type: 'paused' });
      break;
    case 'resync_compare':
      if (lab) lab.resync_compare();
      break;
    case 'init':
      init(msg);
      break;
    case 'restore':
      restore(msg);
      break;
    case 'play':
      if (!lab) return;
      if (!JSON.parse(lab.progress()).running) {
        finish(JSON.parse(lab.progress()));
        return;
      }
      playing = true;
      start();
      break;
    case 'pause':
      stopTraining();
      if (lab) {
        snapshotMessage(true);
        progressMessage(true);
        stateMessage(true);
      }
      post({ type: 'paused' });
      break;
    case 'step':
      if (!lab) return;
      playing = false;
      stepsLeft = Math.max(1, msg.n | 0);
      start();
      break;
    case 'reset':
      if (!lab) return;
      stopTraining();
      lab.reset();
      runId = msg.runId;
      replayGen += 1;
      recordMessage();
      rate = { t: 0, step: 0, perSec: null };
      progressMessage(true);
      snapshotMessage(true);
      break;
    case 'set_lambda':
    case 'set_lr':
      if (!lab) return;
      if (msg.type === 'set_lambda') lab.set_lambda(msg.value);
      else lab.set_lr(msg.value);
      // The step the change acts at is the Lab's, not the page's last progress (which lags by budgets).
      post({ type: 'live_changed', runId, what: msg.type === 'set_lambda' ? 'λ' : 'η', value: msg.value, step: JSON.parse(lab.progress()).step });
      recordMessage();
      // A diverged run is open again (from its last finite state). The kept
      // state follows the change at once, so a reload does not lose it.
      progressMessage(true);
      if (!playing) snapshotMessage(true);
      stateMessage(true);
      break;
    case 'snapshot':
      if (lab) snapshotMessage(true);
      break;
    case 'snapshot_ack':
      awaitingAck = false;
      break;
    case 'resync':
      if (lab) lab.resync_deltas();
      break;
    case 'analyst':
      analystReady = !!msg.ok;
      if (msg.ms) analystMs = msg.ms;
      break;
    case 'final':
      if (!lab) return;
      post({ type: 'final', requestId: msg.requestId, snapshot: lab.snapshot(), final: lab.final_summary() });
      break;
    case 'export': {
      if (!lab) return;
      const state = lab.export_state();
      post({ type: 'export', requestId: msg.requestId, state, step: JSON.parse(lab.progress()).step });
      break;
    }
    case 'mem':
      post({ type: 'mem', requestId: msg.requestId, bytes: wasm.wasm_memory_bytes() });
      break;
    case 'weights': {
      if (!lab) return;
      const bytes = lab.weights_npy(msg.net, msg.layer);
      post({ type: 'weights', requestId: msg.requestId, net: msg.net, layer: msg.layer, bytes }, [bytes.buffer]);
      break;
    }
    case 'claims':
      // Every run from now on checks this preset's claims in its snapshots, and
      // so does the current one if it is the run of `msg.config` (the form's
      // config). A new preset's 'claims' arrives just before its run's 'init':
      // a snapshot of the old run checked against the new preset's claims
      // would show a row that belongs to neither.
      claimsPreset = msg.preset || null;
      if (lab && claimsPreset && (msg.config === undefined || lab.config_json() === msg.config)) {
        lab.check_claims(claimsPreset);
        if (!playing) snapshotMessage(true);
      }
      break;
    case 'debug_panic':
      wasm.debug_panic_for_tests(String(msg.message));
      break;
    case 'debug_oom':
      wasm.debug_oom_for_tests();
      break;
    case 'debug_live':
      liveSnapshots = !!msg.on;
      break;
    case 'debug_split':
      if (lab) lab.debug_split_for_tests(String(msg.how));
      break;
    case 'debug_pool_panic':
      wasm.debug_pool_panic_for_tests(String(msg.message));
      break;
    case 'split_report':
      post({ type: 'split_report', requestId: msg.requestId, report: lab ? lab.split_report() : '[]' });
      break;
    default:
      postError('worker', new Error(`unknown message ${JSON.stringify(msg.type)}`));
  }
}

function handleSafely(msg) {
  if (dead) return;
  try {
    handle(msg);
  } catch (e) {
    fail(msg && msg.type, e);
  }
}

const queue = [];
self.onmessage = (ev) => {
  if (!wasm) {
    queue.push(ev.data);
    return;
  }
  handleSafely(ev.data);
};

// Load the build this browser runs best (www/builds.js): with threads, start
// the pool first (its workers report a trap on poolChannel, which the page
// listens to: this worker would be asleep waiting for them). If the threaded
// build cannot start, the single-thread one runs and the mode line says why.
async function load() {
  let build = await chooseBuild();
  let m;
  try {
    m = await loadBuild(build.name);
    if (build.threads > 1) await m.init_thread_pool(build.threads, poolChannel);
  } catch (e) {
    if (build.threads === 1) throw e;
    build = { ...build, name: build.analyst, threads: 1, why: `the threaded build did not start: ${errorMessage(e)}` };
    m = await loadBuild(build.name);
  }
  return { m, build };
}

const poolChannel = `lowrank-lab-pool-${Math.random().toString(36).slice(2)}-${Date.now()}`;

load().then(
  ({ m, build }) => {
    wasm = m;
    threads = JSON.parse(m.build_info()).threads;
    post({
      type: 'loaded',
      version: m.version(),
      simd: m.simd_build(),
      build: build.name,
      threads,
      mode: modeText(build),
      analystBuild: build.analyst,
      poolChannel,
    });
    for (const msg of queue.splice(0)) handleSafely(msg);
  },
  (e) => postError('loading the wasm module', e),
);
