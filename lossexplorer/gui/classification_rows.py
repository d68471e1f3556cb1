"""Per-row values the classification view draws, cached and updated row by row. No Qt.

The loss values come from :mod:`lossexplorer.evaluate`; this module only decides which rows to recompute,
where each row sits on the plots (its true-class probability and its margin, by the conventions of
``spec/CONTRACT.md``) and which rows to draw when there are too many to draw them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from lossexplorer import curves, evaluate, losses
from lossexplorer.dataset import Dataset

MAX_DRAWN_ROWS = 1000
"""Above this many rows the plots draw a fixed random sample of them (the aggregates still use every row)."""

MULTICLASS_CORE = (
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "kl_divergence",
    "cosine_similarity",
    "dice",
)
"""The per-row losses every multiclass data set gets in the view, whether or not they are checked."""

_SAMPLE_SEED = 20170807  # any fixed seed: the same data always shows the same sample


def view_losses(task: str, checked: Iterable[str]) -> list[str]:
    """Return the losses the classification view computes per row for data of ``task``, in registry order.

    Binary data gets the checked losses that have a curve against the true-class probability; multiclass data
    gets :data:`MULTICLASS_CORE` plus any other checked multiclass loss; regression data has no rows to rank.

    Args:
        task: ``"regression"``, ``"binary"`` or ``"multiclass"``.
        checked: The checked loss ids.
    """
    if task == "regression":
        return []
    wanted = set(checked)
    if task == "multiclass":
        wanted |= set(MULTICLASS_CORE)
    else:
        wanted &= set(curves.PROBABILITY_LOSSES)
    return [loss_id for loss_id in evaluate.applicable_losses(task) if loss_id in wanted]


def data_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return a loss's parameters without ``from_logits``, which the data decides, not the user."""
    return {name: value for name, value in params.items() if name != "from_logits"}


def subset(dataset: Dataset, rows: np.ndarray) -> Dataset:
    """Return the data set restricted to ``rows`` (everything but the arrays kept)."""
    return dataset.with_arrays(dataset.y_true[rows], dataset.y_pred[rows])


