// Issue 15 on the page: what it shows instead of a number that is not one
// (Rust's notes: a gradient at rounding level, a collapsed net), and the
// paper's λ next to ours.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitReady, choosePreset, setControl, text, playToEnd } from './helpers.mjs';

describe('numbers at the edges', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it("shows the paper's λ (ours / 2) with the convention's source, and warns when the net collapsed", async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'rank-vs-lambda');
    assert.match(await text(page, 'paper-lambda'), /^paper's λ = 0\.005 \(ours \/ 2: .*secondary summaries/);
    await setControl(page, 'train.lambda', '0.1');
    await setControl(page, 'train.steps', '3000');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.steps === 3000);
    assert.match(await text(page, 'paper-lambda'), /^paper's λ = 0\.05 /);
    assert.equal(await page.isVisible('[data-testid="collapse-warning"]'), false);
    await playToEnd(page);
    await page.waitForSelector('[data-testid="collapse-warning"]:visible');
    assert.match(await text(page, 'collapse-warning'), /^task a collapsed to zero: ‖θ‖ = .* not evidence of low-rank bias/);
    // Its ranks are not shown as numbers.
    await page.waitForFunction(() => /collapsed/.test(document.querySelector('[data-testid="task-a-effective-rank"]').textContent));
    assert.equal(await text(page, 'task-a-effective-rank'), 'trivial: the net collapsed');
    assert.deepEqual(log.pageErrors, []);
  });

  it('says "not meaningful: gradient at rounding level" instead of a residual computed from noise', async () => {
    // An exactly interpolating linear net at λ = 0 (squared loss, n = 5 < d = 20): loss ~1e-31.
    const cfg = {
      version: 1,
      seed: 0,
      data: { n: 5, d: 20 },
      net: { widths: [16], activation: 'linear' },
      train: { loss: 'squared', lambda: 0, lr: 0.2, steps: 3000 },
    };
    const { page, log } = await env.newPage();
    await page.goto(`${env.server.url}#v=1&c=${Buffer.from(JSON.stringify(cfg)).toString('base64url')}`);
    await waitReady(page);
    await playToEnd(page);
    await page.waitForFunction(() => /not meaningful/.test(document.querySelector('[data-testid="task-a-stationarity"]')?.textContent ?? ''));
    assert.equal(await text(page, 'task-a-stationarity'), 'not meaningful: gradient at rounding level');
    await page.waitForFunction(() => /not meaningful/.test(document.querySelector('[data-testid="stationarity"]').textContent));
    assert.equal(await text(page, 'stationarity'), 'not meaningful: gradient at rounding level');
    assert.doesNotMatch(await page.textContent('body'), /NaN/);
    assert.deepEqual(log.pageErrors, []);
  });
});
