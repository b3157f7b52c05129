// Rewinding what needs the weights, in the page: a 2-task planar run (the default
// net: width 200, d = 100) of 400 steps is played to the end; from the live end,
// the time slider is moved to steps 100, 200 and 300 in turn, and the time until the
// merged nets and decision boundaries there are shown is printed for each (the worker
// trains the run again from its start, src/live/replay.rs: each a new replay, as
// "Back to live" drops it); then Replay at 5 points/s runs for 3 s from step 300 and
// the points it showed per second are printed (it waits for each step's replay).
// Usage: make dist && node bench/page-rewind.mjs
import { setup, waitReady, text, planarRun, playToEnd } from '../tests/e2e/helpers.mjs';

const env = await setup();
const { page } = await env.newPage({ width: 1400, height: 950 });
await page.goto(env.server.url);
await waitReady(page);
await planarRun(page);
await playToEnd(page, 180_000);
await page.waitForFunction(() => document.querySelector('[data-testid="task-a-step"]').dataset.value === '400');
const every = JSON.parse(await page.textContent('[data-testid="config-json"]')).train.record_every;
const shown = () => /trained again from its start/.test(document.querySelector('[data-testid="rewind-replay"]').textContent);
const ms = [];
for (const step of [100, 200, 300]) {
  await page.click('[data-testid="rewind-live"]').catch(() => {});
  await page.waitForTimeout(300);
  const t0 = Date.now();
  await page.fill('[data-testid="rewind-slider"]', String(step / every));
  await page.waitForFunction(shown, null, { timeout: 60_000 });
  ms.push(Date.now() - t0);
}
await page.selectOption('[data-testid="rewind-speed"]', '5');
const before = await text(page, 'rewind-label');
await page.click('[data-testid="rewind-play"]');
await page.waitForTimeout(3000);
await page.click('[data-testid="rewind-play"]');
const after = await text(page, 'rewind-label');
const stepOf = (label) => Number(/^step (\d+)/.exec(label)[1]);
const points = (stepOf(after) - stepOf(before)) / every;
console.log(`steps 100, 200, 300 shown whole after ${ms.join(', ')} ms (each from the live end); Replay at 5 points/s: ${(points / 3).toFixed(1)} points/s`);
await env.close();
