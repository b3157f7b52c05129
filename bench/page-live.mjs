// Live charts against training speed in the page: for the W2- and W3-shaped
// workloads, open the page with that config (URL hash), press play, and over
// a measured window report the worker's steps/s and how many new snapshots
// (spectra of every layer included) the page showed per second, and the
// frames it drew. Compare the steps/s with `browser` in
// bench/results/latest.json (the same wasm training in a worker with no
// snapshots, records or state exports at all), and the share of the training
// worker's time spent taking snapshots (or exporting states for the analysis
// worker): the worker's own part of the live charts' cost. Then it
// measures that cost directly: alternate windows with the worker's live
// snapshots off and on (a test hook), and report 1 − (steps/s on)/(steps/s off),
// medians over the pairs.
// Usage: make dist bench && node bench/page-live.mjs [seconds] [pairs] [workloads, e.g. W2,W3] [build]
// build: the page's wasm build (?build=st|st-relaxed|mt|mt-relaxed, www/builds.js);
// by default what the page picks (in Chromium, isolated: mt-relaxed, with threads).
import fs from 'node:fs';
import path from 'node:path';
import { setup, waitReady, ROOT } from '../tests/e2e/helpers.mjs';

const seconds = Number(process.argv[2] || 20);
const WARMUP_MS = 4000;
const PAIRS = Number(process.argv[3] || 3);
const ONLY = process.argv[4] ? process.argv[4].split(',') : null;
const BUILD = process.argv[5] || null;
const SETTLE_MS = 1000;
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
const base = { seed: 2026, train: { steps: 10_000_000 } };
const configs = {
  W2: { ...base, data: { d: 50, n: 30 }, net: { widths: [64, 64] }, train: { ...base.train, lr: 0.5, lambda: 5e-3 } },
  W3: { ...base, data: { d: 256, n: 256 }, net: { widths: [1024] }, train: { ...base.train, lr: 0.5, lambda: 1e-3 } },
  // The same with a history record every 1000 steps instead of every 10: what the records cost.
  W3_sparse: { ...base, data: { d: 256, n: 256 }, net: { widths: [1024] }, train: { ...base.train, lr: 0.5, lambda: 1e-3, record_every: 1000 } },
};

function latestBrowser(w) {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench/results/latest.json'), 'utf8'));
    return r.workloads[w].browser;
  } catch {
    return null;
  }
}

const stepOf = (page) => page.evaluate(() => Number(document.querySelector('[data-testid="step"]').textContent.replace(/[^0-9]/g, '')));
const framesOf = (page) => page.evaluate(() => window.lowrankLabPerf.frames);
const shownOf = (page) => page.evaluate(() => window.lowrankLabPerf.snapshots);
const analysedOf = (page) => page.evaluate(() => window.lowrankLabPerf.analystSnapshots);
const snapMsOf = (page) => page.evaluate(() => window.lowrankLabPerf.snapshotWorkerMs);
const drawMsOf = (page) => page.evaluate(() => window.lowrankLabPerf.drawMsTotal);

