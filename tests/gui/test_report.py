"""The PDF report: its numbers against hand-worked values, its layout, and the headless entry point."""

import math
import os
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import numpy as np
import pytest
from PySide6.QtGui import QImage

from lossexplorer import atomic, losses
from lossexplorer.dataset import Dataset
from lossexplorer.gui.export import ExportError
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.report import _Block, _flow, format_params, report_content, write_report

# Four rows with errors 1, −1, 3 and 0 (y_true is all zeros).
TOY = Dataset("regression", np.zeros(4), np.array([1.0, -1.0, 3.0, 0.0]), source="/data/toy model.csv")
TOY_LOSSES = ["mean_squared_error", "mean_absolute_error", "huber", "log_cosh"]
# By hand: MSE (1 + 1 + 9 + 0)/4; MAE (1 + 1 + 3 + 0)/4; Huber(δ=1.5) (½ + ½ + 1.5·(3 − 0.75) + 0)/4;
# log-cosh (2·log cosh 1 + log cosh 3)/4.
TOY_MEANS = {
    "mean_squared_error": 2.75,
    "mean_absolute_error": 1.25,
    "huber": 1.09375,
    "log_cosh": (2 * math.log(math.cosh(1.0)) + math.log(math.cosh(3.0))) / 4,
}


def pdftotext(path, layout=False):
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is needed to check PDFs (Debian/Ubuntu: apt-get install poppler-utils)"
    options = ["-layout"] if layout else []
    text = subprocess.run([tool, *options, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return normal(text)


def normal(text):
    # NFKC undoes ligatures (ﬂ) and superscripts alike on both sides; whitespace runs become one space.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def pdf_info(path):
    text = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", text).group(1))
    return pages, re.search(r"Page size:\s+(.*)", text).group(1)


@pytest.fixture(scope="module")
def toy_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "toy report.pdf"
    written = write_report(TOY, [*TOY_LOSSES, "binary_crossentropy"], {"huber": {"delta": 1.5}}, path)
    return written, pdftotext(written)


# ----- what the report says -------------------------------------------------------------------------------
def test_content_means_match_hand_worked_values():
    content = report_content(TOY, TOY_LOSSES, {"huber": {"delta": 1.5}},
                             now=datetime(2026, 3, 4, 5, 6, tzinfo=timezone.utc))
    assert [row.loss_id for row in content.rows] == TOY_LOSSES
    for row in content.rows:
        assert row.mean == pytest.approx(TOY_MEANS[row.loss_id], rel=1e-12)
    assert content.n_rows == 4
    assert content.date == "2026-03-04 05:06 UTC"
    assert content.task_text == "regression (predicted values)"


def test_content_skips_losses_of_other_tasks_and_ignores_from_logits():
    data = Dataset("binary", np.array([1.0, 0.0]), np.array([2.0, -1.0]), "logit")
    content = report_content(data, ["huber", "binary_crossentropy"],
                             {"binary_crossentropy": {"from_logits": False, "label_smoothing": 0.0}})
    assert content.skipped == ("huber",)
    # BCE on logits z with labels y: log(1 + e^−z) for y = 1, log(1 + e^z) for y = 0
    expected = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0))) / 2
    assert content.rows[0].mean == pytest.approx(expected, rel=1e-9)
    assert "from_logits = true" in content.rows[0].params_text
    assert "logits" in content.task_text


def test_content_refuses_when_no_loss_applies():
    with pytest.raises(ValueError, match="none of the chosen losses applies to regression data"):
        report_content(TOY, ["binary_crossentropy"], None)


def test_parameters_read_as_name_value_pairs():
    assert format_params({"delta": 1.5}) == "delta = 1.5"
    assert format_params({"apply_class_balancing": True, "gamma": 2.0}) == "apply_class_balancing = true, gamma = 2"
    assert format_params({}) == "—"


# ----- the PDF --------------------------------------------------------------------------------------------
def test_report_is_a4_and_numbers_its_pages(toy_report):
    path, text = toy_report
    pages, size = pdf_info(path)
    assert "A4" in size
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_report_names_the_data_and_the_task(toy_report):
    path, text = toy_report
    for words in ("Loss report", "toy model.csv", "/data/toy model.csv", "regression (predicted values)"):
        assert words in text
    side_by_side = pdftotext(path, layout=True)
    assert "Data source /data/toy model.csv" in side_by_side
    assert "Task regression (predicted values)" in side_by_side
    assert "Rows 4 " in side_by_side
    assert re.search(r"Date \d{4}-\d\d-\d\d \d\d:\d\d", side_by_side)


def test_report_table_holds_the_hand_worked_means(toy_report):
    _path, text = toy_report
    assert "Mean over 4 rows" in text
    for loss_id, mean in TOY_MEANS.items():
        name = losses.REGISTRY[loss_id].display_name
        assert name in text
        assert f"{mean:.6g}" in text, f"{name}: {mean:.6g} not in the report"
    assert "delta = 1.5" in text


def test_report_says_which_losses_it_left_out(toy_report):
    _path, text = toy_report
    assert "do not apply to this task: Binary cross-entropy" in text


def test_report_has_every_plot_of_the_view_and_every_formula(toy_report):
    _path, text = toy_report
    window = MainWindow(TOY)
    try:
        titles = [title for title, _widget in window.views()[window.current_view_name()].plot_widgets()]
    finally:
        window.deleteLater()
    assert titles
    for number, title in enumerate(titles, start=1):
        assert normal(f"Figure {number}. {title}") in text
    assert "Formulas" in text
    for loss_id in TOY_LOSSES:
        spec = losses.REGISTRY[loss_id]
        assert normal(spec.formula_text) in text
        assert normal(spec.use_when.rstrip(".")) in text


