"""The classification view (placeholder until the view lands)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from lossexplorer.gui.loss_state import LossState
from lossexplorer.gui.table_model import PredictionTableModel


class ClassificationView(QWidget):
    """Live plots of the classification losses and the table's rows on them."""

    def __init__(self, model: PredictionTableModel, state: LossState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classificationView")
        self._model, self._state = model, state
        self._plot = pg.PlotWidget(title="Classification")
        QVBoxLayout(self).addWidget(self._plot)

    def plot_widgets(self) -> list[tuple[str, pg.PlotWidget]]:
        """Every plot of this view with its title, for export."""
        return [("Classification", self._plot)]

    def set_log_y(self, enabled: bool) -> None:
        """Switch the loss axes between linear and logarithmic."""
        self._plot.setLogMode(y=enabled)

    def reset_zoom(self) -> None:
        """Autoscale every plot to its data."""
        self._plot.enableAutoRange()
