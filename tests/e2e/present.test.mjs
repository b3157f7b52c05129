// Presentation mode (issue 19, item 4): the chosen chart fills at least 90%
// of the window's width, only play / pause / step and λ (and Exit) are
// visible, the keyboard shortcuts and λ drive it, axe finds no serious or critical
// violation in it, Esc puts every moved element back where it was, and four
// chosen charts make a 2×2 grid. On a phone (390×844) Play stays on screen
// from the top of the page to past the form.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, waitReady, choosePreset, setControl, stepOf, ROOT } from './helpers.mjs';

const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const SHOTS = process.env.PRESENT_SHOTS; // a folder for screenshots, when set

/** data-testid (or id) of every control a visitor can see and reach now. */
function visibleControls(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])'))
      .filter((el) => el.checkVisibility({ visibilityProperty: true }) && el.getBoundingClientRect().width > 0)
      .map((el) => el.dataset.testid || el.id)
      .sort(),
  );
}

/** Open the chooser, keep exactly the charts `keys` checked, present them. */
async function present(page, keys) {
  await page.click('[data-testid="present-open"]');
  await page.waitForSelector('[data-testid="present-pick"][open]');
  for (const box of await page.$$('#present-choices input')) {
    const want = keys.includes(await box.getAttribute('value'));
    if ((await box.isChecked()) !== want) await box.click();
  }
  await page.click('[data-testid="present-go"]');
  await page.waitForSelector('[data-testid="present"]:not([hidden])');
}

/** The CSS width of chart `key`'s canvas once it has been redrawn at its presented size. */
async function presentedWidth(page, key) {
  const sel = `#present-grid [data-testid="chart-${key}"]`;
  await page.waitForFunction((s) => {
    const c = document.querySelector(s);
    return c && Math.abs(c.width - c.getBoundingClientRect().width * devicePixelRatio) < 2;
  }, sel);
  return page.$eval(sel, (c) => c.getBoundingClientRect().width);
}

