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
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../www/serve.mjs';
import { CHROMIUM, FLAGS } from '../tests/e2e/helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const trips = Number(process.argv[2] || 20000);
const rounds = Number(process.argv[3] || 5);
const MODES = ['spin', 'wait'];

const server = await serve({ dir: HERE, port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}page/sync.html`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  const us = Object.fromEntries(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of MODES) {
      const res = await page.evaluate((o) => window.runSync(o), { mode, trips });
      us[mode].push(res.round_trip_us);
    }
  }
  const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
  const out = { date: new Date().toISOString(), cpus: os.cpus().length, trips, rounds, round_trip_us: {} };
  for (const mode of MODES) {
    out.round_trip_us[mode] = { median: median(us[mode]), per_round: us[mode] };
    console.log(`${mode}: median ${median(us[mode]).toFixed(2)} µs per round trip  [${us[mode].map((x) => x.toFixed(2)).join(' ')}]`);
  }
  fs.mkdirSync(path.join(HERE, 'results'), { recursive: true });
  fs.writeFileSync(path.join(HERE, 'results', 'sync-floor.json'), JSON.stringify(out, null, 2) + '\n');
} finally {
  await browser.close();
  await server.close();
}
