"""Numerically stable building blocks shared by the loss kernels (pure numpy)."""

from __future__ import annotations

import numpy as np

EPSILON = 1e-7
"""Keras's ``backend.epsilon()``: probabilities are clipped to ``[EPSILON, 1 - EPSILON]``."""

LOG2 = float(np.log(2.0))


def softplus(x: np.ndarray) -> np.ndarray:
    """Return ``log(1 + exp(x))`` without overflow for any finite ``x``."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of ``x``, exact in both tails (no ``exp`` of a large positive number)."""
    e = np.exp(-np.abs(x))
    inv = 1.0 / (1.0 + e)
    return np.where(x >= 0, inv, e * inv)


# numpy's reductions over a short last axis are slow (np.max over (n, 3) costs ~15 passes over the data);
# einsum and column-wise maxima are several times faster. Below this many columns the column loop wins.
_COLUMN_LOOP_LIMIT = 32


def row_sum(values: np.ndarray) -> np.ndarray:
    """Return the sum over the last axis of an (n, k) array, shape (n,)."""
    return np.einsum("ij->i", values)


def row_dot(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return the row-wise dot product of two (n, k) arrays, shape (n,)."""
    return np.einsum("ij,ij->i", left, right)


def row_max(values: np.ndarray) -> np.ndarray:
    """Return the maximum over the last axis of an (n, k) array, shape (n,)."""
    if values.shape[1] > _COLUMN_LOOP_LIMIT:
        return np.max(values, axis=-1)
    result = values[:, 0].copy()
    for column in range(1, values.shape[1]):  # a loop over the few columns, never over rows
        np.maximum(result, values[:, column], out=result)
    return result


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Return ``log(softmax(x))`` over the last axis of (n, k) logits via the shifted log-sum-exp."""
    shifted = x - row_max(x)[:, None]
    return shifted - np.log(row_sum(np.exp(shifted)))[:, None]


def softmax(x: np.ndarray) -> np.ndarray:
    """Return the softmax over the last axis of (n, k) logits, safe for very large logits."""
    e = np.exp(x - row_max(x)[:, None])
    return e / row_sum(e)[:, None]


def clip_probability(p: np.ndarray) -> np.ndarray:
    """Clip probabilities to Keras's ``[EPSILON, 1 - EPSILON]`` so no log ever sees 0."""
    return np.clip(p, EPSILON, 1.0 - EPSILON)


def inside_clip(p: np.ndarray) -> np.ndarray:
    """Return a 0/1 float mask that is 1 where the probability clip is not active.

    Where the clip is active the clipped loss is flat in ``p``, so its gradient is zero there.
    """
    return ((p >= EPSILON) & (p <= 1.0 - EPSILON)).astype(np.float64)


def row_mean(values: np.ndarray) -> np.ndarray:
    """Reduce a per-element array to one value per row: identity for (n,), mean over the last axis for (n, k)."""
    if values.ndim == 1:
        return values
    return row_sum(values) * (1.0 / values.shape[1])


def per_row_weight(y_pred: np.ndarray) -> float:
    """Return 1/k for (n, k) inputs (the per-row loss is a mean over k), 1 for (n,) inputs."""
    return 1.0 if y_pred.ndim == 1 else 1.0 / y_pred.shape[-1]
