// The row-ownership probe of issue 21 in headless Chromium (src/bench/row_owned.rs,
// the threaded bench package's `bench_row_owned`): W1's direct step on one
// thread, with its two products split across the pool's two threads, and with
// W's rows owned by two threads and one barrier a step. Alternates the modes
// (each run a fresh worker with an untimed warm-up), prints each mode's median
// steps/s and its ratio to one thread, checks that every run gives the same
// bits, and writes bench/results/row-owned.json. The native figures:
// `cargo run --release --example row_owned_probe`.
//
//   node bench/row-owned.mjs [steps=5000] [rounds=5] [pkg=pkg-mt] [--smoke]
//
// --smoke (make bench-smoke): writes nothing; only checks that every mode runs
// in the threaded build and gives the same bits (a row-owned run whose helper
// did not come is then a warning, not an error: it still gives the same bits).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, median, withBenchPage } from './chromium.mjs';

const smoke = process.argv.includes('--smoke');
const [stepsArg, roundsArg, pkgArg] = process.argv.slice(2).filter((a) => a !== '--smoke');
const steps = Number(stepsArg || 5000);
const rounds = Number(roundsArg || 5);
const pkg = pkgArg || 'pkg-mt';
const MODES = ['one', 'split', 'rows'];

await withBenchPage('index.html', async (page) => {
  const rates = Object.fromEntries(MODES.map((m) => [m, []]));
  const sums = new Set();
  let threads = null;
  for (let r = 0; r < rounds; r++) {
    for (const mode of MODES) {
      const [res] = await page.evaluate((o) => window.runBench(o), { pkg, steps, reps: 1, rowOwned: mode });
      if (mode !== 'one' && !res.two_threads) {
        // A loaded machine can keep the helper away for 1 ms: the same bits, but not a two-thread figure.
        const why = `${mode} ran on one thread (no helper took its half in time)`;
        if (!smoke) throw new Error(`${why}: not a two-thread figure; run again on an idle machine`);
        console.warn(why);
      }
      rates[mode].push(res.steps_per_s);
      sums.add(res.checksum);
      threads = res.threads;
    }
  }
  if (sums.size !== 1) throw new Error(`the modes gave different bits: checksums ${[...sums].join(', ')}`);
  const out = { date: new Date().toISOString(), cpus: os.cpus().length, pkg, threads, steps, rounds, checksum: [...sums][0], steps_per_s: {} };
  const base = median(rates.one);
  for (const mode of MODES) {
    const m = median(rates[mode]);
    out.steps_per_s[mode] = { median: m, per_round: rates[mode], over_one_thread: m / base };
    console.log(`${mode.padEnd(6)} median ${m.toFixed(0).padStart(7)} steps/s (${(m / base).toFixed(2)}× one thread)  [${rates[mode].map((x) => x.toFixed(0)).join(' ')}]`);
  }
  console.log(`${pkg} on ${threads} threads; same bits in every run`);
  if (threads < 2 && !smoke) throw new Error(`${pkg} ran on ${threads} thread: the probe needs two`);
  if (!smoke) {
    fs.mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
    fs.writeFileSync(path.join(BENCH_DIR, 'results', 'row-owned.json'), JSON.stringify(out, null, 2) + '\n');
  }
});
