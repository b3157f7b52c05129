// Long runs: the `alignment` preset for 2·10^5 GD steps (in CI) and 10^6
// steps (LONG=1, `make test-long`) with charts redrawing, checking that
// nothing grows with the number of steps:
//   - the page's JS heap after a forced GC (CDP HeapProfiler.collectGarbage,
//     then Performance.getMetrics JSHeapUsedSize) at the end ≤ at 10% + 16 MB;
//   - the wasm memories (the worker's, which trains, and the page's, which
//     draws) ≤ 64 MB;
//   - the snapshot JSON the charts are drawn from (the page's ChartStore, which
//     the workers' deltas update) ≤ 2 MiB at 10% and at the end; the last
//     the smallest of the last 16 live deltas that are not whole snapshots
//     (one is whole after each decimation, and the forced ones at the end) at
//     most a quarter of that at the end (a delta holds the points recorded
//     since the last one, so a single delta's size depends on the machine's
//     speed: 247 of 707 KiB once at 10% on a loaded CI machine), and
//     whole ones fewer than a fifth of the snapshots shown while training. The Rust History keeps at most history_len points: once full
//     it halves them and doubles its stride, so the size then swings between
//     about half and all of one fixed maximum (measured on 2026-11-27: 876 KiB
//     after 2·10^5 and 551 KiB after 10^6 steps; on 2026-12-07, with the points'
//     fields added since, about 2.5 KiB a point: 1,261 KiB at 501 points after
//     2·10^5 steps, and 1,286 KiB at a 10% mark that fell just before a
//     halving, near alignment's 512, which failed the 1.25 MiB this bound was
//     then); a ratio to the 10% mark would depend on whether the history had
//     filled by then. A history that never halved would hold 4,000 points at
//     the end, about 10 MiB.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitReady, choosePreset, setControl } from './helpers.mjs';

const MB = 1024 * 1024;
const HEAP_GROWTH_BOUND = 16 * MB;
const WASM_BOUND = 64 * MB;
const SNAPSHOT_BOUND = 2 * MB;

async function measure(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize').value;
  const r = await page.evaluate(async () => {
    const perf = window.lowrankLabPerf;
    return {
      step: Number(document.querySelector('[data-testid="step"]').textContent),
      workerWasm: await window.__lab_test.workerWasmBytes(),
      pageWasm: window.__lab_test.pageWasmBytes(),
      snapshotBytes: window.__lab_test.heldSnapshotBytes(),
      deltaBytes: perf.partialBytes,
      deltaMin: perf.partialRecent.length ? Math.min(...perf.partialRecent) : null,
      shown: perf.snapshots,
      full: perf.fullSnapshots,
      drawMs: Object.values(perf.byChart).reduce((a, b) => a + b, 0),
      byChart: Object.assign({}, perf.byChart),
      frames: perf.frames,
    };
  });
  return Object.assign({ heap }, r);
}

const mb = (x) => `${(x / MB).toFixed(1)} MB`;

async function longRun(env, steps) {
  const { page, log, context } = await env.newPage();
  await context.addInitScript(() => {
    window.__lab_enable_test_hooks = true;
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(env.server.url);
  await waitReady(page);
  await choosePreset(page, 'alignment');
  await setControl(page, 'train.steps', String(steps));
  await page.waitForFunction((n) => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.steps === n, steps);
  await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
  const start = await measure(page, cdp);
  const t0 = Date.now();
  await page.click('[data-testid="play"]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="step"]').textContent) >= n, steps / 10, {
    timeout: 1_800_000,
    polling: 100,
  });
  const tenth = await measure(page, cdp);
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'done', null, {
    timeout: 3_600_000,
    polling: 250,
  });
  const seconds = (Date.now() - t0) / 1000;
  // The final snapshot is drawn: wait for its charts.
  await page.waitForFunction((n) => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === String(n), steps);
  await page.waitForTimeout(500);
  const end = await measure(page, cdp);
  const kept = await page.evaluate(() => ({ step: window.__lab_test.keptStep(), bytes: window.__lab_test.keptStateBytes() }));
  console.log(
    `# ${steps} steps of alignment in ${seconds.toFixed(1)} s (${Math.round(steps / seconds)} steps/s, charts redrawing; ${end.frames} frames)`,
  );
  for (const [name, m] of [
    ['start', start],
    ['10%', tenth],
    ['end', end],
  ]) {
    console.log(
      `#   ${name.padEnd(5)} step ${String(m.step).padStart(8)}: JS heap ${mb(m.heap)}, worker wasm ${mb(m.workerWasm)}, page wasm ${mb(m.pageWasm)}, ` +
        `snapshot ${(m.snapshotBytes / 1024).toFixed(1)} KiB (last live delta ${((m.deltaBytes || 0) / 1024).toFixed(1)} KiB, smallest of the last 16 ${((m.deltaMin || 0) / 1024).toFixed(1)} KiB; ${m.full} of ${m.shown} shown whole), last draw of each chart ${m.drawMs} ms in all`,
    );
  }
  console.log(`#   the kept run state (for crash recovery and reload) is ${(kept.bytes / 1024).toFixed(1)} KiB of JSON`);
  assert.equal(kept.step, steps, 'the kept state is the final one');
  assert.ok(end.heap <= tenth.heap + HEAP_GROWTH_BOUND, `JS heap ${mb(end.heap)} at the end vs ${mb(tenth.heap)} at 10%`);
  assert.ok(end.workerWasm <= WASM_BOUND, `worker wasm memory ${mb(end.workerWasm)}`);
  assert.ok(end.pageWasm <= WASM_BOUND, `page wasm memory ${mb(end.pageWasm)}`);
  for (const [when, m] of [['10%', tenth], ['the end', end]]) {
    assert.ok(m.snapshotBytes <= SNAPSHOT_BOUND, `snapshot ${m.snapshotBytes} B at ${when}, above ${SNAPSHOT_BOUND} B`);
  }
  // The smallest of the last 16 deltas at the end: one delta holds the points
  // of however many steps ran while the page drew, so a single one is as large
  // as the machine is slow (CI once saw 247 KiB of 707 KiB at 10%), and at 10%
  // (0.3 s into a 3 s run, 5 of the first 11 snapshots whole after decimations)
  // there are too few to choose from. A delta that carried the whole history
  // would fail this on any machine (measured: 27 of 1200 KiB).
  assert.ok(end.deltaMin !== null && end.deltaMin * 4 <= end.snapshotBytes, `smallest recent live delta ${end.deltaMin} B of a ${end.snapshotBytes} B snapshot at the end`);
  const [full, shown] = [end.full - start.full, end.shown - start.shown];
  assert.ok(full * 5 < shown, `${full} of the ${shown} snapshots shown while training were whole`);
  assert.deepEqual(log.pageErrors, []);
  assert.deepEqual(log.consoleErrors, []);
  await context.close();
}

describe('long runs', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('2·10^5 GD steps: no growth of JS heap, wasm memory or snapshot size', async () => {
    await longRun(env, 200_000);
  });

  it('10^6 GD steps (LONG=1; make test-long)', { skip: process.env.LONG === '1' ? false : 'set LONG=1 (make test-long)' }, async () => {
    await longRun(env, 1_000_000);
  });
});
