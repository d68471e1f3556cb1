"""The outlier lab's controls: pick a row, add an outlier row, move the row's prediction by slider or number.

The widget holds no data. It reports what the user asked for through its signals, and the regression view,
which owns the data flow, pushes the row's current values back with :meth:`OutlierLabControls.show_row`
(widget signals blocked, so nothing echoes).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from lossexplorer.gui.blocking import signals_blocked

SLIDER_STEPS = 2000
_VALUE_REACH = 1e12


class OutlierLabControls(QWidget):
    """Row picker and prediction controls of the outlier lab.

    Signals:
        row_requested(int): the user picked another row (0-based).
        largest_requested(): the user asked for the row with the largest error.
        add_requested(): the user asked for a new outlier row.
        prediction_changed(float, bool): a new prediction for the row, and whether a slider drag is under way.
        drag_finished(): the slider was released, ending one drag (one undo step).
    """

    row_requested = Signal(int)
    largest_requested = Signal()
    add_requested = Signal()
    prediction_changed = Signal(float, bool)
    drag_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outlierLabControls")
        self.setAccessibleName("Outlier lab controls")
        self._centre, self._half_span = 0.0, 1.0
        self._build()

    def _build(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.row_spin = QSpinBox(self)
        self.row_spin.setObjectName("labRowSpin")
        self.row_spin.setAccessibleName("Outlier lab row")
        self.row_spin.setToolTip("The table row whose prediction the lab moves (1-based, as in the table)")
        self.row_spin.setKeyboardTracking(False)
        self.row_spin.setMinimum(1)
        self.largest_button = self._button("Largest error", "labLargestButton",
                                           "Pick the row whose prediction is furthest from its target")
        self.add_button = self._button("Add outlier row", "labAddOutlierButton",
                                       "Append a row whose prediction is far off (undo with Ctrl+Z)")
        self.info_label = QLabel(self)
        self.info_label.setObjectName("labInfo")
        self.info_label.setStyleSheet("color: #333;")
        # A fixed size keeps a new text from relayouting (and so repainting) the whole view on every drag step.
        widest = self.info_label.fontMetrics().horizontalAdvance("y_true = -8.888e+88   error = -8.888e+88")
        self.info_label.setFixedSize(widest + 8, self.info_label.fontMetrics().height() + 4)
        top = QHBoxLayout()
        top.addWidget(self.row_spin)
        top.addWidget(self.largest_button)
        top.addWidget(self.add_button)
        top.addStretch(1)
        grid.addWidget(QLabel("Row", self), 0, 0)
        grid.addLayout(top, 0, 1, 1, 2)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("labPredictionSlider")
        self.slider.setAccessibleName("Outlier lab prediction slider")
        self.slider.setToolTip("Drag to move the row's prediction; one drag is one undo step")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        self.spin = QDoubleSpinBox(self)
        self.spin.setObjectName("labPredictionSpin")
        self.spin.setAccessibleName("Outlier lab prediction")
        self.spin.setToolTip("The row's prediction y_pred")
        self.spin.setDecimals(3)
        self.spin.setRange(-_VALUE_REACH, _VALUE_REACH)
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(96)
        grid.addWidget(QLabel("Prediction", self), 1, 0)
        grid.addWidget(self.slider, 1, 1)
        grid.addWidget(self.spin, 1, 2)
        grid.addWidget(self.info_label, 2, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        self.row_spin.valueChanged.connect(self._row_spin_changed)
        self.largest_button.clicked.connect(self.largest_requested)
        self.add_button.clicked.connect(self.add_requested)
        self.slider.valueChanged.connect(self._slider_changed)
        self.slider.sliderReleased.connect(self.drag_finished)
        self.spin.valueChanged.connect(self._spin_changed)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text)
        button.setToolTip(tip)
        return button

    # ----- view -> widgets -----------------------------------------------------------------------
    def show_row(self, row: int, n_rows: int, y_true: float, y_pred: float) -> None:
        """Show a row's values without emitting anything."""
        # Each setter is skipped when nothing changes: a spin box's new maximum or a label's new text
        # relayouts, and so repaints, the whole view.
        with signals_blocked(self.row_spin, self.spin):
            if self.row_spin.maximum() != max(n_rows, 1):
                self.row_spin.setMaximum(max(n_rows, 1))
            if self.row_spin.value() != row + 1:
                self.row_spin.setValue(row + 1)
            if self.spin.value() != round(y_pred, self.spin.decimals()):
                self.spin.setValue(y_pred)
        self._centre = y_true
        if not self.slider.isSliderDown():
            self._place_slider(y_pred)
        text = f"y_true = {y_true:.4g}   error = {y_pred - y_true:+.4g}"
        if self.info_label.text() != text:
            self.info_label.setText(text)

    def set_span(self, half_span: float) -> None:
        """Let the slider reach errors in [-half_span, half_span] around the row's target."""
        self._half_span = max(float(half_span), 1e-9)

    def _place_slider(self, y_pred: float) -> None:
        fraction = (y_pred - self._centre + self._half_span) / (2.0 * self._half_span)
        with signals_blocked(self.slider):
            self.slider.setValue(round(min(max(fraction, 0.0), 1.0) * SLIDER_STEPS))

    # ----- widgets -> view -----------------------------------------------------------------------
    @Slot(int)
    def _row_spin_changed(self, value: int) -> None:
        self.row_requested.emit(value - 1)

    @Slot(int)
    def _slider_changed(self, position: int) -> None:
        value = self._centre + (2.0 * position / SLIDER_STEPS - 1.0) * self._half_span
        self.prediction_changed.emit(float(value), self.slider.isSliderDown())

    @Slot(float)
    def _spin_changed(self, value: float) -> None:
        self.prediction_changed.emit(float(value), False)
