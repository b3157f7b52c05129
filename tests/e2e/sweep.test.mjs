// In-page sweeps (issue 18, item 1): a grid defined in the page, its points
// trained in a pool of workers, streamed into the table, claims and charts;
// the downloads are the CLI's sweep.csv and sweep.json; cancel stops the pool;
// a crashing point is run again (or marked failed) and the others are kept;
// the sweep rides in the link. The presets' own sweeps are in
// sweep-presets.test.mjs.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setup, hookedPage, choosePreset, ROOT, text } from './helpers.mjs';

const cli = () => path.join(ROOT, 'target', 'release', 'lowrank-lab');

/** Fill the sweep editor: axes [[key, values], …] (at most two) and seeds ('' for none). */
export async function defineSweep(page, axes, seeds = '') {
  for (const i of [1, 2]) {
    const [key, values] = axes[i - 1] || ['', ''];
    await page.selectOption(`[data-testid="sweep-key-${i}"]`, key);
    await page.fill(`[data-testid="sweep-values-${i}"]`, values);
  }
  await page.fill('[data-testid="sweep-seeds"]', seeds);
}

/** Click Run sweep and wait until no point is running. */
export async function runSweep(page, timeout = 120_000) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="sweep"]').disabled);
  await page.click('[data-testid="sweep"]');
  await page.waitForFunction(() => !window.__lab_test.sweepState().running, null, { timeout });
}

/** A download's text, from clicking `testid`. */
async function downloaded(page, testid) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${testid}"]`)]);
  return fs.readFileSync(await dl.path(), 'utf8');
}

