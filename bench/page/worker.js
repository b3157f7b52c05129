// One benchmark run: load the wasm package `pkg` (a folder next to page/,
// built by wasm-pack --target web) and time `reps` reps of the workload. A
// threaded package (pkg-mt: it exports init_thread_pool) first starts its
// pool on every core (the server sends COOP/COEP, so the page is isolated),
// or on `threads` workers when that is given (1: the threaded build unsplit).
self.onmessage = async (e) => {
  const { pkg, workload, steps, reps, tiny, direct, products, peak, threads, rowOwned, warmup } = e.data;
  try {
    if (!/^[a-z0-9-]+$/.test(pkg)) throw new Error(`bad package name ${pkg}`);
    const wasm = await import(`../${pkg}/lowrank_lab.js`);
    await wasm.default();
    if (wasm.init_thread_pool) {
      if (!self.crossOriginIsolated) throw new Error(`${pkg} needs a cross-origin isolated page (COOP/COEP headers)`);
      await wasm.init_thread_pool(threads || navigator.hardwareConcurrency || 2, 'lowrank-lab-bench-pool');
    }
    // V8 compiles wasm with its baseline tier first and optimises hot functions
    // as they run, on background threads: an untimed run of the timed length
    // first (steps = 0: the export's default length), so every timed rep
    // measures the optimised code a long training run spends its time in
    // (first timed reps were 20–40% slower without it). A quarter of the timed
    // length was too short for the threaded build, whose two threads leave the
    // compiler no idle core: W2 direct's first timed rep after it ran 10.0k–14.6k
    // steps/s as a fresh browser's first run (4 browsers) and 17.1k–18.3k after
    // W1's and W2's span runs (5), the reps after it ~18.5k; after a full-length
    // run the first rep is 18.1k–18.5k (5) (2026-12-07, reps of 5000 steps;
    // `warmup` sets the untimed run's steps: bench/warmup-probe.mjs).
    // `peak`: this thread's multiply–add peak (bench_peak; it calibrates and
    // checks itself), after an untimed call so that the timed one runs optimised code.
    if (peak) {
      wasm.bench_peak(0.05, 1);
      self.postMessage({ ok: true, results: [JSON.parse(wasm.bench_peak(peak.seconds, peak.reps))] });
      return;
    }
    // `products`: the direct step's matrix products alone (bench_products);
    // `rowOwned` ('one', 'split' or 'rows'): the row-ownership probe (bench_row_owned).
    const once = (n) =>
      rowOwned
        ? wasm.bench_row_owned(rowOwned, n)
        : products
          ? wasm.bench_products(workload, n, tiny)
          : wasm.bench_workload(workload, n, tiny, !!direct);
    once(warmup ?? steps);
    const results = [];
    for (let r = 0; r < reps; r++) results.push(JSON.parse(once(steps)));
    self.postMessage({ ok: true, results });
  } catch (err) {
    self.postMessage({ ok: false, error: String((err && err.message) || err) });
  }
};
