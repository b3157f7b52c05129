// `make bench`: the standard workloads (W1 shallow, W2 deep, W3 wide, S
// spectra) side by side in every implementation, and a table of medians.
//
//   node bench/run.mjs [--reps 5]      # make bench: full sizes, writes bench/results/latest.json
//   node bench/run.mjs --smoke         # make bench-smoke: tiny sizes, one rep, writes bench/.tmp/smoke/latest.json
//   BENCH_THREADS=1 make bench         # every implementation pinned to 1 thread (OpenBLAS, XLA, rayon);
//                                      # writes bench/results/latest-threads1.json instead
//
// By default every implementation runs with its own default threading (native:
// rayon splits W3's large products over both cores; NumPy/JAX: OpenBLAS and
// XLA's pools; TF.js and the browser: one thread). On a shared machine
// OpenBLAS's threaded LAPACK (NumPy's and JAX's SVD) can collapse when the
// other core is busy; BENCH_THREADS=1 shows the single-thread figures.
//
// Implementations: native (`lowrank-lab bench`), browser / browser_nosimd (our
// wasm build in headless Chromium: bench/browser_runner.mjs with bench/pkg,
// simd128 like every wasm build, and, if built, bench/pkg-nosimd without SIMD;
// a bench/pkg-simd is reported as browser_simd), numpy, jax_step / jax_fused (bench/jax_ref.py) and
// tfjs_wasm (bench/tfjs_ref.mjs). The CLI exports every workload's data and
// initial weights with its final loss; every implementation must reach that
// loss (f64: 1e-9 relative, TF.js float32: 1e-3; S: the singular values)
// before it prints a speed, and one that does not is reported as a mismatch
// (exit code 1). Reps alternate implementations (the order rotates each rep),
// each rep a fresh process timing `steps` steps from the initial weights;
// medians over reps. Expects `make bench-setup`, the release CLI and
// bench/pkg (the Makefile's bench targets build them).

import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const CLI = path.join(ROOT, 'target/release/lowrank-lab');
const PY = path.join(HERE, '.venv/bin/python');

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const repsArg = argv.indexOf('--reps');
const REPS = smoke ? 1 : repsArg >= 0 ? Number(argv[repsArg + 1]) : 5;
const WORKLOADS = ['W1', 'W2', 'W3', 'S'];
const EXTRA = fs.existsSync(path.join(HERE, 'pkg-simd/lowrank_lab_bg.wasm')) ? ['browser_simd'] : [];
const IMPLS = [
  'native', 'native_direct', 'native_1t',
  'browser', 'browser_direct', 'browser_nosimd', ...EXTRA, 'browser_direct_relaxed', 'browser_threads', 'browser_direct_threads',
  'numpy', 'jax_step', 'jax_fused', 'tfjs_wasm',
  'native_products_1t', 'browser_products', 'browser_products_relaxed', 'browser_products_threads',
];
const THREADS = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : null;
const TMP = path.join(HERE, '.tmp', smoke ? 'smoke' : 'full');
const OUT = smoke
  ? path.join(TMP, 'latest.json')
  : path.join(HERE, 'results', THREADS ? `latest-threads${THREADS}.json` : 'latest.json');
const TIMEOUT = (smoke ? 120 : 900) * 1000;
const t0 = Date.now();

const log = (msg) => process.stderr.write(`bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s  ${msg}\n`);

for (const [what, file] of [
  ['the release CLI (cargo build --release)', CLI],
  ['bench/.venv (make bench-setup)', PY],
  ['bench/node_modules (make bench-setup)', path.join(HERE, 'node_modules/@tensorflow/tfjs-backend-wasm')],
  ['the wasm package bench/pkg (make bench-pkg)', path.join(HERE, 'pkg/lowrank_lab_bg.wasm')],
]) {
  if (!fs.existsSync(file)) {
    console.error(`bench: ${what} is missing: ${file}`);
    process.exit(2);
  }
}

