"""Controls for one loss parameter: a slider plus a spin box for numbers, a check box for switches.

A control only converts between widget values and parameter values; binding to :class:`LossState` is the
loss panel's job. :meth:`ParamControl.set_value` pushes a value into the widgets with their signals blocked,
so a value coming from the state never echoes back as a user edit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QSlider, QWidget

from lossexplorer.gui.blocking import signals_blocked

if TYPE_CHECKING:
    from lossexplorer.losses import ParamSpec

SLIDER_STEPS = 1000
DECIMALS = 3
# Spin boxes need finite ends; an unbounded parameter still gets far more room than its slider.
_UNBOUNDED_REACH = 10_000.0
_NEGATIVE_INFINITY_TEXT = "−∞"


def _spin_range(spec: ParamSpec) -> tuple[float, float]:
    """The spin box's range: the valid range, nudged inside open ends and capped where it is unbounded."""
    step = 10.0 ** -DECIMALS
    low = spec.low if math.isfinite(spec.low) else min(spec.ui_low, 0.0) - _UNBOUNDED_REACH
    high = spec.high if math.isfinite(spec.high) else max(spec.ui_high, 0.0) + _UNBOUNDED_REACH
    if math.isfinite(spec.low) and not spec.low_inclusive:
        low += step
    if math.isfinite(spec.high) and not spec.high_inclusive:
        high -= step
    return low, high


class ParamControl(QWidget):
    """A slider and a spin box for one float parameter, or a check box for a bool parameter.

    Signals:
        value_edited(str, object): the user changed the value (parameter name, new value).
    """

    value_edited = Signal(str, object)

    def __init__(self, loss_id: str, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"param_{loss_id}_{spec.name}")
        self.setToolTip(f"{spec.name}: {spec.meaning}. Valid range {spec.describe_range()}.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider: QSlider | None = None
        self.spin_box: QDoubleSpinBox | None = None
        self.check_box: QCheckBox | None = None
        if spec.kind == "bool":
            self._build_check_box(loss_id, layout)
        else:
            self._build_slider_and_spin_box(loss_id, layout)

    def _build_check_box(self, loss_id: str, layout: QHBoxLayout) -> None:
        box = QCheckBox(self.spec.meaning, self)
        box.setObjectName(f"check_{loss_id}_{self.spec.name}")
        box.setAccessibleName(f"{self.spec.name} of {loss_id}")
        box.setToolTip(self.toolTip())
        box.toggled.connect(self._check_box_toggled)
        layout.addWidget(box)
        self.check_box = box

    def _build_slider_and_spin_box(self, loss_id: str, layout: QHBoxLayout) -> None:
        slider = QSlider(Qt.Orientation.Horizontal, self)
        slider.setObjectName(f"slider_{loss_id}_{self.spec.name}")
        slider.setAccessibleName(f"{self.spec.name} slider of {loss_id}")
        slider.setRange(0, SLIDER_STEPS)
        slider.setPageStep(SLIDER_STEPS // 20)
        slider.setToolTip(self.toolTip())
        spin = QDoubleSpinBox(self)
        spin.setObjectName(f"spin_{loss_id}_{self.spec.name}")
        spin.setAccessibleName(f"{self.spec.name} of {loss_id}")
        spin.setDecimals(DECIMALS)
        spin.setRange(*_spin_range(self.spec))
        spin.setSingleStep(self._spin_step())
        spin.setKeyboardTracking(False)
        spin.setToolTip(self.toolTip())
        spin.setMinimumWidth(84)
        if math.isinf(self.spec.low) and self.spec.low_inclusive:
            # The minimum stands for -inf itself (e.g. Barron's alpha = -inf, the Welsch loss).
            spin.setSpecialValueText(_NEGATIVE_INFINITY_TEXT)
        slider.valueChanged.connect(self._slider_moved)
        spin.valueChanged.connect(self._spin_changed)
        layout.addWidget(slider, 1)
        layout.addWidget(spin)
        self.slider, self.spin_box = slider, spin

    def _spin_step(self) -> float:
        span = self.spec.ui_high - self.spec.ui_low
        return float(f"{span / 100:.1g}") if span > 0 else 0.01

    # ----- conversions ---------------------------------------------------------------------------
    def _slider_position(self, value: float) -> int:
        span = self.spec.ui_high - self.spec.ui_low
        if not math.isfinite(value):
            return 0 if value < 0 else SLIDER_STEPS
        fraction = (value - self.spec.ui_low) / span if span > 0 else 0.0
        return round(min(max(fraction, 0.0), 1.0) * SLIDER_STEPS)

    def _slider_value(self, position: int) -> float:
        fraction = position / SLIDER_STEPS
        value = self.spec.ui_low + fraction * (self.spec.ui_high - self.spec.ui_low)
        low, high = _spin_range(self.spec)
        return float(min(max(round(value, DECIMALS), low), high))

    def _spin_value(self) -> float:
        spin = self.spin_box
        assert spin is not None
        if spin.specialValueText() and spin.value() == spin.minimum():
            return -math.inf
        return float(spin.value())

    # ----- model -> widgets ----------------------------------------------------------------------
    def value(self) -> float | bool:
        """The value the widgets show."""
        if self.check_box is not None:
            return self.check_box.isChecked()
        return self._spin_value()

    def set_value(self, value: float | bool) -> None:
        """Show ``value`` without emitting :attr:`value_edited` (the state pushes its values here)."""
        if self.check_box is not None:
            with signals_blocked(self.check_box):
                self.check_box.setChecked(bool(value))
            return
        assert self.slider is not None and self.spin_box is not None
        number = float(value)
        with signals_blocked(self.slider, self.spin_box):
            self.slider.setValue(self._slider_position(number))
            self.spin_box.setValue(self.spin_box.minimum() if math.isinf(number) and number < 0 else number)

    # ----- widgets -> model ----------------------------------------------------------------------
    @Slot(bool)
    def _check_box_toggled(self, checked: bool) -> None:
        self.value_edited.emit(self.spec.name, bool(checked))

    @Slot(int)
    def _slider_moved(self, position: int) -> None:
        assert self.spin_box is not None
        value = self._slider_value(position)
        with signals_blocked(self.spin_box):
            self.spin_box.setValue(value)
        self.value_edited.emit(self.spec.name, value)

    @Slot(float)
    def _spin_changed(self, _value: float) -> None:
        assert self.slider is not None
        value = self._spin_value()
        with signals_blocked(self.slider):
            self.slider.setValue(self._slider_position(value))
        self.value_edited.emit(self.spec.name, value)
