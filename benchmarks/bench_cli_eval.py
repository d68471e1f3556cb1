"""Time `lossexplorer eval` as a whole process against numpy.loadtxt + mean on the same file, in the same run.

Run: /work/venv/bin/python benchmarks/bench_cli_eval.py [--rows N] [--repeat R] [--keep FILE]

Writes an N-row, two-column CSV (y_true,y_pred; default 1,000,000 rows), then runs, interleaved R times each:
  baseline   python -c "numpy.loadtxt(FILE, delimiter=',', skiprows=1).mean(axis=0)"
  eval       python -m lossexplorer eval FILE            (every regression loss, table)
  eval-3     python -m lossexplorer eval FILE --losses mean_squared_error,mean_absolute_error,huber --json
Prints each command's median wall time and peak memory (from wait4) and the ratio to the baseline.
Target (issue 4): eval <= 1.5 x baseline.

Byte-code caching is forced on (PYTHONPYCACHEPREFIX in the temporary folder), as for installed software;
with PYTHONDONTWRITEBYTECODE set, lossexplorer would be compiled from source on every run.
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

import numpy as np

TARGET_RATIO = 1.5


def write_csv(path: str, rows: int) -> None:
    """Write ``rows`` rows of y_true,y_pred with realistic regression values."""
    rng = np.random.default_rng(0)
    truth = rng.normal(10.0, 3.0, size=rows)
    prediction = truth + rng.standard_t(3, size=rows)
    np.savetxt(path, np.column_stack([truth, prediction]), delimiter=",", fmt="%.6f", header="y_true,y_pred",
               comments="")


def run_once(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Run ``command`` and return (wall seconds, peak resident MiB); fail loudly on a non-zero exit."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {error.strip()}")
    return elapsed, usage.ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", help="write the CSV here and keep it (default: a temporary file)")
    options = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench_cli_eval_")
    path = options.keep or os.path.join(folder, "predictions.csv")
    write_csv(path, options.rows)
    python = sys.executable
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = os.path.join(folder, "pycache")
    commands = {
        "baseline": [python, "-c",
                     f"import numpy as np; print(np.loadtxt({path!r}, delimiter=',', skiprows=1).mean(axis=0))"],
        "eval": [python, "-m", "lossexplorer", "eval", path],
        "eval-3": [python, "-m", "lossexplorer", "eval", path, "--losses",
                   "mean_squared_error,mean_absolute_error,huber", "--json"],
    }
    timings: dict[str, list[float]] = {name: [] for name in commands}
    memory: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():
        run_once(command, environment)  # warm the page cache and .pyc files
    for _ in range(options.repeat):
        for name, command in commands.items():
            seconds, mebibytes = run_once(command, environment)
            timings[name].append(seconds)
            memory[name].append(mebibytes)

    baseline = statistics.median(timings["baseline"])
    print(f"{options.rows:,} rows x 2 columns, {options.repeat} runs each, medians (min in brackets)")
    for name in commands:
        median = statistics.median(timings[name])
        ratio = median / baseline
        verdict = "" if name == "baseline" else ("  OK" if ratio <= TARGET_RATIO else f"  over {TARGET_RATIO}x")
        print(f"{name:<9} {median:6.3f} s  [{min(timings[name]):6.3f}]  {ratio:5.2f}x  "
              f"peak {max(memory[name]):6.1f} MiB{verdict}")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
