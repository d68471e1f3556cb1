"""Per-row and aggregate losses of a :class:`~lossexplorer.dataset.Dataset`. No Qt.

How a data set becomes each loss's inputs (the app-wide conventions of ``spec/CONTRACT.md``):

* **regression**: ``y_true`` and ``y_pred`` as they are.
* **binary** (``p`` = predicted probability of class 1, the sigmoid of the logit when the file holds logits):

  * ``binary_crossentropy``, ``binary_focal_crossentropy``: the labels and the predictions as stored, with
    ``from_logits`` set from the data (true exactly when the file holds logits);
  * ``hinge``, ``squared_hinge``: the labels (mapped to -1/+1 by the loss) and the score ``f`` = the logit, or
    ``log(p / (1 - p))`` with ``p`` clipped to [1e-7, 1 - 1e-7];
  * regression losses (``mean_squared_error`` is the Brier score): the labels against ``p``.
* **multiclass**: one-hot labels for the categorical losses, ``kl_divergence``, ``cosine_similarity``, ``dice``
  and ``categorical_hinge``, class indices for ``sparse_categorical_crossentropy``; the cross-entropies take
  the logits with ``from_logits=True`` when the file holds logits, every other loss the softmax probabilities.

``from_logits`` is decided by the data; asking for a different value is an error rather than a silent change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossexplorer import curves, losses
from lossexplorer.dataset import Dataset

_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})

_DEFAULTS = {
    "regression": ("mean_squared_error", "mean_absolute_error", "huber"),
    "binary": ("binary_crossentropy", "binary_focal_crossentropy", "hinge"),
    "multiclass": ("categorical_crossentropy", "categorical_hinge", "kl_divergence"),
}
# Losses that reach their lower bound below zero; row shares are measured from this floor.
_LOSS_FLOORS = {"cosine_similarity": -1.0}
_LOGIT_LOSSES = frozenset(
    {"binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"}
)


@dataclass(frozen=True)
class Evaluation:
    """The losses of one data set.

    Attributes:
        task: The data's task.
        n_rows: Number of rows.
        per_row: Loss id to the per-row losses, float64 of shape (n,), in the order asked for.
        means: Loss id to the mean over the rows.
        params: Loss id to the full parameters used (defaults filled, ``from_logits`` as the data decided).
    """

    task: str
    n_rows: int
    per_row: dict[str, np.ndarray]
    means: dict[str, float]
    params: dict[str, dict[str, float | bool]]


def applicable_losses(task: str) -> list[str]:
    """Return the ids of the losses that apply to ``task``, in the registry's display order.

    Raises:
        ValueError: For an unknown task.
    """
    _check_task(task)
    return [loss_id for loss_id, spec in losses.REGISTRY.items() if task in spec.tasks]


def default_losses(task: str) -> list[str]:
    """Return the few losses shown first for ``task``: the textbook comparison for that kind of data.

    Raises:
        ValueError: For an unknown task.
    """
    applicable = applicable_losses(task)
    return [loss_id for loss_id in _DEFAULTS[task] if loss_id in applicable]


def loss_inputs(
    dataset: Dataset, loss_id: str, params: Mapping[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray, dict[str, float | bool]]:
    """Return the ``(y_true, y_pred, full_params)`` that ``loss_id`` takes for ``dataset``.

    Args:
        dataset: The predictions.
        loss_id: A loss that applies to ``dataset.task``.
        params: The loss's parameters; ``from_logits`` may be given only if it agrees with the data.

    Returns:
        The arrays in the shapes the loss takes and the validated parameters with defaults filled.

    Raises:
        ValueError: For a loss that does not apply to the task, an invalid parameter or a contradicting
            ``from_logits``.
    """
    _check_applicable(dataset.task, loss_id)
    given = dict(params or {})
    full = losses.validate_params(loss_id, given)
    uses_logits = dataset.pred_kind == "logit" and loss_id in _LOGIT_LOSSES
    if "from_logits" in full:
        if "from_logits" in given and bool(given["from_logits"]) != uses_logits:
            kind = "logits" if dataset.pred_kind == "logit" else "probabilities"
            raise ValueError(
                f"{loss_id}: from_logits={given['from_logits']} contradicts the data, whose predictions are {kind}"
            )
        full["from_logits"] = uses_logits
    if dataset.task == "regression":
        return dataset.y_true, dataset.y_pred, full
    if dataset.task == "binary":
        y_true, y_pred = _binary_inputs(dataset, loss_id)
    else:
        y_true, y_pred = _multiclass_inputs(dataset, loss_id, uses_logits)
    return y_true, y_pred, full


def per_row_losses(
    dataset: Dataset,
    loss_ids: Iterable[str],
    params_by_loss: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, np.ndarray]:
    """Return each loss's per-row values on ``dataset``, float64 arrays of shape (n,).

    Args:
        dataset: The predictions.
        loss_ids: Losses that apply to the data's task.
        params_by_loss: Optional parameters per loss id.

    Raises:
        ValueError: As :func:`loss_inputs`, or when the loss rejects the data.
    """
    return evaluate(dataset, loss_ids, params_by_loss).per_row


def aggregate(per_row: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Return the mean over the rows of each loss's per-row values."""
    return {loss_id: float(np.mean(values)) for loss_id, values in per_row.items()}


