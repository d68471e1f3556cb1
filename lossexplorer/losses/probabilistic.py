"""Probabilistic classification losses: cross-entropies, focal loss and KL divergence, Keras 3 semantics.

Probabilities are clipped to [1e-7, 1 − 1e-7] before any log (so no log(0) ever happens and a single BCE term
is at most −ln(1e-7) = 16.118); ``from_logits`` paths use softplus and log-sum-exp instead and stay finite for
logits of ±1e4. Soft labels are used as given: every class's label mass counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lossexplorer.losses._checks import (
    as_float_array,
    check_2d,
    check_positive_row_sums,
    check_probabilities,
    check_same_shape,
    class_indices,
    probability_matrices,
)
from lossexplorer.losses._engine import evaluate, register
from lossexplorer.losses._numerics import (
    EPSILON,
    clip_probability,
    inside_clip,
    log_softmax,
    per_row_weight,
    row_dot,
    row_max,
    row_mean,
    row_sum,
    sigmoid,
    softmax,
)


def _prepare_binary(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check binary inputs: labels (soft allowed) in [0, 1]; probabilities in [0, 1] unless logits."""
    true = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_same_shape(true, pred)
    check_probabilities(true, "y_true")
    if not params["from_logits"]:
        check_probabilities(pred, "y_pred")
    return true, pred


def _check_class_probabilities(pred: np.ndarray, from_logits: bool) -> None:
    """Probabilities must be in [0, 1] with a positive row sum (Keras renormalises each row)."""
    if not from_logits:
        check_probabilities(pred, "y_pred")
        check_positive_row_sums(pred, "y_pred")


