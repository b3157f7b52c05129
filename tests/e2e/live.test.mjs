// A wide net's live charts come from the analysis worker (www/analyst.js):
// its snapshots keep coming while training runs, and after a pause the page
// shows the snapshot of the step it stopped at (never an older one that was
// still being computed).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitReady } from './helpers.mjs';

// W3's shape (256 → 1024 → 1, n = 256): a snapshot costs far more than LIVE_MS in the worker.
const WIDE = { seed: 2026, data: { d: 256, n: 256 }, net: { widths: [1024] }, train: { steps: 10_000_000, lr: 0.5, lambda: 1e-3 } };

describe('live snapshots of a wide net', () => {
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
    // Give any analysis still in flight time to arrive (and be dropped).
    await page.waitForTimeout(1500);
    const shown = await page.evaluate(() => window.lowrankLabPerf.snapshotStep);
    const step = Number((await page.textContent('[data-testid="step"]')).replace(/[^0-9]/g, ''));
    assert.equal(shown, step, 'the page shows the snapshot of the step it paused at');
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
    assert.equal(await page.isVisible('#error'), false, 'no error banner');
  });
});