def evaluate(
    dataset: Dataset,
    loss_ids: Iterable[str] | None = None,
    params_by_loss: Mapping[str, Mapping[str, Any]] | None = None,
) -> Evaluation:
    """Compute per-row losses and their means for ``dataset``.

    Args:
        dataset: The predictions.
        loss_ids: Losses to compute (default: every loss that applies to the task).
        params_by_loss: Optional parameters per loss id; entries for losses not computed are ignored.

    Returns:
        The :class:`Evaluation`.

    Raises:
        ValueError: As :func:`loss_inputs`, or when a loss rejects the data.
    """
    chosen = list(applicable_losses(dataset.task) if loss_ids is None else loss_ids)
    given = params_by_loss or {}
    per_row: dict[str, np.ndarray] = {}
    used: dict[str, dict[str, float | bool]] = {}
    for loss_id in chosen:
        y_true, y_pred, full = loss_inputs(dataset, loss_id, given.get(loss_id))
        values = losses.REGISTRY[loss_id].fn(y_true, y_pred, reduction="none", **full)
        per_row[loss_id] = np.asarray(values, dtype=np.float64)
        used[loss_id] = full
    return Evaluation(dataset.task, dataset.n_rows, per_row, aggregate(per_row), used)


def loss_floor(loss_id: str) -> float:
    """Return the smallest value ``loss_id`` can take per row (0 for all but the negative cosine)."""
    return _LOSS_FLOORS.get(loss_id, 0.0)


def rows_share(per_row: np.ndarray, *, floor: float = 0.0) -> np.ndarray:
    """Return each row's share of the total loss, measured above ``floor``; the shares sum to 1.

    Args:
        per_row: Per-row loss values, shape (n,).
        floor: The loss's lower bound (see :func:`loss_floor`), so that shares are never negative.

    Returns:
        Float64 shares of shape (n,); all zeros when every row sits at the floor.
    """
    excess = np.asarray(per_row, dtype=np.float64) - floor
    total = float(excess.sum())
    if total <= 0.0 or not np.isfinite(total):
        return np.zeros_like(excess)
    return excess / total


def parse_param_assignments(assignments: Iterable[str]) -> dict[str, dict[str, float | bool]]:
    """Parse ``loss.param=value`` strings into parameters per loss, each checked against the registry.

    Args:
        assignments: Strings such as ``"huber.delta=1.5"`` or ``"binary_crossentropy.from_logits=true"``;
            a later assignment of the same parameter wins.

    Returns:
        Loss id to the parameters given for it (defaults are not filled in).

    Raises:
        ValueError: Naming the assignment, for bad syntax, an unknown loss or parameter, or a bad value.
    """
    parsed: dict[str, dict[str, float | bool]] = {}
    for text in assignments:
        loss_id, name, value = _parse_assignment(text)
        parsed.setdefault(loss_id, {})[name] = value
    return parsed


