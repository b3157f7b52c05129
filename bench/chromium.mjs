// What the browser A/B scripts share (browser_ab.mjs, row-owned.mjs,
// sync-floor.mjs): bench/ served with the isolation headers (www/serve.mjs:
// the threaded packages need SharedArrayBuffer), one headless Chromium page
// on page/FILE once it says it is ready, and the median they report.
import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../www/serve.mjs';
import { CHROMIUM, FLAGS } from '../tests/e2e/helpers.mjs';

/** bench/, the folder page/ and the wasm packages are in. */
export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Open bench/page/`file` in headless Chromium, wait for `body[data-ready="1"]`, run `fn(page)`; always close. */
export async function withBenchPage(file, fn) {
  const server = await serve({ dir: BENCH_DIR, port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}page/${file}`);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    return await fn(page);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The middle value of `v` (the upper middle one for an even count). */
export const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
