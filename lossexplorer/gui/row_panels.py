"""Per-row panels of the classification view: share bars (binary), a heat table (multiclass), the aggregates.

Like the curve plots, every item here is created once and afterwards only gets new data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Slot
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from lossexplorer import evaluate, losses
from lossexplorer.gui.classification_plots import add_tick_grid
from lossexplorer.gui.plot_style import curve_color, make_plot
from lossexplorer.gui.rich_text import escape_html

HEAT_MAX_ROWS = 50
"""The heat table stays readable up to about this many columns of rows; beyond, it shows the heaviest rows."""

SHORT_NAMES = {
    "mean_squared_error": "Sq. error",
    "mean_absolute_error": "Abs. error",
    "binary_crossentropy": "BCE",
    "binary_focal_crossentropy": "Focal",
    "categorical_crossentropy": "CCE",
    "sparse_categorical_crossentropy": "Sparse CCE",
    "kl_divergence": "KL",
    "hinge": "Hinge",
    "squared_hinge": "Sq. hinge",
    "categorical_hinge": "Cat. hinge",
    "cosine_similarity": "−cosine",
    "dice": "Dice",
}
# White to a deep vermillion: one hue, rising darkness, so it reads the same under colour-vision deficiencies.
_HEAT_COLORS = ("#FFFFFF", "#FDD9B5", "#F4A261", "#D55E00", "#7A2E00")


def short_name(loss_id: str) -> str:
    """A short label for axes and readouts."""
    return SHORT_NAMES.get(loss_id, losses.REGISTRY[loss_id].display_name)


def bar_rows_for(n_losses: int) -> int:
    """How many rows the share bars show: fewer when more losses share the width."""
    return int(np.clip(60 // max(n_losses, 1), 6, 20))


class _HoverReadout:
    """A corner label that reads out what is under the mouse, filled in by a callback."""

    def __init__(self, widget: pg.PlotWidget, describe: object) -> None:
        self._widget, self._describe = widget, describe
        self.label = pg.TextItem(anchor=(0, 0), color="#222222", fill=pg.mkBrush(255, 255, 255, 225))
        self.label.setParentItem(widget.getPlotItem().vb)
        self.label.setPos(6, 4)
        self.label.setVisible(False)
        self._proxy = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=60, slot=self._moved)

    @Slot(object)
    def _moved(self, event: tuple[QPointF]) -> None:
        view_box = self._widget.getPlotItem().vb
        position = event[0]
        text = ""
        if view_box.sceneBoundingRect().contains(position):
            text = self._describe(view_box.mapSceneToView(position))
        self.label.setText(text)
        self.label.setVisible(bool(text))


class ShareBars:
    """Each row's share of each loss's total, for the rows that weigh most, as grouped bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.widget = make_plot("Share of each loss's total, heaviest rows", "row (numbered as in the table)",
                                "share of the total (%)", "shareBars", parent)
        self.item = self.widget.getPlotItem()
        self.item.setMouseEnabled(x=False, y=True)
        self.grid = add_tick_grid(self.item, x=False, y=True)
        self.bars: dict[str, pg.BarGraphItem] = {}
        self.rows = np.empty(0, dtype=np.int64)
        self.shares = np.empty((0, 0))
        self.loss_ids: list[str] = []
        self._legend_ids: list[str] = []
        self._labelled: tuple[tuple[int, ...], int] = ((), -1)
        self.item.enableAutoRange(axis="y")
        self.readout = _HoverReadout(self.widget, self._describe)

    def _bar(self, loss_id: str) -> pg.BarGraphItem:
        if loss_id not in self.bars:
            item = pg.BarGraphItem(x=np.zeros(1), height=np.zeros(1), width=0.1,
                                   brush=pg.mkBrush(curve_color(loss_id)), pen=pg.mkPen("#ffffff", width=0.5))
            item.setVisible(False)
            self.item.addItem(item)
            self.bars[loss_id] = item
        return self.bars[loss_id]

    def update(self, loss_ids: Sequence[str], rows: np.ndarray, shares: np.ndarray, n_rows: int) -> None:
        """Show ``shares`` (losses × rows, fractions) of ``rows`` for ``loss_ids``."""
        self.loss_ids, self.rows, self.shares = list(loss_ids), rows, shares
        count = rows.size
        width = 0.84 / max(len(loss_ids), 1)
        positions = np.arange(count, dtype=np.float64)
        for index, loss_id in enumerate(loss_ids):
            offset = (index - (len(loss_ids) - 1) / 2.0) * width
            bar = self._bar(loss_id)
            bar.setOpts(x=positions + offset, height=shares[index] * 100.0, width=width * 0.92)
            bar.setVisible(count > 0)
        for loss_id, bar in self.bars.items():
            if loss_id not in loss_ids:
                bar.setVisible(False)
        self._sync_legend()
        self._label_rows(n_rows)

    def _label_rows(self, n_rows: int) -> None:
        # Ticks and title change only when other rows come to the top; setting them anyway relays out the plot.
        labelled = (tuple(self.rows.tolist()), n_rows)
        if labelled == self._labelled:
            return
        self._labelled = labelled
        count = self.rows.size
        self.item.getAxis("bottom").setTicks([[(float(i), str(int(r) + 1)) for i, r in enumerate(self.rows)]])
        self.item.setXRange(-0.6, max(count, 1) - 0.4, padding=0.0)
        what = "every row" if count == n_rows else f"{count} heaviest of {n_rows:,} rows"
        self.item.setTitle(f"Share of each loss's total, {what}", color="#222222", size="11pt")

    def _sync_legend(self) -> None:
        if self._legend_ids == self.loss_ids:
            return
        legend = self.item.legend
        legend.clear()
        legend.setColumnCount(max(len(self.loss_ids), 1))
        for loss_id in self.loss_ids:
            legend.addItem(self.bars[loss_id], short_name(loss_id))
        self._legend_ids = list(self.loss_ids)

    def reset_zoom(self) -> None:
        """All bars in view."""
        self.item.setXRange(-0.6, max(self.rows.size, 1) - 0.4, padding=0.0)
        self.item.enableAutoRange(axis="y")

    def _describe(self, point: QPointF) -> str:
        index = round(point.x())
        if not 0 <= index < self.rows.size or abs(point.x() - index) > 0.45:
            return ""
        parts = [f"{short_name(k)} {100 * self.shares[j, index]:.1f} %" for j, k in enumerate(self.loss_ids)]
        return f"row {int(self.rows[index]) + 1}: " + " · ".join(parts)


