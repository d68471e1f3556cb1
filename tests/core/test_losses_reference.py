"""Published reference values for lossexplorer.losses (see ../shared/GUIDE.md section 4; natural log throughout).

Every expected number here comes from a publication or documentation, never from this library's output.
"""

import math

import numpy as np
import pytest

from lossexplorer import losses

# --- Lin et al. 2017, "Focal Loss for Dense Object Detection", Fig. 1: FL(p_t) = -(1 - p_t)^gamma * ln(p_t).
# Values read off the published curves' formula at p_t = 0.5 and 0.1 (4 decimals, as tabulated in the guide).
FOCAL_TABLE = {
    # p_t: {gamma: FL}
    0.5: {0.0: 0.6931, 0.5: 0.4901, 1.0: 0.3466, 2.0: 0.1733, 5.0: 0.0217},
    0.1: {0.0: 2.3026, 0.5: 2.1844, 1.0: 2.0723, 2.0: 1.8651, 5.0: 1.3597},
}


@pytest.mark.parametrize("p_t", sorted(FOCAL_TABLE))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0, 5.0])
def test_focal_loss_matches_lin_2017_figure_1(p_t, gamma):
    # Source: Lin et al. 2017, Fig. 1. Keras's focal loss with y_true = 1 and p = p_t and no class balancing
    # is exactly FL(p_t).
    value = losses.binary_focal_crossentropy([1.0], [p_t], gamma=gamma, reduction="none")
    assert value[0] == pytest.approx(FOCAL_TABLE[p_t][gamma], abs=5e-5)


def test_focal_loss_is_symmetric_in_the_true_class():
    # Source: Lin et al. 2017 eq. (4): p_t = p for y = 1 and 1 - p for y = 0, so FL depends on p_t only.
    positive = losses.binary_focal_crossentropy([1.0], [0.1], gamma=2.0)
    negative = losses.binary_focal_crossentropy([0.0], [0.9], gamma=2.0)
    assert positive == pytest.approx(FOCAL_TABLE[0.1][2.0], abs=5e-5)
    assert negative == pytest.approx(positive, rel=1e-12)


# --- Barron 2019, "A General and Adaptive Robust Loss Function" (CVPR), eq. (1) and its special cases,
# with c = 1 at x = 1, 3, 10 (5 significant decimals, GUIDE section 4).
BARRON_TABLE = {
    2.0: (0.5, 4.5, 50.0),                     # L2: x^2 / 2
    1.0: (0.41421, 2.16228, 9.04988),          # Charbonnier / pseudo-Huber: sqrt(x^2 + 1) - 1
    0.0: (0.40547, 1.70475, 3.93183),          # Cauchy / Lorentzian: log(x^2 / 2 + 1)
    -2.0: (0.4, 1.38462, 1.92308),             # Geman-McClure: 2 x^2 / (x^2 + 4)
    -math.inf: (0.39347, 0.98889, 1.0),        # Welsch / Leclerc: 1 - exp(-x^2 / 2)
}


@pytest.mark.parametrize("alpha", list(BARRON_TABLE))
def test_general_robust_matches_barron_2019_special_cases(alpha):
    # Source: Barron 2019, section 1 (special cases of eq. 1), values at c = 1.
    value = losses.general_robust([0.0, 0.0, 0.0], [1.0, 3.0, 10.0], alpha=alpha, scale=1.0, reduction="none")
    np.testing.assert_allclose(value, BARRON_TABLE[alpha], atol=6e-6)


def test_general_robust_scale_divides_the_error():
    # Source: Barron 2019 eq. (1): f depends on x only through x / c.
    value = losses.general_robust([0.0], [6.0], alpha=-2.0, scale=2.0, reduction="none")
    assert value[0] == pytest.approx(BARRON_TABLE[-2.0][1], abs=6e-6)


# --- scikit-learn mean_pinball_loss documentation examples (y_true = [1, 2, 3]).
@pytest.mark.parametrize(
    ("y_pred", "tau", "expected"),
    [
        ([0, 2, 3], 0.1, 0.03333333333333333),  # sklearn docs: mean_pinball_loss(y, [0,2,3], alpha=0.1)
        ([1, 2, 4], 0.1, 0.3),                  # sklearn docs: mean_pinball_loss(y, [1,2,4], alpha=0.1)
        ([0, 2, 3], 0.9, 0.3),                  # sklearn docs: alpha=0.9 swaps the two
        ([1, 2, 4], 0.9, 0.03333333333333333),
    ],
)
def test_quantile_matches_sklearn_mean_pinball_loss(y_pred, tau, expected):
    assert losses.quantile([1, 2, 3], y_pred, tau=tau) == pytest.approx(expected, rel=1e-12)


