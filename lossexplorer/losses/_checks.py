"""Input validation for the loss library: every problem becomes one ValueError naming it.

The checks are written to be cheap on a million rows: finiteness is tested on a single sum and only located
element by element when that sum is not finite; ranges are tested with one min and one max.
"""

from __future__ import annotations

from typing import Any

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: Any) -> str:
    """Return ``reduction`` if it is one of ``"none"``, ``"mean"``, ``"sum"``; raise ValueError otherwise."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"unknown reduction {reduction!r}; use one of 'none', 'mean', 'sum'")
    return reduction


def reduce_rows(rows: np.ndarray, reduction: str) -> np.ndarray | float:
    """Apply a checked reduction to per-row losses: the array itself, or a python float mean / sum."""
    if reduction == "none":
        return rows
    if reduction == "mean":
        return float(np.mean(rows))
    return float(np.sum(rows))


def _first_row(mask: np.ndarray) -> int:
    """Return the row (first-axis index) of the first True entry of ``mask``."""
    flat = int(np.flatnonzero(mask.ravel())[0])
    return int(np.unravel_index(flat, mask.shape)[0])


def check_finite(values: np.ndarray, name: str) -> None:
    """Raise ValueError if ``values`` holds NaN or inf, naming the first row that does."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(values)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(values)
    if bad.any():  # a non-finite sum of finite values is only an overflow of the sum itself
        raise ValueError(f"{name} contains NaN or inf (first at row {_first_row(bad)})")


def as_float_array(values: Any, name: str) -> np.ndarray:
    """Convert ``values`` to a finite, non-empty float64 array of shape (n,) or (n, k).

    Raises:
        ValueError: if the values are not numeric, not 1-D or 2-D, empty, or contain NaN or inf.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric ({exc})") from None
    if array.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (n,) or (n, k); got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); at least one row is needed")
    check_finite(array, name)
    return array


def check_same_shape(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """Raise ValueError unless both arrays have the same shape."""
    if y_true.shape != y_pred.shape:
        raise ValueError(f"shape mismatch: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")


def probability_matrices(y_true: object, y_pred: object, loss_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Return y_true and y_pred as two (n, k) float arrays of the same shape with every value in [0, 1]."""
    true = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_2d(pred, "y_pred", loss_id)
    check_same_shape(true, pred)
    check_probabilities(true, "y_true")
    check_probabilities(pred, "y_pred")
    return true, pred


def check_2d(values: np.ndarray, name: str, loss_id: str) -> None:
    """Raise ValueError unless ``values`` is (n, k): class / feature axis last."""
    if values.ndim != 2:
        raise ValueError(f"{loss_id} needs {name} of shape (n, k) with classes on the last axis; "
                         f"got shape {values.shape}")


def check_range(values: np.ndarray, name: str, low: float, high: float, what: str) -> None:
    """Raise ValueError if any value lies outside ``[low, high]``, naming the first offending row and value."""
    if values.min() >= low and values.max() <= high:
        return
    bad = (values < low) | (values > high)
    row = _first_row(bad)
    value = float(values[bad][0])
    raise ValueError(f"{name} must hold {what} in [{low:g}, {high:g}]; found {value:g} at row {row}")


def check_probabilities(values: np.ndarray, name: str) -> None:
    """Raise ValueError if any value is outside [0, 1]."""
    check_range(values, name, 0.0, 1.0, "probabilities")


def check_positive_row_sums(values: np.ndarray, name: str) -> None:
    """Raise ValueError if a row of probabilities sums to zero (it cannot be renormalised)."""
    sums = np.einsum("ij->i", values)
    if sums.min() > 0.0:
        return
    raise ValueError(f"{name} row {int(np.argmin(sums))} sums to 0; it cannot be renormalised to probabilities")


def hinge_labels(y_true: np.ndarray) -> np.ndarray:
    """Return hinge labels in {-1, 1}: Keras maps all-{0, 1} labels to {-1, 1} and keeps {-1, 1} labels.

    Raises:
        ValueError: if a label is not -1, 0 or 1, or if 0 and -1 are mixed (the mapping would be ambiguous).
    """
    is_zero = y_true == 0.0
    is_one = y_true == 1.0
    zero_one = is_zero | is_one
    if zero_one.all():
        return 2.0 * y_true - 1.0
    bad = ~(zero_one | (y_true == -1.0))
    if bad.any():
        raise ValueError(f"y_true must hold labels -1/1 or 0/1; found {float(y_true[bad][0]):g} "
                         f"at row {_first_row(bad)}")
    if is_zero.any():
        raise ValueError(f"y_true mixes -1 and 0 labels (first 0 at row {_first_row(is_zero)}); "
                         "use -1/1 or 0/1")
    return y_true


def class_indices(y_true: Any, n_rows: int, n_classes: int) -> np.ndarray:
    """Return sparse labels as an int64 array of shape (n,), checked to be integers in ``[0, n_classes)``.

    Accepts shape (n,) or (n, 1), as Keras does.

    Raises:
        ValueError: for a wrong shape, NaN/inf, non-integer labels, or labels outside the class range.
    """
    labels = np.asarray(y_true)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.size == 0:
        raise ValueError("y_true is empty; at least one row is needed")
    if labels.ndim != 1:
        raise ValueError(f"y_true must be class indices of shape (n,) or (n, 1); got shape {np.shape(y_true)}")
    if labels.shape[0] != n_rows:
        raise ValueError(f"shape mismatch: y_true has {labels.shape[0]} labels but y_pred has {n_rows} rows")
    if labels.dtype.kind not in "iu":
        labels = as_float_array(labels, "y_true")
        fractional = labels != np.round(labels)
        if fractional.any():
            raise ValueError(f"y_true must hold integer class labels; found {float(labels[fractional][0]):g} "
                             f"at row {_first_row(fractional)}")
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        raise ValueError(f"y_true label {float(labels[outside][0]):g} at row {_first_row(outside)} is outside the "
                         f"class range 0..{n_classes - 1}")
    return labels.astype(np.int64, copy=False)
