"""JAX reference of the standard workloads on CPU, float64 (jax_enable_x64):
the loss written once, its gradient by jax.grad, and two ways to run GD:

- jax_step:  a jitted step called from a Python loop (one dispatch per step);
- jax_fused: all steps fused into one jitted lax.fori_loop.

    python jax_ref.py DIR… [--reps R] [--variants step,fused]

Compile time is excluded from the timings (both functions are lowered and
compiled ahead of time) and reported separately. Prints one JSON line per
variant and DIR; exits 3 (after the other DIRs) without a speed if a final
loss (or, for S, the singular values) disagrees with ours (relative 1e-9).
S: one jitted SVD per matrix (jitting all layers into one program is ~8x
slower on CPU), reported as jax_step. BENCH_JAX_CACHE=DIR reuses compiled
programs across runs (the smoke test).
"""

import argparse
import os
import time

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

import refcommon  # noqa: E402


def make(meta):
    depth = len(meta["trained"])
    trained, _ = refcommon.trained_split(meta, None)
    lr, lam = meta["lr"], meta["lambda"]
    c = 1.0 - lr * lam

    def merge(tp, fixed):
        it_t, it_f = iter(tp), iter(fixed)
        return [next(it_t) if trained[k] else next(it_f) for k in range(depth)]

    def loss(tp, fixed, x, y):
        h = x
        for k, w in enumerate(merge(tp, fixed)):
            h = h @ w.T
            if k + 1 < depth:
                h = jax.nn.relu(h)  # derivative 0 at 0, like the core
        return jnp.mean(jax.nn.softplus(-y * h))

    grad = jax.grad(loss)

    def step(tp, fixed, x, y):
        g = grad(tp, fixed, x, y)
        return [c * w - lr * gw for w, gw in zip(tp, g)]

    def run(tp, fixed, x, y, steps):
        return lax.fori_loop(0, steps, lambda _, p: step(p, fixed, x, y), tp)

    return merge, jax.jit(loss), jax.jit(step), jax.jit(run, static_argnums=4)


def compiled(fn, *args):
    t = time.perf_counter()
    c = fn.lower(*args).compile()
    return c, time.perf_counter() - t


def bench_spectra(meta, ws, reps):
    # One jitted SVD per matrix: jitting the whole list into one XLA program is ~8x slower on CPU.
    ws = [jnp.asarray(w) for w in ws]
    svd = jax.jit(lambda w: jnp.linalg.svd(w, compute_uv=False))
    fns, compile_s = [], 0.0
    for w in ws:
        c, s = compiled(svd, w)
        fns.append(c)
        compile_s += s

    def call():
        return jax.block_until_ready([f(w) for f, w in zip(fns, ws)])

    call()  # first execution
    seconds = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(meta["steps"]):
            spectra = call()
        seconds.append(time.perf_counter() - t)
    err = refcommon.check_spectra(meta, "jax", [np.asarray(s) for s in spectra])
    # One jitted call per matrix and refresh (there is no loop to fuse): reported as jax_step only.
    refcommon.report(meta, "jax_step", seconds, rel_err=err, compile_s=compile_s, jax=jax.__version__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--variants", default="step,fused")
    a = ap.parse_args()
    if os.environ.get("BENCH_JAX_CACHE"):  # the smoke test: reuse compiled programs across runs
        jax.config.update("jax_compilation_cache_dir", os.environ["BENCH_JAX_CACHE"])
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    refcommon.each(a.dirs, lambda d: bench(d, a.reps, a.variants.split(",")))


def bench(folder, reps, variants):
    loaded = refcommon.load(folder)
    meta = loaded[0]
    if meta["workload"] == "S":
        return bench_spectra(meta, loaded[1], reps)
    _, x, y, ws = loaded
    steps = meta["steps"]
    trained, _ = refcommon.trained_split(meta, ws)
    x, y = jnp.asarray(x), jnp.asarray(y)
    tp = [jnp.asarray(w) for w, t in zip(ws, trained) if t]
    fixed = [jnp.asarray(w) for w, t in zip(ws, trained) if not t]
    merge, loss, step, run = make(meta)
    loss_c, _ = compiled(loss, tp, fixed, x, y)
    results = {}
    if "step" in variants:
        step_c, compile_s = compiled(step, tp, fixed, x, y)

        def go():
            p = tp
            for _ in range(steps):
                p = step_c(p, fixed, x, y)
            return jax.block_until_ready(p)

        results["jax_step"] = (go, compile_s)
    if "fused" in variants:
        run_c, compile_s = compiled(run, tp, fixed, x, y, steps)
        results["jax_fused"] = (lambda: jax.block_until_ready(run_c(tp, fixed, x, y)), compile_s)
    for impl, (go, compile_s) in results.items():
        # The first run warms up (first execution); every run must end at our final loss.
        finals = [float(loss_c(go(), fixed, x, y))]
        seconds = []
        for _ in range(reps):
            t = time.perf_counter()
            out = go()
            seconds.append(time.perf_counter() - t)
            finals.append(float(loss_c(out, fixed, x, y)))
        errs = [refcommon.check_loss(meta, impl, f) for f in finals]
        refcommon.report(meta, impl, seconds, final_loss=finals[0], rel_err=max(errs),
                         compile_s=compile_s, jax=jax.__version__)


if __name__ == "__main__":
    main()