def _prepare_categorical(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check (n, k) one-hot or soft labels against (n, k) probabilities or logits."""
    true = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_2d(pred, "y_pred", "categorical_crossentropy")
    check_same_shape(true, pred)
    check_probabilities(true, "y_true")
    _check_class_probabilities(pred, params["from_logits"])
    return true, pred


def _prepare_sparse(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check (n,) integer class labels against (n, k) probabilities or logits."""
    pred = as_float_array(y_pred, "y_pred")
    check_2d(pred, "y_pred", "sparse_categorical_crossentropy")
    labels = class_indices(y_true, pred.shape[0], pred.shape[1])
    _check_class_probabilities(pred, params["from_logits"])
    return labels, pred


def _prepare_kl(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check two (n, k) arrays of probabilities."""
    return probability_matrices(y_true, y_pred, "kl_divergence")


def _smooth_binary(y_true: np.ndarray, label_smoothing: float) -> np.ndarray:
    """Keras's binary label smoothing: y·(1−ε) + ε/2."""
    if label_smoothing == 0.0:
        return y_true
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _smooth_categorical(y_true: np.ndarray, label_smoothing: float) -> np.ndarray:
    """Keras's categorical label smoothing: y·(1−ε) + ε/C over C classes."""
    if label_smoothing == 0.0:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]


def _bce_from_logits(target: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """Elementwise BCE of logits: max(x, 0) − y·x + log1p(exp(−|x|)), exact in both tails."""
    return np.maximum(logits, 0.0) - target * logits + np.log1p(np.exp(-np.abs(logits)))


def _bce_from_probabilities(target: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Elementwise BCE of clipped probabilities, Keras's −(y log p + (1−y) log(1−p))."""
    clipped = clip_probability(probability)
    return -(target * np.log(clipped) + (1.0 - target) * np.log1p(-clipped))


def _bce_rows(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool, label_smoothing: float) -> np.ndarray:
    target = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        return row_mean(_bce_from_logits(target, y_pred))
    return row_mean(_bce_from_probabilities(target, y_pred))


def _bce_probability_slope(target: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Return dBCE/dp = (p − y) / (p (1 − p)) inside the clip, 0 where the clip holds p constant."""
    clipped = clip_probability(probability)
    return inside_clip(probability) * (clipped - target) / (clipped * (1.0 - clipped))


def _bce_grad(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool, label_smoothing: float) -> np.ndarray:
    target = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        return per_row_weight(y_pred) * (sigmoid(y_pred) - target)
    return per_row_weight(y_pred) * _bce_probability_slope(target, y_pred)


def _class_weight(target: np.ndarray, apply_class_balancing: bool, alpha: float) -> np.ndarray | float:
    """Keras's focal balancing weight y·α + (1−y)·(1−α), or 1 without class balancing."""
    if not apply_class_balancing:
        return 1.0
    return target * alpha + (1.0 - target) * (1.0 - alpha)


def _focal_terms(target: np.ndarray, y_pred: np.ndarray, from_logits: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return (q, bce) with q = 1 − p_t = y(1−p) + (1−y)p, the chance given to the wrong outcome."""
    if from_logits:
        positive, negative = sigmoid(y_pred), sigmoid(-y_pred)
        return target * negative + (1.0 - target) * positive, _bce_from_logits(target, y_pred)
    # As in Keras, p_t uses the unclipped probability and only the BCE term is clipped.
    return target + y_pred - 2.0 * target * y_pred, _bce_from_probabilities(target, y_pred)


def _focal_rows(y_true: np.ndarray, y_pred: np.ndarray, apply_class_balancing: bool, alpha: float,
                gamma: float, from_logits: bool, label_smoothing: float) -> np.ndarray:
    target = _smooth_binary(y_true, label_smoothing)
    q, bce = _focal_terms(target, y_pred, from_logits)
    weight = _class_weight(target, apply_class_balancing, alpha)
    return row_mean(weight * np.power(q, gamma) * bce)


def _focal_grad(y_true: np.ndarray, y_pred: np.ndarray, apply_class_balancing: bool, alpha: float,
                gamma: float, from_logits: bool, label_smoothing: float) -> np.ndarray:
    target = _smooth_binary(y_true, label_smoothing)
    q, bce = _focal_terms(target, y_pred, from_logits)
    weight = _class_weight(target, apply_class_balancing, alpha)
    focus = np.power(q, gamma)
    if from_logits:
        positive, negative = sigmoid(y_pred), sigmoid(-y_pred)
        bce_slope = positive - target
        # dq/dx = (1−2y)·σ(x)σ(−x); σσ/q <= 1 is formed first so q = 0 after underflow gives 0, not inf·0.
        spread = positive * negative
        focus_slope = gamma * focus * (spread / np.maximum(q, np.finfo(float).tiny)) * (1.0 - 2.0 * target)
    else:
        bce_slope = _bce_probability_slope(target, y_pred)
        with np.errstate(divide="ignore", invalid="ignore"):
            # q^(γ−1) is infinite at q = 0 for γ < 1: the loss has a vertical tangent there.
            focus_slope = gamma * np.power(q, gamma - 1.0) * (1.0 - 2.0 * target) if gamma else 0.0
    return per_row_weight(y_pred) * weight * (focus_slope * bce + focus * bce_slope)


def _cce_rows(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool, label_smoothing: float) -> np.ndarray:
    target = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        return -row_dot(target, log_softmax(y_pred))
    normalised = y_pred / row_sum(y_pred)[:, None]
    return -row_dot(target, np.log(clip_probability(normalised)))


def _cce_grad(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool, label_smoothing: float) -> np.ndarray:
    target = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        return row_sum(target)[:, None] * softmax(y_pred) - target
    total = row_sum(y_pred)[:, None]
    normalised = y_pred / total
    live_target = target * inside_clip(normalised)
    # d/dp_i of −Σ y_j log(p_j/S) = (Σ_j y_j − y_i S/p_i) / S, counting only unclipped classes.
    return (row_sum(live_target)[:, None] - live_target / clip_probability(normalised)) / total


def _sparse_rows(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    rows = np.arange(y_pred.shape[0])
    if from_logits:
        top = row_max(y_pred)
        log_total = top + np.log(row_sum(np.exp(y_pred - top[:, None])))
        return log_total - y_pred[rows, y_true]
    probability = y_pred[rows, y_true] / row_sum(y_pred)
    return -np.log(clip_probability(probability))


def _sparse_grad(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    rows = np.arange(y_pred.shape[0])
    if from_logits:
        grad = softmax(y_pred)
        grad[rows, y_true] -= 1.0
        return grad
    total = row_sum(y_pred)
    picked = y_pred[rows, y_true]
    live = inside_clip(picked / total)
    grad = np.repeat((live / total)[:, None], y_pred.shape[1], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad[rows, y_true] -= np.where(live > 0, live / picked, 0.0)
    return grad


def _kl_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    true = np.clip(y_true, EPSILON, 1.0)
    pred = np.clip(y_pred, EPSILON, 1.0)
    return row_dot(true, np.log(true / pred))


def _kl_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    true = np.clip(y_true, EPSILON, 1.0)
    live = (y_pred >= EPSILON).astype(np.float64)
    return -live * true / np.maximum(y_pred, EPSILON)


register("binary_crossentropy", _prepare_binary, _bce_rows, _bce_grad)
register("binary_focal_crossentropy", _prepare_binary, _focal_rows, _focal_grad)
register("categorical_crossentropy", _prepare_categorical, _cce_rows, _cce_grad)
register("sparse_categorical_crossentropy", _prepare_sparse, _sparse_rows, _sparse_grad)
register("kl_divergence", _prepare_kl, _kl_rows, _kl_grad)


def binary_crossentropy(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Binary cross-entropy (Keras ``binary_crossentropy``), mean over the last axis.

    −(y·log p + (1−y)·log(1−p)) with p clipped to [1e-7, 1 − 1e-7]; labels may be soft. With label smoothing ε
    the labels become y·(1−ε) + ε/2. With ``from_logits`` it is softplus(x) − y·x, unclipped and finite for
    any finite logit. PyTorch: ``BCELoss`` clamps each log at −100 instead of clipping p (so its largest term is
    100, not 16.118); ``BCEWithLogitsLoss`` matches ``from_logits=True``.

    Args:
        y_true: labels in [0, 1] (0/1 or soft), shape (n,) or (n, k).
        y_pred: probabilities of class 1 in [0, 1] (or logits with ``from_logits``), same shape.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: ``from_logits`` (bool, default False); ``label_smoothing`` (float in [0, 1], default 0).

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, values outside [0, 1], out-of-range or
            unknown parameters, or an unknown reduction.
    """
    return evaluate("binary_crossentropy", y_true, y_pred, reduction, params)


def binary_focal_crossentropy(y_true: Any, y_pred: Any, *, reduction: str = "mean",
                              **params: Any) -> np.ndarray | float:
    """Binary focal cross-entropy (Lin et al. 2017; Keras ``binary_focal_crossentropy``), mean over the last axis.

    (1 − p_t)^γ · BCE with p_t = y·p + (1−y)·(1−p); multiplied by y·α + (1−y)·(1−α) only when
    ``apply_class_balancing`` is true (α is ignored otherwise, as in Keras). γ = 0 gives BCE. With y = 1 and
    p = p_t it is Lin et al.'s FL(p_t) = −(1 − p_t)^γ log p_t (without α). With ``from_logits`` Keras applies a
    sigmoid and then clips; here the BCE factor is taken from the logits with softplus instead, which agrees
    wherever the clip is inactive (|logit| < 16.1) and stays exact beyond it. PyTorch has no built-in focal
    loss; torchvision's ``sigmoid_focal_loss`` takes logits and always applies α (default 0.25).

    Args:
        y_true: labels in [0, 1] (0/1 or soft), shape (n,) or (n, k).
        y_pred: probabilities of class 1 in [0, 1] (or logits with ``from_logits``), same shape.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: ``apply_class_balancing`` (bool, default False); ``alpha`` (float in [0, 1], default 0.25);
            ``gamma`` (float >= 0, default 2.0); ``from_logits`` (bool, default False);
            ``label_smoothing`` (float in [0, 1], default 0).

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, values outside [0, 1], out-of-range or
            unknown parameters, or an unknown reduction.
    """
    return evaluate("binary_focal_crossentropy", y_true, y_pred, reduction, params)


def categorical_crossentropy(y_true: Any, y_pred: Any, *, reduction: str = "mean",
                             **params: Any) -> np.ndarray | float:
    """Categorical cross-entropy (Keras ``categorical_crossentropy``): −Σ_c y_c·log p_c per row.

    Keras renormalises each row of probabilities to sum to 1, then clips to [1e-7, 1 − 1e-7]. Soft labels
    count with their full weight (every class, not only entries equal to 1). Label smoothing ε gives
    y·(1−ε) + ε/C. With ``from_logits`` it uses log-softmax (log-sum-exp), finite for any finite logits.
    PyTorch: ``cross_entropy`` always takes logits (like ``from_logits=True``) and class indices or
    probabilities as targets; its ``label_smoothing`` uses the same ε/C rule.

    Args:
        y_true: one-hot or soft labels in [0, 1], shape (n, k).
        y_pred: class probabilities in [0, 1] (or logits with ``from_logits``), shape (n, k).
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: ``from_logits`` (bool, default False); ``label_smoothing`` (float in [0, 1], default 0).

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for inputs that are not (n, k), mismatched shapes, empty input, NaN/inf, values outside
            [0, 1], an all-zero probability row, bad parameters, or an unknown reduction.
    """
    return evaluate("categorical_crossentropy", y_true, y_pred, reduction, params)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, *, reduction: str = "mean",
                                    **params: Any) -> np.ndarray | float:
    """Sparse categorical cross-entropy (Keras ``sparse_categorical_crossentropy``): −log p[label] per row.

    The same as categorical cross-entropy against one-hot labels: probabilities are renormalised per row and
    clipped to [1e-7, 1 − 1e-7]; with ``from_logits`` it is logsumexp(x) − x[label]. PyTorch's
    ``cross_entropy`` with class-index targets equals ``from_logits=True``; ``nll_loss`` takes log-probabilities.

    Args:
        y_true: integer class labels 0..k−1, shape (n,) or (n, 1); floats are accepted if integral.
        y_pred: class probabilities in [0, 1] (or logits with ``from_logits``), shape (n, k).
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: ``from_logits`` (bool, default False).

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for non-integer labels, labels outside 0..k−1, row-count mismatch, empty input, NaN/inf,
            probabilities outside [0, 1], bad parameters, or an unknown reduction.
    """
    return evaluate("sparse_categorical_crossentropy", y_true, y_pred, reduction, params)


def kl_divergence(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Kullback-Leibler divergence KL(y_true ‖ y_pred) = Σ_c y_c·log(y_c / p_c) per row (Keras ``kl_divergence``).

    Keras clips both arguments to [1e-7, 1] first, so a 0 in y_true contributes 1e-7·log(1e-7/p) rather than
    exactly 0. PyTorch: ``kl_div(input, target)`` takes log-probabilities as ``input`` (and probabilities as
    ``target``), does not clip, and only ``reduction='batchmean'`` gives the true KL averaged over rows; its
    default ``'mean'`` also divides by k.

    Args:
        y_true: the reference distribution, values in [0, 1], shape (n, k).
        y_pred: the predicted distribution, values in [0, 1], shape (n, k).
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for inputs that are not (n, k), mismatched shapes, empty input, NaN/inf, values outside
            [0, 1], a parameter, or an unknown reduction.
    """
    return evaluate("kl_divergence", y_true, y_pred, reduction, params)
