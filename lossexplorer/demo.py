"""The demo data sets bundled in ``assets/``, so the first launch shows something meaningful. No Qt."""

from __future__ import annotations

import numpy as np

from lossexplorer.dataset import Dataset
from lossexplorer.resources import asset_path

DEMO_FILES = {
    "regression": "demo_regression.csv",
    "binary": "demo_binary.csv",
    "multiclass": "demo_multiclass.csv",
}
_MULTICLASS_NAMES = ("cat", "dog", "bird")


def demo_path(task: str = "regression") -> str:
    """Return the path of the bundled demo file for ``task``."""
    return str(asset_path(DEMO_FILES[task]))


def demo_dataset(task: str = "regression") -> Dataset:
    """Load the bundled demo data set for ``task`` (regression, binary or multiclass)."""
    path = demo_path(task)
    cells = np.loadtxt(path, delimiter=",", dtype=str, skiprows=1, ndmin=2)
    if task == "regression":
        return Dataset("regression", cells[:, 1].astype(float), cells[:, 2].astype(float), "value",
                       source=path)
    if task == "binary":
        return Dataset("binary", cells[:, 1].astype(float), cells[:, 2].astype(float), "probability",
                       true_name="label", pred_names=("prob",), source=path)
    names = np.array(_MULTICLASS_NAMES)
    labels = np.argmax(cells[:, 1:2] == names[None, :], axis=1).astype(np.int64)
    return Dataset("multiclass", labels, cells[:, 2:5].astype(float), "probability", true_name="label",
                   pred_names=tuple(f"prob_{n}" for n in _MULTICLASS_NAMES),
                   class_names=_MULTICLASS_NAMES, source=path)
