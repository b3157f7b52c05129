// Readable charts and messages (issue 19, items 5 in part): bad input gets plain
// words with Rust's exact rule underneath; screenshots of the charts whose text
// changed (merge bars, balance, norms, spectra over time) go to test-output/ to be looked at.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, waitReady, choosePreset, setControl, ensureOut, stepBy } from './helpers.mjs';

describe('teaching: readable charts and messages', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('hidden widths "abc" are explained in plain words, with the exact rule underneath', async () => {
    const { page } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await setControl(page, 'net.widths', 'abc');
    await page.waitForFunction(() => document.querySelector('[data-testid="error-net.widths"]').textContent !== '');
    const msg = await page.textContent('[data-testid="error-net.widths"]');
    const lines = msg.split('\n');
    assert.equal(lines.length, 2, msg);
    assert.match(lines[0], /hidden widths are whole numbers separated by commas, e\.g\. 64, 64$/);
    assert.match(lines[1], /^exact rule: net\.widths: invalid type: string "abc", expected usize/);
    // Shown on two lines, not run together.
    const h = await page.evaluate(() => {
      const el = document.querySelector('[data-testid="error-net.widths"]');
      return el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight);
    });
    assert.ok(h >= 1.9, `error text is ${h} lines high`);
  });

  for (const [preset, charts] of [
    ['merge-orthogonal', ['merge_accuracy', 'merge_loss', 'balance']],
    ['balance-gf', ['balance', 'norms', 'spectrum_over_time']],
    ['norms', ['norms', 'balance', 'norm_identity', 'spectrum_over_time']],
  ]) {
    it(`${preset}: charts drawn after some steps (screenshots in test-output/)`, async () => {
      const { page } = await env.newPage({ width: 1400, height: 1000 });
      await page.goto(env.server.url);
      await waitReady(page);
      await choosePreset(page, preset);
      await stepBy(page, 100, 200);
      const out = ensureOut();
      for (const key of charts) {
        const card = page.locator(`figure[data-chart="${key}"]`);
        await card.scrollIntoViewIfNeeded();
        await page.waitForTimeout(400);
        await card.screenshot({ path: path.join(out, `teach-${preset}-${key}.png`) });
        // "Not drawn" is printed on the chart only, not again under it.
        assert.equal(await card.locator('.chart-note').textContent(), '');
      }
    });
  }
});
