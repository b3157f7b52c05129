// TensorFlow.js reference of the standard workloads, the browser peer of our
// wasm build: @tensorflow/tfjs-core with the wasm backend (XNNPACK, SIMD when
// the engine has it) in node, float32 (the only dtype TF.js computes in).
//
//   node bench/tfjs_ref.mjs DIR… [--reps R] [--variant explicit|flags|all]
//
// The GD step is hand-written backprop inside tf.tidy (the previous weights
// disposed each step), in two variants (see `workload`): `explicit` (the
// default, the faster: W_kᵀ stored, explicit tf.transpose) and `flags`
// (matMul's transpose flags, ~8-60x slower on the wasm backend); `all` checks
// and times both and reports the faster as tfjs_wasm. Autodiff (tf.grads) is
// not available with this package pair: tfjs-core's node (CommonJS) bundle
// carries no gradient registrations (they come with the @tensorflow/tfjs union
// package, and tfjs-core's ESM files do not load in node); manual backprop is
// also what one writes for speed. The final loss must match our f64 one to
// 1e-3 relative, else one JSON line with "error" (and, after the other DIRs,
// exit code 3).
// S (spectra): TF.js has no SVD; prints {"unavailable": …}.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';
import { readNpy } from './npy.mjs';

const F32_RTOL = 1e-3;

function args(argv) {
  const out = { dirs: [], reps: 1, variant: 'explicit' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--reps') out.reps = Number(argv[++i]);
    else if (argv[i] === '--variant') out.variant = argv[++i];
    else out.dirs.push(argv[i]);
  }
  if (out.dirs.length === 0 || !['explicit', 'flags', 'all'].includes(out.variant)) {
    throw new Error('usage: node tfjs_ref.mjs DIR… [--reps R] [--variant explicit|flags|all]');
  }
  return out;
}

class Mismatch extends Error {}

function fail(meta, message, extra = {}) {
  console.log(JSON.stringify({ workload: meta.workload, impl: 'tfjs_wasm', error: message, ...extra }));
  console.error(`error: ${meta.workload}: ${message}`);
  throw new Mismatch(message);
}

const tensor = (file) => {
  const { shape, data } = readNpy(file);
  return tf.tensor(Float32Array.from(data), shape, 'float32');
};

/**
 * The workload's GD step, written two ways (both inside tf.tidy):
 * - flags:    W_k stored fan_out × fan_in as exported, products with matMul's
 *             transpose flags (the natural way; slow: transposed products
 *             miss the wasm backend's XNNPACK fast path);
 * - explicit: W_kᵀ stored (fan_in × fan_out), so the forward product needs no
 *             transpose and the two backward ones use tf.transpose explicitly.
 * Each returns {step(ws) → new ws, loss(ws), layout(ws0) → ws in its layout}.
 */
function workload(meta, x, y, variant) {
  const depth = meta.trained.length;
  const trained = meta.trained;
  const lowest = trained.indexOf(true);
  const lr = tf.scalar(meta.lr);
  const c = tf.scalar(1 - meta.lr * meta.lambda);
  const invN = tf.scalar(1 / meta.n);
  const stored = variant === 'explicit';
  const mm = stored
    ? { fwd: (h, w) => tf.matMul(h, w), gw: (g, a) => tf.matMul(tf.transpose(a), g), back: (g, w) => tf.matMul(g, tf.transpose(w)) }
    : { fwd: (h, w) => tf.matMul(h, w, false, true), gw: (g, a) => tf.matMul(g, a, true, false), back: (g, w) => tf.matMul(g, w) };

  const forward = (ws) => {
    let h = x;
    for (let k = 0; k < depth; k++) {
      h = mm.fwd(h, ws[k]);
      if (k + 1 < depth) h = tf.relu(h);
    }
    return h;
  };
  const loss = (ws) => tf.mean(tf.softplus(tf.neg(tf.mul(y, forward(ws)))));

  const step = (ws) =>
    tf.tidy(() => {
      const acts = [x];
      const pre = [];
      let h = x;
      for (let k = 0; k < depth; k++) {
        const z = mm.fwd(h, ws[k]);
        pre.push(z);
        if (k + 1 < depth) {
          h = tf.relu(z);
          acts.push(h);
        } else h = z;
      }
      // dL/df = -y·sigmoid(-y f)/n
      let g = tf.mul(tf.mul(tf.neg(y), tf.sigmoid(tf.neg(tf.mul(y, h)))), invN);
      const out = ws.slice();
      for (let k = depth - 1; k >= 0; k--) {
        if (trained[k]) out[k] = tf.sub(tf.mul(c, ws[k]), tf.mul(lr, mm.gw(g, acts[k])));
        if (k > lowest) g = tf.mul(mm.back(g, ws[k]), tf.step(pre[k - 1]));
      }
      return out;
    });
  const layout = (ws0) => (stored ? ws0.map((w) => tf.transpose(w)) : ws0);
  return { step, loss, layout, trained, dispose: () => [lr, c, invN].forEach((t) => t.dispose()) };
}