def binary_score(dataset: Dataset) -> np.ndarray:
    """Return each binary row's score ``f``: the logit itself, or ``logit(p)`` of a clipped probability."""
    return dataset.y_pred if dataset.pred_kind == "logit" else curves.logit(dataset.y_pred)


def true_class_probability(dataset: Dataset) -> np.ndarray:
    """Return ``p_t``, each row's predicted probability of its true class.

    Binary rows count as class 1 when their label is at least 0.5 (soft labels are rounded), so
    ``p_t = p`` for them and ``1 - p`` otherwise; multiclass rows read the probability of their label.
    """
    probabilities = dataset.probabilities()
    if dataset.task == "multiclass":
        return probabilities[np.arange(dataset.n_rows), dataset.y_true]
    return np.where(dataset.y_true >= 0.5, probabilities, 1.0 - probabilities)


def binary_margin(dataset: Dataset) -> np.ndarray:
    """Return ``z = y * f`` per binary row: ``y`` in {-1, +1} (label rounded), ``f`` the score."""
    return np.where(dataset.y_true >= 0.5, 1.0, -1.0) * binary_score(dataset)


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Return the (n, n_classes) float64 one-hot encoding of integer class indices."""
    encoded = np.zeros((labels.shape[0], n_classes), dtype=np.float64)
    encoded[np.arange(labels.shape[0]), labels] = 1.0
    return encoded


def _parse_assignment(text: str) -> tuple[str, str, float | bool]:
    target, equals, value_text = text.partition("=")
    loss_id, dot, name = target.strip().rpartition(".")
    if not equals or not dot or not loss_id or not name or not value_text.strip():
        raise ValueError(f"parameter {text!r} must look like loss.name=value, e.g. huber.delta=1.5")
    spec = losses.REGISTRY.get(loss_id)
    if spec is None:
        raise ValueError(f"unknown loss {loss_id!r} in parameter {text!r}; known losses: {', '.join(losses.REGISTRY)}")
    params = {param.name: param for param in spec.params}
    if name not in params:
        names = ", ".join(params) if params else "none"
        raise ValueError(f"{loss_id} has no parameter {name!r} (its parameters: {names})")
    value = _parse_value(params[name].kind, value_text.strip(), text)
    losses.validate_params(loss_id, {name: value})
    return loss_id, name, value


def _parse_value(kind: str, value_text: str, text: str) -> float | bool:
    if kind == "bool":
        word = value_text.lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError(f"parameter {text!r}: {value_text!r} is not true or false")
    try:
        return float(value_text)
    except ValueError:
        raise ValueError(f"parameter {text!r}: {value_text!r} is not a number") from None


def _check_task(task: str) -> None:
    if task not in _DEFAULTS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(_DEFAULTS)}")


def _check_applicable(task: str, loss_id: str) -> None:
    spec = losses.REGISTRY.get(loss_id)
    if spec is None:
        raise ValueError(f"unknown loss {loss_id!r}; known losses: {', '.join(losses.REGISTRY)}")
    if task not in spec.tasks:
        raise ValueError(f"{loss_id} does not apply to {task} data; use one of: {', '.join(applicable_losses(task))}")


def _binary_inputs(dataset: Dataset, loss_id: str) -> tuple[np.ndarray, np.ndarray]:
    labels = dataset.y_true
    if loss_id in _LOGIT_LOSSES:
        return labels, dataset.y_pred
    if losses.REGISTRY[loss_id].family == "margin":
        return labels, binary_score(dataset)
    # What remains are the regression losses, taken on the probability (squared error is the Brier score).
    return labels, dataset.probabilities()


def _multiclass_inputs(dataset: Dataset, loss_id: str, uses_logits: bool) -> tuple[np.ndarray, np.ndarray]:
    scores = dataset.y_pred if uses_logits else dataset.probabilities()
    if loss_id == "sparse_categorical_crossentropy":
        return dataset.y_true, scores
    return one_hot(dataset.y_true, dataset.n_classes), scores
