"""Curve data: hand-worked values, the published focal-loss table, and safety at extreme inputs."""

import math

import numpy as np
import pytest

from lossexplorer import curves


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_error_range_is_symmetric_and_padded():
    assert curves.error_range(np.array([-3.0, 1.0])) == pytest.approx((-3.45, 3.45))
    assert curves.error_range(np.array([0.5, 2.0]), padding=0.0) == (-2.0, 2.0)


def test_error_range_has_a_minimum_span_and_ignores_non_finite():
    assert curves.error_range(np.array([])) == (-1.0, 1.0)
    assert curves.error_range(np.zeros(4)) == (-1.0, 1.0)
    assert curves.error_range(np.array([0.1, np.nan, np.inf])) == (-1.0, 1.0)
    assert curves.error_range(np.array([0.1]), min_half_width=0.25) == (-0.25, 0.25)


def test_error_grid_is_symmetric_sorted_and_holds_zero_and_kinks():
    grid = curves.error_grid(np.array([4.0]), n=100, include=(1.5, -1.5, 99.0))
    assert grid[0] == -grid[-1] == pytest.approx(-4.6)
    assert 0.0 in grid and 1.5 in grid and -1.5 in grid
    assert 99.0 not in grid
    assert np.all(np.diff(grid) > 0)
    assert grid.size == 101 + 2


def test_error_grid_holds_each_point_once_when_extras_repeat_grid_points():
    # n = 9 on [-4, 4] gives the whole numbers; 0, 2 and a repeated -1 are already there, 0.5 is new.
    grid = curves.error_grid(np.array([4.0]), n=9, include=(0.0, 2.0, -1.0, -1.0, 0.5), padding=0.0)
    np.testing.assert_array_equal(grid, [-4.0, -3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0])


def test_loss_vs_error_hand_worked():
    e = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(curves.loss_vs_error("mean_squared_error", e), [4.0, 0.25, 0.0, 0.25, 4.0])
    np.testing.assert_allclose(curves.loss_vs_error("mean_absolute_error", e), [2.0, 0.5, 0.0, 0.5, 2.0])
    # Huber with delta 1: 0.5 e^2 inside, 1 * (|e| - 0.5) outside.
    np.testing.assert_allclose(curves.loss_vs_error("huber", e, {"delta": 1.0}), [1.5, 0.125, 0.0, 0.125, 1.5])
    # Pinball with tau 0.9: over-prediction (e > 0) costs 1 - tau per unit, under-prediction tau.
    np.testing.assert_allclose(curves.loss_vs_error("quantile", e, {"tau": 0.9}), [1.8, 0.45, 0.0, 0.05, 0.2])


