"""Per-row losses kept current row by row, and the choice of rows worth drawing. No Qt here.

The regression view redraws on every cell edit. Recomputing every loss over a million rows for one changed
cell would cost tens of milliseconds, so :class:`RowLossCache` keeps each loss's per-row values and its sum,
and an edit recomputes just the changed rows and adds the difference to the sum. Every value still comes
from :mod:`lossexplorer.losses` (through :mod:`lossexplorer.evaluate` for whole data sets).

The plots draw at most a few thousand points: :func:`display_rows` keeps an even sample plus the rows with
the largest errors, so outliers are never decimated away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lossexplorer import evaluate, losses
from lossexplorer.dataset import Dataset

_GOLDEN_FRACTION = 0.6180339887498949
_SYMBOLS = {"delta": "δ", "tau": "τ", "alpha": "α", "gamma": "γ", "scale": "c"}


HEAVY_CAPACITY = 64


class HeavyRows:
    """The rows with the largest values of a per-row array, kept current under edits of a few rows.

    After :meth:`reset`, the candidates are the ``capacity`` largest rows and the threshold is the smallest
    candidate value, so no other row exceeds it. An edit adds any edited row that now exceeds the threshold,
    which keeps that true; the largest ``count`` rows are then found among the candidates alone, as long as
    at least ``count`` candidates still reach the threshold. When they do not, a full pass starts over.
    """

    def __init__(self, values: np.ndarray, capacity: int = HEAVY_CAPACITY) -> None:
        self._capacity = capacity
        self.reset(values)

    def reset(self, values: np.ndarray) -> None:
        """Choose the candidates with a full pass over ``values``."""
        n = values.size
        if n <= self._capacity:
            self._candidates = np.arange(n, dtype=np.int64)
            self._threshold = -np.inf
            return
        self._candidates = np.argpartition(values, n - self._capacity)[n - self._capacity:].astype(np.int64)
        self._threshold = float(values[self._candidates].min())

    def update(self, values: np.ndarray, rows: np.ndarray) -> None:
        """Take note that ``values[rows]`` changed."""
        rising = rows[(values[rows] > self._threshold) & ~np.isin(rows, self._candidates)]
        if rising.size:
            self._candidates = np.concatenate([self._candidates, rising])
        if self._candidates.size > 4 * self._capacity:
            self.reset(values)

    def top(self, values: np.ndarray, count: int) -> np.ndarray:
        """The indices of the ``count`` largest values (at most the capacity), largest first."""
        count = min(count, self._capacity, values.size)
        if np.count_nonzero(values[self._candidates] >= self._threshold) < count:
            self.reset(values)
        candidates = self._candidates
        order = np.argsort(-values[candidates], kind="stable")
        return candidates[order[:count]]


@dataclass
class _Entry:
    params: dict[str, Any]
    values: np.ndarray
    total: float
    heavy: HeavyRows


class RowLossCache:
    """Per-row values and running sums of several losses over one data set's rows."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def ids(self) -> tuple[str, ...]:
        """The losses held, in the order they were asked for."""
        return tuple(self._entries)

    def sync(self, dataset: Dataset, wanted: Mapping[str, Mapping[str, Any]]) -> None:
        """Hold exactly the losses in ``wanted`` (loss id to full parameters), computing new or changed ones.

        Args:
            dataset: The data the values are for.
            wanted: Loss ids in display order, each with its parameters.
        """
        entries: dict[str, _Entry] = {}
        for loss_id, params in wanted.items():
            entry = self._entries.get(loss_id)
            if entry is None or entry.params != dict(params):
                entry = _compute(dataset, loss_id, dict(params))
            entries[loss_id] = entry
        self._entries = entries

    def recompute(self, dataset: Dataset) -> None:
        """Recompute every loss over every row (after rows were added, deleted or the data replaced)."""
        self._entries = {loss_id: _compute(dataset, loss_id, entry.params)
                         for loss_id, entry in self._entries.items()}

    def update_rows(self, dataset: Dataset, rows: np.ndarray) -> None:
        """Recompute only ``rows`` (unique indices) of every loss and move each sum by the difference."""
        if rows.size == 0:
            return
        y_true, y_pred = dataset.y_true[rows], dataset.y_pred[rows]
        for loss_id, entry in self._entries.items():
            fresh = losses.REGISTRY[loss_id].fn(y_true, y_pred, reduction="none", **entry.params)
            entry.total += float(np.sum(fresh - entry.values[rows]))
            entry.values[rows] = fresh
            entry.heavy.update(entry.values, rows)

    def per_row(self, loss_id: str) -> np.ndarray:
        """The per-row values of one loss (the cache's own array: read it, never write to it)."""
        return self._entries[loss_id].values

    def params(self, loss_id: str) -> dict[str, Any]:
        """The parameters the values were computed with."""
        return dict(self._entries[loss_id].params)

    def heaviest(self, loss_id: str, count: int) -> np.ndarray:
        """The rows with the largest values of one loss (at most ``HEAVY_CAPACITY`` of them), largest first."""
        entry = self._entries[loss_id]
        return entry.heavy.top(entry.values, count)

    def total(self, loss_id: str) -> float:
        """The sum of one loss over every row."""
        return self._entries[loss_id].total

    def mean(self, loss_id: str) -> float:
        """The mean of one loss over the rows: the value the loss function reports with ``reduction="mean"``."""
        entry = self._entries[loss_id]
        return entry.total / entry.values.size if entry.values.size else 0.0


