"""The best constant prediction under a loss: the c that minimises sum_i L(y_i, c). No Qt.

This is what a model with no features learns, and what the outlier lab shows moving (or not) as one
target moves: the mean under squared error, the median under absolute error, a quantile under the pinball
loss and an M-estimate for the robust losses.

Conventions:

* Where the minimisers form an interval (absolute error and the pinball loss when ``n * tau`` is a whole
  number, Huber when no residual is within ``delta``), the midpoint of the interval is returned. At
  ``tau = 0.5`` this is :func:`numpy.median`'s own convention, so quantile, absolute error and the
  small-``delta`` limit of Huber agree.
* Huber, log-cosh and the general robust loss with ``alpha >= 1`` are convex, with a non-decreasing score
  (the sum of the per-row derivatives). Their minimiser is found by Newton steps kept inside a bisection
  bracket, to ``1e-10`` of the targets' spread.
* The general robust loss with ``alpha < 1`` is not convex: its score redescends (at ``alpha = 0`` it is the
  Cauchy loss), so the objective can have several local minima. A grid over the data's range and its
  quantiles locates the sign changes of the score, the most promising few are refined, and the lowest
  objective wins. A minimum narrower than the grid spacing between two others may be missed. Beyond 16,384
  targets the grid search runs on a fixed random subset and only the refinement and the final choice see
  every target.
* ``binary_crossentropy`` takes labels in [0, 1]; its best constant probability is the mean (smoothed) label,
  clipped to Keras's [1e-7, 1 - 1e-7], or that probability's logit when ``from_logits`` is true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lossexplorer import losses

_EPSILON = 1e-7
_RELATIVE_TOLERANCE = 1e-10
_MAX_ITERATIONS = 400
_GRID_POINTS = 129
_BRACKETS_REFINED = 4
# Longer targets are located on a fixed random subset of this size, then polished on all of them.
_SAMPLE_SIZE = 16_384
# Keeps the (candidates x rows) blocks of the grid search around 32 MiB.
_BLOCK_ELEMENTS = 4_000_000

Score = Callable[[np.ndarray], np.ndarray]


def supported_losses() -> tuple[str, ...]:
    """Return the ids of the losses that :func:`best_constant` handles, in registry order."""
    return tuple(loss_id for loss_id in losses.REGISTRY if loss_id in _SOLVERS)


def best_constant(loss_id: str, y: np.ndarray, **params: float) -> float:
    """Return the constant prediction c that minimises the summed loss over the targets ``y``.

    Args:
        loss_id: A loss id from :data:`lossexplorer.losses.REGISTRY` (see :func:`supported_losses`).
        y: One-dimensional, finite, non-empty targets (labels in [0, 1] for ``binary_crossentropy``).
        **params: The loss's parameters; missing ones take their registry defaults.

    Returns:
        The minimiser, as a Python float (the midpoint where the minimisers form an interval).

    Raises:
        ValueError: If the loss has no best-constant solver, a parameter is invalid or ``y`` is unusable.
    """
    solver = _SOLVERS.get(loss_id)
    if solver is None:
        known = ", ".join(supported_losses())
        raise ValueError(f"no best constant for loss {loss_id!r}; available for: {known}")
    full_params = losses.validate_params(loss_id, dict(params))
    targets = _as_targets(y)
    return float(solver(targets, full_params))


def pinball_minimiser(y: np.ndarray, tau: float) -> float:
    """Return the tau-quantile that minimises the pinball loss of a constant against ``y``.

    With sorted targets y_(1) <= ... <= y_(n), the minimiser is y_(ceil(n*tau)). When n*tau is a whole
    number k (within rounding), every point of [y_(k), y_(k+1)] minimises and the midpoint is returned.

    Args:
        y: One-dimensional finite targets.
        tau: The quantile level, strictly between 0 and 1.

    Returns:
        The minimiser as a Python float.
    """
    targets = _as_targets(y)
    n = targets.size
    rank = n * tau
    nearest = round(rank)
    # tau = 0.3 with n = 10 gives 3.0000000000000004: the user meant the flat case.
    if 1 <= nearest <= n - 1 and abs(rank - nearest) <= 1e-9 * max(1.0, rank):
        lower, upper = np.partition(targets, (nearest - 1, nearest))[nearest - 1 : nearest + 1]
        return float(0.5 * (lower + upper))
    index = min(max(int(np.ceil(rank)) - 1, 0), n - 1)
    return float(np.partition(targets, index)[index])


def _as_targets(y: np.ndarray) -> np.ndarray:
    targets = np.asarray(y, dtype=np.float64)
    if targets.ndim != 1:
        raise ValueError(f"targets must be one-dimensional, got shape {targets.shape}")
    if targets.size == 0:
        raise ValueError("targets are empty")
    if not np.all(np.isfinite(targets)):
        raise ValueError("targets contain NaN or inf")
    return targets


def _mean(y: np.ndarray, params: dict) -> float:
    return float(np.mean(y))


def _median(y: np.ndarray, params: dict) -> float:
    return _middle_value(y)


def _middle_value(y: np.ndarray) -> float:
    """Return the median of finite values, as :func:`numpy.median` does.

    By partial sorting: ``np.median`` imports ``numpy.ma`` on first use, a sixtieth of a second of the window's
    start-up.
    """
    values = np.asarray(y, dtype=np.float64).ravel()
    half = values.size // 2
    if values.size % 2:
        return float(np.partition(values, half)[half])
    low, high = np.partition(values, (half - 1, half))[half - 1:half + 1]
    return float((low + high) / 2.0)


def _quantile(y: np.ndarray, params: dict) -> float:
    return pinball_minimiser(y, float(params["tau"]))


def _huber(y: np.ndarray, params: dict) -> float:
    delta = float(params["delta"])

    def score(c: float) -> float:
        residual = c - y
        above = residual >= delta
        below = residual <= -delta
        inside = ~(above | below)
        # Whole counts keep the score exactly zero on a flat stretch, where pairs of +delta and -delta
        # summed as floats would leave rounding noise.
        count_difference = int(np.count_nonzero(above)) - int(np.count_nonzero(below))
        return delta * count_difference + float(residual[inside].sum())

    def slope(c: float) -> float:
        return float(np.count_nonzero(np.abs(c - y) < delta))

    return _convex_minimiser(y, score, slope)


def _log_cosh(y: np.ndarray, params: dict) -> float:
    def score(c: float) -> float:
        return float(np.tanh(c - y).sum())

    def slope(c: float) -> float:
        cosh_inverse = 1.0 / np.cosh(np.minimum(np.abs(c - y), 700.0))
        return float(np.square(cosh_inverse).sum())

    return _convex_minimiser(y, score, slope)


def _general_robust(y: np.ndarray, params: dict) -> float:
    alpha = float(params["alpha"])
    scale = float(params["scale"])
    if alpha == 2.0:
        return float(np.mean(y))
    if alpha >= 1.0:
        return _convex_minimiser(y, *_barron_score_and_slope(y, alpha, scale))
    return _global_minimiser(y, *_barron_functions(alpha, scale))


def _binary_crossentropy(y: np.ndarray, params: dict) -> float:
    if np.any((y < 0.0) | (y > 1.0)):
        raise ValueError("binary_crossentropy labels must lie in [0, 1]")
    smoothing = float(params.get("label_smoothing", 0.0))
    probability = float(np.mean(y * (1.0 - smoothing) + 0.5 * smoothing))
    probability = min(max(probability, _EPSILON), 1.0 - _EPSILON)
    if params.get("from_logits", False):
        return float(np.log(probability) - np.log1p(-probability))
    return probability


def _barron_score_and_slope(
    y: np.ndarray, alpha: float, scale: float
) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """Return the summed score of Barron's loss for alpha >= 1 and its slope, both up to one positive factor.

    For alpha > 2 the terms grow like |x|^(alpha - 1) and overflow; dividing score and slope by the same
    largest weight keeps them finite without changing the score's sign or the Newton step.
    """
    b = abs(alpha - 2.0)
    direction = np.sign(alpha - 2.0)
    power = 0.5 * alpha - 1.0

    def weighted(c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r = (c - y) / scale
        log_u = np.log1p(np.square(r) / b)
        shift = power * float(log_u.max()) if power > 0.0 else 0.0
        return r, log_u, np.exp(power * log_u - shift)

    def score(c: float) -> float:
        r, _, weight = weighted(c)
        return float((r * weight).sum())

    def slope(c: float) -> float:
        r, log_u, weight = weighted(c)
        return float((weight * (1.0 + direction * np.square(r) * np.exp(-log_u))).sum()) / scale

    return score, slope


def _barron_functions(alpha: float, scale: float) -> tuple[Score, Score, Score]:
    """Return psi (the derivative up to a positive factor), its slope and rho for Barron's loss, alpha < 2."""
    if np.isneginf(alpha):

        def psi(x: np.ndarray) -> np.ndarray:
            r = x / scale
            return r * np.exp(-0.5 * r * r)

        def psi_slope(x: np.ndarray) -> np.ndarray:
            r = x / scale
            return (1.0 - r * r) * np.exp(-0.5 * r * r) / scale

        def rho(x: np.ndarray) -> np.ndarray:
            r = x / scale
            return -np.expm1(-0.5 * r * r)

        return psi, psi_slope, rho

    b = abs(alpha - 2.0)
    direction = np.sign(alpha - 2.0)

    def log_u(x: np.ndarray) -> np.ndarray:
        return np.log1p(np.square(x / scale) / b)

    def psi(x: np.ndarray) -> np.ndarray:
        return (x / scale) * np.exp((0.5 * alpha - 1.0) * log_u(x))

    def psi_slope(x: np.ndarray) -> np.ndarray:
        r2 = np.square(x / scale)
        log_of_u = np.log1p(r2 / b)
        return np.exp((0.5 * alpha - 2.0) * log_of_u) * (np.exp(log_of_u) + direction * r2) / scale

    def rho(x: np.ndarray) -> np.ndarray:
        if alpha == 0.0:
            return np.log1p(0.5 * np.square(x / scale))
        return (b / alpha) * np.expm1(0.5 * alpha * log_u(x))

    return psi, psi_slope, rho