def test_quantile_at_one_half_is_half_the_mae():
    # Source: sklearn docs, "mean_pinball_loss with alpha=0.5 is half the mean absolute error".
    y_true, y_pred = [1.0, 2.0, 3.0, 7.0], [0.5, 2.5, 1.0, 9.0]
    expected = 0.5 * np.mean(np.abs(np.subtract(y_true, y_pred)))
    assert losses.quantile(y_true, y_pred, tau=0.5) == pytest.approx(expected, rel=1e-12)


# --- Keras 3 documentation examples (keras.io/api/losses; per-row values).
BINARY_TRUE = [[0.0, 1.0], [0.0, 0.0]]
BINARY_PRED = [[0.6, 0.4], [0.4, 0.6]]


def test_keras_binary_crossentropy_example():
    # Source: keras.losses.binary_crossentropy docstring -> [0.916, 0.714]; exact: [-ln 0.4, (-ln 0.6 - ln 0.4)/2].
    value = losses.binary_crossentropy(BINARY_TRUE, BINARY_PRED, reduction="none")
    np.testing.assert_allclose(value, [0.91629, 0.71356], atol=5e-6)


def test_keras_binary_focal_crossentropy_example():
    # Source: keras.losses.binary_focal_crossentropy docstring, gamma=2 -> [0.330, 0.206].
    value = losses.binary_focal_crossentropy(BINARY_TRUE, BINARY_PRED, gamma=2.0, reduction="none")
    np.testing.assert_allclose(value, [0.32986, 0.20580], atol=5e-6)


def test_keras_huber_example():
    # Source: keras.losses.huber docstring (mean 0.155); per row [0.18, 0.13].
    value = losses.huber(BINARY_TRUE, BINARY_PRED, reduction="none")
    np.testing.assert_allclose(value, [0.18, 0.13], atol=1e-12)
    assert losses.huber(BINARY_TRUE, BINARY_PRED) == pytest.approx(0.155, abs=1e-12)


def test_keras_categorical_crossentropy_example():
    # Source: keras.losses.categorical_crossentropy docstring -> [0.0513, 2.303].
    value = losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
                                            reduction="none")
    np.testing.assert_allclose(value, [0.051293, 2.302585], atol=5e-7)


def test_keras_sparse_categorical_crossentropy_example():
    # Source: keras.losses.sparse_categorical_crossentropy docstring, y_true = [1, 2] -> [0.0513, 2.303].
    value = losses.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], reduction="none")
    np.testing.assert_allclose(value, [0.051293, 2.302585], atol=5e-7)


def test_keras_cosine_similarity_example():
    # Source: keras.losses.cosine_similarity docstring -> [-0., -0.99999994, 0.99999994] (float32).
    value = losses.cosine_similarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]], reduction="none")
    np.testing.assert_allclose(value, [0.0, -1.0, 1.0], atol=1e-7)


def test_keras_dice_example():
    # Source: GUIDE section 4, Keras dice per row: 1 - 2*1.5/(2 + 1.7 + 1e-7) = 0.189189.
    value = losses.dice([[1, 1, 0, 0]], [[0.9, 0.6, 0.2, 0.0]], reduction="none")
    np.testing.assert_allclose(value, [0.189189], atol=5e-7)


def test_keras_kl_divergence_example():
    # Source: GUIDE section 4: 0.2 ln(0.2/0.5) + 0.8 ln(0.8/0.5) = 0.192745.
    value = losses.kl_divergence([[0.2, 0.8]], [[0.5, 0.5]], reduction="none")
    np.testing.assert_allclose(value, [0.192745], atol=5e-7)


def test_keras_hinge_example():
    # Source: GUIDE section 4 (Keras hinge maps 0/1 labels to -1/1) -> [0.75, 1.35].
    value = losses.hinge([[0, 1], [1, 0]], [[0.3, 0.8], [-0.5, 0.2]], reduction="none")
    np.testing.assert_allclose(value, [0.75, 1.35], atol=1e-12)


def test_keras_squared_hinge_on_the_hinge_example():
    # Hand-worked from Keras's formula mean(max(1 - y f, 0)^2): row 1 (1.3^2 + 0.2^2)/2, row 2 (1.5^2 + 1.2^2)/2.
    value = losses.squared_hinge([[0, 1], [1, 0]], [[0.3, 0.8], [-0.5, 0.2]], reduction="none")
    np.testing.assert_allclose(value, [0.865, 1.845], atol=1e-12)


