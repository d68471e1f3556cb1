"""File ▸ Export Per-Row Losses (CSV) at 1,000,000 rows: total time, and how long the GUI event loop was blocked.

Run: QT_QPA_PLATFORM=offscreen /work/venv/bin/python benchmarks/bench_export_csv.py [--rows 1000000] [--repeats 3]
     [--chunk-rows 10000]

The real MainWindow is opened (offscreen) on synthetic regression data, with MSE, MAE and Huber checked. A 5 ms
QTimer ticks in the GUI thread throughout; the longest gap between two ticks while an export runs is the longest
time the event loop could not run (no repaint, no input). Each repeat measures, in this order:

  old sync     what the action did before: ``write_bytes(path, per_row_csv_bytes(...))`` in the GUI thread
  sync         ``export_per_row_csv`` (the chunked writer, no thread) called in the GUI thread: the baseline
  background   the action as it is now: ``ExportActions.export_csv()`` computes the per-row table in the GUI
               thread, a CsvExportJob formats and writes it in chunks in a worker thread; timed until
               ``csv_export_finished``. Its block is also given for the worker phase alone (after the table).

The three files are checked to be byte-identical. Figures are medians over the repeats.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# Settings and recovery files of this throw-away window go to a temporary folder, not the user's.
os.environ["LOSSEXPLORER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="bench-export-csv-config-")
os.environ["LOSSEXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-export-csv-data-")

import numpy as np
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from lossexplorer.dataset import Dataset
from lossexplorer.gui import export, session_actions
from lossexplorer.gui.app import make_application
from lossexplorer.gui.export import export_per_row_csv, per_row_csv_bytes, write_bytes
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.report import data_decided_params

LOSSES = ["mean_squared_error", "mean_absolute_error", "huber"]
TICK_MS = 5
session_actions.ask_unsaved = lambda _parent, _name: "discard"


def synthetic(n: int) -> Dataset:
    rng = np.random.default_rng(1)
    y_true = rng.normal(50.0, 10.0, n)
    y_pred = y_true + rng.normal(0.0, 2.0, n)
    return Dataset("regression", y_true, y_pred, "value", source=f"synthetic-{n}.csv")


class TickMeter:
    """A precise 5 ms timer in the GUI thread that records when it ran."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def longest_gap(self, start: float, end: float) -> float:
        """Longest gap (ms) between ticks covering [start, end]: from the last tick before start to the first after."""
        ticks = np.array(self.ticks)
        first = max(int(np.searchsorted(ticks, start, side="right")) - 1, 0)
        last = min(int(np.searchsorted(ticks, end, side="left")), len(ticks) - 1)
        return float(np.diff(ticks[first:last + 1]).max() * 1e3) if last > first else float("nan")


def spin(app: QApplication, ms: float) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(round(ms), loop.quit)
    loop.exec()


class Runner:
    """Starts a job from inside a running event loop and runs the loop until the job is done."""

    def __init__(self, done_signal: object | None = None) -> None:
        self.loop: QEventLoop | None = None
        self.times: dict[str, float] = {}
        self.asynchronous = done_signal is not None
        if done_signal is not None:
            done_signal.connect(self._finished)  # once: no disconnecting between runs

    def run(self, start: Callable[[], object]) -> tuple[float, float, float]:
        """Return perf_counter seconds: job started, ``start`` returned, job done."""
        self.loop, self.times = QEventLoop(), {}

        def begin() -> None:
            self.times["start"] = time.perf_counter()
            start()
            self.times["returned"] = time.perf_counter()
            if not self.asynchronous:
                self._finished(None)

        QTimer.singleShot(0, begin)
        self.loop.exec()
        return self.times["start"], self.times["returned"], self.times["end"]

    def _finished(self, _result: object) -> None:
        self.times["end"] = time.perf_counter()
        self.loop.quit()


