"""Similarity and overlap losses (Keras 3 semantics): negative cosine similarity and per-row Dice loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from lossexplorer.losses._checks import as_float_array, check_2d, check_same_shape, probability_matrices
from lossexplorer.losses._engine import evaluate, register
from lossexplorer.losses._numerics import EPSILON, row_dot, row_sum


def _prepare_cosine(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check two (n, k) arrays of real vectors."""
    true = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_2d(pred, "y_pred", "cosine_similarity")
    check_same_shape(true, pred)
    return true, pred


def _prepare_dice(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check two (n, k) arrays of masks or probabilities in [0, 1]."""
    return probability_matrices(y_true, y_pred, "dice")


def _norm_floor(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (‖v‖, max(‖v‖, 1e-7)) per row, keeping the axis: Keras's L2 normalisation floor."""
    norm = np.sqrt(row_dot(values, values))[:, None]
    return norm, np.maximum(norm, EPSILON)


def _cosine_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    _, true_floor = _norm_floor(y_true)
    _, pred_floor = _norm_floor(y_pred)
    return -row_dot(y_true, y_pred) / (true_floor[:, 0] * pred_floor[:, 0])


def _cosine_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    _, true_floor = _norm_floor(y_true)
    pred_norm, pred_floor = _norm_floor(y_pred)
    unit_true = y_true / true_floor
    projection = row_dot(unit_true, y_pred)[:, None]
    # Above the floor the derivative of p/‖p‖ removes the radial part; below it p is divided by the constant 1e-7.
    radial = np.where(pred_norm > EPSILON, projection / (pred_floor * pred_floor), 0.0) * y_pred
    return -(unit_true - radial) / pred_floor


def _dice_parts(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (intersection Σ y·p, denominator Σ y + Σ p + 1e-7) per row, keeping the axis."""
    intersection = row_dot(y_true, y_pred)[:, None]
    denominator = (row_sum(y_true) + row_sum(y_pred) + EPSILON)[:, None]
    return intersection, denominator


def _dice_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    intersection, denominator = _dice_parts(y_true, y_pred)
    return 1.0 - 2.0 * intersection[:, 0] / denominator[:, 0]


def _dice_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    intersection, denominator = _dice_parts(y_true, y_pred)
    return -2.0 * (y_true * denominator - intersection) / (denominator * denominator)


register("cosine_similarity", _prepare_cosine, _cosine_rows, _cosine_grad)
register("dice", _prepare_dice, _dice_rows, _dice_grad)


def cosine_similarity(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Negative cosine similarity (Keras ``cosine_similarity``): −Σ ŷ_true·ŷ_pred per row.

    Each row is L2-normalised as x / max(‖x‖, 1e-7), so the loss is −1 for parallel vectors, 0 for orthogonal
    ones, +1 for opposite ones, and 0 when either vector is zero. PyTorch: ``cosine_similarity`` returns the
    positive cosine (with eps 1e-8 on the product of norms) and ``CosineEmbeddingLoss`` uses 1 − cos.

    Args:
        y_true: target vectors, shape (n, k).
        y_pred: predicted vectors, shape (n, k).
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for inputs that are not (n, k), mismatched shapes, empty input, NaN/inf, a parameter,
            or an unknown reduction.
    """
    return evaluate("cosine_similarity", y_true, y_pred, reduction, params)


def dice(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Dice loss (Keras ``dice``): 1 − 2·Σ y·p / (Σ y + Σ p + 1e-7), per row over the last axis.

    Keras's default ``axis=None`` pools the whole batch into one number; here each row is its own sample (Keras
    with ``axis=-1``), which is what a per-row view needs. The 1e-7 is Keras's epsilon.

    Args:
        y_true: target mask or probabilities in [0, 1], shape (n, k).
        y_pred: predicted probabilities in [0, 1], shape (n, k).
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for inputs that are not (n, k), mismatched shapes, empty input, NaN/inf, values outside
            [0, 1], a parameter, or an unknown reduction.
    """
    return evaluate("dice", y_true, y_pred, reduction, params)