/** Run a command; returns the JSON lines it printed, its exit code and stderr. */
function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: TIMEOUT,
    maxBuffer: 64 << 20,
    env: { ...process.env, ...env },
  });
  const lines = (r.stdout || '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const code = r.status === null ? `killed (${r.signal || r.error})` : r.status;
  return { lines, code, stderr: (r.stderr || '').trim() };
}

// ---- machine -------------------------------------------------------------
function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() || os.cpus()[0]?.model || 'unknown CPU';
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) || [];
  const has = (f) => (flags.includes(f) ? 'yes' : 'no');
  const cores = os.cpus().length;
  return {
    text: `${model}, ${cores} cores, avx2 ${has('avx2')}, fma ${has('fma')}, avx512f ${has('avx512f')}`,
    model,
    cores,
    avx2: flags.includes('avx2'),
    fma: flags.includes('fma'),
    avx512f: flags.includes('avx512f'),
    memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavg_at_start: os.loadavg().map((v) => +v.toFixed(2)),
  };
}

const tool = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};

// ---- exports and runners -------------------------------------------------
const dirOf = (w) => path.join(TMP, w);

function exportAll() {
  fs.rmSync(TMP, { recursive: true, force: true });
  const metas = {};
  for (const w of WORKLOADS) {
    const r = run(CLI, ['bench', '--workload', w, '--export', dirOf(w), ...(smoke ? ['--tiny'] : [])]);
    if (r.code !== 0) {
      console.error(`bench: lowrank-lab bench --workload ${w} --export failed (${r.code}): ${r.stderr}`);
      process.exit(1);
    }
    metas[w] = JSON.parse(fs.readFileSync(path.join(dirOf(w), 'meta.json'), 'utf8'));
    log(`exported ${w}: ${metas[w].steps} ${w === 'S' ? 'calls' : 'steps'}${w === 'S' ? '' : `, our final loss ${metas[w].final_loss}`}`);
  }
  return metas;
}

/** The processes of one rep of an implementation family: [cmd, args] for the given workloads. */
const flag = (f) => (f ? [f] : []);
const RUNNERS = {
  // native: the CLI's span steps (layer 1 in the span of the inputs, exact GD up to
  // rounding); native_direct: layer 1's products every step, as the page and every
  // reference compute them (the like-for-like figure); native_1t: the direct step
  // on one thread, what the single-threaded browser is compared with;
  // native_products_1t: the direct step's matrix products alone on one thread
  // (`--products`), the ceiling browser_products is compared with. A third
  // element {env, impl} adds environment variables and renames the output.
  native: (ws) =>
    ws.flatMap((w) => {
      const direct = [CLI, ['bench', '--workload', w, '--reps', '1', '--direct', ...flag(smoke && '--tiny')]];
      const products = [CLI, ['bench', '--workload', w, '--reps', '1', '--products', ...flag(smoke && '--tiny')], { env: { RAYON_NUM_THREADS: '1' }, impl: 'native_products_1t' }];
      return [
        [CLI, ['bench', '--workload', w, '--reps', '1', ...flag(smoke && '--tiny')]],
        ...(w === 'S' ? [] : [direct, [...direct, { env: { RAYON_NUM_THREADS: '1' }, impl: 'native_1t' }], products]),
      ];
    }),
  browser: (ws) => [['node', [path.join(HERE, 'browser_runner.mjs'), ...ws.map(dirOf), '--reps', '1']]],
  numpy: (ws) => [[PY, [path.join(HERE, 'numpy_ref.py'), ...ws.map(dirOf), '--reps', '1']]],
  jax: (ws) => [[PY, [path.join(HERE, 'jax_ref.py'), ...ws.map(dirOf), '--reps', '1']]],
  // The first rep also checks and times TF.js's slower variant (matMul transpose flags).
  tfjs: (ws, first) => [['node', [path.join(HERE, 'tfjs_ref.mjs'), ...ws.map(dirOf), '--reps', '1', '--variant', first ? 'all' : 'explicit']]],
};
const IMPLS_OF = {
  native: ['native', 'native_direct', 'native_1t', 'native_products_1t'],
  browser: ['browser', 'browser_direct', 'browser_nosimd', 'browser_simd', 'browser_products', 'browser_direct_relaxed', 'browser_products_relaxed', 'browser_threads', 'browser_direct_threads', 'browser_products_threads'],
  numpy: ['numpy'],
  jax: ['jax_step', 'jax_fused'],
  tfjs: ['tfjs_wasm'],
};
// In the smoke test JAX reuses compiled programs across runs (compile time is then not meaningful).
const ENV = smoke ? { BENCH_JAX_CACHE: path.join(HERE, '.tmp', 'jax-cache') } : {};
if (THREADS) {
  const n = String(THREADS);
  Object.assign(ENV, {
    OPENBLAS_NUM_THREADS: n,
    OMP_NUM_THREADS: n,
    MKL_NUM_THREADS: n,
    RAYON_NUM_THREADS: n,
    XLA_FLAGS: `--xla_cpu_multi_thread_eigen=${THREADS > 1} intra_op_parallelism_threads=${n}`,
  });
}

