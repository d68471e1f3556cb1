"""Evaluation of data sets: per-row values against hand-worked formulas, mapping conventions, parameter strings."""

import math

import numpy as np
import pytest

from lossexplorer import evaluate as evaluate_module
from lossexplorer import losses
from lossexplorer.dataset import Dataset
from lossexplorer.evaluate import (
    aggregate,
    applicable_losses,
    default_losses,
    evaluate,
    loss_floor,
    one_hot,
    parse_param_assignments,
    per_row_losses,
    rows_share,
)


def regression_data():
    return Dataset("regression", np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 5.0]))


def binary_data(pred_kind="probability", y_pred=(0.8, 0.4)):
    return Dataset("binary", np.array([1.0, 0.0]), np.array(y_pred), pred_kind)


def multiclass_data(pred_kind="probability", y_pred=((0.05, 0.95, 0.0), (0.1, 0.8, 0.1))):
    return Dataset("multiclass", np.array([1, 2]), np.array(y_pred, dtype=np.float64), pred_kind)


def test_applicable_losses_follow_the_registry_order_and_tasks():
    regression = applicable_losses("regression")
    assert regression[:3] == ["mean_squared_error", "mean_absolute_error", "huber"]
    assert {"quantile", "general_robust", "log_cosh"} <= set(regression)
    assert "binary_crossentropy" not in regression
    binary = applicable_losses("binary")
    assert {"binary_crossentropy", "binary_focal_crossentropy", "hinge", "mean_squared_error"} <= set(binary)
    multiclass = applicable_losses("multiclass")
    assert {"categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "dice"} <= set(multiclass)
    order = list(losses.REGISTRY)
    for ids in (regression, binary, multiclass):
        assert [order.index(i) for i in ids] == sorted(order.index(i) for i in ids)


def test_default_losses_are_applicable():
    for task in ("regression", "binary", "multiclass"):
        defaults = default_losses(task)
        assert defaults and set(defaults) <= set(applicable_losses(task))
    assert default_losses("regression") == ["mean_squared_error", "mean_absolute_error", "huber"]
    with pytest.raises(ValueError, match="unknown task"):
        applicable_losses("ranking")


def test_regression_rows_hand_worked():
    # Errors 0, 1, 2.
    result = evaluate(regression_data(), ["mean_squared_error", "mean_absolute_error", "huber"])
    np.testing.assert_allclose(result.per_row["mean_squared_error"], [0.0, 1.0, 4.0])
    np.testing.assert_allclose(result.per_row["mean_absolute_error"], [0.0, 1.0, 2.0])
    np.testing.assert_allclose(result.per_row["huber"], [0.0, 0.5, 1.5])
    assert result.means == pytest.approx({"mean_squared_error": 5 / 3, "mean_absolute_error": 1.0, "huber": 2 / 3})
    assert result.task == "regression" and result.n_rows == 3
    assert result.params["huber"] == {"delta": 1.0}


def test_parameters_change_the_rows():
    rows = per_row_losses(regression_data(), ["huber", "quantile"], {"huber": {"delta": 2.0}, "quantile": {"tau": 0.9}})
    np.testing.assert_allclose(rows["huber"], [0.0, 0.5, 2.0])
    # Over-prediction by e costs (1 - tau) * e.
    np.testing.assert_allclose(rows["quantile"], [0.0, 0.1, 0.2])


def test_binary_probabilities_hand_worked():
    result = evaluate(binary_data(), ["binary_crossentropy", "mean_squared_error", "hinge", "squared_hinge"])
    np.testing.assert_allclose(result.per_row["binary_crossentropy"], [-math.log(0.8), -math.log(0.6)], rtol=1e-6)
    # Brier score: (1 - 0.8)^2 and (0 - 0.4)^2.
    np.testing.assert_allclose(result.per_row["mean_squared_error"], [0.04, 0.16])
    # Score f = logit(p): ln 4 for the positive row (margin > 1, no loss); ln(2/3) for the negative one,
    # whose margin is -ln(2/3) = ln 1.5.
    np.testing.assert_allclose(result.per_row["hinge"], [0.0, 1.0 - math.log(1.5)], atol=1e-6)
    np.testing.assert_allclose(result.per_row["squared_hinge"], [0.0, (1.0 - math.log(1.5)) ** 2], atol=1e-6)
    assert result.params["binary_crossentropy"]["from_logits"] is False


def test_binary_logits_hand_worked():
    data = binary_data("logit", (0.0, 2.0))
    result = evaluate(data, ["binary_crossentropy", "hinge", "mean_squared_error", "binary_focal_crossentropy"])
    np.testing.assert_allclose(result.per_row["binary_crossentropy"], [math.log(2.0), math.log1p(math.exp(2.0))])
    # Margins y * f: 0 for the first row, -2 for the second (label 0 is y = -1).
    np.testing.assert_allclose(result.per_row["hinge"], [1.0, 3.0])
    sigma = 1.0 / (1.0 + math.exp(-2.0))
    np.testing.assert_allclose(result.per_row["mean_squared_error"], [0.25, sigma**2])
    # Focal, gamma 2, no balancing: (1 - p_t)^2 * -ln p_t with p_t = 0.5 and 1 - sigma.
    expected_focal = [0.25 * math.log(2.0), sigma**2 * -math.log(1.0 - sigma)]
    np.testing.assert_allclose(result.per_row["binary_focal_crossentropy"], expected_focal, rtol=1e-6)
    assert result.params["binary_crossentropy"]["from_logits"] is True


def test_multiclass_probabilities_match_keras_values():
    # Keras documentation: categorical_crossentropy([[0,1,0],[0,0,1]], [[.05,.95,0],[.1,.8,.1]]) -> [0.0513, 2.3026].
    ids = ["categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence"]
    result = evaluate(multiclass_data(), ids)
    keras = [0.051293, 2.302585]
    np.testing.assert_allclose(result.per_row["categorical_crossentropy"], keras, rtol=1e-5)
    np.testing.assert_allclose(result.per_row["sparse_categorical_crossentropy"], keras, rtol=1e-5)
    # With one-hot truth, KL is the cross-entropy of the true class (up to Keras's 1e-7 clipping).
    np.testing.assert_allclose(result.per_row["kl_divergence"], keras, rtol=1e-4)


def test_multiclass_logits_hand_worked():
    # softmax([0, ln 3, 0]) = [1/5, 3/5, 1/5]; the true class is 1.
    data = Dataset("multiclass", np.array([1]), np.array([[0.0, math.log(3.0), 0.0]]), "logit")
    ids = ["categorical_crossentropy", "sparse_categorical_crossentropy", "cosine_similarity"]
    ids += ["categorical_hinge", "dice"]
    result = evaluate(data, ids)
    assert result.per_row["categorical_crossentropy"][0] == pytest.approx(math.log(5 / 3))
    assert result.per_row["sparse_categorical_crossentropy"][0] == pytest.approx(math.log(5 / 3))
    assert result.params["categorical_crossentropy"]["from_logits"] is True
    assert result.per_row["cosine_similarity"][0] == pytest.approx(-0.6 / math.sqrt(0.44))
    # Categorical hinge: max(0, max_negative - positive + 1) = 0.2 - 0.6 + 1.
    assert result.per_row["categorical_hinge"][0] == pytest.approx(0.6)
    # Dice: 1 - 2 * 0.6 / (1 + 1).
    assert result.per_row["dice"][0] == pytest.approx(0.4, abs=1e-6)


def test_from_logits_follows_the_data():
    with pytest.raises(ValueError, match="contradicts the data"):
        evaluate(binary_data(), ["binary_crossentropy"], {"binary_crossentropy": {"from_logits": True}})
    explicit = {"binary_crossentropy": {"from_logits": True}}
    agreeing = evaluate(binary_data("logit", (0.0, 0.0)), ["binary_crossentropy"], explicit)
    np.testing.assert_allclose(agreeing.per_row["binary_crossentropy"], [math.log(2.0)] * 2)


def test_inapplicable_and_unknown_losses_are_refused():
    with pytest.raises(ValueError, match="does not apply to regression"):
        evaluate(regression_data(), ["binary_crossentropy"])
    with pytest.raises(ValueError, match="unknown loss"):
        evaluate(regression_data(), ["nope"])


def test_default_evaluation_covers_every_applicable_loss_with_finite_means():
    for data in (regression_data(), binary_data(), binary_data("logit", (3.0, -1.0)), multiclass_data()):
        result = evaluate(data)
        assert list(result.means) == applicable_losses(data.task)
        assert all(math.isfinite(value) for value in result.means.values())
        assert all(rows.shape == (data.n_rows,) for rows in result.per_row.values())


def test_aggregate_is_the_mean_of_rows():
    assert aggregate({"a": np.array([1.0, 2.0, 6.0])}) == {"a": 3.0}


def test_rows_share():
    np.testing.assert_allclose(rows_share(np.array([1.0, 1.0, 2.0])), [0.25, 0.25, 0.5])
    np.testing.assert_array_equal(rows_share(np.zeros(3)), np.zeros(3))
    # The negative cosine lies in [-1, 1]; shares are measured above -1.
    assert loss_floor("cosine_similarity") == -1.0 and loss_floor("huber") == 0.0
    np.testing.assert_allclose(rows_share(np.array([-1.0, 0.0, 1.0]), floor=-1.0), [0.0, 1 / 3, 2 / 3])


def test_one_outlier_dominates_squared_error_shares():
    data = Dataset("regression", np.zeros(5), np.array([0.1, -0.1, 0.1, -0.1, 10.0]))
    rows = per_row_losses(data, ["mean_squared_error", "mean_absolute_error"])
    # Squares: 4 * 0.01 against 100; absolute: 4 * 0.1 against 10.
    assert rows_share(rows["mean_squared_error"])[-1] == pytest.approx(100 / 100.04)
    assert rows_share(rows["mean_absolute_error"])[-1] == pytest.approx(10 / 10.4)


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_parse_param_assignments():
    parsed = parse_param_assignments(
        ["huber.delta=1.5", "binary_focal_crossentropy.gamma=0", "binary_crossentropy.from_logits=Yes",
         "general_robust.alpha=-inf", "huber.delta=2"]
    )
    assert parsed == {
        "huber": {"delta": 2.0},
        "binary_focal_crossentropy": {"gamma": 0.0},
        "binary_crossentropy": {"from_logits": True},
        "general_robust": {"alpha": -math.inf},
    }
    assert parse_param_assignments([]) == {}


@pytest.mark.parametrize(
    "text, message",
    [
        ("huber.delta", "must look like loss.name=value"),
        ("delta=1", "must look like loss.name=value"),
        ("huber.delta=", "must look like loss.name=value"),
        ("hubber.delta=1", "unknown loss 'hubber'"),
        ("huber.gamma=1", "huber has no parameter 'gamma'"),
        ("log_cosh.delta=1", "its parameters: none"),
        ("huber.delta=abc", "'abc' is not a number"),
        ("huber.delta=-1", "delta"),
        ("quantile.tau=nan", "tau"),
        ("binary_crossentropy.from_logits=maybe", "not true or false"),
    ],
)
def test_parse_param_assignment_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_param_assignments([text])


def test_true_class_probability_and_margin_of_binary_rows():
    data = Dataset("binary", np.array([1.0, 0.0]), np.array([0.8, 0.8]), "probability")
    np.testing.assert_allclose(evaluate_module.true_class_probability(data), [0.8, 0.2])
    # logit(0.8) = ln 4; the label-0 row has y = -1.
    np.testing.assert_allclose(evaluate_module.binary_margin(data), [np.log(4.0), -np.log(4.0)])


def test_true_class_probability_of_multiclass_rows():
    data = Dataset("multiclass", np.array([2, 0]), np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]]), "probability")
    np.testing.assert_allclose(evaluate_module.true_class_probability(data), [0.7, 0.5])
