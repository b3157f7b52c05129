// The wasm build's figures in headless Chromium: serves bench/ (page/ and the
// wasm packages), opens bench/page/ and times a workload in a Web Worker
// through window.runBench. Prints one JSON line per package that is built:
// impl "browser" (bench/pkg: the page's single-thread build, simd128 since
// .cargo/config.toml turns it on, with span steps as the page runs them),
// "browser_direct" (the same package, direct steps: the like-for-like figure
// against the references), "browser_nosimd" (bench/pkg-nosimd: the same
// without WebAssembly SIMD, direct steps), "browser_simd" (bench/pkg-simd,
// if someone builds one) and "browser_products" (bench/pkg, the direct step's
// matrix products alone: the ceiling of browser_direct; their checksum must
// equal the native export's products_checksum to 1e-9 relative). With
// bench/pkg-relaxed (relaxed SIMD, one thread): browser_direct_relaxed and
// browser_products_relaxed; with bench/pkg-mt (threads and relaxed SIMD, the
// page's build in an isolated Chromium): browser_threads,
// browser_direct_threads and browser_products_threads.
//
//   node bench/browser_runner.mjs DIR… [--reps R] [--pkgs pkg,pkg-nosimd]
//   node bench/browser_runner.mjs --peak SECONDS [--reps R] [--pkgs …]
//   node bench/browser_runner.mjs --serve [PORT]   # serve bench/ to open page/ by hand
//
// Each DIR is an export of `lowrank-lab bench --export DIR` (its meta.json gives
// the workload, the steps, tiny or not, and our native final loss). Before
// any speed is printed the wasm result must equal the native one: the final
// loss to 1e-9 relative (S: the sum of every layer's largest singular value);
// otherwise one JSON line with "error" (and, after the other DIRs, exit code 3).
// `--peak SECONDS`: instead of workloads, each package's multiply–add peak on
// one worker thread (src/bench/peak.rs; reps of about SECONDS), one JSON line
// per package: impl browser_peak (pkg: simd128, a multiply then an add),
// browser_nosimd_peak, browser_peak_relaxed (relaxed_madd), browser_peak_threads
// (the threaded build's kernel, on the worker thread); a rep whose sums miss
// the closed form prints an "error" line instead.
// Chromium: $CHROMIUM or /usr/bin/chromium, flags as in tests/e2e/helpers.mjs.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../www/serve.mjs';
import { CHROMIUM, FLAGS } from '../tests/e2e/helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RTOL = 1e-9;
const IMPL = { pkg: 'browser', 'pkg-nosimd': 'browser_nosimd', 'pkg-simd': 'browser_simd' };
// The page's other builds with the benchmark's exports: relaxed SIMD on one
// thread, and threads with relaxed SIMD (what the page runs in Chromium when
// it is cross-origin isolated; the server here sends COOP/COEP).
const SUFFIX = { 'pkg-relaxed': '_relaxed', 'pkg-mt': '_threads' };

function args(argv) {
  const out = { dirs: [], reps: 1, pkgs: null, peak: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--reps') out.reps = Number(argv[++i]);
    else if (argv[i] === '--peak') out.peak = Number(argv[++i]);
    else if (argv[i] === '--pkgs') out.pkgs = argv[++i].split(',').filter(Boolean);
    else out.dirs.push(argv[i]);
  }
  if (out.peak !== null && !(out.peak > 0 && out.peak <= 10)) throw new Error(`--peak takes seconds per rep in (0, 10], got ${out.peak}`);
  if (out.dirs.length === 0 && out.peak === null) throw new Error('usage: node bench/browser_runner.mjs DIR… [--reps R] [--pkgs pkg,pkg-nosimd]');
  return out;
}

