// "Nothing breaks, nothing is lost": divergence continues from the kept state,
// a crashed worker is replaced and the run restored, a reload restores the
// run, and Export run / Import run round-trip bit for bit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, waitReady, choosePreset, setControl, pageConfig, text, stepOf, stepBy, taskNumbers as numbers, hookedPage as hooked, inkedPixels } from './helpers.mjs';

const value = async (page, id) => Number(await page.getAttribute(`[data-testid="${id}"]`, 'data-value'));

/** Wait until the page keeps (and has saved) the run's state at `step`. */
async function waitSaved(page, step) {
  await page.waitForFunction((s) => document.body.dataset.savedStep === String(s), step, { timeout: 30_000 });
}

/** A new page with the test-only hooks (window.__lab_test), on the merge-orthogonal preset. */
const hookedPage = (env) => hooked(env, 'merge-orthogonal');

describe('nothing breaks, nothing is lost', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('after a divergence, the suggested η continues from the kept step (no restart)', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'norms');
    // Train a little at the preset's η, then make η huge: the run diverges after the
    // last checkpoint, which is not at step 0.
    await stepBy(page, 100, 100);
    await setControl(page, 'train.lr', '1000');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lr === 1000);
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => /^diverged at step \d+$/.test(document.querySelector('[data-testid="status"]').textContent));
    const divStep = Number((await text(page, 'status')).match(/\d+/)[0]);
    assert.ok(divStep > 100, `diverged at ${divStep}`);
    await page.waitForSelector('[data-testid="divergence"]:visible');
    const msg = await text(page, 'divergence');
    assert.match(msg, new RegExp(`diverged at step ${divStep}`));
    assert.match(msg, /the (loss|gradient|weights) of task a became non-finite/);
    const kept = Number(msg.match(/kept the last finite state, at step (\d+)/)[1]);
    assert.ok(kept >= 96 && kept < divStep, `kept step ${kept}`);
    assert.equal(await stepOf(page), kept, 'the counter shows the kept step');
    const sug = msg.match(/e\.g\. η = (\S+) \(min\(0\.9·2\/\(h \+ λ\), η\/2\)/);
    assert.ok(sug, msg);
    const eta = Number(sug[1]);
    assert.ok(eta > 0 && eta <= 500, `suggested η ${eta}`);
    // The suggestion is also next to the η control.
    assert.equal(await text(page, 'hint-train.lr'), `diverged at step ${divStep}: try η = ${sug[1]}`);
    assert.equal(await value(page, 'hint-train.lr'), eta);
    // Record every value the step counter takes from now on.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="step"]');
      window.__steps = [];
      new MutationObserver(() => window.__steps.push(Number(el.textContent))).observe(el, { childList: true, characterData: true, subtree: true });
    });
    const button = page.locator('[data-testid="use-smaller-lr"]');
    assert.equal(await button.textContent(), `Continue from step ${kept} with η = ${sug[1]}`);
    await button.click();
    await page.waitForFunction((k) => Number(document.querySelector('[data-testid="step"]').textContent) >= k + 500, kept, { timeout: 60_000 });
    await page.click('[data-testid="pause"]');
    await page.waitForFunction(() => /^(paused|done)$/.test(document.querySelector('[data-testid="status"]').textContent));
    const steps = await page.evaluate(() => window.__steps);
    assert.ok(steps.length > 0);
    assert.ok(Math.min(...steps) >= kept, `the counter went back to ${Math.min(...steps)} (kept ${kept})`);
    assert.equal((await pageConfig(page)).train.lr, eta);
    assert.equal(await page.inputValue('[data-testid="control-train.lr"]'), String(eta));
    assert.equal(await text(page, 'hint-train.lr'), '');
    assert.equal(await page.isVisible('[data-testid="divergence"]'), false);
    await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('[data-testid="live-changes"]').textContent), `η → ${sug[1]} at step ${kept}`);
    const step = await stepOf(page);
    await page.waitForFunction((s) => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === String(s), step);
    const loss = await value(page, 'task-a-loss');
    assert.ok(Number.isFinite(loss), `loss ${loss}`);
    console.log(`# divergence: diverged at step ${divStep}, kept step ${kept}, suggested η ${eta}; continued to step ${step}, loss ${loss}`);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('a Rust panic in the worker is reported with its message; a new worker restores the run', async () => {
    const { page, log } = await hookedPage(env);
    await stepBy(page, 100, 200);
    await stepBy(page, 10, 210);
    await page.waitForFunction(() => window.__lab_test.keptStep() === 210);
    const before = await numbers(page);
    const config = await pageConfig(page);
    const frames = await page.evaluate(() => window.lowrankLabPerf.frames);
    await page.evaluate(() => window.__lab_test.crashWorker('deliberate panic 42 for the crash test'));
    await page.waitForSelector('[data-testid="error"]:visible');
    const err = await text(page, 'error');
    assert.match(err, /worker crashed/);
    assert.match(err, /deliberate panic 42 for the crash test \(at src\/web\/mod\.rs:\d+:\d+\)/);
    assert.match(err, /restored the run at step 210/);
    assert.doesNotMatch(err, /unreachable/);
    // The restored run: same step, same numbers, same config, charts drawn again.
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'paused');
    assert.equal(await stepOf(page), 210);
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === '210');
    assert.deepEqual(await numbers(page), before);
    assert.deepEqual(await pageConfig(page), config);
    // Only charts on screen are drawn: the claims list and the error banner push them down.
    await page.locator('[data-testid="chart-loss"]').scrollIntoViewIfNeeded();
    await page.waitForFunction((f) => window.lowrankLabPerf.frames > f, frames);
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-loss"]').width > 300);
    // (The frame counted above may have drawn another chart first: give the loss chart its frame.)
    let inked = 0;
    for (let i = 0; i < 50 && (inked = await inkedPixels(page, 'chart-loss')) <= 1000; i++) await page.waitForTimeout(100);
    assert.ok(inked > 1000, `the loss chart is drawn (${inked} pixels)`);
    // The new worker trains on.
    await stepBy(page, 100, 310);
    // Without the hook flag the page has no test hook.
    const plain = await env.newPage();
    await plain.page.goto(env.server.url);
    await waitReady(plain.page);
    assert.equal(await plain.page.evaluate(() => typeof window.__lab_test), 'undefined');
    assert.deepEqual(log.pageErrors, []);
    // The only console output is the panic itself (console_error_panic_hook, in the worker).
    assert.deepEqual(
      log.consoleErrors.filter((m) => !/deliberate panic 42/.test(m)),
      [],
    );
  });

  it('running out of wasm memory in the worker is reported as such; a new worker restores the run', async () => {
    const { page, log } = await hookedPage(env);
    await stepBy(page, 100, 100);
    await page.waitForFunction(() => window.__lab_test.keptStep() === 100);
    const before = await numbers(page);
    // The allocator's failure traps (`unreachable`) without a Rust panic message.
    await page.evaluate(() => window.__lab_test.exhaustWorkerMemory());
    await page.waitForSelector('[data-testid="error"]:visible', { timeout: 60_000 });
    const err = await text(page, 'error');
    assert.match(err, /worker crashed/);
    assert.match(err, /most likely out of memory/);
    assert.match(err, /restored the run at step 100/);
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'paused');
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === '100');
    assert.deepEqual(await numbers(page), before);
    // The new worker starts with a small memory again and trains on.
    assert.ok((await page.evaluate(() => window.__lab_test.workerWasmBytes())) < 1 << 30, 'the new worker has a fresh memory');
    await stepBy(page, 100, 200);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
    console.log(`# out of memory: ${err}`);
  });

  it('a reload restores the paused run and the finished run', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'data-span');
    await setControl(page, 'train.lambda', '0.003');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lambda === 0.003);
    await stepBy(page, 100, 300);
    await waitSaved(page, 300);
    const paused = await numbers(page);
    const config = await pageConfig(page);
    await page.reload();
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === '300');
    assert.equal(await text(page, 'status'), 'paused');
    assert.equal(await stepOf(page), 300);
    assert.deepEqual(await numbers(page), paused);
    assert.deepEqual(await pageConfig(page), config);
    assert.match(await text(page, 'explain-title'), /data-span \(modified\)/);
    // Play to the end, reload: the finished run is back, with the same final loss text.
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'done', null, { timeout: 60_000 });
    const total = config.train.steps;
    await page.waitForFunction((t) => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === String(t), total);
    await waitSaved(page, total);
    const lossText = await text(page, 'task-a-loss');
    const done = await numbers(page);
    // Without the hash too: the config saved at the last visit is used.
    await page.goto(env.server.url.replace(/#.*$/, ''));
    await waitReady(page);
    await page.waitForFunction((t) => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === String(t), total);
    assert.equal(await text(page, 'status'), 'done');
    assert.equal(await stepOf(page), total);
    assert.equal(await text(page, 'task-a-loss'), lossText);
    assert.deepEqual(await numbers(page), done);
    assert.deepEqual(await pageConfig(page), config);
    // Reset forgets the saved run: a reload then starts at step 0.
    await page.click('[data-testid="reset"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '0');
    await page.waitForFunction(() => document.body.dataset.savedStep === '');
    await page.reload();
    await waitReady(page);
    assert.equal(await stepOf(page), 0);
    assert.equal(await text(page, 'status'), 'ready');
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('a reload after a live λ change keeps the run\'s preset in the title and the link', async () => {
    // The run's config (λ as last set) then matches no preset, and the restored
    // run used to fall back to "Default configuration", losing p= from the link.
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'data-span');
    await stepBy(page, 100, 200);
    await setControl(page, 'train.lambda', '0.02');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lambda === 0.02);
    await waitSaved(page, 200);
    assert.match(await text(page, 'explain-title'), /^data-span \(modified\)$/);
    await page.reload();
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === '200');
    assert.match(await text(page, 'explain-title'), /^data-span \(modified\)$/);
    assert.equal((await pageConfig(page)).train.lambda, 0.02);
    assert.match(page.url(), /&p=data-span/);
    assert.deepEqual(log.pageErrors, []);
  });

  it('Export run, then Import run, gives the same export bit for bit and the same continuation', async () => {
    const a = await env.newPage();
    await a.page.goto(env.server.url);
    await waitReady(a.page);
    await choosePreset(a.page, 'merge-orthogonal');
    await stepBy(a.page, 100, 300);
    const grab = async (page) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-run"]')]);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lowrank-e2e-')), dl.suggestedFilename());
      await dl.saveAs(file);
      return { name: dl.suggestedFilename(), path: file };
    };
    const exported = await grab(a.page);
    assert.equal(exported.name, 'merge-orthogonal_step300_run-state.json');
    const textA = fs.readFileSync(exported.path, 'utf8');
    const state = JSON.parse(textA);
    assert.equal(state.tasks.length, 2);
    assert.equal(state.tasks[0].step, 300);
    // Continue without export/import…
    await stepBy(a.page, 100, 500);
    const straight = await numbers(a.page);
    const straightB = await a.page.getAttribute('[data-testid="merge-sum-b-accuracy"]', 'data-value');

    // …and from the imported file in a fresh page (another preset loaded first).
    const b = await env.newPage();
    await b.page.goto(env.server.url);
    await waitReady(b.page);
    await choosePreset(b.page, 'alignment');
    await b.page.setInputFiles('[data-testid="import-file"]', exported.path);
    await b.page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]')?.dataset.value === '300');
    assert.match(await text(b.page, 'import-status'), /imported “merge-orthogonal_step300_run-state\.json” at step 300/);
    assert.deepEqual(await pageConfig(b.page), await pageConfig(a.page));
    assert.match(await text(b.page, 'explain-title'), /^merge-orthogonal$/);
    assert.equal(await text(b.page, 'status'), 'paused');
    const again = await grab(b.page);
    assert.equal(fs.readFileSync(again.path, 'utf8'), textA, 'export → import → export is the same text');
    await stepBy(b.page, 100, 500);
    assert.deepEqual(await numbers(b.page), straight);
    assert.equal(await b.page.getAttribute('[data-testid="merge-sum-b-accuracy"]', 'data-value'), straightB);
    // A bad file: Rust's message, as text; the current run stays.
    const bad = `${exported.path}.bad.json`;
    fs.writeFileSync(bad, JSON.stringify({ config: { train: { lr: -1 } }, tasks: [] }));
    await b.page.setInputFiles('[data-testid="import-file"]', bad);
    await b.page.waitForSelector('[data-testid="error"]:visible');
    assert.match(await text(b.page, 'error'), /import run.*train\.lr must be in \(0, 1000\], got -1/);
    assert.equal(await stepOf(b.page), 500);
    // Markup in a file is shown as text, never parsed as HTML.
    fs.writeFileSync(bad, JSON.stringify({ '<img src=x onerror="window.__pwned=1">': 1 }));
    await b.page.click('[data-testid="error"] button.close');
    await b.page.setInputFiles('[data-testid="import-file"]', bad);
    await b.page.waitForSelector('[data-testid="error"]:visible');
    assert.match(await text(b.page, 'error'), /<img src=x/);
    assert.equal(await b.page.locator('[data-testid="error"] img').count(), 0);
    assert.equal(await b.page.evaluate(() => window.__pwned), undefined);
    for (const f of [exported.path, again.path]) fs.rmSync(path.dirname(f), { recursive: true, force: true });
    for (const { log } of [a, b]) {
      assert.deepEqual(log.pageErrors, []);
      assert.deepEqual(log.consoleErrors, []);
      const origin = new URL(env.server.url).origin;
      assert.deepEqual(
        log.requests.filter((u) => new URL(u).origin !== origin),
        [],
        'no request leaves the origin',
      );
    }
  });
});