def test_gradient_vs_error_hand_worked():
    e = np.array([-3.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(curves.gradient_vs_error("mean_squared_error", e), 2.0 * e)
    np.testing.assert_allclose(curves.gradient_vs_error("mean_absolute_error", e), [-1.0, -1.0, 1.0, 1.0])
    np.testing.assert_allclose(curves.gradient_vs_error("huber", e, {"delta": 2.0}), [-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(curves.gradient_vs_error("log_cosh", e), np.tanh(e))


def test_gradient_vs_error_matches_finite_differences_of_loss_vs_error():
    e = np.linspace(-3.0, 3.0, 13) + 0.01
    h = 1e-6
    for loss_id, params in (("huber", {"delta": 0.7}), ("general_robust", {"alpha": -1.0, "scale": 0.5})):
        upper = curves.loss_vs_error(loss_id, e + h, params)
        lower = curves.loss_vs_error(loss_id, e - h, params)
        numeric = (upper - lower) / (2 * h)
        np.testing.assert_allclose(curves.gradient_vs_error(loss_id, e, params), numeric, rtol=1e-6, atol=1e-8)


def test_error_curves_refuse_non_regression_losses():
    with pytest.raises(ValueError, match="not a regression loss"):
        curves.loss_vs_error("binary_crossentropy", np.zeros(2))
    with pytest.raises(ValueError, match="unknown loss"):
        curves.gradient_vs_error("nope", np.zeros(2))


def test_probability_curves_hand_worked():
    p = np.array([0.25, 0.5, 0.9])
    expected_bce = [-math.log(0.25), math.log(2.0), -math.log(0.9)]
    for label in (0, 1):
        np.testing.assert_allclose(
            curves.loss_vs_true_class_probability("binary_crossentropy", p, label), expected_bce, rtol=1e-6
        )
        np.testing.assert_allclose(
            curves.loss_vs_true_class_probability("mean_squared_error", p, label), [0.5625, 0.25, 0.01], rtol=1e-12
        )
        np.testing.assert_allclose(
            curves.loss_vs_true_class_probability("mean_absolute_error", p, label), [0.75, 0.5, 0.1], rtol=1e-12
        )


def test_probability_curves_of_margin_losses_use_the_logit():
    # p_t = sigmoid(f): hinge max(0, 1 - f), squared hinge its square, for either label.
    p = np.array([sigmoid(-1.0), 0.5, sigmoid(2.0)])
    for label in (0, 1):
        np.testing.assert_allclose(curves.loss_vs_true_class_probability("hinge", p, label), [2.0, 1.0, 0.0], atol=1e-9)
        np.testing.assert_allclose(
            curves.loss_vs_true_class_probability("squared_hinge", p, label), [4.0, 1.0, 0.0], atol=1e-9
        )


def test_probability_curve_from_logits_agrees_with_probabilities():
    p = np.array([0.2, 0.5, 0.7])
    direct = curves.loss_vs_true_class_probability("binary_crossentropy", p, 1)
    through_logits = curves.loss_vs_true_class_probability("binary_crossentropy", p, 1, {"from_logits": True})
    np.testing.assert_allclose(through_logits, direct, rtol=1e-9)


def test_focal_class_balancing_weights_the_labels_differently():
    p = np.array([0.3])
    params = {"apply_class_balancing": True, "alpha": 0.25, "gamma": 2.0}
    positive = curves.loss_vs_true_class_probability("binary_focal_crossentropy", p, 1, params)
    negative = curves.loss_vs_true_class_probability("binary_focal_crossentropy", p, 0, params)
    # alpha = 0.25 weights label 1, 1 - alpha = 0.75 label 0; (1 - p_t)^2 * -ln p_t is shared.
    shared = 0.7**2 * -math.log(0.3)
    assert positive[0] == pytest.approx(0.25 * shared, rel=1e-6)
    assert negative[0] == pytest.approx(0.75 * shared, rel=1e-6)


def test_probability_curve_errors():
    with pytest.raises(ValueError, match="no probability curve"):
        curves.loss_vs_true_class_probability("huber", np.array([0.5]))
    with pytest.raises(ValueError, match="label"):
        curves.loss_vs_true_class_probability("binary_crossentropy", np.array([0.5]), label=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        curves.loss_vs_true_class_probability("binary_crossentropy", np.array([1.5]))


# Lin et al. 2017, "Focal Loss for Dense Object Detection", Fig. 1 (values in ../shared/GUIDE.md section 4).
FOCAL_TABLE = {
    0.5: {0.0: 0.6931, 0.5: 0.4901, 1.0: 0.3466, 2.0: 0.1733, 5.0: 0.0217},
    0.1: {0.0: 2.3026, 0.5: 2.1844, 1.0: 2.0723, 2.0: 1.8651, 5.0: 1.3597},
}


def test_focal_family_matches_lin_et_al_figure_one():
    p = np.array([0.5, 0.1])
    family = curves.focal_family(p)
    assert list(family) == [0.0, 0.5, 1.0, 2.0, 5.0]
    for column, p_t in enumerate(p):
        for gamma, published in FOCAL_TABLE[p_t].items():
            assert family[gamma][column] == pytest.approx(published, abs=6e-5)


def test_focal_family_falls_with_gamma_and_vanishes_at_certainty():
    p = curves.probability_grid(200)
    family = curves.focal_family(p, gammas=(0.0, 1.0, 2.0))
    assert np.all(family[0.0] >= family[1.0]) and np.all(family[1.0] >= family[2.0])
    assert family[2.0][-1] < 1e-12
    assert p[0] == pytest.approx(1e-3) and p[-1] == 1.0


@pytest.mark.parametrize(
    "name, z, expected",
    [
        ("zero_one", [-0.5, 0.0, 0.5], [1.0, 1.0, 0.0]),
        ("hinge", [-1.0, 0.5, 2.0], [2.0, 0.5, 0.0]),
        ("squared_hinge", [-1.0, 0.5, 2.0], [4.0, 0.25, 0.0]),
        ("perceptron", [-3.0, 0.0, 2.0], [3.0, 0.0, 0.0]),
        ("logistic", [-1.0, 0.0, 1.0], [math.log2(1 + math.e), 1.0, math.log2(1 + 1 / math.e)]),
        ("exponential", [-1.0, 0.0, 2.0], [math.e, 1.0, math.exp(-2.0)]),
        ("modified_huber", [-2.0, -1.0, 0.0, 0.5, 2.0], [8.0, 4.0, 1.0, 0.25, 0.0]),
    ],
)
def test_margin_losses_hand_worked(name, z, expected):
    np.testing.assert_allclose(curves.margin_curve(name, np.array(z)), expected, rtol=1e-12)


def test_margin_losses_are_described_and_safe_at_large_margins():
    z = np.array([-1e6, -1e4, 0.0, 1e4, 1e6])
    for name, loss in curves.MARGIN_LOSSES.items():
        assert loss.name == name and loss.display_name and loss.formula
        values = curves.margin_curve(name, z)
        assert np.all(np.isfinite(values)), name
        assert np.all(values >= 0.0), name
    logistic = curves.margin_curve("logistic", z)
    assert logistic[1] == pytest.approx(1e4 / math.log(2.0))
    assert logistic[3] == 0.0 or logistic[3] < 1e-300


def test_margin_hinge_agrees_with_the_library_hinge():
    from lossexplorer import losses

    z = np.linspace(-3.0, 3.0, 25)
    np.testing.assert_allclose(curves.margin_curve("hinge", z), losses.hinge(np.ones_like(z), z, reduction="none"))


def test_margin_curve_unknown_name():
    with pytest.raises(ValueError, match="unknown margin loss"):
        curves.margin_curve("nope", np.zeros(1))
    assert curves.margin_grid(9)[[0, 4, 8]].tolist() == [-4.0, 0.0, 4.0]
