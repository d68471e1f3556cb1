"""Which losses are drawn and with which parameters: shared by the loss panel, the views and sessions."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from lossexplorer import losses

DEFAULT_CHECKED = (
    "mean_squared_error", "mean_absolute_error", "huber",
    "binary_crossentropy", "binary_focal_crossentropy", "hinge",
    "categorical_crossentropy",
)


class LossState(QObject):
    """The selected losses, the loss whose controls are shown, and every loss's parameters.

    Signals:
        selection_changed(): a loss was checked or unchecked.
        params_changed(str): a parameter of the named loss changed.
        current_changed(str): another loss became the one whose formula and controls are shown.
    """

    selection_changed = Signal()
    params_changed = Signal(str)
    current_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checked: list[str] = [name for name in DEFAULT_CHECKED if name in losses.REGISTRY]
        self._params = {name: losses.validate_params(name, {}) for name in losses.REGISTRY}
        self._current = self._checked[0] if self._checked else next(iter(losses.REGISTRY))

    def checked(self, family: str | None = None) -> tuple[str, ...]:
        """Checked loss ids in registry order, optionally only those of one family."""
        return tuple(name for name in losses.REGISTRY if name in self._checked
                     and (family is None or losses.REGISTRY[name].family == family))

    def is_checked(self, loss_id: str) -> bool:
        """Whether the loss is drawn."""
        return loss_id in self._checked

    def set_checked(self, loss_id: str, checked: bool) -> None:
        """Check or uncheck a loss; emits ``selection_changed`` only on a real change."""
        if checked == (loss_id in self._checked):
            return
        if checked:
            self._checked.append(loss_id)
        else:
            self._checked.remove(loss_id)
        self.selection_changed.emit()

    def set_checked_ids(self, loss_ids: list[str] | tuple[str, ...]) -> None:
        """Replace the whole selection at once (sessions, settings)."""
        wanted = [name for name in loss_ids if name in losses.REGISTRY]
        if wanted != self._checked:
            self._checked = wanted
            self.selection_changed.emit()

    def params(self, loss_id: str) -> dict[str, object]:
        """The full parameter dict of one loss (a copy)."""
        return dict(self._params[loss_id])

    def all_params(self) -> dict[str, dict[str, object]]:
        """Parameters of every loss (copies)."""
        return {name: dict(values) for name, values in self._params.items()}

    def set_param(self, loss_id: str, name: str, value: object) -> None:
        """Set one parameter after validating it through the loss library; raises ValueError if invalid."""
        proposed = {**self._params[loss_id], name: value}
        validated = losses.validate_params(loss_id, proposed)
        if validated != self._params[loss_id]:
            self._params[loss_id] = validated
            self.params_changed.emit(loss_id)

    def reset_params(self, loss_id: str) -> None:
        """Put a loss's parameters back to the registry defaults."""
        defaults = losses.validate_params(loss_id, {})
        if defaults != self._params[loss_id]:
            self._params[loss_id] = defaults
            self.params_changed.emit(loss_id)

    @property
    def current(self) -> str:
        """The loss whose formula and controls are shown."""
        return self._current

    def set_current(self, loss_id: str) -> None:
        """Show another loss's formula and controls."""
        if loss_id != self._current and loss_id in losses.REGISTRY:
            self._current = loss_id
            self.current_changed.emit(loss_id)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready snapshot for sessions and settings."""
        return {"checked": list(self.checked()), "current": self._current, "params": self.all_params()}

    def load_dict(self, state: dict[str, object]) -> None:
        """Restore a snapshot from :meth:`to_dict`; values are validated through the loss library."""
        params = state.get("params", {})
        for loss_id, values in dict(params).items():
            if loss_id in losses.REGISTRY:
                validated = losses.validate_params(loss_id, dict(values))
                if validated != self._params[loss_id]:
                    self._params[loss_id] = validated
                    self.params_changed.emit(loss_id)
        self.set_checked_ids(list(state.get("checked", [])))
        self.set_current(str(state.get("current", self._current)))
