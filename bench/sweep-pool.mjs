// The page's sweep pool against the CLI (issue 18's speed targets): the same
// grid (rank-vs-lambda's config at λ = 0.01 over 16 seeds: 16 equal points)
// run by `lowrank-lab sweep --jobs 2`, and in the page with a pool of 2
// workers and of 1 (`?sweep_workers=N`). Prints the wall times and the
// ratios, and writes them into bench/results/sweep-pool.json:
//   page_over_cli        page (2 workers) / CLI --jobs 2, wall time        target ≤ 2.5
//   pool_throughput      the pool's throughput on 2 cores over one worker's target ≥ 1.7
//                        (points per second after each worker's first point: the first
//                        also pays V8's optimizing compile of the module, ~0.5 s of CPU on
//                        the second core, once per sweep whatever the pool's size)
//   pool_wall            page (1 worker) / page (2 workers), wall time including start-up
// A rep runs the three back to back; each ratio is the median over reps of the
// rep's own ratio (paired: this machine's speed drifts between reps, by up to
// 1.7× on a noisy neighbour). Default 5 reps.
// Usage: make dist target/release/lowrank-lab && node bench/sweep-pool.mjs [reps] [preset] [seeds]
// (TRACE=1 prints each worker's timeline: when it loaded, and each point's start and end).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setup, waitReady, ROOT } from '../tests/e2e/helpers.mjs';

const REPS = Number(process.argv[2] || 5);
const PRESET = process.argv[3] || 'rank-vs-lambda';
const SEEDS = Number(process.argv[4] || 16);
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
  // The sweep's own clock (Run sweep to its last point, sweep.js); the wait polls slowly, so that
  // polling costs the main thread nothing that competes with the workers.
  await page.click('[data-testid="sweep"]');
  await page.waitForFunction(() => !window.__lab_test.sweepState().running, null, { polling: 250, timeout: 600_000 });
  const { pointMs, trace, wallMs, startedAt } = await page.evaluate(() => window.__lab_test.sweepState());
  const secs = wallMs / 1000;
  console.log(`  page, ${workers} worker(s): ${secs.toFixed(2)} s; points' own times (ms): ${pointMs.map((x) => x.toFixed(0)).join(' ')}`);
  if (process.env.TRACE) {
    // Each worker's timeline, in ms since Run sweep: started, loaded, and each point's [start, end].
    const rel = (v) => Math.round(v - startedAt);
    for (const e of trace) console.log(`    worker ${e.worker}: ${e.span ? `point ${e.index} [${rel(e.span[0])}, ${rel(e.span[1])}]` : `started ${rel(e.spawned)}, loaded ${rel(e.loaded)}`}`);
  }
  const status = await page.textContent('[data-testid="sweep-status"]');
  if (!status.startsWith(`${SEEDS} points trained`)) throw new Error(`the page's sweep did not finish: ${status}`);
  await context.close();
  return { secs, rate: steadyRate(trace) };
}

/** Points per second after each worker's first point: Σ over workers of (points − 1) / (last end − first end). */
function steadyRate(trace) {
  const ends = new Map();
  for (const e of trace) if (e.span) ends.set(e.worker, (ends.get(e.worker) || []).concat([e.span[1]]));
  let rate = 0;
  for (const v of ends.values()) if (v.length > 1) rate += (v.length - 1) / ((Math.max(...v) - Math.min(...v)) / 1000);
  return rate;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lrl-pool-'));
const lab = await setup();
const t = { cli_jobs2: [], page_2: [], page_1: [], rate_2: [], rate_1: [] };
try {
  for (let r = 0; r < REPS; r++) {
    t.cli_jobs2.push(cliOnce(path.join(tmp, `cli${r}`)));
    const p2 = await pageOnce(lab, 2);
    const p1 = await pageOnce(lab, 1);
    t.page_2.push(p2.secs);
    t.page_1.push(p1.secs);
    t.rate_2.push(p2.rate);
    t.rate_1.push(p1.rate);
    console.log(
      `rep ${r + 1}: cli --jobs 2 ${t.cli_jobs2[r].toFixed(2)} s, page 2 workers ${p2.secs.toFixed(2)} s (${p2.rate.toFixed(2)} points/s after the first), ` +
        `page 1 worker ${p1.secs.toFixed(2)} s (${p1.rate.toFixed(2)} points/s)`,
    );
  }
} finally {
  await lab.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
const paired = (f) => median(t.page_2.map((_, r) => f(r)));
const out = {
  date: new Date().toISOString(),
  grid: `${PRESET} with train.lambda=0.01, seed=${seedValues}`,
  cores: os.cpus().length,
  reps: REPS,
  seconds: Object.fromEntries(['cli_jobs2', 'page_2', 'page_1'].map((k) => [k, median(t[k])])),
  page_over_cli: paired((r) => t.page_2[r] / t.cli_jobs2[r]),
  pool_throughput: paired((r) => t.rate_2[r] / t.rate_1[r]),
  pool_wall: paired((r) => t.page_1[r] / t.page_2[r]),
  per_rep: t,
};
console.log(JSON.stringify(out, null, 2));
console.log(
  `page (2 workers) / CLI --jobs 2: ${out.page_over_cli.toFixed(2)} (target ≤ 2.5); ` +
    `pool throughput 2 workers / 1 worker: ${out.pool_throughput.toFixed(2)} (target ≥ 1.7); ` +
    `wall time 1 worker / 2 workers, start-up included: ${out.pool_wall.toFixed(2)}`,
);
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'sweep-pool.json'), `${JSON.stringify(out, null, 2)}\n`);
