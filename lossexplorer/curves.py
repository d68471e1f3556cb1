"""Curve data for the plots: loss and gradient against error and true-class probability, and margin losses.

No Qt; every loss value except the textbook margin losses comes from :mod:`lossexplorer.losses`.

Conventions (shared with :mod:`lossexplorer.evaluate` and the window):

* error ``e = y_pred - y_true``; regression curves put ``y_true = 0`` and ``y_pred = e``;
* ``p_t`` is the predicted probability of the true class: ``p`` for label 1, ``1 - p`` for label 0;
* margin losses take the score ``f = logit(p)`` and ``y`` in {-1, +1}; the margin is ``z = y * f``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossexplorer import losses

_PROBABILITY_CLIP = 1e-7
# exp() of anything above this overflows a double.
_LARGEST_EXPONENT = float(np.log(np.finfo(np.float64).max))

PROBABILITY_LOSSES = (
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "hinge",
    "squared_hinge",
)
"""Losses :func:`loss_vs_true_class_probability` draws; the squared and absolute errors act on the probability,
hinge and squared hinge on the score ``logit(p)``."""

FOCAL_GAMMAS = (0.0, 0.5, 1.0, 2.0, 5.0)
"""The focusing parameters of Lin et al. 2017, Fig. 1."""


def error_range(
    errors: np.ndarray, *, padding: float = 0.15, min_half_width: float = 1.0
) -> tuple[float, float]:
    """Return a symmetric range ``(-h, h)`` around zero that covers every finite error with some margin.

    Args:
        errors: The errors ``y_pred - y_true`` to cover (non-finite values are ignored; may be empty).
        padding: Fraction of the largest absolute error added on each side.
        min_half_width: The smallest ``h``, so that near-perfect data still shows the curves' shape.

    Returns:
        The pair ``(-h, h)``.
    """
    values = np.asarray(errors, dtype=np.float64).ravel()
    finite = values[np.isfinite(values)]
    largest = float(np.max(np.abs(finite))) if finite.size else 0.0
    half = max(largest * (1.0 + padding), min_half_width)
    return -half, half


def error_grid(
    errors: np.ndarray,
    n: int = 801,
    *,
    include: Iterable[float] = (),
    padding: float = 0.15,
    min_half_width: float = 1.0,
) -> np.ndarray:
    """Return sorted error values spanning :func:`error_range`, symmetric and containing 0.

    Args:
        errors: The errors to cover.
        n: Number of evenly spaced points (made odd, so that 0 is one of them).
        include: Extra points inside the range to add, such as a loss's kinks at ``+-delta``.
        padding: As for :func:`error_range`.
        min_half_width: As for :func:`error_range`.

    Returns:
        A sorted float64 array without duplicates.
    """
    low, high = error_range(errors, padding=padding, min_half_width=min_half_width)
    count = max(int(n), 3) | 1
    grid = np.linspace(low, high, count)
    grid[count // 2] = 0.0
    extra = np.asarray(list(include), dtype=np.float64)
    extra = extra[np.isfinite(extra) & (extra >= low) & (extra <= high)]
    merged = np.sort(np.concatenate([grid, extra]))
    # Sort and drop repeats by hand: np.unique imports numpy.ma on first use, a sixth of the window's start-up.
    keep = np.empty(merged.size, dtype=bool)
    keep[:1] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def loss_vs_error(loss_id: str, errors: np.ndarray, params: Mapping[str, Any] | None = None) -> np.ndarray:
    """Return the per-row loss at ``y_true = 0``, ``y_pred = e`` for every error ``e``.

    Args:
        loss_id: A regression loss id from :data:`lossexplorer.losses.REGISTRY`.
        errors: One-dimensional errors.
        params: The loss's parameters (defaults for missing ones).

    Returns:
        An array with the shape of ``errors``.

    Raises:
        ValueError: If the loss is not a regression loss or an argument is invalid.
    """
    spec = _regression_spec(loss_id)
    error_values = np.asarray(errors, dtype=np.float64)
    return spec.fn(np.zeros_like(error_values), error_values, reduction="none", **dict(params or {}))


def gradient_vs_error(loss_id: str, errors: np.ndarray, params: Mapping[str, Any] | None = None) -> np.ndarray:
    """Return d(loss)/d(y_pred) at ``y_true = 0``, ``y_pred = e``: the influence of a row with error ``e``.

    Args:
        loss_id: A regression loss id from :data:`lossexplorer.losses.REGISTRY`.
        errors: One-dimensional errors.
        params: The loss's parameters (defaults for missing ones).

    Returns:
        An array with the shape of ``errors``.

    Raises:
        ValueError: If the loss is not a regression loss or an argument is invalid.
    """
    _regression_spec(loss_id)
    error_values = np.asarray(errors, dtype=np.float64)
    return losses.gradient(loss_id, np.zeros_like(error_values), error_values, **dict(params or {}))


def probability_grid(n: int = 500, low: float = 1e-3) -> np.ndarray:
    """Return ``n`` evenly spaced probabilities from ``low`` to 1 for the true-class plots."""
    return np.linspace(low, 1.0, max(int(n), 2))


def loss_vs_true_class_probability(
    loss_id: str, p: np.ndarray, label: int = 1, params: Mapping[str, Any] | None = None
) -> np.ndarray:
    """Return the loss of one binary row whose true class gets probability ``p`` (``p_t``), for each ``p``.

    The row has label ``label``; its predicted probability of class 1 is ``p`` if the label is 1 and
    ``1 - p`` otherwise. The label matters only for losses that treat the classes differently, such as focal
    loss with class balancing. With ``from_logits=True`` the logit of that probability is passed.

    Args:
        loss_id: One of :data:`PROBABILITY_LOSSES`.
        p: Probabilities of the true class in [0, 1].
        label: The true label, 0 or 1.
        params: The loss's parameters (defaults for missing ones).

    Returns:
        An array with the shape of ``p``.

    Raises:
        ValueError: For a loss not in :data:`PROBABILITY_LOSSES`, a label other than 0 or 1, or bad ``p``.
    """
    if loss_id not in PROBABILITY_LOSSES:
        raise ValueError(f"no probability curve for loss {loss_id!r}; available: {', '.join(PROBABILITY_LOSSES)}")
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    true_class = np.asarray(p, dtype=np.float64)
    if np.any(~np.isfinite(true_class) | (true_class < 0.0) | (true_class > 1.0)):
        raise ValueError("probabilities of the true class must lie in [0, 1]")
    probability_of_one = true_class if label == 1 else 1.0 - true_class
    labels = np.full_like(true_class, float(label))
    arguments = dict(params or {})
    fn = losses.REGISTRY[loss_id].fn
    if loss_id in ("hinge", "squared_hinge"):
        return fn(labels, logit(probability_of_one), reduction="none", **arguments)
    if arguments.get("from_logits", False):
        return fn(labels, logit(probability_of_one), reduction="none", **arguments)
    return fn(labels, probability_of_one, reduction="none", **arguments)


def focal_family(p: np.ndarray, gammas: Iterable[float] = FOCAL_GAMMAS) -> dict[float, np.ndarray]:
    """Return focal loss against the true-class probability for several gammas (Lin et al. 2017, Fig. 1).

    FL(p_t) = -(1 - p_t)^gamma * ln(p_t), without class balancing; gamma = 0 is cross-entropy. Values come
    from :func:`lossexplorer.losses.binary_focal_crossentropy`, so probabilities are clipped as Keras does.

    Args:
        p: Probabilities of the true class in [0, 1].
        gammas: The focusing parameters to draw.

    Returns:
        A dict from each gamma (as a float) to an array with the shape of ``p``.
    """
    return {
        float(gamma): loss_vs_true_class_probability("binary_focal_crossentropy", p, 1, {"gamma": float(gamma)})
        for gamma in gammas
    }


def logit(p: np.ndarray) -> np.ndarray:
    """Return log(p / (1 - p)) with p clipped to [1e-7, 1 - 1e-7], the app's score for a probability."""
    clipped = np.clip(np.asarray(p, dtype=np.float64), _PROBABILITY_CLIP, 1.0 - _PROBABILITY_CLIP)
    return np.log(clipped) - np.log1p(-clipped)


