"""Read prediction tables from CSV files: sniff, parse in bulk, validate, and say exactly what is wrong.

No Qt here, and nothing heavier than numpy and the standard library, so the command line stays quick.

The reader works in three steps:

1. **Open**: refuse what is not a text table (a missing path, a folder, an empty file, gzip, ZIP, PDF, HTML,
   JSON, binary data, undecodable bytes) and decode the text (UTF-8 with or without a BOM, UTF-16 with a
   BOM, else cp1252).
2. **Sniff** a bounded sample of the first lines: the delimiter (``,`` ``;`` tab ``|``), whether the first row
   is a header, decimal commas; then guess a :class:`ColumnMapping` from the column names.
3. **Parse in bulk** with ``numpy.loadtxt`` (C-backed). When the file is clean this is the only pass over the
   data; validation is vectorised on the arrays. Only when something is wrong does the reader go back to the
   lines to find the first offending line and column (bisecting with ``loadtxt``, never looping over rows in
   Python), or, with ``skip_bad_rows``, every offending line.

Errors are :class:`CsvError` with a one-line message such as
``line 17, column "y_pred": "abc" is not a number``; lines are 1-based and the header is line 1.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import repeat
from operator import methodcaller

import numpy as np

from lossexplorer.dataset import PRED_KINDS, TASKS, Dataset

__all__ = [
    "ColumnMapping",
    "CsvError",
    "CsvPreview",
    "LoadCancelled",
    "ReadResult",
    "class_names_from_columns",
    "inspect_csv",
    "load_csv",
    "read_csv",
]

SAMPLE_CHARS = 256 * 1024
"""How much text the sniffer looks at, at most."""
SAMPLE_LINES = 200
"""How many lines the sniffer looks at, at most (the sample is bounded, never the whole file)."""
PREVIEW_ROWS = 20
"""Data rows kept as strings for the preview table."""
CHUNK_LINES = 100_000
"""Lines parsed between two progress reports when a progress or cancel callback is given."""
MAX_SKIP_EXAMPLES = 5
"""Messages kept to show which rows were skipped."""

DELIMITERS = ("\t", ";", "|", ",")  # when two split the sample equally well, the earlier wins
QUOTE = '"'

TRUE_NAMES = ("y_true", "true", "target", "label", "actual", "y", "labels", "targets", "truth", "class")
PRED_NAMES = (
    "y_pred", "pred", "prediction", "prob", "probability", "score", "yhat", "logit",
    "preds", "predictions", "predicted", "probs", "probabilities", "proba", "y_prob", "y_proba",
    "y_score", "scores", "logits", "y_logit",
)  # fmt: skip
PROBABILITY_NAMES = ("p", "prob", "probability", "probs", "probabilities", "proba", "y_prob", "y_proba")
LOGIT_NAMES = ("logit", "logits", "score", "scores", "y_score", "y_logit")
IGNORED_NAMES = ("id", "index", "idx", "row", "row_id", "sample", "sample_id", "unnamed_0", "")
CLASS_PREFIXES = (
    "probabilities", "probability", "proba", "probs", "prob", "predictions", "prediction", "preds", "pred",
    "y_pred", "y_prob", "y_proba", "y_hat", "yhat", "scores", "score", "logits", "logit", "output", "out", "p",
)  # fmt: skip


class CsvError(ValueError):
    """A file that cannot be read as a prediction table, with the place at fault.

    ``str(error)`` is one line: the place (``line 17, column "y_pred": ``) followed by the problem.

    Attributes:
        problem: What is wrong, without the place.
        line: 1-based line of the file (the header is line 1), or None when the whole file is at fault.
        column: Name of the column at fault, or None.
        row_problem: True when one data row is at fault, so reading with ``skip_bad_rows`` can get past it.
    """

    def __init__(
        self, problem: str, *, line: int | None = None, column: str | None = None, row_problem: bool = False
    ) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        self.row_problem = row_problem
        super().__init__(_place(line, column) + problem)

    def __reduce__(self) -> tuple:
        """Support pickling and copying despite the keyword-only arguments."""
        return (_rebuild_csv_error, (self.problem, self.line, self.column, self.row_problem))


def _rebuild_csv_error(problem: str, line: int | None, column: str | None, row_problem: bool) -> CsvError:
    return CsvError(problem, line=line, column=column, row_problem=row_problem)


class LoadCancelled(Exception):
    """Raised by the reader when ``should_cancel()`` returned True between two chunks."""


@dataclass(frozen=True)
class ColumnMapping:
    """Which columns of a table hold the truth and the predictions, and what the predictions are.

    Attributes:
        task: ``"regression"``, ``"binary"`` or ``"multiclass"``.
        true_column: Name of the column with the true values (multiclass: class indices or class names).
        pred_columns: One column for regression and binary, one per class for multiclass.
        pred_kind: ``"value"`` for regression, ``"probability"`` or ``"logit"`` otherwise.
        class_names: Multiclass only: one name per predicted column (default: the column-name suffixes).
    """

    task: str
    true_column: str
    pred_columns: tuple[str, ...]
    pred_kind: str
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "pred_columns", tuple(self.pred_columns))
        object.__setattr__(self, "class_names", tuple(self.class_names))
        problem = _mapping_problem(self)
        if problem:
            raise ValueError(problem)


@dataclass(frozen=True)
class CsvPreview:
    """What the sniffer found in a file, for the mapping dialog.

    Attributes:
        path: The file, as given.
        encoding: Python codec used to decode it (``utf-8``, ``utf-8-sig``, ``utf-16`` or ``cp1252``).
        delimiter: The field separator.
        has_header: Whether the first non-blank line names the columns.
        decimal_comma: Whether numbers are written with a decimal comma (``0,25``).
        columns: Column names (``column 1``, ... without a header).
        rows: Up to :data:`PREVIEW_ROWS` data rows as strings, padded or cut to ``len(columns)``.
        first_data_line: 1-based file line of ``rows[0]``.
        numeric_columns: Columns whose sampled cells are all numbers.
        mapping: The guessed mapping, or None when no sensible guess exists (see ``ambiguities``).
        ambiguities: Why the guess might be wrong, one sentence each; empty when the guess is clear.
    """

    path: str
    encoding: str
    delimiter: str
    has_header: bool
    decimal_comma: bool
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    first_data_line: int
    numeric_columns: tuple[str, ...]
    mapping: ColumnMapping | None
    ambiguities: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when the user should confirm or correct the guessed mapping."""
        return bool(self.ambiguities) or self.mapping is None

    @property
    def ambiguity(self) -> str:
        """The reasons the guess is uncertain, as one line (empty when it is not)."""
        return "; ".join(self.ambiguities)


@dataclass(frozen=True)
class ReadResult:
    """A loaded data set and what was left out of it.

    Attributes:
        dataset: The predictions read.
        n_skipped: Number of bad rows left out (only with ``skip_bad_rows=True``).
        skipped_examples: One-line messages for the first few skipped rows.
    """

    dataset: Dataset
    n_skipped: int = 0
    skipped_examples: tuple[str, ...] = ()


ProgressCallback = Callable[[float], object]
CancelCallback = Callable[[], bool]


