"""Regression losses: the per-row loss is a function of the error ``x = y_pred - y_true``.

Inputs are (n,) (n rows of one value) or (n, k) (the per-row loss is the mean over the last axis, as in Keras).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lossexplorer.losses._checks import as_float_array, check_same_shape
from lossexplorer.losses._engine import evaluate, register
from lossexplorer.losses._numerics import LOG2, per_row_weight, row_mean

# Below this |t| the series of expm1(t)/t is exact to double precision and avoids 0/0.
_SERIES_LIMIT = 1e-5
# Above this, expm1 overflows although the scaled result may still be finite.
_EXP_LIMIT = 700.0
# Above this, r**2/b is (or nearly is) infinite, so log1p(r**2/b) is taken as a difference of logs instead.
_HUGE_RATIO = 1e300


def _prepare(y_true: Any, y_pred: Any, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Check regression inputs: any finite numbers, same shape (n,) or (n, k)."""
    true = as_float_array(y_true, "y_true")
    pred = as_float_array(y_pred, "y_pred")
    check_same_shape(true, pred)
    return true, pred


def _mse_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    error = y_pred - y_true
    return row_mean(error * error)


def _mse_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return (2.0 * per_row_weight(y_pred)) * (y_pred - y_true)


def _mae_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return row_mean(np.abs(y_pred - y_true))


def _mae_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return per_row_weight(y_pred) * np.sign(y_pred - y_true)


def _huber_rows(y_true: np.ndarray, y_pred: np.ndarray, delta: float) -> np.ndarray:
    error = np.abs(y_pred - y_true)
    quadratic = np.minimum(error, delta)
    # 0.5*q**2 + delta*(|x| - q) equals Keras's two branches and needs no np.where.
    return row_mean(quadratic * (0.5 * quadratic) + delta * (error - quadratic))


def _huber_grad(y_true: np.ndarray, y_pred: np.ndarray, delta: float) -> np.ndarray:
    return per_row_weight(y_pred) * np.clip(y_pred - y_true, -delta, delta)


