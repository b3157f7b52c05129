// The benchmark page: each run gets a fresh module Web Worker (worker.js)
// that loads one wasm package and times `reps` reps of a workload.
// `window.runBench({pkg, workload, steps, reps, tiny, direct, products, peak, threads, warmup})` resolves to the
// list of per-rep results (JSON objects from the Rust export `bench_workload`, or
// `bench_products` with `products`, or `bench_row_owned` with `rowOwned`: 'one',
// 'split' or 'rows'; with `peak: {seconds, reps}` one object from
// `bench_peak`, the worker thread's multiply–add peak; `threads`: the threaded
// package's pool size, default every core; `warmup`: the untimed run's steps,
// default the timed length, for bench/warmup-probe.mjs);
// bench/browser_runner.mjs calls it through playwright.

export function runBench({ threads = 0, pkg = 'pkg', workload = 'W1', steps = 0, reps = 1, tiny = false, direct = false, products = false, peak = null, rowOwned = null, warmup = null } = {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (e) => {
      worker.terminate();
      if (e.data.ok) resolve(e.data.results);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message || 'worker failed to load'));
    };
    worker.postMessage({ pkg, workload, steps, reps, tiny, direct, products, peak, threads, rowOwned, warmup });
  });
}

window.runBench = runBench;

const $ = (id) => document.getElementById(id);
$('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('run').disabled = true;
  const opts = {
    pkg: $('pkg').value,
    workload: $('workload').value,
    steps: Number($('steps').value),
    reps: Number($('reps').value),
    tiny: $('tiny').checked,
    direct: $('direct').checked,
    products: $('products').checked,
  };
  $('out').textContent = `running ${JSON.stringify(opts)} …`;
  try {
    const results = await runBench(opts);
    const rates = results.map((r) => r.steps_per_s);
    const sorted = rates.slice().sort((a, b) => a - b);
    $('out').textContent =
      `median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} ${results[0].unit}/s\n` +
      results.map((r) => JSON.stringify(r)).join('\n');
  } catch (err) {
    $('out').textContent = `error: ${err.message}`;
  } finally {
    $('run').disabled = false;
  }
});
document.body.dataset.ready = '1';
