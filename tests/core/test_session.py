"""Session files: exact round trips, the stored format, and refusal of every kind of malformed file."""

import base64
import json
import math
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lossexplorer import losses, session
from lossexplorer.dataset import Dataset
from lossexplorer.session import Session, SessionError, decode_session, encode_session, read_session, write_session

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"


def _default_losses():
    return {"checked": ["huber"], "current": "huber",
            "params": {name: losses.validate_params(name, {}) for name in losses.REGISTRY}}


def _regression():
    return Dataset("regression", np.array([1.0, 2.5, -3.0]), np.array([1.5, -0.0, 0.1]), "value",
                   true_name="price", pred_names=("guess",), source="prices.csv")


def _binary():
    return Dataset("binary", np.array([0.0, 1.0, 1.0, 0.3]), np.array([0.2, 0.9, 1e-300, 1.0]), "probability",
                   true_name="label", pred_names=("prob",))


def _multiclass():
    return Dataset("multiclass", np.array([2, 0, 1], dtype=np.int64),
                   np.array([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [1 / 3, 1 / 3, 1 / 3]]), "probability",
                   true_name="label", pred_names=("p_cat", "p_dog", "p_bird"), class_names=("cat", "dog", "bird"))


def _same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _document(session_obj=None):
    return json.loads(encode_session(session_obj or Session(_regression(), _default_losses())))


def _refused(document_or_bytes, *words):
    raw = document_or_bytes if isinstance(document_or_bytes, bytes) else json.dumps(document_or_bytes).encode()
    with pytest.raises(SessionError) as caught:
        decode_session(raw)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


# ----- round trips ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [_regression, _binary, _multiclass])
def test_round_trip_keeps_every_field_and_bit(make):
    data = make()
    state = _default_losses()
    state["checked"] = ["huber", "binary_crossentropy"]
    state["current"] = "binary_crossentropy"
    state["params"]["huber"] = {"delta": 0.25}
    state["params"]["binary_crossentropy"] = {"from_logits": True, "label_smoothing": 0.1}
    state["params"]["general_robust"] = {"alpha": -math.inf, "scale": 2.0}
    back = decode_session(encode_session(Session(data, state, "classification", True, "/tmp/x.lossx")))
    for name in ("task", "pred_kind", "true_name", "pred_names", "class_names", "source"):
        assert getattr(back.dataset, name) == getattr(data, name)
    assert _same_bits(back.dataset.y_true, data.y_true)
    assert _same_bits(back.dataset.y_pred, data.y_pred)
    assert back.losses == state
    assert (back.view, back.log_y, back.document) == ("classification", True, "/tmp/x.lossx")


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 40), elements=finite), st.data())
def test_any_finite_floats_come_back_bit_for_bit(y_true, data):
    y_pred = data.draw(hnp.arrays(np.float64, y_true.shape, elements=finite))
    back = decode_session(encode_session(Session(Dataset("regression", y_true, y_pred), _default_losses())))
    assert _same_bits(back.dataset.y_true, y_true)
    assert _same_bits(back.dataset.y_pred, y_pred)


def test_negative_zero_and_subnormals_survive():
    tiny = 5e-324
    data = Dataset("regression", np.array([-0.0, tiny, 0.1 + 0.2]), np.array([1.7976931348623157e308, -tiny, 0.0]))
    back = decode_session(encode_session(Session(data, _default_losses()))).dataset
    assert math.copysign(1.0, back.y_true[0]) == -1.0
    assert back.y_true[1] == tiny and back.y_true[2] == 0.30000000000000004
    assert back.y_pred[0] == 1.7976931348623157e308


def test_arrays_are_stored_as_little_endian_ieee_base64():
    # 1.0 is 0x3FF0000000000000: bytes 00..00 F0 3F little-endian, base64 "AAAAAAAA8D8=".
    data = Dataset("regression", np.array([1.0]), np.array([1.0]))
    document = _document(Session(data, _default_losses()))
    assert document["format"] == "lossexplorer-session" and document["version"] == 1
    assert document["data"]["y_true"] == {"dtype": "float64", "shape": [1], "base64": "AAAAAAAA8D8="}


