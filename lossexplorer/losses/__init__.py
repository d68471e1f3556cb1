"""The loss library: every loss the app shows, exact (Keras 3 conventions), vectorised and Qt-free.

Each loss is ``name(y_true, y_pred, *, reduction="mean", **params)``; ``reduction="none"`` gives one value
per row (rows are the first axis; (n, k) inputs are reduced over the last axis). :func:`gradient` gives the
analytic d(per-row loss)/d(y_pred), :data:`REGISTRY` describes every loss and :func:`validate_params` checks
parameters. Every input problem raises ``ValueError`` with a message naming it.

Example:
    >>> from lossexplorer import losses
    >>> losses.huber([0.0, 0.0], [0.5, 3.0], delta=1.0, reduction="none")
    array([0.125, 2.5  ])
"""

from lossexplorer.losses._engine import gradient
from lossexplorer.losses._numerics import EPSILON
from lossexplorer.losses._params import ParamSpec, validate_params
from lossexplorer.losses.margin import categorical_hinge, hinge, squared_hinge
from lossexplorer.losses.probabilistic import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    sparse_categorical_crossentropy,
)
from lossexplorer.losses.registry import FAMILIES, REGISTRY, TASKS, LossSpec
from lossexplorer.losses.regression import (
    general_robust,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_squared_error,
    quantile,
)
from lossexplorer.losses.similarity import cosine_similarity, dice

__all__ = [
    "EPSILON",
    "FAMILIES",
    "REGISTRY",
    "TASKS",
    "LossSpec",
    "ParamSpec",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "dice",
    "general_robust",
    "gradient",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_squared_error",
    "quantile",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "validate_params",
]
