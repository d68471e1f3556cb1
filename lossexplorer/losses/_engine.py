"""The machinery every public loss goes through: validate, prepare inputs, compute, reduce.

Each loss registers a :class:`Kernel` here; the public function and :func:`gradient` share it, so the value
and its gradient always see the same checked inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossexplorer.losses._checks import check_reduction, reduce_rows
from lossexplorer.losses._params import validate_params

Prepare = Callable[[Any, Any, dict[str, Any]], tuple[np.ndarray, np.ndarray]]
KernelFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Kernel:
    """How one loss is computed.

    Attributes:
        prepare: turns raw ``(y_true, y_pred, params)`` into checked float arrays (raises ValueError).
        rows: per-row loss from prepared arrays and the full parameter dict as keywords, shape (n,).
        grad: d(per-row loss)/d(y_pred) from the same arguments, shape of ``y_pred``.
    """

    prepare: Prepare
    rows: KernelFn
    grad: KernelFn


KERNELS: dict[str, Kernel] = {}


def register(loss_id: str, prepare: Prepare, rows: KernelFn, grad: KernelFn) -> None:
    """Register the kernel of ``loss_id`` (called once per loss at import time)."""
    KERNELS[loss_id] = Kernel(prepare, rows, grad)


def evaluate(loss_id: str, y_true: Any, y_pred: Any, reduction: Any, params: dict[str, Any]) -> np.ndarray | float:
    """Validate everything, compute the per-row loss of ``loss_id`` and apply the reduction."""
    checked_reduction = check_reduction(reduction)
    full = validate_params(loss_id, params)
    kernel = KERNELS[loss_id]
    true, pred = kernel.prepare(y_true, y_pred, full)
    # Overflow and underflow are part of the stable formulas' normal operation (exp(-|x|) -> 0 and friends).
    with np.errstate(over="ignore", under="ignore"):
        rows = kernel.rows(true, pred, **full)
    return reduce_rows(rows, checked_reduction)


def gradient(name: str, y_true: Any, y_pred: Any, **params: Any) -> np.ndarray:
    """Return the analytic gradient d(per-row loss)/d(y_pred) of a loss, with the shape of ``y_pred``.

    For (n, k) inputs whose per-row loss is a mean over k (regression and binary losses), the factor 1/k is
    included. With ``from_logits=True`` the gradient is taken with respect to the logits. Where Keras clips a
    probability to ``[1e-7, 1 - 1e-7]`` the clipped loss is flat, so the gradient there is 0; at the kinks of
    piecewise-linear losses (MAE and quantile at zero error, hinge at margin 1, categorical hinge at its
    threshold) the subgradient 0 is returned.

    Args:
        name: the loss id (its function name), e.g. ``"huber"``.
        y_true: targets, as the loss function takes them.
        y_pred: predictions (or logits), as the loss function takes them.
        **params: the loss's parameters; missing ones take their defaults.

    Returns:
        A float64 array with the shape of ``y_pred``.

    Raises:
        ValueError: for an unknown loss or any input or parameter problem the loss itself would reject.
    """
    full = validate_params(name, params)
    kernel = KERNELS[name]
    true, pred = kernel.prepare(y_true, y_pred, full)
    with np.errstate(over="ignore", under="ignore"):
        return kernel.grad(true, pred, **full)