const lab = await setup();
const out = {};
try {
  for (const [w, cfg] of Object.entries(configs)) {
    if (ONLY && !ONLY.includes(w)) continue;
    const { page, context } = await lab.newPage();
    await context.addInitScript(() => {
      window.__lab_enable_test_hooks = true;
    });
    // The page's main thread: seconds busy running tasks (script, style, layout, paint, commit).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const busyOf = async () => (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'TaskDuration').value;
    const hash = `#v=1&c=${Buffer.from(JSON.stringify(cfg)).toString('base64url')}`;
    await page.goto(`${lab.server.url}${BUILD ? `?build=${BUILD}` : ''}${hash}`);
    await waitReady(page);
    const modeLine = await page.textContent('[data-testid="version"]');
    await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
    await page.click('[data-testid="play"]');
    await page.waitForTimeout(WARMUP_MS);
    const [s0, f0, a0, m0, h0, d0, b0, t0] = [await stepOf(page), await framesOf(page), await analysedOf(page), await snapMsOf(page), await shownOf(page), await drawMsOf(page), await busyOf(), Date.now()];
    await page.waitForTimeout(seconds * 1000);
    const [s1, f1, a1, m1, h1, d1, b1, t1] = [await stepOf(page), await framesOf(page), await analysedOf(page), await snapMsOf(page), await shownOf(page), await drawMsOf(page), await busyOf(), Date.now()];
    const byChart = await page.evaluate(() => Object.assign({}, window.lowrankLabPerf.byChart));
    const analystMs = await page.evaluate(() => window.lowrankLabPerf.analystMs);
    const sec = (t1 - t0) / 1000;
    const stepsPerSec = (s1 - s0) / sec;
    const noCharts = latestBrowser(w.split('_')[0]);
    // The same page with its live snapshots off and on, alternating.
    const rates = { off: [], on: [] };
    const win = Math.max(2, seconds / PAIRS) * 1000;
    for (let i = 0; i < PAIRS; i++) {
      for (const mode of ['off', 'on']) {
        await page.evaluate((on) => window.__lab_test.setLiveSnapshots(on), mode === 'on');
        await page.waitForTimeout(SETTLE_MS);
        const [a, ta] = [await stepOf(page), Date.now()];
        await page.waitForTimeout(win);
        rates[mode].push((await stepOf(page) - a) / ((Date.now() - ta) / 1000));
      }
    }
    const [on, off] = [median(rates.on), median(rates.off)];
    out[w] = {
      steps_per_s: stepsPerSec,
      // New snapshots shown (each marks every chart for redrawing) and frames drawn
      // (a snapshot's charts may take more than one frame's drawing budget).
      snapshots_shown_hz: (h1 - h0) / sec,
      chart_frames_hz: (f1 - f0) / sec,
      analysis_worker_snapshots_hz: (a1 - a0) / sec,
      // The training worker's own time on snapshots (or, for wide nets, on exporting
      // states to the analysis worker): what the live charts cost training.
      snapshot_share_of_training_worker: (m1 - m0) / (sec * 1000),
      analysis_worker_ms_per_snapshot: analystMs,
      // The page's main thread drawing charts (ms per second).
      page_draw_share: (d1 - d0) / (sec * 1000),
      page_main_thread_busy: (b1 - b0) / sec,
      // The last drawing time of each chart (ms).
      draw_ms_by_chart: byChart,
      bench_browser_steps_per_s: noCharts,
      page_over_bench: noCharts ? stepsPerSec / noCharts : null,
      steps_per_s_live_on: rates.on,
      steps_per_s_live_off: rates.off,
      live_charts_slowdown: 1 - on / off,
      seconds: sec,
      mode: modeLine,
      split: await page.evaluate(() => window.__lab_test.splitReport()).catch(() => null),
    };
    console.log(`${w} [${modeLine}]: ${stepsPerSec.toFixed(1)} steps/s with live charts, ${((h1 - h0) / sec).toFixed(1)} new snapshots shown per second (${((f1 - f0) / sec).toFixed(1)} frames/s, drawing ${((100 * (d1 - d0)) / (sec * 1000)).toFixed(1)}% of the page's main thread, which is busy ${((100 * (b1 - b0)) / sec).toFixed(0)}% of the time; last draw in ms ${JSON.stringify(byChart)})` +
      (a1 > a0 ? ` (snapshots from the analysis worker: ${((a1 - a0) / sec).toFixed(1)} Hz, ${analystMs} ms each)` : '') +
      `, the training worker's time on snapshots ${((100 * (m1 - m0)) / (sec * 1000)).toFixed(1)}%` +
      (noCharts ? `; the benchmark worker without snapshots: ${noCharts.toFixed(1)} steps/s (page/bench ${(stepsPerSec / noCharts).toFixed(2)})` : '') +
      `; live snapshots off/on in the same page, ${PAIRS} alternating pairs: ${off.toFixed(1)} / ${on.toFixed(1)} steps/s (medians), the live charts slow training by ${(100 * (1 - on / off)).toFixed(1)}%`);
    await page.click('[data-testid="pause"]').catch(() => {});
  }
} finally {
  await lab.close();
}
console.log(JSON.stringify(out));
