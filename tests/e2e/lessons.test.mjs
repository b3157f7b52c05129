// The guided path (issue 19, item 3): a step's link opens it with its preset
// and settings; the step waits for its claim while the run trains and is done
// when the claim holds in the page (the claims table's own result), then the
// next step opens with its own link; an unknown step is refused with Rust's
// message, and the page still works.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitReady, text, pageConfig, playToEnd } from './helpers.mjs';

describe('guided lessons', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('a step link opens the step; its claim holding ends it; Next opens the next step', async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 900 });
    await page.goto(`${env.server.url}#lesson=align`);
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('#explain-title').textContent.startsWith('alignment'));
    assert.match(await text(page, 'lesson-title'), /^Step 1 of \d+: Weights line up with their gradient$/);
    assert.match(await text(page, 'lesson-claim'), /^averaged cos\(W₁, −∇L\)/);
    assert.equal(await page.getAttribute('[data-testid="lesson-link"]', 'href'), '#lesson=align');
    assert.equal(await page.isHidden('[data-testid="lesson-done"]'), true);
    // While it trains the claim waits; at the end it holds, as the claims table says.
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="lesson-status"]').dataset.status === 'pass');
    const rows = await page.$$eval('#claims-table tr', (trs) => trs.map((r) => [r.textContent, r.querySelector('[data-status]')?.dataset.status]));
    assert.ok(rows.some(([t, s]) => t.includes('averaged cos(W₁, −∇L)') && s === 'pass'), JSON.stringify(rows));
    assert.match(await text(page, 'lesson-done'), /^Step done\. Next: Every layer ends with the same norm\.$/);
    // Watch: the step's chart card is brought into view, highlighted.
    await page.click('[data-testid="lesson-watch"]');
    assert.equal(await page.$eval('figure[data-chart="alignment"]', (f) => f.classList.contains('watch')), true);
    // Next: the norms step, its preset, its own link.
    await page.click('[data-testid="lesson-next"]');
    await page.waitForFunction(() => document.querySelector('#explain-title').textContent.startsWith('norms'));
    assert.match(await text(page, 'lesson-title'), /^Step 2 of \d+: Every layer ends with the same norm$/);
    assert.equal(await page.getAttribute('[data-testid="lesson-link"]', 'href'), '#lesson=norms');
    assert.equal(await page.getAttribute('[data-testid="lesson-status"]', 'data-status'), 'waiting');
    assert.deepEqual(log.pageErrors, []);
  });

  it("a step's settings are applied (balance: gradient flow at λ = 0.1)", async () => {
    const { page, log } = await env.newPage();
    await page.goto(`${env.server.url}#lesson=balance`);
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('#explain-title').textContent.startsWith('balance-gf'));
    const c = await pageConfig(page);
    assert.equal(c.train.lambda, 0.1);
    assert.equal(c.train.optimizer, 'gf');
    assert.deepEqual(log.pageErrors, []);
  });

  it('an unknown step is refused with the steps there are, and the page still works', async () => {
    const { page, log } = await env.newPage();
    await page.goto(`${env.server.url}#lesson=no-such-step`);
    await waitReady(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="lesson-error"]').hidden);
    assert.match(await text(page, 'lesson-error'), /^there is no lesson `no-such-step`; the lessons are align, norms, /);
    assert.equal(await page.isHidden('[data-testid="lesson-card"]'), true);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    assert.deepEqual(log.pageErrors, []);
  });
});
