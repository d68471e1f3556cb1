"""Time saving and opening a session (.lossx), which is also what every autosave costs the GUI thread.

Run: /work/venv/bin/python benchmarks/bench_session.py [--rows 10000 1000000] [--repeats 5]

For each size, a regression data set (float64 y_true and y_pred) and a multiclass one (10 classes) are:

  save     write_session(): encode (base64 of the IEEE bytes inside JSON) + atomic write (temp file, fsync, rename)
  open     read_session(): read + parse + validate everything (schema, sizes, finite values, ranges, parameters)

Baselines measured in the same run on the same arrays:

  json-list  json.dumps / json.loads of the arrays as JSON number lists (the readable alternative we did not pick)
  np.save    np.save / np.load of the raw arrays to a file (a floor: no validation, not JSON)

Medians of --repeats runs, in milliseconds, plus the file size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from lossexplorer import losses
from lossexplorer.dataset import Dataset
from lossexplorer.session import Session, read_session, write_session


def median_ms(action, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def datasets(rows, rng):
    regression = Dataset("regression", rng.normal(size=rows), rng.normal(size=rows))
    logits = rng.normal(size=(rows, 10))
    multiclass = Dataset("multiclass", rng.integers(0, 10, rows), logits, "logit",
                         pred_names=tuple(f"p{i}" for i in range(10)))
    return {"regression": regression, "multiclass x10": multiclass}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    state = {"checked": ["huber"], "current": "huber",
             "params": {name: losses.validate_params(name, {}) for name in losses.REGISTRY}}
    print(f"{'data':>16} {'rows':>10} | {'save':>8} {'open':>8} {'size MB':>8} | "
          f"{'json-list w':>11} {'json-list r':>11} | {'np.save':>8} {'np.load':>8}")
    with tempfile.TemporaryDirectory() as folder:
        target, plain, raw = Path(folder) / "s.lossx", Path(folder) / "s.json", Path(folder) / "s.npy"
        for rows in args.rows:
            for name, data in datasets(rows, rng).items():
                session = Session(data, state)
                save = median_ms(lambda s=session: write_session(target, s), args.repeats)
                opened = median_ms(lambda: read_session(target), args.repeats)
                size = target.stat().st_size / 1e6
                lists = {"y_true": data.y_true.tolist(), "y_pred": data.y_pred.tolist()}
                json_write = median_ms(lambda v=lists: plain.write_text(json.dumps(v)), args.repeats)
                json_read = median_ms(lambda: json.loads(plain.read_text()), args.repeats)
                npy_write = median_ms(lambda d=data: np.save(raw, d.y_pred), args.repeats)
                npy_read = median_ms(lambda: np.load(raw), args.repeats)
                print(f"{name:>16} {rows:>10,} | {save:8.1f} {opened:8.1f} {size:8.2f} | "
                      f"{json_write:11.1f} {json_read:11.1f} | {npy_write:8.1f} {npy_read:8.1f}")


if __name__ == "__main__":
    main()
