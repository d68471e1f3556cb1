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


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Return ``log(softmax(x))`` over the last axis via the shifted log-sum-exp."""
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(x: np.ndarray) -> np.ndarray:
    """Return the softmax of ``x`` over the last axis, safe for very large logits."""
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


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
    return np.mean(values, axis=-1)


def per_row_weight(y_pred: np.ndarray) -> float:
    """Return 1/k for (n, k) inputs (the per-row loss is a mean over k), 1 for (n,) inputs."""
    return 1.0 if y_pred.ndim == 1 else 1.0 / y_pred.shape[-1]
