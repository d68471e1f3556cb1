"""Analytic gradients of every loss against central finite differences of the per-row loss.

Hypothesis draws inputs that stay away from kinks (|error| = 0, margin = 1, argmax ties) and from the
probability clip, where the derivative does not exist or is deliberately zero.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lossexplorer import losses

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STEP = 1e-6


def finite_difference(loss_id, y_true, y_pred, params):
    """Central differences of the per-row loss, one column at a time (rows are independent)."""
    fn = losses.REGISTRY[loss_id].fn
    pred = np.array(y_pred, dtype=float)
    grad = np.empty_like(pred)
    columns = [None] if pred.ndim == 1 else range(pred.shape[1])
    for column in columns:
        index = np.s_[:] if column is None else np.s_[:, column]
        step = STEP * np.maximum(1.0, np.abs(pred[index]))
        up, down = pred.copy(), pred.copy()
        up[index] += step
        down[index] -= step
        rise = fn(y_true, up, reduction="none", **params) - fn(y_true, down, reduction="none", **params)
        grad[index] = rise / (up[index] - down[index])
    return grad


def assert_gradient_matches(loss_id, y_true, y_pred, **params):
    analytic = losses.gradient(loss_id, y_true, y_pred, **params)
    assert analytic.shape == np.shape(y_pred)
    numeric = finite_difference(loss_id, y_true, y_pred, params)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-5, atol=2e-6)


def shapes(min_k=1, max_k=3, allow_1d=True):
    """Shapes (n,) or (n, k) with n up to 5."""
    two_d = st.tuples(st.integers(1, 5), st.integers(min_k, max_k))
    return st.one_of(st.tuples(st.integers(1, 5)), two_d) if allow_1d else two_d


def floats(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def regression_pairs(draw, kink_gap=0.0):
    """(y_true, y_pred) with every |error| >= kink_gap."""
    shape = draw(shapes())
    y_true = draw(arrays(np.float64, shape, elements=floats(-5, 5)))
    error = draw(arrays(np.float64, shape, elements=floats(-4, 4)))
    if kink_gap:
        error = np.where(error >= 0, error + kink_gap, error - kink_gap)
    return y_true, y_true + error


@st.composite
def probability_pairs(draw, soft=True, k_range=(1, 3), allow_1d=True):
    """(labels in [0, 1] or {0, 1}, probabilities in [0.02, 0.98]) of the same shape."""
    shape = draw(shapes(*k_range, allow_1d=allow_1d))
    labels = floats(0, 1) if soft else st.sampled_from([0.0, 1.0])
    y_true = draw(arrays(np.float64, shape, elements=labels))
    y_pred = draw(arrays(np.float64, shape, elements=floats(0.02, 0.98)))
    return y_true, y_pred


@st.composite
def logit_pairs(draw, soft=True, k_range=(1, 3), allow_1d=True):
    shape = draw(shapes(*k_range, allow_1d=allow_1d))
    labels = floats(0, 1) if soft else st.sampled_from([0.0, 1.0])
    return draw(arrays(np.float64, shape, elements=labels)), draw(arrays(np.float64, shape, elements=floats(-8, 8)))


# ---------------------------------------------------------------- regression
@SETTINGS
@given(regression_pairs())
def test_mean_squared_error_gradient(pair):
    assert_gradient_matches("mean_squared_error", *pair)


@SETTINGS
@given(regression_pairs(kink_gap=1e-3))
def test_mean_absolute_error_gradient(pair):
    assert_gradient_matches("mean_absolute_error", *pair)


@SETTINGS
@given(regression_pairs(), floats(0.05, 5))
def test_huber_gradient(pair, delta):
    y_true, y_pred = pair
    error = np.abs(y_pred - y_true)
    # keep |error| off the quadratic/linear seam, where the second derivative jumps
    y_pred = np.where(np.abs(error - delta) < 1e-3, y_pred + 2e-3, y_pred)
    assert_gradient_matches("huber", y_true, y_pred, delta=delta)


@SETTINGS
@given(regression_pairs())
def test_log_cosh_gradient(pair):
    assert_gradient_matches("log_cosh", *pair)


@SETTINGS
@given(regression_pairs(kink_gap=1e-3), floats(0.01, 0.99))
def test_quantile_gradient(pair, tau):
    assert_gradient_matches("quantile", *pair, tau=tau)


ALPHAS = st.one_of(
    st.sampled_from([2.0, 1.0, 0.0, -2.0, -math.inf, 2.0 - 1e-9, 1e-9, -1e-9, 2.0 + 1e-6, -1e6]),
    floats(-10, 6),
)


@SETTINGS
@given(regression_pairs(), ALPHAS, floats(0.1, 4))
def test_general_robust_gradient(pair, alpha, scale):
    assert_gradient_matches("general_robust", *pair, alpha=alpha, scale=scale)


# ---------------------------------------------------------------- binary probabilistic
@SETTINGS
@given(probability_pairs(), floats(0, 1))
def test_binary_crossentropy_gradient(pair, label_smoothing):
    assert_gradient_matches("binary_crossentropy", *pair, label_smoothing=label_smoothing)


@SETTINGS
@given(logit_pairs(), floats(0, 1))
def test_binary_crossentropy_from_logits_gradient(pair, label_smoothing):
    assert_gradient_matches("binary_crossentropy", *pair, from_logits=True, label_smoothing=label_smoothing)


FOCAL_PARAMS = st.fixed_dictionaries({
    "gamma": st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0]), floats(0, 5)),
    "apply_class_balancing": st.booleans(),
    "alpha": floats(0, 1),
    "label_smoothing": st.one_of(st.just(0.0), floats(0, 1)),
})


@SETTINGS
@given(probability_pairs(), FOCAL_PARAMS)
def test_binary_focal_crossentropy_gradient(pair, params):
    assert_gradient_matches("binary_focal_crossentropy", *pair, **params)


@SETTINGS
@given(logit_pairs(), FOCAL_PARAMS)
def test_binary_focal_crossentropy_from_logits_gradient(pair, params):
    assert_gradient_matches("binary_focal_crossentropy", *pair, from_logits=True, **params)


# ---------------------------------------------------------------- multiclass probabilistic
@SETTINGS
@given(probability_pairs(k_range=(2, 4), allow_1d=False), floats(0, 1))
def test_categorical_crossentropy_gradient(pair, label_smoothing):
    y_true, y_pred = pair
    # renormalised probabilities must stay inside the clip: with entries >= 0.02 and k <= 4 they are > 0.005
    assert_gradient_matches("categorical_crossentropy", y_true, y_pred, label_smoothing=label_smoothing)


@SETTINGS
@given(logit_pairs(k_range=(2, 4), allow_1d=False), floats(0, 1))
def test_categorical_crossentropy_from_logits_gradient(pair, label_smoothing):
    assert_gradient_matches("categorical_crossentropy", *pair, from_logits=True, label_smoothing=label_smoothing)


@st.composite
def sparse_pairs(draw, from_logits):
    n, k = draw(st.integers(1, 5)), draw(st.integers(2, 4))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    values = floats(-8, 8) if from_logits else floats(0.02, 0.98)
    return labels, draw(arrays(np.float64, (n, k), elements=values))


@SETTINGS
@given(sparse_pairs(from_logits=False))
def test_sparse_categorical_crossentropy_gradient(pair):
    assert_gradient_matches("sparse_categorical_crossentropy", *pair)


@SETTINGS
@given(sparse_pairs(from_logits=True))
def test_sparse_categorical_crossentropy_from_logits_gradient(pair):
    assert_gradient_matches("sparse_categorical_crossentropy", *pair, from_logits=True)


@SETTINGS
@given(probability_pairs(k_range=(1, 4), allow_1d=False))
def test_kl_divergence_gradient(pair):
    assert_gradient_matches("kl_divergence", *pair)


# ---------------------------------------------------------------- margin
@st.composite
def margin_pairs(draw, zero_one):
    """(labels, scores) with every slack 1 - y f at least 1e-3 away from 0."""
    shape = draw(shapes())
    signs = draw(arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))
    slack = draw(arrays(np.float64, shape, elements=floats(-3, 3)))
    slack = np.where(slack >= 0, slack + 1e-3, slack - 1e-3)
    scores = signs * (1.0 - slack)
    labels = (signs + 1.0) / 2.0 if zero_one else signs
    return labels, scores


@SETTINGS
@given(margin_pairs(zero_one=False))
def test_hinge_gradient(pair):
    assert_gradient_matches("hinge", *pair)


@SETTINGS
@given(margin_pairs(zero_one=True))
def test_hinge_gradient_with_zero_one_labels(pair):
    assert_gradient_matches("hinge", *pair)


@SETTINGS
@given(margin_pairs(zero_one=True))
def test_squared_hinge_gradient(pair):
    assert_gradient_matches("squared_hinge", *pair)


@st.composite
def categorical_hinge_pairs(draw):
    """One-hot labels and scores with distinct wrong-class maxima and slack away from 0."""
    n, k = draw(st.integers(1, 5)), draw(st.integers(2, 4))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    scores = draw(arrays(np.float64, (n, k), elements=floats(-3, 3), unique=True))
    y_true = np.eye(k)[labels]
    wrong = np.sort(((1.0 - y_true) * scores), axis=1)
    positive = np.sum(y_true * scores, axis=1)
    slack = wrong[:, -1] - positive + 1.0
    far_from_ties = wrong[:, -1] - wrong[:, -2] > 1e-3
    return y_true, scores, far_from_ties & (np.abs(slack) > 1e-3)


@SETTINGS
@given(categorical_hinge_pairs())
def test_categorical_hinge_gradient(case):
    y_true, scores, usable = case
    if usable.any():
        assert_gradient_matches("categorical_hinge", y_true[usable], scores[usable])


# ---------------------------------------------------------------- similarity
@st.composite
def vector_pairs(draw):
    n, k = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    y_true = draw(arrays(np.float64, (n, k), elements=floats(-3, 3)))
    y_pred = draw(arrays(np.float64, (n, k), elements=floats(-3, 3)))
    # keep norms well above Keras's 1e-7 floor, where the normalisation changes form
    y_true[:, 0] = np.where(np.abs(y_true[:, 0]) < 0.1, 0.5, y_true[:, 0])
    y_pred[:, 0] = np.where(np.abs(y_pred[:, 0]) < 0.1, -0.5, y_pred[:, 0])
    return y_true, y_pred


@SETTINGS
@given(vector_pairs())
def test_cosine_similarity_gradient(pair):
    assert_gradient_matches("cosine_similarity", *pair)


@SETTINGS
@given(probability_pairs(k_range=(1, 4), allow_1d=False))
def test_dice_gradient(pair):
    assert_gradient_matches("dice", *pair)


# ---------------------------------------------------------------- behaviour at clips and edges
def test_every_loss_has_a_gradient_test():
    tested = {name.removeprefix("test_").removesuffix("_gradient").split("_gradient")[0]
              for name in globals() if name.startswith("test_") and "_gradient" in name}
    assert set(losses.REGISTRY) <= tested


def test_gradient_is_zero_where_the_probability_clip_is_active():
    grad = losses.gradient("binary_crossentropy", [1.0, 0.0, 1.0], [0.0, 1.0, 0.5])
    np.testing.assert_allclose(grad, [0.0, 0.0, -2.0], rtol=1e-12)


def test_gradient_for_two_dimensional_rows_includes_one_over_k():
    # per-row MSE over k = 4 columns: d/dp of mean((p - y)^2) = 2 (p - y) / 4
    grad = losses.gradient("mean_squared_error", np.zeros((1, 4)), [[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_allclose(grad, [[0.5, 1.0, 1.5, 2.0]], rtol=1e-15)


def test_gradient_at_piecewise_kinks_is_the_zero_subgradient():
    assert losses.gradient("mean_absolute_error", [1.0], [1.0])[0] == 0.0
    assert losses.gradient("quantile", [1.0], [1.0], tau=0.9)[0] == 0.0
    assert losses.gradient("hinge", [1.0], [1.0])[0] == 0.0


@pytest.mark.parametrize(
    ("loss_id", "y_true", "logits"),
    [
        ("binary_crossentropy", [1.0, 0.0, 1.0, 0.0], [1e4, -1e4, -1e4, 1e4]),
        ("binary_focal_crossentropy", [1.0, 0.0, 1.0, 0.0], [1e4, -1e4, -1e4, 1e4]),
        ("categorical_crossentropy", [[1.0, 0.0], [0.0, 1.0]], [[1e4, -1e4], [1e4, -1e4]]),
        ("sparse_categorical_crossentropy", [0, 1], [[1e4, -1e4], [1e4, -1e4]]),
    ],
)
def test_gradient_from_huge_logits_is_finite_and_saturates(loss_id, y_true, logits):
    grad = losses.gradient(loss_id, y_true, logits, from_logits=True)
    assert np.all(np.isfinite(grad))
    assert np.max(np.abs(grad)) <= 1.0 + 1e-12


def test_focal_gradient_from_huge_logits_with_soft_labels_and_small_gamma_is_finite():
    grad = losses.gradient("binary_focal_crossentropy", [1.0, 0.3, 0.0], [1e4, -1e4, -1e4], from_logits=True,
                           gamma=0.5, label_smoothing=0.1)
    assert np.all(np.isfinite(grad))
