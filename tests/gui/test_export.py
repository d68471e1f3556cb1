"""Plot export (PNG, SVG, PDF), per-row CSV export and the File ▸ Export actions."""

import csv
import io
import math
import os
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from lossexplorer import atomic
from lossexplorer.dataset import Dataset
from lossexplorer.demo import demo_dataset
from lossexplorer.gui import export
from lossexplorer.gui.export import ExportError, export_per_row_csv, export_plots, per_row_csv_text
from lossexplorer.gui.mainwindow import MainWindow
from lossexplorer.gui.plot_style import Crosshair, curve_pen, make_plot

SVG = "{http://www.w3.org/2000/svg}"
BLUE = QColor("#0072B2")  # the palette colour of mean_squared_error
VERMILLION = QColor("#D55E00")  # mean_absolute_error


def pdftotext(path):
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is needed to check PDFs (Debian/Ubuntu: apt-get install poppler-utils)"
    text = subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    # NFKC undoes the ligatures (ﬂ, ﬁ) the PDF fonts use, so words compare as typed.
    return unicodedata.normalize("NFKC", text)


def pdf_pages(path):
    text = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", text).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", text)
    return pages, (float(size.group(1)), float(size.group(2)))


def make_loss_plot(qtbot, title):
    widget = make_plot(title, "error (y_pred − y_true)", "loss", title.replace(" ", "_"))
    x = np.linspace(-3.0, 3.0, 301)
    widget.plot(x, x**2, pen=curve_pen("mean_squared_error"), name="MSE")
    widget.plot(x, np.abs(x), pen=curve_pen("mean_absolute_error"), name="MAE")
    widget.resize(640, 420)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    settle(qtbot, widget)
    return widget


def settle(qtbot, widget):
    """Wait until repaints stop changing the plot: axis widths and the auto-range settle after the first paints."""
    ranges = []

    def stable():
        widget.grab()
        ranges.append(widget.getPlotItem().viewRange())
        return len(ranges) > 1 and ranges[-1] == ranges[-2]

    qtbot.waitUntil(stable)


@pytest.fixture
def plots(qtbot):
    return [make_loss_plot(qtbot, "Loss vs error"), make_loss_plot(qtbot, "Gradient vs error")]


def count_near(image, color, tolerance=40):
    """Pixels within ``tolerance`` (per channel) of ``color``: a vectorised look at the picture."""
    converted = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height = converted.width(), converted.height()
    raw = np.frombuffer(converted.constBits(), dtype=np.uint8).reshape(height, converted.bytesPerLine())
    pixels = raw[:, : width * 4].reshape(height, width, 4).astype(int)
    target = np.array([color.blue(), color.green(), color.red()])
    return int(np.all(np.abs(pixels[:, :, :3] - target) <= tolerance, axis=2).sum())


def leftovers(folder):
    return [name for name in os.listdir(folder) if name.endswith(".part")]


# ----- PNG --------------------------------------------------------------------------------------------------
def test_png_has_the_asked_size_and_shows_both_curves(plots, tmp_path):
    path = export_plots(plots[:1], tmp_path / "plot.png", size=QSize(900, 560))
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (900, 560)
    # Both curves drawn: hundreds of pixels in each palette colour, and not a blank picture.
    assert count_near(image, BLUE) > 300
    assert count_near(image, VERMILLION) > 200
    assert count_near(image, QColor("white"), tolerance=3) < 900 * 560 * 0.97


def test_png_at_192_dpi_doubles_the_pixels_and_stores_the_resolution(plots, tmp_path):
    plain = QImage(str(export_plots(plots[:1], tmp_path / "a.png")))
    sharp = QImage(str(export_plots(plots[:1], tmp_path / "b.png", dpi=192)))
    assert (sharp.width(), sharp.height()) == (2 * plain.width(), 2 * plain.height())
    assert sharp.dotsPerMeterX() == round(192 / 0.0254)
    # Lines scale with the resolution: the blue curve covers about four times as many pixels.
    ratio = count_near(sharp, BLUE) / count_near(plain, BLUE)
    assert 2.5 < ratio < 6.0


