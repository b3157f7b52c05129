// The floor under any hand-off between two Web Workers in Chromium: a token
// passed back and forth through a SharedArrayBuffer, by spinning on it and
// with Atomics.wait/notify (how a sleeping wasm thread is woken: rayon's
// idle workers on wasm sleep in memory.atomic.wait32). A step split across
// two browser threads pays at least one such round trip per synchronisation.
//
//   node bench/sync-floor.mjs [trips=20000] [rounds=5]
//
// Prints each mode's round-trip time (µs; medians over rounds, alternating
// modes) and writes bench/results/sync-floor.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, median, withBenchPage } from './chromium.mjs';

const trips = Number(process.argv[2] || 20000);
const rounds = Number(process.argv[3] || 5);
const MODES = ['spin', 'wait'];

await withBenchPage('sync.html', async (page) => {
  const us = Object.fromEntries(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of MODES) {
      const res = await page.evaluate((o) => window.runSync(o), { mode, trips });
      us[mode].push(res.round_trip_us);
    }
  }
  const out = { date: new Date().toISOString(), cpus: os.cpus().length, trips, rounds, round_trip_us: {} };
  for (const mode of MODES) {
    out.round_trip_us[mode] = { median: median(us[mode]), per_round: us[mode] };
    console.log(`${mode}: median ${median(us[mode]).toFixed(2)} µs per round trip  [${us[mode].map((x) => x.toFixed(2)).join(' ')}]`);
  }
  fs.mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
  fs.writeFileSync(path.join(BENCH_DIR, 'results', 'sync-floor.json'), JSON.stringify(out, null, 2) + '\n');
});
