// Live snapshots: the deltas the training worker (or, for a wide net, the
// analysis worker www/analyst.js on the other core) sends while training
// reach the charts' ChartStore and the tables here. Back-pressure: after a
// live snapshot the training worker waits for an ack, which goes out once the
// page has drawn what is on screen.
//
// The analysis worker is started when the training worker finds its snapshots
// too costly (a wide net): it then takes them from the trainers' states.

import { errorText, showError } from './dom.js';
import { perf } from './perf.js';
import { run, send, analystBuild } from './run.js';
import * as charts from './charts.js';
import * as rewind from './rewind.js';

let analyst = null;
let analystOk = false;
let lastSeq = 0; // per training worker: its snapshots are numbered
let unacked = false; // the worker waits for an ack before its next live snapshot
/** The last delta parsed here: its current metrics, merge report and overlap fill the tables (its histories hold only the newest points). */
export let latest = null;
let onShown = () => {};

/** `shown(snapshot)`: a new snapshot is held (tables follow it). */
export function initLive(shown) {
  onShown = shown;
}

/** A new training worker numbers its snapshots from 1 again. */
export function workerStarted() {
  lastSeq = 0;
}

/** Forget the shown snapshot (a new or restored run follows). */
export function clear() {
  latest = null;
  rewind.clear();
}

/** The summary the tables show: the rewound state's while the time slider is back (rewind.js), else the latest. */
function shown() {
  const s = rewind.rewound() ? JSON.parse(charts.snapshots.shown_summary_json()) : latest;
  // Rewound without its merged nets yet: the merge tables say why (Rust's words).
  if (s && rewind.rewound() && !s.merge) s.merge_pending = charts.snapshots.merge_pending_note();
  // Run B of a comparison at the same state, and what differs (Rust's words): the Now table shows both.
  const b = charts.snapshots.compare_summary_json();
  if (!s || !b) return s;
  return Object.assign({}, s, { compare: { summary: JSON.parse(b), text: JSON.parse(charts.snapshots.compare_text_json()) } });
}

/** The time slider moved: the tables and every snapshot chart show the state it chose. */
export function reshow() {
  if (!latest) return;
  onShown(shown());
  charts.markAllStale();
}

/** The training worker crashed: it waits for nothing any more. */
export function crashed() {
  unacked = false;
}

/** Every visible chart is drawn: the worker may send the next live snapshot. */
export function drawn() {
  if (unacked) {
    unacked = false;
    send('snapshot_ack');
  }
}

/**
 * A snapshot delta from the training worker or the analysis worker (`from`, which
 * gets 'resync' if the delta does not continue the held snapshot: it then sends a
 * full one); an older one than shown is dropped.
 */
export function showSnapshot(m, from) {
  if (m.seq <= lastSeq) {
    send('snapshot_ack');
    return;
  }
  let whole;
  try {
    whole = charts.snapshots.apply(m.snapshot);
  } catch (e) {
    // It continues a snapshot this page dropped or never had: nothing is drawn from it.
    perf.resyncs += 1;
    perf.resyncLast = errorText(e);
    from.postMessage({ type: 'resync' });
    send('snapshot_ack');
    return;
  }
  // Run B of a comparison rides in the same message (a full one after A's full one).
  if (m.compare) {
    try {
      charts.snapshots.apply_compare(m.compare);
    } catch (e) {
      perf.resyncLast = errorText(e);
      from.postMessage({ type: 'resync_compare' });
    }
  } else if (charts.snapshots.has_compare()) charts.snapshots.clear_compare();
  lastSeq = m.seq;
  perf.snapshots += 1;
  perf.snapshotBytes = m.snapshot.length;
  // The delta's text is parsed once, by Rust; the tables read its small summary (no histories).
  latest = JSON.parse(charts.snapshots.summary_json());
  if (whole) perf.fullSnapshots += 1;
  else {
    perf.partialBytes = m.snapshot.length;
    // The last 16 deltas' sizes, for the long-run test: one delta's size
    // depends on how many steps the worker ran while the page drew.
    perf.partialRecent = perf.partialRecent.slice(-15).concat([m.snapshot.length]);
  }
  perf.snapshotStep = latest.tasks[0].current.step;
  if (m.boundaries) charts.setBoundaries(m.boundaries);
  if (m.compareBoundaries) charts.setCompareBoundaries(m.compareBoundaries);
  rewind.followed();
  onShown(shown());
  charts.markAllStale();
  unacked = true;
}

/** A snapshot from the training worker. */
export function fromWorker(m, worker) {
  // The training worker's time on snapshots (bench/page-live.mjs reports its share).
  perf.snapshotWorkerMs += m.ms || 0;
  // One of the previous run's, posted before the worker read the new run's
  // 'init' (a preset chosen while it trained or idled): never drawn under the new run.
  if (m.runId !== run.id) {
    perf.staleSnapshots += 1;
    send('snapshot_ack');
    return;
  }
  showSnapshot(m, worker);
}

/** The training worker's snapshots cost too much: it asks for the analysis worker. */
export function wantAnalyst() {
  if (!analyst) startAnalyst();
  else if (analystOk) send('analyst', { ok: true });
}

/** The trainers' states, for the analysis worker to take the snapshot from. */
export function liveState(m) {
  perf.snapshotWorkerMs += m.ms || 0;
  if (analystOk) analyst.postMessage(m, [m.data.buffer]);
  else send('snapshot_ack');
}

function startAnalyst() {
  analyst = new Worker(new URL('./analyst.js', import.meta.url), { name: `lowrank-lab analysis build=${analystBuild()}` });
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
    if (m.runId === run.id) showSnapshot(m, analyst);
    else send('snapshot_ack');
  } else if (m.type === 'error') {
    if (m.fatal) analystDown(m.message);
    else {
      showError('live snapshot', m.message);
      send('snapshot_ack');
    }
  }
}
