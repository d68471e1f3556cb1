"""The registry describes every public loss completely and consistently."""

import inspect
import math
from html.parser import HTMLParser

import numpy as np
import pytest

from lossexplorer import losses

NOT_LOSSES = {"EPSILON", "FAMILIES", "REGISTRY", "TASKS", "LossSpec", "ParamSpec", "gradient", "validate_params"}
PUBLIC_LOSSES = sorted(set(losses.__all__) - NOT_LOSSES)
CONTRACT_ORDER = [
    "mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "quantile", "general_robust",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "kl_divergence", "hinge", "squared_hinge", "categorical_hinge",
    "cosine_similarity", "dice",
]
EXPECTED_TASKS = {
    "mean_squared_error": {"regression", "binary"},
    "mean_absolute_error": {"regression", "binary"},
    "huber": {"regression"}, "log_cosh": {"regression"}, "quantile": {"regression"},
    "general_robust": {"regression"},
    "binary_crossentropy": {"binary"}, "binary_focal_crossentropy": {"binary"},
    "hinge": {"binary"}, "squared_hinge": {"binary"},
    "categorical_crossentropy": {"multiclass"}, "sparse_categorical_crossentropy": {"multiclass"},
    "kl_divergence": {"multiclass"}, "cosine_similarity": {"multiclass"}, "dice": {"multiclass"},
    "categorical_hinge": {"multiclass"},
}
EXPECTED_PARAMS = {  # the contract's Keras names and defaults
    "huber": {"delta": 1.0},
    "quantile": {"tau": 0.5},
    "general_robust": {"alpha": 1.0, "scale": 1.0},
    "binary_crossentropy": {"from_logits": False, "label_smoothing": 0.0},
    "binary_focal_crossentropy": {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0,
                                  "from_logits": False, "label_smoothing": 0.0},
    "categorical_crossentropy": {"from_logits": False, "label_smoothing": 0.0},
    "sparse_categorical_crossentropy": {"from_logits": False},
}


def test_every_public_loss_is_registered_in_contract_order():
    assert sorted(CONTRACT_ORDER) == PUBLIC_LOSSES
    assert list(losses.REGISTRY) == CONTRACT_ORDER


@pytest.mark.parametrize("loss_id", CONTRACT_ORDER)
def test_ids_are_function_names_and_signatures_follow_the_contract(loss_id):
    spec = losses.REGISTRY[loss_id]
    assert spec.id == loss_id == spec.fn.__name__
    assert getattr(losses, loss_id) is spec.fn
    signature = inspect.signature(spec.fn)
    kinds = [(p.name, p.kind) for p in signature.parameters.values()]
    assert kinds == [("y_true", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                     ("y_pred", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                     ("reduction", inspect.Parameter.KEYWORD_ONLY),
                     ("params", inspect.Parameter.VAR_KEYWORD)]
    assert signature.parameters["reduction"].default == "mean"


@pytest.mark.parametrize("loss_id", CONTRACT_ORDER)
def test_parameters_defaults_and_ranges(loss_id):
    spec = losses.REGISTRY[loss_id]
    assert spec.defaults() == EXPECTED_PARAMS.get(loss_id, {})
    assert losses.validate_params(loss_id, {}) == spec.defaults()
    for param in spec.params:
        assert param.kind in {"float", "bool"}
        assert param.meaning
        if param.kind == "bool":
            assert isinstance(param.default, bool)
            continue
        assert param.contains(param.default)
        assert math.isfinite(param.ui_low) and math.isfinite(param.ui_high)
        assert param.ui_low < param.ui_high
        assert param.contains(param.ui_low) and param.contains(param.ui_high)
        assert param.ui_low <= param.default <= param.ui_high


def test_dataclasses_are_frozen():
    spec = losses.REGISTRY["huber"]
    with pytest.raises(AttributeError):
        spec.display_name = "x"
    with pytest.raises(AttributeError):
        spec.params[0].default = 2.0


@pytest.mark.parametrize("loss_id", CONTRACT_ORDER)
def test_descriptions_are_complete(loss_id):
    spec = losses.REGISTRY[loss_id]
    assert spec.family in losses.FAMILIES
    assert spec.tasks == frozenset(EXPECTED_TASKS[loss_id])
    for text in (spec.display_name, spec.formula_text, spec.formula_html, spec.y_true_doc, spec.y_pred_doc,
                 spec.use_when):
        assert isinstance(text, str) and text.strip()
    assert "\n" not in spec.use_when
    assert spec.fn.__doc__ and "Args:" in spec.fn.__doc__


ALLOWED_TAGS = frozenset({"i", "b", "sup", "sub", "br"})


class _TagChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        if tag != "br":
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("loss_id", CONTRACT_ORDER)
def test_formula_html_is_balanced_rich_text(loss_id):
    html = losses.REGISTRY[loss_id].formula_html
    checker = _TagChecker()
    checker.feed(html)
    checker.close()
    assert checker.problems == []
    assert checker.stack == []
    assert "<i>" in html
    assert "&" not in "".join(checker.text)  # every entity resolved: no typo like &alpah;


def test_registry_functions_accept_their_default_parameters():
    probabilities = np.array([[0.2, 0.8], [0.6, 0.4]])
    for spec in losses.REGISTRY.values():
        y_true = [1, 0] if spec.id == "sparse_categorical_crossentropy" else [[0.0, 1.0], [1.0, 0.0]]
        value = spec.fn(y_true, probabilities, **spec.defaults())
        assert np.isfinite(value)