@dataclass(frozen=True)
class MarginLoss:
    """A loss of the margin ``z = y * f`` for labels ``y`` in {-1, +1} and a real score ``f``.

    Attributes:
        name: Identifier used by :func:`margin_curve`.
        display_name: Name for legends.
        formula: The formula in plain text.
        fn: Vectorised function of ``z``.
    """

    name: str
    display_name: str
    formula: str
    fn: Callable[[np.ndarray], np.ndarray]


def _zero_one(z: np.ndarray) -> np.ndarray:
    # A zero margin is not a correct classification, so it counts as an error.
    return (z <= 0.0).astype(np.float64)


def _hinge(z: np.ndarray) -> np.ndarray:
    return np.maximum(1.0 - z, 0.0)


def _squared_hinge(z: np.ndarray) -> np.ndarray:
    return np.square(_hinge(z))


def _perceptron(z: np.ndarray) -> np.ndarray:
    return np.maximum(-z, 0.0)


def _logistic(z: np.ndarray) -> np.ndarray:
    # softplus(-z) = max(-z, 0) + log1p(exp(-|z|)) never exponentiates a large number.
    return (np.maximum(-z, 0.0) + np.log1p(np.exp(-np.abs(z)))) / np.log(2.0)


def _exponential(z: np.ndarray) -> np.ndarray:
    # Saturates at the largest finite double rather than overflowing to inf.
    return np.exp(np.minimum(-z, _LARGEST_EXPONENT))


