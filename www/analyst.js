// The analysis worker: live snapshots of wide nets taken off the training
// worker, on the other core (src/live/analyst.rs). The training worker exports its
// trainers' states (Lab.live_state: JSON plus the matrices as a Float64Array, a few ms); the page
// hands them here; Analyst.snapshot restores them into a run of the same
// config and returns the snapshot the training worker would have taken, as a
// delta against the ones it sent before (Analyst.snapshot_delta; 'resync' makes
// the next one full). Only the newest request is kept while one is being computed.
//
// Messages in:  {type: 'live', runId, seq, config, meta, data} | 'resync'
// Messages out: loaded | {type: 'snapshot', runId, seq, snapshot, ms}
//               | {type: 'error', runId, seq, message, fatal} (fatal: this worker is unusable)

import { askedBuild, callFailure, loadBuild } from './builds.js';

let wasm = null;
let analyst = null;
let next = null;
let dead = false;

const post = (msg) => self.postMessage(msg);
const errorMessage = (e) => (e && e.message ? e.message : String(e));

function work() {
  const m = next;
  next = null;
  if (!m || !analyst || dead) return;
  try {
    const t0 = performance.now();
    const snapshot = analyst.snapshot_delta(m.config, m.meta, m.data);
    post({ type: 'snapshot', runId: m.runId, seq: m.seq, snapshot, ms: performance.now() - t0 });
  } catch (e) {
    const { message, fatal } = callFailure(wasm, e);
    dead = fatal;
    post({ type: 'error', runId: m.runId, seq: m.seq, message, fatal });
  }
}

self.onmessage = (ev) => {
  if (ev.data && ev.data.type === 'live') {
    next = ev.data;
    if (analyst) setTimeout(work, 0);
  } else if (ev.data && ev.data.type === 'resync' && analyst && !dead) {
    analyst.resync_deltas();
  }
};

// The page names the build in this worker's name (`build=NAME`): the
// single-thread build of the training worker's arithmetic (www/builds.js).
loadBuild(askedBuild() || 'st').then(
  (m) => {
    wasm = m;
    analyst = new m.Analyst();
    post({ type: 'loaded' });
    work();
  },
  (e) => {
    dead = true;
    post({ type: 'error', message: `loading the wasm module: ${errorMessage(e)}`, fatal: true });
  },
);
