"""Time one cell edit until the classification view has repainted, at 10,000 and 1,000,000 binary rows.

Run: QT_QPA_PLATFORM=offscreen /work/venv/bin/python benchmarks/bench_classification_edit.py [--rows 10000 1000000]
     [--edits 30]

For each size the real MainWindow is opened (offscreen, 1360x860) on synthetic binary data (probabilities), on the
classification view, with the default losses checked (on binary data: squared and absolute error on p, BCE,
focal, hinge). Then, for rows the plots draw (all of them up to 2,000 rows, a fixed sample above) and rows they
do not draw:

  edit     model.setData() of one probability cell, then Qt's event loop runs until the widgets that must change
           have painted again: the share bars always, the two curve plots when the row is drawn.

Also a multiclass run (3 classes) at the same sizes: edit one probability, until the heat table, the means and
(for drawn rows) the probability plot have painted.

Baseline, same run: a bare pyqtgraph PlotWidget of the same size holding 2,000 scatter points (what the view draws
at most per loss), setData() with one point moved, until painted.

Targets (issue 3): edit-to-painted < 16 ms at 10,000 rows and < 100 ms at 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from _gui_bench import PaintCounter, settle, summary, time_bare_updates, wait_painted
from PySide6.QtWidgets import QApplication

from lossexplorer.dataset import Dataset
from lossexplorer.gui.app import make_application
from lossexplorer.gui.mainwindow import MainWindow

TARGETS_MS = {10_000: 16.0, 1_000_000: 100.0}
WINDOW_SIZE = (1360, 860)


def binary_data(n: int) -> Dataset:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, n).astype(np.float64)
    logits = rng.normal(1.5, 1.5, n) * np.where(labels == 1, 1.0, -1.0)
    return Dataset("binary", labels, 1.0 / (1.0 + np.exp(-logits)), "probability", true_name="label",
                   pred_names=("prob",), source=f"synthetic-binary-{n}.csv")


def multiclass_data(n: int) -> Dataset:
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, n)
    scores = rng.normal(0.0, 1.0, (n, 3))
    scores[np.arange(n), labels] += 1.5
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return Dataset("multiclass", labels.astype(np.int64), probabilities, "probability", true_name="label",
                   pred_names=("p_0", "p_1", "p_2"), source=f"synthetic-multiclass-{n}.csv")


def time_edits(app: QApplication, data: Dataset, edits: int) -> dict[str, list[float]]:
    """Edit-to-painted times in ms for drawn and for undrawn rows."""
    window = MainWindow(data)
    window.resize(*WINDOW_SIZE)
    window.show_view("classification")
    window.show()
    settle(app, window)
    view = window.classification_view
    curves_plots = [view.probability_plot.widget.viewport()]
    if data.task == "binary":
        curves_plots.append(view.margin_plot.widget.viewport())
        rows_panel = view.share_bars.widget.viewport()
    else:
        rows_panel = view.heat_table.widget.viewport()
    # The means' label repaints only when its text changes, which one edit of many rows may not do.
    always = [rows_panel]
    counter = PaintCounter(always + curves_plots)
    rng = np.random.default_rng(3)
    drawn = view.rows.sample
    undrawn = np.setdiff1d(np.arange(data.n_rows), drawn)
    times: dict[str, list[float]] = {"drawn row": [], "undrawn row": []}
    model = window.model
    for kind, pool in (("drawn row", drawn), ("undrawn row", undrawn)):
        if pool.size == 0:
            continue
        for row in rng.choice(pool, size=min(edits, pool.size), replace=False):
            value = float(rng.uniform(0.02, 0.98))
            column = 1 if data.task == "binary" else 1 + int(rng.integers(0, 3))
            waited = always + (curves_plots if kind == "drawn row" else [])
            before = dict(counter.counts)
            start = time.perf_counter()
            model.setData(model.index(int(row), column), value)
            wait_painted(app, counter, waited, before)
            times[kind].append((time.perf_counter() - start) * 1e3)
    window.undo_stack.setClean()  # the edits are throwaway: closing must not ask to save them
    window.close()
    window.deleteLater()
    app.processEvents()
    return {kind: values for kind, values in times.items() if values}


def time_bare_scatter(app: QApplication, points: int, repeats: int) -> list[float]:
    widget = pg.PlotWidget()
    widget.resize(*WINDOW_SIZE)
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 1, points), rng.uniform(0, 5, points)
    item = widget.plot(x, y, pen=None, symbol="o", symbolSize=8)

    def move_one_point(step: int) -> None:
        x[step % points] = rng.uniform(0, 1)
        item.setData(x, y)

    return time_bare_updates(app, widget, move_one_point, repeats, count_from_before=True, then_flush=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--edits", type=int, default=30)
    args = parser.parse_args()
    app = make_application()
    print(f"classification view: edit-to-painted latency, window {WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}, offscreen")
    baseline = time_bare_scatter(app, 2000, args.edits)
    print(f"baseline: bare pyqtgraph scatter setData, 2,000 points   {summary(baseline)}")
    for n in args.rows:
        target = TARGETS_MS.get(n)
        for label, data in (("binary", binary_data(n)), ("multiclass", multiclass_data(n))):
            results = time_edits(app, data, args.edits)
            verdict = ""
            if target is not None:
                ok = all(statistics.median(values) < target for values in results.values())
                verdict = f"   target < {target:g} ms: {'met' if ok else 'NOT met'}"
            print(f"\n{n:,} {label} rows{verdict}")
            for kind, values in results.items():
                print(f"  cell edit, {kind:<12} -> painted   {summary(values)}")


if __name__ == "__main__":
    main()
