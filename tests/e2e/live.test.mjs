// A wide net's live charts come from the analysis worker (www/analyst.js):
// its snapshots keep coming while training runs, and after a pause the page
// shows the snapshot of the step it stopped at (never an older one that was
// still being computed). A small net's live snapshots are deltas
// (src/live/delta.rs) that the page applies to the snapshot it holds: while
// training, that snapshot's history stays whole (every recorded step, evenly
// spaced, none missing or repeated) with no delta refused; the test hook that
// bench/page-live.mjs uses turns live snapshots off and on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitReady } from './helpers.mjs';

// W3's shape (256 → 1024 → 1, n = 256): a snapshot costs far more than LIVE_MS in the worker.
const WIDE = { seed: 2026, data: { d: 256, n: 256 }, net: { widths: [1024] }, train: { steps: 10_000_000, lr: 0.5, lambda: 1e-3 } };

// A small net (snapshots taken by the training worker) with a short history, so it decimates early.
const SMALL = { seed: 7, data: { d: 20, n: 16 }, net: { widths: [32] }, train: { steps: 10_000_000, lr: 0.3, lambda: 1e-3, record_every: 50, history_len: 16 } };

describe('live snapshots', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('come from the analysis worker while playing, and the page ends on the paused step', async () => {
    const { page, log } = await env.newPage();
    await page.goto(`${env.server.url}#v=1&c=${Buffer.from(JSON.stringify(WIDE)).toString('base64url')}`);
    await waitReady(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => window.lowrankLabPerf.analystSnapshots >= 3, null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.analyst), 'on');
    const steps = [];
    for (let i = 0; i < 3; i++) {
      const n = await page.evaluate(() => window.lowrankLabPerf.analystSnapshots);
      await page.waitForFunction((k) => window.lowrankLabPerf.analystSnapshots > k, n, { timeout: 30_000 });
      steps.push(await page.evaluate(() => window.lowrankLabPerf.snapshotStep));
    }
    assert.ok(steps[2] > steps[0], `the analysed step advances: ${steps}`);
    await page.click('[data-testid="pause"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent.startsWith('paused'), null, { timeout: 10_000 });
    // In the frame the status turns "paused", the tables already show the paused step (the
    // worker posts its snapshot before its progress), not an older live one.
    const [atPause, counter] = await page.evaluate(() => [document.querySelector('[data-testid="task-a-step"]').dataset.value, document.querySelector('#step-count').textContent]);
    assert.equal(atPause, counter, 'the Now table at "paused" shows the paused step');
    // Give any analysis still in flight time to arrive (and be dropped).
    await page.waitForTimeout(1500);
    const shown = await page.evaluate(() => window.lowrankLabPerf.snapshotStep);
    const step = Number((await page.textContent('[data-testid="step"]')).replace(/[^0-9]/g, ''));
    assert.equal(shown, step, 'the page shows the snapshot of the step it paused at');
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
    assert.equal(await page.isVisible('#error'), false, 'no error banner');
  });

  it('a small net: deltas keep the held history whole, and the live snapshots hook works', async () => {
    const { page, log, context } = await env.newPage();
    await context.addInitScript(() => {
      window.__lab_enable_test_hooks = true;
    });
    await page.goto(`${env.server.url}#v=1&c=${Buffer.from(JSON.stringify(SMALL)).toString('base64url')}`);
    await waitReady(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    await page.click('[data-testid="play"]');
    const shown = () => page.evaluate(() => window.lowrankLabPerf.snapshots);
    const held = async () => JSON.parse(await page.evaluate(() => window.__lab_test.heldSnapshot()));
    // Through at least one decimation (history_len 16), which makes the next delta whole.
    for (let i = 0; i < 6; i++) {
      const n = await shown();
      await page.waitForFunction((k) => window.lowrankLabPerf.snapshots >= k + 4, n, { timeout: 30_000 });
      const s = await held();
      const h = s.tasks[0].history;
      const every = s.config.train.record_every * h.stride;
      assert.ok(h.points.length >= 2, `${h.points.length} points`);
      h.points.forEach((p, j) => assert.equal(p.step, j * every, `point ${j} of ${h.points.length} (stride ${h.stride})`));
    }
    const perf = await page.evaluate(() => Object.assign({}, window.lowrankLabPerf));
    assert.equal(perf.resyncs, 0, `a delta was refused: ${perf.resyncLast}`);
    assert.ok(perf.partialBytes !== null, 'live snapshots were deltas');
    assert.ok((await held()).tasks[0].history.stride >= 2, 'the history was decimated');
    // Live snapshots off: training goes on, no snapshot is shown; on again: they come back.
    await page.evaluate(() => window.__lab_test.setLiveSnapshots(false));
    await page.waitForTimeout(500);
    const [n0, s0] = [await shown(), await page.textContent('[data-testid="step"]')];
    await page.waitForTimeout(1000);
    assert.equal(await shown(), n0, 'no live snapshot while they are off');
    assert.notEqual(await page.textContent('[data-testid="step"]'), s0, 'training went on');
    await page.evaluate(() => window.__lab_test.setLiveSnapshots(true));
    await page.waitForFunction((k) => window.lowrankLabPerf.snapshots >= k + 3, n0, { timeout: 30_000 });
    await page.click('[data-testid="pause"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent.startsWith('paused'), null, { timeout: 10_000 });
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });
});