def _tolerance(lower: float, upper: float) -> float:
    floating_resolution = 4.0 * np.finfo(np.float64).eps * max(abs(lower), abs(upper))
    return max(_RELATIVE_TOLERANCE * (upper - lower), floating_resolution)


def _convex_minimiser(y: np.ndarray, score: Callable[[float], float], slope: Callable[[float], float]) -> float:
    """Minimise a convex objective given its non-decreasing score, whose root lies in [min y, max y]."""
    lower, upper = float(y.min()), float(y.max())
    if lower == upper:
        return lower
    tolerance = _tolerance(lower, upper)
    start = min(max(_middle_value(y), lower), upper)
    root, lower, upper = _bracketed_root(score, slope, start, lower, upper, tolerance)
    if score(root) == 0.0 and slope(root) == 0.0:
        return _middle_of_zero_set(score, root, lower, upper, tolerance)
    return root


def _bracketed_root(
    score: Callable[[float], float],
    slope: Callable[[float], float],
    start: float,
    lower: float,
    upper: float,
    tolerance: float,
) -> tuple[float, float, float]:
    """Newton steps on a non-decreasing score, falling back to bisection whenever a step leaves the bracket.

    As in Numerical Recipes' ``rtsafe``, a Newton step that is not at most half the step before last is
    replaced by bisection too, so a very steep score (Barron's loss at large alpha) cannot make Newton crawl.

    Returns the root estimate and the final bracket (score <= 0 at its lower end, >= 0 at its upper end).
    """
    point = start
    step, step_before = upper - lower, upper - lower
    for _ in range(_MAX_ITERATIONS):
        value = score(point)
        if value == 0.0:
            return point, lower, upper
        if value < 0.0:
            lower = point
        else:
            upper = point
        gradient = slope(point)
        newton = point - value / gradient if gradient > 0.0 else np.nan
        if abs(newton - point) <= 0.5 * tolerance:
            return float(newton), lower, upper
        if upper - lower <= tolerance:
            break
        newton_is_useful = lower < newton < upper and abs(newton - point) <= 0.5 * abs(step_before)
        target = float(newton) if newton_is_useful else 0.5 * (lower + upper)
        step_before, step = step, target - point
        point = target
    return 0.5 * (lower + upper), lower, upper