def measure(app: QApplication, meter: TickMeter, runner: Runner, start: Callable[[], object]) -> dict[str, float]:
    spin(app, 60)  # ticks running steadily before the job starts
    began, returned, ended = runner.run(start)
    spin(app, 30)
    return {"total_s": ended - began, "block_ms": meter.longest_gap(began, ended),
            "worker_block_ms": meter.longest_gap(returned, ended), "table_s": returned - began}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk-rows", type=int, default=export.CSV_CHUNK_ROWS)
    args = parser.parse_args()
    export.CSV_CHUNK_ROWS = args.chunk_rows
    app = make_application()
    window = MainWindow(synthetic(args.rows))
    window.resize(1360, 860)
    window.show()
    for _ in range(5):
        app.processEvents()
    # MSE, MAE and Huber are the regression losses checked by default. Checking them here would mark the
    # session changed and start the 2 s autosave timer, whose save of the table would land in a measurement.
    checked = [loss_id for loss_id in window.loss_state.checked() if loss_id in LOSSES]
    if checked != LOSSES:
        raise SystemExit(f"expected {LOSSES} checked by default, found {checked}")
    actions = window.export_actions
    errors: list[str] = []
    actions.show_error = errors.append
    folder = Path(tempfile.mkdtemp(prefix="bench-export-csv-"))
    paths = {name: folder / f"{name}.csv" for name in ("old", "sync", "background")}
    actions.choose_path = lambda _caption, _suggested, _filters: str(paths["background"])
    data = window.model.dataset()
    params = data_decided_params(LOSSES, window.loss_state.all_params())
    meter = TickMeter()
    meter.timer.start()
    synchronous, background = Runner(), Runner(actions.csv_export_finished)

    results: dict[str, list[dict[str, float]]] = {"old": [], "sync": [], "background": []}
    for _repeat in range(args.repeats):
        for path in paths.values():
            path.unlink(missing_ok=True)
        results["old"].append(measure(app, meter, synchronous, lambda: write_bytes(
            paths["old"], per_row_csv_bytes(data, LOSSES, params))))
        results["sync"].append(measure(app, meter, synchronous,
                                       lambda: export_per_row_csv(data, LOSSES, params, paths["sync"])))
        results["background"].append(measure(app, meter, background, actions.export_csv))
        if errors:
            raise SystemExit(f"export failed: {errors[0]}")
    meter.timer.stop()
    same = paths["old"].read_bytes() == paths["sync"].read_bytes() == paths["background"].read_bytes()
    size_mb = paths["background"].stat().st_size / 1e6

    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in results[name])

    print(f"per-row CSV export, {args.rows:,} regression rows, {len(LOSSES)} losses ({', '.join(LOSSES)}), "
          f"{size_mb:.0f} MB, chunks of {args.chunk_rows:,} rows, {args.repeats} repeats (medians), "
          f"event-loop tick {TICK_MS} ms")
    print(f"  files byte-identical: {'yes' if same else 'NO'}")
    print(f"  {'':44s}{'total':>10s}{'longest GUI block':>20s}")
    print(f"  {'old sync (write_bytes(per_row_csv_bytes))':44s}{median('old', 'total_s'):9.2f}s"
          f"{median('old', 'block_ms'):17.0f} ms")
    print(f"  {'baseline: export_per_row_csv, GUI':44s}{median('sync', 'total_s'):9.2f}s"
          f"{median('sync', 'block_ms'):17.0f} ms")
    print(f"  {'background job (action)':44s}{median('background', 'total_s'):9.2f}s"
          f"{median('background', 'block_ms'):17.0f} ms")
    print(f"    of which per-row table in GUI thread {median('background', 'table_s') * 1e3:.0f} ms; "
          f"longest block while the worker ran {median('background', 'worker_block_ms'):.0f} ms")
    for path in paths.values():
        path.unlink(missing_ok=True)
    folder.rmdir()
    window.close()


if __name__ == "__main__":
    main()
