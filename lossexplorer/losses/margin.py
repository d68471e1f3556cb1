"""Margin losses (Keras 3 semantics): hinge, squared hinge and categorical hinge on raw scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from lossexplorer.losses._checks import (
    as_float_array,
    check_2d,
    check_probabilities,
    check_same_shape,
    hinge_labels,
)
from lossexplorer.losses._engine import evaluate, register
from lossexplorer.losses._numerics import per_row_weight, row_dot, row_max, row_mean


def _prepare_hinge(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check labels (-1/1, or 0/1 mapped to -1/1 as Keras does) against real-valued scores."""
    true = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_same_shape(true, pred)
    return hinge_labels(true), pred


def _prepare_categorical_hinge(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check (n, k) one-hot labels in [0, 1] against (n, k) real-valued scores."""
    true = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_2d(pred, "y_pred", "categorical_hinge")
    check_same_shape(true, pred)
    check_probabilities(true, "y_true")
    return true, pred


def _hinge_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return row_mean(np.maximum(1.0 - y_true * y_pred, 0.0))


def _hinge_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    active = (1.0 - y_true * y_pred) > 0.0
    return per_row_weight(y_pred) * np.where(active, -y_true, 0.0)


def _squared_hinge_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    slack = np.maximum(1.0 - y_true * y_pred, 0.0)
    return row_mean(slack * slack)


def _squared_hinge_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    slack = np.maximum(1.0 - y_true * y_pred, 0.0)
    return (-2.0 * per_row_weight(y_pred)) * y_true * slack


def _categorical_hinge_parts(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (slack, index of the best wrong class, its score) with slack = neg − pos + 1."""
    positive = row_dot(y_true, y_pred)
    wrong = (1.0 - y_true) * y_pred
    best_wrong = np.argmax(wrong, axis=-1)
    negative = wrong[np.arange(wrong.shape[0]), best_wrong]
    return negative - positive + 1.0, best_wrong, negative


def _categorical_hinge_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    positive = row_dot(y_true, y_pred)
    negative = row_max((1.0 - y_true) * y_pred)
    return np.maximum(negative - positive + 1.0, 0.0)


def _categorical_hinge_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    slack, best_wrong, _ = _categorical_hinge_parts(y_true, y_pred)
    rows = np.arange(y_pred.shape[0])
    grad = -y_true.copy()
    grad[rows, best_wrong] += 1.0 - y_true[rows, best_wrong]
    return grad * (slack > 0.0)[:, None]


register("hinge", _prepare_hinge, _hinge_rows, _hinge_grad)
register("squared_hinge", _prepare_hinge, _squared_hinge_rows, _squared_hinge_grad)
register("categorical_hinge", _prepare_categorical_hinge, _categorical_hinge_rows, _categorical_hinge_grad)


def hinge(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Hinge loss (Keras ``hinge``): mean(max(1 − y·f, 0)) over the last axis.

    Labels are −1/1; if every label is 0 or 1 they are mapped to −1/1 first, as Keras does. ``y_pred`` is a
    real-valued score (e.g. a logit), not a probability. PyTorch's ``hinge_embedding_loss`` is a different loss.

    Args:
        y_true: labels −1/1 or 0/1, shape (n,) or (n, k).
        y_pred: scores, same shape.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for labels other than −1/1 or 0/1 (or a mix of −1 and 0), mismatched shapes, empty input,
            NaN/inf, a parameter, or an unknown reduction.
    """
    return evaluate("hinge", y_true, y_pred, reduction, params)


def squared_hinge(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Squared hinge loss (Keras ``squared_hinge``): mean(max(1 − y·f, 0)²) over the last axis.

    Labels as for :func:`hinge` (0/1 mapped to −1/1). Differentiable at the margin, unlike the hinge.

    Args:
        y_true: labels −1/1 or 0/1, shape (n,) or (n, k).
        y_pred: scores, same shape.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for labels other than −1/1 or 0/1 (or a mix of −1 and 0), mismatched shapes, empty input,
            NaN/inf, a parameter, or an unknown reduction.
    """
    return evaluate("squared_hinge", y_true, y_pred, reduction, params)


def categorical_hinge(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Categorical hinge (Keras ``categorical_hinge``): max(neg − pos + 1, 0) per row.

    pos = Σ y·f is the true class's score and neg = max((1 − y)·f) the best wrong class's score (Crammer-Singer
    style). ``y_pred`` holds real-valued scores. PyTorch's ``multi_margin_loss`` sums over all wrong classes
    and divides by k instead of taking the maximum.

    Args:
        y_true: one-hot labels in [0, 1], shape (n, k).
        y_pred: class scores, shape (n, k).
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for inputs that are not (n, k), mismatched shapes, empty input, NaN/inf, labels outside
            [0, 1], a parameter, or an unknown reduction.
    """
    return evaluate("categorical_hinge", y_true, y_pred, reduction, params)
