"""The reader on the corpus of good files in tests/data: values, layouts and mapping guesses.

Every expected number below was typed from the files themselves, not taken from the reader's output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lossexplorer.csvio import (
    ColumnMapping,
    CsvError,
    class_names_from_columns,
    inspect_csv,
    load_csv,
    read_csv,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def data(name: str) -> Path:
    return DATA / name


# (file, task, pred_kind, true column, pred columns, class names, y_true, y_pred)
GOOD = [
    ("regression_comma.csv", "regression", "value", "y_true", ("y_pred",), (),
     [3.5, -1.25, 0, 12, 2.75], [3.1, -0.75, 0.5, 11.5, 3]),
    ("european_semicolon_cp1252.csv", "regression", "value", "target", ("prediction",), (),
     [12.5, -3.25, 0.5, 1000.125], [11.75, -2.5, 1, 999.5]),
    ("regression_tab.tsv", "regression", "value", "actual", ("yhat",), (), [1.5, 2.5, -4], [1.0, 3.0, -3.5]),
    ("regression_pipe.txt", "regression", "value", "y", ("pred",), (), [10, 20, 30], [9.5, 21, 30.25]),
    ("quoted_fields.csv", "regression", "value", "y_true", ("y_pred",), (), [1.5, 2, -0.5], [1.25, 2.5, 0]),
    ("crlf_windows.csv", "regression", "value", "y_true", ("y_pred",), (), [1, 2, 3], [1.5, 1.5, 3.5]),
    ("utf8_bom_binary.csv", "binary", "probability", "label", ("prob",), (), [0, 1, 1, 0], [0.1, 0.85, 0.6, 0.3]),
    ("extra_columns.csv", "regression", "value", "y_true", ("y_pred",), (), [0.25, 0.75, 1.25], [0.5, 0.5, 1]),
    ("binary_probabilities.csv", "binary", "probability", "label", ("prob",), (),
     [0, 1, 1, 0, 1, 0], [0.05, 0.95, 0.4, 0.7, 1, 0]),
    ("binary_logits.csv", "binary", "logit", "y_true", ("logit",), (), [0, 1, 1, 0], [-2.5, 3.25, -0.5, 1.75]),
    ("multiclass_index.csv", "multiclass", "probability", "label", ("p_0", "p_1", "p_2"), ("0", "1", "2"),
     [0, 2, 1, 2], [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25], [0.05, 0.05, 0.9]]),
    ("multiclass_names.csv", "multiclass", "probability", "label", ("prob_cat", "prob_dog", "prob_bird"),
     ("cat", "dog", "bird"), [0, 1, 2, 1], [[0.8, 0.15, 0.05], [0.1, 0.7, 0.2], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]]),
    ("multiclass_logits.csv", "multiclass", "logit", "target", ("logit_0", "logit_1", "logit_2"), ("0", "1", "2"),
     [0, 1, 2], [[2, -1, 0.5], [-0.5, 1.5, 0], [0, 0, 3]]),
    ("no_header.csv", "regression", "value", "column 1", ("column 2",), (), [0.5, 1.5, -2], [0.25, 2, -1.5]),
    ("excel_sep_hint.csv", "regression", "value", "y_true", ("y_pred",), (), [1.5, 2], [1, 2.5]),
    ("blank_lines.csv", "regression", "value", "y_true", ("y_pred",), (), [1, 3, 5], [2, 4, 6]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "task", "kind", "true", "preds", "classes", "y_true", "y_pred"), GOOD)
def test_good_file_gives_the_values_written_in_it(name, task, kind, true, preds, classes, y_true, y_pred) -> None:
    dataset = read_csv(data(name))
    assert dataset.task == task
    assert dataset.pred_kind == kind
    assert dataset.true_name == true
    assert dataset.pred_names == preds
    assert dataset.class_names == classes
    np.testing.assert_array_equal(dataset.y_true, np.array(y_true, dtype=float))
    np.testing.assert_array_equal(dataset.y_pred, np.array(y_pred, dtype=float))
    assert dataset.source == str(data(name))


@pytest.mark.parametrize(("name", "task", "kind", "true", "preds", "classes", "y_true", "y_pred"), GOOD)
def test_the_chunked_path_agrees_with_the_fast_path(name, task, kind, true, preds, classes, y_true, y_pred) -> None:
    reported: list[float] = []
    dataset = read_csv(data(name), progress=reported.append, should_cancel=lambda: False)
    np.testing.assert_array_equal(dataset.y_true, np.array(y_true, dtype=float))
    np.testing.assert_array_equal(dataset.y_pred, np.array(y_pred, dtype=float))
    assert reported[-1] == 1.0
    assert reported == sorted(reported)


def test_multiclass_labels_are_int64_indices() -> None:
    dataset = read_csv(data("multiclass_names.csv"))
    assert dataset.y_true.dtype == np.int64
    assert dataset.y_pred.shape == (4, 3)


@pytest.mark.parametrize(
    ("name", "delimiter", "encoding", "has_header", "decimal_comma"),
    [
        ("regression_comma.csv", ",", "utf-8", True, False),
        ("european_semicolon_cp1252.csv", ";", "cp1252", True, True),
        ("regression_tab.tsv", "\t", "utf-8", True, False),
        ("regression_pipe.txt", "|", "utf-8", True, False),
        ("utf8_bom_binary.csv", ",", "utf-8-sig", True, False),
        ("no_header.csv", ",", "utf-8", False, False),
        ("excel_sep_hint.csv", ";", "utf-8", True, True),
    ],
)
def test_layout_is_sniffed(name: str, delimiter: str, encoding: str, has_header: bool, decimal_comma: bool) -> None:
    preview = inspect_csv(data(name))
    assert preview.delimiter == delimiter
    assert preview.encoding == encoding
    assert preview.has_header is has_header
    assert preview.decimal_comma is decimal_comma


def test_preview_holds_names_and_rows_as_written() -> None:
    preview = inspect_csv(data("european_semicolon_cp1252.csv"))
    assert preview.columns == ("Nr.", "Beschreibung", "target", "prediction")
    assert preview.rows[1] == ("2", "Größe Süd", "-3,25", "-2,5")
    assert preview.first_data_line == 2
    assert preview.numeric_columns == ("Nr.", "target", "prediction")


def test_preview_unquotes_fields_and_strips_the_bom() -> None:
    quoted = inspect_csv(data("quoted_fields.csv"))
    assert quoted.columns == ("id", "comment", "y_true", "y_pred")
    assert quoted.rows[1] == ("a2", 'she said "no"', "2", "2.5")
    assert inspect_csv(data("utf8_bom_binary.csv")).columns[:2] == ("patient", "Température")


def test_preview_is_capped_at_twenty_rows(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("y_true,y_pred\n" + "".join(f"{i},{i + 1}\n" for i in range(50)))
    preview = inspect_csv(path)
    assert len(preview.rows) == 20
    assert preview.rows[19] == ("19", "20")


@pytest.mark.parametrize(
    ("name", "mapping"),
    [
        ("binary_probabilities.csv", ColumnMapping("binary", "label", ("prob",), "probability")),
        ("binary_logits.csv", ColumnMapping("binary", "y_true", ("logit",), "logit")),
        ("extra_columns.csv", ColumnMapping("regression", "y_true", ("y_pred",), "value")),
        (
            "multiclass_index.csv",
            ColumnMapping("multiclass", "label", ("p_0", "p_1", "p_2"), "probability", ("0", "1", "2")),
        ),
        (
            "multiclass_names.csv",
            ColumnMapping(
                "multiclass", "label", ("prob_cat", "prob_dog", "prob_bird"), "probability", ("cat", "dog", "bird")
            ),
        ),
    ],
)
def test_clear_files_get_a_confident_guess(name: str, mapping: ColumnMapping) -> None:
    preview = inspect_csv(data(name))
    assert preview.mapping == mapping
    assert not preview.ambiguous
    assert preview.ambiguity == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0.5,0.25\n1.5,2\n", "no header row"),
        ("label,target,prob\n0,1,0.5\n1,0,0.25\n", 'chose "target" over "label"'),
        ("y_true,y_pred\n0,2.5\n1,-1\n1,3\n", "regression, or logits"),
        ("a,b\n1.5,2\n2.5,3\n", "no column is named like the true values"),
        ("y_true,prob\n3,0.5\n7,0.25\n", "named like probabilities"),
        ("label,p_0,p_1\n0,0.5,0.25\n1,0.5,0.25\n", "do not sum to 1"),
    ],
)
def test_doubtful_guesses_are_flagged_with_a_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "doubt.csv"
    path.write_text(text)
    preview = inspect_csv(path)
    assert preview.ambiguous
    assert reason in preview.ambiguity


def test_no_usable_columns_means_no_mapping(tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("name,city\nAda,London\n")
    preview = inspect_csv(path)
    assert preview.mapping is None
    assert preview.ambiguous
    with pytest.raises(CsvError, match="no numeric columns"):
        read_csv(path)


def test_guess_ignores_an_id_column_when_names_do_not_help(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id,a,b\n1,0.5,0.75\n2,1.5,1.25\n")
    mapping = inspect_csv(path).mapping
    assert mapping is not None
    assert (mapping.true_column, mapping.pred_columns) == ("a", ("b",))


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("y_true,score", "logit"),
        ("y_true,logits", "logit"),
        ("Y True,Probability", "probability"),
        ("target,y_proba", "probability"),
    ],
)
def test_prediction_names_decide_probability_or_logit(tmp_path: Path, header: str, kind: str) -> None:
    path = tmp_path / "kind.csv"
    path.write_text(f"{header}\n0,0.25\n1,0.75\n")
    dataset = read_csv(path)
    assert (dataset.task, dataset.pred_kind) == ("binary", kind)


def test_unnamed_predictions_outside_the_unit_interval_are_regression(tmp_path: Path) -> None:
    path = tmp_path / "zero_one_targets.csv"
    path.write_text("y_true,y_pred\n0,-0.5\n1,1.5\n")
    assert read_csv(path).task == "regression"


def test_guess_on_all_rows_overrides_the_sample(tmp_path: Path) -> None:
    # The first 300 labels are 0/1 and the predictions in [0, 1]; row 302 shows this is regression.
    lines = ["y_true,y_pred"] + [f"{i % 2},0.5" for i in range(300)] + ["7.5,8.25"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    assert inspect_csv(path).mapping.task == "binary"
    dataset = read_csv(path)
    assert dataset.task == "regression"
    assert dataset.y_true[-1] == 7.5


def test_multiclass_logit_kind_is_guessed_from_values(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("label,out_a,out_b\na,2.5,-1\nb,-0.5,0.5\n")
    dataset = read_csv(path)
    assert (dataset.task, dataset.pred_kind, dataset.class_names) == ("multiclass", "logit", ("a", "b"))
    np.testing.assert_array_equal(dataset.y_true, [0, 1])


def test_numeric_class_suffixes_map_labels_by_value(tmp_path: Path) -> None:
    path = tmp_path / "one_based.csv"
    path.write_text("class,p1,p2,p3\n3,0.1,0.2,0.7\n1,0.8,0.1,0.1\n")
    dataset = read_csv(path)
    np.testing.assert_array_equal(dataset.y_true, [2, 0])
    assert dataset.class_names == ("1", "2", "3")


def test_a_given_mapping_is_used_as_is() -> None:
    mapping = ColumnMapping("regression", "prob", ("label",), "value")
    dataset = read_csv(data("binary_probabilities.csv"), mapping)
    assert dataset.task == "regression"
    np.testing.assert_array_equal(dataset.y_true, [0.05, 0.95, 0.4, 0.7, 1, 0])


def test_a_given_multiclass_mapping_may_rename_classes() -> None:
    mapping = ColumnMapping("multiclass", "label", ("p_0", "p_1", "p_2"), "logit", ("zero", "one", "two"))
    dataset = read_csv(data("multiclass_index.csv"), mapping)
    assert dataset.class_names == ("zero", "one", "two")
    assert dataset.pred_kind == "logit"
    np.testing.assert_array_equal(dataset.y_true, [0, 2, 1, 2])


def test_a_given_mapping_naming_a_missing_column_is_refused() -> None:
    mapping = ColumnMapping("regression", "y_true", ("y_hat",), "value")
    with pytest.raises(CsvError, match='no column named "y_hat"'):
        read_csv(data("regression_comma.csv"), mapping)


def test_load_csv_reports_nothing_skipped_on_a_good_file() -> None:
    result = load_csv(data("regression_comma.csv"), skip_bad_rows=True)
    assert (result.n_skipped, result.skipped_examples) == (0, ())
    assert result.dataset.n_rows == 5


@pytest.mark.parametrize(
    ("columns", "names"),
    [
        (("p_0", "p_1"), ("0", "1")),
        (("prob_cat", "prob_dog"), ("cat", "dog")),
        (("Prob Cat", "Prob Dog"), ("Cat", "Dog")),
        (("p0", "p1", "p2"), ("0", "1", "2")),
        (("logit-a", "logit-b"), ("a", "b")),
        (("alpha", "beta"), ("alpha", "beta")),
        (("p_0", "prob_1"), ("p_0", "prob_1")),
    ],
)
def test_class_names_come_from_column_suffixes(columns: tuple[str, ...], names: tuple[str, ...]) -> None:
    assert class_names_from_columns(columns) == names


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("clustering", "y", ("p",), "value"), "unknown task"),
        (("regression", "y", ("p",), "odds"), "unknown prediction kind"),
        (("regression", "y", ("p",), "probability"), "cannot be of kind"),
        (("binary", "y", ("p",), "value"), "cannot be of kind"),
        (("binary", "y", ("p", "q"), "logit"), "exactly one predicted column"),
        (("multiclass", "y", ("p",), "logit"), "at least two"),
        (("multiclass", "y", ("p", "p"), "logit"), "listed twice"),
        (("regression", "y", ("y",), "value"), "both the true and a predicted column"),
        (("multiclass", "y", ("p", "q"), "logit", ("a",)), "one name per predicted column"),
    ],
)
def test_column_mapping_refuses_inconsistent_choices(arguments: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ColumnMapping(*arguments)