def test_png_default_size_is_the_plot_on_screen(plots, tmp_path):
    image = QImage(str(export_plots(plots[:1], tmp_path / "plot.png")))
    assert (image.width(), image.height()) == (plots[0].width(), plots[0].height())


def test_png_of_two_plots_puts_them_side_by_side(plots, tmp_path):
    image = QImage(str(export_plots(plots, tmp_path / "both.png", size=QSize(1200, 400))))
    assert (image.width(), image.height()) == (1200, 400)
    left, right = image.copy(0, 0, 600, 400), image.copy(600, 0, 600, 400)
    assert count_near(left, BLUE) > 200
    assert count_near(right, BLUE) > 200


def test_export_leaves_the_plot_on_screen_as_it_was(plots, tmp_path):
    item = plots[0].getPlotItem()
    geometry, view_range = item.geometry(), item.viewRange()
    export_plots(plots[:1], tmp_path / "big.png", size=QSize(1600, 300))
    assert item.geometry() == geometry
    assert item.viewRange() == view_range


def test_the_mouse_crosshair_stays_out_of_exports(plots, tmp_path):
    crosshair = Crosshair(plots[0], "error", "loss")
    for item in (crosshair.vertical, crosshair.horizontal, crosshair.readout):
        item.setVisible(True)  # as while the mouse is over the plot, e.g. right-click > Export…
    crosshair.show_at(QPointF(1.25, 4.5))
    root = ET.parse(export_plots(plots[:1], tmp_path / "plot.svg")).getroot()
    texts = " ".join("".join(element.itertext()) for element in root.iter(f"{SVG}text"))
    assert "Loss vs error" in texts
    assert "error = 1.25" not in texts
    assert crosshair.readout.isVisible() and crosshair.vertical.isVisible()  # back on screen afterwards


@pytest.mark.parametrize("size", [QSize(8, 100), QSize(100, 30000)])
def test_png_size_out_of_range_is_refused(plots, tmp_path, size):
    with pytest.raises(ExportError, match="out of range"):
        export_plots(plots[:1], tmp_path / "plot.png", size=size)
    assert os.listdir(tmp_path) == []


# ----- SVG --------------------------------------------------------------------------------------------------
def svg_path_points(element):
    return len(re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", element.get("d", ""))) // 2


def test_svg_is_valid_xml_with_the_curves_and_titles(plots, tmp_path):
    path = export_plots(plots, tmp_path / "plots.svg")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    long_paths = [element for element in root.iter(f"{SVG}path") if svg_path_points(element) >= 150]
    # Two curves per plot, each of 301 points, are drawn as long paths.
    assert len(long_paths) >= 4
    strokes = {element.get("stroke", "").lower() for element in long_paths}
    strokes |= {parent.get("stroke", "").lower() for parent in root.iter(f"{SVG}g")
                if any(svg_path_points(child) >= 150 for child in parent.iter(f"{SVG}path"))}
    assert "#0072b2" in strokes and "#d55e00" in strokes
    texts = " ".join("".join(element.itertext()) for element in root.iter(f"{SVG}text"))
    assert "Loss vs error" in texts and "Gradient vs error" in texts
    assert "MSE" in texts and "MAE" in texts


def numbers_of(text):
    return np.array(re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text), dtype=float)


def bar_plot(qtbot):
    widget = make_plot("Share of the total", "row", "share (%)", "bars")
    widget.addItem(pg.BarGraphItem(x=np.arange(1, 9), height=np.arange(8.0) ** 2, width=0.6,
                                   brush="#0072B2", pen=pg.mkPen("#ffffff", cosmetic=True)))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_svg_strokes_need_no_renderer_support_for_non_scaling_stroke(plots, qtbot, tmp_path):
    # librsvg, cairosvg and Inkscape ignore vector-effect: a 2 px pen under a data-to-picture scale of
    # hundreds would become a blob (or, for bars, a white outline hiding the bar). Every stroked shape
    # must therefore sit under unscaled transforms only.
    root = ET.parse(export_plots([*plots, bar_plot(qtbot)], tmp_path / "plots.svg")).getroot()
    parents = {child: parent for parent in root.iter() for child in parent}
    stroked = [element for element in root.iter() if element.get("vector-effect") == "non-scaling-stroke"]
    assert len(stroked) > 20
    for element in stroked:
        ancestor = parents.get(element)
        while ancestor is not None:
            matrix = numbers_of(ancestor.get("transform", "matrix(1,0,0,1,0,0)"))
            assert matrix[:4] == pytest.approx([1, 0, 0, 1]), ancestor.get("transform")
            ancestor = parents.get(ancestor)


