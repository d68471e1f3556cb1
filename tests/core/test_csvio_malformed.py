"""Every malformed file in tests/data/bad gives its own one-line message, naming the line and column at fault."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lossexplorer import csvio
from lossexplorer.csvio import ColumnMapping, CsvError, inspect_csv, read_csv

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"

BINARY_PROB = ColumnMapping("binary", "y_true", ("prob",), "probability")

# (file, mapping or None for the guess, line, column, the whole message as a regex)
MALFORMED = [
    ("non_numeric.csv", None, 17, "y_pred", r'line 17, column "y_pred": "abc" is not a number'),
    ("empty_cell.csv", None, 3, "y_pred", r'line 3, column "y_pred": empty cell'),
    ("empty_true_cell.csv", None, 3, "y_true", r'line 3, column "y_true": empty cell'),
    ("nan_cell.csv", None, 4, "y_true", r'line 4, column "y_true": "NaN" is NaN, a missing value'),
    ("inf_cell.csv", None, 3, "y_pred", r'line 3, column "y_pred": "-inf" is infinite'),
    ("overflow.csv", None, 5, "y_pred", r'line 5, column "y_pred": 1e999 overflows a 64-bit float'),
    ("ragged_short.csv", None, 4, None, r"line 4: expected 3 fields, found 2"),
    ("ragged_long.csv", None, 3, None, r"line 3: expected 3 fields, found 4"),
    ("ragged_only_two_columns.csv", None, 4, None, r"line 4: expected 2 fields, found 3"),
    ("spaces_only_row.csv", None, 3, None, r"line 3: the row holds only spaces"),
    ("unclosed_quote.csv", None, 3, None, r"line 3: a quoted field is not closed on this line"),
    ("probability_above_one.csv", None, 10, "prob", r'line 10, column "prob": probability 1.7 is outside \[0, 1\]'),
    ("probability_negative.csv", None, 3, "probability",
     r'line 3, column "probability": probability -0,2 is outside \[0, 1\]'),
    ("binary_label_two.csv", BINARY_PROB, 4, "y_true", r'line 4, column "y_true": label 2 is not 0 or 1'),
    ("binary_label_half.csv", BINARY_PROB, 3, "y_true", r'line 3, column "y_true": label 0.5 is not 0 or 1'),
    ("multiclass_label_out_of_range.csv", None, 4, "label",
     r'line 4, column "label": label 3 is not one of the classes 0, 1, 2'),
    ("multiclass_label_fraction.csv", None, 4, "label",
     r'line 4, column "label": label 1.5 is not a whole class index'),
    ("multiclass_unknown_name.csv", None, 4, "label",
     r'line 4, column "label": label "cow" is not one of the classes cat, dog'),
    ("multiclass_probability_above_one.csv", None, 3, "p_1",
     r'line 3, column "p_1": probability 1.2 is outside \[0, 1\]'),
    ("european_bad_number.csv", None, 3, "prediction", r'line 3, column "prediction": "2,5x" is not a number'),
    ("crlf_bad_cell.csv", None, 4, "y_pred", r'line 4, column "y_pred": "n/a" is not a number'),
    ("blank_lines_then_bad.csv", None, 7, "y_pred", r'line 7, column "y_pred": "six" is not a number'),
    ("hex_number.csv", None, 2, "y_pred", r'line 2, column "y_pred": "0x1F" is not a number'),
    ("header_mismatch.csv", None, 1, None, r"line 1: the header has 2 fields but the rows have 3"),
    ("undecodable.csv", None, 4, None,
     r'line 4: "undecodable.csv" is not readable text: byte 0x81 is not valid UTF-8 or cp1252'),
    ("gzip_renamed.csv", None, None, None, r'"gzip_renamed.csv" looks like a gzip file, not a CSV table'),
    ("workbook_renamed.csv", None, None, None,
     r'"workbook_renamed.csv" looks like a ZIP archive \(an .xlsx workbook is one\), not a CSV table'),
    ("saved_web_page.csv", None, None, None, r'"saved_web_page.csv" looks like an HTML page, not a CSV table'),
    ("export.json", None, None, None, r'"export.json" looks like JSON, not a CSV table'),
    ("feed.xml", None, None, None, r'"feed.xml" looks like an XML document, not a CSV table'),
    ("report.pdf.csv", None, None, None, r'"report.pdf.csv" looks like a PDF document, not a CSV table'),
    ("binary_noise.csv", None, None, None, r'"binary_noise.csv" holds binary data, not a CSV table'),
    ("control_bytes.csv", None, None, None,
     r'"control_bytes.csv" holds binary data \(control bytes\), not a CSV table'),
    ("utf16_without_bom.csv", None, None, None,
     r'"utf16_without_bom.csv" looks like UTF-16 text without a byte-order mark; save it as UTF-8'),
    ("empty.csv", None, None, None, r'"empty.csv" is empty'),
    ("blank_lines_only.csv", None, None, None, r'"blank_lines_only.csv" is empty \(only blank lines\)'),
    ("header_only.csv", None, None, None, r'"header_only.csv" has a header but no data rows'),
    ("header_then_blank_lines.csv", None, None, None, r'"header_then_blank_lines.csv" has a header but no data rows'),
    ("single_column.csv", None, None, None,
     r'"single_column.csv" has only one column: no comma, semicolon, tab or \| separates the values'),
    ("text_only.csv", None, None, None,
     r'"text_only.csv": no numeric columns to read the true values and the predictions from'),
]  # fmt: skip


# These name a line, yet skipping rows cannot get past them.
WHOLE_FILE_PROBLEMS_WITH_A_LINE = {"header_mismatch.csv", "undecodable.csv"}


def test_the_corpus_has_at_least_25_malformed_files_and_each_is_listed() -> None:
    files = {path.name for path in BAD.iterdir()}
    listed = {row[0] for row in MALFORMED}
    assert len(files) >= 25
    assert files == listed


@pytest.mark.parametrize(("name", "mapping", "line", "column", "message"), MALFORMED, ids=[row[0] for row in MALFORMED])
def test_malformed_file_gives_its_message(
    name: str, mapping: ColumnMapping | None, line: int | None, column: str | None, message: str
) -> None:
    with pytest.raises(CsvError) as caught:
        read_csv(BAD / name, mapping)
    error = caught.value
    assert re.fullmatch(message, str(error)), str(error)
    assert (error.line, error.column) == (line, column)
    assert "\n" not in str(error)
    assert error.row_problem is (line is not None and name not in WHOLE_FILE_PROBLEMS_WITH_A_LINE)


@pytest.mark.parametrize(("name", "mapping", "line", "column", "message"), MALFORMED, ids=[row[0] for row in MALFORMED])
def test_chunked_reading_gives_the_same_message(
    name: str, mapping: ColumnMapping | None, line: int | None, column: str | None, message: str
) -> None:
    with pytest.raises(CsvError, match=f"^{message}$"):
        read_csv(BAD / name, mapping, progress=lambda fraction: None)


def test_a_missing_file_is_named() -> None:
    missing = BAD / "no_such_file.csv"
    with pytest.raises(CsvError, match=f'^no such file: "{re.escape(str(missing))}"$'):
        read_csv(missing)


def test_a_folder_is_named() -> None:
    with pytest.raises(CsvError, match=f'^"{re.escape(str(BAD))}" is a folder, not a file$'):
        read_csv(BAD)


def test_an_unreadable_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.csv"
    path.write_text("y_true,y_pred\n1,2\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Tests may run as root, for whom file modes do not stop reading; so the refusal is simulated.
    monkeypatch.setattr(csvio, "open", refuse, raising=False)
    with pytest.raises(CsvError, match=f'^cannot read "{re.escape(str(path))}": permission denied$'):
        read_csv(path)


def test_a_named_pipe_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    with pytest.raises(CsvError, match="is not a regular file"):
        read_csv(path)


@pytest.mark.parametrize("name", ["gzip_renamed.csv", "saved_web_page.csv", "empty.csv", "header_only.csv"])
def test_inspect_refuses_what_is_not_a_table(name: str) -> None:
    with pytest.raises(CsvError):
        inspect_csv(BAD / name)


def test_inspect_does_not_judge_the_rows() -> None:
    preview = inspect_csv(BAD / "non_numeric.csv")
    assert preview.columns == ("y_true", "y_pred")
    assert preview.mapping is not None
