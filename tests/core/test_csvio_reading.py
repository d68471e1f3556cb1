"""The reader's behaviour around the corpus: progress and cancel callbacks, skipping bad rows, big files,
line numbers past the sniffed sample, encodings, and a round-trip property."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossexplorer import csvio
from lossexplorer.csvio import ColumnMapping, CsvError, LoadCancelled, load_csv, read_csv


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def numbered_rows(count: int, start: int = 0) -> str:
    """Rows ``i,i+0.5`` for i = start .. start+count-1: easy to check by hand."""
    return "".join(f"{i},{i}.5\n" for i in range(start, start + count))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(csvio, "CHUNK_LINES", 10)
    return 10


# ----------------------------------------------------------------------------------------------- callbacks


def test_progress_rises_to_one_between_chunks(tmp_path: Path, small_chunks: int) -> None:
    path = write(tmp_path / "rows.csv", "y_true,y_pred\n" + numbered_rows(95))
    reported: list[float] = []
    dataset = read_csv(path, progress=reported.append)
    assert dataset.n_rows == 95
    assert reported == sorted(reported)
    assert reported[0] == 0.0 and reported[-1] == 1.0
    assert all(0.0 <= fraction <= 1.0 for fraction in reported)
    assert len(reported) >= 10, "one report per chunk of 10 lines"


def test_cancel_between_chunks_raises_load_cancelled(tmp_path: Path, small_chunks: int) -> None:
    path = write(tmp_path / "rows.csv", "y_true,y_pred\n" + numbered_rows(95))
    asked: list[int] = []

    def cancel_on_fifth_question() -> bool:
        asked.append(1)
        return len(asked) == 5

    with pytest.raises(LoadCancelled):
        read_csv(path, should_cancel=cancel_on_fifth_question)
    assert len(asked) == 5, "stops at the first yes"


def test_cancel_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(LoadCancelled):
        read_csv(tmp_path / "not even there.csv", should_cancel=lambda: True)


def test_cancel_reaches_the_search_for_bad_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every other row is bad, so skipping them takes many small parses; the cancel must get through.
    rows = "".join(f"{i},{'x' if i % 2 else i}\n" for i in range(4000))
    path = write(tmp_path / "many_bad.csv", "y_true,y_pred\n" + rows)
    asked: list[int] = []

    def cancel_late() -> bool:
        asked.append(1)
        return len(asked) > 6

    with pytest.raises(LoadCancelled):
        read_csv(path, skip_bad_rows=True, should_cancel=cancel_late)


def test_callbacks_are_not_needed(tmp_path: Path) -> None:
    path = write(tmp_path / "rows.csv", "y_true,y_pred\n" + numbered_rows(3))
    np.testing.assert_array_equal(read_csv(path).y_pred, [0.5, 1.5, 2.5])


# ----------------------------------------------------------------------------------------------- skip bad rows

MIXED = """id,label,prob
1,0,0.25
2,1,abc
3,1,0.75,extra
4,0,
5,1,nan
6,0,1.5
7,2,0.5
8,1,0.5
9,0,0.125
"""


def test_skip_bad_rows_keeps_the_good_ones_and_counts_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.csv", MIXED)
    mapping = ColumnMapping("binary", "label", ("prob",), "probability")
    result = load_csv(path, mapping, skip_bad_rows=True)
    np.testing.assert_array_equal(result.dataset.y_true, [0, 1, 0])
    np.testing.assert_array_equal(result.dataset.y_pred, [0.25, 0.5, 0.125])
    assert result.n_skipped == 6
    assert result.skipped_examples == (
        'line 3, column "prob": "abc" is not a number',
        "line 4: expected 3 fields, found 4",
        'line 5, column "prob": empty cell',
        'line 6, column "prob": "nan" is NaN, a missing value',
        'line 7, column "prob": probability 1.5 is outside [0, 1]',
    )


def test_without_skipping_the_first_bad_row_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.csv", MIXED)
    with pytest.raises(CsvError, match=r'^line 3, column "prob": "abc" is not a number$'):
        read_csv(path, ColumnMapping("binary", "label", ("prob",), "probability"))


def test_skip_bad_rows_in_the_chunked_path(tmp_path: Path, small_chunks: int) -> None:
    rows = "".join(f"{i},{'oops' if i % 7 == 3 else i}\n" for i in range(50))
    path = write(tmp_path / "sparse_bad.csv", "y_true,y_pred\n" + rows)
    result = load_csv(path, skip_bad_rows=True, progress=lambda fraction: None)
    kept = [i for i in range(50) if i % 7 != 3]
    np.testing.assert_array_equal(result.dataset.y_true, kept)
    np.testing.assert_array_equal(result.dataset.y_pred, kept)
    assert result.n_skipped == 50 - len(kept)
    assert result.skipped_examples[0] == 'line 5, column "y_pred": "oops" is not a number'


def test_skip_bad_rows_on_multiclass_names(tmp_path: Path) -> None:
    text = "label,prob_cat,prob_dog\ncat,0.75,0.25\ncow,0.5,0.5\ndog,0.25,0.75\n"
    path = write(tmp_path / "animals.csv", text)
    mapping = ColumnMapping("multiclass", "label", ("prob_cat", "prob_dog"), "probability")
    result = load_csv(path, mapping, skip_bad_rows=True)
    np.testing.assert_array_equal(result.dataset.y_true, [0, 1])
    assert result.skipped_examples == ('line 3, column "label": label "cow" is not one of the classes cat, dog',)


def test_skipping_every_row_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "hopeless.csv", "y_true,y_pred\n1,a\n2,b\n")
    with pytest.raises(
        CsvError, match=r'^no usable rows: all 2 rows have problems, the first at line 2, column "y_pred"'
    ):
        read_csv(path, skip_bad_rows=True)


def test_skipping_does_not_excuse_a_file_that_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CsvError, match="is empty"):
        read_csv(path, skip_bad_rows=True)


# ----------------------------------------------------------------------------------------------- line numbers


def test_the_first_problem_in_file_order_wins(tmp_path: Path) -> None:
    # A NaN on line 4 comes before a word on line 6 even though the parser trips on the word first.
    path = write(tmp_path / "two.csv", "y_true,y_pred\n1,1\n2,2\n3,nan\n4,4\n5,five\n")
    with pytest.raises(CsvError, match=r'^line 4, column "y_pred"'):
        read_csv(path)
    path = write(tmp_path / "three.csv", "id,y_true,y_pred\n1,1,1\n2,2,2,2\n3,nan,3\n")
    with pytest.raises(CsvError, match=r"^line 3: expected 3 fields, found 4$"):
        read_csv(path)


@pytest.mark.parametrize("chunked", [False, True])
def test_line_numbers_far_past_the_sample(tmp_path: Path, chunked: bool) -> None:
    lines = "y_true,y_pred\n" + numbered_rows(4998) + "4998,bad\n" + numbered_rows(10, 4999)
    path = write(tmp_path / "long.csv", lines)
    progress = (lambda fraction: None) if chunked else None
    with pytest.raises(CsvError, match=r'^line 5000, column "y_pred": "bad" is not a number$'):
        read_csv(path, progress=progress)


@pytest.mark.parametrize("bad_line", [11, 12, 21, 22])
def test_line_numbers_at_chunk_edges(tmp_path: Path, small_chunks: int, bad_line: int) -> None:
    rows = [f"{i},{i}" for i in range(40)]
    rows[bad_line - 2] = f"{bad_line},inf"
    path = write(tmp_path / "edges.csv", "y_true,y_pred\n" + "\n".join(rows) + "\n")
    with pytest.raises(CsvError, match=rf'^line {bad_line}, column "y_pred": "inf" is infinite$'):
        read_csv(path, progress=lambda fraction: None)


def test_blank_lines_before_the_header_count(tmp_path: Path) -> None:
    path = write(tmp_path / "leading.csv", "\n\ny_true,y_pred\n1,2\n\n3,x\n")
    with pytest.raises(CsvError, match=r'^line 6, column "y_pred": "x" is not a number$'):
        read_csv(path)


def test_old_mac_line_endings(tmp_path: Path) -> None:
    path = write(tmp_path / "mac.csv", "y_true,y_pred\r1,2\r3,4\r5,z\r")
    with pytest.raises(CsvError, match=r'^line 4, column "y_pred": "z" is not a number$'):
        read_csv(path)
    write(path, "y_true,y_pred\r1,2\r3,4\r")
    np.testing.assert_array_equal(read_csv(path).y_true, [1, 3])


def test_ragged_rows_hidden_behind_unused_columns_are_found(tmp_path: Path) -> None:
    # The used columns are all there in every row; only the field count gives line 3 away.
    path = write(tmp_path / "extra.csv", "y_true,y_pred,note\n1,2,a\n3,4,b,c\n5,6,d\n")
    with pytest.raises(CsvError, match=r"^line 3: expected 3 fields, found 4$"):
        read_csv(path)


def test_quoted_delimiters_do_not_count_as_fields(tmp_path: Path) -> None:
    path = write(tmp_path / "quoted.csv", 'note,y_true,y_pred\n"a, b",1,2\n"c ""d"", e",3,4\n')
    np.testing.assert_array_equal(read_csv(path).y_pred, [2, 4])


# ----------------------------------------------------------------------------------------------- encodings


def test_utf16_with_a_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "wide.csv", "\ufeffy_true\ty_pred\n1\t2.5\n", encoding="utf-16-le")
    np.testing.assert_array_equal(read_csv(path).y_pred, [2.5])


def test_cp1252_past_the_sample_switches_the_encoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvio, "SAMPLE_CHARS", 64)
    text = "city,y_true,y_pred\n" + "".join(f"Town {i},{i},{i + 1}\n" for i in range(20)) + "Café,7,8\n"
    path = write(tmp_path / "late_accent.csv", text, encoding="cp1252")
    dataset = read_csv(path)
    assert dataset.n_rows == 21
    assert (dataset.y_true[-1], dataset.y_pred[-1]) == (7, 8)


def test_undecodable_byte_past_the_sample_names_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvio, "SAMPLE_CHARS", 64)
    data = b"y_true,y_pred\n" + numbered_rows(30).encode() + b"1,\x81\n"
    path = tmp_path / "late_garbage.csv"
    path.write_bytes(data)
    with pytest.raises(CsvError, match=r"^line 32: .* byte 0x81 is not valid UTF-8 or cp1252$"):
        read_csv(path)


def test_a_long_first_line_cut_inside_a_character(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvio, "SAMPLE_CHARS", 64)
    header = "é" * 40 + ",y_true,y_pred"  # 80 bytes of two-byte characters and no line break in the sample
    path = write(tmp_path / "wide_header.csv", header + "\n1,2,3\n")
    dataset = read_csv(path, ColumnMapping("regression", "y_true", ("y_pred",), "value"))
    np.testing.assert_array_equal(dataset.y_true, [2])


# ----------------------------------------------------------------------------------------------- the error type


def test_csv_error_keeps_its_place_through_pickling() -> None:
    error = CsvError('"abc" is not a number', line=17, column="y_pred", row_problem=True)
    assert str(error) == 'line 17, column "y_pred": "abc" is not a number'
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.line, copy.column, copy.problem) == (str(error), 17, "y_pred", error.problem)
    assert copy.row_problem is True
    assert isinstance(error, ValueError)
    assert not issubclass(LoadCancelled, ValueError)


def test_long_or_unprintable_cells_stay_on_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", "y_true,y_pred\n1,\u2028" + "x" * 100 + "\n")
    with pytest.raises(CsvError) as caught:
        read_csv(path)
    message = str(caught.value)
    assert message.isprintable() and len(message) < 120


# ----------------------------------------------------------------------------------------------- round trip

FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def written_tables(draw: st.DrawFn) -> tuple[bytes, np.ndarray]:
    """A regression table written the way some tool might, with the values it holds."""
    values = np.array(draw(st.lists(st.tuples(FINITE, FINITE), min_size=1, max_size=25)), dtype=np.float64)
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    decimal_comma = delimiter == ";" and draw(st.booleans())
    quote = draw(st.sampled_from(["", '"']))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    with_id = draw(st.booleans())

    def cell(value: float) -> str:
        text = repr(float(value))
        return quote + (text.replace(".", ",") if decimal_comma else text) + quote

    header = (["id"] if with_id else []) + ["y_true", "y_pred"]
    lines = [delimiter.join(header)]
    for i, (truth, prediction) in enumerate(values):
        lines.append(delimiter.join(([f"row{i}"] if with_id else []) + [cell(truth), cell(prediction)]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return (newline.join(lines) + newline).encode(encoding), values


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(written_tables(), st.booleans())
def test_written_values_come_back_exactly(tmp_path: Path, table: tuple[bytes, np.ndarray], chunked: bool) -> None:
    data, values = table
    path = tmp_path / "round_trip.csv"
    path.write_bytes(data)
    mapping = ColumnMapping("regression", "y_true", ("y_pred",), "value")
    dataset = read_csv(path, mapping, progress=(lambda fraction: None) if chunked else None)
    np.testing.assert_array_equal(dataset.y_true, values[:, 0])
    np.testing.assert_array_equal(dataset.y_pred, values[:, 1])