def test_keras_categorical_hinge_example():
    # Source: GUIDE section 4: max(0, 0.5 - 0.8 + 1) = 0.7.
    value = losses.categorical_hinge([[0, 1, 0]], [[0.3, 0.8, 0.5]], reduction="none")
    np.testing.assert_allclose(value, [0.7], atol=1e-12)


def test_keras_log_cosh_example():
    # Source: keras.losses.log_cosh docstring (mean 0.108 over two rows); per row log(cosh 1)/2 = 0.216890.
    value = losses.log_cosh([[0, 1]], [[1, 1]], reduction="none")
    np.testing.assert_allclose(value, [0.216890], atol=5e-7)
    assert losses.log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]) == pytest.approx(0.108, abs=5e-4)


def test_keras_clip_caps_a_single_bce_term():
    # Source: Keras clips probabilities to [1e-7, 1 - 1e-7], so the largest BCE term is -ln(1e-7) = 16.1181.
    value = losses.binary_crossentropy([1.0, 0.0], [0.0, 1.0], reduction="none")
    np.testing.assert_allclose(value, [16.1181, 16.1181], atol=5e-5)


def test_keras_label_smoothing_formulas():
    # Keras docs: BCE smoothing y(1-e) + e/2; CCE smoothing y(1-e) + e/C. Hand-worked with e = 0.2.
    bce = losses.binary_crossentropy([1.0], [0.7], label_smoothing=0.2, reduction="none")
    smoothed = 0.9
    assert bce[0] == pytest.approx(-(smoothed * math.log(0.7) + (1 - smoothed) * math.log(0.3)), rel=1e-12)
    cce = losses.categorical_crossentropy([[0.0, 1.0, 0.0, 0.0]], [[0.1, 0.6, 0.2, 0.1]], label_smoothing=0.2,
                                          reduction="none")
    target = np.array([0.05, 0.85, 0.05, 0.05])
    assert cce[0] == pytest.approx(-np.sum(target * np.log([0.1, 0.6, 0.2, 0.1])), rel=1e-12)


def test_keras_focal_alpha_applies_only_with_class_balancing():
    # Keras docs: alpha weights class 1 (1 - alpha class 0) only when apply_class_balancing=True.
    plain = losses.binary_focal_crossentropy([1.0, 0.0], [0.3, 0.3], alpha=0.1, reduction="none")
    default = losses.binary_focal_crossentropy([1.0, 0.0], [0.3, 0.3], reduction="none")
    balanced = losses.binary_focal_crossentropy([1.0, 0.0], [0.3, 0.3], alpha=0.1, apply_class_balancing=True,
                                                reduction="none")
    np.testing.assert_allclose(plain, default, rtol=1e-15)
    np.testing.assert_allclose(balanced, plain * [0.1, 0.9], rtol=1e-12)
    # hand-worked: y=1, p=0.3: 0.7^2 * -ln 0.3
    assert plain[0] == pytest.approx(0.49 * -math.log(0.3), rel=1e-12)


def test_keras_categorical_crossentropy_renormalises():
    # Keras divides each probability row by its sum: [2, 6, 2] is read as [0.2, 0.6, 0.2].
    raw = losses.categorical_crossentropy([[0, 1, 0]], [[0.2, 0.6, 0.2]])
    doubled = losses.categorical_crossentropy([[0, 1, 0]], [[0.1, 0.3, 0.1]])
    assert raw == pytest.approx(-math.log(0.6), rel=1e-12)
    assert doubled == pytest.approx(-math.log(0.6), rel=1e-12)


def test_pytorch_smooth_l1_relation_documented_in_huber():
    # PyTorch docs: smooth_l1_loss(beta) = 0.5 x^2 / beta if |x| < beta else |x| - 0.5 beta = huber(delta=beta)/beta.
    beta = 0.5
    errors = np.array([0.1, 0.4, 2.0, -3.0])
    smooth_l1 = np.where(np.abs(errors) < beta, 0.5 * errors**2 / beta, np.abs(errors) - 0.5 * beta)
    huber = losses.huber(np.zeros(4), errors, delta=beta, reduction="none")
    np.testing.assert_allclose(huber / beta, smooth_l1, rtol=1e-12)
    assert "smooth_l1_loss" in losses.huber.__doc__