def test_report_from_the_window_action_on_logit_data(qtbot, tmp_path):
    data = Dataset("binary", np.array([1.0, 0.0, 1.0]), np.array([2.0, -1.0, 0.0]), "logit", source="logits.csv")
    window = MainWindow(data)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.loss_state.set_checked_ids(["binary_crossentropy", "hinge"])
    window.export_actions.choose_path = lambda caption, suggested, filters: str(tmp_path / "r.pdf")
    errors = []
    window.export_actions.show_error = errors.append
    window.export_actions.export_report_action.trigger()
    assert errors == []
    text = pdftotext(tmp_path / "r.pdf")
    bce = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0)) + math.log(2.0)) / 3
    # hinge on the logits with labels ±1: max(0, 1 − 2), max(0, 1 − 1), max(0, 1 − 0)
    hinge = (0.0 + 0.0 + 1.0) / 3
    assert f"{bce:.6g}" in text and f"{hinge:.6g}" in text
    assert "predicted logits" in text


def test_window_report_covers_only_the_losses_of_the_datas_task(qtbot, tmp_path):
    window = MainWindow(TOY)
    qtbot.addWidget(window)
    window.loss_state.set_checked_ids(["mean_squared_error", "binary_crossentropy", "hinge"])
    errors = []
    window.export_actions.choose_path = lambda caption, suggested, filters: str(tmp_path / "r.pdf")
    window.export_actions.show_error = errors.append
    window.export_actions.export_report_action.trigger()
    text = pdftotext(tmp_path / "r.pdf")
    assert errors == []
    assert "Mean squared error" in text and "2.75" in text
    # Classification losses stay checked for the other view; they are neither in the table nor listed.
    assert "Binary cross-entropy" not in text and "Hinge" not in text


def test_window_report_with_no_applicable_loss_says_what_to_do(qtbot, tmp_path):
    window = MainWindow(TOY)
    qtbot.addWidget(window)
    window.loss_state.set_checked_ids(["binary_crossentropy"])
    errors = []
    window.export_actions.choose_path = lambda caption, suggested, filters: str(tmp_path / "r.pdf")
    window.export_actions.show_error = errors.append
    window.export_actions.export_report_action.trigger()
    assert errors == ["no checked loss applies to regression data: check one in the Losses panel"]
    assert os.listdir(tmp_path) == []


def test_report_into_missing_folder_fails_in_one_line_and_writes_nothing(tmp_path):
    with pytest.raises(ExportError) as caught:
        write_report(TOY, TOY_LOSSES, None, tmp_path / "absent" / "r.pdf")
    assert "\n" not in str(caught.value) and "does not exist" in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_failed_report_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "r.pdf"
    target.write_bytes(b"%PDF- the old report")

    def failing_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(ExportError, match="disk is full"):
        write_report(TOY, TOY_LOSSES, None, target)
    monkeypatch.undo()
    assert target.read_bytes() == b"%PDF- the old report"
    assert os.listdir(tmp_path) == ["r.pdf"]


def test_report_with_no_applicable_loss_writes_nothing(tmp_path):
    with pytest.raises(ExportError, match="none of the chosen losses applies"):
        write_report(TOY, ["hinge"], None, tmp_path / "r.pdf")
    assert os.listdir(tmp_path) == []


# ----- PNG and SVG out paths write the main plot -------------------------------------------------------------
def test_png_out_path_writes_the_main_plot_sharp(tmp_path):
    path = write_report(TOY, TOY_LOSSES, None, tmp_path / "main.png")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1440, 960)
    assert image.dotsPerMeterX() == round(192 / 0.0254)


def test_svg_out_path_writes_the_main_plot_as_vector(tmp_path):
    path = write_report(TOY, TOY_LOSSES, None, tmp_path / "main.svg")
    root = ET.parse(path).getroot()
    svg = "{http://www.w3.org/2000/svg}"
    texts = " ".join("".join(element.itertext()) for element in root.iter(f"{svg}text"))
    window = MainWindow(TOY)
    try:
        main_title = window.views()[window.current_view_name()].plot_widgets()[0][1].getPlotItem().titleLabel.text
    finally:
        window.deleteLater()
    assert main_title and main_title in texts
    assert root.find(f"{svg}title").text == window.views()["regression"].plot_widgets()[0][0]


def test_unknown_out_extension_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"use a \.png, \.svg or \.pdf"):
        write_report(TOY, TOY_LOSSES, None, tmp_path / "r.docx")
    assert os.listdir(tmp_path) == []


# ----- page flow ---------------------------------------------------------------------------------------------
class Box(_Block):
    def __init__(self, height):
        self.height = height


def test_flow_keeps_a_heading_with_what_follows_and_breaks_pages():
    title, heading, table, figure = Box(300), Box(30), Box(500), Box(400)
    placed = _flow([[title], [heading, table], [figure]], page_height=1000)
    pages = {id(block): page for page, _top, block in placed}
    # title (300) + heading (30) + table (500) fit on page 1; the figure (400) does not and moves on.
    assert pages[id(title)] == pages[id(heading)] == pages[id(table)] == 0
    assert pages[id(figure)] == 1
    placed = _flow([[Box(700)], [heading, table]], page_height=1000)
    pages = {id(block): page for page, _top, block in placed}
    assert pages[id(heading)] == pages[id(table)] == 1  # the heading is not left alone at the foot of page 1
