// Every core in the browser (issue 21): the page picks its wasm build at load
// (www/builds.js): threads where it is cross-origin isolated (the server's
// COOP/COEP headers, or the service worker that adds them on a host without
// them), one thread otherwise, relaxed SIMD where Chromium has it, and says
// which mode it is in. Every build gives the CLI's numbers; a build with
// threads gives the bits of the same build without, however its steps split
// their work; a trap on a pool thread is reported and the run restored; and
// every build shipped is at most 500 KB gzipped.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { setup, waitReady, DIST, ROOT, pageConfig, text, stepBy, hookedPage } from './helpers.mjs';

const cli = () => path.join(ROOT, 'target', 'release', 'lowrank-lab');

// Big enough that its products and passes can split (W1-like, span steps in the page and the CLI).
const CONFIG = { seed: 11, data: { d: 100, n: 40 }, net: { widths: [256] }, train: { steps: 400, record_every: 20 } };
const hash = (cfg) => `#v=1&c=${Buffer.from(JSON.stringify(cfg)).toString('base64url')}`;

/** Wait for the worker's 'loaded' (the page's mode line) and return {build, threads, mode}. */
async function mode(page) {
  await page.waitForFunction(() => document.body.dataset.wasmBuild !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => ({
    build: document.body.dataset.wasmBuild,
    threads: Number(document.body.dataset.threads),
    mode: document.querySelector('[data-testid="version"]').textContent,
    isolated: window.crossOriginIsolated,
  }));
}

/** A page with the test hooks on `query` (e.g. '?build=mt'), at CONFIG; `init` runs before the page's scripts. */
const hooked = (env, query = '', { init = null } = {}) => hookedPage(env, null, { at: `${query}${hash(CONFIG)}`, init });

