"""Time one cell edit until every plot of the regression view has repainted, at 10,000 and 1,000,000 rows.

Run: QT_QPA_PLATFORM=offscreen /work/venv/bin/python benchmarks/bench_gui_edit.py [--rows 10000 1000000] [--edits 30]

For each size, the real MainWindow is opened (offscreen, 1360x860) on synthetic regression data with a few
outliers, three regression losses checked (MSE, MAE, Huber; the defaults). Then, repeatedly:

  edit     model.setData() of one y_pred cell (a different row each time, as typing would), then Qt's event
           loop runs until the plots showing the row have painted again and a further pass paints nothing
           more (the bars and the aggregates table repaint whenever a value they show changed).
  drag     the outlier lab's row (the largest error) moved outwards in small steps through
           model.move_prediction(row, value, dragging=True), as a mouse drag in the lab does.

Baseline, same run: a bare pyqtgraph PlotWidget window of the same size holding one line of n points (what a
naive "replot everything" view costs), setData() with a changed array, until painted; and the same with the
2,000 points the regression view draws at most.

"plots repainted" is the time until the plots showing the row have painted and a further event-loop pass paints
nothing more. Up to 5,000 rows that includes the outlier lab's best constants. Above that they are medians and
M-estimates over all rows, computed in a background thread; "lab lines caught up" is the time until they have
arrived and the lab has painted them.

Targets (issue 3): edit-to-painted < 16 ms at 10,000 rows and < 100 ms at 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# Settings and recovery files of these throw-away windows go to a temporary folder, not the user's.
os.environ["LOSSEXPLORER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="bench-gui-edit-config-")
os.environ["LOSSEXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-gui-edit-data-")

import numpy as np
import pyqtgraph as pg
from _gui_bench import PaintCounter, flush, settle, summary, time_bare_updates, wait_painted
from PySide6.QtWidgets import QApplication, QWidget

from lossexplorer import losses
from lossexplorer.dataset import Dataset
from lossexplorer.gui import session_actions
from lossexplorer.gui.app import make_application
from lossexplorer.gui.mainwindow import MainWindow

TARGETS_MS = {10_000: 16.0, 1_000_000: 100.0}
# The benchmark closes its windows without the "save changes?" question.
session_actions.ask_unsaved = lambda _parent, _name: "discard"
WINDOW_SIZE = (1360, 860)


def synthetic(n: int) -> Dataset:
    rng = np.random.default_rng(1)
    y_true = rng.normal(50.0, 10.0, n)
    y_pred = y_true + rng.normal(0.0, 2.0, n)
    outliers = rng.choice(n, size=max(n // 2000, 3), replace=False)
    y_pred[outliers] += rng.normal(0.0, 30.0, outliers.size)
    return Dataset("regression", y_true, y_pred, "value", source=f"synthetic-{n}.csv")


def wait_centres(app: QApplication, counter: PaintCounter, view: QWidget, timeout: float = 10.0) -> None:
    """Run the event loop until the outlier lab's lines have caught up and painted."""
    deadline = time.perf_counter() + timeout
    while view.centres_pending():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise RuntimeError("the best constants did not arrive within the timeout")
    flush(app, counter)


def time_window_edits(app: QApplication, n: int, edits: int, *, drag: bool,
                      all_losses: bool = False) -> tuple[list[float], list[float]]:
    window = MainWindow(synthetic(n))
    if all_losses:
        window.loss_state.set_checked_ids([k for k, s in losses.REGISTRY.items() if s.family == "regression"])
    window.resize(*WINDOW_SIZE)
    window.show()
    settle(app, window)
    view = window.regression_view
    watched = [plot.viewport() for _title, plot in view.plot_widgets()] + [view.aggregates.viewport()]
    # An edited row is always drawn, so its point moves in these three; the bars and the aggregates table
    # repaint only when a shown value changes (at a million rows, one edit may not move a mean's 5th digit).
    must = [view.loss_plot.viewport(), view.grad_plot.viewport(), view.lab_plot.viewport()]
    counter = PaintCounter(watched)
    model = window.model
    rng = np.random.default_rng(2)
    rows = rng.choice(n, size=edits, replace=False)
    to_paint, to_settled = [], []
    dragged = view.selected_row()
    drag_start = float(model.dataset().y_pred[dragged])
    for step, row in enumerate(rows):
        value = float(model.dataset().y_true[row]) + float(rng.normal(0.0, 5.0))
        start = time.perf_counter()
        if drag:
            # A mouse drag: small steps outwards, the outlier (the selected row) getting further out.
            model.move_prediction(dragged, drag_start + 0.25 * (step + 1), dragging=True)
        else:
            model.setData(model.index(int(row), 1), value)
        wait_painted(app, counter, must)
        flush(app, counter)
        to_paint.append((time.perf_counter() - start) * 1e3)
        wait_centres(app, counter, view)
        to_settled.append((time.perf_counter() - start) * 1e3)
    model.end_drag()
    window.close()
    window.deleteLater()
    app.processEvents()
    return to_paint, to_settled


def time_bare_plot(app: QApplication, points: int, repeats: int) -> list[float]:
    widget = pg.PlotWidget()
    widget.resize(*WINDOW_SIZE)
    x = np.linspace(-5.0, 5.0, points)
    curve = widget.plot(x, x * x, pen=pg.mkPen("#0072B2", width=2))
    return time_bare_updates(app, widget, lambda step: curve.setData(x, x * x + step * 0.01), repeats,
                             count_from_before=False, then_flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--all-losses", action="store_true",
                        help="check all six regression losses instead of the default three")
    args = parser.parse_args()
    app = make_application()
    which = "all six regression losses" if args.all_losses else "MSE, MAE, Huber"
    print(f"edit-to-painted latency, window {WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}, offscreen, {args.edits} edits each, "
          f"{which} checked")
    for n in args.rows:
        edit_paint, edit_settled = time_window_edits(app, n, args.edits, drag=False, all_losses=args.all_losses)
        drag_paint, drag_settled = time_window_edits(app, n, args.edits, drag=True, all_losses=args.all_losses)
        bare_n = time_bare_plot(app, n, args.edits)
        bare_2k = time_bare_plot(app, 2000, args.edits)
        target = TARGETS_MS.get(n)
        verdict = ""
        if target is not None:
            ok = statistics.median(edit_paint) < target and statistics.median(drag_paint) < target
            verdict = f"   target < {target:g} ms: {'met' if ok else 'NOT met'}"
        print(f"\n{n:,} rows{verdict}")
        print(f"  cell edit  -> plots repainted        {summary(edit_paint)}")
        print(f"  cell edit  -> lab lines caught up    {summary(edit_settled)}")
        print(f"  drag move  -> plots repainted        {summary(drag_paint)}")
        print(f"  drag move  -> lab lines caught up    {summary(drag_settled)}")
        print(f"  baseline: bare pyqtgraph setData, {n:>9,} points  {summary(bare_n)}")
        print(f"  baseline: bare pyqtgraph setData, {2000:>9,} points  {summary(bare_2k)}")


if __name__ == "__main__":
    main()
