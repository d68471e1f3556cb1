"""Export plots to PNG, SVG and PDF, and per-row losses to CSV; every file is written atomically.

How a plot is drawn for export, and why:

* Each plot is laid out afresh at the size it gets in the file (its PlotItem's geometry is set, the scene is
  rendered, the old geometry is put back), so a wide cell gets a wide plot instead of a stretched one.
* Painting is always at scale 1 in 96-dpi units. pyqtgraph's axes replay a cached ``QPicture`` whose fonts
  assume the screen's 96 dpi, and its legend ignores transformations: a painter scaled by ``scene.render`` or a
  device at another resolution misplaces both. So PDFs and SVGs are written at 96 dpi (they are vector, the
  number only fixes the unit), and PNGs at a higher DPI use the image's device-pixel ratio, which scales text,
  cosmetic pens and the legend alike.
* SVG goes through ``QSvgGenerator`` (pyqtgraph 0.14.0's SVGExporter raises ValueError under PySide6 >= 6.11),
  in SVG 1.1 so the plot area clips its curves. Items are painted one by one rather than by ``scene.render``
  (:func:`paint_items` says why), and :func:`portable_svg` rewrites what only browsers would draw right.

Several plots go into one file: a grid (PNG, SVG) or one page per plot (PDF).
"""

from __future__ import annotations

import contextlib
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTransform,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QStyleOptionGraphicsItem

from lossexplorer import __version__, evaluate, losses
from lossexplorer.atomic import AtomicWriteError, atomic_path, atomic_write_bytes
from lossexplorer.dataset import Dataset

PLOT_FORMATS = ("png", "svg", "pdf")
SCREEN_DPI = 96.0
DEFAULT_PLOT_SIZE = QSize(720, 480)
MIN_PLOT_SIZE = QSize(480, 320)
MAX_PNG_SIDE = 20000
MAX_PNG_PIXELS = 150_000_000
POINTS_PER_PIXEL = 72.0 / SCREEN_DPI
METERS_PER_INCH = 0.0254
MAX_SHARPENED_SIDE = 4096
# objectName of scene items that only make sense on screen (the crosshair), left out of every export.
TRANSIENT_NAME = "transient"
# Rows per chunk of a per-row CSV write. numpy's float-to-text cast holds the GIL for the whole call (~0.55 s per
# million floats here), and a worker thread formatting chunks let the GUI thread run about once per chunk in our
# measurements (benchmarks/bench_export_csv.py): at a million rows the event loop's longest block was ~10 ms with
# 2,000-row chunks, ~30 ms with 10,000 and 100-170 ms with 100,000, for 2.8 to 3.0 s in all.
CSV_CHUNK_ROWS = 2_000
_SVG_NS = "http://www.w3.org/2000/svg"
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MATRIX = re.compile(r"matrix\(([^)]*)\)")
_SVG_RECT = f"{{{_SVG_NS}}}rect"
_PNG_DATA = "data:image/png;base64,"
_COORDINATE_ATTRIBUTES = {f"{{{_SVG_NS}}}path": "d", f"{{{_SVG_NS}}}polyline": "points",
                          f"{{{_SVG_NS}}}polygon": "points"}


class ExportError(OSError):
    """An export that did not happen; the message is one line naming the file and the reason."""


class ExportCancelled(Exception):
    """A chunked CSV write stopped because it was asked to; nothing was written."""


@dataclass(frozen=True)
class GridShape:
    """Rows and columns of the grid that several plots share in one picture."""

    rows: int
    cols: int


