"""Best constants: closed forms by hand, M-estimate properties, brute-force minimisers over fine grids."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lossexplorer import estimators, losses
from lossexplorer.estimators import best_constant, pinball_minimiser, supported_losses

TARGETS = np.array([1.0, 2.0, 3.0, 10.0])

finite_targets = arrays(
    np.float64,
    st.integers(min_value=1, max_value=40),
    elements=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False),
)


def pinball_total(y, c, tau):
    # Written out here, independent of the library: tau * (y - c) above, (1 - tau) * (c - y) below.
    residual = y - c
    return float(np.sum(np.where(residual >= 0, tau * residual, (tau - 1.0) * residual)))


def summed_gradient(loss_id, y, c, **params):
    return float(losses.gradient(loss_id, y, np.full_like(y, c), **params).sum())


def summed_loss(loss_id, y, c, **params):
    return losses.REGISTRY[loss_id].fn(y, np.full_like(y, c), reduction="sum", **params)


def test_mean_and_median_exactly():
    assert best_constant("mean_squared_error", TARGETS) == 4.0
    assert best_constant("mean_absolute_error", TARGETS) == 2.5
    assert best_constant("mean_absolute_error", np.array([7.0, -1.0, 3.0])) == 3.0


def test_huber_hand_worked():
    # Three zeros and a 10 with delta 1: inside the band 3c, the 10 contributes -1, so 3c - 1 = 0.
    assert best_constant("huber", np.array([0.0, 0.0, 0.0, 10.0]), delta=1.0) == pytest.approx(1 / 3, abs=1e-14)


def test_huber_tends_to_mean_for_large_delta():
    rng = np.random.default_rng(3)
    y = rng.standard_cauchy(200)
    delta = 10.0 * float(np.ptp(y))
    assert best_constant("huber", y, delta=delta) == pytest.approx(math.fsum(y) / y.size, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("y, median", [([1.0, 2.0, 3.0, 10.0, 11.0], 3.0), ([1.0, 2.0, 3.0, 10.0], 2.5)])
def test_huber_tends_to_median_for_small_delta(y, median):
    assert best_constant("huber", np.array(y), delta=1e-6) == pytest.approx(median, abs=1e-6)


def test_huber_lies_between_median_and_mean_with_an_outlier():
    # With delta 3 the four small values stay in the band and the 50 pulls by -3: 4c - 10 - 3 = 0.
    y = np.array([1.0, 2.0, 3.0, 4.0, 50.0])
    assert best_constant("huber", y, delta=3.0) == pytest.approx(3.25, abs=1e-14)
    assert best_constant("mean_absolute_error", y) < 3.25 < best_constant("mean_squared_error", y)


def test_outlier_moves_the_mean_but_not_the_median():
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    moved = y.copy()
    moved[-1] = 100.0
    assert best_constant("mean_squared_error", y) == 3.0
    assert best_constant("mean_squared_error", moved) == 22.0
    assert best_constant("mean_absolute_error", y) == best_constant("mean_absolute_error", moved) == 3.0
    # Huber moves, but by less than delta times 1/n of the outlier's pull would let the mean move.
    assert best_constant("huber", moved) - best_constant("huber", y) < 1.0


@settings(max_examples=60, deadline=None)
@given(y=finite_targets, delta=st.floats(min_value=0.01, max_value=100.0))
def test_huber_score_sum_is_zero(y, delta):
    c = best_constant("huber", y, delta=delta)
    assert y.min() <= c <= y.max()
    scale = delta * y.size
    assert abs(summed_gradient("huber", y, c, delta=delta)) <= 1e-9 * scale


@settings(max_examples=60, deadline=None)
@given(y=finite_targets)
def test_log_cosh_score_sum_is_zero(y):
    c = best_constant("log_cosh", y)
    assert abs(summed_gradient("log_cosh", y, c)) <= 1e-9 * y.size


@settings(max_examples=60, deadline=None)
@given(
    y=finite_targets,
    alpha=st.floats(min_value=1.0, max_value=4.0),
    scale=st.floats(min_value=0.1, max_value=10.0),
)
def test_convex_general_robust_score_sum_is_zero(y, alpha, scale):
    c = best_constant("general_robust", y, alpha=alpha, scale=scale)
    gradients = losses.gradient("general_robust", y, np.full_like(y, c), alpha=alpha, scale=scale)
    assert abs(float(gradients.sum())) <= 1e-8 * max(1.0, float(np.abs(gradients).sum()))


def test_general_robust_at_large_alpha_tends_to_the_midrange():
    # As alpha grows the largest residual dominates, so the minimiser tends to the minimax point (min + max) / 2.
    y = np.array([0.0, 1.0, 2.0, 100.0])
    assert best_constant("general_robust", y, alpha=1000.0) == pytest.approx(50.0, abs=1e-6)
    assert best_constant("general_robust", y, alpha=1e6) == pytest.approx(50.0, abs=1e-9)


def test_general_robust_at_alpha_two_is_the_mean():
    assert best_constant("general_robust", TARGETS, alpha=2.0, scale=0.3) == 4.0


@pytest.mark.parametrize("alpha", [0.5, 0.0, -2.0, -math.inf])
def test_nonconvex_general_robust_finds_the_global_minimum(alpha):
    # Two clusters: four points near 0, two near 10; the bigger cluster holds the global minimum.
    y = np.array([-0.1, 0.0, 0.05, 0.1, 10.0, 10.1])
    c = best_constant("general_robust", y, alpha=alpha, scale=0.5)
    grid = np.linspace(-1.0, 11.0, 12001)
    totals = np.array([summed_loss("general_robust", y, point, alpha=alpha, scale=0.5) for point in grid])
    assert summed_loss("general_robust", y, c, alpha=alpha, scale=0.5) <= totals.min() + 1e-12
    assert abs(c - grid[np.argmin(totals)]) < 2e-3


def test_nonconvex_general_robust_ignores_a_far_outlier():
    y = np.array([1.0, 2.0, 3.0, 1000.0])
    c = best_constant("general_robust", y, alpha=-math.inf, scale=1.0)
    assert 1.0 < c < 3.0
    assert abs(summed_gradient("general_robust", y, c, alpha=-math.inf, scale=1.0)) < 1e-9


@pytest.mark.parametrize("tau", [0.05, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_quantile_minimises_pinball_on_a_fine_grid(tau):
    rng = np.random.default_rng(11)
    y = np.round(rng.normal(size=10), 3)
    c = best_constant("quantile", y, tau=tau)
    grid = np.concatenate([np.linspace(y.min() - 0.5, y.max() + 0.5, 20001), y])
    totals = np.array([pinball_total(y, point, tau) for point in grid])
    minimum = totals.min()
    assert pinball_total(y, c, tau) <= minimum + 1e-12
    minimisers = grid[totals <= minimum + 1e-12]
    assert minimisers.min() - 1e-9 <= c <= minimisers.max() + 1e-9


def test_quantile_picks_the_middle_of_a_flat_interval():
    y = np.array([4.0, 1.0, 3.0, 2.0])
    assert best_constant("quantile", y, tau=0.5) == 2.5
    assert best_constant("quantile", y, tau=0.25) == 1.5
    assert best_constant("quantile", y, tau=0.3) == 2.0
    # n * tau = 3 up to rounding for tau = 0.3, n = 10: the interval between the 3rd and 4th values.
    assert pinball_minimiser(np.arange(1.0, 11.0), 0.3) == 3.5


def test_quantile_at_one_half_matches_the_median():
    rng = np.random.default_rng(5)
    for size in (5, 6):
        y = rng.normal(size=size)
        assert best_constant("quantile", y, tau=0.5) == best_constant("mean_absolute_error", y)


def test_log_cosh_is_symmetric_even_when_tanh_saturates():
    assert best_constant("log_cosh", np.array([-1000.0, 1000.0])) == pytest.approx(0.0, abs=1e-6)
    assert best_constant("log_cosh", np.array([-1.0, 0.0, 1.0])) == pytest.approx(0.0, abs=1e-12)


def test_binary_crossentropy_best_probability_is_the_mean_label():
    labels = np.array([1.0, 0.0, 1.0, 1.0])
    assert best_constant("binary_crossentropy", labels) == pytest.approx(0.75)
    # Smoothed labels y * 0.8 + 0.1 average to 0.75 * 0.8 + 0.1.
    assert best_constant("binary_crossentropy", labels, label_smoothing=0.2) == pytest.approx(0.7)
    assert best_constant("binary_crossentropy", labels, from_logits=True) == pytest.approx(math.log(3.0))
    assert best_constant("binary_crossentropy", np.zeros(3)) == pytest.approx(1e-7)


def test_all_equal_targets():
    y = np.full(5, 2.5)
    for loss_id in ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "quantile", "general_robust"):
        assert best_constant(loss_id, y) == 2.5


def test_supported_losses_are_in_the_registry():
    assert set(supported_losses()) >= {"mean_squared_error", "mean_absolute_error", "huber", "quantile"}
    assert set(supported_losses()) <= set(losses.REGISTRY)


@pytest.mark.parametrize(
    "loss_id, y, params, message",
    [
        ("hinge", [1.0], {}, "no best constant"),
        ("huber", [], {}, "empty"),
        ("huber", [1.0, float("nan")], {}, "NaN"),
        ("huber", [[1.0, 2.0]], {}, "one-dimensional"),
        ("huber", [1.0], {"delta": -1.0}, "delta"),
        ("quantile", [1.0], {"tau": 1.0}, "tau"),
        ("binary_crossentropy", [0.0, 2.0], {}, r"\[0, 1\]"),
    ],
)
def test_errors(loss_id, y, params, message):
    with pytest.raises(ValueError, match=message):
        best_constant(loss_id, np.array(y), **params)


def test_core_modules_import_no_qt():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import lossexplorer.estimators, lossexplorer.curves, lossexplorer.evaluate, lossexplorer.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_error_centre_is_the_mean_and_median_of_the_errors():
    errors = np.array([-1.0, 0.0, 0.5, 10.0])
    assert estimators.error_centre("mean_squared_error", errors, {}) == pytest.approx(2.375)
    assert estimators.error_centre("mean_absolute_error", errors, {}) == pytest.approx(0.25)