def test_svg_clips_hide_nothing_entirely(plots, tmp_path):
    # Qt's SVG engine can leave a text label's clip rectangle on later items, hiding axes and legend
    # lines in every viewer that honours clip paths. Each clipped shape must overlap its clip rectangle.
    root = ET.parse(export_plots(plots, tmp_path / "plots.svg")).getroot()
    parents = {child: parent for parent in root.iter() for child in parent}
    clip_boxes = {}
    for clip in root.iter(f"{SVG}clipPath"):
        corners = numbers_of(clip.find(f"{SVG}path").get("d")).reshape(-1, 2)
        clip_boxes[clip.get("id")] = (corners.min(axis=0), corners.max(axis=0))
    checked = 0
    for element in root.iter():
        if element.tag not in (f"{SVG}polyline", f"{SVG}path") or parents[element].tag == f"{SVG}clipPath":
            continue
        ancestor, clip_id = parents.get(element), None
        while ancestor is not None and clip_id is None:
            clip_id = (ancestor.get("clip-path") or "")[5:-1] or None
            ancestor = parents.get(ancestor)
        if clip_id is None or element.get("vector-effect") != "non-scaling-stroke":
            continue
        points = numbers_of(element.get("points") or element.get("d")).reshape(-1, 2)
        low, high = clip_boxes[clip_id]
        inside = np.all((points >= low - 1) & (points <= high + 1), axis=1)
        crosses = (points.min(axis=0) <= high).all() and (points.max(axis=0) >= low).all()
        assert inside.any() or crosses, f"{element.tag} at {points[:2].tolist()} hidden by clip {low}..{high}"
        checked += 1
    assert checked >= 4  # at least the four curves, clipped to their plot areas


def test_svg_heat_map_cells_stay_sharp(qtbot, tmp_path):
    widget = make_plot("Per-row losses", "row", "loss", "heat")
    widget.addItem(pg.ImageItem(np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]), levels=(0, 5)))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    root = ET.parse(export_plots([widget], tmp_path / "heat.svg", size=QSize(600, 400))).getroot()
    images = list(root.iter(f"{SVG}image"))
    assert len(images) == 1
    href = next(value for key, value in images[0].attrib.items() if key.endswith("href"))
    picture = QImage.fromData(QByteArray.fromBase64(href.split(",", 1)[1].encode()), "PNG")
    # The 3×2 cells are enlarged by repetition to about their size on the page, so renderers that smooth
    # images (librsvg) still show six flat cells: no colour but the six original ones.
    assert picture.width() >= 150 and picture.height() >= 100
    rgb = picture.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(rgb.constBits(), dtype=np.uint32)[: rgb.width() * rgb.height()]
    assert len(np.unique(raw)) == 6
    assert images[0].get("image-rendering") == "optimizeSpeed"


def test_svg_renders_to_a_picture_with_the_curves(plots, tmp_path):
    path = export_plots(plots[:1], tmp_path / "plot.svg", size=QSize(640, 420))
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    image = QImage(640, 420, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, 640, 420))
    painter.end()
    assert count_near(image, BLUE) > 300


# ----- PDF --------------------------------------------------------------------------------------------------
def test_pdf_has_one_vector_page_per_plot_with_its_text(plots, tmp_path):
    path = export_plots(plots, tmp_path / "plots.pdf", size=QSize(640, 400))
    pages, (width, height) = pdf_pages(path)
    assert pages == 2
    assert (width, height) == pytest.approx((640 * 0.75, 400 * 0.75), abs=0.6)
    text = pdftotext(path)
    for words in ("Loss vs error", "Gradient vs error", "MSE", "MAE", "loss"):
        assert words in text
    assert path.read_bytes().startswith(b"%PDF-")
    # Vector, not a picture of the plot: no image objects in the file.
    assert b"/Subtype /Image" not in path.read_bytes()