describe('presentation mode', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('one chart at ≥ 90% of the width with only play/pause/step and λ; keys work; axe clean; Esc restores', async () => {
    const W = 1280;
    const { page, log } = await env.newPage({ width: W, height: 800, bypassCSP: true });
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'alignment');
    const order = await page.$$eval('#charts > figure.chart', (fs) => fs.map((f) => f.dataset.chart));
    const key = order[1];
    await present(page, [key]);
    assert.ok((await presentedWidth(page, key)) >= 0.9 * W, 'the chart spans at least 90% of the width');
    assert.deepEqual(
      await visibleControls(page),
      ['control-lambda-slider', 'control-train.lambda', 'pause', 'play', 'present-exit', 'step-button', 'step-n'].sort(),
    );
    assert.equal(await page.evaluate(() => document.activeElement.id), 'play', 'focus starts on Play');
    // The shortcuts drive it: → steps by ×100, Space plays and pauses.
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '100');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'running');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]').textContent) > 300);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => /^(paused|done)/.test(document.querySelector('[data-testid="status"]').textContent));
    assert.ok((await stepOf(page)) > 300);
    // λ works from the presentation bar: the box's value reaches the config and moves the slider.
    const slider0 = await page.inputValue('[data-testid="control-lambda-slider"]');
    await setControl(page, 'train.lambda', 0.05);
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lambda === 0.05);
    assert.notEqual(await page.inputValue('[data-testid="control-lambda-slider"]'), slider0);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'present-one.png') });
    if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
    });
    assert.deepEqual(violations, [], 'axe in presentation mode');
    // Esc leaves: the card, the run bar and λ are back in their places, the page's controls return.
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="present"][hidden]', { state: 'attached' });
    assert.deepEqual(await page.$$eval('#charts > figure.chart', (fs) => fs.map((f) => f.dataset.chart)), order);
    assert.ok(await page.$eval('#runbar', (r) => r.parentElement.matches('main.main')));
    assert.ok(await page.$eval('.field.lambda', (f) => !!f.closest('#controls')));
    assert.ok((await visibleControls(page)).includes('reset'));
    assert.deepEqual(log.pageErrors, []);
  });

  it("a link presents its charts; 'Share this view' gives that link and an iframe; a chart that is not there is refused", async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 800 });
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'norms');
    await present(page, ['loss', 'norms']);
    await page.click('[data-testid="present-share"] summary');
    await page.waitForFunction(() => document.querySelector('[data-testid="present-link"]').value !== '');
    const link = await page.inputValue('[data-testid="present-link"]');
    assert.ok(link.includes('?present=loss,norms#v=1&c='), link);
    const embed = await page.inputValue('[data-testid="present-embed"]');
    assert.ok(embed.startsWith('<iframe src="') && embed.includes('present=loss,norms') && embed.endsWith('</iframe>'), embed);
    // Leaving takes present= out of the address (a reload shows the whole lab).
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="present"][hidden]', { state: 'attached' });
    assert.equal(await page.evaluate(() => location.search), '');

    // The link in another browser: the same two charts presented, of the same config.
    const other = await env.newPage({ width: 1280, height: 800 });
    await other.page.goto(link);
    await waitReady(other.page);
    await other.page.waitForSelector('[data-testid="present"]:not([hidden])');
    assert.deepEqual(await other.page.$$eval('#present-grid > figure.chart', (fs) => fs.map((f) => f.dataset.chart)), ['loss', 'norms']);
    assert.ok((await other.page.textContent('#explain-title')).startsWith('norms'));
    assert.deepEqual(other.log.pageErrors, []);

    // A chart key that is not there: the whole lab, and the notice says which charts there are.
    const bad = await env.newPage();
    await bad.page.goto(`${env.server.url}?present=nope`);
    await waitReady(bad.page);
    await bad.page.waitForFunction(() => /“nope” is not a chart here; the charts are: loss, /.test(document.querySelector('#notice')?.textContent || ''));
    assert.equal(await bad.page.isHidden('[data-testid="present"]'), true);
    assert.deepEqual(bad.log.pageErrors, []);
    assert.deepEqual(log.pageErrors, []);
  });

  it('four charts make a 2×2 grid', async () => {
    const W = 1280;
    const H = 800;
    const { page, log } = await env.newPage({ width: W, height: H });
    await page.goto(env.server.url);
    await waitReady(page);
    const keys = (await page.$$eval('#charts > figure.chart:not([hidden])', (fs) => fs.map((f) => f.dataset.chart))).slice(0, 4);
    await present(page, keys);
    const boxes = [];
    for (const k of keys) {
      await presentedWidth(page, k);
      boxes.push(await page.$eval(`#present-grid figure[data-chart="${k}"]`, (f) => f.getBoundingClientRect().toJSON()));
    }
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'present-grid.png') });
    // Two columns of two rows, each cell close to half the window.
    assert.equal(new Set(boxes.map((b) => Math.round(b.x))).size, 2);
    assert.equal(new Set(boxes.map((b) => Math.round(b.y))).size, 2);
    for (const b of boxes) assert.ok(b.width > 0.45 * W && b.height > 0.3 * H, JSON.stringify(b));
    await page.click('[data-testid="present-exit"]');
    await page.waitForSelector('[data-testid="present"][hidden]', { state: 'attached' });
    assert.deepEqual(log.pageErrors, []);
  });

  it('phone: Play is on screen, uncovered, at the top and past the form', async () => {
    const { page, log } = await env.newPage({ width: 390, height: 844 });
    await page.goto(env.server.url);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    // Play is on screen and is what a tap at its centre hits.
    const reachable = () =>
      page.evaluate(() => {
        const play = document.querySelector('[data-testid="play"]');
        const r = play.getBoundingClientRect();
        const inside = r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
        return inside && document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === play;
      });
    assert.ok(await reachable(), 'at the top of the page');
    // Scrolled to the form's last line (far below the first screen).
    await page.evaluate(() => window.scrollTo(0, document.querySelector('#controls').getBoundingClientRect().bottom + scrollY - innerHeight / 2));
    const form = await page.$eval('#controls', (f) => f.getBoundingClientRect().toJSON());
    assert.ok(form.top < -300 && form.bottom < 844, `the form's end is on screen, its start far above: ${JSON.stringify(form)}`);
    assert.ok(await reachable(), 'at the end of the form');
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'present-phone-form.png') });
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => /^(running|done)/.test(document.querySelector('[data-testid="status"]').textContent));
    assert.deepEqual(log.pageErrors, []);
  });
});
