"""The code stays clean under the ruff configuration in pyproject.toml (docstrings, type hints, imports)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_reports_nothing():
    completed = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "lossexplorer", "tests",
                                "benchmarks"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
