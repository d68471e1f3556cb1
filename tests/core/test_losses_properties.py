"""Mathematical properties of the losses: zeros, limits, asymmetry, reductions, logits and numerics."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lossexplorer import losses

SETTINGS = settings(max_examples=60, deadline=None)
TINY = 1e-300


def floats(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


REGRESSION_IDS = [spec.id for spec in losses.REGISTRY.values() if spec.family == "regression"]


# ---------------------------------------------------------------- zero at a perfect prediction
@pytest.mark.parametrize("loss_id", REGRESSION_IDS)
def test_regression_losses_are_zero_at_a_perfect_prediction(loss_id):
    y = np.array([[-3.0, 0.0, 2.5], [1e3, -1e-3, 7.0]])
    assert np.all(losses.REGISTRY[loss_id].fn(y, y.copy(), reduction="none") == 0.0)
    assert np.all(losses.gradient(loss_id, y, y.copy()) == 0.0)


def test_kl_divergence_is_zero_for_identical_distributions():
    y = np.array([[0.2, 0.8], [0.0, 1.0], [1 / 3, 2 / 3]])
    np.testing.assert_array_equal(losses.kl_divergence(y, y.copy(), reduction="none"), [0.0, 0.0, 0.0])


def test_margin_losses_are_zero_beyond_the_margin():
    assert losses.hinge([1.0, -1.0], [1.0, -2.5]) == 0.0
    assert losses.squared_hinge([1.0, 0.0], [3.0, -1.0]) == 0.0
    assert losses.categorical_hinge([[0.0, 1.0, 0.0]], [[0.2, 1.2, -0.5]]) == 0.0


def test_probabilistic_losses_reach_only_the_clip_floor_at_a_perfect_prediction():
    # With p clipped to [1e-7, 1 - 1e-7] the smallest BCE term is -log(1 - 1e-7) ~ 1e-7, not 0.
    assert losses.binary_crossentropy([1.0, 0.0], [1.0, 0.0]) == pytest.approx(1e-7, rel=1e-6)
    assert losses.categorical_crossentropy([[0.0, 1.0]], [[0.0, 1.0]]) == pytest.approx(1e-7, rel=1e-6)
    assert losses.dice([[1.0, 0.0, 1.0]], [[1.0, 0.0, 1.0]]) == pytest.approx(0.0, abs=1e-7)
    assert losses.cosine_similarity([[3.0, 4.0]], [[6.0, 8.0]]) == pytest.approx(-1.0, abs=1e-15)


# ---------------------------------------------------------------- limits and special cases
@SETTINGS
@given(arrays(np.float64, 6, elements=floats(-50, 50)))
def test_huber_approaches_half_mse_as_delta_grows(errors):
    zeros = np.zeros_like(errors)
    half_mse = 0.5 * losses.mean_squared_error(zeros, errors)
    gaps = [abs(losses.huber(zeros, errors, delta=d) - half_mse) for d in (0.5, 5.0, 60.0)]
    assert gaps[0] >= gaps[1] >= gaps[2]
    assert gaps[2] <= 1e-12 * max(1.0, half_mse)


@SETTINGS
@given(arrays(np.float64, 5, elements=floats(-100, 100)), floats(0.1, 10))
def test_general_robust_special_cases(x, scale):
    zeros = np.zeros_like(x)
    r = x / scale

    def robust(alpha):
        return losses.general_robust(zeros, x, alpha=alpha, scale=scale, reduction="none")

    # Subnormal results carry fewer bits, hence atol=TINY.
    # Reference forms avoid cancellation, e.g. sqrt(r^2 + 1) - 1 = r^2 / (sqrt(r^2 + 1) + 1).
    np.testing.assert_allclose(robust(2.0), 0.5 * r**2, rtol=1e-14, atol=TINY)                          # L2
    np.testing.assert_allclose(robust(1.0), r**2 / (np.sqrt(r**2 + 1) + 1), rtol=1e-12, atol=TINY)      # Charbonnier
    np.testing.assert_allclose(robust(0.0), np.log1p(0.5 * r**2), rtol=1e-12, atol=TINY)                # Cauchy
    np.testing.assert_allclose(robust(-2.0), 2 * r**2 / (r**2 + 4), rtol=1e-12, atol=TINY)              # Geman-McClure
    np.testing.assert_allclose(robust(-math.inf), -np.expm1(-0.5 * r**2), rtol=1e-12, atol=TINY)        # Welsch


@SETTINGS
@given(arrays(np.float64, 5, elements=floats(-30, 30)), st.sampled_from([2.0, 0.0, -math.inf]))
def test_general_robust_is_continuous_at_its_limits(x, limit):
    zeros = np.zeros_like(x)
    exact = losses.general_robust(zeros, x, alpha=limit, reduction="none")
    if limit == -math.inf:
        nearby = [-1e9, -1e12]
        tolerance = 1e-7
    else:
        nearby = [limit - 1e-9, limit + 1e-9, limit - 1e-12, limit + 1e-12]
        tolerance = 1e-7
    for alpha in nearby:
        close = losses.general_robust(zeros, x, alpha=alpha, reduction="none")
        np.testing.assert_allclose(close, exact, rtol=tolerance, atol=1e-300)


def test_general_robust_near_zero_alpha_keeps_full_precision():
    # f(x, a) = log1p(x^2/2) + a * g(x) + O(a^2) with g smooth: an alpha of 1e-300 must give the Cauchy value to
    # the last bits, which the naive |a-2|/a * ((...)^(a/2) - 1) cannot (it returns 0 or nan).
    x = np.array([1e-8, 1e-3, 1.0, 3.0, 1e5])
    value = losses.general_robust(np.zeros(5), x, alpha=1e-300, reduction="none")
    np.testing.assert_allclose(value, np.log1p(0.5 * x**2), rtol=1e-15)


def test_general_robust_stays_finite_for_enormous_errors_when_bounded():
    x = np.array([1e200, -1e300])
    np.testing.assert_allclose(losses.general_robust(np.zeros(2), x, alpha=0.0, reduction="none"),
                               2 * np.log(np.abs(x)) - np.log(2), rtol=1e-14)
    np.testing.assert_allclose(losses.general_robust(np.zeros(2), x, alpha=-2.0, reduction="none"), [2.0, 2.0])
    np.testing.assert_allclose(losses.general_robust(np.zeros(2), x, alpha=-math.inf, reduction="none"), [1.0, 1.0])


@pytest.mark.parametrize("alpha", [-math.inf, -2.0, -1e-6, 0.0, 1e-6, 1.0])
def test_general_robust_handles_an_error_that_overflows_float64(alpha):
    # y_pred - y_true = 2e308 overflows; the bounded and logarithmic losses must stay finite and positive.
    value = losses.general_robust([-1e308], [1e308], alpha=alpha, reduction="none")
    grad = losses.gradient("general_robust", [-1e308], [1e308], alpha=alpha)
    assert np.all(value > 0) and np.all(np.isfinite(value))
    assert np.all(np.isfinite(grad)) and np.all(grad >= 0)


@SETTINGS
@given(floats(0.01, 0.99), floats(0.01, 20))
def test_quantile_asymmetry_follows_tau(tau, gap):
    under = losses.quantile([0.0], [-gap], tau=tau)   # prediction below the truth costs tau per unit
    over = losses.quantile([0.0], [gap], tau=tau)     # above the truth costs 1 - tau per unit
    assert under == pytest.approx(tau * gap, rel=1e-12)
    assert over == pytest.approx((1 - tau) * gap, rel=1e-12)
    assert (under > over) == (tau > 0.5)


def test_quantile_depends_on_argument_order():
    # (y_true, y_pred) order matters for an asymmetric loss: swapping the arguments changes the value.
    assert losses.quantile([1.0], [0.0], tau=0.9) == pytest.approx(0.9)
    assert losses.quantile([0.0], [1.0], tau=0.9) == pytest.approx(0.1)


# ---------------------------------------------------------------- reduction consistency
def sample_inputs(loss_id):
    rng = np.random.default_rng(7)
    family = losses.REGISTRY[loss_id].family
    if loss_id == "sparse_categorical_crossentropy":
        return rng.integers(0, 3, 6), rng.dirichlet(np.ones(3), 6)
    if loss_id in ("hinge", "squared_hinge"):
        return rng.integers(0, 2, (6, 2)).astype(float), rng.normal(size=(6, 2))
    if family == "regression":
        return rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    if loss_id in ("binary_crossentropy", "binary_focal_crossentropy"):
        return rng.uniform(size=(6, 2)), rng.uniform(0.05, 0.95, (6, 2))
    return np.eye(3)[rng.integers(0, 3, 6)], rng.dirichlet(np.ones(3), 6)


@pytest.mark.parametrize("loss_id", list(losses.REGISTRY))
def test_reductions_agree(loss_id):
    fn = losses.REGISTRY[loss_id].fn
    y_true, y_pred = sample_inputs(loss_id)
    rows = fn(y_true, y_pred, reduction="none")
    assert isinstance(rows, np.ndarray)
    assert rows.shape == (6,)
    mean, total = fn(y_true, y_pred, reduction="mean"), fn(y_true, y_pred, reduction="sum")
    assert type(mean) is float
    assert type(total) is float
    assert mean == pytest.approx(np.mean(rows), rel=1e-12, abs=1e-15)
    assert total == pytest.approx(np.sum(rows), rel=1e-12, abs=1e-15)
    assert fn(y_true, y_pred) == mean


def test_one_dimensional_input_is_one_row_per_value():
    value = losses.mean_squared_error([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], reduction="none")
    np.testing.assert_array_equal(value, [1.0, 4.0, 9.0])


# ---------------------------------------------------------------- logits against probabilities
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@SETTINGS
@given(arrays(np.float64, (4, 2), elements=floats(0, 1)), arrays(np.float64, (4, 2), elements=floats(-8, 8)),
       floats(0, 1), floats(0, 5))
def test_binary_from_logits_matches_probabilities(y_true, logits, label_smoothing, gamma):
    for loss_id, params in (("binary_crossentropy", {}), ("binary_focal_crossentropy", {"gamma": gamma})):
        fn = losses.REGISTRY[loss_id].fn
        from_logits = fn(y_true, logits, from_logits=True, label_smoothing=label_smoothing, reduction="none",
                         **params)
        from_probability = fn(y_true, sigmoid(logits), label_smoothing=label_smoothing, reduction="none", **params)
        np.testing.assert_allclose(from_logits, from_probability, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(arrays(np.float64, (4, 3), elements=floats(-5, 5)), st.lists(st.integers(0, 2), min_size=4, max_size=4),
       floats(0, 1))
def test_categorical_from_logits_matches_probabilities(logits, labels, label_smoothing):
    # logits within +-5 keep every softmax probability above 2e-5, away from the 1e-7 clip of the probability path
    one_hot = np.eye(3)[labels]
    cce_logits = losses.categorical_crossentropy(one_hot, logits, from_logits=True,
                                                 label_smoothing=label_smoothing, reduction="none")
    cce_probability = losses.categorical_crossentropy(one_hot, softmax(logits), label_smoothing=label_smoothing,
                                                      reduction="none")
    np.testing.assert_allclose(cce_logits, cce_probability, rtol=1e-9, atol=1e-12)
    sparse_logits = losses.sparse_categorical_crossentropy(labels, logits, from_logits=True, reduction="none")
    sparse_probability = losses.sparse_categorical_crossentropy(labels, softmax(logits), reduction="none")
    np.testing.assert_allclose(sparse_logits, sparse_probability, rtol=1e-9, atol=1e-12)


def test_sparse_equals_categorical_on_one_hot_labels():
    probabilities = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    sparse = losses.sparse_categorical_crossentropy([2, 0], probabilities, reduction="none")
    dense = losses.categorical_crossentropy(np.eye(3)[[2, 0]], probabilities, reduction="none")
    np.testing.assert_allclose(sparse, dense, rtol=1e-15)
    np.testing.assert_allclose(sparse, -np.log([0.3, 0.6]), rtol=1e-15)  # -log p[label]


def test_soft_labels_count_in_categorical_crossentropy():
    value = losses.categorical_crossentropy([[0.5, 0.5, 0.0]], [[0.25, 0.25, 0.5]])
    assert value == pytest.approx(-math.log(0.25), rel=1e-12)   # 0.5 (-log .25) + 0.5 (-log .25)


# ---------------------------------------------------------------- numerics at the extremes
def test_from_logits_is_finite_and_exact_for_huge_logits():
    big = 1e4
    bce = losses.binary_crossentropy([1.0, 0.0, 1.0, 0.0], [big, -big, -big, big], from_logits=True,
                                     reduction="none")
    np.testing.assert_allclose(bce, [0.0, 0.0, big, big], rtol=1e-15, atol=1e-300)
    cce = losses.categorical_crossentropy([[1.0, 0.0], [0.0, 1.0]], [[big, -big], [big, -big]], from_logits=True,
                                          reduction="none")
    np.testing.assert_allclose(cce, [0.0, 2 * big], rtol=1e-15, atol=1e-300)
    sparse = losses.sparse_categorical_crossentropy([0, 1], [[big, -big], [big, -big]], from_logits=True,
                                                    reduction="none")
    np.testing.assert_allclose(sparse, [0.0, 2 * big], rtol=1e-15, atol=1e-300)
    focal = losses.binary_focal_crossentropy([1.0, 0.0, 1.0], [big, -big, -big], from_logits=True,
                                             reduction="none")
    np.testing.assert_allclose(focal, [0.0, 0.0, big], rtol=1e-15, atol=1e-300)


def test_log_cosh_does_not_overflow_for_huge_errors():
    value = losses.log_cosh([0.0, 0.0, 0.0], [1e4, -1e4, 1e300], reduction="none")
    np.testing.assert_allclose(value, [1e4 - math.log(2), 1e4 - math.log(2), 1e300], rtol=1e-15)
    assert np.all(np.isfinite(losses.gradient("log_cosh", [0.0], [1e4])))


def test_probability_losses_never_take_log_of_zero():
    for loss_id in ("binary_crossentropy", "binary_focal_crossentropy"):
        value = losses.REGISTRY[loss_id].fn([0.0, 1.0, 0.5], [1.0, 0.0, 0.0], reduction="none")
        assert np.all(np.isfinite(value))
    assert np.isfinite(losses.categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]]))
    assert np.isfinite(losses.sparse_categorical_crossentropy([0], [[0.0, 1.0]]))
    assert np.isfinite(losses.kl_divergence([[1.0, 0.0]], [[0.0, 1.0]]))