// results[w][impl] = {per_s: [...], runs: [json…]}; failures[w][impl] = message
const results = Object.fromEntries(WORKLOADS.map((w) => [w, {}]));
const failures = Object.fromEntries(WORKLOADS.map((w) => [w, {}]));
const unavailable = Object.fromEntries(WORKLOADS.map((w) => [w, {}]));

function runFamily(runner, first) {
  // An implementation that disagreed (or failed) once is not timed again.
  const ws = WORKLOADS.filter((w) => !IMPLS_OF[runner].some((i) => failures[w][i]) && !IMPLS_OF[runner].every((i) => unavailable[w][i]));
  for (const [cmd, args, extra] of RUNNERS[runner](ws, first)) {
    const r = run(cmd, args, { ...ENV, ...extra?.env });
    const seen = new Set();
    for (const line of r.lines) {
      const w = line.workload;
      const impl = extra?.impl || line.impl || runner;
      seen.add(w);
      // The direct step must reach the exported (span-step) final loss like every reference.
      if (!line.error && (impl === 'native_direct' || impl === 'native_1t')) {
        const want = metas[w].final_loss;
        const rel = Math.abs(line.final_loss - want) / Math.abs(want);
        if (!(rel <= 1e-9)) line.error = `final loss ${line.final_loss} vs native's ${want} (relative ${rel})`;
      }
      if (!line.error && impl === 'native_products_1t') {
        const want = metas[w].products_checksum;
        const rel = Math.abs(line.products_checksum - want) / Math.abs(want);
        if (!(rel <= 1e-9)) line.error = `products checksum ${line.products_checksum} vs the export's ${want} (relative ${rel})`;
      }
      if (line.error) {
        failures[w][impl] = line.error;
        log(`${w} ${impl}: MISMATCH/ERROR: ${line.error}`);
      } else if (line.unavailable) {
        unavailable[w][impl] = line.unavailable;
      } else if (line.steps_per_s) {
        const slot = (results[w][impl] ||= { per_s: [], runs: [] });
        slot.per_s.push(...line.steps_per_s);
        slot.runs.push(line);
        log(`${w.padEnd(2)} ${impl.padEnd(12)} ${fmt(median(line.steps_per_s)).padStart(9)} ${line.unit}/s`);
      }
    }
    if (r.code !== 0) {
      const why = `exit ${r.code}: ${r.stderr.split('\n').slice(-3).join(' | ')}`;
      const cmdWorkloads = args.includes('--workload') ? [args[args.indexOf('--workload') + 1]] : ws;
      for (const w of cmdWorkloads.filter((w) => !seen.has(w))) {
        for (const i of IMPLS_OF[runner]) failures[w][i] ||= why;
      }
      log(`${runner}: exit ${r.code}${r.stderr ? `: ${r.stderr.split('\n').slice(-3).join(' | ')}` : ''}`);
    }
  }
}