def _middle_of_zero_set(
    score: Callable[[float], float], root: float, lower: float, upper: float, tolerance: float
) -> float:
    """Return the midpoint of the interval around ``root`` where the score is exactly zero."""
    left_outside, left_inside = lower, root
    while left_inside - left_outside > tolerance:
        middle = 0.5 * (left_outside + left_inside)
        if score(middle) < 0.0:
            left_outside = middle
        else:
            left_inside = middle
    right_inside, right_outside = root, upper
    while right_outside - right_inside > tolerance:
        middle = 0.5 * (right_inside + right_outside)
        if score(middle) > 0.0:
            right_outside = middle
        else:
            right_inside = middle
    return 0.5 * (left_inside + right_inside)


def _global_minimiser(y: np.ndarray, psi: Score, psi_slope: Score, rho: Score) -> float:
    """Minimise a possibly non-convex objective: grid, then refine the best brackets of the score."""
    lower, upper = float(y.min()), float(y.max())
    if lower == upper:
        return lower
    tolerance = _tolerance(lower, upper)
    sample = _coarse_sample(y)
    levels = np.linspace(0.0, 1.0, _GRID_POINTS)
    grid = np.unique(np.concatenate([lower + (upper - lower) * levels, np.quantile(sample, levels)]))
    scores = _sum_over_rows(psi, grid, sample)
    objective = _sum_over_rows(rho, grid, sample)
    # A local minimum lies wherever the score crosses from <= 0 to > 0 between neighbouring grid points.
    starts = np.flatnonzero((scores[:-1] <= 0.0) & (scores[1:] > 0.0))
    promising = starts[np.argsort(np.minimum(objective[starts], objective[starts + 1]))][:_BRACKETS_REFINED]
    candidates = [float(grid[int(np.argmin(objective))])]
    for start in promising:
        left, right = float(grid[start]), float(grid[start + 1])
        root = left
        if scores[start] != 0.0:
            root = _local_root(sample, (psi, psi_slope), (left, right), 0.5 * (left + right), tolerance)
        if sample is not y:
            root = _local_root(y, (psi, psi_slope), (left, right), root, tolerance)
        candidates.append(root)
    values = _sum_over_rows(rho, np.asarray(candidates), y)
    return candidates[int(np.argmin(values))]


