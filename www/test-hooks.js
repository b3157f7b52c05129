// Test-only hooks (window.__lab_test), installed only when a test or a
// benchmark sets window.__lab_enable_test_hooks before the page loads.

import * as runs from './run.js';
import { run } from './run.js';
import * as charts from './charts.js';
import * as sweep from './sweep.js';
import { setKey } from './form.js';

/** Test-only hooks, installed only when a test sets window.__lab_enable_test_hooks before the page loads. */
export function installTestHooks(wasm) {
  if (window.__lab_enable_test_hooks !== true) return;
  const held = () => charts.snapshots && charts.snapshots.has_snapshot();
  window.__lab_test = {
    /** Make Rust panic inside the training worker. */
    crashWorker: (message = 'deliberate panic for a test') => runs.send('debug_panic', { message }),
    /** Make the training worker run out of wasm memory. */
    exhaustWorkerMemory: () => runs.send('debug_oom'),
    /** Turn the training worker's live snapshots off (false) or on (forced ones still go out). */
    setLiveSnapshots: (on) => runs.send('debug_live', { on: !!on }),
    /** How the training worker's steps split work across threads: 'auto', 'never', 'always' or 'owned'. */
    setSplit: (how) => runs.send('debug_split', { how }),
    /** What the split tuners measured (an array, one report per task). */
    splitReport: () => runs.request('split_report').then((m) => JSON.parse(m.report)),
    /** Make Rust panic on a thread of the threaded build's pool while the training worker waits for it. */
    crashPoolThread: (message = 'deliberate pool panic for a test') => runs.send('debug_pool_panic', { message }),
    /** The run's exported state (JSON text), as Export run saves it. */
    exportState: () => runs.request('export').then((m) => m.state),
    /** Bytes of the worker's wasm memory. */
    workerWasmBytes: () => runs.request('mem').then((m) => m.bytes),
    /** Bytes of the page's own wasm memory (charts). */
    pageWasmBytes: () => wasm.wasm_memory_bytes(),
    /** Step of the last state the page keeps for crash recovery. */
    keptStep: () => (run.kept ? run.kept.step : null),
    /** Length of the JSON of the snapshot the charts draw from (the deltas applied so far). */
    heldSnapshotBytes: () => (held() ? charts.snapshots.snapshot_json().length : null),
    /** That snapshot's JSON. */
    heldSnapshot: () => (held() ? charts.snapshots.snapshot_json() : null),
    /** Set a config key to a JSON value, as a control does (benchmarks). */
    setKey: (key, valueJson) => setKey(key, valueJson),
    /** The next sweep's point `index` crashes its worker `times` times. */
    crashSweepPoint: (index, times = 1) => sweep.crashPointForTest(index, times),
    /** The sweep's state: {running, points, failed, workers}. */
    sweepState: () => sweep.stateForTest(),
    /** Length of that state's JSON text. */
    keptStateBytes: () => (run.kept ? run.kept.text.length : null),
  };
}
