// Steps per second of the `alignment` preset as a user sees it in the page
// (training in the worker while charts redraw), next to the native CLI on the
// same config. Usage: make dist && cargo build --release && node bench/page-alignment.mjs [steps]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, waitReady, choosePreset, setControl, ROOT } from '../tests/e2e/helpers.mjs';

const steps = Number(process.argv[2] || 200000);
const lab = await setup();
try {
  const { page } = await lab.newPage();
  await page.goto(lab.server.url);
  await waitReady(page);
  await choosePreset(page, 'alignment');
  await setControl(page, 'train.steps', steps);
  await page.waitForFunction(() => !document.querySelector('[data-testid="play"]').disabled);
  const t0 = Date.now();
  await page.click('[data-testid="play"]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="step"]').textContent.replace(/[^0-9]/g, '')) >= n, steps, { timeout: 600_000, polling: 50 });
  const browserSec = (Date.now() - t0) / 1000;
  const config = await page.textContent('[data-testid="config-json"]');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bench-'));
  fs.writeFileSync(path.join(dir, 'config.json'), config);
  const n0 = process.hrtime.bigint();
  execFileSync(path.join(ROOT, 'target/release/lowrank-lab'), ['run', '--config', path.join(dir, 'config.json'), '--out', path.join(dir, 'out')]);
  const nativeSec = Number(process.hrtime.bigint() - n0) / 1e9;
  const out = {
    preset: 'alignment',
    steps,
    browser_steps_per_s: Math.round(steps / browserSec),
    native_steps_per_s: Math.round(steps / nativeSec),
    browser_over_native: +((nativeSec / browserSec).toFixed(3)),
    note: 'browser: page wall time from play to the last step, charts redrawing; native: whole CLI run including writing the bundle',
  };
  console.log(JSON.stringify(out, null, 2));
} finally {
  await lab.close();
}