def _local_root(
    y: np.ndarray, functions: tuple[Score, Score], bracket: tuple[float, float], start: float, tolerance: float
) -> float:
    """Return the score's root in the bracket from ``start``, or ``start`` if the score does not change sign."""
    psi, psi_slope = functions
    left, right = bracket

    def score(c: float) -> float:
        return float(psi(c - y).sum())

    def slope(c: float) -> float:
        return float(psi_slope(c - y).sum())

    if not score(left) <= 0.0 < score(right):
        return start
    return _bracketed_root(score, slope, start, left, right, tolerance)[0]


def _coarse_sample(y: np.ndarray) -> np.ndarray:
    """Return ``y`` itself, or a fixed random subset of it when it is too long for a quick grid search."""
    if y.size <= _SAMPLE_SIZE:
        return y
    chosen = np.random.default_rng(0).choice(y.size, _SAMPLE_SIZE, replace=False)
    return y[chosen]


def _sum_over_rows(function: Score, points: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return sum_i function(point - y_i) for every point, in blocks that bound the memory used."""
    block = max(1, _BLOCK_ELEMENTS // y.size)
    sums = [function(points[i : i + block, None] - y[None, :]).sum(axis=1) for i in range(0, points.size, block)]
    return np.concatenate(sums)


_SOLVERS: dict[str, Callable[[np.ndarray, dict], float]] = {
    "mean_squared_error": _mean,
    "mean_absolute_error": _median,
    "huber": _huber,
    "log_cosh": _log_cosh,
    "quantile": _quantile,
    "general_robust": _general_robust,
    "binary_crossentropy": _binary_crossentropy,
}


def error_centre(loss_id: str, errors: np.ndarray, params: Mapping[str, Any]) -> float:
    """The constant error each loss would remove: the best constant of the errors under that loss.

    Adding a constant c to every prediction turns each loss's total into sum_i L(y_i, y_hat_i + c), which for
    a loss of the error alone is the loss of the residuals r = y - y_hat against c. The best such c is
    :func:`best_constant` of the residuals, and the errors' centre is its negative:
    the mean error for MSE, the median error for MAE, an M-estimate in between for Huber.

    Args:
        loss_id: A regression loss that :func:`best_constant` supports.
        errors: Every row's error ``y_pred - y_true``.
        params: The loss's parameters.

    Returns:
        The centre, in units of error.
    """
    return -best_constant(loss_id, -errors, **dict(params))
