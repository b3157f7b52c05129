// One benchmark run: load the wasm package `pkg` (a folder next to page/,
// built by wasm-pack --target web) and time `reps` reps of the workload.
self.onmessage = async (e) => {
  const { pkg, workload, steps, reps, tiny, direct } = e.data;
  try {
    if (!/^[a-z0-9-]+$/.test(pkg)) throw new Error(`bad package name ${pkg}`);
    const wasm = await import(`../${pkg}/lowrank_lab.js`);
    await wasm.default();
    const results = [];
    for (let r = 0; r < reps; r++) results.push(JSON.parse(wasm.bench_workload(workload, steps, tiny, !!direct)));
    self.postMessage({ ok: true, results });
  } catch (err) {
    self.postMessage({ ok: false, error: String((err && err.message) || err) });
  }
};
