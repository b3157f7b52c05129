// A/B of wasm builds in headless Chromium: the same workload through each
// package in turn, `rounds` times, then each package's median steps/s.
// Packages are folders next to page/ (wasm-bindgen --target web output),
// e.g. bench/pkg and a bench/pkg-old built from another commit:
//
//   node bench/browser_ab.mjs W1 5000 span 7 pkg pkg-old
//
// A threaded package may name its pool's size: `pkg-mt:1` runs it on one
// thread (its steps never split), `pkg-mt` on every core.
//
// mode: `span` (span steps, as the page runs GD) or `direct`. Each run is a
// fresh worker with an untimed warm-up (bench/page/worker.js). On a shared
// VM single runs vary by ±30%: compare medians of alternating runs, never
// two separate invocations. Each run's split-tuner arms (µs a step for
// unsplit, each threshold and "owned") are printed too.
import { median, withBenchPage } from './chromium.mjs';

const [workload, steps, mode, rounds, ...pkgs] = process.argv.slice(2);
if (!pkgs.length || !['span', 'direct'].includes(mode)) {
  console.error('usage: node bench/browser_ab.mjs W1|W2|W3 STEPS span|direct ROUNDS PKG...');
  process.exit(2);
}
await withBenchPage('index.html', async (page) => {
  const rates = pkgs.map(() => []);
  // The split tuner's arms (seconds a step per arm: unsplit, thresholds, "owned") of each package's runs.
  const arms = pkgs.map(() => []);
  for (let r = 0; r < Number(rounds); r++) {
    for (const [i, spec] of pkgs.entries()) {
      const [pkg, threads = '0'] = spec.split(':');
      const opts = { pkg, threads: Number(threads), workload, steps: Number(steps), reps: 1, direct: mode === 'direct' };
      const [res] = await page.evaluate((o) => window.runBench(o), opts);
      rates[i].push(res.steps_per_s);
      if (res.split && res.split.arms) arms[i].push(res.split.arms);
    }
  }
  pkgs.forEach((p, i) => {
    console.log(`${p} ${workload} ${mode}: median ${median(rates[i]).toFixed(0)} steps/s  [${rates[i].map((x) => x.toFixed(0)).join(' ')}]`);
    for (const a of arms[i]) {
      console.log(`  arms (µs a step): ${a.map(([arm, s]) => `${arm ?? 'unsplit'} ${s === null ? '—' : (s * 1e6).toFixed(0)}`).join(', ')}`);
    }
  });
});
