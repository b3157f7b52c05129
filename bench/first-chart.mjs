// Time to the first chart on localhost, each load in a freshly started
// Chromium (the cold case a visitor sees): serves a built site and prints the
// `data-first-chart-ms` the page records, and their median.
// Usage: make dist && node bench/first-chart.mjs [loads] [dist-dir …]
// (several dist folders are loaded alternately, e.g. to compare two builds).
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../www/serve.mjs';
import { CHROMIUM, FLAGS, DIST } from '../tests/e2e/helpers.mjs';

const loads = Number(process.argv[2] || 8);
const dirs = process.argv.length > 3 ? process.argv.slice(3).map((d) => path.resolve(d)) : [DIST];
const ms = Object.fromEntries(dirs.map((d) => [d, []]));
for (let i = 0; i < loads; i++) {
  for (const dir of dirs) {
    const server = await serve({ dir, port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.body.dataset.firstChartMs !== undefined, null, { timeout: 30_000 });
      ms[dir].push(Number(await page.evaluate(() => document.body.dataset.firstChartMs)));
    } finally {
      await browser.close();
      await server.close();
    }
  }
}
const median = (v) => {
  const s = v.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const dir of dirs) console.log(`${path.relative(process.cwd(), dir) || dir}: ${ms[dir].join(' ')} ms; median ${median(ms[dir])} ms`);
