// End-to-end tests of the page in headless Chromium, against dist/ served
// from a local static server on a free port (see helpers.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, CLI, OUT, setup, waitReady, pageConfig, choosePreset, setControl, ensureOut, text, playToEnd, planarRun } from './helpers.mjs';

function cli() {
  if (!fs.existsSync(CLI)) {
    execFileSync('cargo', ['build', '--release', '--bin', 'lowrank-lab'], { cwd: ROOT, stdio: 'inherit' });
  }
  return CLI;
}

const value = async (page, id) => Number(await page.getAttribute(`[data-testid="${id}"]`, 'data-value'));

describe('lowrank-lab page', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('loads with no console or page errors, serves its favicon, and requests nothing from elsewhere (export and import included)', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await page.waitForTimeout(300);
    // At step 0 nothing is recorded: the page says why its history charts are empty, and what to press.
    const hint = () => page.isVisible('[data-testid="charts-hint"]');
    assert.equal(await hint(), true, 'the step-0 hint over the charts');
    assert.match(await text(page, 'charts-hint'), /press ▶ Play \(or Step\)/);
    // Export the run and import it again: downloads and file reads stay on the page.
    await page.click('[data-testid="step-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '100');
    assert.equal(await hint(), false, 'no hint once the run has steps');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-run"]')]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowrank-e2e-'));
    const file = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(file);
    await page.click('[data-testid="reset"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '0');
    await page.waitForSelector('[data-testid="charts-hint"]', { state: 'visible' });
    await page.setInputFiles('[data-testid="import-file"]', file);
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '100');
    await page.waitForSelector('[data-testid="charts-hint"]', { state: 'hidden' });
    await page.click('[data-testid="download-json"]');
    await page.waitForTimeout(300);
    fs.rmSync(dir, { recursive: true, force: true });
    const origin = new URL(env.server.url).origin;
    assert.deepEqual(log.consoleErrors, [], 'console errors');
    assert.deepEqual(log.pageErrors, [], 'page errors');
    assert.deepEqual(log.failed, [], 'failed requests');
    const foreign = log.requests.filter((u) => new URL(u).origin !== origin);
    assert.deepEqual(foreign, [], 'requests to other origins');
    const icon = await page.getAttribute('link[rel="icon"]', 'href');
    assert.ok(icon, 'a favicon link');
    const iconUrl = new URL(icon, env.server.url).href;
    assert.ok(log.requests.includes(iconUrl), `the favicon ${iconUrl} was requested`);
    const res = await page.request.get(iconUrl);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /image\/svg\+xml/);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /worker-src 'self'/);
    assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline scripts');
    const handlers = await page.evaluate(() =>
      Array.from(document.querySelectorAll('*')).flatMap((el) => Array.from(el.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
    );
    assert.deepEqual(handlers, [], 'no inline event handlers');
    // Every preset is listed with its `see` line.
    assert.ok((await page.locator('[data-testid^="preset-"]').count()) >= 10);
    assert.match(await text(page, 'preset-merge-orthogonal'), /disjoint coordinate blocks/);
    // Scope: what the paper states, what is derived here, what is assumed (issue 15).
    assert.match(await text(page, 'about'), /as known from its abstract, states that/);
    assert.match(await text(page, 'about'), /derived in this lab/);
    assert.match(await text(page, 'about'), /this lab’s assumed shallow setting/);
    assert.match(await text(page, 'about'), /half of ours/);
    const ms = await page.evaluate(() => ({ chart: document.body.dataset.firstChartMs, script: document.body.dataset.scriptStartMs }));
    console.log(`# first chart drawn ${ms.chart} ms after navigation started (page script started at ${ms.script} ms)`);
  });

  it('merge-orthogonal: the merged accuracies and the final loss equal the CLI run of the same config', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'merge-orthogonal');
    assert.match(await text(page, 'explain'), /span\(X_b\)/);
    const t0 = Date.now();
    await playToEnd(page);
    const trainMs = Date.now() - t0;
    assert.equal(await text(page, 'status'), 'done');
    assert.equal(await text(page, 'step'), '2000');
    await page.waitForFunction(() => document.querySelector('[data-testid="merge-sum-a-accuracy"]')?.dataset.value);
    const config = await pageConfig(page);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowrank-e2e-'));
    try {
      const cfgFile = path.join(dir, 'config.json');
      fs.writeFileSync(cfgFile, JSON.stringify(config));
      const out = execFileSync(cli(), ['run', '--config', cfgFile, '--out', path.join(dir, 'out'), '--json'], { encoding: 'utf8' });
      const fin = JSON.parse(out);
      assert.equal(await value(page, 'merge-sum-a-accuracy'), fin.merge.sum.a.accuracy);
      assert.equal(await value(page, 'merge-sum-b-accuracy'), fin.merge.sum.b.accuracy);
      assert.equal(await value(page, 'merge-mean-a-accuracy'), fin.merge.mean.a.accuracy);
      const loss = await value(page, 'task-a-loss');
      assert.ok(Math.abs(loss - fin.loss) <= 1e-9 * Math.abs(fin.loss), `page loss ${loss} vs CLI ${fin.loss}`);
      const lossB = await value(page, 'task-b-loss');
      assert.ok(Math.abs(lossB - fin.tasks.b.loss) <= 1e-9 * Math.abs(fin.tasks.b.loss), `page loss b ${lossB} vs CLI ${fin.tasks.b.loss}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`# merge-orthogonal trained in the page in ${trainMs} ms`);

    // The full-page screenshot (charts are drawn when scrolled into view).
    const height = await page.evaluate(() => document.body.scrollHeight);
    for (let y = 0; y < height; y += 600) {
      await page.evaluate((yy) => window.scrollTo(0, yy), y);
      await page.waitForTimeout(80);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(200);
    ensureOut();
    const shot = path.join(OUT, 'lab.png');
    await page.screenshot({ path: shot, fullPage: true });
    // The README's picture: refreshed on request only (it differs run to run in the steps/s text).
    const docShot = path.join(ROOT, 'docs', 'screenshot.png');
    if (process.env.UPDATE_SCREENSHOT === '1' || !fs.existsSync(docShot)) {
      fs.mkdirSync(path.dirname(docShot), { recursive: true });
      fs.copyFileSync(shot, docShot);
    }
    assert.deepEqual(log.consoleErrors, []);
    assert.deepEqual(log.pageErrors, []);
  });

  it('a shared link restores the same config in a fresh page', async () => {
    const { page } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'rank-vs-lambda');
    await setControl(page, 'train.lambda', '0.003');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lambda === 0.003);
    const config = await pageConfig(page);
    const url = page.url();
    assert.match(url, /#v=1&c=[A-Za-z0-9_-]+/);
    assert.equal(await page.inputValue('[data-testid="link"]'), url);

    const fresh = await env.newPage();
    await fresh.page.goto(url);
    await waitReady(fresh.page);
    assert.deepEqual(await pageConfig(fresh.page), config);
    assert.equal(await fresh.page.isVisible('[data-testid="notice"]'), false);
    assert.match(await text(fresh.page, 'explain-title'), /rank-vs-lambda \(modified\)/);
    assert.equal(await fresh.page.inputValue('[data-testid="control-train.lambda"]'), '0.003');
    assert.deepEqual(fresh.log.pageErrors, []);
  });

  it('a config that is no preset is not described as the default (a link, or changed controls)', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    assert.equal(await text(page, 'explain-title'), 'Default configuration');
    // The description is Rust's sentence for the config shown (config::summary).
    assert.equal(await text(page, 'explain-see'), 'One task: a one-hidden-layer ReLU net (width 200) on 20 Gaussian points in d = 100; gradient descent, logistic loss, λ = 0.01.');
    const before = page.url();
    await setControl(page, 'data.n', '30');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).data.n === 30);
    assert.equal(await text(page, 'explain-title'), 'Your configuration');
    assert.equal(await text(page, 'explain-see'), 'One task: a one-hidden-layer ReLU net (width 200) on 30 Gaussian points in d = 100; gradient descent, logistic loss, λ = 0.01.');
    assert.match(await text(page, 'explain'), /came from a link, a file or changes to the controls/);
    // The link is the run's record: it changes once the new run (n = 30) has started.
    await page.waitForFunction((b) => location.href !== b, before);
    const url = page.url();
    await setControl(page, 'data.n', '20');
    await page.waitForFunction(() => document.querySelector('#explain-title').textContent === 'Default configuration');

    const fresh = await env.newPage();
    await fresh.page.goto(url);
    await waitReady(fresh.page);
    assert.equal((await pageConfig(fresh.page)).data.n, 30);
    assert.equal(await text(fresh.page, 'explain-title'), 'Your configuration');
    assert.match(await text(fresh.page, 'explain-see'), /on 30 Gaussian points/);
    assert.match(await text(fresh.page, 'explain'), /came from a link, a file or changes to the controls/);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(fresh.log.pageErrors, []);
  });

  it('a garbage hash shows a notice and the default config', async () => {
    const plain = await env.newPage();
    await plain.page.goto(env.server.url);
    await waitReady(plain.page);
    const defaults = await pageConfig(plain.page);
    assert.equal(await plain.page.isVisible('[data-testid="notice"]'), false);
    assert.equal(await text(plain.page, 'explain-title'), 'Default configuration');

    const { page, log } = await env.newPage();
    await page.goto(`${env.server.url}#v=1&c=%%%garbage`);
    await waitReady(page);
    assert.equal(await page.isVisible('[data-testid="notice"]'), true);
    assert.match(await text(page, 'notice'), /could not be read.*default config/);
    assert.deepEqual(await pageConfig(page), defaults);

    // A well-formed link whose config Rust refuses: the notice quotes Rust.
    const bad = Buffer.from(JSON.stringify({ train: { lr: -1 } })).toString('base64url');
    const refused = await env.newPage();
    await refused.page.goto(`${env.server.url}#v=1&c=${bad}`);
    await waitReady(refused.page);
    assert.equal(
      await text(refused.page, 'notice'),
      "This link could not be read (config error: train.lr must be in (0, 1000], got -1); showing the default config instead.",
    );
    assert.deepEqual(await pageConfig(refused.page), defaults);
    assert.equal(await text(refused.page, 'explain-title'), 'Default configuration');
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(refused.log.pageErrors, []);

    // Rust reads the hash: each refusal names what is wrong.
    const good = Buffer.from('{}').toString('base64url');
    for (const [hash, message] of [
      [`#v=7&c=${good}`, 'unknown format version "7"; this page reads 1'],
      ['#v=1', 'missing c= (the link has no config)'],
      [`#v=1&c=${good}&p=nope`, 'the link\'s preset (p=) "nope" is not a known preset'],
    ]) {
      const other = await env.newPage();
      await other.page.goto(`${env.server.url}${hash}`);
      await waitReady(other.page);
      assert.equal(await text(other.page, 'notice'), `This link could not be read (${message}); showing the default config instead.`);
      assert.deepEqual(await pageConfig(other.page), defaults);
      await other.context.close();
    }
  });

  it('pause takes effect within 200 ms', async () => {
    const { page } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'alignment');
    await setControl(page, 'train.steps', '100000000');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.steps === 100000000);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    await page.click('[data-testid="play"]');
    // Let it run, and record when the step counter changes.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="step"]');
      window.__changes = [];
      new MutationObserver(() => window.__changes.push({ t: performance.now(), v: el.textContent })).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.waitForFunction(() => window.__changes.length >= 5 && Number(document.querySelector('[data-testid="step"]').textContent) > 1000);
    await page.waitForTimeout(300);
    const r = await page.evaluate(async () => {
      const before = window.__changes.length;
      const t = performance.now();
      document.querySelector('[data-testid="pause"]').click();
      await new Promise((res) => setTimeout(res, 1000));
      const after = window.__changes.filter((c) => c.t > t);
      return {
        changesBefore: before,
        lastChangeAfterClick: after.length ? after[after.length - 1].t - t : 0,
        status: document.querySelector('[data-testid="status"]').textContent,
        step: document.querySelector('[data-testid="step"]').textContent,
      };
    });
    console.log(`# pause: last step-counter change ${r.lastChangeAfterClick.toFixed(1)} ms after the click (step ${r.step})`);
    assert.ok(r.changesBefore >= 5, 'the counter was moving before the click');
    assert.ok(r.lastChangeAfterClick <= 200, `the counter changed ${r.lastChangeAfterClick} ms after pause`);
    assert.equal(r.status, 'paused');
    const step = await text(page, 'step');
    await page.waitForTimeout(400);
    assert.equal(await text(page, 'step'), step, 'still paused');
  });

  it('an invalid control value shows the Rust message next to the control and is not run', async () => {
    const { page } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    const before = await pageConfig(page);
    await setControl(page, 'train.lr', '-1');
    await page.waitForFunction(() => document.querySelector('[data-testid="error-train.lr"]').textContent !== '');
    assert.equal(await text(page, 'error-train.lr'), 'train.lr must be in (0, 1000], got -1');
    assert.equal(await page.getAttribute('[data-testid="control-train.lr"]', 'aria-invalid'), 'true');
    // The error sits in the control's own field.
    assert.equal(
      await page.evaluate(() => document.querySelector('[data-testid="error-train.lr"]').closest('.field') === document.querySelector('[data-testid="control-train.lr"]').closest('.field')),
      true,
    );
    await setControl(page, 'net.widths', '64, 0');
    await page.waitForFunction(() => document.querySelector('[data-testid="error-net.widths"]').textContent !== '');
    assert.equal(await text(page, 'error-net.widths'), 'net.widths[1] must be in [1, 1000000], got 0');
    assert.deepEqual(await pageConfig(page), before, 'refused values do not reach the config or the worker');
    assert.equal(await text(page, 'status'), 'ready');
    // A valid value clears the message.
    await setControl(page, 'train.lr', '0.5');
    await page.waitForFunction(() => document.querySelector('[data-testid="error-train.lr"]').textContent === '');
    assert.equal((await pageConfig(page)).train.lr, 0.5);
  });

  it('a huge step size shows the divergence message with the step and the quantity', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'norms');
    await setControl(page, 'train.lr', '1000');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lr === 1000);
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    await playToEnd(page);
    const status = await text(page, 'status');
    assert.match(status, /^diverged at step \d+$/);
    const step = status.match(/\d+/)[0];
    await page.waitForSelector('[data-testid="divergence"]:visible');
    const msg = await text(page, 'divergence');
    assert.match(msg, new RegExp(`diverged at step ${step}`));
    assert.match(msg, /the (loss|gradient|weights) of task a/);
    const sug = msg.match(/η = (\S+) \(min\(0\.9·2\/\(h \+ λ\), η\/2\)/);
    assert.ok(sug, msg);
    assert.ok(Number(sug[1]) > 0 && Number(sug[1]) <= 500, `suggested η ${sug[1]}`);
    // The CLI agrees on where it diverged.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowrank-e2e-'));
    try {
      const cfgFile = path.join(dir, 'config.json');
      fs.writeFileSync(cfgFile, JSON.stringify(await pageConfig(page)));
      const fin = JSON.parse(execFileSync(cli(), ['run', '--config', cfgFile, '--out', path.join(dir, 'out'), '--json'], { encoding: 'utf8' }));
      assert.equal(String(fin.diverged.step), step);
      assert.match(msg, new RegExp(`the ${fin.diverged.quantity} of task a`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(log.pageErrors, []);
  });

  it('exports charts (PNG, SVG), the run (JSON), metrics (CSV) and weights (.npy)', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'merge-orthogonal');
    await page.selectOption('[data-testid="step-n"]', '100');
    await page.click('[data-testid="step-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '100');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === '100');
    const grab = async (selector) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      const file = await dl.path();
      return { name: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
    };
    const png = await grab('figure[data-chart="loss"] button[data-dl="png"]');
    assert.equal(png.name, 'merge-orthogonal_step100_loss.png');
    assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const svg = await grab('figure[data-chart="spectrum"] button[data-dl="svg"]');
    assert.equal(svg.name, 'merge-orthogonal_step100_spectrum.svg');
    assert.match(svg.bytes.toString('utf8'), /^<svg[^>]+width="\d+"/);
    const run = await grab('[data-testid="download-json"]');
    const doc = JSON.parse(run.bytes.toString('utf8'));
    assert.equal(doc.final.step, 100);
    assert.equal(doc.snapshot.tasks.length, 2);
    assert.deepEqual(doc.config, await pageConfig(page));
    const csv = await grab('[data-testid="download-csv"]');
    const lines = csv.bytes.toString('utf8').trim().split('\n');
    // Rust's metrics.csv (summary::metrics_csv, what the CLI writes): index, task, then the
    // flattened point's keys in Rust's (sorted) order; the old JS flattening kept JS key order.
    const cols = lines[0].split(',');
    assert.deepEqual(cols.slice(0, 2), ['index', 'task']);
    assert.deepEqual(cols.slice(2), [...cols.slice(2)].sort());
    for (const c of ['step', 'time', 'loss', 'layers.1.stable_rank']) assert.ok(cols.includes(c), c);
    // The page's snapshot (built from the workers' deltas) holds every recorded point of the run's own.
    const points = doc.snapshot.tasks.reduce((k, t) => k + t.history.points.length, 0);
    assert.ok(points > 5);
    assert.equal(lines.length - 1, points);
    await page.selectOption('[data-testid="weights-net"]', 'sum');
    await page.selectOption('[data-testid="weights-layer"]', '1');
    const npy = await grab('[data-testid="download-npy"]');
    assert.equal(npy.name, 'merge-orthogonal_step100_sum_W1.npy');
    assert.equal(npy.bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
    assert.match(npy.bytes.toString('latin1', 10, 80), /'shape': \(64, 40\)/);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('charts are drawn at device resolution on HiDPI screens', async () => {
    const { page, log } = await env.newPage({ deviceScaleFactor: 2 });
    await page.goto(env.server.url);
    await waitReady(page);
    // Charts draw a few per frame; wait for this one (a fresh canvas is 300 × 150).
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-spectrum"]').width !== 300);
    const sizes = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="chart-spectrum"]');
      const r = c.getBoundingClientRect();
      return { w: c.width, h: c.height, cssW: r.width, cssH: r.height, dpr: window.devicePixelRatio };
    });
    assert.equal(sizes.dpr, 2);
    assert.ok(sizes.cssW > 200);
    assert.equal(sizes.w, Math.round(sizes.cssW * 2));
    assert.equal(sizes.h, Math.round(sizes.cssH * 2));
    assert.deepEqual(log.pageErrors, []);
  });

  it('new seed re-creates the run; a pasted config is checked by Rust before it is applied', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'data-span');
    await page.selectOption('[data-testid="step-n"]', '10');
    await page.click('[data-testid="step-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '10');
    const seed = (await pageConfig(page)).seed;
    await page.click('[data-testid="new-seed"]');
    await page.waitForFunction((s) => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).seed !== s, seed);
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '0');
    assert.equal(await text(page, 'status'), 'ready');
    // Reset goes back to step 0 with the same config.
    await page.click('[data-testid="step-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '10');
    await page.click('[data-testid="reset"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '0');
    // The config editor.
    await page.click('.config-box summary');
    await page.fill('[data-testid="config-editor"]', '{"data": {"tasks": 0}}');
    await page.click('[data-testid="config-apply"]');
    assert.equal(await text(page, 'error-config-editor'), 'data.tasks must be in [1, 26], got 0');
    await page.fill('[data-testid="config-editor"]', '{"data": {"tasks": 3, "generator": "blocks"}, "merge": {"methods": ["sum"]}}');
    await page.click('[data-testid="config-apply"]');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).data.tasks === 3);
    assert.equal(await text(page, 'error-config-editor'), '');
    await page.waitForSelector('[data-testid="merge-sum-c-accuracy"]');
    assert.deepEqual(log.pageErrors, []);
  });

  it('planar tasks draw decision boundaries; λ changes apply live without a reset', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await planarRun(page);
    await page.selectOption('[data-testid="step-n"]', '100');
    await page.click('[data-testid="step-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '100');
    // λ from the slider: live, the step count stays.
    await page.evaluate(() => {
      const s = document.querySelector('[data-testid="control-lambda-slider"]');
      s.value = '44';
      s.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lambda === 0.02);
    assert.equal(await page.inputValue('[data-testid="control-train.lambda"]'), '0.02');
    assert.equal(await text(page, 'step'), '100', 'no reset');
    // The label comes with the worker's answer: the step it applied the change at.
    await page.waitForFunction(() => /λ → 0\.02 at step 100/.test(document.querySelector('[data-testid="live-changes"]').textContent));
    await page.click('[data-testid="step-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '200');
    for (const t of ['a', 'b']) {
      await page.locator(`[data-testid="chart-boundaries_${t}"]`).scrollIntoViewIfNeeded();
      await page.waitForFunction((tt) => document.querySelector(`[data-testid="chart-boundaries_${tt}"]`).width > 100, t);
    }
    const notes = await page.locator('figure.boundary .chart-note').allTextContents();
    assert.deepEqual(notes.filter((n) => /error|no planar/i.test(n)), []);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });
});
