"""Immutable prediction data: the task, the arrays and where they came from. No Qt."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

TASKS = ("regression", "binary", "multiclass")
PRED_KINDS = ("value", "probability", "logit")


@dataclass(frozen=True)
class Dataset:
    """Predictions of one model against the truth.

    Shapes and dtypes by task:

    * ``regression``: ``y_true`` and ``y_pred`` are float64 of shape (n,); ``pred_kind`` is ``"value"``.
    * ``binary``: ``y_true`` float64 (n,) in [0, 1]; ``y_pred`` float64 (n,), the probability of class 1
      or its logit (``pred_kind`` ``"probability"`` or ``"logit"``).
    * ``multiclass``: ``y_true`` int64 (n,) class indices in 0..k-1; ``y_pred`` float64 (n, k).
    """

    task: str
    y_true: np.ndarray
    y_pred: np.ndarray
    pred_kind: str = "value"
    true_name: str = "y_true"
    pred_names: tuple[str, ...] = ("y_pred",)
    class_names: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        problem = describe_problem(self)
        if problem:
            raise ValueError(problem)

    @property
    def n_rows(self) -> int:
        """Number of prediction rows."""
        return int(self.y_true.shape[0])

    @property
    def n_classes(self) -> int:
        """Number of classes: k for multiclass, 2 for binary, 0 for regression."""
        if self.task == "multiclass":
            return int(self.y_pred.shape[1])
        return 2 if self.task == "binary" else 0

    def probabilities(self) -> np.ndarray:
        """Return predicted probabilities: of class 1 for binary, per class (n, k) for multiclass.

        Logits are mapped through the sigmoid or softmax; regression data has none.
        """
        if self.task == "regression":
            raise ValueError("regression data has no probabilities")
        if self.pred_kind == "probability":
            return self.y_pred
        if self.task == "binary":
            return _sigmoid(self.y_pred)
        return _softmax(self.y_pred)

    def with_arrays(self, y_true: np.ndarray, y_pred: np.ndarray) -> Dataset:
        """Return a copy with new arrays and everything else kept."""
        return replace(self, y_true=y_true, y_pred=y_pred)


def describe_problem(data: Dataset) -> str:
    """Return a one-line description of what is inconsistent in ``data``, or ``""`` if nothing is."""
    if data.task not in TASKS:
        return f"unknown task {data.task!r}; expected one of {', '.join(TASKS)}"
    if data.pred_kind not in PRED_KINDS:
        return f"unknown prediction kind {data.pred_kind!r}; expected one of {', '.join(PRED_KINDS)}"
    if data.y_true.ndim != 1:
        return f"y_true must be one-dimensional, got shape {data.y_true.shape}"
    expected_ndim = 2 if data.task == "multiclass" else 1
    if data.y_pred.ndim != expected_ndim:
        shape = data.y_pred.shape
        return f"{data.task} predictions must have {expected_ndim} dimension(s), got shape {shape}"
    if data.y_pred.shape[0] != data.y_true.shape[0]:
        return f"y_true has {data.y_true.shape[0]} rows but y_pred has {data.y_pred.shape[0]}"
    if data.task == "regression" and data.pred_kind != "value":
        return "regression predictions must be values, not probabilities or logits"
    if data.task != "regression" and data.pred_kind == "value":
        return f"{data.task} predictions must be probabilities or logits"
    if data.task == "multiclass" and data.class_names and len(data.class_names) != data.y_pred.shape[1]:
        return f"{len(data.class_names)} class names for {data.y_pred.shape[1]} probability columns"
    return ""


def detect_task(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    """Guess the task from the arrays alone.

    Two-dimensional predictions are multiclass; labels all in {0, 1} with predictions that are
    probabilities or plausible logits are binary; anything else is regression.
    """
    if y_pred.ndim == 2:
        return "multiclass"
    labels_are_binary = bool(np.all((y_true == 0) | (y_true == 1)))
    return "binary" if labels_are_binary and y_true.size > 0 else "regression"


def guess_pred_kind(task: str, y_pred: np.ndarray) -> str:
    """Guess whether classification predictions are probabilities or logits from their range."""
    if task == "regression":
        return "value"
    inside_unit = bool(np.all((y_pred >= 0.0) & (y_pred <= 1.0)))
    if task == "multiclass" and inside_unit:
        sums_to_one = bool(np.allclose(y_pred.sum(axis=1), 1.0, atol=1e-3))
        return "probability" if sums_to_one else "logit"
    return "probability" if inside_unit else "logit"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # The two-sided form never computes exp of a large positive number.
    out = np.empty_like(x, dtype=np.float64)
    positive = x >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])
    out[~positive] = exp_x / (1.0 + exp_x)
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    exp_x = np.exp(shifted)
    return exp_x / exp_x.sum(axis=1, keepdims=True)
