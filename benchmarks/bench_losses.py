"""Time every loss of lossexplorer.losses on 1,000,000 rows against a bare-numpy baseline from the same run.

Run: /work/venv/bin/python benchmarks/bench_losses.py [--rows N] [--repeat R]
Regression and binary losses get (n,) arrays, multiclass losses (n, 3). Each figure is the best of R runs
(the usual way to time on a shared machine: the minimum is the least disturbed run). The target is a total
under 0.5 s for all losses together, validation included.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from lossexplorer import losses

TARGET_SECONDS = 0.5


def best_time(call: Callable[[], object], repeat: int) -> float:
    """Return the fastest of ``repeat`` wall-clock timings of ``call``."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return min(timings)


def make_inputs(n: int, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray, dict]]:
    """Return realistic (y_true, y_pred, params) per loss id for n rows."""
    rng = np.random.default_rng(seed)
    target = rng.normal(size=n)
    prediction = target + rng.normal(scale=0.5, size=n)
    labels01 = rng.integers(0, 2, size=n).astype(np.float64)
    probability = rng.uniform(0.01, 0.99, size=n)
    classes = rng.integers(0, 3, size=n)
    one_hot = np.eye(3)[classes]
    class_probability = rng.dirichlet(np.ones(3), size=n)
    scores = rng.normal(size=(n, 3))
    regression = (target, prediction, {})
    binary = (labels01, probability, {})
    return {
        "mean_squared_error": regression,
        "mean_absolute_error": regression,
        "huber": regression,
        "log_cosh": regression,
        "quantile": (target, prediction, {"tau": 0.9}),
        "general_robust": regression,
        "binary_crossentropy": binary,
        "binary_focal_crossentropy": binary,
        "categorical_crossentropy": (one_hot, class_probability, {}),
        "sparse_categorical_crossentropy": (classes, class_probability, {}),
        "kl_divergence": (class_probability[::-1].copy(), class_probability, {}),
        "hinge": (labels01, prediction, {}),
        "squared_hinge": (labels01, prediction, {}),
        "categorical_hinge": (one_hot, scores, {}),
        "cosine_similarity": (one_hot, scores, {}),
        "dice": (one_hot, class_probability, {}),
    }


def main() -> None:
    """Print per-loss times and the total against the bare-numpy baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    inputs = make_inputs(args.rows)
    missing = set(losses.REGISTRY) - set(inputs)
    if missing:
        raise SystemExit(f"benchmark has no inputs for: {', '.join(sorted(missing))}")

    target, prediction, _ = inputs["mean_squared_error"]
    baseline = best_time(lambda: float(np.mean((target - prediction) ** 2)), args.repeat)
    print(f"rows: {args.rows:,}   best of {args.repeat}")
    print(f"baseline  bare numpy np.mean((a - b)**2) on (n,): {baseline * 1e3:8.2f} ms")
    print(f"{'loss':34s} {'shape':>10s} {'ms':>8s} {'x baseline':>11s} {'gradient ms':>12s}")
    total = 0.0
    total_gradient = 0.0
    for loss_id, spec in losses.REGISTRY.items():
        y_true, y_pred, params = inputs[loss_id]
        seconds = best_time(partial(spec.fn, y_true, y_pred, **params), args.repeat)
        grad_seconds = best_time(partial(losses.gradient, loss_id, y_true, y_pred, **params), args.repeat)
        total += seconds
        total_gradient += grad_seconds
        shape = "x".join(str(s) for s in y_pred.shape[1:]) or "(n,)"
        shape = shape if shape == "(n,)" else f"(n,{shape})"
        print(f"{loss_id:34s} {shape:>10s} {seconds * 1e3:8.2f} {seconds / baseline:11.1f} {grad_seconds * 1e3:12.2f}")
    verdict = "OK" if total < TARGET_SECONDS else "OVER TARGET"
    print(f"total, all {len(losses.REGISTRY)} losses (reduction='mean'): {total:.3f} s "
          f"= {total / baseline:.0f} x baseline; target < {TARGET_SECONDS} s: {verdict}")
    print(f"total, all gradients: {total_gradient:.3f} s (no target; for reference)")


if __name__ == "__main__":
    main()
