"""The demo data sets bundled in ``assets/``, so the first launch shows something meaningful. No Qt."""

from __future__ import annotations

from lossexplorer.csvio import read_csv
from lossexplorer.dataset import Dataset
from lossexplorer.resources import asset_path

DEMO_FILES = {
    "regression": "demo_regression.csv",
    "binary": "demo_binary.csv",
    "multiclass": "demo_multiclass.csv",
}


def demo_path(task: str = "regression") -> str:
    """Return the path of the bundled demo file for ``task``."""
    return str(asset_path(DEMO_FILES[task]))


def demo_dataset(task: str = "regression") -> Dataset:
    """Load the bundled demo data set for ``task`` (regression, binary or multiclass) with the app's own reader."""
    return read_csv(demo_path(task))