const median = (v) => {
  if (!v || v.length === 0) return null;
  const s = v.slice().sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function fmt(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(digits);
}

/** f64 GEMM rate of the machine: NumPy (OpenBLAS) C = A·B, 1024² (smoke: 256²), 1 and 2 threads. */
function gemm() {
  const size = smoke ? 256 : 1024;
  const out = { size };
  for (const threads of [1, 2]) {
    const env = { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
    const r = run(PY, [path.join(HERE, 'numpy_ref.py'), '--gemm', '--size', String(size), '--reps', smoke ? '2' : '10'], env);
    const line = r.lines[0];
    out[`threads_${threads}`] = line ? +line.gflops_best.toFixed(2) : null;
    log(`f64 GEMM ${size}² on ${threads} thread(s): ${line ? line.gflops_best.toFixed(1) : 'failed'} GFLOP/s`);
  }
  return out;
}

/**
 * One thread's multiply–add peak (src/bench/peak.rs): natively (the widest
 * vector unit, `lowrank-lab bench --workload P`) and in each wasm build on a
 * worker thread (`browser_runner.mjs --peak`). GFLOP/s, best of reps; a
 * kernel whose sums miss their closed form is a failure, not a figure.
 */
function peaks() {
  const [secs, reps] = smoke ? ['0.01', '1'] : ['0.3', '3'];
  const out = {};
  const take = (r, what) => {
    for (const line of r.lines) {
      if (line.error || line.checked === false) {
        peakFailures.push(`${line.impl || what}: ${line.error || 'sums missed the closed form'}`);
        log(`peak ${line.impl || what}: FAILED: ${line.error || 'sums missed the closed form'}`);
      } else {
        out[line.impl] = { gflops_best: +line.gflops_best.toFixed(3), gflops: line.gflops.map((g) => +g.toFixed(3)), kernel: line.kernel };
        log(`peak ${line.impl.padEnd(22)} ${line.gflops_best.toFixed(1).padStart(7)} GFLOP/s (${line.kernel.name}, ${line.kernel.lanes} lanes, ${line.kernel.chains} chains)`);
      }
    }
    if (r.code !== 0 && r.lines.length === 0) peakFailures.push(`${what}: exit ${r.code}: ${r.stderr.split('\n').slice(-2).join(' | ')}`);
  };
  take(run(CLI, ['bench', '--workload', 'P', '--reps', reps, ...(smoke ? ['--tiny'] : [])]), 'native_peak');
  take(run('node', [path.join(HERE, 'browser_runner.mjs'), '--peak', secs, '--reps', reps]), 'browser_peak');
  return out;
}
const peakFailures = [];

// ---- main ----------------------------------------------------------------
const mach = machine();
log(`${mach.text}; ${smoke ? 'smoke (tiny sizes, 1 rep)' : `${REPS} reps`}`);
const metas = exportAll();
const gemmRates = gemm();
const peak = peaks();

const order = ['native', 'browser', 'numpy', 'jax', 'tfjs'];
for (let rep = 0; rep < REPS; rep++) {
  for (let i = 0; i < order.length; i++) runFamily(order[(i + rep) % order.length], rep === 0);
  log(`rep ${rep + 1}/${REPS} done`);
}

// ---- table ---------------------------------------------------------------
const med = (w, impl) => median(results[w][impl]?.per_s);
const ratio = (a, b) => (a !== null && b !== null && b > 0 ? a / b : null);
const table = {};
for (const w of WORKLOADS) {
  table[w] = Object.fromEntries(IMPLS.map((i) => [i, med(w, i)]));
}
const ratios = {};
const gflops = {};
for (const w of WORKLOADS) {
  const m = table[w];
  ratios[w] = {
    'ours/jax_fused': ratio(m.native, m.jax_fused),
    'ours/jax_step': ratio(m.native, m.jax_step),
    'ours/numpy': ratio(m.native, m.numpy),
    'direct/jax_fused': ratio(m.native_direct, m.jax_fused),
    'direct/numpy': ratio(m.native_direct, m.numpy),
    'browser/native': ratio(m.browser, m.native),
    'browser_direct/native_direct': ratio(m.browser_direct, m.native_direct),
    'browser_direct/native_1t': ratio(m.browser_direct, m.native_1t),
    'browser/tfjs_wasm': ratio(m.browser, m.tfjs_wasm),
    'browser_direct/tfjs_wasm': ratio(m.browser_direct, m.tfjs_wasm),
    'browser_nosimd/native_direct': ratio(m.browser_nosimd, m.native_direct),
    'browser/browser_nosimd': ratio(m.browser, m.browser_nosimd),
    'browser_products/native_products_1t': ratio(m.browser_products, m.native_products_1t),
    // Issue 21: threads never slow a step (natively, and in the browser against
    // the same arithmetic on one thread), and the threaded browser against native 1t.
    'native_direct/native_1t': ratio(m.native_direct, m.native_1t),
    'browser_direct_threads/browser_direct_relaxed': ratio(m.browser_direct_threads, m.browser_direct_relaxed),
    'browser_direct_threads/native_1t': ratio(m.browser_direct_threads, m.native_1t),
    'browser_threads/native': ratio(m.browser_threads, m.native),
    'browser_direct_relaxed/browser_direct': ratio(m.browser_direct_relaxed, m.browser_direct),
    'browser_products_relaxed/browser_products': ratio(m.browser_products_relaxed, m.browser_products),
    'browser_products_threads/native_products_1t': ratio(m.browser_products_threads, m.native_products_1t),
  };
  const flops = metas[w].flops_per_step;
  gflops[w] = Object.fromEntries(IMPLS.map((i) => [i, m[i] === null ? null : +((m[i] * flops) / 1e9).toFixed(3)]));
}

// What the peaks bound (derived here): a step of F flops (its GEMMs, as
// counted in gflops) on T threads of peak P each takes at least F/(T·P)
// seconds whatever its kernels, so browser_direct_threads/native_1t ≤
// T·P_wasm / (native_1t's GFLOP/s), and browser_direct/native_1t ≤ P_wasm / the same.
// The efficiencies say how far each build's products are from their own peak.
const pk = (impl) => peak[impl]?.gflops_best ?? null;
const wasmPeak = Math.max(pk('browser_peak') ?? 0, pk('browser_peak_relaxed') ?? 0) || null;
const wasmPeakThreads = pk('browser_peak_threads') ?? pk('browser_peak_relaxed');
const browserThreads = results.W1.browser_direct_threads?.runs[0]?.threads ?? null;
const ceilings = {
  'peak browser/native (one thread)': ratio(wasmPeak, pk('native_peak')),
  'peak relaxed/simd (browser)': ratio(pk('browser_peak_relaxed'), pk('browser_peak')),
  browser_threads: browserThreads,
};
/** The faster one-thread browser direct step of workload `w` (plain or relaxed SIMD), steps/s; null if neither ran. */
const oneThread = (w) => {
  const v = [table[w].browser_direct, table[w].browser_direct_relaxed].filter((x) => x !== null && x !== undefined);
  return v.length ? Math.max(...v) : null;
};
for (const w of ['W1', 'W2', 'W3']) {
  const g = gflops[w];
  ceilings[w] = {
    'bound browser_direct/native_1t': ratio(pk('browser_peak'), g.native_1t),
    'bound browser_direct_threads/native_1t': browserThreads && wasmPeakThreads ? ratio(browserThreads * wasmPeakThreads, g.native_1t) : null,
    // Not a hardware ceiling: what T threads give at perfect scaling of the
    // faster one-thread browser step measured in this run (plain or relaxed SIMD).
    'scaling bound browser_direct_threads/native_1t': browserThreads && oneThread(w) !== null ? ratio(browserThreads * oneThread(w), table[w].native_1t) : null,
    'native_1t / native peak': ratio(g.native_1t, pk('native_peak')),
    'native_products_1t / native peak': ratio(g.native_products_1t, pk('native_peak')),
    'browser_products / browser peak': ratio(g.browser_products, pk('browser_peak')),
    'browser_products_relaxed / relaxed peak': ratio(g.browser_products_relaxed, pk('browser_peak_relaxed')),
  };
}

const cell = (w, impl) => {
  if (failures[w][impl]) return 'FAILED';
  if (unavailable[w][impl]) return 'n/a';
  return fmt(table[w][impl]);
};
const pad = (s, n) => String(s).padStart(n);
const lines = [];
const RATIO_COLS = [
  ['ours/JAX-fused', 'ours/jax_fused'],
  ['direct/JAX-fused', 'direct/jax_fused'],
  ['ours/NumPy', 'ours/numpy'],
  ['direct/NumPy', 'direct/numpy'],
  ['browser/native', 'browser/native'],
  ['b_direct/n_1t', 'browser_direct/native_1t'],
  ['browser/TF.js', 'browser/tfjs_wasm'],
  ['b_direct/TF.js', 'browser_direct/tfjs_wasm'],
  ['b_prod/n_prod_1t', 'browser_products/native_products_1t'],
  ['n_direct/n_1t', 'native_direct/native_1t'],
  ['b_thr/b_1t', 'browser_direct_threads/browser_direct_relaxed'],
  ['b_thr/n_1t', 'browser_direct_threads/native_1t'],
  ['relaxed/simd', 'browser_direct_relaxed/browser_direct'],
  ['b_prod_thr/n_prod_1t', 'browser_products_threads/native_products_1t'],
];
const hdr = ['workload', 'unit', ...IMPLS, ...RATIO_COLS.map(([h]) => h)];
const widths = hdr.map((h) => Math.max(h.length, 9));
lines.push(hdr.map((h, i) => pad(h, widths[i])).join('  '));
for (const w of WORKLOADS) {
  const r = ratios[w];
  const row = [
    w,
    w === 'S' ? 'calls/s' : 'steps/s',
    ...IMPLS.map((i) => cell(w, i)),
    ...RATIO_COLS.map(([, k]) => fmt(r[k])),
  ];
  lines.push(row.map((c, i) => pad(c, widths[i])).join('  '));
}
lines.push('');
lines.push(`GFLOP/s (GEMMs of the direct step counted, 2·m·n·k each, for every implementation: native's span steps do fewer; S: ≈ Golub–Kahan bidiagonalisation 4mk² − 4k³/3 per matrix)`);
lines.push(['workload', 'MFLOP/step', ...IMPLS].map((h, i) => pad(h, i < 2 ? 10 : widths[i + 1])).join('  '));
for (const w of WORKLOADS) {
  const row = [w, (metas[w].flops_per_step / 1e6).toPrecision(4), ...IMPLS.map((i) => fmt(gflops[w][i]))];
  lines.push(row.map((c, i) => pad(c, i < 2 ? 10 : widths[i + 1])).join('  '));
}
const g1 = gemmRates.threads_1;
const g2 = gemmRates.threads_2;
lines.push(`machine f64 GEMM (NumPy/OpenBLAS ${gemmRates.size}², best of reps): ${fmt(g1)} GFLOP/s on 1 thread, ${fmt(g2)} on 2 threads`);
for (const w of ['W1', 'W2', 'W3']) {
  const n = gflops[w].native_direct;
  if (n !== null && g1) lines.push(`  ${w} native_direct: ${fmt(n)} GFLOP/s = ${((100 * n) / g1).toFixed(0)}% of the 1-thread GEMM rate, ${((100 * n) / g2).toFixed(0)}% of the 2-thread rate`);
}
lines.push(`one thread's multiply–add peak (src/bench/peak.rs; GFLOP/s, best of reps): ${Object.entries(peak).map(([i, p]) => `${i} ${fmt(p.gflops_best)} (${p.kernel.name})`).join(', ') || 'not measured'}`);
lines.push(`  peak browser/native ${fmt(ceilings['peak browser/native (one thread)'])}; relaxed/simd ${fmt(ceilings['peak relaxed/simd (browser)'])}`);
for (const w of ['W1', 'W2', 'W3']) {
  const c = ceilings[w];
  lines.push(
    `  ${w}: b_direct/n_1t ≤ ${fmt(c['bound browser_direct/native_1t'])}, b_thr/n_1t ≤ ${fmt(c['bound browser_direct_threads/native_1t'])} (${browserThreads ?? '?'} threads; ${fmt(c['scaling bound browser_direct_threads/native_1t'])} at perfect scaling of this run's one-thread step); ` +
      `native 1t at ${fmt(c['native_1t / native peak'])} of its peak (products ${fmt(c['native_products_1t / native peak'])}), browser products at ${fmt(c['browser_products / browser peak'])} of theirs (relaxed ${fmt(c['browser_products_relaxed / relaxed peak'])})`,
  );
}
const failed = [...WORKLOADS.flatMap((w) => Object.entries(failures[w]).map(([i, m]) => `${w} ${i}: ${m}`)), ...peakFailures.map((f) => `peak ${f}`)];
const nosimdMissing = !fs.existsSync(path.join(HERE, 'pkg-nosimd/lowrank_lab_bg.wasm'));
const notes = [
  `${smoke ? 'smoke: tiny sizes, 1 rep (the figures mean nothing)' : `medians of ${REPS} reps`}; every rep a fresh process from the same initial weights, implementations alternating`,
  `steps per rep: ${WORKLOADS.map((w) => `${w} ${metas[w].steps}`).join(', ')}`,
  THREADS
    ? `threads: every implementation pinned to ${THREADS} (OPENBLAS/OMP/RAYON_NUM_THREADS, XLA intra-op); TF.js wasm and the browser single-threaded anyway`
    : 'threads: each implementation with its defaults on this machine: native on rayon\'s pool, where the split tuner (src/net/tune.rs) times each way of running a step (unsplit, split products, owned steps) on the steps themselves and keeps the fastest (details.split, split_report; S one thread); native_1t the direct step with RAYON_NUM_THREADS=1; NumPy OpenBLAS and JAX XLA pools (2); TF.js wasm, browser, browser_direct, browser_nosimd and browser_direct_relaxed one thread; browser_threads and browser_direct_threads the threaded build (bench/pkg-mt) on a pool of every core, tuned the same way',
  'native and browser: span steps, as the CLI and the page run GD (layer 1 as s·B + P·X, one width×n×n product per step instead of two width×d×n ones; exact GD up to rounding, the same final loss to 1e-9); native_direct, browser_direct, browser_nosimd and every reference: the direct step. ours/… and browser/… use span steps; direct/…, b_direct/… compare like for like',
  'S: one call = singular values of every layer of the W2 and the W3 net; TF.js has no SVD; JAX one jitted SVD per matrix (jax_fused n/a)',
  'native_products_1t, browser_products: the matrix products of one direct step alone (src/bench/products.rs, the same shapes and layouts, one thread), the ceiling of native_1t and browser_direct: b_prod/n_prod_1t bounds b_direct/n_1t while the products dominate the step',
  'agreement before any speed: final loss vs ours, f64 1e-9 relative (numpy, jax, browser), float32 1e-3 (tfjs); S: singular values to 1e-9·s1 (browser: sum of each layer\'s s1); products: Σ C² to 1e-9 relative',
];
notes.push('browser: bench/pkg, the page\'s single-thread build (simd128, .cargo/config.toml); browser_nosimd: the same built with -C target-feature=-simd128');
notes.push('browser_direct_relaxed, browser_products_relaxed: bench/pkg-relaxed, one thread with relaxed-SIMD fused multiply-adds in the products (the page\'s st-relaxed build); browser_threads, browser_direct_threads, browser_products_threads: bench/pkg-mt, threads (a pool of navigator.hardwareConcurrency Web Workers) and relaxed SIMD, the build the page runs in Chromium when cross-origin isolated; its steps split work by what they measure (src/net/tune.rs), like native');
notes.push('n_direct/n_1t: the direct step on all threads over one thread (native, same run); b_thr/b_1t: the same in the browser (threaded build over the relaxed single-thread build); b_thr/n_1t: the threaded browser\'s direct step over native one-thread');
notes.push('peak_gflops: one thread\'s multiply–add peak (src/bench/peak.rs: independent register-resident multiply–add chains in the widest vector unit, checked against their closed form): native_peak AVX-512 or AVX2+FMA as the CPU has, browser_peak simd128 (a multiply then an add), browser_peak_relaxed f64x2.relaxed_madd, browser_peak_threads the threaded build\'s kernel on its worker. ceilings: a step of F GEMM flops on T threads of peak P takes ≥ F/(T·P) s, so b_thr/n_1t ≤ T·P_wasm / native_1t\'s GFLOP/s (and b_direct/n_1t ≤ P_wasm / the same), whatever the kernels; the efficiencies are each build\'s products GFLOP/s over its own peak. The scaling bound is not a hardware ceiling: T × the faster one-thread browser direct step (plain or relaxed) / native_1t, what threads alone could give these kernels');
if (nosimdMissing) notes.push('browser_nosimd: bench/pkg-nosimd is not built (make bench-pkg-nosimd; missing or failed)');
lines.push('');
for (const n of notes) lines.push(`note: ${n}`);
if (failed.length) {
  lines.push('');
  for (const f of failed) lines.push(`FAILED ${f}`);
}
console.log(lines.join('\n'));

// ---- latest.json -----------------------------------------------------------
const versions = {
  lowrank_lab: tool(CLI, ['--version']),
  rustc: tool('rustc', ['--version']),
  node: process.version,
  chromium: results.W1.browser?.runs[0]?.browser || null,
  numpy: results.W1.numpy?.runs[0]?.numpy || null,
  jax: results.W1.jax_step?.runs[0]?.jax || null,
  tfjs: results.W1.tfjs_wasm?.runs[0]?.tfjs || null,
};
const details = {};
for (const w of WORKLOADS) {
  details[w] = {
    steps: metas[w].steps,
    unit: w === 'S' ? 'calls' : 'steps',
    flops_per_step: metas[w].flops_per_step,
    our_final_loss: metas[w].final_loss ?? null,
    per_rep: Object.fromEntries(Object.entries(results[w]).map(([i, r]) => [i, r.per_s])),
    rel_err: Object.fromEntries(Object.entries(results[w]).map(([i, r]) => [i, Math.max(...r.runs.map((x) => x.rel_err ?? 0))])),
    extra: Object.fromEntries(
      Object.entries(results[w]).map(([i, r]) => [
        i,
        Object.fromEntries(
          Object.entries(r.runs[0]).filter(([k]) => ['compile_s', 'variant', 'variants', 'simd', 'threads', 'ms_per_call'].includes(k)),
        ),
      ]),
    ),
    // What the split tuner chose in each rep (threshold in multiply-adds; null: one thread).
    split: Object.fromEntries(
      Object.entries(results[w]).flatMap(([i, r]) => {
        const chosen = r.runs.flatMap((x) => (x.split ? (Array.isArray(x.split) ? x.split : [x.split.tuner ? x.split.tuner.chosen ?? null : null]) : []));
        return chosen.length ? [[i, chosen]] : [];
      }),
    ),
    split_report: Object.fromEntries(
      Object.entries(results[w]).flatMap(([i, r]) => {
        const last = r.runs[r.runs.length - 1];
        const rep = last.split_report || (last.split && last.split.tuner);
        return rep ? [[i, rep]] : [];
      }),
    ),
    failures: failures[w],
    unavailable: unavailable[w],
  };
}
const doc = {
  machine: mach.text,
  date: new Date().toISOString(),
  smoke,
  reps: REPS,
  threads: THREADS || 'defaults',
  workloads: Object.fromEntries(WORKLOADS.map((w) => [w, table[w]])),
  ratios,
  gflops,
  gemm_gflops: gemmRates,
  peak_gflops: peak,
  ceilings,
  machine_details: mach,
  versions,
  details,
  notes,
  seconds: Math.round((Date.now() - t0) / 1000),
  loadavg_at_end: os.loadavg().map((v) => +v.toFixed(2)),
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify(doc, null, 2) + '\n');
log(`wrote ${path.relative(ROOT, OUT)} (${doc.seconds} s in all)`);
process.exit(failed.length ? 1 : 0);
