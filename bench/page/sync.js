// Page side of bench/sync-floor.mjs: starts two sync-worker.js workers on one
// shared Int32Array and times `trips` round trips of a token between them.
window.runSync = async function runSync({ mode, trips }) {
  if (!self.crossOriginIsolated) throw new Error('the page is not cross-origin isolated: no SharedArrayBuffer');
  const flags = new Int32Array(new SharedArrayBuffer(16));
  const workers = [0, 1].map(() => new Worker('sync-worker.js'));
  const done = workers.map((w) => new Promise((resolve, reject) => {
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => reject(new Error(e.message));
  }));
  workers.forEach((w, i) => w.postMessage({ flags, role: i, mode, trips }));
  const results = await Promise.all(done);
  workers.forEach((w) => w.terminate());
  return results[0];
};
document.body.dataset.ready = '1';
