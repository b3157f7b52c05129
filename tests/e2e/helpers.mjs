// Shared set-up of the end-to-end tests: a static server on a free port for
// dist/, Debian's headless Chromium through playwright-core, and a page that
// records console errors, page errors and every request URL.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../www/serve.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The native CLI the tests compare the page against (`make test-e2e` builds it first). */
export const CLI = path.join(ROOT, 'target', 'release', 'lowrank-lab');
export const DIST = path.join(ROOT, 'dist');
export const OUT = path.join(ROOT, 'test-output');

/** Debian's Chromium and the flags it needs here (root, no network beyond loopback); bench/ uses them too. */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/**
 * Start the server and the browser; returns {server, browser, newPage, close}.
 * The server sends the cross-origin isolation headers (as `make start` does)
 * unless `isolate` is false (a host that cannot send headers).
 */
export async function setup({ isolate = true } = {}) {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error('dist/index.html is missing: run `make dist` first');
  }
  const server = await serve({ dir: DIST, port: 0, isolate });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const pages = [];

  /** A fresh page (own context) that records what happened on it. */
  /** `bypassCSP`: for a test that injects a script (the accessibility scan's axe-core), which the page's CSP refuses. */
  async function newPage({ width = 1280, height = 800, deviceScaleFactor = 1, bypassCSP = false } = {}) {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor, acceptDownloads: true, bypassCSP });
    const page = await context.newPage();
    const log = { consoleErrors: [], pageErrors: [], requests: [], failed: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log.consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => log.pageErrors.push(String(e)));
    context.on('request', (r) => log.requests.push(r.url()));
    context.on('requestfailed', (r) => log.failed.push(`${r.url()} ${r.failure() && r.failure().errorText}`));
    context.on('response', (r) => {
      if (r.status() >= 400) log.failed.push(`${r.url()} HTTP ${r.status()}`);
    });
    pages.push(context);
    return { page, log, context };
  }

  async function close() {
    for (const c of pages) await c.close().catch(() => {});
    await browser.close().catch(() => {});
    await server.close();
  }

  return { server, browser, newPage, close };
}

/** Wait until the page has drawn its first chart (the app is fully up). */
export async function waitReady(page, timeout = 30_000) {
  await page.waitForFunction(() => document.body.dataset.firstChartMs !== undefined, null, { timeout });
}

/** The page's config JSON (as Rust normalised it). */
export async function pageConfig(page) {
  return JSON.parse(await page.textContent('[data-testid="config-json"]'));
}

/** Choose a preset in the picker and wait for the new run's first snapshot. */
export async function choosePreset(page, name) {
  await page.click(`[data-testid="preset-${name}"]`);
  await page.waitForFunction(
    (n) => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent) && document.querySelector('#explain-title').textContent.startsWith(n),
    name,
  );
  await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
}

/**
 * Press Play once it is enabled and wait until the run ends (status done, diverged or stalled);
 * returns the status text. When it says "done", the Now table already shows
 * the final step (the page's tables never lag its status: a visitor reading
 * them at "done" reads the final numbers), checked in the same frame.
 */
export async function playToEnd(page, timeout = 60_000) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
  await page.click('[data-testid="play"]');
  await page.waitForFunction(() => /^(done|diverged|stalled)/.test(document.querySelector('[data-testid="status"]').textContent), null, { timeout });
  const [status, counter, shown] = await page.evaluate(() => {
    const cell = document.querySelector('[data-testid="task-a-step"]');
    return [document.querySelector('[data-testid="status"]').textContent, document.querySelector('#step-count').textContent, cell ? cell.dataset.value : null];
  });
  if (status === 'done' && shown !== null) assert.equal(shown, counter, `status "done" at step ${counter} while the Now table shows step ${shown}`);
  return status;
}

/** From the form: the planar generator with 2 tasks and 400 steps; waits until that run can play. */
export async function planarRun(page) {
  await page.selectOption('[data-testid="control-data.generator"]', 'planar');
  await setControl(page, 'data.tasks', '2');
  await setControl(page, 'train.steps', '400');
  await page.waitForFunction(() => {
    const c = JSON.parse(document.querySelector('[data-testid="config-json"]').textContent);
    return c.data.generator === 'planar' && c.data.tasks === 2 && c.train.steps === 400;
  });
  await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
}

/** Set a text control's value and fire its change event. */
export async function setControl(page, key, value) {
  await page.fill(`[data-testid="control-${key}"]`, String(value));
  await page.dispatchEvent(`[data-testid="control-${key}"]`, 'change');
}

export function ensureOut() {
  fs.mkdirSync(OUT, { recursive: true });
  return OUT;
}

/** A `data-testid` element's text. */
export const text = (page, id) => page.textContent(`[data-testid="${id}"]`);

/** The step counter. */
export const stepOf = async (page) => Number(await text(page, 'step'));

/** Click "Step" (n steps per click) until the counter reads `target`, and the table shows that step. */
export async function stepBy(page, n, target) {
  await page.selectOption('[data-testid="step-n"]', String(n));
  for (let step = await stepOf(page); step < target; step = await stepOf(page)) {
    await page.waitForFunction(() => !document.querySelector('[data-testid="step-button"]').disabled);
    await page.click('[data-testid="step-button"]');
    await page.waitForFunction((t) => document.querySelector('[data-testid="step"]').textContent === String(t), step + n, { timeout: 60_000 });
  }
  assert.equal(await stepOf(page), target);
  await page.waitForFunction((t) => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === String(t), target);
}

/** Task a's numbers in the Now table, as exact as the page has them (data-value). */
export async function taskNumbers(page) {
  const out = {};
  for (const id of ['task-a-step', 'task-a-loss', 'task-a-objective', 'task-a-accuracy', 'task-a-stationarity', 'task-a-stable-rank', 'task-a-outside-span']) {
    out[id] = await page.getAttribute(`[data-testid="${id}"]`, 'data-value');
  }
  return out;
}

/**
 * A new page with the test-only hooks (window.__lab_enable_test_hooks), ready, on `preset` if one
 * is named. `at` is appended to the server's URL (a query and/or a hash); `init` runs before the
 * page's own scripts.
 */
export async function hookedPage(env, preset = null, { at = '', init = null } = {}) {
  const p = await env.newPage();
  await p.context.addInitScript(() => {
    window.__lab_enable_test_hooks = true;
  });
  if (init) await p.context.addInitScript(init);
  await p.page.goto(`${env.server.url}${at}`);
  await waitReady(p.page);
  if (preset) await choosePreset(p.page, preset);
  return p;
}

/**
 * Pixels of the canvas with data-testid `testid` that are not blank (transparent or white).
 * Read from a copy made for the purpose: reading the chart's own canvas back more than
 * once makes Chromium warn on the console (willReadFrequently), which the tests that
 * assert a clean console would then see.
 */
export function inkedPixels(page, testid) {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250)) n += 1;
    return n;
  }, testid);
}