def _log_cosh_rows(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    error = np.abs(y_pred - y_true)
    # log(cosh x) = |x| + log1p(exp(-2|x|)) - log 2: Keras's formula, with no exp of a large number.
    return row_mean(error + np.log1p(np.exp(-2.0 * error)) - LOG2)


def _log_cosh_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return per_row_weight(y_pred) * np.tanh(y_pred - y_true)


def _quantile_rows(y_true: np.ndarray, y_pred: np.ndarray, tau: float) -> np.ndarray:
    residual = y_true - y_pred
    return row_mean(np.maximum(tau * residual, (tau - 1.0) * residual))


def _quantile_grad(y_true: np.ndarray, y_pred: np.ndarray, tau: float) -> np.ndarray:
    residual = y_true - y_pred
    slope = np.where(residual > 0, -tau, 1.0 - tau)
    return per_row_weight(y_pred) * np.where(residual == 0, 0.0, slope)


def _log1p_ratio(r: np.ndarray, b: float) -> np.ndarray:
    """Return ``log1p(r**2 / b)``, falling back to ``2 log|r| - log b`` where ``r**2 / b`` overflows."""
    ratio = (r * r) / b
    log_term = np.log1p(ratio)
    huge = ratio > _HUGE_RATIO
    if huge.any():
        log_term[huge] = 2.0 * np.log(np.abs(r[huge])) - np.log(b)
    return log_term


def _expm1_over(t: np.ndarray) -> np.ndarray:
    """Return ``expm1(t) / t``, equal to 1 at ``t = 0`` and exact for tiny ``t`` through its series."""
    small = np.abs(t) < _SERIES_LIMIT
    safe_t = np.where(small, 1.0, t)
    ratio = np.expm1(safe_t) / safe_t
    return np.where(small, 1.0 + t * (0.5 + t / 6.0), ratio)


def barron_rho(r: np.ndarray, alpha: float) -> np.ndarray:
    """Return Barron's ρ(r, α) for the scaled error ``r = x / c``, elementwise.

    ρ = |α−2|/α · [((r²/|α−2|) + 1)^{α/2} − 1] is rewritten as ½·b·L·E(α L / 2) with b = |α−2|,
    L = log1p(r²/b) and E(t) = expm1(t)/t. That form has no 0/0 at α = 0 (it gives log1p(r²/2) exactly),
    keeps full precision as α → 0 and as α → 2, and stays finite where r² overflows. α = 2 (½r²) and
    α = −inf (1 − exp(−½r²)) are handled by their closed forms.

    Args:
        r: scaled errors.
        alpha: shape parameter in [−inf, inf).

    Returns:
        ρ for every element of ``r``.
    """
    if alpha == 2.0:
        return 0.5 * (r * r)
    if alpha == -np.inf:
        return -np.expm1(-0.5 * (r * r))
    b = abs(alpha - 2.0)
    log_term = _log1p_ratio(r, b)
    t = (0.5 * alpha) * log_term
    rho = (0.5 * b) * log_term * _expm1_over(t)
    big = t > _EXP_LIMIT
    if big.any():  # (b/α)·e^t may be finite although e^t alone overflows
        rho[big] = np.exp(t[big] + np.log(b / alpha))
    return rho


def barron_rho_derivative(r: np.ndarray, alpha: float) -> np.ndarray:
    """Return dρ/dr = r · (r²/|α−2| + 1)^{α/2 − 1} with the same limits as :func:`barron_rho`."""
    if alpha == 2.0:
        return r.copy()
    if alpha == -np.inf:
        return r * np.exp(-0.5 * (r * r))
    log_term = _log1p_ratio(r, abs(alpha - 2.0))
    return r * np.exp((0.5 * alpha - 1.0) * log_term)


def _scaled_error(y_true: np.ndarray, y_pred: np.ndarray, scale: float) -> np.ndarray:
    """Return (y_pred − y_true) / scale, with an overflow to ±inf held at ±float max.

    Barron's bounded losses (α < 2) stay finite and well defined there, where an infinite error would give
    inf·0 = NaN in their formulas.
    """
    largest = np.finfo(np.float64).max
    return np.clip((y_pred - y_true) / scale, -largest, largest)


def _general_robust_rows(y_true: np.ndarray, y_pred: np.ndarray, alpha: float, scale: float) -> np.ndarray:
    return row_mean(barron_rho(_scaled_error(y_true, y_pred, scale), alpha))


def _general_robust_grad(y_true: np.ndarray, y_pred: np.ndarray, alpha: float, scale: float) -> np.ndarray:
    slope = barron_rho_derivative(_scaled_error(y_true, y_pred, scale), alpha)
    return (per_row_weight(y_pred) / scale) * slope


register("mean_squared_error", _prepare, _mse_rows, _mse_grad)
register("mean_absolute_error", _prepare, _mae_rows, _mae_grad)
register("huber", _prepare, _huber_rows, _huber_grad)
register("log_cosh", _prepare, _log_cosh_rows, _log_cosh_grad)
register("quantile", _prepare, _quantile_rows, _quantile_grad)
register("general_robust", _prepare, _general_robust_rows, _general_robust_grad)

def mean_squared_error(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Mean squared error: mean((y_pred − y_true)²) over the last axis (Keras ``mean_squared_error``).

    Its best constant prediction is the mean. Sensitive to outliers: the gradient grows with the error.
    On probabilities of a binary label it is the Brier score.

    Args:
        y_true: targets, shape (n,) or (n, k).
        y_pred: predictions, same shape as ``y_true``.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, a parameter, or an unknown reduction.
    """
    return evaluate("mean_squared_error", y_true, y_pred, reduction, params)


def mean_absolute_error(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Mean absolute error: mean(|y_pred − y_true|) over the last axis (Keras ``mean_absolute_error``).

    Its best constant prediction is the median; every error pulls with the same force.

    Args:
        y_true: targets, shape (n,) or (n, k).
        y_pred: predictions, same shape as ``y_true``.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, a parameter, or an unknown reduction.
    """
    return evaluate("mean_absolute_error", y_true, y_pred, reduction, params)


def huber(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Huber loss (Keras ``huber``): ½x² for |x| ≤ delta, delta·(|x| − ½delta) beyond, x = y_pred − y_true.

    PyTorch: ``huber_loss(delta)`` is the same; ``smooth_l1_loss(beta)`` equals ``huber(delta=beta) / beta``.
    As delta grows it becomes ½·MSE; as delta shrinks, delta·MAE.

    Args:
        y_true: targets, shape (n,) or (n, k).
        y_pred: predictions, same shape as ``y_true``.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: ``delta`` (float > 0, default 1.0): the error size where the quadratic turns linear.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, delta <= 0, an unknown parameter or reduction.
    """
    return evaluate("huber", y_true, y_pred, reduction, params)


def log_cosh(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Log-cosh loss (Keras ``log_cosh``): mean(log(cosh(y_pred − y_true))) over the last axis.

    Computed as |x| + log1p(exp(−2|x|)) − log 2, Keras's formula, which never overflows (an error of 1e4
    gives 1e4 − log 2). Behaves like ½x² near 0 and like |x| − log 2 far out.

    Args:
        y_true: targets, shape (n,) or (n, k).
        y_pred: predictions, same shape as ``y_true``.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: none; any name raises ValueError.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, a parameter, or an unknown reduction.
    """
    return evaluate("log_cosh", y_true, y_pred, reduction, params)


def quantile(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Pinball (quantile) loss: tau·(y − ŷ) if y ≥ ŷ else (1 − tau)·(ŷ − y), mean over the last axis.

    Equals scikit-learn's ``mean_pinball_loss`` with ``alpha=tau``; its best constant is the tau-quantile.
    At tau = 0.5 it is ½·MAE.

    Args:
        y_true: targets, shape (n,) or (n, k).
        y_pred: predictions, same shape as ``y_true``.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: ``tau`` (float in (0, 1), default 0.5): the target quantile.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, tau outside (0, 1), an unknown parameter
            or reduction.
    """
    return evaluate("quantile", y_true, y_pred, reduction, params)


def general_robust(y_true: Any, y_pred: Any, *, reduction: str = "mean", **params: Any) -> np.ndarray | float:
    """Barron's general and adaptive robust loss (CVPR 2019), mean over the last axis.

    f(x, α, c) = |α−2|/α · [((x/c)²/|α−2| + 1)^{α/2} − 1] with x = y_pred − y_true and exact limits:
    α = 2 gives ½(x/c)², α = 0 gives log(½(x/c)² + 1) (Cauchy), α = −inf gives 1 − exp(−½(x/c)²) (Welsch).
    α = 1 is Charbonnier sqrt((x/c)² + 1) − 1 and α = −2 is Geman-McClure. Evaluated in an expm1/log1p form
    that is precise for α near 0 and 2 (see :func:`barron_rho`).

    Args:
        y_true: targets, shape (n,) or (n, k).
        y_pred: predictions, same shape as ``y_true``.
        reduction: ``"none"`` (one value per row), ``"mean"`` or ``"sum"`` over rows.
        **params: ``alpha`` (float in [−inf, inf), default 1.0): the shape;
            ``scale`` (float > 0, default 1.0): c, the width of the quadratic bowl.

    Returns:
        An array of shape (n,) for ``reduction="none"``, else a python float.

    Raises:
        ValueError: for mismatched shapes, empty input, NaN/inf, scale <= 0, alpha NaN or +inf,
            an unknown parameter or reduction.
    """
    return evaluate("general_robust", y_true, y_pred, reduction, params)