def test_the_file_is_strict_json_even_with_an_infinite_parameter():
    state = _default_losses()
    state["params"]["general_robust"] = {"alpha": -math.inf, "scale": 1.0}
    text = encode_session(Session(_regression(), state)).decode()
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text)["losses"]["params"]["general_robust"]["alpha"] == "-inf"


def test_hand_written_version_1_file_reads_as_written():
    loaded = read_session(DATA / "valid_v1.lossx")
    assert loaded.dataset.y_true.tolist() == [1.0, 2.5, -3.0]
    assert loaded.dataset.y_pred[0] == 1.5 and loaded.dataset.y_pred[2] == 0.1
    assert math.copysign(1.0, loaded.dataset.y_pred[1]) == -1.0
    assert (loaded.dataset.true_name, loaded.dataset.pred_names) == ("price", ("guess",))
    assert loaded.losses["checked"] == ["huber", "quantile"] and loaded.losses["current"] == "quantile"
    assert loaded.losses["params"]["huber"] == {"delta": 0.5}
    assert loaded.losses["params"]["quantile"] == {"tau": 0.9}
    assert loaded.losses["params"]["general_robust"] == {"alpha": -math.inf, "scale": 1.0}
    # Losses the file does not mention get their defaults, so opening fully determines the state.
    assert loaded.losses["params"]["binary_focal_crossentropy"]["gamma"] == 2.0
    assert (loaded.view, loaded.log_y, loaded.document) == ("regression", True, "")


def test_write_then_read_a_file(tmp_path):
    target = tmp_path / "work.lossx"
    write_session(target, Session(_multiclass(), _default_losses(), "classification", False))
    loaded = read_session(target)
    assert _same_bits(loaded.dataset.y_pred, _multiclass().y_pred)
    assert [p.name for p in tmp_path.iterdir()] == ["work.lossx"]


