// Compare (issue 19, item 1): a run B beside A, from the same seed and initial
// weights, differing in the keys chosen. On data-span, A at λ = 0.02 against
// B at λ = 0: W₁'s part outside span(X) shrinks in A and stays flat in B, both
// in the same chart (its legend names both runs) and in the Now table; the
// link carries B, and a reload brings both back at the same step; bad keys are
// refused with Rust's reason. On merge-overlap, A at ρ = 0.3 against B at
// ρ = 0.5: every merge table has B's rows under A's, each equal to the CLI's
// run of that run's config.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, setup, waitReady, text, choosePreset, playToEnd, setControl } from './helpers.mjs';

const num = async (page, id) => Number(await page.getAttribute(`[data-testid="${id}"]`, 'data-value'));
/** The page's value of `id` equals the CLI's `want` to 1e-9 relative (wasm and native products round differently). */
const near = async (page, id, want) => {
  const got = await num(page, id);
  assert.ok(Math.abs(got - want) <= 1e-9 * Math.abs(want), `${id}: page ${got}, CLI ${want}`);
};

describe('compare two runs', () => {
  let env;
  before(async () => {
    env = await setup();
  });
  after(async () => {
    if (env) await env.close();
  });

  it('λ = 0.02 against λ = 0: outside-span shrinks for A and stays flat for B, in one chart; the link and a reload keep B', async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 900 });
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'data-span');
    await setControl(page, 'train.lambda', '0.02');
    await page.click('[data-testid="compare-quick-lambda0"]');
    await page.waitForFunction(() => document.body.dataset.compare === 'on');
    assert.equal(await text(page, 'compare-status'), 'Comparing A: λ = 0.02 with B: λ = 0.');
    assert.match(await page.evaluate(() => location.hash), /&b=/);

    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="b-task-a-step"]')?.dataset.value === '4000');
    assert.equal(await num(page, 'task-a-step'), 4000);
    // A: (1 − ηλ)^4000 = 0.99^4000 ≈ 3e-18 of where it started, below rounding (flagged, not a number);
    // B: λ = 0 leaves it where it was (0.28).
    const a = await text(page, 'task-a-outside-span');
    const b = await num(page, 'b-task-a-outside-span');
    assert.equal(a, '< 1e-14: gone to rounding level');
    assert.ok(b > 0.2 && b < 0.4, `B's outside-span ${b}`);
    assert.match(await text(page, 'compare-legend'), /^A: λ = 0\.02 · B: λ = 0/);

    // One chart holds both: its text alternative and its SVG name A and B.
    const card = 'figure[data-chart="outside_span"]';
    await page.locator(card).scrollIntoViewIfNeeded();
    await page.waitForFunction((c) => /A: λ = 0\.02.*B: λ = 0/.test(document.querySelector(`${c} canvas`).getAttribute('aria-label')), card);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${card} [data-dl="svg"]`)]);
    const svg = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(svg.includes('A: λ = 0.02') && svg.includes('B: λ = 0'), 'the SVG legend names both runs');
    // B's line is dashed: plotters draws one short polyline per dash (tests/compare_charts.rs checks the styles).
    assert.ok(svg.match(/<polyline/g).length > 40, 'dashes of B');

    // The link and the saved state: a reload shows both runs at step 4000 again.
    await page.reload();
    await waitReady(page);
    await page.waitForFunction(() => document.body.dataset.compare === 'on', null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="b-task-a-step"]')?.dataset.value === '4000', null, { timeout: 30_000 });
    assert.equal(await num(page, 'b-task-a-outside-span'), b);
    assert.equal(await text(page, 'task-a-outside-span'), a);
    const link = await page.evaluate(() => location.href);

    // The shared link in a fresh browser (nothing saved): both runs from step 0.
    const other = await env.newPage();
    await other.page.goto(link);
    await waitReady(other.page);
    await other.page.waitForFunction(() => document.body.dataset.compare === 'on', null, { timeout: 30_000 });
    assert.equal(await text(other.page, 'compare-status'), 'Comparing A: λ = 0.02 with B: λ = 0.');
    await other.page.waitForFunction(() => document.querySelector('[data-testid="b-task-a-step"]')?.dataset.value === '0');
    assert.deepEqual(other.log.pageErrors, []);

    // Stop comparing: A stays where it is, B's rows and the link's b= go.
    await page.click('[data-testid="compare-stop"]');
    await page.waitForFunction(() => document.body.dataset.compare === 'off');
    await page.waitForFunction(() => !document.querySelector('[data-testid="b-task-a-step"]'));
    assert.equal(await num(page, 'task-a-step'), 4000);
    assert.doesNotMatch(await page.evaluate(() => location.hash), /&b=/);
    assert.deepEqual(log.pageErrors, []);
  });

  it('ρ = 0.3 against ρ = 0.5 on merge-overlap: the merge tables list B under A, each equal to the CLI', async () => {
    const { page, log } = await env.newPage({ width: 1280, height: 900 });
    await page.goto(env.server.url);
    await waitReady(page);
    await choosePreset(page, 'merge-overlap');
    await page.click('[data-testid="compare-quick-rho"]');
    await page.waitForFunction(() => document.body.dataset.compare === 'on');
    assert.equal(await playToEnd(page, 120_000), 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="b-task-a-step"]')?.dataset.value === '2000');
    // What the CLI gives for each run's own config (B: A's with ρ = 0.5, same seed).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lowrank-compare-'));
    const cli = (sets) =>
      JSON.parse(
        execFileSync(CLI, ['run', '--preset', 'merge-overlap', ...sets.flatMap((x) => ['--set', x]), '--out', path.join(dir, 'out'), '--json'], { encoding: 'utf8' }),
      );
    const runs = [
      ['', cli([])],
      ['b-', cli(['data.rho=0.5'])],
    ];
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [pre, fin] of runs) {
      for (const t of ['a', 'b']) {
        await near(page, `${pre}merge-sum-${t}-change`, fin.merge.sum[t].max_output_change);
        assert.equal(await num(page, `${pre}merge-sum-${t}-accuracy`), fin.merge.sum[t].accuracy, `${pre}sum accuracy on ${t}`);
        await near(page, `${pre}bound-${t}-bound`, fin.merge_bound.find((x) => x.task === t).max_bound);
      }
      await near(page, `${pre}overlap-a-b-max-inner`, fin.overlap.pairs[0].max_abs_inner);
    }
    // The overlap grows with ρ, and so does the sum's output change on task a.
    assert.ok((await num(page, 'b-overlap-a-b-max-inner')) > (await num(page, 'overlap-a-b-max-inner')));
    assert.ok((await num(page, 'b-merge-sum-a-change')) > (await num(page, 'merge-sum-a-change')));
    // Row headers say which run each row is.
    const heads = await page.$$eval('#merge-table tbody th', (els) => els.map((e) => e.textContent));
    assert.ok(heads.includes('A · sum') && heads.includes('B · sum'), heads.join(' | '));
    // Stopping the comparison leaves A's rows alone.
    await page.click('[data-testid="compare-stop"]');
    await page.waitForFunction(() => !document.querySelector('[data-testid="b-merge-sum-a-change"]'));
    await near(page, 'merge-sum-a-change', runs[0][1].merge.sum.a.max_output_change);
    assert.deepEqual(log.pageErrors, []);
  });

  it("keys B cannot differ in are refused with Rust's reason; A keeps running alone", async () => {
    const { page, log } = await env.newPage();
    await page.goto(env.server.url);
    await waitReady(page);
    const refuse = async (value, pattern) => {
      await page.fill('[data-testid="compare-sets"]', value);
      await page.click('[data-testid="compare-start"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="compare-error"]').textContent !== '');
      assert.match(await text(page, 'compare-error'), pattern);
      await page.evaluate(() => (document.querySelector('[data-testid="compare-error"]').textContent = ''));
    };
    await refuse('seed=3', /keeps A's seed/);
    await refuse('', /changes nothing/);
    await refuse('train.lambda=-1', /^compare: run B: .*lambda/);
    await refuse('net.nope=1', /nope/);
    assert.equal(await page.evaluate(() => document.body.dataset.compare), 'off');
    assert.equal(await page.isDisabled('[data-testid="play"]'), false);
    assert.deepEqual(log.pageErrors, []);
  });
});
