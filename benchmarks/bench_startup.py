"""Time the window's start-up as whole processes against a bare PySide6 + pyqtgraph window, in the same run.

Run: /work/venv/bin/python benchmarks/bench_startup.py [--repeat R]

Each command runs once to warm the page cache and byte-code caches, then R more times interleaved (default 7),
all with QT_QPA_PLATFORM=offscreen:

  baseline     python -c "...": QApplication, one pg.PlotWidget with a 2,000-point line, resized to 1360x860,
               shown, events processed (its first paint), grabbed and saved as PNG, exit
  baseline-gc  the same, with Python's garbage collector paused until the first paint, as the app pauses it
               (lossexplorer.startup): not the issue's baseline, but it shows how much of the ratio the pause buys
  app          python -c "...": lossexplorer.cli.main(["--screenshot", OUT]), the real entry point on the demo
               data; MainWindow.grab is wrapped to report the moment the screenshot starts, which is after the
               first paint of every plot (the window is grabbed two event-loop turns after show())
  app-command  python -m lossexplorer --screenshot OUT.png, for the whole process only
  app-window   python -c "...": lossexplorer.cli.main([]), the interactive start (error hook, remembered
               settings, recovery check) with its settings in a scratch folder, quitting once all four plots
               of the regression view have painted

Three figures per command, each a median, each with its ratio to the baseline:
  first paint   process start until the window has painted once: what the issue's target names
  picture       process start until the screenshot is on disk (a second, full paint into an image, and PNG)
  whole process start to exit, with the interpreter's teardown; also the peak memory (from wait4)
Target (issue 3): app <= 1.3 x baseline at first paint (the issue says about 0.7 s here).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.3

BASELINE = """
import sys, time
PAUSE_COLLECTOR = len(sys.argv) > 2
if PAUSE_COLLECTOR:
    import gc
    gc.disable()
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
widget = pg.PlotWidget(title="baseline")
x = np.linspace(-5.0, 5.0, 2000)
widget.plot(x, x * x, pen=pg.mkPen("#0072B2", width=2))
widget.resize(1360, 860)
widget.show()
app.processEvents()
print("FIRST_PAINT", time.time(), flush=True)
if PAUSE_COLLECTOR:
    gc.freeze()
    gc.enable()
saved = widget.grab().save(sys.argv[1])
print("PICTURE_SAVED", time.time(), flush=True)
raise SystemExit(0 if saved else 1)
"""

# The probe imports the window module before main() does, to wrap grab; it pauses the collector first, as main()
# does before it imports Qt, so that the import runs as it would in the real command.
APP = """
import gc, sys, time
gc.disable()
from lossexplorer.cli import main
import lossexplorer.gui.mainwindow as mainwindow
original_grab = mainwindow.MainWindow.grab
def grab(window, *args):
    print("FIRST_PAINT", time.time(), flush=True)
    return original_grab(window, *args)
mainwindow.MainWindow.grab = grab
code = main(["--screenshot", sys.argv[1]])
print("PICTURE_SAVED", time.time(), flush=True)
raise SystemExit(code)
"""

# The real interactive start (no screenshot: error hook, remembered settings, recovery check), quitting as soon
# as all four plots of the regression view have painted once.
APP_WINDOW = """
import gc, sys, time
gc.disable()
from lossexplorer.cli import main
import pyqtgraph.widgets.GraphicsView as view_module
from PySide6.QtWidgets import QApplication
painted = set()
original_paint = view_module.GraphicsView.paintEvent
def paint(view, event):
    original_paint(view, event)
    if len(painted) < 4:
        painted.add(view.objectName())
        if len(painted) == 4:
            print("FIRST_PAINT", time.time(), flush=True)
            QApplication.instance().quit()
view_module.GraphicsView.paintEvent = paint
raise SystemExit(main([]))
"""

MARKS = ("FIRST_PAINT", "PICTURE_SAVED")


def timed_run(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a command; return its whole-process time, the times of the marks it printed (from process start) and
    its peak resident memory in MiB (``memory``)."""
    start_wall = time.time()
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    figures = {"whole": time.perf_counter() - start, "memory": usage.ru_maxrss / 1024.0}
    stdout = process.stdout.read().decode(errors="replace") if process.stdout else ""
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}: {stderr.strip()[-300:]}")
    for line in stdout.splitlines():
        mark, _, moment = line.partition(" ")
        if mark in MARKS:
            figures[mark] = float(moment) - start_wall
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    # Byte-code caches stay where an installation keeps them (next to the modules). With PYTHONPYCACHEPREFIX
    # both commands took about 0.4 s longer here, which would measure the cache rather than the start-up.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    commands = {
        "baseline": [sys.executable, "-c", BASELINE, str(folder / "baseline.png")],
        "baseline-gc": [sys.executable, "-c", BASELINE, str(folder / "baseline-gc.png"), "pause-collector"],
        "app": [sys.executable, "-c", APP, str(folder / "app.png")],
        "app-command": [sys.executable, "-m", "lossexplorer", "--screenshot", str(folder / "command.png")],
        "app-window": [sys.executable, "-c", APP_WINDOW],
    }
    # The interactive start reads and writes settings and recovery files: in the scratch folder, not the user's.
    env.update({"LOSSEXPLORER_CONFIG_DIR": str(folder / "config"), "LOSSEXPLORER_DATA_DIR": str(folder / "data")})
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    try:
        for command in commands.values():
            timed_run(command, env)  # warm-up
        for _ in range(args.repeat):
            for name, command in commands.items():
                samples[name].append(timed_run(command, env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"offscreen, median of {args.repeat} interleaved runs; ratios to the baseline")
    for figure, title in (("FIRST_PAINT", "process start until the first paint (the target)"),
                          ("PICTURE_SAVED", "process start until the screenshot is saved"),
                          ("whole", "whole process, teardown included")):
        print(title)
        print_ratios({name: [run[figure] for run in runs] for name, runs in samples.items() if figure in runs[0]},
                     {name: [run["memory"] for run in runs] for name, runs in samples.items()}
                     if figure == "whole" else None)
    app = statistics.median(run["FIRST_PAINT"] for run in samples["app"])
    paused = statistics.median(run["FIRST_PAINT"] for run in samples["baseline-gc"])
    print(f"first paint, app against baseline-gc: x{app / paused:4.2f}")


def print_ratios(samples: dict[str, list[float]], memory: dict[str, list[float]] | None = None) -> None:
    """Print each command's median and its ratio to the baseline; app commands get the target's verdict."""
    baseline = statistics.median(samples["baseline"])
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = median / baseline
        peak = f"  peak {statistics.median(memory[name]):6.1f} MiB" if memory else ""
        verdict = ""
        if name.startswith("app"):
            verdict = f"   <= {TARGET_RATIO}x: {'yes' if ratio <= TARGET_RATIO else 'NO'}"
        print(f"  {name:<12} {median:6.3f} s  x{ratio:4.2f}{peak}{verdict}")


if __name__ == "__main__":
    main()
