// Rewind (issue 19, item 2): the time slider at a recorded step shows what a
// run paused at that step showed (the Now table's exact values, per task and
// per layer), every snapshot chart redraws at that step, "Back to live"
// returns to the end, replay walks forward, and the page says what is not
// rewound (claims). The merged nets and decision boundaries need the weights,
// which are not recorded: the worker trains the run again to the step, and the
// merge tables and boundary panels then equal those of the run paused there.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setup, waitReady, choosePreset, text, stepBy, playToEnd, planarRun } from './helpers.mjs';

/** The Now tables' cells as shown ({testid: text}) and their exact values ({testid: data-value}). */
async function nowNumbers(page) {
  return page.$$eval('#task-table [data-testid], #layer-table [data-testid]', (els) => ({
    shown: Object.fromEntries(els.map((e) => [e.dataset.testid, e.textContent])),
    exact: Object.fromEntries(els.map((e) => [e.dataset.testid, e.dataset.value ?? null])),
  }));
}

/**
 * The rewound state's numbers are the history point recorded at step k, which
 * the training step computes from its own gradient (in span coordinates for
 * layer 1); a paused run's table recomputes the gradient in full at the same
 * weights. So the shown text is identical and the exact values agree to a few
 * ulps (relative 1e-13), not bit for bit.
 */
