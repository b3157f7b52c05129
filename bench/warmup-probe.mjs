// Does the benchmark's untimed warm-up bring the code to V8's optimised tier?
// In each of BROWSERS fresh headless Chromiums: optionally the threaded runs
// `make bench` makes before W2's direct step (W1 span, direct and products, W2
// span; `--after-w1`), then one worker timing `reps` reps of WORKLOAD's direct
// step on PKG after an untimed run of WARMUP steps (bench/page/worker.js's
// `warmup`; its default is the timed length). Prints each browser's reps
// (steps/s): if the first is below the rest, the warm-up was too short.
//
//   node bench/warmup-probe.mjs W2 5000 1250 5 --after-w1   # the quarter warm-up
//   node bench/warmup-probe.mjs W2 5000 5000 5 --after-w1   # a full-length one
//
// 2026-12-07 (W2, reps of 5000, pkg-mt): after 1250 warm-up steps the first
// reps ran 10.0k–14.6k without --after-w1 and 17.1k–18.3k with it, the reps
// after them ~18.5k; after 5000, 15.6k–16.8k without and 18.1k–19.0k with it
// (README, Performance).
import { withBenchPage } from './chromium.mjs';

const args = process.argv.slice(2);
const afterW1 = args.includes('--after-w1');
const pkgArg = args.find((a) => a.startsWith('--pkg='));
const [workload, steps, warmup, browsers, reps = '6'] = args.filter((a) => !a.startsWith('--'));
const pkg = pkgArg ? pkgArg.slice(6) : 'pkg-mt';
if (!workload || !(Number(steps) > 0) || !(Number(warmup) >= 0) || !(Number(browsers) > 0)) {
  console.error('usage: node bench/warmup-probe.mjs W1|W2|W3 STEPS WARMUP BROWSERS [REPS] [--after-w1] [--pkg=pkg-mt]');
  process.exit(2);
}
for (let b = 0; b < Number(browsers); b++) {
  await withBenchPage('index.html', async (page) => {
    const run = (o) => page.evaluate((o) => window.runBench(o), { pkg, steps: 5000, reps: 1, ...o });
    if (afterW1) {
      for (const o of [{ workload: 'W1' }, { workload: 'W1', direct: true }, { workload: 'W1', direct: true, products: true }, { workload }]) await run(o);
    }
    const res = await run({ workload, steps: Number(steps), reps: Number(reps), direct: true, warmup: Number(warmup) });
    console.log(`${pkg} ${workload} direct, browser ${b + 1}, warm-up ${warmup}: ${res.map((r) => r.steps_per_s.toFixed(0)).join(' ')} steps/s`);
  });
}