def _compute(dataset: Dataset, loss_id: str, params: dict[str, Any]) -> _Entry:
    values = np.array(evaluate.per_row_losses(dataset, [loss_id], {loss_id: params})[loss_id], dtype=np.float64)
    return _Entry(params, values, float(np.sum(values)), HeavyRows(values))


def display_rows(errors: np.ndarray, limit: int, pinned: np.ndarray | None = None) -> np.ndarray:
    """Choose at most about ``limit`` rows to draw: all of them if they fit, else a sample plus the extremes.

    Args:
        errors: Every row's error.
        limit: How many points a plot should hold at most.
        pinned: Rows that must be drawn whatever happens (the selected row, rows just edited).

    Returns:
        Sorted unique row indices.
    """
    n = errors.size
    pinned_rows = np.asarray(pinned if pinned is not None else [], dtype=np.int64)
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    extremes = max(limit // 8, 1)
    largest = np.argpartition(np.abs(errors), n - extremes)[n - extremes:]
    sample = np.linspace(0, n - 1, limit - extremes).astype(np.int64)
    return np.unique(np.concatenate([sample, largest, pinned_rows[(pinned_rows >= 0) & (pinned_rows < n)]]))


def top_rows(values: np.ndarray, count: int) -> np.ndarray:
    """The indices of the ``count`` largest values, largest first."""
    n = values.size
    chosen = np.arange(n) if n <= count else np.argpartition(values, n - count)[n - count:]
    return chosen[np.argsort(-values[chosen], kind="stable")]


def strip_offsets(rows: np.ndarray) -> np.ndarray:
    """Vertical positions in [-0.4, 0.4] that spread a strip of points evenly and never change for a row."""
    return ((rows * _GOLDEN_FRACTION) % 1.0 - 0.5) * 0.8


def short_name(loss_id: str) -> str:
    """A legend-sized name: an acronym in the display name's brackets (MSE), else the name before them."""
    name = losses.REGISTRY[loss_id].display_name
    if not (name.endswith(")") and "(" in name):
        return name
    inside = name[name.rindex("(") + 1:-1]
    return inside if inside.isupper() else name[:name.rindex("(")].strip()


def legend_label(loss_id: str, params: Mapping[str, Any]) -> str:
    """A short name plus the float parameters, e.g. ``Huber (δ=1)``, so a legend tells curves apart."""
    shown = [f"{_SYMBOLS.get(spec.name, spec.name)}={_format_number(float(params[spec.name]))}"
             for spec in losses.REGISTRY[loss_id].params if spec.kind == "float"]
    return f"{short_name(loss_id)} ({', '.join(shown)})" if shown else short_name(loss_id)


def _format_number(value: float) -> str:
    return "−∞" if value == -np.inf else f"{value:.3g}"
