"""Parameter descriptions of every loss and their validation (the single source of parameter truth)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

INF = math.inf


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a loss.

    Attributes:
        name: keyword name, exactly as the loss function takes it.
        default: Keras's default (a float, or a bool for ``kind == "bool"``).
        kind: ``"float"`` or ``"bool"``.
        low: lower end of the valid range (may be ``-inf``).
        high: upper end of the valid range (may be ``inf``).
        low_inclusive: whether ``low`` itself is valid.
        high_inclusive: whether ``high`` itself is valid.
        ui_low: lower end of the range a slider spans (always finite).
        ui_high: upper end of the range a slider spans (always finite).
        meaning: one line saying what the parameter does.
    """

    name: str
    default: float | bool
    kind: str
    low: float
    high: float
    low_inclusive: bool
    high_inclusive: bool
    ui_low: float
    ui_high: float
    meaning: str

    def describe_range(self) -> str:
        """Return the valid range in interval notation, e.g. ``(0, inf)``."""
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive else ")"
        return f"{left}{self.low:g}, {self.high:g}{right}"

    def contains(self, value: float) -> bool:
        """Return whether ``value`` lies in the valid range."""
        above = value >= self.low if self.low_inclusive else value > self.low
        below = value <= self.high if self.high_inclusive else value < self.high
        return above and below


def _flag(name: str, meaning: str) -> ParamSpec:
    """Describe a boolean switch that defaults to False."""
    return ParamSpec(name, False, "bool", 0.0, 1.0, True, True, 0.0, 1.0, meaning)


_FROM_LOGITS = _flag("from_logits", "y_pred holds logits (raw scores), not probabilities")
_BINARY_SMOOTHING = ParamSpec(
    "label_smoothing", 0.0, "float", 0.0, 1.0, True, True, 0.0, 0.5,
    "squeeze labels towards 0.5: y·(1−ε) + ε/2",
)
_CATEGORICAL_SMOOTHING = ParamSpec(
    "label_smoothing", 0.0, "float", 0.0, 1.0, True, True, 0.0, 0.5,
    "spread ε of the label mass over all C classes: y·(1−ε) + ε/C",
)

PARAMS: dict[str, tuple[ParamSpec, ...]] = {
    "mean_squared_error": (),
    "mean_absolute_error": (),
    "huber": (
        ParamSpec("delta", 1.0, "float", 0.0, INF, False, False, 0.05, 5.0,
                  "error size where the quadratic part turns linear"),
    ),
    "log_cosh": (),
    "quantile": (
        ParamSpec("tau", 0.5, "float", 0.0, 1.0, False, False, 0.01, 0.99,
                  "target quantile: under-prediction costs tau, over-prediction 1 − tau"),
    ),
    "general_robust": (
        ParamSpec("alpha", 1.0, "float", -INF, INF, True, False, -10.0, 4.0,
                  "shape: 2 = L2, 1 = Charbonnier (smooth L1), 0 = Cauchy, −2 = Geman-McClure, −inf = Welsch"),
        ParamSpec("scale", 1.0, "float", 0.0, INF, False, False, 0.05, 5.0,
                  "width c of the quadratic bowl around zero error"),
    ),
    "binary_crossentropy": (_FROM_LOGITS, _BINARY_SMOOTHING),
    "binary_focal_crossentropy": (
        _flag("apply_class_balancing", "weight class 1 by alpha and class 0 by 1 − alpha"),
        ParamSpec("alpha", 0.25, "float", 0.0, 1.0, True, True, 0.0, 1.0,
                  "class-1 weight, used only with apply_class_balancing"),
        ParamSpec("gamma", 2.0, "float", 0.0, INF, True, False, 0.0, 5.0,
                  "focusing power: (1 − p_t)^gamma down-weights easy examples"),
        _FROM_LOGITS,
        _BINARY_SMOOTHING,
    ),
    "categorical_crossentropy": (_FROM_LOGITS, _CATEGORICAL_SMOOTHING),
    "sparse_categorical_crossentropy": (_FROM_LOGITS,),
    "kl_divergence": (),
    "hinge": (),
    "squared_hinge": (),
    "categorical_hinge": (),
    "cosine_similarity": (),
    "dice": (),
}


def _check_loss_id(loss_id: Any) -> tuple[ParamSpec, ...]:
    """Return the parameter specs of ``loss_id`` or raise ValueError for an unknown loss."""
    try:
        return PARAMS[loss_id]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {loss_id!r}; known losses: {', '.join(PARAMS)}") from None


def _coerce(spec: ParamSpec, value: Any, loss_id: str) -> float | bool:
    """Return ``value`` as the parameter's python type, or raise ValueError naming the problem."""
    if spec.kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise ValueError(f"{loss_id}: {spec.name} must be True or False, got {value!r}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise ValueError(f"{loss_id}: {spec.name} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number) or not spec.contains(number):
        raise ValueError(f"{loss_id}: {spec.name} must be in {spec.describe_range()}, got {number:g}")
    return number


def validate_params(loss_id: str, params: dict[str, Any]) -> dict[str, float | bool]:
    """Check the parameters of a loss and return the full parameter dict with defaults filled in.

    Args:
        loss_id: the loss's id, which is its function name (e.g. ``"huber"``).
        params: keyword parameters as given by the caller; missing ones take their Keras defaults.

    Returns:
        A new dict holding every parameter of the loss, in the registry's order.

    Raises:
        ValueError: for an unknown loss, an unknown parameter name, a wrong type or a value out of range.
    """
    specs = _check_loss_id(loss_id)
    known = {spec.name for spec in specs}
    unknown = sorted(set(params) - known)
    if unknown:
        valid = ", ".join(sorted(known)) or "none"
        raise ValueError(f"{loss_id}: unknown parameter {unknown[0]!r} (valid parameters: {valid})")
    return {spec.name: _coerce(spec, params.get(spec.name, spec.default), loss_id) for spec in specs}
