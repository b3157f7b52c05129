// A sweep worker: one of the pool (www/sweep-pool.js) that trains sweep
// points to the end, one at a time, each on one thread. Rust does all of it
// (sweep_point: validate the point's config, train it as `lowrank-lab sweep`
// does, and write the point's record, src/run/sweep_record.rs); this worker
// only loads the build and passes text.
//
// The build is the page's single-thread one (the name's `build=NAME`, chosen
// by the page from the training worker's: www/builds.js), so a point's numbers
// are those of a run of the same config trained in the page.
//
// Messages in:  {type: 'point', id, point, crash?} (point: one entry of SweepStore.points_json, as JSON
//               text; crash: tests only, a panic message to raise instead of training)
// Messages out: {type: 'loaded', at} | {type: 'record', id, line, ms, span} | {type: 'error', id, message, fatal}
//               (at, span: [start, end]: ms since the epoch, for the benchmark's timeline)
//               (fatal: the instance trapped, or did not load; this worker is unusable)

import { askedBuild, callFailure, loadBuild } from './builds.js';

let wasm = null;
let dead = false;
const queue = [];

const post = (msg) => self.postMessage(msg);
const errorMessage = (e) => (e && e.message ? e.message : String(e));

function work() {
  while (wasm && !dead && queue.length) {
    const m = queue.shift();
    try {
      const t0 = performance.now();
      // Tests only (the page's test hook): this point's worker panics on purpose, as a crashing point would.
      if (m.crash) wasm.debug_panic_for_tests(m.crash);
      const line = wasm.sweep_point(m.point);
      const t1 = performance.now();
      post({ type: 'record', id: m.id, line, ms: t1 - t0, span: [performance.timeOrigin + t0, performance.timeOrigin + t1] });
    } catch (e) {
      const { message, fatal } = callFailure(wasm, e);
      dead = fatal;
      post({ type: 'error', id: m.id, message, fatal });
    }
  }
}

self.onmessage = (ev) => {
  const m = ev.data;
  if (m && m.type === 'point') {
    queue.push(m);
    work();
  }
};

loadBuild(askedBuild() || 'st').then(
  (m) => {
    wasm = m;
    post({ type: 'loaded', at: performance.timeOrigin + performance.now() });
    work();
  },
  (e) => {
    dead = true;
    post({ type: 'error', id: null, message: `loading the wasm module: ${errorMessage(e)}`, fatal: true });
  },
);
