"""The PDF report: one A4 document with the data's description, the losses' means, the plots and the formulas.

Typeset with ``QTextDocument`` blocks and vector plots on a ``QPdfWriter``; a small flow layout places the blocks
on pages, keeping headings with what follows them, and a footer numbers the pages. The writer works at 96 dpi
because pyqtgraph's axes assume it (see :mod:`lossexplorer.gui.export`); a PDF is vector, so this is only a unit.

``write_report`` is the headless entry point for ``lossexplorer report``: it builds the real window offscreen, so
the plots in the file look exactly like those on screen.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import (
    QBuffer,
    QCoreApplication,
    QEvent,
    QEventLoop,
    QIODevice,
    QLineF,
    QMarginsF,
    QMessageLogContext,
    QRectF,
    QSize,
    QSizeF,
    Qt,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication

from lossexplorer import __version__, evaluate, losses
from lossexplorer.dataset import Dataset
from lossexplorer.gui.export import (
    DEFAULT_PLOT_SIZE,
    SCREEN_DPI,
    ExportError,
    export_plots,
    plot_format,
    render_plot,
    write_bytes,
)
from lossexplorer.gui.rich_text import escape_html

if TYPE_CHECKING:
    # Imported late at run time: the main window installs the export actions, which import this module.
    from lossexplorer.gui.mainwindow import MainWindow

PAGE_DPI = 96.0
MM = PAGE_DPI / 25.4
MARGIN_SIDE_MM = 20.0
MARGIN_TOP_MM = 18.0
MARGIN_BOTTOM_MM = 20.0
FIGURE_ASPECT = 0.6
# The CLI's PNG of the main plot: the 720×480 plot at twice the screen's resolution, sharp in documents.
MAIN_PLOT_DPI = 192.0
OFFSCREEN_NOTE = "does not support propagateSizeHints"
BODY_FONT = "DejaVu Sans"
BODY_POINT_SIZE = 9.5
BLOCK_GAP = 10.0
TEXT_COLOR = "#1d232b"
ACCENT = "#1f4e79"
MUTED = "#5b6573"
RULE = "#c9d0d9"


@dataclass(frozen=True)
class LossRow:
    """One line of the aggregates table."""

    loss_id: str
    display_name: str
    params_text: str
    mean: float


@dataclass(frozen=True)
class ReportContent:
    """Everything the report says, computed without Qt."""

    title: str
    source: str
    date: str
    task_text: str
    n_rows: int
    rows: tuple[LossRow, ...]
    skipped: tuple[str, ...] = ()
    formulas: tuple[tuple[str, str, str], ...] = field(default=())


# ----- content (no Qt) ----------------------------------------------------------------------------------------
def report_content(dataset: Dataset, loss_ids: Sequence[str], params: Mapping[str, Mapping[str, Any]] | None,
                   now: datetime | None = None) -> ReportContent:
    """Compute what the report says about ``dataset`` under ``loss_ids``.

    Losses that do not apply to the data's task are listed as skipped. ``from_logits`` is always decided by
    the data (see :mod:`lossexplorer.evaluate`), so a value for it in ``params`` is ignored.

    Raises:
        ValueError: when no loss applies, or a parameter is invalid.
    """
    applicable = [loss_id for loss_id in dict.fromkeys(loss_ids)
                  if loss_id in losses.REGISTRY and dataset.task in losses.REGISTRY[loss_id].tasks]
    if not applicable:
        raise ValueError(f"none of the chosen losses applies to {dataset.task} data")
    result = evaluate.evaluate(dataset, applicable, data_decided_params(applicable, params))
    rows = tuple(LossRow(loss_id, losses.REGISTRY[loss_id].display_name, format_params(result.params[loss_id]),
                         result.means[loss_id]) for loss_id in applicable)
    skipped = tuple(loss_id for loss_id in dict.fromkeys(loss_ids) if loss_id not in applicable)
    formulas = tuple((spec.display_name, spec.formula_text, spec.use_when)
                     for spec in (losses.REGISTRY[loss_id] for loss_id in applicable))
    stamp = (now or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()
    return ReportContent(title="Loss report", source=dataset.source or "(data typed into the window)", date=stamp,
                         task_text=describe_task(dataset), n_rows=dataset.n_rows, rows=rows, skipped=skipped,
                         formulas=formulas)


def data_decided_params(loss_ids: Sequence[str],
                        params: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """The given parameters of ``loss_ids`` without ``from_logits``, which the data decide."""
    given = params or {}
    return {loss_id: {name: value for name, value in dict(given.get(loss_id, {})).items() if name != "from_logits"}
            for loss_id in loss_ids}


def format_params(values: Mapping[str, Any]) -> str:
    """Parameters as ``name = value`` pairs (``—`` when a loss has none)."""
    if not values:
        return "—"
    return ", ".join(f"{name} = {format_value(value)}" for name, value in values.items())


def format_value(value: object) -> str:
    """A parameter or a mean for people: booleans as yes/no words, numbers to six significant digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:.6g}"
    return str(value)


