"""Time the window's start-up as whole processes against a bare PySide6 + pyqtgraph window, in the same run.

Run: /work/venv/bin/python benchmarks/bench_startup.py [--repeat R]

Each command runs once to warm the page cache and byte-code caches, then R more times interleaved (default 7),
all with QT_QPA_PLATFORM=offscreen:

  baseline   python -c "...": QApplication, one pg.PlotWidget with a 2,000-point line, resized to 1360x860,
             shown, events processed, grabbed and saved as PNG, exit
  baseline-gc the same, with Python's garbage collector paused until the first paint as the app pauses it
             (lossexplorer.startup): not the issue's baseline, but shows how much of the ratio that pause buys
  app        python -m lossexplorer --screenshot OUT.png   (the demo data, every view built, laid out, grabbed)
  app-script lossexplorer --screenshot OUT.png             (the installed entry point, if next to this python)

Prints each command's median wall time, peak memory (from wait4) and its ratio to the baseline; then, for the
baseline and the app, the time from process start until the picture is saved (each prints the moment it is),
which leaves out the interpreter's teardown after the work is done.
Target (issue 3): app <= 1.3 x baseline (about 0.7 s here).
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
import sys
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
if PAUSE_COLLECTOR:
    gc.freeze()
    gc.enable()
saved = widget.grab().save(sys.argv[1])
import time
print("PICTURE_SAVED", time.time(), flush=True)
raise SystemExit(0 if saved else 1)
"""

# The app through its real entry point, reporting when the picture is on disk, before interpreter teardown.
APP_TO_PICTURE = """
import sys, time
from lossexplorer.cli import main
code = main(["--screenshot", sys.argv[1]])
print("PICTURE_SAVED", time.time(), flush=True)
raise SystemExit(code)
"""


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float, float | None]:
    """Run a command; return its wall time, its time until it reported a saved picture (if it does), and its
    peak resident memory in MiB."""
    start_wall = time.time()
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stdout = process.stdout.read().decode(errors="replace") if process.stdout else ""
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}: {stderr.strip()[-300:]}")
    picture = None
    for line in stdout.splitlines():
        if line.startswith("PICTURE_SAVED "):
            picture = float(line.split()[1]) - start_wall
    return elapsed, usage.ru_maxrss / 1024.0, picture

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
        # The same bare window with the garbage collector paused until its first paint, as the app does.
        "baseline-gc": [sys.executable, "-c", BASELINE, str(folder / "baseline-gc.png"), "pause-collector"],
        "app": [sys.executable, "-m", "lossexplorer", "--screenshot", str(folder / "app.png")],
        "app-to-picture": [sys.executable, "-c", APP_TO_PICTURE, str(folder / "app2.png")],
    }
    script = Path(sys.executable).with_name("lossexplorer")
    if script.exists():
        commands["app-script"] = [str(script), "--screenshot", str(folder / "script.png")]
    try:
        times: dict[str, list[float]] = {name: [] for name in commands}
        memory: dict[str, list[float]] = {name: [] for name in commands}
        pictures: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():
            timed_run(command, env)  # warm-up
        for _ in range(args.repeat):
            for name, command in commands.items():
                elapsed, peak, picture = timed_run(command, env)
                times[name].append(elapsed)
                memory[name].append(peak)
                if picture is not None:
                    pictures[name].append(picture)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"whole-process start-up to a saved screenshot, offscreen, median of {args.repeat}")
    print_ratios({name: times[name] for name in commands if name != "app-to-picture"}, memory)
    # What the issue names: start until the first painted picture exists, without interpreter teardown
    # (which Python spends freeing Qt objects after the work is done).
    print(f"process start until the picture is saved (teardown excluded), median of {args.repeat}")
    print_ratios({name: pictures[name] for name in ("baseline", "baseline-gc", "app-to-picture")})
    app = statistics.median(pictures["app-to-picture"])
    print(f"  app-to-picture against baseline-gc: x{app / statistics.median(pictures['baseline-gc']):4.2f}")


def print_ratios(samples: dict[str, list[float]], memory: dict[str, list[float]] | None = None) -> None:
    """Print each command's median and its ratio to the baseline; app commands get the target's verdict."""
    baseline = statistics.median(samples["baseline"])
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = median / baseline
        peak = f"  peak {statistics.median(memory[name]):6.1f} MiB" if memory else ""
        verdict = ""
        if name.startswith("app"):
            verdict = f"   target <= {TARGET_RATIO}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'}"
        print(f"  {name:<14} {median:6.3f} s  x{ratio:4.2f}{peak}{verdict}")

if __name__ == "__main__":
    main()
