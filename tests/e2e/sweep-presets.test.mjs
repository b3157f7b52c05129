// Every preset with a grid runs whole in the page from one click (issue 18):
// choose the preset, click "Run the … sweep", and every claim of the preset
// shows Rust's ✓ at the points of its own grid, at the preset's own sizes.
// (The single-run presets are in claims.test.mjs.) The points run in the
// page's pool of workers; the wall time of each preset's sweep is printed.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, hookedPage, choosePreset } from './helpers.mjs';

// Every preset with a grid (presets_json); the test checks the list is whole.
const SWEEP_PRESETS = ['balance-gf', 'rank-vs-lambda', 'data-span', 'merge-overlap', 'merge-lambda', 'merge-deep', 'merge-deep-gf', 'merge-many', 'merge-methods', 'merge-digits', 'assumptions'];

describe('every sweep preset from one click', () => {
  let env;
  let page;
  let log;
  before(async () => {
    env = await setup();
    ({ page, log } = await hookedPage(env));
  });
  after(async () => {
    if (env) await env.close();
  });

  it('the list covers every preset with a grid', async () => {
    const names = await page.evaluate(() => Array.from(document.querySelectorAll('[data-testid^="preset-"]')).map((e) => e.dataset.testid.slice('preset-'.length)));
    const withGrid = [];
    for (const n of names) {
      await choosePreset(page, n);
      if (await page.isVisible('[data-testid="sweep-run-preset"]')) withGrid.push(n);
    }
    assert.deepEqual(withGrid.sort(), [...SWEEP_PRESETS].sort());
  });

  for (const name of SWEEP_PRESETS) {
    it(`${name}: one click runs its sweep and every claim holds`, async () => {
      await choosePreset(page, name);
      const t0 = Date.now();
      await page.click('[data-testid="sweep-run-preset"]');
      await page.waitForFunction(() => window.__lab_test.sweepState().running);
      await page.waitForFunction(() => !window.__lab_test.sweepState().running, null, { timeout: 600_000 });
      const secs = (Date.now() - t0) / 1000;
      const state = await page.evaluate(() => window.__lab_test.sweepState());
      assert.deepEqual(state.failed, [], `${name}: failed points`);
      assert.match(await page.textContent('[data-testid="sweep-status"]'), new RegExp(`^${state.points} points trained`));
      const claims = await page.$$eval('#sweep-claims [data-status]', (els) => els.map((e) => [e.dataset.status, e.closest('tr').textContent]));
      assert.ok(claims.length > 0, `${name} has claims`);
      for (const [status, row] of claims) assert.equal(status, 'pass', `${name}: ${row}`);
      console.log(`${name}: ${state.points} points, ${claims.length} claims ✓, ${secs.toFixed(1)} s in the page`);
      assert.deepEqual(log.pageErrors, []);
    });
  }
});
