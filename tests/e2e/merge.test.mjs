// End-to-end tests of the merge methods, their diagnostics and the digits data
// in the page (headless Chromium against dist/, see helpers.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, CLI, setup, waitReady, pageConfig, choosePreset, setControl, playToEnd, inkedPixels } from './helpers.mjs';

const METHODS = ['sum', 'mean', 'task_arithmetic', 'regmean', 'ties', 'dare', 'spectral'];

function cliFinal(config) {
  if (!fs.existsSync(CLI)) execFileSync('cargo', ['build', '--release', '--bin', 'lowrank-lab'], { cwd: ROOT, stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowrank-e2e-'));
  try {
    const cfgFile = path.join(dir, 'config.json');
    fs.writeFileSync(cfgFile, JSON.stringify(config));
    return JSON.parse(execFileSync(CLI, ['run', '--config', cfgFile, '--out', path.join(dir, 'out'), '--json'], { encoding: 'utf8' }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const value = async (page, id) => {
  const v = await page.getAttribute(`[data-testid="${id}"]`, 'data-value');
  return v === '' ? null : Number(v);
};

const close = (a, b, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300);

describe('merge methods in the page', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('merge-methods: the table shows every selected method, each as the CLI computes it, with diagnostics and the path chart', async () => {
    const { page, log } = await env.newPage({ width: 1400, height: 1000 });
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'merge-methods');
    await setControl(page, 'train.steps', '400');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.steps === 400);
    await playToEnd(page, 90_000);
    await page.waitForFunction(() => document.querySelector('[data-testid="merge-spectral-a-accuracy"]')?.dataset.value);
    const config = await pageConfig(page);
    assert.deepEqual(config.merge.methods, METHODS);
    const rows = await page.locator('[data-testid="merge-table"] tbody th').allTextContents();
    assert.deepEqual(rows, ['net a', 'net b', ...METHODS]);
    const fin = cliFinal(config);
    for (const m of METHODS) {
      for (const t of ['a', 'b']) {
        assert.equal(await value(page, `merge-${m}-${t}-accuracy`), fin.merge[m][t].accuracy, `${m} on ${t}`);
        const loss = await value(page, `merge-${m}-${t}-loss`);
        assert.ok(close(loss, fin.merge[m][t].loss), `${m} loss on ${t}: page ${loss} vs CLI ${fin.merge[m][t].loss}`);
      }
      assert.ok((await page.textContent(`[data-testid="method-${m}"]`)).length > 10, `what ${m} did`);
    }
    // What TIES and the spectral merge did, as the CLI reports it.
    const ties = fin.merge_methods.find((d) => d.method === 'ties').ties;
    const tiesText = (await page.textContent('[data-testid="method-ties"]')).replace(/(\d)[\s,](?=\d)/gu, '$1');
    assert.match(tiesText, new RegExp(`top ${ties.kept} of ${ties.entries} entries.* ${ties.conflicts} entries had .* ${ties.untouched} left`));
    // The diagnostics of the pair, equal to the CLI's.
    const pair = fin.merge_diagnostics.pairs[0];
    for (const [id, key] of [['cosine', 'task_cosine'], ['signs', 'sign_conflicts'], ['input-mean', 'input_overlap_mean']]) {
      const got = await value(page, `diag-a-b-1-${id}`);
      assert.ok(close(got, pair[key], 1e-6), `${key}: page ${got} vs CLI ${pair[key]}`);
    }
    const path0 = fin.merge_diagnostics.paths[0];
    assert.ok(close(await value(page, 'path-a-b-task_vector-a1'), path0.loss_a[10]));
    await page.locator('[data-testid="chart-merge_path"]').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-merge_path"]').width > 100);
    await page.waitForTimeout(300);
    assert.ok((await inkedPixels(page, 'chart-merge_path')) > 5000, 'the interference chart is drawn');

    // Deselect TIES: the next run's table has no TIES row; its parameter field hides.
    assert.ok(await page.isVisible('[data-testid="control-merge.ties_k"]'));
    await page.uncheck('[data-testid="control-merge-ties"]');
    await page.waitForFunction(() => !JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).merge.methods.includes('ties'));
    assert.ok(!(await page.isVisible('[data-testid="control-merge.ties_k"]')));
    await playToEnd(page, 90_000);
    await page.waitForFunction(() => !document.querySelector('[data-testid="merge-ties-a-accuracy"]') && document.querySelector('[data-testid="merge-dare-a-accuracy"]')?.dataset.value);
    const after = await page.locator('[data-testid="merge-table"] tbody th').allTextContents();
    assert.deepEqual(after, ['net a', 'net b', ...METHODS.filter((m) => m !== 'ties')]);
    // A bad parameter is refused with Rust's message next to its control.
    await setControl(page, 'merge.dare_p', '1');
    assert.equal(
      await page.textContent('[data-testid="error-merge.dare_p"]'),
      'merge.dare_p must be in [0, 1) (fraction of each task vector dropped), got 1',
    );
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('merge-digits: real digits train in the page as on the command line; disjoint pixels make the sum exact', async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'merge-digits');
    await setControl(page, 'train.steps', '300');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.steps === 300);
    assert.equal(await page.inputValue('[data-testid="control-data.digit_pairs"]'), '0-1, 7-9');
    await playToEnd(page, 90_000);
    await page.waitForFunction(() => window.lowrankLabPerf.snapshotStep === 300);
    await page.waitForFunction(() => document.querySelector('[data-testid="merge-regmean-a-accuracy"]')?.dataset.value);
    const fin = cliFinal(await pageConfig(page));
    for (const m of ['sum', 'regmean']) assert.equal(await value(page, `merge-${m}-a-accuracy`), fin.merge[m].a.accuracy, m);
    assert.ok(close(await value(page, 'overlap-a-b-mean-inner'), fin.overlap.pairs[0].mean_abs_inner));
    // Each task on its own half of the pixels: exactly orthogonal, and once weight decay has
    // removed the initial weights outside each span ((1 − ηλ)^2000 ≈ 3e-18), the sum is exact.
    await page.selectOption('[data-testid="control-data.digit_pixels"]', 'disjoint');
    await setControl(page, 'train.steps', '2000');
    await page.waitForFunction(() => {
      const c = JSON.parse(document.querySelector('[data-testid="config-json"]').textContent);
      return c.data.digit_pixels === 'disjoint' && c.train.steps === 2000;
    });
    // The config change restarts the run; until the new run is there the status may still
    // read "done" from the last one, so wait for its step 0 before playing it to the end.
    await page.waitForFunction(() => document.querySelector('[data-testid="step"]').textContent === '0');
    await playToEnd(page, 90_000);
    // The step counter follows progress messages; the tables follow the final snapshot, which comes after.
    await page.waitForFunction(() => window.lowrankLabPerf.snapshotStep === 2000);
    await page.waitForFunction(() => document.querySelector('[data-testid="overlap-a-b-max-inner"]')?.dataset.value === '0');
    await page.waitForFunction(() => document.querySelector('[data-testid="merge-sum-a-change"]')?.dataset.value);
    const change = await value(page, 'merge-sum-a-change');
    if (!(change <= 1e-12)) {
      const cfg = await pageConfig(page);
      assert.fail(`merge-sum-a-change = ${change} at step ${await page.textContent('[data-testid="step"]')}; the CLI on the page's config: ${cliFinal(cfg).merge.sum.a.max_output_change}; config ${JSON.stringify(cfg)}`);
    }
    // Pairs are typed as "p-q" and checked by Rust.
    await setControl(page, 'data.digit_pairs', '3-3, 7-9');
    assert.equal(
      await page.textContent('[data-testid="error-data.digit_pairs"]'),
      'data.digit_pairs[0] must be two different digits in [0, 9], got [3, 3]',
    );
    await setControl(page, 'data.digit_pairs', '2-5, 4-9');
    await page.waitForFunction(() => JSON.stringify(JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).data.digit_pairs) === '[[2,5],[4,9]]');
    assert.equal(await page.textContent('[data-testid="error-data.digit_pairs"]'), '');
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  it('the workers fetch the digits (wasm/digits.lrc); without the file a digits run is refused with the reason and others still run', async () => {
    const { page, log, context } = await env.newPage();
    await context.route('**/wasm/digits.lrc', (r) => r.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }));
    await page.goto(env.server.url);
    await waitReady(page);
    await page.click('[data-testid="preset-merge-digits"]');
    await page.waitForFunction(() => /digits data set.*not loaded.*digits\.lrc: HTTP 404/.test(document.querySelector('#error').textContent));
    assert.match(await page.textContent('#error'), /^Error \(init\): data\.generator = "digits": /);
    await page.screenshot({ path: '/tmp/w21-digits-missing.png' });
    // The worker did not crash: another preset runs.
    await choosePreset(page, 'merge-orthogonal');
    await setControl(page, 'train.steps', '50');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.steps === 50);
    await playToEnd(page, 90_000);
    assert.match(await page.textContent('[data-testid="status"]'), /^done/);
    assert.deepEqual(log.pageErrors, []);
  });
});
