"""The regression view: loss and influence against error, each row's share of the total, and the outlier lab.

Four live plots for the checked regression-family losses:

* loss against error e = y_pred - y_true, with the table's rows drawn on every curve;
* the gradient (influence) against error: MSE's grows without bound, MAE's is flat, Huber's is clipped;
* each row's share of the total loss as bars, with every loss's mean in the table below;
* the outlier lab: every row's error on a strip, and for each loss the constant error it would remove (the
  best constant of the errors: the mean for MSE, the median for MAE). Drag a point or use the slider to move
  one prediction and watch which lines follow.

The view reads the data only from the model and updates only from ``arrays_changed`` and the loss state's
signals. Edits of a few rows are incremental: per-row losses are cached (:class:`RowLossCache`), only the
changed rows are recomputed, and existing plot items get new arrays.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsItem,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStackedLayout,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lossexplorer import curves, losses
from lossexplorer.gui.centres_worker import CentresWorker, compute_centres
from lossexplorer.gui.loss_panel import line_swatch
from lossexplorer.gui.loss_state import LossState
from lossexplorer.gui.outlier_lab import OutlierLabControls
from lossexplorer.gui.plot_style import Crosshair, curve_color, curve_pen, make_plot
from lossexplorer.gui.row_cache import (
    RowLossCache,
    display_rows,
    legend_label,
    short_name,
    strip_offsets,
)
from lossexplorer.gui.row_points import RowPoints
from lossexplorer.gui.table_model import PredictionTableModel

FAMILY = "regression"
POINT_LIMIT = 2000
RECENT_SLOTS = 16
GROW_HEADROOM = 1.25
SHRINK_BELOW = 0.5
BAR_LIMIT = 40
CURVE_POINTS = 401
# Above this many rows the best constants (medians, M-estimates: full passes over the data) are computed in
# a background thread, so that a drag at a million rows never waits for them.
DEFERRED_CENTRES_ABOVE = 5_000
_EMPTY = np.zeros(0)
HINT = ("Drag the shaded point (in the top-left plot or the outlier lab) or move the lab's slider to change one "
        "row's prediction: MSE's mean chases the outlier, MAE's median stays put, Huber sits in between.")
CENTRE_WORDS = {"mean_squared_error": "mean", "mean_absolute_error": "median"}


class _DragHandle(pg.TargetItem):
    """A ringed marker that reports horizontal drags instead of moving itself; the view places it."""

    dragged = Signal(float)
    drag_finished = Signal()

    def __init__(self, color: QColor) -> None:
        super().__init__(size=20, symbol="o", pen=pg.mkPen("#111111", width=2),
                         hoverPen=pg.mkPen("#000000", width=3), brush=pg.mkBrush(color),
                         hoverBrush=pg.mkBrush(QColor(0, 0, 0, 110)))
        self.setZValue(20)
        self.setToolTip("Drag sideways to move this row's prediction")
        self._offset = 0.0

    def mouseDragEvent(self, ev: object) -> None:
        """Turn a left-button drag into ``dragged(x)`` signals and one ``drag_finished``."""
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        ev.accept()
        if ev.isStart():
            self._offset = self.pos().x() - self.mapToView(ev.buttonDownPos()).x()
        self.dragged.emit(float(self._offset + self.mapToView(ev.pos()).x()))
        if ev.isFinish():
            self.drag_finished.emit()


class _LossItems:
    """The plot items of one loss, created once and fed new arrays on every update."""

    def __init__(self, view: RegressionView, loss_id: str) -> None:
        pen = curve_pen(loss_id)
        color = curve_color(loss_id)
        fill = QColor(color)
        fill.setAlpha(170)
        point_style = {"symbol": "o", "size": 6, "pen": pg.mkPen(color.darker(115)), "brush": pg.mkBrush(fill)}
        self.loss_curve = _curve(pen)
        self.loss_points = RowPoints(**point_style)
        self.grad_curve = _curve(pen)
        self.grad_points = RowPoints(**point_style)
        self.bars = pg.BarGraphItem(x=_EMPTY, height=_EMPTY, width=0.8, brush=pg.mkBrush(fill), pen=pg.mkPen(color))
        line_pen = pg.mkPen(color, width=2.4)
        line_pen.setStyle(pen.style())
        self.centre_line = pg.InfiniteLine(angle=90, movable=False, pen=line_pen,
                                           label="", labelOpts={"color": color, "position": 0.9,
                                                                "fill": pg.mkBrush(255, 255, 255, 200)})
        view.loss_plot.addItem(self.loss_curve)
        view.grad_plot.addItem(self.grad_curve)
        # Rows lie on the curves, which span the whole error range, so the curves alone decide the axes'
        # ranges: an edit then never makes pyqtgraph recompute bounds over every point.
        view.loss_plot.addItem(self.loss_points, ignoreBounds=True)
        view.grad_plot.addItem(self.grad_points, ignoreBounds=True)
        view.share_plot.addItem(self.bars)
        view.lab_plot.addItem(self.centre_line, ignoreBounds=True)
        for points in (self.loss_points, self.grad_points):
            points.sigClicked.connect(view.points_clicked)

    def remove(self, view: RegressionView) -> None:
        """Take every item off its plot."""
        for plot, item in ((view.loss_plot, self.loss_curve), (view.loss_plot, self.loss_points),
                           (view.grad_plot, self.grad_curve), (view.grad_plot, self.grad_points),
                           (view.share_plot, self.bars), (view.lab_plot, self.centre_line)):
            plot.removeItem(item)


def _curve(pen: object) -> pg.PlotDataItem:
    curve = pg.PlotDataItem(pen=pen)
    # Loss curves have sorted x, so clipping to the view and peak downsampling cannot hide a feature.
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    return curve


class RegressionView(QWidget):
    """Live plots of the checked regression losses and the table's rows on them.

    Signals:
        row_picked(int): the outlier lab's row changed (0-based), e.g. for the table to follow.

    Attributes:
        loss_plot, grad_plot, share_plot, lab_plot: the four plot widgets.
        lab: the outlier lab's controls.
        aggregates: the table of each loss's mean, best constant and largest share.
    """

    row_picked = Signal(int)

    def __init__(self, model: PredictionTableModel, state: LossState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("regressionView")
        self.setAccessibleName("Regression view")
        self._model, self._state = model, state
        self._cache = RowLossCache()
        self._items: dict[str, _LossItems] = {}
        self._errors = _EMPTY
        self._max_abs_error = 0.0
        self._half_width = 1.0
        self._shown_rows = np.zeros(0, dtype=np.int64)
        self._next_slot = 0
        self._row = 0
        self._centres: dict[str, float] = {}
        self._largest: dict[str, tuple[int, float]] = {}
        self._bar_labels: tuple[str, bytes | None] | None = None
        self._row_tick_spacing = 0
        self._table: QTableView | None = None
        self._share_range: tuple[int, float] | None = None
        self._log_y = False
        self._dirty = True
        self._centres_worker = CentresWorker(self)
        self._centres_worker.result_ready.connect(self._show_centres)
        self._centres_stale = False
        self._build()
        model.arrays_changed.connect(self._arrays_changed)
        state.selection_changed.connect(self._selection_changed)
        state.params_changed.connect(self._params_changed)
        self._refresh_all(pick_row=True)

    # ----- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.loss_plot = make_plot("Loss vs error", "error  e = ŷ − y", "loss", "regressionLossPlot", self)
        self.grad_plot = make_plot("Influence: gradient vs error", "error  e = ŷ − y", "∂ loss / ∂ŷ",
                                   "regressionGradientPlot", self)
        self.share_plot = make_plot("Each row's share of the total loss", "row", "share of total (%)",
                                    "regressionSharePlot", self)
        self.lab_plot = make_plot("Outlier lab: where each loss centres the errors", "error  e = ŷ − y",
                                  "rows", "outlierLabPlot", self)
        self.grad_plot.getPlotItem().addLine(y=0, pen=pg.mkPen("#999999", width=1))
        self.lab_plot.getPlotItem().hideAxis("left")
        self.lab_plot.getPlotItem().legend.setVisible(False)
        self.share_plot.getPlotItem().legend.setVisible(False)
        self.crosshairs = [Crosshair(self.loss_plot, "e", "loss"), Crosshair(self.grad_plot, "e", "gradient"),
                           Crosshair(self.share_plot, "row", "share %")]
        self._build_row_markers()
        self.aggregates = self._build_aggregates()
        self.lab = OutlierLabControls(self)
        self._connect_lab()
        plots = QWidget(self)
        grid = QGridLayout(plots)
        grid.setContentsMargins(4, 0, 4, 4)
        grid.setSpacing(6)
        cells = ((self.loss_plot, 0, 0), (self.grad_plot, 0, 1), (self.share_plot, 1, 0), (self.lab_plot, 1, 1),
                 (self.aggregates, 2, 0), (self.lab, 2, 1))
        for widget, row, column in cells:
            # Ignoring the width hints lets the column stretches split the width evenly.
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, widget.sizePolicy().verticalPolicy())
            widget.setMinimumWidth(260)
            grid.addWidget(widget, row, column)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.hint_label = QLabel(HINT, self)
        self.hint_label.setObjectName("regressionHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #444; padding: 4px 6px 0px 6px;")
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("regressionEmptyNote")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: #555; font-size: 12pt;")
        page = QWidget(self)
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.setSpacing(2)
        page_layout.addWidget(self.hint_label)
        page_layout.addWidget(plots, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._pages = QStackedLayout()
        self._pages.addWidget(page)
        self._pages.addWidget(self.empty_label)
        outer.addLayout(self._pages)
        self._place_legends()
        self._cache_axes()

    def _cache_axes(self) -> None:
        # An axis item also draws its plot's grid, so it repaints whenever anything in the plot moves; from a
        # cached pixmap that costs a blit instead of replaying every tick, label and grid line (~2 ms each).
        for _title, plot in self.plot_widgets():
            for name in ("left", "bottom"):
                plot.getPlotItem().getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def _place_legends(self) -> None:
        # Put each legend where its curves are not: loss curves are U-shaped (empty at the top middle),
        # gradient curves rise from bottom left to top right (empty at the top left, below the readout).
        self.loss_plot.getPlotItem().legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 8))
        self.grad_plot.getPlotItem().legend.anchor(itemPos=(0, 0), parentPos=(0, 0), offset=(8, 24))

    def _build_row_markers(self) -> None:
        ring = {"pen": None, "symbol": "o", "symbolSize": 13, "symbolPen": pg.mkPen("#111111", width=2),
                "symbolBrush": None}
        self.loss_selected = pg.PlotDataItem(**ring)
        self.grad_selected = pg.PlotDataItem(**ring)
        self.loss_plot.addItem(self.loss_selected, ignoreBounds=True)
        self.grad_plot.addItem(self.grad_selected, ignoreBounds=True)
        self.lab_points = RowPoints(symbol="o", size=7, pen=pg.mkPen("#555555"),
                                    brush=pg.mkBrush(120, 120, 120, 120))
        self.lab_plot.addItem(self.lab_points, ignoreBounds=True)
        self.lab_points.sigClicked.connect(self.points_clicked)
        self.lab_plot.getPlotItem().setYRange(-0.5, 0.5, padding=0.05)
        self.lab_plot.getPlotItem().getViewBox().setMouseEnabled(y=False)
        self.loss_handle = _DragHandle(QColor(0, 0, 0, 55))
        self.lab_handle = _DragHandle(QColor(0, 0, 0, 55))
        self.loss_plot.addItem(self.loss_handle, ignoreBounds=True)
        self.lab_plot.addItem(self.lab_handle, ignoreBounds=True)
        for handle in (self.loss_handle, self.lab_handle):
            handle.dragged.connect(self._handle_dragged)
            handle.drag_finished.connect(self._model.end_drag)

    def _build_aggregates(self) -> QTableWidget:
        table = QTableWidget(0, 4, self)
        table.setObjectName("aggregatesTable")
        table.setAccessibleName("Aggregate loss of each checked loss")
        table.setHorizontalHeaderLabels(["Loss", "Mean loss", "Centre", "Top row"])
        table.setToolTip("Mean loss: the loss over all rows, as the loss function reports it. Centre: the best "
                         "constant of the errors (mean error for MSE, median for MAE). Heaviest row: the row with "
                         "the largest share of the total, and that share.")
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setDefaultSectionSize(22)
        return table

    def _connect_lab(self) -> None:
        self.lab.row_requested.connect(self.set_row)
        self.lab.largest_requested.connect(self.pick_largest_error)
        self.lab.add_requested.connect(self.add_outlier_row)
        self.lab.prediction_changed.connect(self._lab_prediction_changed)
        self.lab.drag_finished.connect(self._model.end_drag)

    # ----- public --------------------------------------------------------------------------------
    def plot_widgets(self) -> list[tuple[str, pg.PlotWidget]]:
        """Every plot of this view with its title, for export."""
        return [("Loss vs error", self.loss_plot), ("Influence vs error", self.grad_plot),
                ("Share of total loss", self.share_plot), ("Outlier lab", self.lab_plot)]

    def set_log_y(self, enabled: bool) -> None:
        """Switch the loss axis between linear and logarithmic (the gradient and share axes stay linear)."""
        self._log_y = bool(enabled)
        self.loss_plot.getPlotItem().setLogMode(y=self._log_y)
        for items in self._items.values():
            items.loss_points.log_y = self._log_y
        if self._active():
            self._draw_points()
            self._place_markers()

    def reset_zoom(self) -> None:
        """Autoscale every plot to its data."""
        for plot in (self.loss_plot, self.grad_plot):
            plot.getPlotItem().enableAutoRange()
        self.lab_plot.getPlotItem().setXRange(-self._half_width, self._half_width, padding=0.02)
        self.lab_plot.getPlotItem().setYRange(-0.5, 0.5, padding=0.05)
        self._share_range = None
        if self._active():
            self._draw_bars()

    def shown_losses(self) -> tuple[str, ...]:
        """The regression losses drawn, in registry order."""
        return tuple(self._items)

    def selected_row(self) -> int:
        """The outlier lab's row (0-based)."""
        return self._row

    def centres(self) -> dict[str, float]:
        """Each drawn loss's best constant of the errors, brought up to date first if the lab is catching up."""
        if self._centres_stale and self._active():
            self._centres_worker.cancel_waiting()
            self._show_centres(compute_centres(self._errors, self._centre_params()))
        return dict(self._centres)

    def centres_pending(self) -> bool:
        """Whether the lab's lines are still catching up with the data (large data only)."""
        return self._centres_stale

    def mean_loss(self, loss_id: str) -> float:
        """The aggregate (mean over rows) of a drawn loss, as the view shows it."""
        return self._cache.mean(loss_id)

    def items_of(self, loss_id: str) -> _LossItems:
        """The plot items of a drawn loss (for tests and export)."""
        return self._items[loss_id]

    @Slot(int)
    def set_row(self, row: int) -> None:
        """Make ``row`` the outlier lab's row."""
        n = self._model.rowCount()
        if n == 0:
            return
        row = min(max(int(row), 0), n - 1)
        changed = row != self._row
        self._row = row
        self.lab.set_span(self._slider_span())
        if self._active():
            self._update_rows_drawn(np.array([row]))
            self._place_markers()
            self._show_lab_row()
        if changed:
            self.row_picked.emit(row)

    def link_table(self, table: QTableView) -> None:
        """Keep the outlier lab's row and the table's current row together, in both directions."""
        self._table = table
        table.selectionModel().currentRowChanged.connect(self._table_row_changed)
        self.row_picked.connect(self._show_row_in_table)

    @Slot(QModelIndex, QModelIndex)
    def _table_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self._active_data():
            self.set_row(current.row())

    @Slot(int)
    def _show_row_in_table(self, row: int) -> None:
        table = self._table
        if table is None or table.currentIndex().row() == row:
            return
        column = max(table.currentIndex().column(), 0)
        index = table.model().index(row, column)
        table.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        table.scrollTo(index)

    @Slot()
    def pick_largest_error(self) -> None:
        """Pick the row whose prediction is furthest from its target."""
        if self._errors.size:
            self.set_row(int(np.argmax(np.abs(self._errors))))

    @Slot()
    def add_outlier_row(self) -> None:
        """Append a row with a far-off prediction (one undo step) and pick it."""
        data = self._model.dataset()
        if data.task != "regression" or data.n_rows == 0:
            return
        target = float(np.median(data.y_true))
        prediction = target + 2.0 * self._max_abs_error + 1.0
        self._model.replace_dataset(data.with_arrays(np.append(data.y_true, target),
                                                     np.append(data.y_pred, prediction)), "Add outlier row")
        self.set_row(data.n_rows)

    @Slot(object, object, object)
    def points_clicked(self, _item: object, points: object, _event: object = None) -> None:
        """A click on a drawn row picks it for the lab."""
        if len(points):
            index = points[0].index()
            if 0 <= index < self._shown_rows.size:
                self.set_row(int(self._shown_rows[index]))

    # ----- model and state signals ---------------------------------------------------------------
    @Slot(object)
    def _arrays_changed(self, rows: object) -> None:
        if not self._active_data():
            self._show_empty_state()
            return
        if not self.isVisible():
            self._dirty = True
            return
        if rows is None or self._dirty or self._errors.size != self._model.rowCount():
            self._refresh_all(pick_row=False)
        else:
            self._update_rows(np.asarray(rows, dtype=np.int64))

    @Slot()
    def _selection_changed(self) -> None:
        self._sync_items()
        if self._active():
            self._cache.sync(self._model.dataset(), self._wanted())
            self._redraw_everything()

    @Slot(str)
    def _params_changed(self, loss_id: str) -> None:
        if loss_id in self._items and self._active():
            self._cache.sync(self._model.dataset(), self._wanted())
            self._redraw_everything()

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on changes that arrived while the view was hidden."""
        super().showEvent(event)
        if self._dirty:
            self._refresh_all(pick_row=False)

    # ----- drags and lab moves -------------------------------------------------------------------
    @Slot(float)
    def _handle_dragged(self, error: float) -> None:
        data = self._model.dataset()
        if not np.isfinite(error) or self._row >= data.n_rows:
            return
        self._model.move_prediction(self._row, float(data.y_true[self._row]) + error, dragging=True)

    @Slot(float, bool)
    def _lab_prediction_changed(self, value: float, dragging: bool) -> None:
        if self._row < self._model.rowCount():
            self._model.move_prediction(self._row, value, dragging=dragging)

    # ----- updating ------------------------------------------------------------------------------
    def _active_data(self) -> bool:
        return self._model.dataset().task == "regression" and self._model.rowCount() > 0

    def _active(self) -> bool:
        return self._active_data() and not self._dirty

    def _wanted(self) -> dict[str, dict[str, object]]:
        return {loss_id: self._state.params(loss_id) for loss_id in self._state.checked(FAMILY)}

    def _sync_items(self) -> None:
        wanted = self._state.checked(FAMILY)
        for loss_id in [k for k in self._items if k not in wanted]:
            self._items.pop(loss_id).remove(self)
        for loss_id in wanted:
            if loss_id not in self._items:
                self._items[loss_id] = _LossItems(self, loss_id)
                self._items[loss_id].loss_points.log_y = self._log_y
        self._items = {loss_id: self._items[loss_id] for loss_id in wanted}

    def _refresh_all(self, *, pick_row: bool) -> None:
        if not self._active_data():
            self._show_empty_state()
            return
        self._pages.setCurrentIndex(0)
        data = self._model.dataset()
        self._dirty = False
        self._errors = data.y_pred - data.y_true
        self._max_abs_error = float(np.max(np.abs(self._errors)))
        self._fit_half_width(exact=True)
        self._sync_items()
        # Recompute what is held on the new rows, then add (only) what is newly wanted.
        self._cache.recompute(data)
        self._cache.sync(data, self._wanted())
        if pick_row or self._row >= data.n_rows:
            self._row = int(np.argmax(np.abs(self._errors)))
        self.lab.set_span(self._slider_span())
        self._shown_rows = display_rows(self._errors, POINT_LIMIT, np.array([self._row]))
        if self._shown_rows.size < data.n_rows:
            # Slots for rows edited later, so the number of points, and with it the in-place update, stays.
            self._shown_rows = np.concatenate([self._shown_rows, np.full(RECENT_SLOTS, self._row)])
        self._next_slot = 0
        self._redraw_everything()

    def _update_rows(self, rows: np.ndarray) -> None:
        data = self._model.dataset()
        old_largest = float(np.max(np.abs(self._errors[rows])))
        self._errors[rows] = data.y_pred[rows] - data.y_true[rows]
        self._cache.update_rows(data, rows)
        new_largest = float(np.max(np.abs(self._errors[rows])))
        self._track_largest_error(old_largest, new_largest)
        range_changed = self._fit_half_width(exact=False)
        self._update_rows_drawn(rows)
        if range_changed:
            self._draw_curves()
        self._draw_points()
        self._draw_bars()
        self._place_markers()
        self._show_lab_row()
        self._schedule_centres()

    def _track_largest_error(self, old_largest: float, new_largest: float) -> None:
        if new_largest >= self._max_abs_error:
            self._max_abs_error = new_largest
        elif old_largest >= self._max_abs_error:
            # The edited row held the largest error and moved in: only a full pass can find the new largest.
            self._max_abs_error = float(np.max(np.abs(self._errors)))

    def _fit_half_width(self, *, exact: bool) -> bool:
        """Fit the error range of the curves to the data; return whether it changed.

        Between full refreshes the range is sticky: it grows with some headroom and shrinks only when the
        data fill less than half of it, so that dragging an outlier does not rescale the axes on every move.
        """
        needed = curves.error_range(np.array([self._max_abs_error]))[1]
        if exact or needed < SHRINK_BELOW * self._half_width:
            half_width = needed
        elif needed > self._half_width:
            half_width = needed * GROW_HEADROOM
        else:
            return False
        changed = half_width != self._half_width
        self._half_width = half_width
        # A full refresh always sets the range: the starting width may equal the new one while the lab's
        # view box has never been given it.
        if changed or exact:
            self.lab_plot.getPlotItem().setXRange(-half_width, half_width, padding=0.02)
        return changed

    def _update_rows_drawn(self, rows: np.ndarray) -> None:
        missing = rows[~np.isin(rows, self._shown_rows)]
        if missing.size == 0:
            return
        if missing.size > RECENT_SLOTS:
            self._shown_rows = np.union1d(self._shown_rows, missing)
            return
        # The least recently used slots at the end of the drawn rows take the newly edited rows.
        slots = self._shown_rows.size - RECENT_SLOTS + (self._next_slot + np.arange(missing.size)) % RECENT_SLOTS
        self._shown_rows[slots] = missing
        self._next_slot = (self._next_slot + missing.size) % RECENT_SLOTS

    def _redraw_everything(self) -> None:
        if not self._active():
            return
        self._draw_curves()
        self._draw_points()
        self._draw_bars()
        self._update_legends()
        self._place_markers()
        self._show_lab_row()
        self._schedule_centres()

    def _draw_curves(self) -> None:
        half = self._half_width
        for loss_id, items in self._items.items():
            params = self._cache.params(loss_id)
            # About one point per pixel, plus the loss's kinks (Huber's +-delta) so corners stay sharp.
            kinks = [params["delta"], -params["delta"]] if "delta" in params else []
            grid = curves.error_grid(np.array([half]), CURVE_POINTS, include=kinks, padding=0.0, min_half_width=half)
            items.loss_curve.setData(grid, curves.loss_vs_error(loss_id, grid, params))
            items.grad_curve.setData(grid, curves.gradient_vs_error(loss_id, grid, params))

    def _draw_points(self) -> None:
        data = self._model.dataset()
        rows = self._shown_rows
        errors = self._errors[rows]
        y_true, y_pred = data.y_true[rows], data.y_pred[rows]
        for loss_id, items in self._items.items():
            items.loss_points.set_positions(errors, self._cache.per_row(loss_id)[rows])
            gradient = losses.gradient(loss_id, y_true, y_pred, **self._cache.params(loss_id))
            items.grad_points.set_positions(errors, gradient)
        self.lab_points.set_positions(errors, strip_offsets(rows))

    def _draw_bars(self) -> None:
        n = self._errors.size
        count = len(self._items)
        if count == 0:
            return
        if n <= BAR_LIMIT:
            rows = np.arange(n)
            self._label_bar_rows(None, "Each row's share of the total loss", "row")
            self._space_row_ticks(n)
        else:
            rows = self._heaviest_rows(max(BAR_LIMIT // count, 1))
            self._label_bar_rows(rows, f"Share of the total: top {rows.size} of {n:,} rows", "rows, heaviest first")
        positions = np.arange(1, rows.size + 1, dtype=np.float64) if n > BAR_LIMIT else rows + 1.0
        width = 0.8 / count
        tallest = 0.0
        for slot, (loss_id, items) in enumerate(self._items.items()):
            values = self._cache.per_row(loss_id)
            total = self._cache.total(loss_id)
            shares = values[rows] / total * 100.0 if total > 0 else np.zeros(rows.size)
            items.bars.setOpts(x=positions - 0.4 + width * (slot + 0.5), height=shares, width=width)
            heaviest = int(self._cache.heaviest(loss_id, 1)[0])
            self._largest[loss_id] = (heaviest, float(values[heaviest] / total) if total > 0 else 0.0)
            tallest = max(tallest, float(shares.max(initial=0.0)))
        self._set_share_range(rows.size, tallest)
        self._fill_aggregates()

    def _heaviest_rows(self, per_loss: int) -> np.ndarray:
        """The union of each loss's heaviest rows, ordered by their largest share under any loss."""
        rows = np.unique(np.concatenate([self._cache.heaviest(k, per_loss) for k in self._items]))
        shares = np.max([self._cache.per_row(k)[rows] / max(self._cache.total(k), 1e-300) for k in self._items],
                        axis=0)
        return rows[np.argsort(-shares, kind="stable")]

    def _label_bar_rows(self, rows: np.ndarray | None, title: str, axis_label: str) -> None:
        # Titles and ticks relayout and repaint the plot, so they are set only when they change.
        key = (title, None if rows is None else rows.tobytes())
        if key == self._bar_labels:
            return
        self._bar_labels = key
        item = self.share_plot.getPlotItem()
        item.setTitle(title, color="#222222", size="11pt")
        item.setLabel("bottom", axis_label, color="#333333")
        if rows is None:
            item.getAxis("bottom").setTicks(None)
            return
        # Row numbers can be six digits wide: label about six bars, always the heaviest.
        step = max(int(np.ceil(rows.size / 6)), 1)
        labels = [(float(position), str(int(row) + 1)) for position, row in enumerate(rows, start=1)]
        item.getAxis("bottom").setTicks([labels[::step], []])

    def _space_row_ticks(self, n_rows: int) -> None:
        # Rows are whole numbers: ticks at 1, 2, 5, 10, ... rows apart, never at "1.5".
        spacing = _row_tick_spacing(n_rows)
        if spacing != self._row_tick_spacing:
            self._row_tick_spacing = spacing
            self.share_plot.getPlotItem().getAxis("bottom").setTickSpacing(levels=[(float(spacing), 0.0)])

    def _set_share_range(self, bars: int, tallest: float) -> None:
        # The top moves in round steps (see _nice_ceiling), so that an edit rarely rescales the
        # axes: a rescale repaints them, which costs more than all the bars.
        top = min(_nice_ceiling(max(tallest, 1e-6) * 1.05), 100.0)
        key = (bars, top)
        if key == self._share_range:
            return
        self._share_range = key
        item = self.share_plot.getPlotItem()
        item.setXRange(0.4, bars + 0.6, padding=0.0)
        item.setYRange(-0.01 * top, top, padding=0.0)

    def _centre_params(self) -> dict[str, dict[str, object]]:
        return {loss_id: self._cache.params(loss_id) for loss_id in self._items}

    def _schedule_centres(self) -> None:
        if not self._active():
            return
        self._centres_stale = True
        if self._errors.size > DEFERRED_CENTRES_ABOVE:
            self._centres_worker.request(self._errors, self._centre_params())
        else:
            self._show_centres(compute_centres(self._errors, self._centre_params()))

    @Slot(object)
    def _show_centres(self, centres: dict[str, float]) -> None:
        if not self._active() or set(centres) != set(self._items):
            # Failed, or computed for losses no longer drawn: a newer request may be on its way.
            self._centres_stale = self._centres_stale and self._centres_worker.pending()
            return
        self._centres = centres
        self._centres_stale = self._centres_worker.pending()
        for slot, (loss_id, items) in enumerate(self._items.items()):
            centre = self._centres[loss_id]
            items.centre_line.setPos(centre)
            word = CENTRE_WORDS.get(loss_id, "")
            items.centre_line.label.setFormat(f"{short_name(loss_id)} {word} {centre:+.3g}".replace("  ", " "))
            items.centre_line.label.setPosition(0.92 - 0.14 * (slot % 6))
        self._fill_aggregates()

    def _fill_aggregates(self) -> None:
        table = self.aggregates
        if table.rowCount() != len(self._items):
            table.setRowCount(len(self._items))
            self._fit_aggregates_height()
        for row, loss_id in enumerate(self._items):
            heaviest, share = self._largest.get(loss_id, (0, 0.0))
            centre = self._centres.get(loss_id)
            cells = [legend_label(loss_id, self._cache.params(loss_id)), f"{self._cache.mean(loss_id):.5g}",
                     f"{centre:+.4g}" if centre is not None else "…", f"{heaviest + 1}  ({share:.0%})"]
            for column, text in enumerate(cells):
                item = table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    table.setItem(row, column, item)
                item.setText(text)
                if column > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _fit_aggregates_height(self) -> None:
        # Only on a change in the number of rows: a height change relayouts and repaints the whole view.
        table = self.aggregates
        for row, loss_id in enumerate(self._items):
            if table.item(row, 0) is None:
                table.setItem(row, 0, QTableWidgetItem())
            table.item(row, 0).setIcon(line_swatch(loss_id))
        rows_height = table.verticalHeader().defaultSectionSize() * max(table.rowCount(), 2)
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows_height + 2 * table.frameWidth())

    def _update_legends(self) -> None:
        for plot, attribute in ((self.loss_plot, "loss_curve"), (self.grad_plot, "grad_curve")):
            legend = plot.getPlotItem().legend
            legend.clear()
            # Many losses: a smaller font and two columns, so the legend stays in the empty top part.
            many = len(self._items) > 3
            legend.setColumnCount(2 if many else 1)
            legend.setLabelTextSize("8pt" if many else "9pt")
            for loss_id, items in self._items.items():
                # With many curves the parameters go (the aggregates table still lists them) to keep it small.
                label = short_name(loss_id) if many else legend_label(loss_id, self._cache.params(loss_id))
                legend.addItem(getattr(items, attribute), label)

    def _place_markers(self) -> None:
        if not self._active():
            return
        self._place_lab_handle()
        if not self._items:
            for item in (self.loss_selected, self.grad_selected):
                item.setData(_EMPTY, _EMPTY)
            self.loss_handle.setVisible(False)
            return
        data = self._model.dataset()
        row = np.array([self._row])
        error = float(self._errors[self._row])
        values = np.array([float(self._cache.per_row(k)[self._row]) for k in self._items])
        gradients = np.array([float(losses.gradient(k, data.y_true[row], data.y_pred[row],
                                                    **self._cache.params(k))[0]) for k in self._items])
        self.loss_selected.setData(np.full(values.size, error), values)
        self.grad_selected.setData(np.full(gradients.size, error), gradients)
        first = float(values[0])
        self.loss_handle.setVisible(not self._log_y or first > 0.0)
        self.loss_handle.setPos(QPointF(error, np.log10(first) if self._log_y and first > 0 else first))

    def _place_lab_handle(self) -> None:
        if self._row < self._errors.size:
            self.lab_handle.setPos(QPointF(float(self._errors[self._row]),
                                           float(strip_offsets(np.array([self._row]))[0])))

    def _show_lab_row(self) -> None:
        data = self._model.dataset()
        if self._row < data.n_rows:
            self.lab.show_row(self._row, data.n_rows, float(data.y_true[self._row]), float(data.y_pred[self._row]))

    def _slider_span(self) -> float:
        return max(2.0 * self._max_abs_error, 5.0)

    def _show_empty_state(self) -> None:
        data = self._model.dataset()
        self._dirty = True
        self._pages.setCurrentIndex(1)
        if data.task != "regression":
            self.empty_label.setText(f"This data set is {data.task} classification.\n"
                                     "The regression view needs numeric targets; see the classification view.")
        else:
            self.empty_label.setText("The table has no rows.")


def _row_tick_spacing(n_rows: int, most_ticks: int = 8) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... rows that puts at most ``most_ticks`` ticks on ``n_rows`` bars."""
    spacing = 1
    while n_rows / spacing > most_ticks:
        spacing = spacing * 5 // 2 if str(spacing)[0] == "2" else spacing * 2
    return spacing


def _nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) >= ``value`` > 0."""
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return float(step * power)
    return float(10.0 * power)
