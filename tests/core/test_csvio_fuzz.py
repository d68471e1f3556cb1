"""Fuzzing the CSV reader: whatever the bytes, it answers with data, CsvError or (when asked to) LoadCancelled."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossexplorer.csvio import ColumnMapping, CsvError, LoadCancelled, inspect_csv, load_csv, read_csv
from lossexplorer.dataset import Dataset

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def write(data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="csvio_fuzz_"))
    path = folder / "fuzz.csv"
    path.write_bytes(data)
    return path


def read_or_refuse(path: Path, **options) -> Dataset | None:
    """Read ``path``; a CsvError is a fine answer, anything else fails the test."""
    try:
        result = load_csv(path, **options)
    except CsvError as error:
        assert "\n" not in str(error), "messages are one line"
        assert str(error)
        return None
    assert result.dataset.n_rows > 0
    return result.dataset


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_give_data_or_csv_error(data: bytes) -> None:
    path = write(data)
    read_or_refuse(path)
    read_or_refuse(path, skip_bad_rows=True)
    with contextlib.suppress(CsvError):
        inspect_csv(path)


CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-5, 5).map(str),
    st.sampled_from(["", " ", "abc", "nan", "1e999", "-0", "0x1F", "1,5", '"2"', '"a,b"', '"', "é", "cat", "p_0"]),
    st.text(max_size=6),
)
NAMES = st.sampled_from(["y_true", "y_pred", "label", "prob", "logit", "p_0", "p_1", "prob_cat", "id", "text", ""])


@st.composite
def tables(draw: st.DrawFn) -> bytes:
    """Tables that are nearly right: a header of plausible names, rows of numbers and the odd stray cell."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 5))
    header = [draw(NAMES) for _ in range(width)]
    n_rows = draw(st.integers(0, 8))
    rows = [[draw(CELLS) for _ in range(draw(st.integers(width - 1, width + 1)))] for _ in range(n_rows)]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 2]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(tables())
def test_random_tables_give_data_or_csv_error(data: bytes) -> None:
    path = write(data)
    dataset = read_or_refuse(path)
    if dataset is not None:
        assert np.isfinite(dataset.y_pred).all()
        assert np.isfinite(dataset.y_true).all()
    skipped = read_or_refuse(path, skip_bad_rows=True)
    if dataset is not None:
        assert skipped is not None and skipped.n_rows == dataset.n_rows


@FUZZ
@given(tables(), st.sampled_from(["regression", "binary", "multiclass"]))
def test_random_tables_with_a_given_mapping_give_data_or_csv_error(data: bytes, task: str) -> None:
    path = write(data)
    preds = ("p_0", "p_1") if task == "multiclass" else ("y_pred",)
    kind = "value" if task == "regression" else "probability"
    mapping = ColumnMapping(task, "y_true", preds, kind)
    for skip in (False, True):
        try:
            load_csv(path, mapping, skip_bad_rows=skip)
        except CsvError as error:
            assert "\n" not in str(error)


@FUZZ
@given(tables(), st.integers(0, 3))
def test_a_cancel_request_is_obeyed_at_once(data: bytes, allowed_checks: int) -> None:
    path = write(data)
    answers: list[bool] = []

    def should_cancel() -> bool:
        answers.append(len(answers) >= allowed_checks)
        return answers[-1]

    try:
        read_csv(path, should_cancel=should_cancel, skip_bad_rows=True)
    except LoadCancelled:
        assert answers[-1], "cancelled only when asked"
        assert answers.count(True) == 1, "stopped at the first request"
    except CsvError:
        assert not any(answers)
    else:
        assert not any(answers)
