// The training worker: owns the Lab (Rust), advances it in small time-boxed
// budgets while playing, and posts progress (cheap, every budget) and
// snapshots (heavier, at most SNAPSHOT_HZ per second) as JSON strings.
// Between budgets it yields to its message queue, so pause is prompt.
//
// Messages in:  {type: 'init', config} | 'play' | 'pause' | {type: 'step', n}
//               | 'reset' | {type: 'set_lambda', value} | {type: 'set_lr', value}
//               | 'snapshot' | 'snapshot_ack' | 'final' | {type: 'weights', net, layer}
//               | {type: 'sweep', config, key, values} | 'cancel_sweep'
// Messages out: ready, progress, snapshot, done, final, weights, sweep_progress,
//               sweep_done, error (always with the Rust message).

const BUDGET_MS = 20; // work per budget, between yields
const SNAPSHOT_HZ = 15;
const BOUNDARY_HZ = 3; // decision-boundary grids are heavier than snapshots
const STATIONARITY_HZ = 10;

let wasm = null;
let lab = null;
let configJson = null;
let planar = false;
let playing = false;
let stepsLeft = 0; // > 0 while a "step n" request is being worked off
let chunk = 1; // steps per advance() call, adapted to BUDGET_MS
let generation = 0; // bumped on init/reset so stale loops stop
let lastSnapshotAt = -Infinity;
let snapshotCost = 0;
let lastBoundaryAt = -Infinity;
let lastStationarityAt = -Infinity;
let stationarity = null;
let rate = { t: 0, step: 0, perSec: null };
let sweep = null;
// Back-pressure: after a live snapshot, wait until the page has drawn it
// (it acks) before sending the next one; forced snapshots skip the wait.
let awaitingAck = false;
const ACK_TIMEOUT_MS = 1000;

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

function postError(context, e) {
  const message = e && e.message ? e.message : String(e);
  post({ type: 'error', context, message });
}

// A zero-delay yield that is not clamped like nested setTimeout(0).
const channel = new MessageChannel();
const pending = [];
channel.port1.onmessage = () => {
  const fn = pending.shift();
  if (fn) fn();
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
  if (force || now - lastStationarityAt >= 1000 / STATIONARITY_HZ) {
    lastStationarityAt = now;
    stationarity = lab.stationarity();
  }
  post({ type: 'progress', progress: p, stationarity, stepsPerSec: rate.perSec, playing: playing || stepsLeft > 0 });
  return p;
}

function snapshotMessage(force) {
  const now = performance.now();
  const interval = Math.max(1000 / SNAPSHOT_HZ, 3 * snapshotCost);
  if (!force && now - lastSnapshotAt < interval) return;
  if (!force && awaitingAck && now - lastSnapshotAt < ACK_TIMEOUT_MS) return;
  const t0 = performance.now();
  const snapshot = lab.snapshot();
  let boundaries = null;
  if (planar && (force || now - lastBoundaryAt >= 1000 / BOUNDARY_HZ)) {
    boundaries = lab.boundaries();
    lastBoundaryAt = now;
  }
  snapshotCost = performance.now() - t0;
  lastSnapshotAt = performance.now();
  awaitingAck = true;
  post({ type: 'snapshot', snapshot, boundaries });
}

function finish(p) {
  playing = false;
  stepsLeft = 0;
  progressMessage(true);
  snapshotMessage(true);
  post({ type: 'done', progress: p });
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
      const dt = performance.now() - c0;
      // Aim each advance() at about a quarter of the budget.
      if (dt < BUDGET_MS / 8) chunk = Math.min(chunk * 2, 1 << 20);
      else if (dt > BUDGET_MS / 2) chunk = Math.max(1, Math.floor(chunk / 2));
      if (stepsLeft > 0) stepsLeft = Math.max(0, stepsLeft - n);
      if (!p.running || !(playing || stepsLeft > 0)) break;
    }
    if (p && !p.running) {
      finish(p);
      return;
    }
    progressMessage(false);
    if (stepsLeft === 0 && !playing) {
      snapshotMessage(true);
      return;
    }
    snapshotMessage(false);
  } catch (e) {
    playing = false;
    stepsLeft = 0;
    postError('training', e);
    post({ type: 'paused' });
    return;
  }
  yieldThen(() => loop(gen));
}