# ----- failures leave nothing behind ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["plot.png", "plot.svg", "plot.pdf"])
def test_export_into_missing_folder_fails_in_one_line(plots, tmp_path, name):
    target = tmp_path / "no such folder" / name
    with pytest.raises(ExportError) as caught:
        export_plots(plots[:1], target)
    message = str(caught.value)
    assert "\n" not in message and "does not exist" in message and "no such folder" in message
    assert os.listdir(tmp_path) == []


def test_export_into_unwritable_folder_fails_and_leaves_old_file(plots, tmp_path, monkeypatch):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old picture")
    real_open = os.open

    def refusing_open(path, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, mode, *args, **kwargs)

    # Tests run as root here, where chmod cannot make a folder unwritable; the kernel's refusal is simulated.
    monkeypatch.setattr(atomic.os, "open", refusing_open)
    with pytest.raises(ExportError, match="is not writable"):
        export_plots(plots[:1], target)
    monkeypatch.undo()
    assert target.read_bytes() == b"old picture"
    assert leftovers(tmp_path) == []


def test_failure_while_writing_keeps_the_old_file(plots, tmp_path, monkeypatch):
    target = tmp_path / "plot.svg"
    target.write_text("<svg>old</svg>")

    class DiskFull:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("builtins.open", lambda *args, **kwargs: DiskFull())
    with pytest.raises(ExportError, match="disk is full"):
        export_plots(plots[:1], target)
    monkeypatch.undo()
    assert target.read_text() == "<svg>old</svg>"
    assert leftovers(tmp_path) == []


def test_unknown_extension_is_refused(plots, tmp_path):
    with pytest.raises(ExportError, match=r"\.jpg.*use a \.png, \.svg or \.pdf"):
        export_plots(plots[:1], tmp_path / "plot.jpg")
    assert os.listdir(tmp_path) == []


def test_grid_shapes():
    assert [(export.grid_shape(n).rows, export.grid_shape(n).cols) for n in (1, 2, 3, 4, 5, 7)] == [
        (1, 1), (1, 2), (2, 2), (2, 2), (2, 3), (3, 3)]
    with pytest.raises(ExportError):
        export.grid_shape(0)