const median = (v) => {
  const s = v.slice().sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (process.argv[2] === '--serve') {
  const s = await serve({ dir: HERE, port: Number(process.argv[3] || 8081), log: true });
  console.log(`benchmark page: ${s.url}page/  (Ctrl-C to stop)`);
  await new Promise(() => {});
}

const a = args(process.argv.slice(2));
const pkgs = (a.pkgs || [...Object.keys(IMPL), ...Object.keys(SUFFIX)]).filter((p) => fs.existsSync(path.join(HERE, p, 'lowrank_lab_bg.wasm')));
if (pkgs.length === 0) {
  console.error('browser_runner: no wasm package in bench/pkg (run `make bench-pkg`)');
  process.exit(2);
}

const server = await serve({ dir: HERE, port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
let code = 0;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}page/index.html`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30_000 });
  if (a.peak !== null) {
    for (const pkg of pkgs) {
      const impl = pkg === 'pkg-nosimd' ? 'browser_nosimd_peak' : `browser_peak${SUFFIX[pkg] || ''}`;
      try {
        const [r] = await page.evaluate((o) => window.runBench(o), { pkg, peak: { seconds: a.peak, reps: a.reps } });
        if (!r.checked) {
          console.log(JSON.stringify({ workload: 'P', impl, error: `${pkg}: the peak kernel's sums missed their closed form` }));
          code = 3;
          continue;
        }
        console.log(JSON.stringify({ ...r, impl, browser: `chromium ${browser.version()}` }));
      } catch (e) {
        console.log(JSON.stringify({ workload: 'P', impl, error: String(e.message || e), page_errors: errors }));
        code = 3;
      }
    }
  }
  for (const dir of a.dirs) {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    // What the native core computed, to compare with.
    const want =
      meta.workload === 'S'
        ? meta.layers.reduce((s, l) => s + (l.singular_values[0] || 0), 0)
        : meta.final_loss;
    const products = (pkg, impl) => (meta.products_checksum ? [{ pkg, direct: true, products: true, impl }] : []);
    const variants = pkgs.flatMap((pkg) => {
      const sfx = SUFFIX[pkg];
      if (meta.workload === 'S') return pkg in SUFFIX ? [] : [{ pkg, direct: pkg !== 'pkg', impl: IMPL[pkg] || pkg }];
      if (pkg === 'pkg' || pkg === 'pkg-mt') {
        const s = sfx || '';
        return [
          { pkg, direct: false, impl: `browser${s}` },
          { pkg, direct: true, impl: `browser_direct${s}` },
          ...products(pkg, `browser_products${s}`),
        ];
      }
      if (pkg === 'pkg-relaxed') return [{ pkg, direct: true, impl: 'browser_direct_relaxed' }, ...products(pkg, 'browser_products_relaxed')];
      return [{ pkg, direct: true, impl: IMPL[pkg] || pkg }];
    });
    for (const { pkg, direct, products = false, impl } of variants) {
      const opts = { pkg, workload: meta.workload, steps: meta.steps, reps: a.reps, tiny: !!meta.tiny, direct, products };
      let timed;
      try {
        timed = await page.evaluate((o) => window.runBench(o), opts);
      } catch (e) {
        console.log(JSON.stringify({ workload: meta.workload, impl, error: String(e.message || e), page_errors: errors }));
        code = 3;
        continue;
      }
      // Every rep must end where the native core does before any speed is printed.
      const key = meta.workload === 'S' ? 'sum_of_top_singular_values' : products ? 'products_checksum' : 'final_loss';
      const expect = products ? meta.products_checksum : want;
      const got = timed.map((r) => r[key]);
      const rel = Math.max(...got.map((g) => Math.abs(g - expect) / Math.abs(expect)));
      if (!(rel <= RTOL)) {
        console.log(JSON.stringify({ workload: meta.workload, impl, error: `wasm ${key} ${got[0]} differs from native ${expect} (relative ${rel.toExponential(3)} > ${RTOL})`, [key]: got[0], rel_err: rel }));
        code = 3;
        continue;
      }
      const perS = timed.map((r) => r.steps_per_s);
      console.log(
        JSON.stringify({
          workload: meta.workload,
          impl,
          tiny: !!meta.tiny,
          unit: timed[0].unit,
          steps: meta.steps,
          reps: timed.length,
          seconds: timed.map((r) => r.seconds),
          steps_per_s: perS,
          median_steps_per_s: median(perS),
          ...(meta.workload === 'S' ? { ms_per_call: timed[timed.length - 1].ms_per_call } : { [key]: got[0] }),
          rel_err: rel,
          browser: `chromium ${browser.version()}`,
          ...(timed[0].threads ? { threads: timed[0].threads } : {}),
          ...(timed[0].handoff_us != null ? { handoff_us: timed.map((r) => r.handoff_us) } : {}),
          ...(timed[0].split ? { split: timed.map((r) => r.split.chosen ?? null), split_report: timed[timed.length - 1].split } : {}),
        }),
      );
    }
  }
} finally {
  await browser.close().catch(() => {});
  await server.close();
}
process.exit(code);