function start() {
  generation += 1;
  const gen = generation;
  yieldThen(() => loop(gen));
}

function init(config) {
  playing = false;
  stepsLeft = 0;
  generation += 1;
  if (lab) {
    lab.free();
    lab = null;
  }
  configJson = config;
  planar = JSON.parse(config).data.generator === 'planar';
  chunk = 1;
  rate = { t: 0, step: 0, perSec: null };
  lab = new wasm.Lab(config);
  post({ type: 'ready', depth: lab.depth() });
  progressMessage(true);
  snapshotMessage(true);
}

function runSweep(msg) {
  playing = false;
  stepsLeft = 0;
  const id = (sweep ? sweep.id : 0) + 1;
  sweep = { id, results: [] };
  const step = (i) => {
    if (!sweep || sweep.id !== id) return;
    if (i >= msg.values.length) {
      post({ type: 'sweep_done', key: msg.key, values: msg.values, results: sweep.results });
      sweep = null;
      return;
    }
    try {
      const cfg = wasm.set_config_key(msg.config, msg.key, msg.values[i]);
      sweep.results.push(wasm.run_to_end(cfg));
    } catch (e) {
      postError(`sweep at ${msg.key} = ${msg.values[i]}`, e);
      sweep = null;
      post({ type: 'sweep_cancelled' });
      return;
    }
    post({ type: 'sweep_progress', done: i + 1, total: msg.values.length });
    yieldThen(() => step(i + 1));
  };
  post({ type: 'sweep_progress', done: 0, total: msg.values.length });
  yieldThen(() => step(0));
}

function handle(msg) {
  switch (msg.type) {
    case 'init':
      init(msg.config);
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
      playing = false;
      stepsLeft = 0;
      generation += 1;
      if (lab) {
        progressMessage(true);
        snapshotMessage(true);
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
      playing = false;
      stepsLeft = 0;
      generation += 1;
      lab.reset();
      rate = { t: 0, step: 0, perSec: null };
      progressMessage(true);
      snapshotMessage(true);
      break;
    case 'set_lambda':
      if (!lab) return;
      lab.set_lambda(msg.value);
      progressMessage(true);
      if (!playing) snapshotMessage(true);
      break;
    case 'set_lr':
      if (!lab) return;
      lab.set_lr(msg.value);
      if (!playing) snapshotMessage(true);
      break;
    case 'snapshot':
      if (lab) snapshotMessage(true);
      break;
    case 'snapshot_ack':
      awaitingAck = false;
      break;
    case 'final':
      if (!lab) return;
      post({ type: 'final', requestId: msg.requestId, snapshot: lab.snapshot(), final: lab.final_summary() });
      break;
    case 'weights': {
      if (!lab) return;
      const bytes = lab.weights_npy(msg.net, msg.layer);
      post({ type: 'weights', requestId: msg.requestId, net: msg.net, layer: msg.layer, bytes }, [bytes.buffer]);
      break;
    }
    case 'sweep':
      runSweep(msg);
      break;
    case 'cancel_sweep':
      if (sweep) {
        sweep = null;
        post({ type: 'sweep_cancelled' });
      }
      break;
    default:
      postError('worker', new Error(`unknown message ${JSON.stringify(msg.type)}`));
  }
}

const queue = [];
self.onmessage = (ev) => {
  if (!wasm) {
    queue.push(ev.data);
    return;
  }
  try {
    handle(ev.data);
  } catch (e) {
    postError(ev.data && ev.data.type, e);
  }
};

import('../pkg/lowrank_lab.js').then(
  (m) => {
    wasm = m;
    post({ type: 'loaded', version: m.version() });
    for (const msg of queue.splice(0)) {
      try {
        handle(msg);
      } catch (e) {
        postError(msg && msg.type, e);
      }
    }
  },
  (e) => postError('loading the wasm module', e),
);