class MulticlassHeat:
    """A heat table of per-row losses: one band per loss, one column per row, darker = larger share."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.widget = make_plot("Per-row losses", "row (numbered as in the table); darker = larger, scaled per loss",
                                "", "multiclassHeat", parent)
        self.item = self.widget.getPlotItem()
        self.item.legend.setVisible(False)
        self.item.showGrid(x=False, y=False)
        self.item.setMouseEnabled(x=False, y=False)
        self.item.invertY(True)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setColorMap(pg.ColorMap(np.linspace(0.0, 1.0, len(_HEAT_COLORS)), list(_HEAT_COLORS)))
        self.item.addItem(self.image)
        self.rows = np.empty(0, dtype=np.int64)
        self.values = np.empty((0, 0))
        self.loss_ids: list[str] = []
        self.readout = _HoverReadout(self.widget, self._describe)

    def update(self, loss_ids: Sequence[str], rows: np.ndarray, values: np.ndarray, n_rows: int) -> None:
        """Show ``values`` (losses × rows, the losses themselves) of ``rows``; colour is scaled per loss."""
        self.loss_ids, self.rows, self.values = list(loss_ids), rows, values
        floors = np.array([evaluate.loss_floor(k) for k in loss_ids])[:, None]
        excess = values - floors
        tops = excess.max(axis=1, keepdims=True) if rows.size else np.ones((len(loss_ids), 1))
        scaled = np.divide(excess, tops, out=np.zeros_like(excess), where=tops > 0)
        # col-major images are indexed [x, y]: x runs over the rows, y over the losses.
        self.image.setImage(scaled.T, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(QRectF(-0.5, -0.5, max(rows.size, 1), max(len(loss_ids), 1)))
        names = [short_name(k) for k in loss_ids]
        left = self.item.getAxis("left")
        left.setTicks([[(float(j), name) for j, name in enumerate(names)]])
        # The axis is as wide as its longest loss name, so no name is clipped away.
        widest = max((QFontMetrics(left.style["tickFont"] or left.font()).horizontalAdvance(n) for n in names),
                     default=0)
        left.setWidth(widest + 18)
        step = max(1, int(np.ceil(rows.size / 25)))
        ticks = [(float(i), str(int(r) + 1)) for i, r in enumerate(rows) if i % step == 0]
        self.item.getAxis("bottom").setTicks([ticks])
        self.reset_zoom()
        what = "every row" if rows.size == n_rows else f"{rows.size} heaviest of {n_rows:,} rows"
        self.item.setTitle(f"Per-row losses, {what}", color="#222222", size="11pt")

    def reset_zoom(self) -> None:
        """The whole table in view."""
        self.item.setRange(xRange=(-0.5, max(self.rows.size, 1) - 0.5),
                           yRange=(-0.5, max(len(self.loss_ids), 1) - 0.5), padding=0.0)

    def _describe(self, point: QPointF) -> str:
        column, band = round(point.x()), round(point.y())
        if not (0 <= column < self.rows.size and 0 <= band < len(self.loss_ids)):
            return ""
        parts = [f"{short_name(k)} {self.values[j, column]:.4g}" for j, k in enumerate(self.loss_ids)]
        return f"row {int(self.rows[column]) + 1}: " + " · ".join(parts)


class AggregatesPanel(QFrame):
    """A strip with the mean of each loss over the rows, live, each in its loss's colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aggregatesPanel")
        self.setAccessibleName("Mean loss over the rows")
        self.setStyleSheet("#aggregatesPanel { background: #ffffff; border: 1px solid #d7dbe0; border-radius: 4px; }")
        self.label = QLabel(self)
        self.label.setObjectName("aggregatesLabel")
        self.label.setAccessibleName("Aggregate losses")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 5, 10, 5)
        layout.addWidget(self.label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.means: dict[str, float] = {}

    def update(self, means: dict[str, float], n_rows: int, note: str = "") -> None:
        """Show each loss's mean over ``n_rows`` rows, and an optional problem note after them."""
        self.means = dict(means)
        parts = [f"<b>Mean over {n_rows:,} rows:</b>"]
        for loss_id, value in means.items():
            colour = curve_color(loss_id).name()
            name = escape_html(short_name(loss_id))
            parts.append(f"<span style='color:{colour}'>■</span>&nbsp;{name}&nbsp;<b>{value:.4g}</b>")
        if not means:
            parts.append("<span style='color:#666'>no classification loss applies to these data</span>")
        if note:
            parts.append(f"<span style='color:#b03000'>{escape_html(note)}</span>")
        self.label.setText("&nbsp;&nbsp; ".join(parts))
        self.label.setToolTip("<br>".join(f"{escape_html(losses.REGISTRY[k].display_name)}: {v:.6g}"
                                          for k, v in means.items()))

    def show_text(self, text: str) -> None:
        """Show a note instead of the means (data with no classification rows)."""
        self.means = {}
        self.label.setText(f"<span style='color:#444'>{escape_html(text)}</span>")
        self.label.setToolTip("")
