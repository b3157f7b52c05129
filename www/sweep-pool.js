// The sweep's pool of workers (www/point-worker.js): one point at a time per
// worker, a worker per core. Scheduling only: which point goes to which worker,
// what happens when one crashes, and cancel. The points, their records and
// everything computed from them are Rust's (SweepStore, src/web).
//
// Size: one worker per core (navigator.hardwareConcurrency), at most
// MAX_WORKERS; on machines with more than two cores one core is left for the
// page (drawing, the training worker's idle loop). On two cores both train:
// the page draws only when a point finishes (a few ms), so a core kept for it
// would sit idle, and the pool's throughput on two cores is the 1.7×
// target (bench/sweep-pool.mjs).
//
// A point whose worker crashes (a trap: a Rust panic, out of memory) is run
// again once, on a new worker; a second crash, or a Rust error (which a retry
// would only repeat), marks it failed. The other points go on either way.
// Cancel terminates every worker at once (Worker.terminate is synchronous), so
// nothing runs after it returns.

export const MAX_WORKERS = 8;
const ATTEMPTS = 2;

/** How many workers a sweep runs on this machine (`?sweep_workers=N` asks for N: the pool benchmark). */
export function poolSize() {
  const asked = Number(new URLSearchParams(location.search).get('sweep_workers'));
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, MAX_WORKERS);
  const cores = navigator.hardwareConcurrency || 1;
  return Math.max(1, Math.min(cores > 2 ? cores - 1 : cores, MAX_WORKERS));
}

export class Pool {
  /**
   * @param {object} o
   * @param {number} o.size    workers
   * @param {string} o.build   the wasm build the workers load (www/builds.js)
   * @param {(index: number, line: string, ms: number) => void} o.onRecord  a point finished (its record line)
   * @param {(index: number, message: string) => void} o.onFailed  a point failed for good
   * @param {(index: number, message: string) => void} o.onRetry   a point's worker crashed; it runs again
   * @param {() => void} o.onIdle  every point is finished or failed
   * @param {(event: object) => void} [o.onTrace]  the benchmark's timeline (bench/sweep-pool.mjs): {worker, spawned, loaded}
   *   and {worker, index, span: [start, end], got}, times in ms since the epoch (performance.timeOrigin + now)
   */
  constructor(o) {
    this.o = o;
    this.slots = [];
    this.queue = []; // {index, text, attempts, crash}
    this.active = 0; // points handed out and not yet finished or failed
    this.nextId = 1;
    this.spawned = 0; // workers started so far (the trace's worker numbers)
    this.crashNext = new Map(); // tests: point index → how many of its attempts crash on purpose
  }

  /** Queue `points` ([{index, text}]) and start working. */
  run(points) {
    for (const p of points) this.queue.push({ index: p.index, text: p.text, attempts: 0 });
    while (this.slots.length < Math.min(this.o.size, this.queue.length + this.active)) this.spawn();
    this.dispatch();
  }

  /** Stop now: every worker is terminated and the queue emptied. */
  cancel() {
    for (const s of this.slots) s.worker.terminate();
    this.slots = [];
    this.queue = [];
    this.active = 0;
  }

  /** Points queued or running. */
  get pending() {
    return this.queue.length + this.active;
  }

  spawn() {
    const worker = new Worker(new URL('./point-worker.js', import.meta.url), { name: `lowrank-lab sweep build=${this.o.build}` });
    const slot = { worker, loaded: false, job: null, n: this.spawned++, spawned: performance.timeOrigin + performance.now() };
    worker.onmessage = (ev) => this.message(slot, ev.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.crashed(slot, e.message || 'the sweep worker failed');
    };
    this.slots.push(slot);
    return slot;
  }

  dispatch() {
    for (const s of this.slots) {
      if (!s.loaded || s.job || !this.queue.length) continue;
      const job = this.queue.shift();
      job.attempts += 1;
      job.id = this.nextId++;
      s.job = job;
      this.active += 1;
      const crashes = this.crashNext.get(job.index) || 0;
      if (crashes > 0) this.crashNext.set(job.index, crashes - 1);
      s.worker.postMessage({ type: 'point', id: job.id, point: job.text, crash: crashes > 0 ? `deliberate crash of sweep point ${job.index} (test)` : undefined });
    }
    if (this.pending === 0) {
      // Idle workers would hold their wasm memory: a next sweep starts new ones.
      this.cancel();
      this.o.onIdle();
    }
  }

  message(slot, m) {
    if (!this.slots.includes(slot)) return; // cancelled
    if (m.type === 'loaded') {
      slot.loaded = true;
      if (this.o.onTrace) this.o.onTrace({ worker: slot.n, spawned: slot.spawned, loaded: m.at });
    } else if (m.type === 'record' && slot.job && m.id === slot.job.id) {
      const job = slot.job;
      slot.job = null;
      this.active -= 1;
      if (this.o.onTrace) this.o.onTrace({ worker: slot.n, index: job.index, span: m.span, got: performance.timeOrigin + performance.now() });
      this.o.onRecord(job.index, m.line, m.ms);
    } else if (m.type === 'error') {
      if (m.fatal) {
        this.crashed(slot, m.message);
        return;
      }
      const job = slot.job;
      if (job && m.id === job.id) {
        slot.job = null;
        this.active -= 1;
        this.o.onFailed(job.index, m.message);
      }
    }
    this.dispatch();
  }

  /** A worker is unusable: replace it, and run its point again (or mark it failed). */
  crashed(slot, message) {
    if (!this.slots.includes(slot)) return;
    slot.worker.terminate();
    this.slots = this.slots.filter((s) => s !== slot);
    const job = slot.job;
    if (job) {
      this.active -= 1;
      if (job.attempts < ATTEMPTS) {
        this.queue.unshift(job);
        this.o.onRetry(job.index, message);
      } else {
        this.o.onFailed(job.index, `its worker crashed ${job.attempts} times: ${message}`);
      }
    } else if (!slot.loaded) {
      // The build did not load: every worker would fail the same way.
      const lost = this.queue.splice(0);
      for (const j of lost) this.o.onFailed(j.index, message);
    }
    if (this.pending > 0 && this.slots.length < this.o.size) this.spawn();
    this.dispatch();
  }
}