def _modified_huber(z: np.ndarray) -> np.ndarray:
    return np.where(z < -1.0, -4.0 * z, _squared_hinge(z))


MARGIN_LOSSES: dict[str, MarginLoss] = {
    loss.name: loss
    for loss in (
        MarginLoss("zero_one", "0-1", "1 if z <= 0 else 0", _zero_one),
        MarginLoss("hinge", "Hinge", "max(0, 1 − z)", _hinge),
        MarginLoss("squared_hinge", "Squared hinge", "max(0, 1 − z)²", _squared_hinge),
        MarginLoss("perceptron", "Perceptron", "max(0, −z)", _perceptron),
        MarginLoss("logistic", "Logistic", "log₂(1 + e^(−z))", _logistic),
        MarginLoss("exponential", "Exponential", "e^(−z)", _exponential),
        MarginLoss("modified_huber", "Modified Huber", "−4z if z < −1 else max(0, 1 − z)²", _modified_huber),
    )
}
"""The textbook margin losses (The Elements of Statistical Learning; scikit-learn's SGD loss example)."""


def margin_curve(name: str, z: np.ndarray) -> np.ndarray:
    """Return the margin loss ``name`` (a key of :data:`MARGIN_LOSSES`) at each margin in ``z``.

    Args:
        name: The margin loss's name, e.g. ``"hinge"``.
        z: Margins ``y * f``.

    Returns:
        A float64 array with the shape of ``z``; finite for any finite ``z`` of magnitude up to ~1e150.

    Raises:
        ValueError: For an unknown name.
    """
    loss = MARGIN_LOSSES.get(name)
    if loss is None:
        raise ValueError(f"unknown margin loss {name!r}; known: {', '.join(MARGIN_LOSSES)}")
    return loss.fn(np.asarray(z, dtype=np.float64))


def margin_grid(n: int = 801, half_width: float = 4.0) -> np.ndarray:
    """Return ``n`` evenly spaced margins over ``[-half_width, half_width]`` (the textbook figure's range)."""
    return np.linspace(-half_width, half_width, max(int(n), 2))


def _regression_spec(loss_id: str) -> Any:
    spec = losses.REGISTRY.get(loss_id)
    if spec is None:
        raise ValueError(f"unknown loss {loss_id!r}; known losses: {', '.join(losses.REGISTRY)}")
    if spec.family != "regression":
        regression_ids = ", ".join(k for k, s in losses.REGISTRY.items() if s.family == "regression")
        raise ValueError(f"{loss_id} is not a regression loss; error curves exist for: {regression_ids}")
    return spec