function assertSameState(rewound, paused) {
  assert.deepEqual(rewound.shown, paused.shown, 'the Now tables show the same text');
  assert.deepEqual(Object.keys(rewound.exact).sort(), Object.keys(paused.exact).sort());
  for (const [id, p] of Object.entries(paused.exact)) {
    const r = rewound.exact[id];
    if (p === null || p === '' || r === null || r === '') {
      assert.equal(r, p, id);
      continue;
    }
    const [a, b] = [Number(r), Number(p)];
    assert.ok(Math.abs(a - b) <= 1e-13 * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${id}: ${r} vs ${p}`);
  }
}

/** Every merge table's exact values ({testid: data-value}). */
async function mergeNumbers(page) {
  return page.$$eval('#merge-panel [data-testid][data-value]', (els) => Object.fromEntries(els.map((e) => [e.dataset.testid, e.dataset.value])));
}

/** Chart `key`'s SVG download. */
async function chartSvg(page, key) {
  await page.locator(`figure[data-chart="${key}"]`).scrollIntoViewIfNeeded();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`figure[data-chart="${key}"] [data-dl="svg"]`)]);
  return fs.readFileSync(await download.path(), 'utf8');
}

describe('rewind', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('the slider at step k shows the numbers of the run paused at step k; back to live shows the end', async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 900 });
    await page.goto(env.server.url);
    await waitReady(page);
    // data-span: 4000 GD steps recorded every 20 (the history holds all 201 points).
    await choosePreset(page, 'data-span');
    await stepBy(page, 100, 1000);
    const paused = await nowNumbers(page);
    assert.equal(paused.exact['task-a-step'], '1000');
    assert.ok(Object.keys(paused.exact).filter((k) => k.startsWith('layer-')).length >= 8, Object.keys(paused.exact).join(' '));
    assert.equal(await playToEnd(page, 120_000), 'done');
    const end = await nowNumbers(page);
    assert.equal(end.exact['task-a-step'], '4000');
    assert.match(await text(page, 'rewind-spacing'), /^recorded every 20 steps \(201 points\)$/);
    assert.match(await text(page, 'rewind-label'), /^live \(step 4000\)$/);
    assert.equal(await page.isHidden('[data-testid="rewind-note"]'), true);

    // Index 50 of the recorded steps 0, 20, …, 4000 is step 1000.
    await page.fill('[data-testid="rewind-slider"]', '50');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]').dataset.value === '1000');
    assert.match(await text(page, 'rewind-label'), /^step 1000 of 4000$/);
    assertSameState(await nowNumbers(page), paused);
    assert.match(await text(page, 'rewind-note'), /stay at the latest step \(4000\)/);
    assert.equal(await page.evaluate(() => document.body.classList.contains('rewound')), true);
    // The loss chart is drawn at step 1000: its SVG download's x axis ends at 1000, not 4000.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-chart="loss"] [data-dl="svg"]')]);
    const svg = fs.readFileSync(await download.path(), 'utf8');
    const tick = (n) => new RegExp(`>\\s*${n}\\s*<`);
    assert.ok(tick(1000).test(svg) && !tick(4000).test(svg), 'the loss chart ends at step 1000');

    // Back to live.
    await page.click('[data-testid="rewind-live"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]').dataset.value === '4000');
    assert.deepEqual(await nowNumbers(page), end);
    const [liveDownload] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-chart="loss"] [data-dl="svg"]')]);
    assert.ok(tick(4000).test(fs.readFileSync(await liveDownload.path(), 'utf8')), 'live: the loss chart ends at step 4000');
    assert.equal(await page.evaluate(() => document.body.classList.contains('rewound')), false);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('replay walks the recorded steps forward and stops on a click', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'data-span');
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.selectOption('[data-testid="rewind-speed"]', '30');
    await page.click('[data-testid="rewind-play"]');
    // From the live end it starts at step 0, then moves on.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="task-a-step"]').dataset.value) >= 200, null, { timeout: 10_000 });
    await page.click('[data-testid="rewind-play"]');
    const stopped = await page.getAttribute('[data-testid="task-a-step"]', 'data-value');
    await page.waitForTimeout(300);
    assert.equal(await page.getAttribute('[data-testid="task-a-step"]', 'data-value'), stopped, 'stopped');
    assert.ok(Number(stopped) < 4000);
    assert.match(await text(page, 'rewind-label'), new RegExp(`^step ${stopped} of 4000$`));
    assert.deepEqual(log.pageErrors, []);
  });

  it('rewound, the merge tables and decision boundaries are those of the run paused at that step (trained again to it)', async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 900 });
    await page.goto(env.server.url);
    await waitReady(page);
    await planarRun(page);
    const every = JSON.parse(await page.textContent('[data-testid="config-json"]')).train.record_every;
    await stepBy(page, 10, 100);
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-boundaries_a"]').width > 100);
    const paused = await mergeNumbers(page);
    assert.ok(Object.keys(paused).length >= 8, Object.keys(paused).join(' '));
    const pausedSvg = await chartSvg(page, 'boundaries_a');
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]').dataset.value === '400');
    const end = await mergeNumbers(page);
    assert.notDeepEqual(end, paused, 'training moved the merged nets');

    await page.fill('[data-testid="rewind-slider"]', String(100 / every));
    assert.match(await text(page, 'rewind-label'), /^step 100 of 400$/);
    // Until the worker has trained the run again to step 100, nothing of the latest state stands in.
    await page.waitForFunction(() => /^Merged nets and decision boundaries at step 100: the run trained again from its start/.test(document.querySelector('[data-testid="rewind-replay"]').textContent), null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]').dataset.value === '100');
    assert.deepEqual(await mergeNumbers(page), paused, 'the merge tables at step 100, exactly');
    assert.equal(await chartSvg(page, 'boundaries_a'), pausedSvg, 'the boundary panels at step 100, exactly');
    assert.match(await text(page, 'rewind-note'), /^Claims stay at the latest step \(400\)/);

    // Back to live: the latest state's again.
    await page.click('[data-testid="rewind-live"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]').dataset.value === '400');
    assert.deepEqual(await mergeNumbers(page), end);
    assert.equal(await page.isHidden('[data-testid="rewind-replay"]'), true);
    const notes = await page.locator('#merge-panel .chart-note, figure.boundary .chart-note').allTextContents();
    assert.deepEqual(notes.filter((n) => n.trim()), []);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });
});
