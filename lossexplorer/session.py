"""Session files (``.lossx``): the table, its column mapping, the chosen losses and the view, as JSON. No Qt.

A session is plain JSON (never pickle, never eval) with a format name and version. The arrays are stored as
base64 of their little-endian IEEE bytes, so every float comes back bit for bit (``-0.0``, subnormals and
17-digit values included) and a million-row table encodes in milliseconds rather than seconds.
Everything else is readable JSON::

    {"format": "lossexplorer-session", "version": 1, "saved_by": "lossexplorer 0.1.0",
     "data": {"task": "binary", "pred_kind": "probability", "true_name": "label", "pred_names": ["prob"],
              "class_names": [], "source": "/path/data.csv",
              "y_true": {"dtype": "float64", "shape": [3], "base64": "..."},
              "y_pred": {"dtype": "float64", "shape": [3], "base64": "..."}},
     "losses": {"checked": ["binary_crossentropy"], "current": "binary_crossentropy",
                "params": {"huber": {"delta": 1.0}, "general_robust": {"alpha": "-inf", "scale": 1.0}, ...}},
     "view": {"current": "classification", "log_y": false}}

Reading validates everything (schema, types, sizes, finite values, ranges, loss parameters) before anything
is returned, so a caller that only applies a successfully decoded :class:`Session` changes nothing on error.
Non-finite loss parameters (general_robust's ``alpha`` may be ``-inf``) are written as the strings
``"inf"``/``"-inf"`` to keep the file strict JSON.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lossexplorer import __version__, losses
from lossexplorer.atomic import atomic_write_bytes
from lossexplorer.dataset import PRED_KINDS, TASKS, Dataset

FORMAT_NAME = "lossexplorer-session"
FORMAT_VERSION = 1
SUFFIX = ".lossx"
VIEWS = ("regression", "classification")
MAX_ROWS = 5_000_000
MAX_CLASSES = 1_000
MAX_CELLS = 20_000_000
MAX_NAME_LENGTH = 200
MAX_PATH_LENGTH = 4_096
# The base64 arrays of MAX_CELLS float64 values plus generous room for the JSON around them.
MAX_FILE_BYTES = MAX_CELLS * 8 * 4 // 3 + 16 * 1024 * 1024
_NON_FINITE_PARAMS = {"inf": math.inf, "-inf": -math.inf}
_DTYPES = {"float64": np.dtype("<f8"), "int64": np.dtype("<i8")}


class SessionError(ValueError):
    """A session file that cannot be read or written; the message is one line naming the problem."""


@dataclass(frozen=True)
class Session:
    """Everything a session file holds.

    Attributes:
        dataset: the table data with its task and column mapping.
        losses: the loss selection as ``LossState.to_dict`` gives it: ``{"checked": [...], "current": id,
            "params": {id: {name: value}}}``; after decoding, ``params`` holds every loss, validated.
        view: the view on show, one of :data:`VIEWS`.
        log_y: whether the loss axes are logarithmic.
        document: for recovery files only, the session file the work belonged to (``""`` if untitled).
    """

    dataset: Dataset
    losses: dict[str, object] = field(default_factory=dict)
    view: str = "regression"
    log_y: bool = False
    document: str = ""


# ----- writing -----------------------------------------------------------------------------------
def encode_session(session: Session) -> bytes:
    """Return the session as UTF-8 JSON bytes.

    Raises:
        SessionError: the session holds something a session file may not (a non-finite table value), so a
            file this writes is always one :func:`decode_session` accepts.
    """
    data = session.dataset
    if not np.isfinite(data.y_true).all() or not np.isfinite(data.y_pred).all():
        raise SessionError("cannot save a table that holds a value that is not a finite number")
    # The large base64 texts are spliced into the JSON afterwards: json.dumps would only copy and scan them.
    marker = os.urandom(16).hex()
    arrays = {
        f"{marker}:y_true": _base64_bytes(data.y_true, "int64" if data.task == "multiclass" else "float64"),
        f"{marker}:y_pred": _base64_bytes(data.y_pred, "float64"),
    }
    document: dict[str, object] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "saved_by": f"lossexplorer {__version__}",
        "data": _encode_dataset(data, marker),
        "losses": _encode_losses(session.losses),
        "view": {"current": session.view, "log_y": bool(session.log_y)},
    }
    if session.document:
        document["document"] = session.document
    import json  # here, not at the top: the window imports this module at start-up, before any session is read

    try:
        skeleton = json.dumps(document, indent=1, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except ValueError as error:
        raise SessionError(f"cannot encode the session: {error}") from None
    pieces = []
    for placeholder, encoded in arrays.items():
        before, skeleton = skeleton.split(f'"{placeholder}"'.encode("ascii"), 1)
        pieces += [before, b'"', encoded, b'"']
    return b"".join([*pieces, skeleton])


def write_session(path: str | os.PathLike[str], session: Session) -> Path:
    """Encode the session and write it atomically (the old file stays intact if anything fails).

    Raises:
        SessionError: the session cannot be encoded, or the file cannot be written (one-line reason).
    """
    data = encode_session(session)
    try:
        return atomic_write_bytes(path, data)
    except OSError as error:
        raise SessionError(str(error)) from None


def _encode_dataset(data: Dataset, marker: str) -> dict[str, object]:
    return {
        "task": data.task,
        "pred_kind": data.pred_kind,
        "true_name": data.true_name,
        "pred_names": list(data.pred_names),
        "class_names": list(data.class_names),
        "source": data.source,
        "y_true": _array_header(data.y_true, "int64" if data.task == "multiclass" else "float64",
                                f"{marker}:y_true"),
        "y_pred": _array_header(data.y_pred, "float64", f"{marker}:y_pred"),
    }


def _array_header(values: np.ndarray, dtype_name: str, placeholder: str) -> dict[str, object]:
    return {"dtype": dtype_name, "shape": list(values.shape), "base64": placeholder}


def _base64_bytes(values: np.ndarray, dtype_name: str) -> bytes:
    return base64.b64encode(np.ascontiguousarray(values, dtype=_DTYPES[dtype_name]).tobytes())


def _encode_losses(state: dict[str, object]) -> dict[str, object]:
    params = state.get("params", {})
    encoded = {loss_id: {name: _encode_param(value) for name, value in dict(values).items()}
               for loss_id, values in dict(params).items()}
    return {"checked": list(state.get("checked", [])), "current": state.get("current", ""), "params": encoded}


def _encode_param(value: object) -> object:
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


# ----- reading -----------------------------------------------------------------------------------
def read_session(path: str | os.PathLike[str]) -> Session:
    """Read and validate a session file.

    Raises:
        SessionError: the file is missing, unreadable, too large, not JSON, from a newer version or
            malformed in any way; the message is one line naming the problem.
    """
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SessionError(f"the file is {size / 2**20:.0f} MiB; sessions are at most "
                               f"{MAX_FILE_BYTES / 2**20:.0f} MiB")
        raw = target.read_bytes()
    except FileNotFoundError:
        raise SessionError("the file does not exist") from None
    except IsADirectoryError:
        raise SessionError("that is a folder, not a session file") from None
    except OSError as error:
        raise SessionError(f"cannot read the file: {error.strerror or error}") from None
    return decode_session(raw)


def decode_session(raw: bytes) -> Session:
    """Parse and validate session bytes; return a :class:`Session` only if every part is valid.

    Raises:
        SessionError: a one-line description of the first problem found.
    """
    if len(raw) > MAX_FILE_BYTES:
        raise SessionError(f"the session is larger than {MAX_FILE_BYTES / 2**20:.0f} MiB")
    document = _parse_json(raw)
    _check_header(document)
    dataset = _decode_dataset(_member(document, "data", dict, "the session"))
    loss_state = _decode_losses(_member(document, "losses", dict, "the session"))
    view, log_y = _decode_view(_member(document, "view", dict, "the session"))
    origin = document.get("document", "")
    if not isinstance(origin, str) or len(origin) > MAX_PATH_LENGTH:
        raise SessionError('"document" must be a file path (text)')
    return Session(dataset, loss_state, view, log_y, origin)


def _parse_json(raw: bytes) -> dict[str, object]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SessionError("not a session file: it is not UTF-8 text") from None
    if not text.strip():
        raise SessionError("not a session file: it is empty")
    import json

    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        # json reports an unclosed string at its start; both cases mean the text stops early.
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise SessionError("the file is truncated: the JSON ends too early") from None
        raise SessionError(f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise SessionError("not a session file: the JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise SessionError("not a session file: the JSON is not an object")
    return document


def _refuse_constant(name: str) -> object:
    raise SessionError(f"the file holds {name}, which sessions never contain")


def _check_header(document: dict[str, object]) -> None:
    if document.get("format") != FORMAT_NAME:
        raise SessionError(f'not a Loss Explorer session: "format" is not "{FORMAT_NAME}"')
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError('"version" must be a whole number')
    if version > FORMAT_VERSION:
        raise SessionError(f"the session was written by a newer Loss Explorer (format {version}; this version "
                           f"reads format {FORMAT_VERSION}); please update")
    if version < 1:
        raise SessionError(f"unknown session format version {version}")


def _member(parent: dict[str, object], key: str, kind: type, where: str) -> object:
    if key not in parent:
        raise SessionError(f'{where} has no "{key}"')
    value = parent[key]
    if kind is str and not isinstance(value, str):
        raise SessionError(f'"{key}" must be text, not {_json_type(value)}')
    if kind is dict and not isinstance(value, dict):
        raise SessionError(f'"{key}" must be an object, not {_json_type(value)}')
    if kind is list and not isinstance(value, list):
        raise SessionError(f'"{key}" must be a list, not {_json_type(value)}')
    if kind is bool and not isinstance(value, bool):
        raise SessionError(f'"{key}" must be true or false, not {_json_type(value)}')
    return value


def _json_type(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
             dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _names(parent: dict[str, object], key: str) -> tuple[str, ...]:
    values = _member(parent, key, list, "the data")
    if len(values) > MAX_CLASSES:
        raise SessionError(f'"{key}" has {len(values)} entries; at most {MAX_CLASSES} are allowed')
    if not all(isinstance(item, str) and len(item) <= MAX_NAME_LENGTH for item in values):
        raise SessionError(f'"{key}" must be a list of names (text of at most {MAX_NAME_LENGTH} characters)')
    return tuple(values)


def _decode_dataset(data: dict[str, object]) -> Dataset:
    task = _member(data, "task", str, "the data")
    if task not in TASKS:
        raise SessionError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    pred_kind = _member(data, "pred_kind", str, "the data")
    if pred_kind not in PRED_KINDS:
        raise SessionError(f"unknown prediction kind {pred_kind!r}; expected one of {', '.join(PRED_KINDS)}")
    true_name = _member(data, "true_name", str, "the data")
    source = _member(data, "source", str, "the data")
    if len(true_name) > MAX_NAME_LENGTH or len(source) > MAX_PATH_LENGTH:
        raise SessionError('"true_name" or "source" is too long')
    pred_names = _names(data, "pred_names")
    class_names = _names(data, "class_names")
    y_true = _decode_array(data, "y_true", "int64" if task == "multiclass" else "float64",
                           ndim=1)
    y_pred = _decode_array(data, "y_pred", "float64", ndim=2 if task == "multiclass" else 1)
    _check_shapes(task, y_true, y_pred, pred_names)
    try:
        dataset = Dataset(task, y_true, y_pred, pred_kind, true_name, pred_names, class_names, source)
    except ValueError as error:
        raise SessionError(f"inconsistent data: {error}") from None
    _check_values(task, pred_kind, y_true, y_pred)
    return dataset


def _decode_array(data: dict[str, object], key: str, dtype_name: str, ndim: int) -> np.ndarray:
    spec = _member(data, key, dict, "the data")
    declared = _member(spec, "dtype", str, f'"{key}"')
    if declared != dtype_name:
        raise SessionError(f'"{key}" must have dtype {dtype_name}, not {declared!r}')
    shape = _member(spec, "shape", list, f'"{key}"')
    if len(shape) != ndim or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise SessionError(f'"{key}" shape must be {ndim} whole number(s) >= 0, got {shape!r}')
    _check_size(key, shape)
    encoded = _member(spec, "base64", str, f'"{key}"')
    count = math.prod(shape)
    # Checked before decoding, so an oversized or short array costs nothing to refuse.
    expected_chars = 4 * math.ceil(count * 8 / 3)
    if len(encoded) != expected_chars:
        raise SessionError(f'"{key}" holds {len(encoded)} base64 characters; shape {shape} needs {expected_chars}')
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SessionError(f'"{key}" is not valid base64') from None
    if len(raw) != count * 8:
        raise SessionError(f'"{key}" holds {len(raw) // 8} values; shape {shape} needs {count}')
    values = np.frombuffer(raw, dtype=_DTYPES[dtype_name]).reshape(shape)
    return values.astype(np.int64 if dtype_name == "int64" else np.float64)


def _check_size(key: str, shape: list[int]) -> None:
    rows = shape[0]
    if rows == 0:
        raise SessionError(f'"{key}" has no rows; a session holds at least one')
    if rows > MAX_ROWS:
        raise SessionError(f'"{key}" has {rows:,} rows; at most {MAX_ROWS:,} are allowed')
    if len(shape) == 2 and not 2 <= shape[1] <= MAX_CLASSES:
        raise SessionError(f'"{key}" has {shape[1]} classes; between 2 and {MAX_CLASSES} are allowed')
    if math.prod(shape) > MAX_CELLS:
        raise SessionError(f'"{key}" has {math.prod(shape):,} values; at most {MAX_CELLS:,} are allowed')


def _check_shapes(task: str, y_true: np.ndarray, y_pred: np.ndarray, pred_names: tuple[str, ...]) -> None:
    if y_true.shape[0] != y_pred.shape[0]:
        raise SessionError(f'"y_true" has {y_true.shape[0]} rows but "y_pred" has {y_pred.shape[0]}')
    columns = y_pred.shape[1] if task == "multiclass" else 1
    if len(pred_names) != columns:
        raise SessionError(f'"pred_names" has {len(pred_names)} names for {columns} prediction column(s)')


def _check_values(task: str, pred_kind: str, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if not np.isfinite(y_true).all() or not np.isfinite(y_pred).all():
        raise SessionError("the table holds a value that is not a finite number")
    if task == "binary" and ((y_true < 0) | (y_true > 1)).any():
        raise SessionError("a binary label lies outside [0, 1]")
    if task == "multiclass" and ((y_true < 0) | (y_true >= y_pred.shape[1])).any():
        raise SessionError(f"a class label lies outside 0..{y_pred.shape[1] - 1}")
    if pred_kind == "probability" and ((y_pred < 0) | (y_pred > 1)).any():
        raise SessionError("a probability lies outside [0, 1]")


def _decode_losses(state: dict[str, object]) -> dict[str, object]:
    checked = _member(state, "checked", list, '"losses"')
    current = _member(state, "current", str, '"losses"')
    params = _member(state, "params", dict, '"losses"')
    unknown = [item for item in [*checked, current, *params] if not isinstance(item, str)
               or item not in losses.REGISTRY]
    if unknown:
        raise SessionError(f"unknown loss {unknown[0]!r}")
    full: dict[str, dict[str, object]] = {}
    for loss_id in losses.REGISTRY:
        given = params.get(loss_id, {})
        if not isinstance(given, dict):
            raise SessionError(f'the parameters of {loss_id} must be an object, not {_json_type(given)}')
        try:
            full[loss_id] = losses.validate_params(loss_id, {name: _decode_param(value)
                                                             for name, value in given.items()})
        except ValueError as error:
            raise SessionError(f"bad loss parameter: {error}") from None
    return {"checked": list(dict.fromkeys(checked)), "current": current, "params": full}


def _decode_param(value: object) -> object:
    return _NON_FINITE_PARAMS.get(value, value) if isinstance(value, str) else value


def _decode_view(view: dict[str, object]) -> tuple[str, bool]:
    current = _member(view, "current", str, '"view"')
    if current not in VIEWS:
        raise SessionError(f"unknown view {current!r}; expected one of {', '.join(VIEWS)}")
    return current, bool(_member(view, "log_y", bool, '"view"'))