def test_write_into_a_missing_folder_fails_in_one_line_and_leaves_nothing(tmp_path):
    with pytest.raises(SessionError) as caught:
        write_session(tmp_path / "nowhere" / "x.lossx", Session(_regression(), _default_losses()))
    assert "nowhere" in str(caught.value) and "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_session_module_stays_qt_free():
    code = ("import sys, lossexplorer.session; "
            "print(any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ----- refusals: the fixture files -------------------------------------------------------------------
@pytest.mark.parametrize(("name", "words"), [
    ("truncated.lossx", ("truncated",)),
    ("not_json.lossx", ("JSON",)),
    ("newer_version.lossx", ("newer", "format 2")),
    ("wrong_types.lossx", ('"y_true"', "object")),
    ("oversized.lossx", ("1,000,000,000 rows",)),
])
def test_malformed_fixture_files_are_refused_in_one_line(name, words):
    with pytest.raises(SessionError) as caught:
        read_session(DATA / name)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message, message


def test_truncation_anywhere_is_refused():
    raw = (DATA / "valid_v1.lossx").read_bytes().rstrip()
    for cut in range(1, len(raw), 7):
        with pytest.raises(SessionError):
            decode_session(raw[:cut])


def test_missing_file_and_folder_and_empty_file(tmp_path):
    with pytest.raises(SessionError, match="does not exist"):
        read_session(tmp_path / "absent.lossx")
    with pytest.raises(SessionError, match="folder"):
        read_session(tmp_path)
    (tmp_path / "empty.lossx").write_bytes(b"")
    with pytest.raises(SessionError, match="empty"):
        read_session(tmp_path / "empty.lossx")


def test_too_large_a_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(session, "MAX_FILE_BYTES", 100)
    with pytest.raises(SessionError, match="MiB"):
        read_session(DATA / "valid_v1.lossx")


# ----- refusals: built in the test -------------------------------------------------------------------
def test_not_utf8_not_an_object_and_nan_constants():
    _refused(b"\xff\xfe\x00garbage", "UTF-8")
    _refused(b"[1, 2, 3]", "not an object")
    document = _document()
    text = json.dumps(document).replace('"huber": {"delta": 1.0}', '"huber": {"delta": NaN}')
    assert "NaN" in text
    _refused(text.encode(), "NaN")


@pytest.mark.parametrize(("version", "words"), [
    (2, ("newer",)), (99, ("newer", "format 99")), (0, ("unknown", "version 0")),
    ("1", ("whole number",)), (True, ("whole number",)), (1.5, ("whole number",)),
])
def test_versions(version, words):
    document = _document()
    document["version"] = version
    _refused(document, *words)


def test_wrong_format_name():
    document = _document()
    document["format"] = "something-else"
    _refused(document, "not a Loss Explorer session")


def _with(path, value):
    document = _document()
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


@pytest.mark.parametrize(("path", "value", "words"), [
    (("data",), [1, 2], ('"data"', "object")),
    (("data", "task"), 3, ('"task"', "text")),
    (("data", "task"), "clustering", ("unknown task",)),
    (("data", "pred_kind"), "odds", ("unknown prediction kind",)),
    (("data", "pred_kind"), "probability", ("inconsistent",)),
    (("data", "pred_names"), "guess", ('"pred_names"', "list")),
    (("data", "pred_names"), [1], ("pred_names",)),
    (("data", "pred_names"), ["a", "b"], ("2 names for 1",)),
    (("data", "source"), None, ('"source"', "null")),
    (("data", "y_true"), KeyError, ('"y_true"',)),
    (("data", "y_true", "dtype"), "float32", ("dtype float64",)),
    (("data", "y_true", "shape"), ["3"], ("shape",)),
    (("data", "y_true", "shape"), [3, 1], ("shape",)),
    (("data", "y_true", "shape"), [True], ("shape",)),
    (("data", "y_true", "base64"), 12, ('"base64"', "text")),
    (("data", "y_true", "base64"), "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", ("not valid base64",)),
    (("data", "y_true", "base64"), "AAAAAAAA8D8=", ("base64 characters",)),
    (("losses",), KeyError, ('"losses"',)),
    (("losses", "checked"), "huber", ('"checked"', "list")),
    (("losses", "checked"), ["huber", "softmax_of_doom"], ("unknown loss", "softmax_of_doom")),
    (("losses", "checked"), [["huber"]], ("unknown loss",)),
    (("losses", "current"), "nope", ("unknown loss",)),
    (("losses", "params", "huber"), {"delta": -1.0}, ("delta",)),
    (("losses", "params", "huber"), {"delta": "big"}, ("delta",)),
    (("losses", "params", "huber"), {"width": 1.0}, ("width",)),
    (("losses", "params", "huber"), 1.0, ("huber", "object")),
    (("losses", "params", "binary_crossentropy"), {"from_logits": 1}, ("from_logits",)),
    (("view",), KeyError, ('"view"',)),
    (("view", "current"), "3d", ("unknown view",)),
    (("view", "log_y"), "yes", ('"log_y"', "true or false")),
    (("document",), 7, ('"document"',)),
])
def test_wrong_types_and_values_are_refused(path, value, words):
    _refused(_with(path, value), *words)


def _packed(fmt, values):
    return base64.b64encode(struct.pack("<" + fmt * len(values), *values)).decode()


def _array(values, fmt="d", shape=None):
    return {"dtype": "float64" if fmt == "d" else "int64", "shape": shape or [len(values)],
            "base64": _packed(fmt, values)}


def test_inconsistent_lengths_are_refused():
    _refused(_with(("data", "y_pred"), _array([1.0, 2.0])), "3 rows", "2")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_table_values_are_refused(bad):
    _refused(_with(("data", "y_pred"), _array([1.0, bad, 2.0])), "finite")


def test_oversized_and_empty_arrays_are_refused_without_decoding(monkeypatch):
    _refused(_with(("data", "y_true"), {"dtype": "float64", "shape": [10**8], "base64": "AAAA"}), "rows")
    _refused(_with(("data", "y_true"), _array([])), "no rows")
    monkeypatch.setattr(session, "MAX_CELLS", 2)
    _refused(_with(("data", "y_true"), _array([1.0, 2.0, 3.0])), "at most 2")


def _binary_document(y_true, y_pred, kind="probability"):
    document = _document(Session(_binary(), _default_losses()))
    document["data"]["y_true"] = _array(y_true)
    document["data"]["y_pred"] = _array(y_pred)
    document["data"]["pred_kind"] = kind
    return document


def test_binary_ranges():
    _refused(_binary_document([0.0, 2.0], [0.5, 0.5]), "label", "[0, 1]")
    _refused(_binary_document([0.0, 1.0], [0.5, 1.5]), "probability", "[0, 1]")
    loaded = decode_session(json.dumps(_binary_document([0.0, 1.0], [-3.0, 7.0], "logit")).encode())
    assert loaded.dataset.y_pred.tolist() == [-3.0, 7.0]


def _multiclass_document(labels, k=3, names=None):
    document = _document(Session(_multiclass(), _default_losses()))
    n = len(labels)
    document["data"]["y_true"] = _array(labels, "q")
    document["data"]["y_pred"] = _array([1.0 / k] * (n * k), shape=[n, k])
    document["data"]["pred_names"] = [f"p{i}" for i in range(k)]
    document["data"]["class_names"] = names if names is not None else [f"c{i}" for i in range(k)]
    return document


def test_multiclass_labels_classes_and_names():
    _refused(_multiclass_document([0, 3]), "class label", "0..2")
    _refused(_multiclass_document([0, -1]), "class label")
    _refused(_multiclass_document([0, 0], k=1, names=[]), "classes")
    _refused(_multiclass_document([0, 1], names=["a", "b"]), "inconsistent")
    document = _multiclass_document([0, 1])
    document["data"]["y_true"]["dtype"] = "float64"
    _refused(document, "dtype int64")
    loaded = decode_session(json.dumps(_multiclass_document([2, 1])).encode())
    assert loaded.dataset.y_true.tolist() == [2, 1] and loaded.dataset.y_true.dtype == np.int64
    assert loaded.dataset.y_pred.shape == (2, 3)


def test_too_many_class_names_are_refused(monkeypatch):
    monkeypatch.setattr(session, "MAX_CLASSES", 2)
    _refused(_multiclass_document([0, 1]), "at most 2")


def test_names_with_quotes_unicode_and_placeholder_like_text_round_trip():
    data = Dataset("multiclass", np.array([1, 0], dtype=np.int64), np.array([[0.2, 0.8], [0.6, 0.4]]),
                   "probability", true_name='say "hi"\n', pred_names=("p:y_true", "ünïcødé ✓"),
                   class_names=('"base64"', "{}"), source="C:\\data\\x.csv")
    back = decode_session(encode_session(Session(data, _default_losses()))).dataset
    assert (back.true_name, back.pred_names, back.class_names, back.source) == (
        data.true_name, data.pred_names, data.class_names, data.source)
    assert _same_bits(back.y_pred, data.y_pred)


def test_a_table_with_a_non_finite_value_is_not_written(tmp_path):
    data = Dataset("regression", np.array([1.0, np.nan]), np.array([0.0, 1.0]))
    with pytest.raises(SessionError, match="finite"):
        write_session(tmp_path / "nan.lossx", Session(data, _default_losses()))
    assert list(tmp_path.iterdir()) == []
