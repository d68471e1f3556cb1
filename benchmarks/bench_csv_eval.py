"""Time reading a 1,000,000-row CSV as whole processes against numpy.loadtxt + mean, in the same run.

Run: /work/venv/bin/python benchmarks/bench_csv_eval.py [--rows N] [--repeat R]

Writes an N-row, two-column CSV (y_true,y_pred; default 1,000,000 rows) in a temporary folder, then runs each
command once to warm the page cache, and R more times interleaved (default 7):

  baseline     python -c "numpy.loadtxt(FILE, delimiter=',', skiprows=1).mean()"
  import       python -c "import lossexplorer.csvio"                (what importing the reader costs)
  read_csv     python -c "read_csv(FILE)"                             (sniff, guess, parse, validate)
  read_csv+cb  python -c "read_csv(FILE, progress=..., should_cancel=...)"   (the window's chunked path)
  eval         lossexplorer eval FILE                                (skipped, with a note, if unavailable)

Prints each command's median wall time and its ratio to the baseline. Target (issue 4): eval <= 1.5 x baseline.

Byte-code caching is on for every command (cached in the temporary folder through PYTHONPYCACHEPREFIX), as it
is for installed software: with PYTHONDONTWRITEBYTECODE set, every run would compile lossexplorer's modules
from source again (about 30 ms for csvio alone) while numpy's are precompiled.
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
    """Write ``rows`` rows of y_true,y_pred regression values with six decimals."""
    rng = np.random.default_rng(1)
    truth = rng.normal(10.0, 3.0, size=rows)
    prediction = truth + rng.normal(0.0, 1.0, size=rows)
    table = np.column_stack([truth, prediction])
    np.savetxt(path, table, delimiter=",", fmt="%.6f", header="y_true,y_pred", comments="")


def eval_command(path: str) -> list[str] | None:
    """The `lossexplorer eval FILE` command, or None when the CLI has no working eval yet."""
    script = os.path.join(os.path.dirname(sys.executable), "lossexplorer")
    base = [script] if os.path.exists(script) else [shutil.which("lossexplorer") or ""]
    if not base[0]:
        base = [sys.executable, "-m", "lossexplorer"]
    probe = subprocess.run([*base, "eval", "--help"], capture_output=True, check=False)
    return [*base, "eval", path] if probe.returncode == 0 else None


def child_environment(cache_folder: str) -> dict[str, str]:
    """The environment for timed commands: byte-code cached in ``cache_folder``."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["PYTHONPYCACHEPREFIX"] = cache_folder
    return environment


def run_once(command: list[str], environment: dict[str, str] | None = None) -> float:
    """Run ``command`` to completion and return its wall time; stop the benchmark if it fails."""
    start = time.perf_counter()
    finished = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=environment
    )
    elapsed = time.perf_counter() - start
    if finished.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {finished.stderr.decode().strip()}")
    return elapsed


def commands_for(path: str) -> dict[str, list[str]]:
    python = sys.executable
    commands = {
        "baseline": [
            python,
            "-c",
            f"import numpy as np; print(np.loadtxt({path!r}, delimiter=',', skiprows=1).mean())",
        ],
        "import": [python, "-c", "import lossexplorer.csvio"],
        "read_csv": [python, "-c", f"from lossexplorer.csvio import read_csv; print(read_csv({path!r}).n_rows)"],
        "read_csv+cb": [
            python,
            "-c",
            "from lossexplorer.csvio import read_csv; "
            f"print(read_csv({path!r}, progress=lambda f: None, should_cancel=lambda: False).n_rows)",
        ],
    }
    evaluate = eval_command(path)
    if evaluate is None:
        print("note: `lossexplorer eval` is not available yet; its line is skipped")
    else:
        commands["eval"] = evaluate
    return commands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_csv_eval_") as folder:
        path = os.path.join(folder, "predictions.csv")
        write_csv(path, options.rows)
        commands = commands_for(path)
        environment = child_environment(os.path.join(folder, "pycache"))
        for command in commands.values():
            run_once(command, environment)  # warms the page cache and writes the byte-code
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(options.repeat):
            for name, command in commands.items():
                timings[name].append(run_once(command, environment))

    baseline = statistics.median(timings["baseline"])
    print(f"{options.rows:,} rows x 2 columns; medians of {options.repeat} interleaved runs (whole processes)")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"  {name:<12} {median:6.3f} s   {median / baseline:5.2f} x baseline   (min {min(values):.3f} s)")
    if "eval" in timings:
        ratio = statistics.median(timings["eval"]) / baseline
        verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
        print(f"eval / baseline = {ratio:.2f}: {verdict} the target of {TARGET_RATIO} x")


if __name__ == "__main__":
    main()