def inspect_csv(path: str | os.PathLike[str]) -> CsvPreview:
    """Sniff a file and guess how its columns map to truth and predictions, without reading it all.

    Args:
        path: The CSV file.

    Returns:
        The layout, the first rows as strings, and the guessed mapping with any doubts about it.

    Raises:
        CsvError: If the file is missing, is not a text table, or its header does not fit its rows.
    """
    source = _open_text(path)
    layout = _sniff(source)
    guess = _guess_mapping(layout)
    numeric = tuple(name for name, flag in zip(layout.columns, layout.numeric_flags, strict=True) if flag)
    return CsvPreview(
        path=source.path,
        encoding=source.encoding,
        delimiter=layout.delimiter,
        has_header=layout.has_header,
        decimal_comma=layout.decimal_comma,
        columns=layout.columns,
        rows=layout.sample_rows[:PREVIEW_ROWS],
        first_data_line=layout.first_data_line,
        numeric_columns=numeric,
        mapping=guess.mapping,
        ambiguities=guess.reasons,
    )


def read_csv(
    path: str | os.PathLike[str],
    mapping: ColumnMapping | None = None,
    *,
    skip_bad_rows: bool = False,
    progress: ProgressCallback | None = None,
    should_cancel: CancelCallback | None = None,
) -> Dataset:
    """Read a prediction table into a :class:`~lossexplorer.dataset.Dataset`.

    This is :func:`load_csv` without the report of skipped rows.

    Args:
        path: The CSV file.
        mapping: Which columns to use; None guesses it (as :func:`inspect_csv` does, with the task and the kind
            of predictions then settled on all rows rather than the sample).
        skip_bad_rows: Leave out rows with a problem instead of raising on the first one.
        progress: Called with a fraction in [0, 1] between chunks (from the calling thread).
        should_cancel: Called between chunks; returning True raises :class:`LoadCancelled`.

    Returns:
        The data set.

    Raises:
        CsvError: With the line and column at fault, for any problem in the file.
        LoadCancelled: When ``should_cancel()`` returned True.
    """
    return load_csv(path, mapping, skip_bad_rows=skip_bad_rows, progress=progress, should_cancel=should_cancel).dataset


def load_csv(
    path: str | os.PathLike[str],
    mapping: ColumnMapping | None = None,
    *,
    skip_bad_rows: bool = False,
    progress: ProgressCallback | None = None,
    should_cancel: CancelCallback | None = None,
) -> ReadResult:
    """Read a prediction table and report the rows left out.

    Without callbacks the file is parsed in one ``numpy.loadtxt`` call straight from disk (the fastest path);
    with either callback it is parsed in chunks of :data:`CHUNK_LINES` lines, reporting and checking for
    cancellation between chunks. With ``skip_bad_rows`` every row with a problem (a non-numeric, empty or
    non-finite cell, a ragged row, a probability outside [0, 1], a label outside the classes) is left out and
    counted; problems with the file as a whole still raise.

    Args:
        path: The CSV file.
        mapping: Which columns to use; None guesses it.
        skip_bad_rows: Leave out bad rows instead of raising on the first one.
        progress: Called with a fraction in [0, 1] between chunks.
        should_cancel: Called between chunks; returning True raises :class:`LoadCancelled`.

    Returns:
        The data set, the number of rows left out and messages for the first few of them.

    Raises:
        CsvError: For any problem in the file (or, with ``skip_bad_rows``, when no good row is left).
        LoadCancelled: When ``should_cancel()`` returned True.
    """
    ticker = _Ticker(progress, should_cancel)
    ticker.report(0.0)
    source = _open_text(path)
    layout = _sniff(source)
    guess = None
    if mapping is None:
        guess = _guess_mapping(layout)
        if guess.mapping is None:
            raise CsvError(f'"{source.name}": {guess.reasons[0]}')
        mapping = guess.mapping
    plan = _Plan.build(layout, mapping)
    ticker.report(0.02)
    table = _parse_table(source, layout, plan, ticker, skip_bad_rows, refine=guess is not None)
    ticker.report(0.98)
    dataset = _assemble(table, source)
    ticker.report(1.0)
    return ReadResult(dataset, table.n_skipped, table.skipped_examples)


def class_names_from_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """Name the classes of multiclass prediction columns after what follows their shared prefix.

    ``("p_0", "p_1")`` gives ``("0", "1")`` and ``("prob_cat", "prob_dog")`` gives ``("cat", "dog")``;
    columns without a recognised prefix keep their whole names.

    Args:
        columns: The predicted-probability (or logit) columns, one per class.

    Returns:
        One class name per column.
    """
    parts = [_split_class_column(name) for name in columns]
    if all(part is not None for part in parts) and len({part[0] for part in parts}) == 1:
        return tuple(part[1] for part in parts)
    return tuple(columns)


# ---------------------------------------------------------------------------------------------------------
# Messages


def _place(line: int | None, column: str | None) -> str:
    if line is not None and column is not None:
        return f'line {line}, column "{column}": '
    if line is not None:
        return f"line {line}: "
    if column is not None:
        return f'column "{column}": '
    return ""


def _show(cell: str, limit: int = 40) -> str:
    """Return a cell as it may appear inside a one-line message: printable, and not too long."""
    if len(cell) > limit:
        cell = cell[: limit - 3] + "..."
    if not cell.isprintable():
        cell = cell.encode("unicode_escape").decode("ascii")
    return cell


