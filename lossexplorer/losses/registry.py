"""The registry: one :class:`LossSpec` per loss, in display order. The window and the CLI are generated from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lossexplorer.losses import margin, probabilistic, regression, similarity
from lossexplorer.losses._params import PARAMS, ParamSpec

FAMILIES = ("regression", "probabilistic", "margin", "similarity")
TASKS = ("regression", "binary", "multiclass")

_ERROR_TEXT = " (x = ŷ − y; mean over the last axis)"
_ERROR_HTML = "<br>with <i>x</i> = <i>&#375;</i> &minus; <i>y</i>, averaged over the last axis"
_BINARY_TEXT = " (mean over the last axis)"
_BINARY_HTML = "<br>averaged over the last axis"
_CLIP_TEXT = "p clipped to [1e-7, 1 − 1e-7]"
_CLIP_HTML = "<i>p</i> clipped to [10<sup>&minus;7</sup>, 1 &minus; 10<sup>&minus;7</sup>]"


@dataclass(frozen=True)
class LossSpec:
    """Everything the app shows or needs about one loss.

    Attributes:
        id: the loss id, equal to its function name in :mod:`lossexplorer.losses`.
        display_name: human name for menus and legends.
        family: ``"regression"``, ``"probabilistic"``, ``"margin"`` or ``"similarity"``.
        params: the loss's parameters, in order.
        formula_text: the formula in plain (unicode) text.
        formula_html: the formula as Qt rich text (``<i>``, ``<sup>``, ``<sub>``, entities).
        y_true_doc: what ``y_true`` must look like.
        y_pred_doc: what ``y_pred`` must look like.
        use_when: one line saying when to choose this loss.
        tasks: the data tasks it applies to, a subset of ``{"regression", "binary", "multiclass"}``.
        fn: the loss function itself, ``fn(y_true, y_pred, *, reduction="mean", **params)``.
    """

    id: str
    display_name: str
    family: str
    params: tuple[ParamSpec, ...]
    formula_text: str
    formula_html: str
    y_true_doc: str
    y_pred_doc: str
    use_when: str
    tasks: frozenset[str]
    fn: Callable[..., object]

    def defaults(self) -> dict[str, float | bool]:
        """Return the default value of every parameter, by name."""
        return {param.name: param.default for param in self.params}


def _spec(fn: Callable[..., object], display_name: str, family: str, formula: tuple[str, str],
          docs: tuple[str, str], use_when: str, tasks: set[str]) -> LossSpec:
    """Build a LossSpec for ``fn``, taking its id from the function name and its parameters from PARAMS."""
    loss_id = fn.__name__
    return LossSpec(loss_id, display_name, family, PARAMS[loss_id], formula[0], formula[1], docs[0], docs[1],
                    use_when, frozenset(tasks), fn)


_REAL = ("real numbers, shape (n,) or (n, k)", "real numbers, same shape as y_true")
_BINARY = ("labels in [0, 1] (0/1 or soft), shape (n,) or (n, k)",
           "probability of class 1 in [0, 1], or a logit with from_logits; same shape as y_true")
_MARGIN = ("labels −1/1 (0/1 is mapped to −1/1), shape (n,) or (n, k)",
           "real-valued scores (e.g. logits), same shape as y_true")
_ONE_HOT = ("one-hot or soft labels in [0, 1], shape (n, k)",
            "class probabilities in [0, 1] (renormalised per row), or logits with from_logits; shape (n, k)")

_SPECS = (
    _spec(regression.mean_squared_error, "Mean squared error (MSE)", "regression",
          ("ℓ(x) = x²" + _ERROR_TEXT, "&#8467;(<i>x</i>) = <i>x</i><sup>2</sup>" + _ERROR_HTML),
          _REAL, "you want the conditional mean and large errors should count quadratically",
          {"regression", "binary"}),
    _spec(regression.mean_absolute_error, "Mean absolute error (MAE)", "regression",
          ("ℓ(x) = |x|" + _ERROR_TEXT, "&#8467;(<i>x</i>) = |<i>x</i>|" + _ERROR_HTML),
          _REAL, "you want the conditional median and robustness to outliers",
          {"regression", "binary"}),
    _spec(regression.huber, "Huber", "regression",
          ("ℓ(x) = ½x² if |x| ≤ δ, else δ·(|x| − ½δ)" + _ERROR_TEXT,
           "&#8467;(<i>x</i>) = &frac12;<i>x</i><sup>2</sup> &nbsp;if |<i>x</i>| &le; <i>&delta;</i>,"
           " else <i>&delta;</i>(|<i>x</i>| &minus; &frac12;<i>&delta;</i>)" + _ERROR_HTML),
          _REAL, "you want MSE near zero but MAE-like robustness for errors beyond delta",
          {"regression"}),
    _spec(regression.log_cosh, "Log-cosh", "regression",
          ("ℓ(x) = log cosh x = |x| + log(1 + e^(−2|x|)) − log 2" + _ERROR_TEXT,
           "&#8467;(<i>x</i>) = log cosh <i>x</i> = |<i>x</i>| + log(1 + <i>e</i><sup>&minus;2|<i>x</i>|</sup>)"
           " &minus; log 2" + _ERROR_HTML),
          _REAL, "you want a smooth, twice-differentiable Huber-like loss with no parameter",
          {"regression"}),
    _spec(regression.quantile, "Quantile (pinball)", "regression",
          ("ℓ = τ·(y − ŷ) if y ≥ ŷ, else (1 − τ)·(ŷ − y) (mean over the last axis)",
           "&#8467; = <i>&tau;</i>(<i>y</i> &minus; <i>&#375;</i>) &nbsp;if <i>y</i> &ge; <i>&#375;</i>,"
           " else (1 &minus; <i>&tau;</i>)(<i>&#375;</i> &minus; <i>y</i>)" + _BINARY_HTML),
          _REAL, "you want a prediction interval or any quantile other than the mean",
          {"regression"}),
    _spec(regression.general_robust, "General robust (Barron)", "regression",
          ("ρ(x, α, c) = |α−2|/α · [((x/c)²/|α−2| + 1)^(α/2) − 1]; α=2: ½(x/c)², α=0: log(½(x/c)² + 1), "
           "α=−∞: 1 − exp(−½(x/c)²)" + _ERROR_TEXT,
           "<i>&rho;</i>(<i>x</i>, <i>&alpha;</i>, <i>c</i>) = "
           "<sup>|<i>&alpha;</i>&minus;2|</sup>&frasl;<sub><i>&alpha;</i></sub> "
           "[((<i>x</i>/<i>c</i>)<sup>2</sup>/|<i>&alpha;</i>&minus;2| + 1)<sup><i>&alpha;</i>/2</sup> &minus; 1]"
           "<br><i>&alpha;</i>=2: &frac12;(<i>x</i>/<i>c</i>)<sup>2</sup>; "
           "<i>&alpha;</i>=0: log(&frac12;(<i>x</i>/<i>c</i>)<sup>2</sup> + 1); "
           "<i>&alpha;</i>=&minus;&infin;: 1 &minus; exp(&minus;&frac12;(<i>x</i>/<i>c</i>)<sup>2</sup>)"
           + _ERROR_HTML),
          _REAL, "you want one knob (alpha) that slides from L2 through Charbonnier and Cauchy to Welsch",
          {"regression"}),
    _spec(probabilistic.binary_crossentropy, "Binary cross-entropy", "probabilistic",
          ("ℓ = −[y·log p + (1 − y)·log(1 − p)], " + _CLIP_TEXT + "; smoothing: y ← y(1 − ε) + ε/2"
           + _BINARY_TEXT,
           "&#8467; = &minus;[<i>y</i> log <i>p</i> + (1 &minus; <i>y</i>) log(1 &minus; <i>p</i>)], "
           + _CLIP_HTML + "<br>smoothing: <i>y</i> &larr; <i>y</i>(1 &minus; <i>&epsilon;</i>) + "
           "<i>&epsilon;</i>/2" + _BINARY_HTML),
          _BINARY, "you predict a probability for a yes/no outcome (logistic regression)",
          {"binary"}),
    _spec(probabilistic.binary_focal_crossentropy, "Binary focal cross-entropy", "probabilistic",
          ("ℓ = w·(1 − p_t)^γ·BCE, p_t = y·p + (1 − y)(1 − p), w = y·α + (1 − y)(1 − α) with class "
           "balancing, else 1" + _BINARY_TEXT,
           "&#8467; = <i>w</i> (1 &minus; <i>p</i><sub><i>t</i></sub>)<sup><i>&gamma;</i></sup> BCE, "
           "<i>p</i><sub><i>t</i></sub> = <i>y p</i> + (1 &minus; <i>y</i>)(1 &minus; <i>p</i>)"
           "<br><i>w</i> = <i>y &alpha;</i> + (1 &minus; <i>y</i>)(1 &minus; <i>&alpha;</i>) with class"
           " balancing, else 1" + _BINARY_HTML),
          _BINARY, "easy negatives swamp training (class imbalance, dense detection): focus on hard examples",
          {"binary"}),
    _spec(probabilistic.categorical_crossentropy, "Categorical cross-entropy", "probabilistic",
          ("L = −Σ_c y_c·log p_c, p renormalised per row and clipped to [1e-7, 1 − 1e-7]; "
           "smoothing: y ← y(1 − ε) + ε/C",
           "<i>L</i> = &minus;&Sigma;<sub><i>c</i></sub> <i>y</i><sub><i>c</i></sub> log "
           "<i>p</i><sub><i>c</i></sub>, <i>p</i> renormalised per row, " + _CLIP_HTML
           + "<br>smoothing: <i>y</i> &larr; <i>y</i>(1 &minus; <i>&epsilon;</i>) + <i>&epsilon;</i>/<i>C</i>"),
          _ONE_HOT, "you predict a distribution over mutually exclusive classes (softmax output)",
          {"multiclass"}),
    _spec(probabilistic.sparse_categorical_crossentropy, "Sparse categorical cross-entropy", "probabilistic",
          ("L = −log p_label, p renormalised per row and clipped to [1e-7, 1 − 1e-7]",
           "<i>L</i> = &minus;log <i>p</i><sub>label</sub>, <i>p</i> renormalised per row, " + _CLIP_HTML),
          ("integer class labels 0..k−1, shape (n,)",
           "class probabilities in [0, 1] (renormalised per row), or logits with from_logits; shape (n, k)"),
          "labels are class indices rather than one-hot rows (same value as categorical cross-entropy)",
          {"multiclass"}),
    _spec(probabilistic.kl_divergence, "KL divergence", "probabilistic",
          ("L = Σ_c y_c·log(y_c / p_c), both clipped to [1e-7, 1]",
           "<i>L</i> = &Sigma;<sub><i>c</i></sub> <i>y</i><sub><i>c</i></sub> log(<i>y</i><sub><i>c</i></sub>"
           " / <i>p</i><sub><i>c</i></sub>), both clipped to [10<sup>&minus;7</sup>, 1]"),
          ("reference distribution in [0, 1], shape (n, k)", "predicted distribution in [0, 1], shape (n, k)"),
          "the target is itself a distribution (distillation, soft labels) and you want 0 at a perfect match",
          {"multiclass"}),
    _spec(margin.hinge, "Hinge", "margin",
          ("ℓ = max(0, 1 − y·f), y ∈ {−1, 1} (mean over the last axis)",
           "&#8467; = max(0, 1 &minus; <i>y f</i>), <i>y</i> &isin; {&minus;1, 1}" + _BINARY_HTML),
          _MARGIN, "you want a max-margin (SVM) classifier and need no calibrated probabilities",
          {"binary"}),
    _spec(margin.squared_hinge, "Squared hinge", "margin",
          ("ℓ = max(0, 1 − y·f)², y ∈ {−1, 1} (mean over the last axis)",
           "&#8467; = max(0, 1 &minus; <i>y f</i>)<sup>2</sup>, <i>y</i> &isin; {&minus;1, 1}" + _BINARY_HTML),
          _MARGIN, "you want a margin loss that is differentiable at the margin and punishes violations harder",
          {"binary"}),
    _spec(margin.categorical_hinge, "Categorical hinge", "margin",
          ("L = max(0, 1 + max_{c≠y} f_c − f_y), neg = max((1 − y)·f), pos = Σ y·f",
           "<i>L</i> = max(0, 1 + max<sub><i>c</i>&ne;<i>y</i></sub> <i>f</i><sub><i>c</i></sub> &minus; "
           "<i>f</i><sub><i>y</i></sub>)"),
          ("one-hot labels in [0, 1], shape (n, k)", "real-valued class scores, shape (n, k)"),
          "you want a multiclass max-margin (Crammer-Singer) classifier on raw scores",
          {"multiclass"}),
    _spec(similarity.cosine_similarity, "Cosine similarity (negative)", "similarity",
          ("L = −(y · ŷ) / (max(‖y‖, 1e-7)·max(‖ŷ‖, 1e-7))",
           "<i>L</i> = &minus;(<b><i>y</i></b> &middot; <b><i>&#375;</i></b>) / "
           "(&#8214;<b><i>y</i></b>&#8214; &#8214;<b><i>&#375;</i></b>&#8214;)"),
          ("target vectors, shape (n, k)", "predicted vectors, shape (n, k)"),
          "only the direction of the prediction matters, not its length (embeddings)",
          {"multiclass"}),
    _spec(similarity.dice, "Dice", "similarity",
          ("L = 1 − 2·Σ y·p / (Σ y + Σ p + 1e-7), per row",
           "<i>L</i> = 1 &minus; 2&Sigma;<i>y p</i> / (&Sigma;<i>y</i> + &Sigma;<i>p</i> + 10<sup>&minus;7</sup>)"),
          ("target mask or probabilities in [0, 1], shape (n, k)", "predicted probabilities in [0, 1], shape (n, k)"),
          "you score overlap of masks where the positive class is rare (segmentation)",
          {"multiclass"}),
)

REGISTRY: dict[str, LossSpec] = {spec.id: spec for spec in _SPECS}
"""Every loss, by id, in the order the window lists them."""