/** Fields of a CSV line (no quoted commas in these tables but the widths axis: handled). */
function fields(line) {
  const out = [];
  let cur = '';
  let q = false;
  for (const c of line) {
    if (c === '"') q = !q;
    else if (c === ',' && !q) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

describe('in-page sweeps', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('a visitor-defined sweep (λ × seeds) streams into table and charts, and downloads the CLI’s sweep.json and sweep.csv', async () => {
    const { page, log } = await hookedPage(env);
    await page.fill('[data-testid="control-train.steps"]', '300');
    await page.dispatchEvent('[data-testid="control-train.steps"]', 'change');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.steps === 300);
    await defineSweep(page, [['train.lambda', '0.01; 0.05']], '0; 1');
    await page.waitForFunction(() => /^4 points/.test(document.querySelector('[data-testid="sweep-plan"]').textContent));
    await runSweep(page);
    assert.match(await text(page, 'sweep-status'), /^4 points trained/);
    assert.equal(await page.locator('[data-testid="sweep-table"] tbody tr').count(), 4);
    // The charts: one per plotted key, drawn by Rust, with the mean and spread over the two seeds.
    const cards = await page.locator('#sweep-charts figure.chart').count();
    assert.ok(cards >= 2, `${cards} sweep charts`);
    const captions = await page.locator('#sweep-charts figcaption span:first-child').allTextContents();
    assert.ok(captions.some((c) => /seed/.test(c)), captions.join(' | '));
    const pageJson = await downloaded(page, 'sweep-json');
    const pageCsv = await downloaded(page, 'sweep-csv');
    // The same grid through the CLI.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrl-sweep-'));
    try {
      const cfgFile = path.join(dir, 'config.json');
      fs.writeFileSync(cfgFile, await page.textContent('[data-testid="config-json"]'));
      execFileSync(cli(), ['sweep', '--config', cfgFile, '--grid', 'train.lambda=0.01;0.05', '--grid', 'seed=0;1', '--out', path.join(dir, 'out')], { stdio: 'pipe' });
      const cliJson = fs.readFileSync(path.join(dir, 'out', 'sweep.json'), 'utf8');
      const cliCsv = fs.readFileSync(path.join(dir, 'out', 'sweep.csv'), 'utf8');
      assert.equal(pageJson, cliJson, 'sweep.json is the CLI’s, byte for byte');
      const [pl, cl] = [pageCsv.trimEnd().split('\n'), cliCsv.trimEnd().split('\n')];
      assert.equal(pl[0], cl[0], 'the same columns in the same order');
      assert.equal(pl.length, cl.length);
      let identical = 0;
      let total = 0;
      for (let r = 1; r < pl.length; r++) {
        const [p, c] = [fields(pl[r]), fields(cl[r])];
        assert.deepEqual(p.slice(0, 3), c.slice(0, 3), 'index and the axes’ values');
        for (let j = 3; j < p.length; j++) {
          total += 1;
          if (p[j] === c[j]) {
            identical += 1;
            continue;
          }
          // Native products fuse multiply-adds (AVX2 FMA), wasm SIMD's do not: the last digits may differ.
          const [a, b] = [Number(p[j]), Number(c[j])];
          assert.ok(Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b)), `${cl[0].split(',')[j]} row ${r}: page ${p[j]} vs CLI ${c[j]}`);
        }
      }
      console.log(`sweep.csv: ${identical} of ${total} values byte-identical to the CLI's, the rest within 1e-7 relative`);
      if (pageCsv === cliCsv) console.log('sweep.csv is byte-identical to the CLI’s');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('a bad grid is refused with Rust’s message naming the field, range and value; the link holds the sweep', async () => {
    const { page, log } = await hookedPage(env);
    await defineSweep(page, [['train.lambda', '0.01; -1']]);
    await page.waitForFunction(() => document.querySelector('[data-testid="sweep-error"]').textContent !== '');
    assert.match(await text(page, 'sweep-error'), /train\.lambda must be in \[0, 1000\].*-1/);
    assert.ok(await page.isDisabled('[data-testid="sweep"]'));
    await defineSweep(page, [['train.lambda', '0.01; 0.02'], ['net.widths', '[8]; [16]']], '3; 4');
    await page.waitForFunction(() => /^8 points/.test(document.querySelector('[data-testid="sweep-plan"]').textContent));
    assert.equal(await text(page, 'sweep-error'), '');
    const link = await page.inputValue('[data-testid="link"]');
    assert.match(link, /&s=/);
    // The link, opened in a new page, brings the sweep back.
    const other = await env.newPage();
    await other.page.goto(link);
    await other.page.waitForFunction(() => document.querySelector('[data-testid="sweep-values-2"]').value !== '');
    assert.equal(await other.page.inputValue('[data-testid="sweep-values-1"]'), '0.01; 0.02');
    assert.equal(await other.page.inputValue('[data-testid="sweep-key-2"]'), 'net.widths');
    assert.equal(await other.page.inputValue('[data-testid="sweep-seeds"]'), '3; 4');
    await other.page.waitForFunction(() => /^8 points/.test(document.querySelector('[data-testid="sweep-plan"]').textContent));
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(other.log.pageErrors, []);
  });

  it('cancel stops the pool at once and keeps finished points; a crashing point runs again or is marked failed, the others are kept', async () => {
    const { page, log } = await hookedPage(env);
    await page.fill('[data-testid="control-train.steps"]', '2000');
    await page.dispatchEvent('[data-testid="control-train.steps"]', 'change');
    await defineSweep(page, [['train.lambda', '0.01; 0.02; 0.03; 0.04; 0.05; 0.06']]);
    await page.waitForFunction(() => /^6 points/.test(document.querySelector('[data-testid="sweep-plan"]').textContent));
    await page.click('[data-testid="sweep"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sweep-table"] tbody tr').length >= 1, null, { timeout: 60_000 });
    // Cancel in the window where a point has arrived and its redraw is scheduled
    // but not drawn (the redraw once overwrote the cancel's status). Polled
    // task by task through a MessageChannel, which runs between the workers'
    // messages and the next frame.
    const ms = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const channel = new MessageChannel();
          const deadline = performance.now() + 60_000;
          channel.port1.onmessage = () => {
            const before = window.__lab_test.sweepState();
            if (!before.redrawPending && before.running && performance.now() < deadline) return channel.port2.postMessage(0);
            const t0 = performance.now();
            document.querySelector('[data-testid="sweep-cancel"]').click();
            const s = window.__lab_test.sweepState();
            resolve(s.running || s.workers ? Infinity : performance.now() - t0);
          };
          channel.port2.postMessage(0);
        }),
    );
    assert.ok(ms <= 200, `cancel took ${ms} ms`);
    const kept = await page.locator('[data-testid="sweep-table"] tbody tr').count();
    await page.waitForTimeout(1500);
    assert.equal(await page.locator('[data-testid="sweep-table"] tbody tr').count(), kept, 'nothing runs after cancel');
    assert.match(await text(page, 'sweep-status'), /^sweep cancelled: \d of 6 points kept/);
    assert.ok(await page.isDisabled('[data-testid="sweep-csv"]'), 'no sweep.csv before every point is in');
    // Run again: only the missing points run. Point 4 crashes once (run again), point 5 twice (failed).
    await page.evaluate(() => {
      window.__lab_test.crashSweepPoint(4, 1);
      window.__lab_test.crashSweepPoint(5, 2);
    });
    await runSweep(page);
    assert.deepEqual((await page.evaluate(() => window.__lab_test.sweepState())).failed, [5]);
    assert.equal(await page.locator('[data-testid="sweep-table"] tbody tr').count(), 5);
    const failures = await text(page, 'sweep-failures');
    assert.match(failures, /point 5 \(train\.lambda=0\.06\) failed: its worker crashed 2 times/);
    assert.match(failures, /point 4 \(train\.lambda=0\.05\) crashed once and ran again/);
    assert.ok(await page.isDisabled('[data-testid="sweep-csv"]'));
    // And once more: the failed point alone runs, and the sweep is whole.
    await runSweep(page);
    assert.equal(await page.locator('[data-testid="sweep-table"] tbody tr').count(), 6);
    assert.match(await text(page, 'sweep-status'), /^6 points trained/);
    assert.ok(!(await page.isDisabled('[data-testid="sweep-csv"]')));
    assert.deepEqual(log.pageErrors, []);
  });

  it('a preset with a grid fills the editor with it; one without leaves it empty', async () => {
    const { page, log } = await hookedPage(env, 'rank-vs-lambda');
    assert.equal(await page.inputValue('[data-testid="sweep-key-1"]'), 'train.lambda');
    assert.equal(await page.inputValue('[data-testid="sweep-values-1"]'), '0.001;0.003;0.01;0.03;0.05;0.1');
    assert.ok(await page.isVisible('[data-testid="sweep-run-preset"]'));
    await choosePreset(page, 'alignment');
    assert.equal(await page.inputValue('[data-testid="sweep-values-1"]'), '');
    assert.ok(!(await page.isVisible('[data-testid="sweep-run-preset"]')));
    assert.deepEqual(log.pageErrors, []);
  });
});