def describe_task(dataset: Dataset) -> str:
    """The task in words, with the prediction kind and the classes."""
    if dataset.task == "regression":
        return "regression (predicted values)"
    kind = "probabilities" if dataset.pred_kind == "probability" else "logits"
    if dataset.task == "binary":
        return f"binary classification (predicted {kind} of class 1)"
    names = ", ".join(dataset.class_names) if dataset.class_names else ", ".join(map(str, range(dataset.n_classes)))
    return f"multiclass classification, {dataset.n_classes} classes ({names}); predicted {kind}"


# ----- HTML blocks --------------------------------------------------------------------------------------------
def title_html(content: ReportContent) -> str:
    """The title, the file name under it, and the table of facts about the data."""
    name = Path(content.source.replace("\\", "/")).name or content.source
    facts = (("Data source", content.source), ("Date", content.date), ("Task", content.task_text),
             ("Rows", f"{content.n_rows:,}"))
    fact_rows = "".join(
        f'<tr><td style="color:{MUTED}; padding:1px 16px 1px 0">{escape_html(key)}</td>'
        f'<td style="padding:1px 0">{escape_html(value)}</td></tr>' for key, value in facts)
    return (f'<p style="font-size:20pt; font-weight:600; color:{ACCENT}; margin:0">{escape_html(content.title)}'
            f"</p>"
            f'<p style="font-size:11pt; color:{MUTED}; margin-top:2px; margin-bottom:12px">{escape_html(name)}</p>'
            f'<table cellspacing="0" cellpadding="0">{fact_rows}</table>')


def heading_html(text: str) -> str:
    """A section heading."""
    return (f'<p style="font-size:13pt; font-weight:600; color:{ACCENT}; margin-top:6px; margin-bottom:0">'
            f"{escape_html(text)}</p>")


def aggregates_html(content: ReportContent) -> str:
    """The table of each loss, its parameters and its mean over the rows."""
    head = (f'<tr style="background-color:#e8edf3">'
            f'<th align="left" width="38%">Loss</th><th align="left" width="37%">Parameters</th>'
            f'<th align="right" width="25%">Mean over {content.n_rows:,} rows</th></tr>')
    body = "".join(
        f'<tr style="background-color:{"#f6f8fa" if index % 2 else "#ffffff"}">'
        f"<td>{escape_html(row.display_name)}</td>"
        f'<td style="color:{MUTED}">{escape_html(row.params_text)}</td>'
        f'<td align="right">{escape_html(format_value(row.mean))}</td></tr>'
        for index, row in enumerate(content.rows))
    table = (f'<table width="100%" cellspacing="0" cellpadding="5" border="1" '
             f'style="border-collapse:collapse; border-color:{RULE}; border-style:solid">{head}{body}</table>')
    note = ""
    if content.skipped:
        names = ", ".join(losses.REGISTRY[loss_id].display_name if loss_id in losses.REGISTRY else loss_id
                          for loss_id in content.skipped)
        note = (f'<p style="color:{MUTED}; font-size:8.5pt; margin-top:4px">Not shown, as they do not apply to '
                f"this task: {escape_html(names)}.</p>")
    return table + note


