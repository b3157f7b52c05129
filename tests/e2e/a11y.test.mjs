// Accessibility (issue 19): axe-core (npm) finds no serious or critical
// violation on the main page, with a lesson open and the time slider back,
// with the shortcuts dialog open, on a two-task merge run, with compare on, and at phone
// width; every chart canvas is an image whose text alternative is Rust's
// sentence with its current numbers, and it follows training.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, waitReady, choosePreset, playToEnd, ROOT } from './helpers.mjs';

const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/** axe-core's serious and critical violations on the page as it is now ([] when none). */
async function serious(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}`);
  });
}

describe('accessibility', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('axe finds no serious or critical violation: page, lesson + rewind, shortcuts, merge run, compare, phone', async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 900, bypassCSP: true });
    await page.goto(`${env.server.url}#lesson=align`);
    await waitReady(page);
    assert.deepEqual(await serious(page), [], 'main page with a lesson open');
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.keyboard.press('[');
    await page.waitForFunction(() => document.body.classList.contains('rewound'));
    assert.deepEqual(await serious(page), [], 'rewound');
    await page.keyboard.press('?');
    assert.deepEqual(await serious(page), [], 'shortcuts dialog');
    await page.keyboard.press('Escape');
    await choosePreset(page, 'merge-orthogonal');
    assert.equal(await playToEnd(page, 120_000), 'done');
    assert.deepEqual(await serious(page), [], 'merge run');
    // Compare on: run B (λ = 0) beside the merge run, both trained.
    await page.click('[data-testid="compare-quick-lambda0"]');
    await page.waitForFunction(() => document.body.dataset.compare === 'on');
    assert.equal(await playToEnd(page, 120_000), 'done');
    assert.deepEqual(await serious(page), [], 'compare on');
    await page.setViewportSize({ width: 390, height: 844 });
    assert.deepEqual(await serious(page), [], 'phone width');
    // On a phone the run bar stays on screen: Play is reachable at the top of the page, without scrolling.
    await page.evaluate(() => window.scrollTo(0, 0));
    const play = await page.$eval('[data-testid="play"]', (b) => {
      const r = b.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom };
    });
    assert.ok(play.top >= 0 && play.bottom <= 844, `Play at ${play.top}–${play.bottom} of an 844 px screen`);
    assert.deepEqual(log.pageErrors, []);
  });

  it("each chart canvas is an image with Rust's text alternative, which follows training", async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 2400 });
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'data-span');
    const label = () => page.getAttribute('[data-testid="chart-loss"]', 'aria-label');
    assert.equal(await page.getAttribute('[data-testid="chart-loss"]', 'role'), 'img');
    await page.waitForFunction(() => /step 0\)?:/.test(document.querySelector('[data-testid="chart-loss"]').getAttribute('aria-label')));
    const before = await label();
    assert.match(before, /^Loss L and objective F = L \+ \(λ\/2\)‖θ‖² \(task a, step 0\): loss L = [\d.]+, objective F = [\d.]+$/);
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-loss"]').getAttribute('aria-label').includes('step 4000'));
    const after = await label();
    assert.notEqual(after, before);
    // The number read out is the Now table's loss to 4 significant digits.
    const loss = Number(await page.getAttribute('[data-testid="task-a-loss"]', 'data-value'));
    const read = Number(/loss L = ([\d.e-]+)/.exec(after)[1]);
    assert.ok(Math.abs(read - loss) <= 5e-4 * loss, `${read} vs ${loss}`);
    // On a phone a claim wraps its words, never its comparison and threshold ("< 5.0000e-9" stays on one line).
    await page.setViewportSize({ width: 390, height: 844 });
    const lines = await page.$$eval('#claims-table th .nowrap', (s) => s.map((e) => e.getClientRects().length));
    assert.ok(lines.length === 2 && lines.every((n) => n === 1), `lines of each threshold: ${lines}`);
    await page.setViewportSize({ width: 1280, height: 2400 });
    assert.match(await page.getAttribute('[data-testid="chart-norms"]', 'aria-label'), /‖W1‖ = [\d.]+/);
    // "What am I looking at?" under each chart: Rust's explanation, opened by a click.
    const details = 'figure[data-chart="alignment"] details.explain-chart';
    assert.equal(await page.textContent(`${details} summary`), 'What am I looking at?');
    await page.click(`${details} summary`);
    assert.match(await page.textContent(details), /∇L = −λθ, so the cosine is 1.*The expected shape is the paper's statement\./s);
    assert.equal(await page.$$eval('figure.chart[data-chart] details.explain-chart', (d) => d.length), await page.$$eval('#charts figure.chart, [data-cards="merge"] figure.chart', (f) => f.length));
    assert.deepEqual(log.pageErrors, []);
  });
});
