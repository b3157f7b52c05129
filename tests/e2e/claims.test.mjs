// The claims on screen (issue 18, item 2): a preset chosen and played, every
// claim that applies to the single run shows Rust's ✓ (data-status="pass"),
// "waiting" while it trains; the per-layer numbers are in the Now table.
// Presets whose claims are all at points of their sweep (rank-vs-lambda,
// merge-lambda, …) say so and offer their sweep (sweep-presets.test.mjs runs them).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitReady, choosePreset, playToEnd } from './helpers.mjs';

const statuses = (page) => page.$$eval('#claims-table [data-status]', (els) => els.map((e) => e.dataset.status));

describe('claims checked live', () => {
  let env;
  let page;
  let log;
  before(async () => {
    env = await setup();
    ({ page, log } = await env.newPage({ width: 1280, height: 1400 }));
    // One build (st) keeps the test to one worker module; the claims are Rust's in every build.
    await page.goto(`http://127.0.0.1:${env.server.port}/?build=st`);
    await waitReady(page, 60_000);
  });
  after(async () => {
    if (env) await env.close();
  });

  it('alignment: waiting while it trains, then every claim ✓ with its measured number', async () => {
    await choosePreset(page, 'alignment');
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => document.querySelectorAll('#claims-table [data-status]').length > 0);
    const early = await statuses(page);
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'done', null, { timeout: 120_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#claims-table [data-status]')].every((e) => e.dataset.status !== 'waiting'));
    const end = await statuses(page);
    assert.equal(end.length, 3);
    assert.ok(early.every((s) => s === 'waiting' || s === 'pass' || s === 'fail'), early.join(' '));
    assert.deepEqual(end, ['pass', 'pass', 'pass']);
    const avg = Number(await page.getAttribute('[data-testid="claim-0-measured"]', 'data-value'));
    assert.ok(avg > 0.999 && avg <= 1, String(avg));
    // The Now table's per-layer numbers: 1 − cos averaged well below 1e-3 on W₁.
    const gap = Number(await page.getAttribute('[data-testid="layer-a-1-gap-avg"]', 'data-value'));
    assert.ok(gap > 0 && gap < 1e-3, String(gap));
    assert.match(await page.textContent('[data-testid="claims-note"]'), /3 of 3 claims of alignment hold/);
    // The check column's full-precision numbers wrap inside the box at 1280 px instead of clipping it.
    const [scroll, client] = await page.$eval('#claims-box .table-wrap', (w) => [w.scrollWidth, w.clientWidth]);
    assert.ok(scroll <= client, `claims table ${scroll} px wide in a ${client} px box`);
  });

  for (const name of ['norms', 'merge-orthogonal', 'assumptions']) {
    it(`${name}: one click, play, every claim that applies to the run ✓`, async () => {
      await choosePreset(page, name);
      assert.equal(await playToEnd(page, 120_000), 'done');
      await page.waitForFunction(() => {
        const s = [...document.querySelectorAll('#claims-table [data-status]')];
        return s.length > 0 && s.every((e) => e.dataset.status !== 'waiting');
      });
      const end = await statuses(page);
      assert.ok(end.length > 0);
      assert.deepEqual(end, end.map(() => 'pass'), end.join(' '));
    });
  }

  it('norms: both sides of the norm identity per layer, within 0.1%', async () => {
    await choosePreset(page, 'norms');
    assert.equal(await playToEnd(page, 120_000), 'done');
    for (const k of [1, 2, 3]) {
      const lhs = Number(await page.getAttribute(`[data-testid="layer-a-${k}-identity-lhs"]`, 'data-value'));
      const rhs = Number(await page.getAttribute(`[data-testid="layer-a-${k}-identity-rhs"]`, 'data-value'));
      assert.ok(Math.abs(lhs / rhs - 1) < 1e-3, `${lhs} vs ${rhs}`);
    }
  });

  it('a sweep preset says where its claims are checked and offers its sweep; no page errors', async () => {
    // After balance-gf (λ = 0.1, stopped at step 673): choosing merge-lambda made
    // the idle worker check merge-lambda's claims once on balance-gf's state, where
    // its λ = 0.1 claim applies and has no value; that ✗ row stayed under the new
    // run ("as checked at step 673 (this snapshot carries none)").
    // The worker now checks a new preset's claims only on the run of that
    // config, and the page drops any snapshot of the previous run: not even
    // for one frame does a claim row appear under merge-lambda.
    await choosePreset(page, 'balance-gf');
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.evaluate(() => {
      window.claimRowsSeen = [];
      const table = document.querySelector('#claims-table');
      new MutationObserver(() => {
        for (const row of table.querySelectorAll('[data-status]')) window.claimRowsSeen.push(row.closest('tr').textContent);
      }).observe(table, { childList: true, subtree: true, attributes: true });
    });
    await choosePreset(page, 'merge-lambda');
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.waitForFunction(() => /Sweep panel/.test(document.querySelector('[data-testid="claims-note"]').textContent));
    assert.deepEqual(await statuses(page), []);
    assert.deepEqual(await page.evaluate(() => window.claimRowsSeen), []);
    assert.equal(await page.isVisible('[data-testid="sweep-run-preset"]'), true);
    await choosePreset(page, 'norms');
    assert.equal(await page.isVisible('[data-testid="sweep-run-preset"]'), false);
    assert.deepEqual(log.pageErrors, []);
  });
});
