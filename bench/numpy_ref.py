"""NumPy reference of the standard workloads, written the way a researcher
would: vectorised full-batch GD with hand-written backprop, float64.

    python numpy_ref.py DIR… [--reps R]    # DIRs from `lowrank-lab bench --export DIR`
    python numpy_ref.py --gemm [--size 1024] [--reps 5]   # the machine's f64 GEMM rate

Threads: whatever the BLAS uses by default (OPENBLAS_NUM_THREADS limits it).
Prints one JSON line per DIR; exits 3 (after the other DIRs) without a speed
if a final loss (or, for S, the singular values) disagrees with ours
(relative 1e-9). Reps are timed from the same initial weights; every rep's
final loss is checked.
"""

import argparse
import json
import time

import numpy as np

import refcommon


def train(x, y, ws, trained, lowest, lr, lam, steps):
    """`steps` GD steps W <- (1 - lr*lam) W - lr dL/dW on trained layers; returns the new weights."""
    n = x.shape[0]
    depth = len(ws)
    c = 1.0 - lr * lam
    ws = [w.copy() for w in ws]
    for _ in range(steps):
        acts, pre = [x], []
        h = x
        for k, w in enumerate(ws):
            z = h @ w.T
            pre.append(z)
            if k + 1 < depth:
                h = np.maximum(z, 0.0)
                acts.append(h)
        g = (-y / (1.0 + np.exp(y * z))) * (1.0 / n)  # dL/df of the mean logistic loss
        grads = [None] * depth
        for k in range(depth - 1, -1, -1):
            if trained[k]:
                grads[k] = g.T @ acts[k]
            if k > lowest:
                g = (g @ ws[k]) * (pre[k - 1] > 0.0)
        for k in range(depth):
            if trained[k]:
                ws[k] = c * ws[k] - lr * grads[k]
    return ws


def loss(x, y, ws):
    h = x
    for k, w in enumerate(ws):
        h = h @ w.T
        if k + 1 < len(ws):
            h = np.maximum(h, 0.0)
    return float(np.mean(np.logaddexp(0.0, -y * h)))


def gemm(size, reps):
    a = np.random.default_rng(0).standard_normal((size, size))
    b = np.random.default_rng(1).standard_normal((size, size))
    a @ b  # warm up
    seconds = []
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        seconds.append(time.perf_counter() - t)
    best = min(seconds)
    print(json.dumps({
        "impl": "numpy_gemm", "size": size, "seconds": seconds,
        "gflops_best": 2 * size**3 / best / 1e9,
        "gflops_median": 2 * size**3 / float(np.median(seconds)) / 1e9,
        "numpy": np.__version__,
    }), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--gemm", action="store_true")
    ap.add_argument("--size", type=int, default=1024)
    a = ap.parse_args()
    if a.gemm:
        return gemm(a.size, max(a.reps, 1))
    if not a.dirs:
        ap.error("DIR is required")
    refcommon.each(a.dirs, lambda d: bench(d, a.reps))


def bench(folder, reps):
    loaded = refcommon.load(folder)
    meta = loaded[0]
    seconds = []
    if meta["workload"] == "S":
        ws = loaded[1]
        for _ in range(reps):
            t = time.perf_counter()
            for _ in range(meta["steps"]):
                spectra = [np.linalg.svd(w, compute_uv=False) for w in ws]
            seconds.append(time.perf_counter() - t)
        err = refcommon.check_spectra(meta, "numpy", spectra)
        return refcommon.report(meta, "numpy", seconds, rel_err=err, numpy=np.__version__)
    _, x, y, ws = loaded
    trained, lowest = refcommon.trained_split(meta, ws)
    args = (trained, lowest, meta["lr"], meta["lambda"], meta["steps"])
    finals = []
    with np.errstate(over="ignore"):  # exp(y f) may overflow to inf: the gradient is then -0
        for _ in range(reps):
            t = time.perf_counter()
            final = train(x, y, ws, *args)
            seconds.append(time.perf_counter() - t)
            finals.append(loss(x, y, final))
    # Every rep must end at our final loss before any speed is printed.
    errs = [refcommon.check_loss(meta, "numpy", f) for f in finals]
    refcommon.report(meta, "numpy", seconds, final_loss=finals[0], rel_err=max(errs), numpy=np.__version__)


if __name__ == "__main__":
    main()
