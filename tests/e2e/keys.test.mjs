// A lab driven from the keyboard (issue 19, item 4): the skip link is the
// first Tab stop and lands on Play; Space plays and pauses, → steps, [ and ]
// move the time slider, ? lists the shortcuts; the preset list is a radio
// group (one Tab stop, arrow keys choose); and a chart's PNG comes at 1×, 2×,
// 3× its on-screen size or 1920 px wide, redrawn (not upscaled).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setup, waitReady, choosePreset, setControl, text, stepOf } from './helpers.mjs';

const status = (page) => text(page, 'status');

/** Width and height of a PNG file (its IHDR chunk). */
function pngSize(file) {
  const b = fs.readFileSync(file);
  assert.equal(b.toString('latin1', 1, 4), 'PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('keyboard and exports', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('keyboard only: skip link to Play, Space plays and pauses, → steps, [ and ] rewind, ? lists the shortcuts', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    // A run long enough to be paused while it runs.
    await choosePreset(page, 'data-span');
    await setControl(page, 'train.steps', 400000);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    // Reloaded (the link keeps the config), so Tab starts from the top of the page.
    await page.waitForFunction(() => location.hash.includes('c='));
    await page.reload();
    await waitReady(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    assert.equal(JSON.parse(await text(page, 'config-json')).train.steps, 400000);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'skip', 'the skip link is the first Tab stop');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'play');
    // → steps by the step selector's count (×100).
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '100');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'running');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]').textContent) > 1000);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'paused');
    const paused = await stepOf(page);
    assert.ok(paused > 1000 && paused < 400000, `paused at ${paused}`);
    // [ goes back one recorded point, ] forward again (to live at the end).
    await page.waitForFunction(() => !document.querySelector('[data-testid="rewind"]').hidden);
    await page.keyboard.press('[');
    await page.waitForFunction(() => document.body.classList.contains('rewound'));
    assert.match(await text(page, 'rewind-label'), /^step \d+ of \d+$/);
    await page.keyboard.press(']');
    await page.waitForFunction(() => !document.body.classList.contains('rewound'));
    assert.match(await text(page, 'rewind-label'), /^live/);
    // ? lists the shortcuts; Escape closes the list.
    await page.keyboard.press('?');
    assert.equal(await page.isVisible('[data-testid="shortcuts"]'), true);
    assert.match(await text(page, 'shortcuts'), /Space\s*play \/ pause/);
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('[data-testid="shortcuts"]'), false);
    // Typing in a field is typing: Space there does not play.
    const before = await status(page);
    await page.focus('[data-testid="control-train.lr"]');
    await page.keyboard.press('Space');
    assert.equal(await status(page), before);
    assert.deepEqual(log.pageErrors, []);
  });

  it('the preset list is one Tab stop and the arrow keys choose a preset', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'alignment');
    const tabStops = await page.$$eval('#presets [role="radio"]', (els) => els.filter((e) => e.tabIndex === 0).map((e) => e.dataset.preset));
    assert.deepEqual(tabStops, ['alignment']);
    const names = await page.$$eval('#presets [role="radio"]', (els) => els.map((e) => e.dataset.preset));
    const next = names[names.indexOf('alignment') + 1];
    await page.focus('[data-testid="preset-alignment"]');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((n) => document.querySelector('#explain-title').textContent.startsWith(n), next);
    assert.equal(await page.getAttribute(`[data-testid="preset-${next}"]`, 'aria-checked'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.preset), next);
    assert.deepEqual(log.pageErrors, []);
  });

  it('a PNG at 3× is 3× the chart\'s CSS size, and the 1920 px one is 1920 px wide', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    const box = await page.$eval('figure[data-chart="loss"] .canvas-box', (b) => {
      const r = b.getBoundingClientRect();
      return [r.width, r.height];
    });
    const png = async (size) => {
      await page.selectOption('[data-testid="png-size-loss"]', size);
      const [d] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-chart="loss"] [data-dl="png"]')]);
      return { size: pngSize(await d.path()), name: d.suggestedFilename() };
    };
    const one = await png('1');
    assert.deepEqual(one.size, box.map(Math.round));
    const three = await png('3');
    assert.deepEqual(three.size, box.map((v) => Math.round(v * 3)));
    assert.match(three.name, /_loss@3x\.png$/);
    const wide = await png('w1920');
    assert.equal(wide.size[0], 1920);
    assert.deepEqual(log.pageErrors, []);
  });
});
