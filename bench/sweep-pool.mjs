// The page's sweep pool against the CLI (issue 18's speed targets): the same
// grid (rank-vs-lambda's config at λ = 0.01 over 8 seeds: 8 equal points)
// run by `lowrank-lab sweep --jobs 2`, and in the page with a pool of 2
// workers and of 1 (`?sweep_workers=N`). Prints the wall times and the two
// ratios, and writes them into bench/results/sweep-pool.json:
//   page_2 / cli_jobs2   target ≤ 2.5
//   page_1 / page_2      the pool's throughput on 2 cores over one worker's, target ≥ 1.7
// Each measurement is the median of `reps` runs (default 3).
// Usage: make dist target/release/lowrank-lab && node bench/sweep-pool.mjs [reps] [preset] [seeds]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setup, waitReady, ROOT } from '../tests/e2e/helpers.mjs';

const REPS = Number(process.argv[2] || 3);
const PRESET = process.argv[3] || 'rank-vs-lambda';
const SEEDS = Number(process.argv[4] || 8);
const seedValues = Array.from({ length: SEEDS }, (_, i) => String(i)).join(';');
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
const CLI = path.join(ROOT, 'target', 'release', 'lowrank-lab');

function cliOnce(dir) {
  const t0 = process.hrtime.bigint();
  execFileSync(CLI, ['sweep', '--preset', PRESET, '--set', 'train.lambda=0.01', '--grid', `seed=${seedValues}`, '--jobs', '2', '--out', dir], { stdio: 'pipe' });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function pageOnce(lab, workers) {
  const { page, context } = await lab.newPage();
  await context.addInitScript(() => {
    window.__lab_enable_test_hooks = true;
  });
  await page.goto(`${lab.server.url}?sweep_workers=${workers}`);
  await waitReady(page, 60_000);
  await page.click(`[data-testid="preset-${PRESET}"]`);
  await page.waitForFunction((n) => document.querySelector('#explain-title').textContent.startsWith(n), PRESET);
  // λ through the config editor's key setter, as the CLI's --set does.
  await page.evaluate(() => window.__lab_test.setKey('train.lambda', '0.01'));
  await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="config-json"]').textContent).train.lambda === 0.01);
  await page.selectOption('[data-testid="sweep-key-1"]', '');
  await page.fill('[data-testid="sweep-values-1"]', '');
  await page.fill('[data-testid="sweep-seeds"]', seedValues.replaceAll(';', '; '));
  await page.waitForFunction((n) => document.querySelector('[data-testid="sweep-plan"]').textContent.startsWith(`${n} points`), SEEDS);
  const secs = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const t0 = performance.now();
        document.querySelector('[data-testid="sweep"]').click();
        const poll = () => (window.__lab_test.sweepState().running ? setTimeout(poll, 20) : resolve((performance.now() - t0) / 1000));
        setTimeout(poll, 20);
      }),
  );
  const { pointMs } = await page.evaluate(() => window.__lab_test.sweepState());
  console.log(`  page, ${workers} worker(s): ${secs.toFixed(2)} s; points' own times (ms): ${pointMs.map((x) => x.toFixed(0)).join(' ')}`);
  const status = await page.textContent('[data-testid="sweep-status"]');
  if (!status.startsWith(`${SEEDS} points trained`)) throw new Error(`the page's sweep did not finish: ${status}`);
  await context.close();
  return secs;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrl-pool-'));
const lab = await setup();
const t = { cli_jobs2: [], page_2: [], page_1: [] };
try {
  for (let r = 0; r < REPS; r++) {
    t.cli_jobs2.push(cliOnce(path.join(tmp, `cli${r}`)));
    t.page_2.push(await pageOnce(lab, 2));
    t.page_1.push(await pageOnce(lab, 1));
    console.log(`rep ${r + 1}: cli --jobs 2 ${t.cli_jobs2[r].toFixed(2)} s, page 2 workers ${t.page_2[r].toFixed(2)} s, page 1 worker ${t.page_1[r].toFixed(2)} s`);
  }
} finally {
  await lab.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
const out = {
  date: new Date().toISOString(),
  grid: `${PRESET} with train.lambda=0.01, seed=${seedValues}`,
  cores: os.cpus().length,
  seconds: m,
  page_over_cli: m.page_2 / m.cli_jobs2,
  pool_throughput_2_over_1: m.page_1 / m.page_2,
};
console.log(JSON.stringify(out, null, 2));
console.log(`page (2 workers) / CLI --jobs 2: ${out.page_over_cli.toFixed(2)} (target ≤ 2.5); pool 2 workers / 1 worker throughput: ${out.pool_throughput_2_over_1.toFixed(2)} (target ≥ 1.7)`);
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'sweep-pool.json'), `${JSON.stringify(out, null, 2)}\n`);