describe('every core in the browser', () => {
  let env;
  let plain;
  before(async () => {
    env = await setup();
    plain = await setup({ isolate: false });
  });
  after(async () => {
    if (env) await env.close();
    if (plain) await plain.close();
  });

  it('every wasm build shipped is at most 500 KB gzipped', () => {
    // The four worker builds, and the digits' coding they fetch (data/digits/digits.lrc, not in any build).
    const entries = fs.readdirSync(path.join(DIST, 'wasm')).sort();
    assert.deepEqual(entries, ['digits.lrc', 'mt', 'mt-relaxed', 'st', 'st-relaxed']);
    const builds = entries.filter((e) => e !== 'digits.lrc');
    const files = [
      ...builds.map((b) => path.join(DIST, 'wasm', b, 'lowrank_lab_bg.wasm')),
      ...fs.readdirSync(DIST).filter((f) => f.endsWith('.wasm')).map((f) => path.join(DIST, f)),
    ];
    assert.equal(files.length, 5, 'four worker builds and the page module');
    for (const f of files) {
      const gz = zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length;
      console.log(`# ${path.relative(DIST, f)}: ${gz} bytes gzipped`);
      assert.ok(gz <= 500_000, `${f}: ${gz} bytes gzipped`);
    }
  });

  it('an isolated page trains on every core and says so', async () => {
    const { page, log } = await hooked(env);
    const m = await mode(page);
    assert.equal(m.isolated, true);
    assert.equal(m.build, 'mt-relaxed', 'Chromium has threads and relaxed SIMD');
    assert.equal(m.threads, await page.evaluate(() => navigator.hardwareConcurrency));
    assert.ok(m.threads >= 2);
    assert.match(m.mode, new RegExp(`${m.threads} threads · wasm SIMD \\+ relaxed SIMD`));
    await stepBy(page, 100, 400);
    // The split tuner measured its arms on the pool (which one wins is the machine's business).
    const [report] = await page.evaluate(() => window.__lab_test.splitReport());
    assert.ok(report.arms.length >= 2 && report.samples > 0, JSON.stringify(report));
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('without the headers and without the service worker, the page runs on one thread and says why', async () => {
    // A browser where the service worker cannot help (coi-serviceworker's own switch).
    const { page, log } = await hooked(plain, '', {
      init: () => {
        window.coi = { shouldRegister: () => false };
      },
    });
    const m = await mode(page);
    assert.equal(m.isolated, false);
    assert.equal(m.build, 'st-relaxed');
    assert.equal(m.threads, 1);
    assert.match(m.mode, /1 thread: the page is not cross-origin isolated \(no COOP\/COEP headers\) · wasm SIMD \+ relaxed SIMD/);
    await stepBy(page, 100, 200);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('on a host without the headers, the service worker isolates the page (one reload) and it trains on every core', async () => {
    const { page, log } = await plain.newPage();
    await page.goto(`${plain.server.url}${hash(CONFIG)}`);
    // coi-serviceworker registers itself and reloads the page once.
    await page.waitForFunction(() => window.crossOriginIsolated === true, null, { timeout: 30_000 });
    await waitReady(page);
    const m = await mode(page);
    assert.equal(m.build, 'mt-relaxed');
    assert.ok(m.threads >= 2);
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true);
    assert.equal((await pageConfig(page)).data.d, CONFIG.data.d, 'the link\'s config survived the reload');
    await stepBy(page, 100, 200);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('every build gives the CLI\'s numbers, and a build with threads the bits of the same build without, however it splits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowrank-e2e-'));
    try {
      const states = {};
      const losses = {};
      for (const [build, split] of [
        ['st', null],
        ['mt', 'never'],
        ['mt', 'always'],
        ['st-relaxed', null],
        ['mt-relaxed', 'always'],
        ['mt-relaxed', 'auto'],
      ]) {
        const { page, context, log } = await hooked(env, `?build=${build}`);
        const m = await mode(page);
        assert.equal(m.build, build);
        assert.equal(m.threads > 1, build.startsWith('mt'));
        if (split) await page.evaluate((how) => window.__lab_test.setSplit(how), split);
        await stepBy(page, 100, 400);
        states[`${build} ${split}`] = await page.evaluate(() => window.__lab_test.exportState());
        losses[build] = Number(await page.getAttribute('[data-testid="task-a-loss"]', 'data-value'));
        if (build === 'st') fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(await pageConfig(page)));
        assert.deepEqual(log.pageErrors, []);
        assert.deepEqual(log.consoleErrors, []);
        await context.close();
      }
      // Threads, split or not, change no bit of the run (same arithmetic, same build family).
      assert.equal(states['mt never'], states['mt always'], 'mt: every site split vs none');
      assert.equal(states['st null'], states['mt never'], 'st vs mt');
      assert.equal(states['st-relaxed null'], states['mt-relaxed always'], 'st-relaxed vs mt-relaxed (split)');
      assert.equal(states['mt-relaxed always'], states['mt-relaxed auto'], 'mt-relaxed: split vs the tuner');
      // Every build against the CLI (relaxed SIMD fuses multiply-adds: the same to rounding).
      const fin = JSON.parse(execFileSync(cli(), ['run', '--config', path.join(dir, 'config.json'), '--out', path.join(dir, 'out'), '--json'], { encoding: 'utf8' }));
      for (const [build, loss] of Object.entries(losses)) {
        assert.ok(Math.abs(loss - fin.loss) <= 1e-9 * Math.abs(fin.loss), `${build}: page loss ${loss} vs CLI ${fin.loss}`);
      }
      console.log(`# final loss at step 400: CLI ${fin.loss}; ${Object.entries(losses).map(([b, l]) => `${b} ${l}`).join(', ')}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('owned steps (two threads, each owning half of every hidden layer\'s units) give the bits of one thread', async () => {
    // n > d: the page runs direct steps, where owned steps apply (span steps do not use them).
    // Depth 2 (one meeting a step) and depth 3 (partial sums below each hidden layer).
    const configs = [
      { seed: 11, data: { d: 30, n: 60 }, net: { widths: [120], bias: true }, train: { steps: 400, record_every: 20 } },
      { seed: 12, data: { d: 30, n: 60 }, net: { widths: [60, 41], bias: true }, train: { steps: 400, record_every: 20 } },
    ];
    for (const direct of configs) {
      const depth = direct.net.widths.length + 1;
      const states = {};
      for (const [build, split] of [
        ['st', null],
        ['mt', 'owned'],
        ['st-relaxed', null],
        ['mt-relaxed', 'owned'],
      ]) {
        const { page, context, log } = await hookedPage(env, null, { at: `?build=${build}${hash(direct)}` });
        assert.equal((await mode(page)).build, build);
        if (split) await page.evaluate((how) => window.__lab_test.setSplit(how), split);
        await stepBy(page, 100, 400);
        states[build] = await page.evaluate(() => window.__lab_test.exportState());
        if (split) {
          const [report] = await page.evaluate(() => window.__lab_test.splitReport());
          assert.ok(report.owned_runs > 0, JSON.stringify(report));
          console.log(`# depth ${depth}, ${build} owned: ${report.owned_runs} runs, ${report.owned_alone} without a second thread`);
        }
        assert.deepEqual(log.pageErrors, []);
        assert.deepEqual(log.consoleErrors, []);
        await context.close();
      }
      assert.equal(states.st, states.mt, `depth ${depth}: st vs mt owned`);
      assert.equal(states['st-relaxed'], states['mt-relaxed'], `depth ${depth}: st-relaxed vs mt-relaxed owned`);
    }
  });

  it('a panic on a pool thread is reported with its message; a new worker restores the run', async () => {
    const { page, log } = await hooked(env);
    assert.equal((await mode(page)).build, 'mt-relaxed');
    await stepBy(page, 100, 200);
    await page.waitForFunction(() => window.__lab_test.keptStep() === 200);
    await page.evaluate(() => window.__lab_test.crashPoolThread('deliberate pool panic 7 for the thread test'));
    await page.waitForSelector('[data-testid="error"]:visible', { timeout: 30_000 });
    const err = await text(page, 'error');
    assert.match(err, /a thread of the training worker crashed: deliberate pool panic 7 for the thread test \(at src\/web\/pool\.rs:\d+:\d+\)/);
    assert.match(err, /restored the run at step 200/);
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'paused');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === '200');
    // The new worker runs the threaded build again and trains on.
    assert.equal((await mode(page)).build, 'mt-relaxed');
    await stepBy(page, 100, 300);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(
      log.consoleErrors.filter((e) => !/deliberate pool panic 7/.test(e)),
      [],
    );
  });
});
