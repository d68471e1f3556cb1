"""Every input problem raises one ValueError whose message names it."""

import math

import numpy as np
import pytest

from lossexplorer import losses

PROB = [[0.2, 0.8], [0.5, 0.5]]
ONE_HOT = [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize("loss_id", list(losses.REGISTRY))
def test_unknown_reduction(loss_id):
    with pytest.raises(ValueError, match="unknown reduction 'average'"):
        losses.REGISTRY[loss_id].fn(ONE_HOT, PROB, reduction="average")


@pytest.mark.parametrize("loss_id", list(losses.REGISTRY))
def test_unknown_parameter_name(loss_id):
    with pytest.raises(ValueError, match=f"{loss_id}: unknown parameter 'bogus'"):
        losses.REGISTRY[loss_id].fn(ONE_HOT, PROB, bogus=1.0)
    with pytest.raises(ValueError, match="unknown parameter 'bogus'"):
        losses.gradient(loss_id, ONE_HOT, PROB, bogus=1.0)


def test_mismatched_shapes():
    with pytest.raises(ValueError, match=r"shape mismatch: y_true has shape \(3,\) but y_pred has shape \(2,\)"):
        losses.mean_squared_error([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="shape mismatch"):
        losses.categorical_crossentropy([[0.0, 1.0, 0.0]], [[0.5, 0.5]])
    with pytest.raises(ValueError, match="shape mismatch: y_true has 3 labels but y_pred has 2 rows"):
        losses.sparse_categorical_crossentropy([0, 1, 1], PROB)


@pytest.mark.parametrize("empty", [[], np.zeros((0, 3))])
def test_empty_input(empty):
    with pytest.raises(ValueError, match="empty"):
        losses.mean_absolute_error(empty, empty)
    with pytest.raises(ValueError, match="empty"):
        losses.sparse_categorical_crossentropy([], np.zeros((0, 3)))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_are_rejected_with_their_row(bad):
    with pytest.raises(ValueError, match=r"y_pred contains NaN or inf \(first at row 2\)"):
        losses.huber([0.0, 0.0, 0.0], [0.0, 1.0, bad])
    with pytest.raises(ValueError, match=r"y_true contains NaN or inf \(first at row 1\)"):
        losses.cosine_similarity([[1.0, 1.0], [bad, 0.0]], [[1.0, 0.0], [0.0, 1.0]])


def test_finite_values_whose_sum_overflows_are_accepted():
    value = losses.mean_absolute_error([1e308, 1e308], [1e308, 1e308])
    assert value == 0.0


def test_non_numeric_input():
    with pytest.raises(ValueError, match="y_true must be numeric"):
        losses.mean_squared_error(["a", "b"], [1.0, 2.0])


def test_wrong_number_of_dimensions():
    with pytest.raises(ValueError, match=r"y_pred must have shape \(n,\) or \(n, k\); got shape \(2, 2, 2\)"):
        losses.mean_squared_error(np.zeros(2), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"y_true must have shape \(n,\) or \(n, k\); got shape \(\)"):
        losses.mean_squared_error(1.0, 2.0)
    with pytest.raises(ValueError, match=r"categorical_crossentropy needs y_pred of shape \(n, k\)"):
        losses.categorical_crossentropy([0.0, 1.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"dice needs y_pred of shape \(n, k\)"):
        losses.dice([0.0, 1.0], [0.5, 0.5])


@pytest.mark.parametrize(
    ("loss_id", "y_true", "y_pred", "message"),
    [
        ("binary_crossentropy", [0.0, 1.0], [0.5, 1.2],
         r"y_pred must hold probabilities in \[0, 1\]; found 1\.2 at row 1"),
        ("binary_crossentropy", [0.0, -0.1], [0.5, 0.5],
         r"y_true must hold probabilities in \[0, 1\]; found -0\.1 at row 1"),
        ("binary_focal_crossentropy", [1.0], [-0.5], "y_pred must hold probabilities"),
        ("categorical_crossentropy", ONE_HOT, [[0.5, 0.5], [1.5, -0.5]], "y_pred must hold probabilities"),
        ("sparse_categorical_crossentropy", [0, 1], [[0.5, 0.5], [2.0, 0.1]], "y_pred must hold probabilities"),
        ("kl_divergence", [[0.5, 0.5]], [[1.1, 0.0]], "y_pred must hold probabilities"),
        ("kl_divergence", [[-0.5, 1.5]], [[0.5, 0.5]], "y_true must hold probabilities"),
        ("dice", [[2.0, 0.0]], [[0.5, 0.5]], "y_true must hold probabilities"),
        ("categorical_hinge", [[0.0, 3.0]], [[0.5, 0.5]], "y_true must hold probabilities"),
    ],
)
def test_probabilities_outside_zero_one(loss_id, y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        losses.REGISTRY[loss_id].fn(y_true, y_pred)
    with pytest.raises(ValueError, match=message):
        losses.gradient(loss_id, y_true, y_pred)


def test_logits_are_not_range_checked():
    assert np.isfinite(losses.binary_crossentropy([0.0, 1.0], [-30.0, 12.0], from_logits=True))
    assert np.isfinite(losses.categorical_crossentropy(ONE_HOT, [[-3.0, 5.0], [7.0, 2.0]], from_logits=True))


def test_probability_row_summing_to_zero():
    with pytest.raises(ValueError, match="y_pred row 1 sums to 0"):
        losses.categorical_crossentropy(ONE_HOT, [[0.5, 0.5], [0.0, 0.0]])


@pytest.mark.parametrize("labels", [[0, 2], [-1, 0], [0, 7]])
def test_sparse_labels_outside_the_class_range(labels):
    with pytest.raises(ValueError, match=r"outside the class range 0\.\.1"):
        losses.sparse_categorical_crossentropy(labels, PROB)


def test_sparse_labels_must_be_integers():
    with pytest.raises(ValueError, match=r"y_true must hold integer class labels; found 0\.5 at row 1"):
        losses.sparse_categorical_crossentropy([1.0, 0.5], PROB)
    assert losses.sparse_categorical_crossentropy([1.0, 0.0], PROB) == pytest.approx(
        -0.5 * (math.log(0.8) + math.log(0.5)))


def test_sparse_labels_reject_nan():
    with pytest.raises(ValueError, match="y_true contains NaN or inf"):
        losses.sparse_categorical_crossentropy([1.0, math.nan], PROB)


def test_sparse_labels_wrong_shape():
    with pytest.raises(ValueError, match=r"y_true must be class indices of shape \(n,\) or \(n, 1\)"):
        losses.sparse_categorical_crossentropy(ONE_HOT, PROB)


def test_hinge_labels_must_be_signs_or_zero_one():
    with pytest.raises(ValueError, match=r"y_true must hold labels -1/1 or 0/1; found 0\.5 at row 1"):
        losses.hinge([1.0, 0.5], [0.2, 0.3])
    with pytest.raises(ValueError, match="y_true mixes -1 and 0 labels"):
        losses.squared_hinge([1.0, 0.0, -1.0], [0.2, 0.3, 0.1])


@pytest.mark.parametrize(
    ("loss_id", "params", "message"),
    [
        ("huber", {"delta": 0.0}, r"huber: delta must be in \(0, inf\), got 0"),
        ("huber", {"delta": -1.0}, "delta must be in"),
        ("quantile", {"tau": 0.0}, r"quantile: tau must be in \(0, 1\), got 0"),
        ("quantile", {"tau": 1.0}, "tau must be in"),
        ("quantile", {"tau": 1.5}, "tau must be in"),
        ("general_robust", {"scale": 0.0}, r"general_robust: scale must be in \(0, inf\), got 0"),
        ("general_robust", {"alpha": math.nan}, "alpha must be in"),
        ("general_robust", {"alpha": math.inf}, r"alpha must be in \[-inf, inf\)"),
        ("binary_focal_crossentropy", {"gamma": -0.1}, r"gamma must be in \[0, inf\), got -0.1"),
        ("binary_focal_crossentropy", {"alpha": 1.5}, r"alpha must be in \[0, 1\], got 1.5"),
        ("binary_focal_crossentropy", {"alpha": -0.5}, "alpha must be in"),
        ("binary_crossentropy", {"label_smoothing": 1.1}, r"label_smoothing must be in \[0, 1\]"),
        ("categorical_crossentropy", {"label_smoothing": -0.1}, "label_smoothing must be in"),
        ("binary_crossentropy", {"from_logits": 1}, "from_logits must be True or False"),
        ("binary_focal_crossentropy", {"apply_class_balancing": "yes"}, "apply_class_balancing must be True or False"),
        ("huber", {"delta": "1"}, "delta must be a number"),
        ("huber", {"delta": True}, "delta must be a number"),
    ],
)
def test_parameters_out_of_range(loss_id, params, message):
    with pytest.raises(ValueError, match=message):
        losses.validate_params(loss_id, params)
    with pytest.raises(ValueError, match=message):
        losses.REGISTRY[loss_id].fn([[0.0, 1.0]], [[0.3, 0.7]], **params)


def test_unknown_loss_in_gradient_and_validate_params():
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        losses.gradient("mse", [0.0], [1.0])
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        losses.validate_params("mse", {})


def test_validate_params_fills_defaults_and_keeps_given_values():
    full = losses.validate_params("binary_focal_crossentropy", {"gamma": 1, "from_logits": np.bool_(True)})
    assert full == {"apply_class_balancing": False, "alpha": 0.25, "gamma": 1.0, "from_logits": True,
                    "label_smoothing": 0.0}
    assert type(full["gamma"]) is float
    assert type(full["from_logits"]) is bool
    assert losses.validate_params("general_robust", {"alpha": -math.inf})["alpha"] == -math.inf


def test_inputs_are_not_modified():
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
    y_pred = np.array([[0.3, 0.7], [0.9, 0.1]])
    before = (y_true.copy(), y_pred.copy())
    for loss_id in ("categorical_crossentropy", "binary_focal_crossentropy", "categorical_hinge", "dice"):
        losses.REGISTRY[loss_id].fn(y_true, y_pred, reduction="none")
        losses.gradient(loss_id, y_true, y_pred)
    np.testing.assert_array_equal(y_true, before[0])
    np.testing.assert_array_equal(y_pred, before[1])
