"""Loss selector with parameter controls and the formula panel (placeholder until the panel lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from lossexplorer.gui.loss_state import LossState


class LossPanel(QWidget):
    """Lists every loss in the registry, grouped by family, with checkboxes, sliders and the formula."""

    def __init__(self, state: LossState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lossPanel")
        self._state = state
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Loss selector coming"))
