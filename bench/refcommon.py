"""What the Python references share: reading an exported workload folder
(written by `lowrank-lab bench --export DIR`), the agreement check against
our core's final loss, and the JSON line each reference prints."""

import json
import os
import sys

import numpy as np

# f64 references must match our final loss to this relative error.
F64_RTOL = 1e-9
# Singular values (S): max |s_ref - s_ours| / s_1 over every layer.
SV_RTOL = 1e-9


def load(folder):
    """meta.json and the arrays it names: (meta, X, y, [W_1 … W_L]) or, for S, (meta, [W …])."""
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    ws = [np.load(os.path.join(folder, layer["file"])) for layer in meta["layers"]]
    for w, layer in zip(ws, meta["layers"]):
        if list(w.shape) != list(layer["shape"]) or w.dtype != np.float64:
            fail(meta, f"{layer['file']}: shape {w.shape} {w.dtype}, meta.json says {layer['shape']} float64")
    if meta["workload"] == "S":
        return meta, ws
    x = np.load(os.path.join(folder, "X.npy"))
    y = np.load(os.path.join(folder, "y.npy"))
    if x.shape != (meta["n"], meta["d"]) or y.shape != (meta["n"], 1):
        fail(meta, f"X {x.shape} / y {y.shape} do not match n = {meta['n']}, d = {meta['d']}")
    return meta, x, y, ws


def rel_err(got, want):
    return abs(got - want) / max(abs(want), 1e-300)


class Mismatch(Exception):
    """A result that disagrees with ours (already reported as a JSON line with "error")."""


def fail(meta, message, **extra):
    """Refuse to report a speed: one JSON line on stdout with the error; raises Mismatch."""
    print(json.dumps({"workload": meta.get("workload"), "error": message, **extra}), flush=True)
    print(f"error: {meta.get('workload')}: {message}", file=sys.stderr)
    raise Mismatch(message)


def each(dirs, bench):
    """Run bench(dir) for every DIR; exit code 3 if any disagreed with ours."""
    code = 0
    for d in dirs:
        try:
            bench(d)
        except Mismatch:
            code = 3
    sys.exit(code)


def check_loss(meta, impl, final_loss, rtol=F64_RTOL):
    """The final loss after meta['steps'] steps must equal ours to rtol (else Mismatch)."""
    err = rel_err(final_loss, meta["final_loss"])
    if not (err <= rtol):
        fail(meta, f"{impl}: final loss {final_loss!r} differs from ours {meta['final_loss']!r} "
             f"(relative {err:.3g} > {rtol:g})", impl=impl, final_loss=final_loss, rel_err=err)
    return err


def check_spectra(meta, impl, spectra):
    """Every layer's singular values must equal ours to SV_RTOL·s_1 (else Mismatch)."""
    worst = 0.0
    for layer, s in zip(meta["layers"], spectra):
        want = np.asarray(layer["singular_values"])
        s = np.sort(np.asarray(s, dtype=np.float64))[::-1]
        if s.shape != want.shape:
            fail(meta, f"{impl}: {layer['file']}: {s.shape[0]} singular values, ours {want.shape[0]}", impl=impl)
        worst = max(worst, float(np.max(np.abs(s - want)) / want[0]))
    if not (worst <= SV_RTOL):
        fail(meta, f"{impl}: singular values differ from ours by {worst:.3g}·s1 > {SV_RTOL:g}", impl=impl, rel_err=worst)
    return worst


def report(meta, impl, seconds, **extra):
    """Print the JSON line of one implementation: steps (calls for S) per second of each rep."""
    steps = meta["steps"]
    per_s = [steps / s for s in seconds]
    out = {
        "workload": meta["workload"],
        "impl": impl,
        "tiny": meta.get("tiny", False),
        "unit": "calls" if meta["workload"] == "S" else "steps",
        "steps": steps,
        "reps": len(seconds),
        "seconds": seconds,
        "steps_per_s": per_s,
        "median_steps_per_s": float(np.median(per_s)),
        **extra,
    }
    print(json.dumps(out), flush=True)


def trained_split(meta, ws):
    """Indices of the trained layers and of the lowest trained layer (as the core computes G)."""
    trained = list(meta["trained"])
    lowest = trained.index(True) if True in trained else len(trained)
    return trained, lowest