# ----- choosing formats and sizes -----------------------------------------------------------------------------
def plot_format(path: str | Path) -> str:
    """Return "png", "svg" or "pdf" from the file name's extension.

    Raises:
        ExportError: for any other extension.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        shown = f".{suffix}" if suffix else "no extension"
        raise ExportError(f"cannot export a plot as {shown}: use a .png, .svg or .pdf file name")
    return suffix


def grid_shape(count: int) -> GridShape:
    """A near-square grid for ``count`` plots: one column for one plot, two for up to four, else three."""
    if count < 1:
        raise ExportError("there is no plot to export")
    cols = 1 if count == 1 else 2 if count <= 4 else 3
    return GridShape(rows=math.ceil(count / cols), cols=cols)


def plot_size(widget: pg.PlotWidget) -> QSize:
    """The size a plot is exported at by default: its size on screen, or 720×480 if it is not shown or small.

    A plot in a crowded view can be a few hundred pixels wide; exported at that size its text would fill it.
    """
    if not widget.isVisible() or widget.width() < MIN_PLOT_SIZE.width() or widget.height() < MIN_PLOT_SIZE.height():
        return QSize(DEFAULT_PLOT_SIZE)
    return QSize(widget.width(), widget.height())


def default_cell_size(widgets: Sequence[pg.PlotWidget]) -> QSize:
    """The size of one grid cell: the largest on-screen plot size among ``widgets``."""
    sizes = [plot_size(widget) for widget in widgets]
    return QSize(max(size.width() for size in sizes), max(size.height() for size in sizes))


def default_picture_size(widgets: Sequence[pg.PlotWidget]) -> QSize:
    """The logical (96-dpi) size of the whole grid picture for ``widgets``."""
    cell, shape = default_cell_size(widgets), grid_shape(len(widgets))
    return QSize(cell.width() * shape.cols, cell.height() * shape.rows)


# ----- drawing ----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def export_mode(widget: pg.PlotWidget, painter: QPainter, resolution_scale: float = 1.0) -> Iterator[None]:
    """Tell every pyqtgraph item of the plot that it is drawn for export (antialiased, no hover buttons).

    Items named :data:`TRANSIENT_NAME` (the crosshair that follows the mouse) are hidden meanwhile.

    For the duration, curves are drawn as single paths and, at a resolution scale other than 1, with
    their cosmetic pens widened by that scale.
    """
    scene_items = widget.scene().items()
    items = [item for item in scene_items if hasattr(item, "setExportMode")]
    hidden = [item for item in scene_items if item.isVisible() and _is_transient(item)]
    options = {"antialias": True, "background": widget.backgroundBrush().color(), "painter": painter,
               "resolutionScale": resolution_scale}
    for item in items:
        item.setExportMode(True, options)
    for item in hidden:
        item.setVisible(False)
    try:
        with _curves_for_export(items, resolution_scale):
            yield
    finally:
        for item in items:
            item.setExportMode(False)
        for item in hidden:
            item.setVisible(True)


def _is_transient(item: QGraphicsItem) -> bool:
    # The mouse-following crosshair and its readout: on screen only, never in a file.
    name = getattr(item, "objectName", None)
    return callable(name) and name() == TRANSIENT_NAME


@contextlib.contextmanager
def _curves_for_export(items: Sequence[object], scale: float) -> Iterator[None]:
    # Options are swapped in the items' option dicts directly: the setters would emit change signals.
    # Each curve is drawn as one path (not hundreds of segments, pyqtgraph's speed-up for thick lines
    # without antialiasing), so an SVG or PDF holds one clean curve per line.
    # At a scale other than 1, cosmetic pens are widened: they keep their width in device pixels and would
    # look hair-thin in a high-DPI picture. Data items are included because legend samples use their pens.
    curves = [item for item in items if isinstance(item, pg.PlotCurveItem)]
    data_items = [item for item in items if isinstance(item, pg.PlotDataItem)] if scale != 1.0 else []
    saved = [(item, dict(item.opts)) for item in (*curves, *data_items)]
    for curve in curves:
        curve.opts["segmentedLineMode"] = "off"
    for item in (*curves, *data_items) if scale != 1.0 else ():
        item.opts["pen"] = _widened(item.opts.get("pen"), scale)
        item.opts["shadowPen"] = _widened(item.opts.get("shadowPen"), scale)
    try:
        yield
    finally:
        for item, options in saved:
            item.opts.update(options)


def _widened(pen: object, scale: float) -> object:
    if not isinstance(pen, QPen) or not pen.isCosmetic():
        return pen
    wider = QPen(pen)
    wider.setWidthF(max(pen.widthF(), 1.0) * scale)
    return wider


def render_plot(widget: pg.PlotWidget, painter: QPainter, target: QRectF, resolution_scale: float = 1.0,
                item_by_item: bool = False) -> None:
    """Draw a plot into ``target`` (painter units are 96-dpi pixels), laid out at exactly that size.

    Args:
        widget: The plot.
        painter: An active painter; its state is restored afterwards.
        target: Where to draw, in the painter's coordinates.
        resolution_scale: Device pixels per painter unit (PNG at a high DPI), for pens and symbols.
        item_by_item: Paint the items one by one (see :func:`paint_items`) instead of ``scene.render``;
            needed for SVG.

    The plot's on-screen layout is restored afterwards.
    """
    item = widget.getPlotItem()
    scene = widget.scene()
    painter.save()
    painter.fillRect(target, widget.backgroundBrush())
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    old_geometry = QRectF(item.geometry())
    try:
        with export_mode(widget, painter, resolution_scale):
            item.setGeometry(QRectF(0.0, 0.0, target.width(), target.height()))
            item.layout.activate()
            source = item.sceneBoundingRect()
            if item_by_item:
                paint_items(scene, painter, target, source)
            else:
                scene.render(painter, target, source)
    finally:
        item.setGeometry(old_geometry)
        item.layout.activate()
        # Runs the deferred auto-range of the restored size now, so the plot on screen is exactly as before.
        scene.prepareForPaint()
        painter.restore()


def paint_items(scene: QGraphicsScene, painter: QPainter, target: QRectF, source: QRectF) -> None:
    """Paint the scene's items one at a time, each between its own save() and restore(), in stacking order.

    ``scene.render`` clips everything to the target, and Qt's SVG engine (6.12) forgets to return to that
    outer clip after an item's inner clip is undone: every text label's clip rectangle then leaks onto the
    items painted after it, so SVG viewers hide axes and legend lines. Painting without an outer clip, and
    clipping only where an ancestor clips its children (the plot area), gives the engine nothing to forget.
    """
    scene.prepareForPaint()
    base = (QTransform.fromTranslate(-source.left(), -source.top())
            * QTransform.fromScale(target.width() / source.width(), target.height() / source.height())
            * QTransform.fromTranslate(target.left(), target.top()))
    outer = painter.worldTransform()
    for item in scene.items(Qt.SortOrder.AscendingOrder):
        if not item.isVisible() or item.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents:
            continue
        painter.save()
        clip = _inherited_clip(item, base)
        if clip is not None:
            painter.setClipPath(clip)
        painter.setWorldTransform(item.deviceTransform(base) * outer)
        painter.setOpacity(item.effectiveOpacity())
        option = QStyleOptionGraphicsItem()
        option.exposedRect = item.boundingRect()
        item.paint(painter, option, None)
        painter.restore()


def _inherited_clip(item: QGraphicsItem, base: QTransform) -> QPainterPath | None:
    clip: QPainterPath | None = None
    clipper: QGraphicsItem | None = item
    flag = QGraphicsItem.GraphicsItemFlag
    while clipper is not None:
        own = clipper is item and bool(clipper.flags() & flag.ItemClipsToShape)
        if own or (clipper is not item and clipper.flags() & flag.ItemClipsChildrenToShape):
            shape = clipper.deviceTransform(base).map(clipper.shape())
            clip = shape if clip is None else clip.intersected(shape)
        clipper = clipper.parentItem()
    return clip


def render_grid(widgets: Sequence[pg.PlotWidget], painter: QPainter, area: QRectF,
                resolution_scale: float = 1.0, item_by_item: bool = False) -> None:
    """Draw several plots into ``area``, laid out in a near-square grid of equal cells."""
    shape = grid_shape(len(widgets))
    cell_width, cell_height = area.width() / shape.cols, area.height() / shape.rows
    painter.fillRect(area, QColor("white"))
    for index, widget in enumerate(widgets):
        row, col = divmod(index, shape.cols)
        cell = QRectF(area.left() + col * cell_width, area.top() + row * cell_height, cell_width, cell_height)
        render_plot(widget, painter, cell, resolution_scale, item_by_item)


# ----- PNG / SVG / PDF bytes --------------------------------------------------------------------------------
def png_bytes(widgets: Sequence[pg.PlotWidget], size: QSize | None = None, dpi: float = SCREEN_DPI) -> bytes:
    """Render plots to PNG bytes at ``size`` pixels (default: their on-screen size scaled by ``dpi``/96).

    ``dpi`` sets how large text and lines are drawn (96 is the screen's look; 192 doubles them) and is
    stored in the file, so a 300-dpi picture prints at the intended physical size.

    Raises:
        ExportError: for a size or DPI out of range, or if the picture cannot be encoded.
    """
    scale = _check_dpi(dpi) / SCREEN_DPI
    if size is None:
        logical = default_picture_size(widgets)
        size = QSize(round(logical.width() * scale), round(logical.height() * scale))
    _check_png_size(size)
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    try:
        render_grid(widgets, painter, QRectF(0.0, 0.0, size.width() / scale, size.height() / scale), scale)
    finally:
        painter.end()
    image.setDevicePixelRatio(1.0)
    # Stored only now: while painting, the image must report 96 dpi like the axes' cached pictures assume.
    dots_per_meter = round(dpi / METERS_PER_INCH)
    image.setDotsPerMeterX(dots_per_meter)
    image.setDotsPerMeterY(dots_per_meter)
    return _encode_image(image)


def svg_bytes(widgets: Sequence[pg.PlotWidget], size: QSize | None = None, title: str = "") -> bytes:
    """Render plots to a vector SVG of ``size`` 96-dpi pixels (default: their on-screen size), in a grid."""
    size = size or default_picture_size(widgets)
    _check_logical_size(size)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # SVG 1.1 rather than Qt's default SVG Tiny 1.2: only 1.1 output carries clip paths, without which curves
    # spill out of the plot area over the title and axes.
    generator = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)
    generator.setOutputDevice(buffer)
    generator.setResolution(round(SCREEN_DPI))
    generator.setSize(size)
    generator.setViewBox(QRectF(0.0, 0.0, size.width(), size.height()))
    generator.setTitle(title or "Loss Explorer plot")
    generator.setDescription(f"Exported by lossexplorer {__version__}")
    painter = QPainter()
    if not painter.begin(generator):
        raise ExportError("cannot start the SVG renderer")
    try:
        render_grid(widgets, painter, QRectF(0.0, 0.0, size.width(), size.height()), item_by_item=True)
    finally:
        painter.end()
    return portable_svg(bytes(buffer.data().data()))


def portable_svg(data: bytes) -> bytes:
    """Rewrite Qt's SVG so that every common renderer draws it as Qt does.

    * Qt draws cosmetic pens (the curves, axes, grid) as paths in data coordinates inside a group whose
      transform maps them to the picture, with ``vector-effect="non-scaling-stroke"``. Browsers honour
      that; librsvg, cairosvg and Inkscape scale the 2-pixel stroke by the data-to-picture factor and paint
      huge blobs. The transform is multiplied into the coordinates instead, so no renderer needs the effect.
    * Qt names the font family it was given ("Sans Serif"), which no SVG renderer knows; the generic
      ``sans-serif`` is added as a fallback.
    * Images (heat maps: a few pixels blown up to the plot's size) are enlarged without smoothing before
      they are embedded, so that renderers which smooth images (librsvg ignores ``image-rendering``) keep the
      cells sharp as Qt draws them; browsers are also told not to smooth.
    """
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(data)
    for group in root.iter(f"{{{_SVG_NS}}}g"):
        _bake_transform(group)
    for group in root.iter(f"{{{_SVG_NS}}}g"):
        for image in group.findall(f"{{{_SVG_NS}}}image"):
            _sharpen_image(image, group.get("transform", ""))
    for element in root.iter():
        family = element.get("font-family")
        if family and "sans-serif" not in family:
            element.set("font-family", f"{family}, sans-serif")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _sharpen_image(image: ET.Element, transform: str) -> None:
    image.set("image-rendering", "optimizeSpeed")
    image.set("style", "image-rendering:pixelated")
    match = _MATRIX.fullmatch(transform.strip())
    href_key = next((key for key in image.attrib if key.endswith("href")), None)
    href = image.get(href_key, "") if href_key else ""
    if match is None or not href.startswith(_PNG_DATA):
        return
    a, b, c, d, _e, _f = (float(value) for value in _NUMBER.findall(match.group(1)))
    picture = QImage.fromData(QByteArray.fromBase64(href[len(_PNG_DATA):].encode("ascii")), "PNG")
    if picture.isNull():
        return
    # Enough copies of each pixel to cover its size on the page, within a sane picture size.
    x_factor = max(1, min(math.ceil(math.hypot(a, b)), MAX_SHARPENED_SIDE // max(1, picture.width())))
    y_factor = max(1, min(math.ceil(math.hypot(c, d)), MAX_SHARPENED_SIDE // max(1, picture.height())))
    if x_factor == y_factor == 1:
        return
    enlarged = picture.scaled(picture.width() * x_factor, picture.height() * y_factor,
                              Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)
    encoded = bytes(QByteArray(_encode_image(enlarged)).toBase64().data()).decode("ascii")
    image.set(href_key, _PNG_DATA + encoded)


def _bake_transform(group: ET.Element) -> None:
    match = _MATRIX.fullmatch(group.get("transform", "").strip())
    children = list(group)
    if match is None or not children:
        return
    for child in children:
        if child.tag == _SVG_RECT:
            _rect_as_path(child)
    coordinates = [_COORDINATE_ATTRIBUTES.get(child.tag) for child in children]
    pairs = list(zip(children, coordinates, strict=True))
    bakeable = all(name is not None and child.get("vector-effect") == "non-scaling-stroke"
                   and _only_absolute_points(child.get(name, "")) for child, name in pairs)
    if not bakeable:
        return
    matrix = np.array([float(value) for value in _NUMBER.findall(match.group(1))])
    if matrix.size != 6:
        return
    for child, name in pairs:
        child.set(name, _transformed(child.get(name, ""), matrix))
    group.set("transform", "matrix(1,0,0,1,0,0)")


def _rect_as_path(rect: ET.Element) -> None:
    # Bars arrive as <rect> in data coordinates; as a path their corners can take the transform.
    try:
        x, y, width, height = (float(rect.get(name, "0")) for name in ("x", "y", "width", "height"))
    except ValueError:
        return
    for name in ("x", "y", "width", "height"):
        rect.attrib.pop(name, None)
    rect.tag = f"{{{_SVG_NS}}}path"
    rect.set("d", f"M{x!r},{y!r} L{x + width!r},{y!r} L{x + width!r},{y + height!r} L{x!r},{y + height!r} Z")


def _only_absolute_points(text: str) -> bool:
    # Qt writes absolute move/line/cubic commands; anything else (arcs, relative moves) is left alone.
    skeleton = _NUMBER.sub("", text)
    return set(skeleton) <= set("MLCZ ,\n\t") and len(_NUMBER.findall(text)) % 2 == 0


def _transformed(text: str, matrix: np.ndarray) -> str:
    points = np.array(_NUMBER.findall(text), dtype=float).reshape(-1, 2)
    a, b, c, d, e, f = matrix
    mapped = np.column_stack([a * points[:, 0] + c * points[:, 1] + e, b * points[:, 0] + d * points[:, 1] + f])
    numbers = np.char.mod("%.7g", mapped.ravel()).tolist()
    skeleton = _NUMBER.sub("{}", text.replace("{", "").replace("}", ""))
    return skeleton.format(*numbers)


def pdf_bytes(widgets: Sequence[pg.PlotWidget], size: QSize | None = None, title: str = "") -> bytes:
    """Render plots to a vector PDF, one page per plot, each page ``size`` 96-dpi pixels (default: on-screen)."""
    size = size or default_cell_size(widgets)
    _check_logical_size(size)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(round(SCREEN_DPI))
    writer.setTitle(title or "Loss Explorer plots")
    writer.setCreator(f"lossexplorer {__version__}")
    writer.setPageLayout(_exact_page(size))
    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError("cannot start the PDF renderer")
    try:
        for index, widget in enumerate(widgets):
            if index:
                writer.newPage()
            render_plot(widget, painter, QRectF(0.0, 0.0, size.width(), size.height()))
    finally:
        painter.end()
    return bytes(buffer.data().data())


def _exact_page(size: QSize) -> QPageLayout:
    # ExactMatch: without it Qt snaps a custom size to the nearest standard paper size.
    points = QSizeF(size.width() * POINTS_PER_PIXEL, size.height() * POINTS_PER_PIXEL)
    page = QPageSize(points, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.ExactMatch)
    return QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)


def _encode_image(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError("cannot encode the picture as PNG")
    buffer.close()
    return bytes(data.data())


def _check_dpi(dpi: float) -> float:
    if not (math.isfinite(dpi) and 24.0 <= dpi <= 1200.0):
        raise ExportError(f"resolution {dpi:g} dpi is out of range: use 24 to 1200 dpi")
    return float(dpi)


def _check_png_size(size: QSize) -> None:
    width, height = size.width(), size.height()
    if width < 16 or height < 16 or width > MAX_PNG_SIDE or height > MAX_PNG_SIDE:
        raise ExportError(f"picture size {width}×{height} is out of range: each side must be 16 to {MAX_PNG_SIDE} px")
    if width * height > MAX_PNG_PIXELS:
        raise ExportError(f"picture size {width}×{height} is too large: at most {MAX_PNG_PIXELS:,} pixels")


def _check_logical_size(size: QSize) -> None:
    if size.width() < 16 or size.height() < 16 or size.width() > MAX_PNG_SIDE or size.height() > MAX_PNG_SIDE:
        raise ExportError(f"plot size {size.width()}×{size.height()} is out of range")


# ----- files --------------------------------------------------------------------------------------------------
def export_plots(widgets: Sequence[pg.PlotWidget], path: str | Path, *, size: QSize | None = None,
                 dpi: float = SCREEN_DPI, title: str = "") -> Path:
    """Write one or more plots to ``path``; the format follows the extension (.png, .svg or .pdf).

    Args:
        widgets: The plots, in reading order.
        path: Destination; written atomically.
        size: PNG: the picture in pixels. SVG: the picture in 96-dpi pixels. PDF: each page in 96-dpi pixels.
            Default: the plots' on-screen size.
        dpi: PNG only: the scale of text and lines (96 = as on screen) and the resolution stored in the file.
        title: Title stored in SVG and PDF metadata.

    Returns:
        The path written.

    Raises:
        ExportError: one line saying why nothing was written (bad extension or size, unwritable folder...).
    """
    if not widgets:
        raise ExportError("there is no plot to export")
    kind = plot_format(path)
    if kind == "png":
        data = png_bytes(widgets, size, dpi)
    elif kind == "svg":
        data = svg_bytes(widgets, size, title)
    else:
        data = pdf_bytes(widgets, size, title)
    return write_bytes(path, data)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` atomically, turning a failure into an :class:`ExportError` with the reason."""
    try:
        return atomic_write_bytes(path, data)
    except AtomicWriteError as error:
        raise ExportError(str(error)) from None


# ----- per-row losses as CSV ----------------------------------------------------------------------------------
def per_row_table(dataset: Dataset, loss_ids: Sequence[str],
                  params: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[list[str], list[np.ndarray]]:
    """Return the per-row CSV's header and columns: row number, truth, predictions, one column per loss.

    Losses that do not apply to the data's task are left out.

    Raises:
        ExportError: when none of ``loss_ids`` applies, or a loss rejects the data.
    """
    applicable = applicable_ids(dataset, loss_ids)
    if not applicable:
        chosen = ", ".join(loss_ids) if loss_ids else "none"
        raise ExportError(f"no checked loss applies to {dataset.task} data (checked: {chosen})")
    try:
        per_row = evaluate.per_row_losses(dataset, applicable, params)
    except ValueError as error:
        raise ExportError(str(error)) from None
    header = ["row", dataset.true_name or "y_true"]
    columns: list[np.ndarray] = [np.arange(1, dataset.n_rows + 1), dataset.y_true]
    if dataset.task == "multiclass" and dataset.class_names:
        header.append("true_class")
        quoted_names = np.asarray([_csv_field(name) for name in dataset.class_names], dtype=str)
        columns.append(quoted_names[dataset.y_true])
    predictions = dataset.y_pred.reshape(dataset.n_rows, -1)
    header.extend(_prediction_names(dataset, predictions.shape[1]))
    columns.extend(predictions.T)
    header.extend(applicable)
    columns.extend(per_row[loss_id] for loss_id in applicable)
    return header, columns


def per_row_snapshot(dataset: Dataset, loss_ids: Sequence[str],
                     params: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[list[str], list[np.ndarray]]:
    """Return :func:`per_row_table` with columns that share no memory with the data set's arrays.

    The window's table model edits its arrays in place; a table handed to another thread must not change
    under it, so the truth and prediction columns (views of those arrays) are copied. The loss columns are
    new arrays already.

    Raises:
        ExportError: as :func:`per_row_table`.
    """
    header, columns = per_row_table(dataset, loss_ids, params)
    sources = (dataset.y_true, dataset.y_pred)
    owned = [np.array(column, copy=True) if any(np.may_share_memory(column, source) for source in sources)
             else column for column in columns]
    return header, owned


def per_row_csv_bytes(dataset: Dataset, loss_ids: Sequence[str],
                      params: Mapping[str, Mapping[str, Any]] | None = None) -> bytes:
    """Return the per-row losses as UTF-8 CSV (comma-separated, header row, shortest round-trip numbers).

    The whole table is formatted in one pass (no chunks); :func:`write_per_row_csv` writes the same bytes.

    Raises:
        ExportError: as :func:`per_row_table`.
    """
    header, columns = per_row_table(dataset, loss_ids, params)
    return csv_header_bytes(header) + _csv_body(columns)


def per_row_csv_text(dataset: Dataset, loss_ids: Sequence[str],
                     params: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The per-row CSV of :func:`per_row_csv_bytes` as text."""
    return per_row_csv_bytes(dataset, loss_ids, params).decode("utf-8")


def csv_header_bytes(header: Sequence[str]) -> bytes:
    """The CSV's first line: the column names, quoted where they need it, as UTF-8."""
    return (",".join(_csv_field(name) for name in header) + "\n").encode("utf-8")


def _csv_body(columns: Sequence[np.ndarray]) -> bytes:
    # Each column becomes fixed-width byte strings (numpy's float-to-bytes is the shortest repr that reads
    # back to the same float), padded with NUL. Side by side with the separators they form one byte matrix;
    # dropping the NULs leaves the CSV lines. No Python loop over rows, and five times faster than np.char.
    # Every row is formatted on its own, so chunks of rows formatted one by one give the same bytes.
    rows = len(columns[0]) if columns else 0
    blocks = []
    for index, column in enumerate(columns):
        array = np.asarray(column)
        cells = np.char.encode(array, "utf-8") if array.dtype.kind == "U" else array.astype(_cell_dtype(array))
        blocks.append(cells.view(np.uint8).reshape(rows, cells.dtype.itemsize))
        separator = "," if index < len(columns) - 1 else "\n"
        blocks.append(np.full((rows, 1), ord(separator), dtype=np.uint8))
    matrix = np.hstack(blocks).ravel()
    return matrix[matrix != 0].tobytes()


def _cell_dtype(array: np.ndarray) -> str:
    # 24 bytes hold the longest float64 repr ("-1.2345678901234567e-308"); numpy's default 32 is slower.
    return "S24" if array.dtype.kind == "f" else "S"


def write_per_row_csv(path: str | Path, header: Sequence[str], columns: Sequence[np.ndarray], *,
                      progress: Callable[[float], None] | None = None,
                      should_cancel: Callable[[], bool] | None = None,
                      chunk_rows: int | None = None) -> Path:
    """Write a per-row table (from :func:`per_row_snapshot` or :func:`per_row_table`) as CSV, atomically.

    The rows are formatted and written ``chunk_rows`` at a time (default :data:`CSV_CHUNK_ROWS`) into a
    temporary file next to ``path``, which replaces ``path`` only once every row is written. Between chunks
    the write reports its progress and asks whether to stop; a stopped or failed write removes the temporary
    file and leaves any file already at ``path`` as it was. The bytes are those of :func:`per_row_csv_bytes`.

    Args:
        path: Destination file.
        header: Column names.
        columns: One array per column, all of the same length; they must not change during the write.
        progress: Called with the fraction of rows written (0 to 1) after each chunk.
        should_cancel: Asked before each chunk and before the file is put in place; True stops the write.
        chunk_rows: Rows per chunk.

    Returns:
        The path written.

    Raises:
        ExportCancelled: ``should_cancel`` said stop; nothing was written.
        ExportError: one line saying why nothing was written (missing or unwritable folder, full disk...).
    """
    rows = len(columns[0]) if columns else 0
    step = max(1, int(CSV_CHUNK_ROWS if chunk_rows is None else chunk_rows))
    stop_now = should_cancel or _never
    try:
        with atomic_path(path) as temp, open(temp, "wb") as handle:
            handle.write(csv_header_bytes(header))
            # A loop over chunks, not rows: each pass formats a block of rows with numpy.
            for start in range(0, rows, step):
                if stop_now():
                    raise ExportCancelled(f"stopped before {path} was written")
                stop = min(start + step, rows)
                handle.write(_csv_body([column[start:stop] for column in columns]))
                if progress is not None:
                    progress(stop / rows)
            if stop_now():
                raise ExportCancelled(f"stopped before {path} was written")
    except AtomicWriteError as error:
        raise ExportError(str(error)) from None
    return Path(path)


def _never() -> bool:
    return False


def export_per_row_csv(dataset: Dataset, loss_ids: Sequence[str], params: Mapping[str, Mapping[str, Any]] | None,
                       path: str | Path) -> Path:
    """Write the per-row losses to a CSV file atomically and return its path (in the calling thread).

    Raises:
        ExportError: one line saying why nothing was written.
    """
    header, columns = per_row_table(dataset, loss_ids, params)
    return write_per_row_csv(path, header, columns)


def applicable_ids(dataset: Dataset, loss_ids: Sequence[str]) -> list[str]:
    """The ids among ``loss_ids`` that apply to the data's task, in the order given."""
    return [loss_id for loss_id in loss_ids
            if loss_id in losses.REGISTRY and dataset.task in losses.REGISTRY[loss_id].tasks]


def _prediction_names(dataset: Dataset, count: int) -> list[str]:
    names = list(dataset.pred_names)
    if len(names) == count:
        return names
    return [f"y_pred_{index}" for index in range(count)] if count > 1 else ["y_pred"]


def _csv_field(text: str) -> str:
    if any(char in text for char in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