function train(step, ws0, steps, trained) {
  let ws = ws0;
  for (let s = 0; s < steps; s++) {
    const next = step(ws);
    if (ws !== ws0) ws.forEach((w, k) => trained[k] && w.dispose());
    ws = next;
  }
  ws.forEach((w) => w.dataSync()); // wait for the last step
  return ws;
}

const median = (v) => {
  const s = v.slice().sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const a = args(process.argv.slice(2));
await tf.setBackend('wasm');
await tf.ready();
const info = {
  tfjs: tf.version_core,
  simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
  threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
};
let code = 0;
for (const dir of a.dirs) {
  try {
    benchDir(dir);
  } catch (e) {
    if (!(e instanceof Mismatch)) throw e;
    code = 3;
  }
}
process.exit(code);

/** Check and time one exported workload; prints its JSON line. */
function benchDir(dir) {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  if (meta.workload === 'S') {
    console.log(JSON.stringify({ workload: 'S', impl: 'tfjs_wasm', unavailable: 'TensorFlow.js has no SVD', ...info }));
    return;
  }
  const x = tensor(path.join(dir, 'X.npy'));
  const y = tensor(path.join(dir, 'y.npy'));
  const ws0 = meta.layers.map((l) => tensor(path.join(dir, l.file)));
  ws0.forEach((w, k) => {
    if (w.shape.join() !== meta.layers[k].shape.join()) fail(meta, `${meta.layers[k].file}: shape ${w.shape}`);
  });
  const tensorsBefore = tf.memory().numTensors;
  const variants = a.variant === 'all' ? ['explicit', 'flags'] : [a.variant];
  const results = {};
  for (const v of variants) {
    const wl = workload(meta, x, y, v);
    const init = wl.layout(ws0);
    const final = train(wl.step, init, meta.steps, wl.trained); // the agreement run (also warms up)
    const lossT = tf.tidy(() => wl.loss(final));
    const finalLoss = lossT.dataSync()[0];
    lossT.dispose();
    final.forEach((w, k) => wl.trained[k] && w.dispose());
    const rel = Math.abs(finalLoss - meta.final_loss) / Math.abs(meta.final_loss);
    if (!(rel <= F32_RTOL)) {
      fail(meta, `tfjs (${v}): final loss ${finalLoss} differs from ours ${meta.final_loss} (relative ${rel.toExponential(3)} > ${F32_RTOL})`, { final_loss: finalLoss, rel_err: rel });
    }
    const seconds = [];
    for (let r = 0; r < a.reps; r++) {
      const t0 = performance.now();
      const ws = train(wl.step, init, meta.steps, wl.trained);
      seconds.push((performance.now() - t0) / 1000);
      ws.forEach((w, k) => wl.trained[k] && w.dispose());
    }
    if (init !== ws0) init.forEach((w) => w.dispose());
    wl.dispose();
    const perS = seconds.map((s) => meta.steps / s);
    results[v] = { seconds, steps_per_s: perS, median: median(perS), final_loss: finalLoss, rel_err: rel };
  }
  const best = variants.reduce((b, v) => (b === null || results[v].median > results[b].median ? v : b), null);
  const r = results[best];
  const leaked = tf.memory().numTensors - tensorsBefore;
  console.log(
    JSON.stringify({
      workload: meta.workload,
      impl: 'tfjs_wasm',
      tiny: meta.tiny,
      unit: 'steps',
      steps: meta.steps,
      reps: r.seconds.length,
      seconds: r.seconds,
      steps_per_s: r.steps_per_s,
      median_steps_per_s: r.median,
      final_loss: r.final_loss,
      rel_err: r.rel_err,
      variant: best,
      variants: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.median])),
      leaked_tensors: leaked,
      ...info,
    }),
  );
  x.dispose();
  y.dispose();
  ws0.forEach((w) => w.dispose());
}