# ----- per-row CSV ------------------------------------------------------------------------------------------
def read_csv_text(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_per_row_csv_regression_matches_hand_worked_losses(tmp_path):
    data = Dataset("regression", np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.0, 4.0]), source="toy.csv")
    path = export_per_row_csv(data, ["mean_squared_error", "mean_absolute_error", "huber"],
                              {"huber": {"delta": 1.0}}, tmp_path / "rows.csv")
    header, rows = read_csv_text(path.read_text())
    assert header == ["row", "y_true", "y_pred", "mean_squared_error", "mean_absolute_error", "huber"]
    values = np.array(rows, dtype=float)
    np.testing.assert_array_equal(values[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(values[:, 1:3], [[0, 0.5], [1, 1], [2, 4]])
    # errors 0.5, 0, 2: squared 0.25, 0, 4; absolute 0.5, 0, 2; Huber(1): ½·0.25, 0, 1·(2 − ½)
    np.testing.assert_allclose(values[:, 3], [0.25, 0.0, 4.0], rtol=1e-12)
    np.testing.assert_allclose(values[:, 4], [0.5, 0.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(values[:, 5], [0.125, 0.0, 1.5], rtol=1e-12)


def test_per_row_csv_binary_cross_entropy_and_numbers_round_trip():
    y_pred = np.array([0.8, 0.4, 0.1234567890123456])
    data = Dataset("binary", np.array([1.0, 0.0, 1.0]), y_pred, "probability", true_name="label",
                   pred_names=("prob",))
    header, rows = read_csv_text(per_row_csv_text(data, ["binary_crossentropy", "huber"]))
    # huber does not apply to binary data and is left out
    assert header == ["row", "label", "prob", "binary_crossentropy"]
    values = np.array(rows, dtype=float)
    np.testing.assert_array_equal(values[:, 2], y_pred)  # exact round trip of every digit
    expected = [-math.log(0.8), -math.log(0.6), -math.log(0.1234567890123456)]
    np.testing.assert_allclose(values[:, 3], expected, rtol=1e-6)


def test_per_row_csv_multiclass_names_classes_and_quotes_awkward_names():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.25, 0.5, 0.25]])
    data = Dataset("multiclass", np.array([0, 2]), probabilities, "probability", true_name="label",
                   pred_names=("p_cat", "p_dog", "p_bird"), class_names=("cat", 'dog, "big"', "bird"))
    header, rows = read_csv_text(per_row_csv_text(data, ["categorical_crossentropy"]))
    assert header == ["row", "label", "true_class", "p_cat", "p_dog", "p_bird", "categorical_crossentropy"]
    assert [row[2] for row in rows] == ["cat", "bird"]
    np.testing.assert_allclose([float(row[-1]) for row in rows], [-math.log(0.7), -math.log(0.25)], rtol=1e-6)


def test_per_row_csv_with_no_applicable_loss_says_so(tmp_path):
    data = demo_dataset("regression")
    with pytest.raises(ExportError, match="no checked loss applies to regression data"):
        export_per_row_csv(data, ["binary_crossentropy"], None, tmp_path / "rows.csv")
    assert os.listdir(tmp_path) == []


# ----- the window's File ▸ Export -------------------------------------------------------------------------
class Answers:
    """Stands in for the dialogs: returns prepared answers and records what was asked."""

    def __init__(self, path="", png=None):
        self.path, self.png, self.errors, self.asked = path, png, [], []

    def install(self, actions):
        actions.choose_path = self.choose_path
        actions.choose_png_options = self.choose_png
        actions.show_error = self.errors.append

    def choose_path(self, caption, suggested, filters):
        self.asked.append((caption, suggested, filters))
        return str(self.path)

    def choose_png(self, default_size):
        self.asked.append(("png", default_size))
        return self.png


@pytest.fixture
def window(shown_window):
    return shown_window


def test_export_menu_has_the_four_actions_with_shortcuts(window):
    actions = window.export_actions
    texts = [action.text() for action in actions.menu.actions()]
    assert texts == ["Export &Plot…", "Export &All Plots…", "Export &Report (PDF)…", "Export Per-Row &Losses (CSV)…"]
    assert actions.export_report_action.shortcut().toString() == "Ctrl+E"
    assert actions.export_plot_action.shortcut().toString() == "Ctrl+Shift+E"
    assert actions.menu.menuAction() in window.menu("File").actions()


def test_export_plot_action_writes_png_at_the_chosen_size(window, tmp_path):
    answers = Answers(tmp_path / "plot.png", png=(QSize(800, 500), 96.0))
    answers.install(window.export_actions)
    window.export_actions.export_plot_action.trigger()
    image = QImage(str(tmp_path / "plot.png"))
    assert (image.width(), image.height()) == (800, 500)
    assert answers.errors == []
    assert answers.asked[0][1].endswith(".png") and "demo_regression" in answers.asked[0][1]


def test_export_all_plots_action_writes_a_pdf_page_per_plot(window, tmp_path):
    Answers(tmp_path / "all.pdf").install(window.export_actions)
    window.export_actions.export_all_action.trigger()
    pages, _size = pdf_pages(tmp_path / "all.pdf")
    plots = window.views()[window.current_view_name()].plot_widgets()
    assert pages == len(plots)
    text = pdftotext(tmp_path / "all.pdf")
    assert all(widget.getPlotItem().titleLabel.text in text for _title, widget in plots
               if widget.getPlotItem().titleLabel.text)


def test_export_plot_adds_the_extension_of_the_chosen_kind(window, tmp_path):
    Answers(tmp_path / "picture").install(window.export_actions)
    window.export_actions.choose_png_options = lambda size: (size, 96.0)
    window.export_actions.export_plot_action.trigger()
    assert QImage(str(tmp_path / "picture.png")).width() > 0


def test_cancelled_dialogs_write_nothing(window, tmp_path):
    Answers("").install(window.export_actions)
    window.export_actions.export_report_action.trigger()
    window.export_actions.export_csv_action.trigger()
    assert window.export_actions.csv_job is None
    answers = Answers(tmp_path / "plot.png", png=None)
    answers.install(window.export_actions)
    window.export_actions.export_plot_action.trigger()
    assert os.listdir(tmp_path) == []
    assert answers.errors == []


def test_failed_export_shows_one_line_and_leaves_nothing(window, qtbot, tmp_path):
    answers = Answers(tmp_path / "missing" / "rows.csv")
    answers.install(window.export_actions)
    with qtbot.waitSignal(window.export_actions.csv_export_finished, timeout=10000) as finished:
        window.export_actions.export_csv_action.trigger()
    assert finished.args == [None]
    assert len(answers.errors) == 1
    assert "\n" not in answers.errors[0] and "does not exist" in answers.errors[0]
    assert os.listdir(tmp_path) == []


def test_csv_action_writes_the_checked_losses_of_the_window(window, qtbot, tmp_path):
    Answers(tmp_path / "rows.csv").install(window.export_actions)
    window.loss_state.set_checked_ids(["mean_squared_error", "mean_absolute_error"])
    with qtbot.waitSignal(window.export_actions.csv_export_finished, timeout=10000) as finished:
        window.export_actions.export_csv_action.trigger()
    assert finished.args == [tmp_path / "rows.csv"]
    assert window.statusBar().currentMessage() == f"Per-row losses written to {tmp_path / 'rows.csv'}"
    header, rows = read_csv_text((tmp_path / "rows.csv").read_text())
    assert header[-2:] == ["mean_squared_error", "mean_absolute_error"]
    values = np.array(rows, dtype=float)
    data = window.model.dataset()
    assert len(rows) == data.n_rows
    np.testing.assert_allclose(values[:, -2], (data.y_pred - data.y_true) ** 2, rtol=1e-12)
    np.testing.assert_allclose(values[:, -1], np.abs(data.y_pred - data.y_true), rtol=1e-12)


def test_csv_action_on_logit_data_ignores_the_panels_from_logits(qtbot, tmp_path):
    logits = np.array([2.0, -1.0, 0.0])
    main = MainWindow(Dataset("binary", np.array([1.0, 0.0, 1.0]), logits, "logit", source="logits.csv"))
    qtbot.addWidget(main)
    Answers(tmp_path / "rows.csv").install(main.export_actions)
    main.loss_state.set_checked_ids(["binary_crossentropy"])
    with qtbot.waitSignal(main.export_actions.csv_export_finished, timeout=10000):
        main.export_actions.export_csv_action.trigger()
    _header, rows = read_csv_text((tmp_path / "rows.csv").read_text())
    # BCE from logits: log(1 + e^(−z)) for y = 1, log(1 + e^z) for y = 0
    expected = [math.log1p(math.exp(-2.0)), math.log1p(math.exp(-1.0)), math.log(2.0)]
    np.testing.assert_allclose([float(row[-1]) for row in rows], expected, rtol=1e-6)


def test_plot_right_click_export_goes_through_our_exporter(window, tmp_path):
    answers = Answers(tmp_path / "clicked.svg")
    answers.install(window.export_actions)
    _title, widget = window.views()[window.current_view_name()].plot_widgets()[-1]
    entry = widget.scene().contextMenu[0]
    assert entry.objectName() == "plotExportAction"
    entry.trigger()
    assert ET.parse(tmp_path / "clicked.svg").getroot().tag == f"{SVG}svg"


def test_png_options_dialog_keeps_the_look_when_the_resolution_changes(qtbot):
    from lossexplorer.gui.export_actions import PngOptionsDialog

    dialog = PngOptionsDialog(QSize(600, 400))
    qtbot.addWidget(dialog)
    dialog.dpi_box.setValue(192)
    size, dpi = dialog.chosen()
    assert (size.width(), size.height(), dpi) == (1200, 800, 192.0)
    assert "15.9 × 10.6 cm" in dialog.print_label.text()
