// Which wasm build a worker runs, chosen at load (the Makefile's WORKER_BUILDS,
// copied to dist/wasm/NAME/ by webpack):
//   st          WebAssembly SIMD, one thread
//   st-relaxed  the same with relaxed-SIMD fused multiply-adds in the products
//   mt          threads: rayon's pool on Web Workers sharing the module's memory
//   mt-relaxed  threads and relaxed SIMD
// Threads need a cross-origin isolated page (SharedArrayBuffer: the server's
// COOP/COEP headers, or the service worker that adds them) and two cores;
// relaxed SIMD needs an engine that has it. Every build computes the same
// numbers up to rounding (the relaxed ones fuse multiply-adds); a build with
// threads gives the same bits as the same build without (src/net/tune.rs).
//
// The page may ask for a build in the worker's name (`build=NAME`, from its
// URL's ?build=NAME), e.g. to test one; a build the browser cannot run is not
// chosen, and the mode line says why.

import { relaxedSimd, threads } from 'wasm-feature-detect';

export const BUILDS = ['st', 'st-relaxed', 'mt', 'mt-relaxed'];

/** The build named in this worker's name, or null. */
export function askedBuild() {
  const m = /(?:^|\s)build=([a-z-]+)/.exec(self.name || '');
  return m && BUILDS.includes(m[1]) ? m[1] : null;
}

/**
 * The build to run: {name, threads, relaxed, why, analyst} (`why`: what keeps
 * it to one thread, null with threads; `analyst`: the single-thread build of
 * the same arithmetic, for the analysis worker).
 */
export async function chooseBuild() {
  const asked = askedBuild();
  const relaxedOk = await relaxedSimd();
  const cores = navigator.hardwareConcurrency || 1;
  let why = null;
  if (self.crossOriginIsolated !== true) why = 'the page is not cross-origin isolated (no COOP/COEP headers)';
  else if (!(await threads())) why = 'this browser has no WebAssembly threads';
  else if (cores < 2) why = 'one CPU core';
  let wantThreads = why === null;
  let relaxed = relaxedOk;
  if (asked) {
    if (asked.startsWith('st') && wantThreads) why = `build=${asked} was asked for`;
    wantThreads = wantThreads && asked.startsWith('mt');
    relaxed = relaxedOk && asked.endsWith('relaxed');
  }
  const suffix = relaxed ? '-relaxed' : '';
  return {
    name: (wantThreads ? 'mt' : 'st') + suffix,
    threads: wantThreads ? Math.min(cores, 16) : 1,
    relaxed,
    why: wantThreads ? null : why,
    analyst: `st${suffix}`,
  };
}

/**
 * Import build `name` and instantiate it (dist/wasm/NAME/, next to the worker
 * scripts). The workers' builds leave the digits data set's coding out (33 KB
 * of their size budget): it is fetched alongside (dist/wasm/digits.lrc, one
 * file for every build) and handed to the module, which checks its pinned
 * SHA-256. If that fails the module still loads; it refuses digits configs
 * with the reason given here.
 */
export async function loadBuild(name) {
  if (!BUILDS.includes(name)) throw new Error(`unknown wasm build ${name}`);
  const url = new URL(`wasm/${name}/lowrank_lab.js`, self.location.href).href;
  const digitsUrl = new URL('wasm/digits.lrc', self.location.href).href;
  const digits = fetch(digitsUrl).then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status}`))));
  digits.catch(() => {}); // reported below, if this build needs the file
  const m = await import(/* webpackIgnore: true */ url);
  await m.default();
  if (typeof m.digits_needed === 'function' && m.digits_needed()) {
    try {
      m.load_digits(new Uint8Array(await digits));
    } catch (e) {
      m.digits_unavailable(`${digitsUrl}: ${e && e.message ? e.message : e}`);
    }
  }
  return m;
}

/** The page's mode line for a running build. */
export function modeText(build) {
  const simd = build.relaxed ? 'wasm SIMD + relaxed SIMD' : 'wasm SIMD';
  return build.threads > 1 ? `${build.threads} threads · ${simd}` : `1 thread: ${build.why || 'single-thread build'} · ${simd}`;
}

/**
 * What a failed call into build `wasm` says: {message, fatal}. `fatal` when it
 * trapped (a Rust panic aborts with `unreachable`; running out of memory traps
 * too): the instance is then unusable, and the message is the Rust panic's
 * where there is one.
 */
export function callFailure(wasm, e) {
  const fatal = typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
  let message = e && e.message ? e.message : String(e);
  if (fatal) {
    try {
      message = wasm.last_panic_message() || message;
    } catch (_) {
      /* keep the trap's own message */
    }
  }
  return { message, fatal };
}