def _list_names(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(_show(str(name), 20) for name in names[:limit])
    return shown + (", ..." if len(names) > limit else "")


def _mapping_problem(mapping: ColumnMapping) -> str:
    if mapping.task not in TASKS:
        return f"unknown task {mapping.task!r}; expected one of {', '.join(TASKS)}"
    if mapping.pred_kind not in PRED_KINDS:
        return f"unknown prediction kind {mapping.pred_kind!r}; expected one of {', '.join(PRED_KINDS)}"
    if (mapping.task == "regression") != (mapping.pred_kind == "value"):
        return f"{mapping.task} predictions cannot be of kind {mapping.pred_kind!r}"
    n_pred = len(mapping.pred_columns)
    if mapping.task == "multiclass" and n_pred < 2:
        return "multiclass needs one predicted column per class (at least two)"
    if mapping.task != "multiclass" and n_pred != 1:
        return f"{mapping.task} needs exactly one predicted column, got {n_pred}"
    if len(set(mapping.pred_columns)) != n_pred:
        return "a predicted column is listed twice"
    if mapping.true_column in mapping.pred_columns:
        return f'"{mapping.true_column}" cannot be both the true and a predicted column'
    if mapping.class_names and (mapping.task != "multiclass" or len(mapping.class_names) != n_pred):
        return "class names need a multiclass task and one name per predicted column"
    return ""


# ---------------------------------------------------------------------------------------------------------
# Step 1: open and decode

_MAGIC = (
    (b"\x1f\x8b", "a gzip file"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"BZh", "a bzip2 file"),
    (b"\xfd7zXZ\x00", "an xz file"),
    (b"(\xb5/\xfd", "a zstd file"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PAR1", "a Parquet file"),
    (b"ARROW1", "an Arrow file"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"\x89HDF", "an HDF5 file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls)"),
    (b"\x7fELF", "a program (ELF binary)"),
)
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".lzma", ".zip", ".zst")


class _Text:
    """A file being read: its start decoded at once, the whole text only when something needs it.

    ``head`` is the decoded start of the file (whole lines, about :data:`SAMPLE_CHARS` bytes), which is all
    the sniffer and the fast path need. ``raw`` is the whole decoded text with the file's own line endings;
    ``text`` and ``lines`` use LF only. ``encoding`` is settled on the head and may change from UTF-8 to
    cp1252 when ``raw`` meets bytes past the head that are not UTF-8.
    """

    def __init__(self, path: str, name: str, head_bytes: bytes, complete: bool) -> None:
        self.path = path
        self.name = name
        self.complete = complete
        decoded = None if complete else _decode_head(head_bytes)
        if decoded is None:
            data = head_bytes if complete else _read_all(path)
            self.complete = True
            text, self.encoding = _decode(data, name)
            self.__dict__["raw"] = text
            self.head = text
        else:
            self.head, self.encoding = decoded

    @cached_property
    def raw(self) -> str:
        text, self.encoding = _decode(_read_all(self.path), self.name)
        return text

    @cached_property
    def text(self) -> str:
        return _normalise_newlines(self.raw)

    @cached_property
    def lines(self) -> list[str]:
        lines = self.text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return lines

    @property
    def loadtxt_can_open(self) -> bool:
        """Whether numpy.loadtxt may read the file by name (its datasource decompresses by suffix)."""
        lowered = self.path.lower()
        return "://" not in self.path and not lowered.endswith(_COMPRESSED_SUFFIXES)


def _normalise_newlines(text: str) -> str:
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _open_text(path: str | os.PathLike[str]) -> _Text:
    shown = os.fspath(path)
    if not isinstance(shown, str):
        shown = os.fsdecode(shown)
    name = os.path.basename(shown.rstrip("/\\")) or shown
    head = _read_head(shown, name)
    _refuse_binary(head, name)
    # UTF-16 and UTF-32 cannot be cut at a newline byte, so such files are decoded whole at once.
    wide = any(head.startswith(bom) for bom, codec in _BOMS if codec != "utf-8-sig")
    complete = len(head) <= SAMPLE_CHARS or wide
    source = _Text(shown, name, head[:SAMPLE_CHARS] if not complete else head, complete)
    _refuse_structured_text(source.head, name)
    return source


def _read_head(path: str, name: str) -> bytes:
    """Return the first SAMPLE_CHARS + 1 bytes (one more tells whether the file is longer)."""
    if not os.path.exists(path):
        raise CsvError(f'no such file: "{path}"')
    if os.path.isdir(path):
        raise CsvError(f'"{path}" is a folder, not a file')
    if not os.path.isfile(path):
        raise CsvError(f'"{path}" is not a regular file')
    head = _read(path, SAMPLE_CHARS + 1)
    if not head:
        raise CsvError(f'"{name}" is empty')
    return head


def _read_all(path: str) -> bytes:
    return _read(path, -1)


def _read(path: str, size: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except PermissionError:
        raise CsvError(f'cannot read "{path}": permission denied') from None
    except OSError as error:
        raise CsvError(f'cannot read "{path}": {error.strerror or error}') from None


def _decode_head(head: bytes) -> tuple[str, str] | None:
    """Decode the whole lines at the start of a long file as UTF-8.

    Returns None if they are not UTF-8, or if no line ends in the head; the caller then decodes the whole file.
    """
    cut = head.rfind(b"\n") + 1
    codec = "utf-8-sig" if head.startswith(_BOMS[0][0]) else "utf-8"
    try:
        return (head[:cut].decode(codec), codec) if cut else None
    except UnicodeDecodeError:
        return None


def _refuse_binary(head: bytes, name: str) -> None:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise CsvError(f'"{name}" looks like {what}, not a CSV table')
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return
    if b"\x00" in head:
        if head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4:
            raise CsvError(f'"{name}" looks like UTF-16 text without a byte-order mark; save it as UTF-8')
        raise CsvError(f'"{name}" holds binary data, not a CSV table')
    if _CONTROL_BYTES.search(head):
        raise CsvError(f'"{name}" holds binary data (control bytes), not a CSV table')


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as error:
                raise _undecodable(raw, error, name, codec) from None
            return text.removeprefix("\ufeff"), codec
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise _undecodable(raw, error, name, "UTF-8 or cp1252") from None


def _undecodable(raw: bytes, error: UnicodeDecodeError, name: str, codec: str) -> CsvError:
    line = raw.count(b"\n", 0, error.start) + 1
    byte = raw[error.start]
    return CsvError(f'"{name}" is not readable text: byte 0x{byte:02x} is not valid {codec}', line=line)


def _refuse_structured_text(text: str, name: str) -> None:
    head = text[:4096].lstrip().lower()
    if not head:
        raise CsvError(f'"{name}" is empty (only blank lines)')
    if head.startswith("<!doctype html") or head.startswith("<html") or "<html" in head[:1024]:
        raise CsvError(f'"{name}" looks like an HTML page, not a CSV table')
    if head.startswith("<?xml"):
        raise CsvError(f'"{name}" looks like an XML document, not a CSV table')
    if head.startswith("<"):
        raise CsvError(f'"{name}" looks like markup (HTML or XML), not a CSV table')
    if head.startswith(("{", "[")):
        raise CsvError(f'"{name}" looks like JSON, not a CSV table')


# ---------------------------------------------------------------------------------------------------------
# Step 2: sniff the layout on a bounded sample

_NUMBER = re.compile(r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|infinity)", re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?")
_DOT_DECIMAL = re.compile(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?")
_EXCEL_SEP_HINT = re.compile(r"sep=(.)", re.IGNORECASE)


@dataclass(frozen=True)
class _Layout:
    """How the table is written, from the sample. ``data_start`` is the 0-based index of the first data line."""

    delimiter: str
    has_header: bool
    decimal_comma: bool
    columns: tuple[str, ...]
    data_start: int
    sample_rows: tuple[tuple[str, ...], ...]

    @property
    def n_fields(self) -> int:
        return len(self.columns)

    @property
    def first_data_line(self) -> int:
        return self.data_start + 1

    @cached_property
    def numeric_flags(self) -> tuple[bool, ...]:
        """Per column: every non-empty sampled cell is a number, and at least one is."""
        flags = []
        for j in range(self.n_fields):
            cells = [row[j].strip() for row in self.sample_rows if row[j].strip()]
            flags.append(bool(cells) and all(_is_number(c, self.decimal_comma) for c in cells))
        return tuple(flags)

    def sample_numbers(self, column: int) -> np.ndarray:
        """The sampled cells of one column as floats, NaN where a cell is not a number."""
        cells = [row[column].strip() for row in self.sample_rows]
        return np.array([_to_float(c, self.decimal_comma) for c in cells], dtype=np.float64)

    def sample_cells(self, column: int) -> list[str]:
        return [row[column].strip() for row in self.sample_rows]


def _is_number(cell: str, decimal_comma: bool) -> bool:
    if decimal_comma:
        cell = cell.replace(",", ".")
    return _NUMBER.fullmatch(cell.strip()) is not None


def _to_float(cell: str, decimal_comma: bool) -> float:
    return float(cell.replace(",", ".") if decimal_comma else cell) if _is_number(cell, decimal_comma) else np.nan


def _split_line(line: str, delimiter: str) -> list[str]:
    """Split one line into fields, honouring double quotes like numpy.loadtxt does."""
    if QUOTE not in line:
        return line.split(delimiter)
    try:
        return next(csv.reader([line], delimiter=delimiter, quotechar=QUOTE))
    except (csv.Error, StopIteration):
        return line.split(delimiter)


def _sample_lines(source: _Text) -> list[tuple[int, str]]:
    """Return (0-based line index, line) for the first non-blank lines, within the sample bounds."""
    lines = _normalise_newlines(source.head).split("\n")
    numbered = [(i, line) for i, line in enumerate(lines[: SAMPLE_LINES * 4]) if line.strip()]
    return numbered[: SAMPLE_LINES + 1]


def _sniff(source: _Text) -> _Layout:
    numbered = _sample_lines(source)
    if not numbered:
        raise CsvError(f'"{source.name}" is empty (only blank lines)')
    hint = _EXCEL_SEP_HINT.fullmatch(numbered[0][1].strip())
    forced = hint.group(1) if hint and hint.group(1) in DELIMITERS else None
    if forced:
        numbered = numbered[1:]
        if not numbered:
            raise CsvError(f'"{source.name}" holds only a "sep=" line and no table')
    lines = [line for _, line in numbered]
    delimiter = forced or _choose_delimiter(lines, source.name)
    rows = [_split_line(line, delimiter) for line in lines]
    n_fields = Counter(len(row) for row in rows).most_common(1)[0][0]
    decimal_comma = delimiter != "," and _looks_decimal_comma(rows)
    has_header = _looks_like_header(rows, decimal_comma)
    first_index = numbered[0][0]
    if has_header:
        if len(rows[0]) != n_fields:
            raise CsvError(f"the header has {len(rows[0])} fields but the rows have {n_fields}", line=first_index + 1)
        if len(rows) == 1 and not _has_text_after(source, first_index):
            raise CsvError(f'"{source.name}" has a header but no data rows')
        columns = _column_names(rows[0])
        rows = rows[1:]
    else:
        columns = tuple(f"column {j + 1}" for j in range(n_fields))
    padded = tuple(tuple((row + [""] * n_fields)[:n_fields]) for row in rows)
    data_start = first_index + 1 if has_header else first_index
    return _Layout(delimiter, has_header, decimal_comma, columns, data_start, padded)


def _choose_delimiter(lines: list[str], name: str) -> str:
    best: tuple[float, float] | None = None
    chosen = ""
    for delimiter in DELIMITERS:
        rows = [_split_line(line, delimiter) for line in lines]
        counts = Counter(len(row) for row in rows)
        n_fields, frequency = counts.most_common(1)[0]
        if n_fields < 2:
            continue
        cells = [cell.strip() for row in rows for cell in row if cell.strip()]
        numeric = sum(_is_number(c, delimiter != ",") for c in cells) / max(len(cells), 1)
        score = (frequency / len(rows), numeric)
        if best is None or score > best:
            best, chosen = score, delimiter
    if not chosen:
        raise CsvError(f'"{name}" has only one column: no comma, semicolon, tab or | separates the values')
    return chosen


def _looks_decimal_comma(rows: list[list[str]]) -> bool:
    cells = [cell.strip() for row in rows for cell in row]
    has_comma = any(_COMMA_DECIMAL.fullmatch(c) for c in cells)
    return has_comma and not any(_DOT_DECIMAL.fullmatch(c) for c in cells)


def _looks_like_header(rows: list[list[str]], decimal_comma: bool) -> bool:
    first = rows[0]
    texts = [bool(c.strip()) and not _is_number(c, decimal_comma) for c in first]
    if not any(texts):
        return False
    below = rows[1:]
    if not below or all(texts):
        return True
    for j, is_text in enumerate(texts):
        cells = [row[j].strip() for row in below if j < len(row) and row[j].strip()]
        if is_text and cells and all(_is_number(c, decimal_comma) for c in cells):
            return True
    return False


def _has_text_after(source: _Text, line_index: int) -> bool:
    rest = source.text.split("\n", line_index + 1)
    return len(rest) > line_index + 1 and bool(rest[-1].strip())


def _column_names(header: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for j, cell in enumerate(header):
        name = cell.strip().removeprefix("\ufeff").strip() or f"column {j + 1}"
        base, k = name, 2
        while name in names:
            name, k = f"{base} ({k})", k + 1
        names.append(name)
    return tuple(names)


# ---------------------------------------------------------------------------------------------------------
# Step 2b: guess the mapping from names (and, where names do not settle it, the sampled values)


def _key(name: str) -> str:
    """Normalise a column name for matching: case, spaces, dashes and dots do not matter."""
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")


def _bare(key: str) -> str:
    return key.replace("_", "")


def _rank(name: str, vocabulary: Sequence[str]) -> int | None:
    bare = _bare(_key(name))
    for rank, word in enumerate(vocabulary):
        if bare == _bare(word):
            return rank
    return None


def _name_kind(name: str) -> str | None:
    """The prediction kind a column's name announces, if any."""
    bare = _bare(_key(name))
    if bare in {_bare(w) for w in PROBABILITY_NAMES}:
        return "probability"
    if bare in {_bare(w) for w in LOGIT_NAMES}:
        return "logit"
    return None


_CLASS_COLUMN = re.compile(
    r"(?P<prefix>"
    + "|".join(re.escape(p).replace("_", r"[ _\-.]?") for p in CLASS_PREFIXES)
    + r")(?:[ _\-.:]+(?P<suffix>\S(?:.*\S)?)|(?P<digits>\d+))",
    re.IGNORECASE,
)


def _split_class_column(name: str) -> tuple[str, str] | None:
    """Split ``prob_cat`` into (``prob``, ``cat``) and ``p0`` into (``p``, ``0``); None if not a class column."""
    match = _CLASS_COLUMN.fullmatch(name.strip())
    if match is None:
        return None
    return _bare(_key(match.group("prefix"))), match.group("suffix") or match.group("digits")


@dataclass(frozen=True)
class _ClassGroup:
    prefix: str
    columns: tuple[int, ...]
    classes: tuple[str, ...]


@dataclass
class _Guess:
    mapping: ColumnMapping | None
    reasons: tuple[str, ...] = ()


def _class_groups(layout: _Layout) -> list[_ClassGroup]:
    members: dict[str, list[tuple[int, str]]] = {}
    for j, name in enumerate(layout.columns):
        split = _split_class_column(name)
        if split is not None:
            members.setdefault(split[0], []).append((j, split[1]))
    groups = [
        _ClassGroup(prefix, tuple(j for j, _ in found), tuple(c for _, c in found))
        for prefix, found in members.items()
        if len(found) >= 2 and len({c.casefold() for _, c in found}) == len(found)
    ]
    return sorted(groups, key=lambda group: group.columns[0])


def _labels_fit(layout: _Layout, column: int, group: _ClassGroup) -> bool:
    """Whether the sampled labels of ``column`` can all name a class of ``group``."""
    cells = [c for c in layout.sample_cells(column) if c]
    if not cells:
        return True
    if all(_is_number(c, layout.decimal_comma) for c in cells):
        values = np.array([_to_float(c, layout.decimal_comma) for c in cells])
        return bool(np.all(np.isin(values, _class_values(group.classes))))
    keys = {_label_key(c) for c in group.classes}
    return all(_label_key(c) in keys for c in cells)


def _label_key(label: str) -> str:
    """Class names match labels whatever their case and surrounding spaces."""
    return label.strip().lower()


def _class_values(classes: Sequence[str]) -> np.ndarray:
    """The label value of each class: its number when every class name is an integer, else its position."""
    if all(re.fullmatch(r"[-+]?\d+", c.strip()) for c in classes):
        return np.array([float(int(c)) for c in classes])
    return np.arange(len(classes), dtype=np.float64)


def _guess_mapping(layout: _Layout) -> _Guess:
    reasons: list[str] = []
    if not layout.has_header:
        reasons.append("the file has no header row, so columns were chosen by position")
    true_candidates = _candidates(layout, TRUE_NAMES)
    groups = _class_groups(layout)
    for group in groups:
        fitting = [j for j in _label_columns(layout, group, true_candidates) if _labels_fit(layout, j, group)]
        if fitting:
            return _guess_multiclass(layout, group, fitting, reasons)
    pred_candidates = [j for j in _candidates(layout, PRED_NAMES) if j not in true_candidates[:1]]
    if groups and not pred_candidates:
        # Class columns and no single prediction column: multiclass with labels that do not all fit.
        labels = _label_columns(layout, groups[0], true_candidates)
        if labels:
            shown = _list_names(groups[0].classes)
            reasons.append(f'the sampled labels of "{layout.columns[labels[0]]}" do not all name a class ({shown})')
            return _guess_multiclass(layout, groups[0], labels, reasons)
    return _guess_single(layout, true_candidates, pred_candidates, reasons)


def _label_columns(layout: _Layout, group: _ClassGroup, true_candidates: list[int]) -> list[int]:
    """Columns that may hold the labels for a class group: named ones, else any other column."""
    named = [j for j in true_candidates if j not in group.columns]
    if named:
        return named
    return [
        j for j, name in enumerate(layout.columns)
        if j not in group.columns and _key(name) not in IGNORED_NAMES
    ]  # fmt: skip


def _candidates(layout: _Layout, vocabulary: Sequence[str]) -> list[int]:
    ranked = [(_rank(name, vocabulary), j) for j, name in enumerate(layout.columns)]
    return [j for rank, j in sorted((r, j) for r, j in ranked if r is not None)]


def _guess_multiclass(layout: _Layout, group: _ClassGroup, true_candidates: list[int], reasons: list[str]) -> _Guess:
    true_column = true_candidates[0]
    if len(true_candidates) > 1:
        others = ", ".join(f'"{layout.columns[j]}"' for j in true_candidates[1:])
        reasons.append(f'several columns could hold the labels; chose "{layout.columns[true_column]}" over {others}')
    matrix = np.column_stack([layout.sample_numbers(j) for j in group.columns])
    value_kind, doubt = _multiclass_kind(matrix)
    kind = _prefix_kind(group.prefix) or value_kind
    if kind == "probability" and doubt:
        reasons.append(doubt)
    mapping = ColumnMapping(
        task="multiclass",
        true_column=layout.columns[true_column],
        pred_columns=tuple(layout.columns[j] for j in group.columns),
        pred_kind=kind,
        class_names=group.classes,
    )
    return _Guess(mapping, tuple(reasons))


def _prefix_kind(prefix: str) -> str | None:
    if prefix in {_bare(w) for w in PROBABILITY_NAMES}:
        return "probability"
    if prefix in {_bare(w) for w in LOGIT_NAMES}:
        return "logit"
    return None


def _multiclass_kind(matrix: np.ndarray) -> tuple[str, str]:
    """Probabilities if every finite row lies in [0, 1], else logits; plus a doubt to show, if any."""
    finite = matrix[np.isfinite(matrix).all(axis=1)]
    if finite.size == 0 or not np.all((finite >= 0) & (finite <= 1)):
        return "logit", ""
    if np.allclose(finite.sum(axis=1), 1.0, atol=1e-3):
        return "probability", ""
    return "probability", "the class columns are in [0, 1] but their rows do not sum to 1"


def _guess_single(
    layout: _Layout, true_candidates: list[int], pred_candidates: list[int], reasons: list[str]
) -> _Guess:
    usable = [
        j for j in range(layout.n_fields)
        if layout.numeric_flags[j] and _key(layout.columns[j]) not in IGNORED_NAMES
    ]  # fmt: skip
    true_column = _pick(layout, true_candidates, usable, [], "true values", TRUE_NAMES, reasons)
    taken = [] if true_column is None else [true_column]
    pred_column = _pick(layout, pred_candidates, usable, taken, "predictions", PRED_NAMES, reasons)
    if true_column is None or pred_column is None:
        reasons.insert(0, _too_few_columns(layout))
        return _Guess(None, tuple(reasons))
    task, kind, doubt = _binary_or_regression(
        layout.sample_numbers(true_column), layout.sample_numbers(pred_column), _name_kind(layout.columns[pred_column])
    )
    if doubt:
        reasons.append(doubt)
    mapping = ColumnMapping(task, layout.columns[true_column], (layout.columns[pred_column],), kind)
    return _Guess(mapping, tuple(reasons))


def _too_few_columns(layout: _Layout) -> str:
    numeric = [name for name, flag in zip(layout.columns, layout.numeric_flags, strict=True) if flag]
    if not numeric:
        return "no numeric columns to read the true values and the predictions from"
    return f'only one numeric column ("{numeric[0]}"); the true values and the predictions need one each'


def _pick(
    layout: _Layout,
    named: list[int],
    usable: list[int],
    taken: list[int],
    role: str,
    vocabulary: Sequence[str],
    reasons: list[str],
) -> int | None:
    named = [j for j in named if j not in taken]
    if named:
        if len(named) > 1:
            others = ", ".join(f'"{layout.columns[j]}"' for j in named[1:])
            reasons.append(f'several columns could hold the {role}; chose "{layout.columns[named[0]]}" over {others}')
        return named[0]
    free = [j for j in usable if j not in taken]
    if not free:
        return None
    if layout.has_header:
        words = ", ".join(vocabulary[:8])
        reasons.append(f'no column is named like the {role} ({words}); took "{layout.columns[free[0]]}"')
    return free[0]


def _binary_or_regression(y_true: np.ndarray, y_pred: np.ndarray, name_kind: str | None) -> tuple[str, str, str]:
    """Decide the task from the values: binary needs 0/1 labels and probabilities (or a logit-named column).

    Returns:
        (task, pred_kind, doubt), where doubt is a sentence for the user or "".
    """
    finite = np.isfinite(y_true) & np.isfinite(y_pred)
    if not finite.all():
        y_true, y_pred = y_true[finite], y_pred[finite]
    # Most regression files show non-0/1 labels within the first rows; looking there first skips a full pass.
    labels_binary = y_true.size > 0 and _all_binary(y_true[:1024]) and _all_binary(y_true)
    if not labels_binary:
        plural = {"probability": "probabilities", "logit": "logits"}.get(name_kind or "", "")
        doubt = f"the predictions are named like {plural} but the labels are not all 0 or 1" if plural else ""
        return "regression", "value", doubt
    if name_kind is not None:
        return "binary", name_kind, ""
    if y_pred.min() >= 0 and y_pred.max() <= 1:
        return "binary", "probability", ""
    return "regression", "value", "the labels are all 0 or 1 but the predictions leave [0, 1]: regression, or logits?"


# ---------------------------------------------------------------------------------------------------------
# Step 3: parse in bulk


@dataclass(frozen=True)
class _Plan:
    """Which file columns to parse and how. ``numeric`` is sorted; ``true_pos``/``pred_pos`` index into it."""

    mapping: ColumnMapping
    columns: tuple[str, ...]
    numeric: tuple[int, ...]
    true_index: int
    pred_indices: tuple[int, ...]
    labels_are_names: bool

    @classmethod
    def build(cls, layout: _Layout, mapping: ColumnMapping) -> _Plan:
        index = {name: j for j, name in enumerate(layout.columns)}
        missing = [c for c in (mapping.true_column, *mapping.pred_columns) if c not in index]
        if missing:
            raise CsvError(f'no column named "{missing[0]}" (the columns are {_list_names(layout.columns)})')
        true_index = index[mapping.true_column]
        pred_indices = tuple(index[c] for c in mapping.pred_columns)
        names = mapping.task == "multiclass" and not layout.numeric_flags[true_index]
        numeric = tuple(sorted(set(pred_indices) | (set() if names else {true_index})))
        return cls(mapping, layout.columns, numeric, true_index, pred_indices, names)

    @property
    def true_pos(self) -> int:
        return self.numeric.index(self.true_index)

    @property
    def pred_pos(self) -> list[int]:
        return [self.numeric.index(j) for j in self.pred_indices]

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.mapping.class_names or class_names_from_columns(self.mapping.pred_columns)

    def with_mapping(self, mapping: ColumnMapping) -> _Plan:
        return _Plan(mapping, self.columns, self.numeric, self.true_index, self.pred_indices, self.labels_are_names)


@dataclass
class _Table:
    """Parsed columns of the good rows. ``labels`` holds class names when the labels are names."""

    plan: _Plan
    values: np.ndarray
    labels: np.ndarray | None
    n_skipped: int = 0
    skipped_examples: tuple[str, ...] = ()


class _Ticker:
    """Progress reports and cancellation checks, both optional."""

    def __init__(self, progress: ProgressCallback | None, should_cancel: CancelCallback | None) -> None:
        self._progress = progress
        self._should_cancel = should_cancel

    @property
    def passive(self) -> bool:
        return self._progress is None and self._should_cancel is None

    def check(self) -> None:
        if self._should_cancel is not None and self._should_cancel():
            raise LoadCancelled("loading was cancelled")

    def report(self, fraction: float) -> None:
        self.check()
        if self._progress is not None:
            self._progress(min(max(float(fraction), 0.0), 1.0))


class _BulkFailed(Exception):
    """numpy.loadtxt refused the data somewhere; the reader goes back to the lines to say where."""


def _loadtxt_options(layout: _Layout, usecols: Sequence[int] | None, dtype: type | str) -> dict:
    return {
        "delimiter": layout.delimiter,
        "quotechar": QUOTE,
        "comments": None,
        "usecols": usecols,
        "dtype": dtype,
        "ndmin": 2,
    }


def _parse_table(
    source: _Text, layout: _Layout, plan: _Plan, ticker: _Ticker, skip_bad_rows: bool, refine: bool
) -> _Table:
    try:
        table = _parse_bulk(source, layout, plan, ticker)
        if refine:
            table.plan = _refined(plan, table.values)
        if _values_are_clean(table):
            return table
    except _BulkFailed:
        pass
    if not skip_bad_rows:
        raise _first_problem(source, layout, plan, refine)
    return _parse_skipping(source, layout, plan, ticker, refine)


def _parse_bulk(source: _Text, layout: _Layout, plan: _Plan, ticker: _Ticker) -> _Table:
    all_numeric = plan.numeric == tuple(range(layout.n_fields))
    usecols = None if all_numeric else plan.numeric
    from_file = ticker.passive and not layout.decimal_comma and source.loadtxt_can_open
    try:
        if from_file:
            try:
                values, labels = _from_file(source, layout, plan, usecols)
            except UnicodeDecodeError:
                source.raw  # noqa: B018 - decodes the whole file, settling its encoding (or raising CsvError)
                values, labels = _chunked(source, layout, plan, usecols, ticker)
        else:
            values, labels = _chunked(source, layout, plan, usecols, ticker)
    except CsvError:
        raise
    except (ValueError, TypeError, OverflowError, OSError) as error:
        raise _BulkFailed from error
    if values.shape[1] != len(plan.numeric):
        raise _BulkFailed  # the first row had another number of fields than the header
    if not all_numeric:
        _require_regular_structure(source, layout, values.shape[0])
    return _Table(plan, values, labels)


def _from_file(
    source: _Text, layout: _Layout, plan: _Plan, usecols: Sequence[int] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Let numpy read the file itself: the fastest path, with no copy of the text in Python."""
    options = {"skiprows": layout.data_start, "encoding": source.encoding}
    values = np.loadtxt(source.path, **options, **_loadtxt_options(layout, usecols, np.float64))
    labels = None
    if plan.labels_are_names:
        labels = np.loadtxt(source.path, **options, **_loadtxt_options(layout, [plan.true_index], str))[:, 0]
    return values, labels


def _chunked(
    source: _Text, layout: _Layout, plan: _Plan, usecols: Sequence[int] | None, ticker: _Ticker
) -> tuple[np.ndarray, np.ndarray | None]:
    lines = source.lines[layout.data_start :]
    numeric_lines = _decimal_points(lines) if layout.decimal_comma else lines
    starts = range(0, len(lines), CHUNK_LINES)
    value_parts, label_parts = [], []
    for k, start in enumerate(starts):
        ticker.report(0.05 + 0.85 * k / len(starts))
        chunk = numeric_lines[start : start + CHUNK_LINES]
        if not any(chunk):
            continue  # loadtxt warns on input without rows
        value_parts.append(np.loadtxt(chunk, **_loadtxt_options(layout, usecols, np.float64)))
        if plan.labels_are_names:
            text_chunk = lines[start : start + CHUNK_LINES]
            label_parts.append(np.loadtxt(text_chunk, **_loadtxt_options(layout, [plan.true_index], str))[:, 0])
    ticker.report(0.9)
    if not value_parts:
        raise _BulkFailed
    labels = np.concatenate(label_parts) if plan.labels_are_names else None
    return np.concatenate(value_parts), labels


def _decimal_points(lines: list[str]) -> list[str]:
    """Turn decimal commas into points, in one pass over the joined text rather than a loop over lines."""
    return "\n".join(lines).replace(",", ".").split("\n")


def _require_regular_structure(source: _Text, layout: _Layout, n_parsed: int) -> None:
    """Raise _BulkFailed if some line has another number of fields, or quotes merged lines into one row.

    loadtxt accepts extra fields when ``usecols`` is given, and reads quoted line breaks as part of a
    field; both would silently shift the rows against the file's lines.
    """
    records = _Records.build(source, layout)
    if len(records.lines) != n_parsed or _structure_problems(records.lines, layout).any():
        raise _BulkFailed


def _refined(plan: _Plan, values: np.ndarray) -> _Plan:
    """Settle a guessed task and prediction kind on all rows rather than the sample."""
    mapping = plan.mapping
    name_kind = _name_kind(mapping.pred_columns[0])
    if mapping.task == "multiclass":
        if _prefix_kind((_split_class_column(mapping.pred_columns[0]) or ("", ""))[0]) is not None:
            return plan
        kind, _ = _multiclass_kind(values[:, plan.pred_pos])
        return plan.with_mapping(_replace_mapping(mapping, pred_kind=kind))
    y_true, y_pred = values[:, plan.true_pos], values[:, plan.pred_pos[0]]
    task, kind, _ = _binary_or_regression(y_true, y_pred, name_kind)
    return plan.with_mapping(_replace_mapping(mapping, task=task, pred_kind=kind))


def _replace_mapping(mapping: ColumnMapping, **changes: str) -> ColumnMapping:
    fields_ = {
        "task": mapping.task,
        "true_column": mapping.true_column,
        "pred_columns": mapping.pred_columns,
        "pred_kind": mapping.pred_kind,
        "class_names": mapping.class_names,
    }
    fields_.update(changes)
    return ColumnMapping(**fields_)


# ---------------------------------------------------------------------------------------------------------
# Validation of parsed values (vectorised)


def _values_are_clean(table: _Table) -> bool:
    """Whether every row's values suit the task; flat checks, quicker than the per-row mask."""
    plan, values = table.plan, table.values
    if not np.isfinite(values).all():
        return False
    if plan.mapping.pred_kind == "probability":
        preds = values[:, plan.pred_pos]
        if preds.min() < 0 or preds.max() > 1:
            return False
    if plan.mapping.task == "binary":
        return _all_binary(values[:, plan.true_pos])
    if plan.mapping.task == "multiclass":
        return bool((_class_indices(table) >= 0).all())
    return True


def _all_binary(labels: np.ndarray) -> bool:
    return bool(((labels == 0) | (labels == 1)).all())


def _bad_value_rows(table: _Table) -> np.ndarray:
    """Boolean mask of rows whose values the task cannot use."""
    plan, values = table.plan, table.values
    bad = ~np.isfinite(values).all(axis=1)
    preds = values[:, plan.pred_pos]
    if plan.mapping.pred_kind == "probability":
        bad |= ((preds < 0) | (preds > 1)).any(axis=1)
    if plan.mapping.task == "binary":
        y_true = values[:, plan.true_pos]
        bad |= (y_true != 0) & (y_true != 1)
    elif plan.mapping.task == "multiclass":
        bad |= _class_indices(table) < 0
    return bad


def _class_indices(table: _Table) -> np.ndarray:
    """Class index per row, -1 where the label names no class."""
    plan = table.plan
    classes = plan.class_names
    if plan.labels_are_names:
        assert table.labels is not None
        keys = np.array([_label_key(c) for c in classes])
        return _lookup(keys, _label_keys(table.labels))
    values = _class_values(classes)
    return _lookup(values, table.values[:, plan.true_pos])


def _label_keys(labels: np.ndarray) -> np.ndarray:
    """Vectorised :func:`_label_key`."""
    return np.char.lower(np.char.strip(labels.astype(str)))


def _lookup(table_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted item in ``table_keys`` (first occurrence), -1 where absent."""
    order = np.argsort(table_keys, kind="stable")
    ordered = table_keys[order]
    slots = np.searchsorted(ordered, wanted)
    clipped = np.minimum(slots, len(ordered) - 1)
    found = ordered[clipped] == wanted
    return np.where(found, order[clipped], -1)


# ---------------------------------------------------------------------------------------------------------
# When something is wrong: back to the lines


@dataclass
class _Records:
    """The non-blank data lines (what loadtxt turns into rows) and their 1-based file line numbers."""

    lines: list[str]
    numbers: np.ndarray
    decimal_comma: bool = False

    @classmethod
    def build(cls, source: _Text, layout: _Layout) -> _Records:
        data = source.lines[layout.data_start :]
        lengths = np.fromiter(map(len, data), dtype=np.intp, count=len(data))
        keep = np.flatnonzero(lengths)
        lines = np.array(data, dtype=object)[keep].tolist() if data else []
        return cls(lines, keep + layout.data_start + 1, layout.decimal_comma)

    @cached_property
    def numeric_lines(self) -> list[str]:
        return _decimal_points(self.lines) if self.decimal_comma and self.lines else self.lines

    def subset(self, keep: np.ndarray) -> _Records:
        picked = np.array(self.lines, dtype=object)[keep].tolist() if self.lines else []
        return _Records(picked, self.numbers[keep], self.decimal_comma)


@lru_cache(maxsize=8)
def _quoted_field(delimiter: str) -> re.Pattern[str]:
    """A closed quoted field, with the delimiter (or line start) before it as group 1."""
    d = re.escape(delimiter)
    return re.compile(rf'(^|{d})"(?:[^"]|"")*"')


@lru_cache(maxsize=8)
def _open_quote(delimiter: str) -> re.Pattern[str]:
    """A quote opening a field (apply after removing closed quoted fields)."""
    return re.compile(rf'(^|{re.escape(delimiter)})"')


def _structure_problems(lines: list[str], layout: _Layout) -> np.ndarray:
    """Per line: True where the number of fields differs from the header's or a quote is left open."""
    if not lines:
        return np.zeros(0, dtype=bool)
    if not any(map(methodcaller("__contains__", QUOTE), lines)):
        return _field_counts(lines, layout.delimiter) != layout.n_fields
    # Delimiters inside quoted fields do not separate fields, so closed quoted fields are taken out first;
    # a quote still opening a field then runs past the end of its line.
    stripped = list(map(_quoted_field(layout.delimiter).sub, repeat(r"\1"), lines))
    opened = np.fromiter(map(bool, map(_open_quote(layout.delimiter).search, stripped)), bool, len(lines))
    return opened | (_field_counts(stripped, layout.delimiter) != layout.n_fields)


def _field_counts(lines: list[str], delimiter: str) -> np.ndarray:
    return np.fromiter(map(methodcaller("count", delimiter), lines), np.intp, len(lines)) + 1


def _loadtxt_accepts(lines: list[str], layout: _Layout, columns: Sequence[int]) -> bool:
    try:
        np.loadtxt(lines, **_loadtxt_options(layout, columns, np.float64))
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _first_unparsable(lines: list[str], layout: _Layout, columns: Sequence[int]) -> int | None:
    """Index of the first line loadtxt refuses, found by bisection (O(log n) loadtxt calls)."""
    if not lines or _loadtxt_accepts(lines, layout, columns):
        return None
    low, high = 0, len(lines)
    while high - low > 1:
        middle = (low + high) // 2
        if _loadtxt_accepts(lines[low:middle], layout, columns):
            low = middle
        else:
            high = middle
    return low


def _all_unparsable(lines: list[str], layout: _Layout, columns: Sequence[int], ticker: _Ticker) -> np.ndarray:
    """Boolean mask of every line loadtxt refuses, by recursive halving of the failing blocks."""
    bad = np.zeros(len(lines), dtype=bool)
    stack = [(0, len(lines))] if lines else []
    steps = 0
    while stack:
        low, high = stack.pop()
        steps += 1
        if steps % 256 == 0:
            ticker.check()
        if _loadtxt_accepts(lines[low:high], layout, columns):
            continue
        if high - low == 1:
            bad[low] = True
            continue
        middle = (low + high) // 2
        stack.extend(((middle, high), (low, middle)))
    return bad


_NUMBER_CHARACTERS = "0123456789.eE+-"


def _surely_unusable(lines: list[str], layout: _Layout, columns: Sequence[int]) -> np.ndarray:
    """Rows with an empty cell or a character no finite number has, found without bisecting.

    Many bad rows (a column of ``NA`` say) would take one bisection each; this vectorised look at the cells
    catches the common cases first. Cells it passes may still fail to parse (``1.2.3``); bisection finds those.
    Needs numpy's variable-width strings (numpy 2); older numpy leaves everything to bisection.
    """
    string_dtype = getattr(np.dtypes, "StringDType", None)
    if string_dtype is None or not lines:
        return np.zeros(len(lines), dtype=bool)
    cells = np.strings.strip(np.loadtxt(lines, **_loadtxt_options(layout, columns, string_dtype())))
    stray = np.strings.str_len(np.strings.strip(cells, _NUMBER_CHARACTERS)) > 0
    return ((cells == "") | stray).any(axis=1)


def _first_problem(source: _Text, layout: _Layout, plan: _Plan, refine: bool) -> CsvError:
    records = _Records.build(source, layout)
    if not records.lines:
        return CsvError(f'"{source.name}" has a header but no data rows')
    structure = _structure_problems(records.lines, layout)
    limit = int(np.argmax(structure)) if structure.any() else len(records.lines)
    unparsable = _first_unparsable(records.numeric_lines[:limit], layout, plan.numeric)
    if unparsable is not None:
        limit = unparsable
    if limit > 0:
        prefix = records.subset(np.arange(limit))
        table = _table_from(prefix, layout, plan)
        if refine:
            table.plan = _refined(plan, table.values)
        bad = _bad_value_rows(table)
        if bad.any():
            first = int(np.argmax(bad))
            return _describe(records.lines[first], int(records.numbers[first]), layout, table.plan)
    if limit < len(records.lines):
        return _describe(records.lines[limit], int(records.numbers[limit]), layout, plan)
    return CsvError(f'"{source.name}" could not be read as a table of numbers')


def _table_from(records: _Records, layout: _Layout, plan: _Plan) -> _Table:
    values = np.loadtxt(records.numeric_lines, **_loadtxt_options(layout, plan.numeric, np.float64))
    labels = None
    if plan.labels_are_names:
        labels = np.loadtxt(records.lines, **_loadtxt_options(layout, [plan.true_index], str))[:, 0]
    return _Table(plan, values, labels)


def _parse_skipping(source: _Text, layout: _Layout, plan: _Plan, ticker: _Ticker, refine: bool) -> _Table:
    records = _Records.build(source, layout)
    ticker.report(0.3)
    bad = _structure_problems(records.lines, layout)
    good = np.flatnonzero(~bad)
    suspects = _surely_unusable(records.subset(good).numeric_lines, layout, plan.numeric)
    bad[good[suspects]] = True
    ticker.report(0.5)
    good = good[~suspects]
    bad[good[_all_unparsable(records.subset(good).numeric_lines, layout, plan.numeric, ticker)]] = True
    ticker.report(0.7)
    kept = records.subset(np.flatnonzero(~bad))
    if not kept.lines:
        first = int(np.argmax(bad))
        example = _describe(records.lines[first], int(records.numbers[first]), layout, plan)
        raise CsvError(f"no usable rows: all {bad.size} rows have problems, the first at {example}")
    table = _table_from(kept, layout, plan)
    if refine:
        table.plan = _refined(plan, table.values)
    value_bad = _bad_value_rows(table)
    bad[np.flatnonzero(~bad)[value_bad]] = True
    if value_bad.all():
        first = int(np.argmax(bad))
        example = _describe(records.lines[first], int(records.numbers[first]), layout, table.plan)
        raise CsvError(f"no usable rows: all {bad.size} rows have problems, the first at {example}")
    table.values = table.values[~value_bad]
    table.labels = None if table.labels is None else table.labels[~value_bad]
    shown = np.flatnonzero(bad)[:MAX_SKIP_EXAMPLES]
    table.skipped_examples = tuple(
        str(_describe(records.lines[i], int(records.numbers[i]), layout, table.plan)) for i in shown
    )
    table.n_skipped = int(bad.sum())
    return table


def _describe(line: str, number: int, layout: _Layout, plan: _Plan) -> CsvError:
    """Name what is wrong with one line: its field count, or the first bad cell in file order."""
    if not line.strip():
        return CsvError("the row holds only spaces", line=number, row_problem=True)
    fields = _split_line(line, layout.delimiter)
    stripped = _quoted_field(layout.delimiter).sub(r"\1", line)
    if _open_quote(layout.delimiter).search(stripped):
        return CsvError("a quoted field is not closed on this line", line=number, row_problem=True)
    if stripped.count(layout.delimiter) + 1 != layout.n_fields:
        return CsvError(f"expected {layout.n_fields} fields, found {len(fields)}", line=number, row_problem=True)
    for j in sorted({plan.true_index, *plan.pred_indices}):
        problem = _cell_problem(fields[j], j, layout, plan)
        if problem:
            return CsvError(problem, line=number, column=layout.columns[j], row_problem=True)
    return CsvError("this row could not be read", line=number, row_problem=True)


def _cell_problem(cell: str, column: int, layout: _Layout, plan: _Plan) -> str:
    text = cell.strip()
    mapping = plan.mapping
    is_true = column == plan.true_index
    if not text:
        return "empty cell"
    if is_true and plan.labels_are_names:
        if _label_key(text) not in {_label_key(c) for c in plan.class_names}:
            return f'label "{_show(text)}" is not one of the classes {_list_names(plan.class_names)}'
        return ""
    value = _parse_cell(text.replace(",", ".") if layout.decimal_comma else text)
    if value is None:
        return f'"{_show(text)}" is not a number'
    if np.isnan(value):
        return f'"{_show(text)}" is NaN, a missing value'
    if np.isinf(value):
        if text.lstrip("+-").lower() in ("inf", "infinity"):
            return f'"{_show(text)}" is infinite'
        return f"{_show(text)} overflows a 64-bit float"
    if is_true and mapping.task == "binary" and value not in (0.0, 1.0):
        return f"label {_show(text)} is not 0 or 1"
    if is_true and mapping.task == "multiclass":
        return _index_label_problem(text, value, plan.class_names)
    if not is_true and mapping.pred_kind == "probability" and not 0.0 <= value <= 1.0:
        return f"probability {_show(text)} is outside [0, 1]"
    return ""


def _index_label_problem(text: str, value: float, classes: tuple[str, ...]) -> str:
    if value != round(value):
        return f"label {_show(text)} is not a whole class index"
    if value not in _class_values(classes):
        shown = _list_names([str(int(v)) for v in _class_values(classes)])
        return f"label {_show(text)} is not one of the classes {shown}"
    return ""


def _parse_cell(text: str) -> float | None:
    """Parse one cell exactly as the bulk parser does, so both agree on what a number is."""
    try:
        parsed = np.loadtxt([text], dtype=np.float64, delimiter="\x00", comments=None, ndmin=1)
    except (ValueError, TypeError, OverflowError):
        return None
    return float(parsed[0]) if parsed.size == 1 else None


# ---------------------------------------------------------------------------------------------------------
# Step 4: the Dataset


def _assemble(table: _Table, source: _Text) -> Dataset:
    plan = table.plan
    mapping = plan.mapping
    preds = table.values[:, plan.pred_pos]
    if mapping.task == "multiclass":
        y_true = _class_indices(table).astype(np.int64)
        y_pred = np.ascontiguousarray(preds)
        class_names = plan.class_names
    else:
        y_true = np.ascontiguousarray(table.values[:, plan.true_pos])
        y_pred = np.ascontiguousarray(preds[:, 0])
        class_names = ()
    try:
        return Dataset(
            task=mapping.task,
            y_true=y_true,
            y_pred=y_pred,
            pred_kind=mapping.pred_kind,
            true_name=mapping.true_column,
            pred_names=mapping.pred_columns,
            class_names=class_names,
            source=source.path,
        )
    except ValueError as error:
        raise CsvError(f'"{source.name}": {error}') from None
