// The page's drawing and snapshot statistics, for people and tests curious
// about the main thread's load (window.lowrankLabPerf; bench/page-live.mjs
// and the e2e tests read it).

export const perf = {
  byChart: {}, // chart id -> ms of its last draw
  frames: 0,
  snapshots: 0,
  drawMsLast: 0,
  drawMsMax: 0,
  drawMsTotal: 0,
  snapshotBytes: 0,
  fullSnapshots: 0,
  partialBytes: null,
  partialRecent: [], // the last 16 deltas' sizes (a delta's size follows how many steps the worker ran while the page drew)
  resyncs: 0,
  staleSnapshots: 0, // the previous run's snapshots that arrived after a new run started (dropped)
  resyncLast: null,
  snapshotStep: null,
  snapshotWorkerMs: 0, // the training worker's time on snapshots
  analystSnapshots: 0,
  analystMs: 0,
  analystError: null,
};

window.lowrankLabPerf = perf;
