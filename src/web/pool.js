// The threaded wasm build's pool workers (src/web/pool.rs). This file is
// both the module the Rust side imports (startWorkers, in the training
// worker) and the script of every pool worker it starts: each instantiates
// the same module on the same shared memory and runs one rayon thread
// until the page closes.
//
// A pool worker whose thread traps (a Rust panic aborts) cannot wake the
// training worker, which sleeps until that thread's work is done: it posts
// {type: 'pool_crash', message} on the BroadcastChannel it was given, which
// the page listens to (then it treats the training worker as crashed).

function waitFor(target, type) {
  return new Promise((resolve) => {
    target.addEventListener('message', function onMessage({ data }) {
      if (data == null || data.type !== type) return;
      target.removeEventListener('message', onMessage);
      resolve(data);
    });
  });
}

// In a pool worker: wait for the module, the memory and the channel, then run.
// (In the training worker this listener never fires: nobody sends the type.)
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  waitFor(self, 'lowrank_pool_init').then(async (init) => {
    let pkg = null;
    const report = (e) => {
      let message = String((e && e.message) || e);
      try {
        message = (pkg && pkg.last_panic_message()) || message;
      } catch (_) {
        // the trap's own message
      }
      try {
        new BroadcastChannel(init.channel).postMessage({ type: 'pool_crash', message });
      } catch (_) {
        // nobody to tell
      }
      postMessage({ type: 'lowrank_pool_failed', message });
    };
    try {
      pkg = await import(init.mainJS);
      await pkg.default({ module_or_path: init.module, memory: init.memory, thread_stack_size: 4 << 20 });
    } catch (e) {
      report(e);
      return;
    }
    postMessage({ type: 'lowrank_pool_ready' });
    try {
      pkg.pool_thread_run(init.receiver);
    } catch (e) {
      report(e);
    }
  });
}

// Kept so the workers are not collected (a Firefox bug collected workers
// that share memory but have no live Worker object).
let workers = [];

export async function startWorkers(module, memory, builder, channel) {
  // This file is pkg/snippets/<crate>-<hash>/src/web/pool.js; the module's JS is pkg/lowrank_lab.js.
  const mainJS = new URL('../../../../lowrank_lab.js', import.meta.url).href;
  const receiver = builder.receiver();
  const started = Array.from(
    { length: builder.numThreads() },
    () =>
      new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./pool.js', import.meta.url), { type: 'module', name: 'lowrank-lab pool' });
        worker.addEventListener('message', ({ data }) => {
          if (data && data.type === 'lowrank_pool_ready') resolve(worker);
          else if (data && data.type === 'lowrank_pool_failed') reject(new Error(`a pool worker failed: ${data.message}`));
        });
        worker.addEventListener('error', (e) => reject(new Error(`a pool worker failed to load: ${e.message || 'error'}`)));
        worker.postMessage({ type: 'lowrank_pool_init', module, memory, receiver, mainJS, channel });
      }),
  );
  workers = await Promise.all(started);
  builder.build();
}