class ClassificationRows:
    """Per-row losses, positions and aggregates of one data set, kept current one edit at a time.

    Attributes:
        task: The data's task.
        n_rows: Number of rows.
        loss_ids: The losses computed, in display order.
        per_row: Loss id to its per-row values, float64 (n,).
        p_true: Each row's probability of its true class (empty for regression).
        margin: Each binary row's margin ``y * logit`` (empty otherwise).
        sample: Sorted indices of the rows drawn as points (every row up to :data:`MAX_DRAWN_ROWS`).
        problems: Loss id to the reason it could not be computed on this data.
    """

    def __init__(self) -> None:
        self.task = "regression"
        self.n_rows = 0
        self.loss_ids: list[str] = []
        self.per_row: dict[str, np.ndarray] = {}
        self.p_true = np.empty(0)
        self.margin = np.empty(0)
        self.sample = np.empty(0, dtype=np.int64)
        self.problems: dict[str, str] = {}
        self._params: dict[str, dict[str, Any]] = {}

    # ----- rebuilding ----------------------------------------------------------------------------
    def rebuild(self, dataset: Dataset, loss_ids: Iterable[str], params: Mapping[str, Mapping[str, Any]]) -> None:
        """Recompute everything for a new or reshaped data set."""
        self.task, self.n_rows = dataset.task, dataset.n_rows
        self.sample = drawn_sample(self.n_rows)
        if self.task == "regression":
            self.p_true, self.margin = np.empty(0), np.empty(0)
        else:
            self.p_true = evaluate.true_class_probability(dataset)
            self.margin = evaluate.binary_margin(dataset) if self.task == "binary" else np.empty(0)
        self.loss_ids, self.per_row, self.problems, self._params = [], {}, {}, {}
        self.set_losses(dataset, loss_ids, params)

    def set_losses(self, dataset: Dataset, loss_ids: Iterable[str],
                   params: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """Compute the losses not cached yet, forget the ones no longer wanted; return the newly computed ids."""
        wanted = list(loss_ids)
        added = [loss_id for loss_id in wanted if loss_id not in self.per_row]
        for loss_id in added:
            self._compute_all(dataset, loss_id, params.get(loss_id, {}))
        self.loss_ids = [loss_id for loss_id in wanted if loss_id in self.per_row]
        for loss_id in list(self.per_row):
            if loss_id not in wanted:
                del self.per_row[loss_id]
                self._params.pop(loss_id, None)
        self.problems = {k: v for k, v in self.problems.items() if k in wanted}
        return [loss_id for loss_id in added if loss_id in self.per_row]

    def set_params(self, dataset: Dataset, loss_id: str, params: Mapping[str, Any]) -> bool:
        """Recompute one loss for new parameters; return whether it is cached and changed."""
        if loss_id not in self.loss_ids and loss_id not in self.problems:
            return False
        if data_params(params) == self._params.get(loss_id):
            return False
        self._compute_all(dataset, loss_id, params)
        if loss_id in self.per_row and loss_id not in self.loss_ids:
            self.loss_ids = [k for k in evaluate.applicable_losses(self.task) if k in self.per_row]
        return loss_id in self.per_row

    def _compute_all(self, dataset: Dataset, loss_id: str, params: Mapping[str, Any]) -> None:
        clean = data_params(params)
        try:
            values = evaluate.per_row_losses(dataset, [loss_id], {loss_id: clean})[loss_id]
        except ValueError as error:
            self.problems[loss_id] = str(error)
            self.per_row.pop(loss_id, None)
            return
        self.problems.pop(loss_id, None)
        self.per_row[loss_id] = values
        self._params[loss_id] = clean

    # ----- incremental updates -------------------------------------------------------------------
    def update_rows(self, dataset: Dataset, rows: np.ndarray) -> None:
        """Recompute only ``rows`` after their values changed (the number of rows is unchanged)."""
        part = subset(dataset, rows)
        if self.task != "regression":
            self.p_true[rows] = evaluate.true_class_probability(part)
        if self.task == "binary":
            self.margin[rows] = evaluate.binary_margin(part)
        if not self.loss_ids:
            return
        fresh = evaluate.per_row_losses(part, self.loss_ids, self._params)
        for loss_id, values in fresh.items():
            self.per_row[loss_id][rows] = values

    def drawn_positions(self, rows: np.ndarray) -> np.ndarray:
        """Where those of ``rows`` that are drawn as points sit among the drawn points (indices into ``sample``)."""
        if self.sample.size == self.n_rows:
            return np.asarray(rows, dtype=np.int64)
        positions = np.searchsorted(self.sample, rows)
        inside = positions < self.sample.size
        positions = positions[inside]
        return positions[self.sample[positions] == np.asarray(rows)[inside]].astype(np.int64)

    # ----- summaries -----------------------------------------------------------------------------
    def means(self) -> dict[str, float]:
        """The mean of each cached loss over every row."""
        return evaluate.aggregate({loss_id: self.per_row[loss_id] for loss_id in self.loss_ids})

    def shares(self, loss_id: str) -> np.ndarray:
        """Each row's share of the total of one loss, above the loss's floor (sums to 1)."""
        return evaluate.rows_share(self.per_row[loss_id], floor=evaluate.loss_floor(loss_id))

    def top_shares(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` rows with the largest share averaged over the cached losses, largest first.

        Returns:
            The row indices (k,) and each cached loss's share of its total for those rows, shape (losses, k).
        """
        if not self.loss_ids or self.n_rows == 0:
            return np.empty(0, dtype=np.int64), np.empty((len(self.loss_ids), 0))
        shares = np.stack([self.shares(loss_id) for loss_id in self.loss_ids])
        average = shares.mean(axis=0)
        count = min(count, self.n_rows)
        everyone = count >= self.n_rows
        candidates = np.arange(self.n_rows) if everyone else np.argpartition(-average, count - 1)[:count]
        # Ties (equal shares) keep table order so the bars do not shuffle between equal rows.
        order = np.lexsort((candidates, -average[candidates]))
        chosen = candidates[order].astype(np.int64)
        return chosen, shares[:, chosen]

def drawn_sample(n_rows: int, limit: int = MAX_DRAWN_ROWS) -> np.ndarray:
    """Return sorted row indices to draw: every row up to ``limit``, else a fixed random sample of ``limit``."""
    if n_rows <= limit:
        return np.arange(n_rows, dtype=np.int64)
    generator = np.random.default_rng(_SAMPLE_SEED)
    return np.sort(generator.choice(n_rows, size=limit, replace=False)).astype(np.int64)


def categorical_curve(loss_id: str, p_true: np.ndarray, n_classes: int, params: Mapping[str, Any]) -> np.ndarray:
    """Return a multiclass loss for a row whose true class gets ``p_true`` and the other classes share the rest.

    With one-hot labels the categorical cross-entropy is ``-ln p_t`` whatever the other classes get; the even
    split only matters for label smoothing.

    Args:
        loss_id: A multiclass loss taking one-hot labels, such as ``"categorical_crossentropy"``.
        p_true: Probabilities of the true class in [0, 1].
        n_classes: Number of classes (at least 2).
        params: The loss's parameters (``from_logits`` is ignored).
    """
    k = max(int(n_classes), 2)
    p = np.asarray(p_true, dtype=np.float64)
    y_pred = np.empty((p.size, k))
    y_pred[:, 0] = p
    y_pred[:, 1:] = ((1.0 - p) / (k - 1))[:, None]
    y_true = np.zeros_like(y_pred)
    y_true[:, 0] = 1.0
    return losses.REGISTRY[loss_id].fn(y_true, y_pred, reduction="none", **data_params(params))