def formula_html(display_name: str, formula: str, use_when: str) -> str:
    """One loss's formula in plain text, with when to use it."""
    advice = (f'<p style="color:{MUTED}; margin-left:12px; margin-top:2px; margin-bottom:0">'
              f"Use when {escape_html(use_when.rstrip('.'))}.</p>" if use_when else "")
    return (f'<p style="font-weight:600; margin-bottom:2px">{escape_html(display_name)}</p>'
            f'<p style="margin-left:12px; margin-top:0; margin-bottom:0">{escape_html(formula)}</p>'
            f"{advice}")


def caption_html(number: int, title: str) -> str:
    """A figure's caption."""
    return (f'<p align="center" style="color:{MUTED}; font-size:8.5pt; margin:0">'
            f"<b>Figure {number}.</b> {escape_html(title)}</p>")


# ----- Qt typesetting -----------------------------------------------------------------------------------------
def write_report_pdf(content: ReportContent, plots: Sequence[tuple[str, pg.PlotWidget]], path: str | Path) -> Path:
    """Typeset ``content`` and ``plots`` into an A4 PDF at ``path`` (atomically) and return the path.

    Raises:
        ExportError: one line saying why nothing was written.
    """
    return write_bytes(path, report_pdf_bytes(content, plots))


def report_pdf_bytes(content: ReportContent, plots: Sequence[tuple[str, pg.PlotWidget]]) -> bytes:
    """Typeset the report and return the PDF's bytes."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    _ReportWriter(content, plots).write(buffer)
    return bytes(buffer.data().data())


def write_window_report(window: MainWindow, path: str | Path, loss_ids: Sequence[str] | None = None) -> Path:
    """Write the report of what ``window`` shows: its data, checked losses, parameters and current view's plots.

    Args:
        window: The main window.
        path: The PDF to write (atomically).
        loss_ids: The losses to report; by default those checked in the window that apply to its data (the
            window keeps losses of every task checked, and only those of this data's task belong here).
            Given ids that do not apply are listed as left out.

    Raises:
        ExportError: one line saying why nothing was written (including "no checked loss applies").
    """
    state = window.loss_state
    data = window.model.dataset()
    if loss_ids is None:
        loss_ids = [loss_id for loss_id in state.checked() if data.task in losses.REGISTRY[loss_id].tasks]
        if not loss_ids:
            raise ExportError(f"no checked loss applies to {data.task} data: check one in the Losses panel")
    try:
        content = report_content(data, loss_ids, state.all_params())
    except ValueError as error:
        raise ExportError(str(error)) from None
    plots = window.views()[window.current_view_name()].plot_widgets()
    return write_report_pdf(content, plots, path)


class _ReportWriter:
    """Places title, tables, figures and formulas on A4 pages and paints them with a footer."""

    def __init__(self, content: ReportContent, plots: Sequence[tuple[str, pg.PlotWidget]]) -> None:
        self._content, self._plots = content, list(plots)

    def write(self, device: object) -> None:
        writer = QPdfWriter(device)
        writer.setResolution(round(PAGE_DPI))
        writer.setTitle(f"{self._content.title}: {Path(self._content.source).name}")
        writer.setCreator(f"lossexplorer {__version__}")
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
        page = QSizeF(writer.width(), writer.height())
        painter = QPainter()
        if not painter.begin(writer):
            raise ExportError("cannot start the PDF renderer")
        try:
            self._paint(painter, writer, page)
        finally:
            painter.end()

    # -- layout --
    def _paint(self, painter: QPainter, writer: object, page: object) -> None:
        frame = QRectF(MARGIN_SIDE_MM * MM, MARGIN_TOP_MM * MM, page.width() - 2 * MARGIN_SIDE_MM * MM,
                       page.height() - (MARGIN_TOP_MM + MARGIN_BOTTOM_MM) * MM)
        groups = self._groups(frame.width(), writer)
        placements = _flow(groups, frame.height())
        pages = max(page_index for page_index, _top, _block in placements) + 1
        current = 0
        for page_index, top, block in placements:
            while current < page_index:
                self._footer(painter, page, current, pages)
                writer.newPage()
                current += 1
            block.paint(painter, frame.left(), frame.top() + top)
        self._footer(painter, page, current, pages)

    def _groups(self, width: float, device: object) -> list[list[_Block]]:
        content = self._content

        def text(markup: str) -> _TextBlock:
            return _TextBlock(markup, width, device)

        groups: list[list[_Block]] = [[text(title_html(content))]]
        groups.append([text(heading_html("Losses over the data")), text(aggregates_html(content))])
        figure_height = width * FIGURE_ASPECT
        for number, (title, widget) in enumerate(self._plots, start=1):
            figure = _FigureBlock(widget, width, figure_height, text(caption_html(number, title)))
            groups.append([text(heading_html("Plots")), figure] if number == 1 else [figure])
        for index, (name, formula, use_when) in enumerate(content.formulas):
            block = text(formula_html(name, formula, use_when))
            groups.append([text(heading_html("Formulas")), block] if index == 0 else [block])
        return groups

    def _footer(self, painter: QPainter, page: object, index: int, pages: int) -> None:
        left, right = MARGIN_SIDE_MM * MM, page.width() - MARGIN_SIDE_MM * MM
        top = page.height() - MARGIN_BOTTOM_MM * MM + 6 * MM
        painter.save()
        painter.setPen(QPen(QColor(RULE), 0.8))
        painter.drawLine(QLineF(left, top, right, top))
        font = QFont(BODY_FONT)
        font.setPointSizeF(7.5)
        painter.setFont(font)
        painter.setPen(QColor(MUTED))
        line = QRectF(left, top + 3, right - left, 16)
        page_text = f"Page {index + 1} of {pages}"
        metrics = QFontMetricsF(font, painter.device())
        room = line.width() - metrics.horizontalAdvance(page_text) - 24
        source = Path(self._content.source.replace("\\", "/")).name
        label = metrics.elidedText(f"Loss Explorer {__version__} · {source} · {self._content.date}",
                                   Qt.TextElideMode.ElideMiddle, room)
        painter.drawText(line, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), label)
        painter.drawText(line, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), page_text)
        painter.restore()


class _Block:
    """Something with a height that paints itself at a given top-left corner."""

    height: float = 0.0

    def paint(self, painter: QPainter, left: float, top: float) -> None:
        """Draw the block with its top-left corner at (left, top)."""
        raise NotImplementedError


class _TextBlock(_Block):
    def __init__(self, markup: str, width: float, device: object) -> None:
        self._document = QTextDocument()
        self._document.documentLayout().setPaintDevice(device)
        font = QFont(BODY_FONT)
        font.setPointSizeF(BODY_POINT_SIZE)
        self._document.setDefaultFont(font)
        self._document.setDefaultStyleSheet(f"body {{ color: {TEXT_COLOR}; }} th {{ font-weight: 600; }}")
        self._document.setDocumentMargin(0)
        self._document.setHtml(f"<body>{markup}</body>")
        self._document.setTextWidth(width)
        self.height = self._document.size().height()

    def paint(self, painter: QPainter, left: float, top: float) -> None:
        """Draw the text with its top-left corner at (left, top)."""
        painter.save()
        painter.translate(left, top)
        self._document.drawContents(painter)
        painter.restore()


class _FigureBlock(_Block):
    def __init__(self, widget: pg.PlotWidget, width: float, plot_height: float, caption: _TextBlock) -> None:
        self._widget, self._width, self._plot_height, self._caption = widget, width, plot_height, caption
        self.height = plot_height + 4 + caption.height

    def paint(self, painter: QPainter, left: float, top: float) -> None:
        """Draw the plot, laid out at the figure's size, with its caption under it."""
        render_plot(self._widget, painter, QRectF(left, top, self._width, self._plot_height))
        self._caption.paint(painter, left, top + self._plot_height + 4)


def _flow(groups: Sequence[Sequence[_Block]], page_height: float) -> list[tuple[int, float, _Block]]:
    """Place groups of blocks top to bottom; a group that does not fit starts a new page (unless it is first)."""
    placements: list[tuple[int, float, _Block]] = []
    page, y = 0, 0.0
    for group in groups:
        needed = sum(block.height for block in group) + BLOCK_GAP * (len(group) - 1)
        if y > 0 and y + needed > page_height:
            page, y = page + 1, 0.0
        for block in group:
            if y > 0 and y + block.height > page_height:
                page, y = page + 1, 0.0
            placements.append((page, y, block))
            y += block.height + BLOCK_GAP
    return placements


# ----- headless entry point for the CLI ---------------------------------------------------------------------
def write_report(dataset: Dataset, loss_ids: Sequence[str], params: Mapping[str, Mapping[str, Any]] | None,
                 out_path: str | Path) -> Path:
    """Write the report for ``dataset`` without showing a window: a PDF, or the main plot for .png/.svg.

    The real main window is built offscreen (``QT_QPA_PLATFORM=offscreen`` is set when there is no display),
    so the plots look exactly as on screen.

    Args:
        dataset: The predictions.
        loss_ids: Losses to report; those that do not apply to the task are skipped.
        params: Parameters per loss id, e.g. ``{"huber": {"delta": 1.5}}``; missing ones take defaults.
        out_path: A .pdf (the report), .png or .svg (the main plot of the data's view) file name. The plot is
            laid out at 720×480; a PNG is drawn at 192 dpi (1440×960 pixels).

    Returns:
        The path written.

    Raises:
        ExportError: one line saying why nothing was written (unknown extension, unwritable folder...).
        ValueError: for an invalid parameter or when no loss applies.
    """
    kind = plot_format(out_path)
    use_offscreen_without_display()
    window = _headless_window(dataset, loss_ids, params)
    try:
        if kind == "pdf":
            return write_window_report(window, out_path, list(loss_ids))
        plots = window.views()[window.current_view_name()].plot_widgets()
        if not plots:
            raise ExportError("the view has no plot to export")
        return export_plots([plots[0][1]], out_path, size=_main_plot_size(kind), dpi=MAIN_PLOT_DPI,
                            title=plots[0][0])
    finally:
        _dispose(window)


def _main_plot_size(kind: str) -> QSize:
    scale = MAIN_PLOT_DPI / SCREEN_DPI if kind == "png" else 1.0
    return QSize(round(DEFAULT_PLOT_SIZE.width() * scale), round(DEFAULT_PLOT_SIZE.height() * scale))


def use_offscreen_without_display() -> None:
    """Choose Qt's offscreen platform when nothing else is chosen and there is no display to draw on."""
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in (
        "win32", "darwin")
    if not has_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _headless_window(dataset: Dataset, loss_ids: Sequence[str],
                     params: Mapping[str, Mapping[str, Any]] | None) -> MainWindow:
    from lossexplorer.gui.app import make_application
    from lossexplorer.gui.mainwindow import MainWindow

    make_application()
    window = MainWindow(dataset)
    state = window.loss_state
    for loss_id, values in (params or {}).items():
        for name, value in dict(values).items():
            if name != "from_logits":
                state.set_param(loss_id, name, value)
    state.set_checked_ids([loss_id for loss_id in loss_ids if loss_id in losses.REGISTRY])
    with _without_offscreen_notes():
        window.show()
        settle()
    return window


@contextlib.contextmanager
def _without_offscreen_notes() -> Iterator[None]:
    # The offscreen platform warns that it "does not support propagateSizeHints()" on every show(); on the
    # command line that is noise. Only that note is dropped: everything else goes to the previous handler.
    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if OFFSCREEN_NOTE in message:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def settle(turns: int = 3, wait_ms: int = 30) -> None:
    """Let layouts, deferred plot updates and pyqtgraph's first range update run before drawing."""
    for _ in range(turns):
        loop = QEventLoop()
        QTimer.singleShot(wait_ms, loop.quit)
        loop.exec()
        QApplication.processEvents()


def _dispose(window: MainWindow) -> None:
    # hide(), not close(): closing would run the window's close handlers (saving settings, asking to save).
    window.hide()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
