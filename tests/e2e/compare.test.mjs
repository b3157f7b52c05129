// Compare (issue 19, item 1): a run B beside A, from the same seed and initial
// weights, differing in the keys chosen. On data-span, A at λ = 0.02 against
// B at λ = 0: W₁'s part outside span(X) shrinks in A and stays flat in B, both
// in the same chart (its legend names both runs) and in the Now table; the
// link carries B, and a reload brings both back at the same step; bad keys are
// refused with Rust's reason.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setup, waitReady, text, choosePreset, playToEnd, setControl } from './helpers.mjs';

const num = async (page, id) => Number(await page.getAttribute(`[data-testid="${id}"]`, 'data-value'));

describe('compare two runs', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('λ = 0.02 against λ = 0: outside-span shrinks for A and stays flat for B, in one chart; the link and a reload keep B', async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 900 });
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'data-span');
    await setControl(page, 'train.lambda', '0.02');
    await page.click('[data-testid="compare-quick-lambda0"]');
    await page.waitForFunction(() => document.body.dataset.compare === 'on');
    assert.equal(await text(page, 'compare-status'), 'Comparing A: λ = 0.02 with B: λ = 0.');
    assert.match(await page.evaluate(() => location.hash), /&b=/);

    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="b-task-a-step"]')?.dataset.value === '4000');
    assert.equal(await num(page, 'task-a-step'), 4000);
    // A: (1 − ηλ)^4000 = 0.99^4000 ≈ 3e-18 of where it started, below rounding (flagged, not a number);
    // B: λ = 0 leaves it where it was (0.28).
    const a = await text(page, 'task-a-outside-span');
    const b = await num(page, 'b-task-a-outside-span');
    assert.equal(a, '< 1e-14: gone to rounding level');
    assert.ok(b > 0.2 && b < 0.4, `B's outside-span ${b}`);
    assert.match(await text(page, 'compare-legend'), /^A: λ = 0\.02 · B: λ = 0/);

    // One chart holds both: its text alternative and its SVG name A and B.
    const card = 'figure[data-chart="outside_span"]';
    await page.locator(card).scrollIntoViewIfNeeded();
    await page.waitForFunction((c) => /A: λ = 0\.02.*B: λ = 0/.test(document.querySelector(`${c} canvas`).getAttribute('aria-label')), card);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${card} [data-dl="svg"]`)]);
    const svg = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(svg.includes('A: λ = 0.02') && svg.includes('B: λ = 0'), 'the SVG legend names both runs');
    // B's line is dashed: plotters draws one short polyline per dash (tests/compare_charts.rs checks the styles).
    assert.ok(svg.match(/<polyline/g).length > 40, 'dashes of B');

    // The link and the saved state: a reload shows both runs at step 4000 again.
    await page.reload();
    await waitReady(page);
    await page.waitForFunction(() => document.body.dataset.compare === 'on', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="b-task-a-step"]')?.dataset.value === '4000', null, { timeout: 30_000 });
    assert.equal(await num(page, 'b-task-a-outside-span'), b);
    assert.equal(await text(page, 'task-a-outside-span'), a);
    const link = await page.evaluate(() => location.href);

    // The shared link in a fresh browser (nothing saved): both runs from step 0.
    const other = await env.newPage();
    await other.page.goto(link);
    await waitReady(other.page);
    await other.page.waitForFunction(() => document.body.dataset.compare === 'on', null, { timeout: 30_000 });
    assert.equal(await text(other.page, 'compare-status'), 'Comparing A: λ = 0.02 with B: λ = 0.');
    await other.page.waitForFunction(() => document.querySelector('[data-testid="b-task-a-step"]')?.dataset.value === '0');
    assert.deepEqual(other.log.pageErrors, []);

    // Stop comparing: A stays where it is, B's rows and the link's b= go.
    await page.click('[data-testid="compare-stop"]');
    await page.waitForFunction(() => document.body.dataset.compare === 'off');
    await page.waitForFunction(() => !document.querySelector('[data-testid="b-task-a-step"]'));
    assert.equal(await num(page, 'task-a-step'), 4000);
    assert.doesNotMatch(await page.evaluate(() => location.hash), /&b=/);
    assert.deepEqual(log.pageErrors, []);
  });

  it("keys B cannot differ in are refused with Rust's reason; A keeps running alone", async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    const refuse = async (value, pattern) => {
      await page.fill('[data-testid="compare-sets"]', value);
      await page.click('[data-testid="compare-start"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="compare-error"]').textContent !== '');
      assert.match(await text(page, 'compare-error'), pattern);
      await page.evaluate(() => (document.querySelector('[data-testid="compare-error"]').textContent = ''));
    };
    await refuse('seed=3', /keeps A's seed/);
    await refuse('', /changes nothing/);
    await refuse('train.lambda=-1', /^compare: run B: .*lambda/);
    await refuse('net.nope=1', /nope/);
    assert.equal(await page.evaluate(() => document.body.dataset.compare), 'off');
    assert.equal(await page.isDisabled('[data-testid="play"]'), false);
    assert.deepEqual(log.pageErrors, []);
  });
});
