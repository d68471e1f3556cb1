"""The classification view: loss against the true-class probability and against the margin, with the rows on them.

Top left, the checked binary losses against ``p_t`` (with Lin et al. 2017's focal family on demand); top right,
the textbook margin losses over ``z = y·f``; below, each row's share of each loss (binary) or a heat table of
per-row losses (multiclass), and the mean of every loss. Regression data gets the curves and a short note.

The view redraws only from :attr:`PredictionTableModel.arrays_changed` and the :class:`LossState` signals. Per-row
values are cached in :class:`ClassificationRows` and recomputed only for the rows that changed; while the view is
hidden it just remembers that it is out of date and catches up when it is shown. Its widgets are built the first
time it is shown or one of them is asked for, so a window that opens on regression data does not pay for them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lossexplorer import curves
from lossexplorer.gui.classification_plots import MARGIN_ROWS_ON, MarginPlot, ProbabilityPlot, probability_legend
from lossexplorer.gui.classification_rows import (
    ClassificationRows,
    categorical_curve,
    data_params,
    view_losses,
)
from lossexplorer.gui.loss_state import LossState
from lossexplorer.gui.row_panels import HEAT_MAX_ROWS, AggregatesPanel, MulticlassHeat, ShareBars, bar_rows_for
from lossexplorer.gui.table_model import PredictionTableModel

_NOTES = {
    "binary": "Each dot is a row of the table, at its probability of the true class (left) and at its margin "
              "(right). Edit a probability and watch its dot, the bars and the means move.",
    "multiclass": "Each dot is a row at the probability its model gave the true class. Multiclass rows have no "
                  "single margin, so the margin plot shows the textbook curves only.",
    "regression": "These are regression data: the classification curves are drawn without rows. Load binary or "
                  "multiclass predictions, or switch to the regression view (Ctrl+1).",
}
# The attributes that exist once the widgets are built; asking for any of them builds the widgets.
_BUILT_PARTS = frozenset({
    "probability_plot", "margin_plot", "share_bars", "heat_table", "aggregates_panel", "note_label",
    "label_one_button", "label_zero_button", "label_group", "focal_family_check", "bottom_stack", "_label_caption",
})


class ClassificationView(QWidget):
    """Live plots of the classification losses and the table's rows on them.

    Attributes:
        probability_plot (ProbabilityPlot): loss against the probability of the true class.
        margin_plot (MarginPlot): the textbook margin losses.
        share_bars (ShareBars): each row's share of each loss's total (binary data).
        heat_table (MulticlassHeat): per-row losses of multiclass data.
        aggregates_panel (AggregatesPanel): the mean of each loss.
        rows (ClassificationRows): the cached per-row values.

    Signals:
        widgets_built: the plots exist now (emitted once, on first show or first access).
    """

    widgets_built = Signal()

    def __init__(self, model: PredictionTableModel, state: LossState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classificationView")
        self.setAccessibleName("Classification view")
        self._model, self._state = model, state
        self.rows = ClassificationRows()
        self._stale = True
        self._shown_task = ""
        self._log_y = False
        self._built = False
        self._building = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        model.arrays_changed.connect(self._on_arrays_changed)
        state.selection_changed.connect(self._on_selection_changed)
        state.params_changed.connect(self._on_params_changed)
        state.current_changed.connect(self._on_current_changed)

    # ----- building ------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> object:
        """Build the widgets when one of them is first asked for (Python calls this only for missing names)."""
        if name in _BUILT_PARTS and not self.__dict__.get("_building", True):
            self.ensure_built()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def is_built(self) -> bool:
        """Whether the plots and controls exist yet."""
        return self._built

    def ensure_built(self) -> None:
        """Build the plots and controls if they do not exist yet."""
        if self._built or self._building:
            return
        self._building = True
        content = QWidget(self)
        content.setObjectName("classificationContent")
        self._build(content)
        self._built = True
        self._building = False
        self.layout().addWidget(content)
        if self._log_y:
            self.set_log_y(True)
        if self.isVisible():
            content.show()
        self.widgets_built.emit()

    def _build(self, content: QWidget) -> None:
        self.probability_plot = ProbabilityPlot(self)
        self.margin_plot = MarginPlot(self)
        self.share_bars = ShareBars(self)
        self.heat_table = MulticlassHeat(self)
        self.aggregates_panel = AggregatesPanel(self)
        self.note_label = QLabel(self)
        self.note_label.setObjectName("classificationNote")
        self.note_label.setAccessibleName("About this view")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #666666;")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.setSpacing(6)
        layout.addWidget(self.note_label)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.aggregates_panel)
        layout.addWidget(self._build_plots(), stretch=1)

    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        caption = QLabel("Curves for true label", self)
        self.label_one_button = self._label_button("y = 1", "trueLabelOneButton", "Curves for a row of class 1")
        self.label_zero_button = self._label_button("y = 0", "trueLabelZeroButton", "Curves for a row of class 0")
        self.label_one_button.setChecked(True)
        self.label_group = QButtonGroup(self)
        self.label_group.setExclusive(True)
        self.label_group.addButton(self.label_one_button, 1)
        self.label_group.addButton(self.label_zero_button, 0)
        self.label_group.idToggled.connect(self._on_label_toggled)
        self.focal_family_check = QCheckBox("Focal family γ = 0, 0.5, 1, 2, 5 (Lin et al. 2017)", self)
        self.focal_family_check.setObjectName("focalFamilyCheck")
        self.focal_family_check.setAccessibleName("Show the focal loss family")
        self.focal_family_check.setToolTip("Lin et al. 2017, Fig. 1: FL(p_t) = −(1 − p_t)^γ · ln p_t. "
                                           "A larger γ quiets the rows the model already gets right.")
        self.focal_family_check.setChecked(False)
        self.focal_family_check.toggled.connect(self._on_family_toggled)
        row.addWidget(caption)
        row.addWidget(self.label_one_button)
        row.addWidget(self.label_zero_button)
        row.addSpacing(16)
        row.addWidget(self.focal_family_check)
        row.addStretch(1)
        self._label_caption = caption
        return row

    def _label_button(self, text: str, name: str, accessible: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setToolTip(f"{accessible}. With y = 0 the x axis reads p, the probability of class 1, "
                          "so the curves mirror.")
        button.setCheckable(True)
        button.setMinimumWidth(48)
        return button

    def _build_plots(self) -> QSplitter:
        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.setObjectName("classificationTopSplitter")
        top.setAccessibleName("Probability and margin plots")
        top.addWidget(self.probability_plot.widget)
        top.addWidget(self.margin_plot.widget)
        top.setChildrenCollapsible(False)
        self.bottom_stack = QStackedWidget(self)
        self.bottom_stack.setObjectName("classificationRowsStack")
        self.bottom_stack.setAccessibleName("Per-row losses")
        self.bottom_stack.addWidget(self.share_bars.widget)
        self.bottom_stack.addWidget(self.heat_table.widget)
        outer = QSplitter(Qt.Orientation.Vertical, self)
        outer.setObjectName("classificationSplitter")
        outer.setAccessibleName("Curves above, rows below")
        outer.addWidget(top)
        outer.addWidget(self.bottom_stack)
        outer.setChildrenCollapsible(False)
        # Proportions, not pixels: the splitter scales these to the height it gets.
        outer.setSizes([560, 400])
        top.setSizes([500, 500])
        return outer

    # ----- public API ----------------------------------------------------------------------------
    def plot_widgets(self) -> list[tuple[str, pg.PlotWidget]]:
        """Every plot of this view with its title, for export (brought up to date first)."""
        self._catch_up()
        plots = [("Loss vs probability of the true class", self.probability_plot.widget),
                 ("Loss vs margin", self.margin_plot.widget)]
        if self.rows.task == "binary":
            plots.append(("Row shares of each loss", self.share_bars.widget))
        elif self.rows.task == "multiclass":
            plots.append(("Per-row losses", self.heat_table.widget))
        return plots

    def all_plot_widgets(self) -> list[tuple[str, pg.PlotWidget]]:
        """Every plot this view can show, whatever the data, as they are (no catching up)."""
        return [("Loss vs probability of the true class", self.probability_plot.widget),
                ("Loss vs margin", self.margin_plot.widget),
                ("Row shares of each loss", self.share_bars.widget),
                ("Per-row losses", self.heat_table.widget)]

    def set_log_y(self, enabled: bool) -> None:
        """Switch the two loss axes between linear and logarithmic (the share bars stay linear)."""
        self._log_y = bool(enabled)
        if not self._built:
            return
        for plot in (self.probability_plot, self.margin_plot):
            plot.item.setLogMode(y=enabled)
            plot.place_legend()
            plot.reset_zoom()

    def reset_zoom(self) -> None:
        """Back to each plot's home view: p in (0, 1), the textbook margin window, every bar."""
        self._catch_up()
        self.probability_plot.reset_zoom()
        self.margin_plot.reset_zoom()
        self.share_bars.reset_zoom()
        self.heat_table.reset_zoom()

    def true_label(self) -> int:
        """The label the probability curves are drawn for (1 or 0)."""
        return self.probability_plot.label

    def set_true_label(self, label: int) -> None:
        """Draw the probability curves for a row of this label (1 or 0)."""
        button = self.label_one_button if label == 1 else self.label_zero_button
        button.setChecked(True)

    def aggregates(self) -> dict[str, float]:
        """The mean of each loss over the rows, as shown."""
        self._catch_up()
        return dict(self.aggregates_panel.means)

    # ----- slots ---------------------------------------------------------------------------------
    @Slot(object)
    def _on_arrays_changed(self, changed: object) -> None:
        if self._stale or not self.isVisible():
            self._stale = True
            return
        data = self._model.dataset()
        if changed is None or data.n_rows != self.rows.n_rows or data.task != self.rows.task:
            self._refresh_all()
            return
        rows = np.asarray(changed, dtype=np.int64)
        try:
            self.rows.update_rows(data, rows)
        except ValueError:
            # A loss refused the edited rows: recompute everything, which names the loss and the reason.
            self._refresh_all()
            return
        positions = self.rows.drawn_positions(rows)
        if positions.size:
            self._move_row_points(positions)
        self._draw_row_panels()

    @Slot()
    def _on_selection_changed(self) -> None:
        if self._stale or not self.isVisible():
            self._stale = True
            return
        data = self._model.dataset()
        self.rows.set_losses(data, view_losses(data.task, self._state.checked()), self._state.all_params())
        self._draw_curves()
        self._draw_row_points()
        self._draw_row_panels()

    @Slot(str)
    def _on_params_changed(self, loss_id: str) -> None:
        if self._stale or not self.isVisible():
            self._stale = True
            return
        if loss_id in self._curve_ids():
            self._draw_curves()
        if self.rows.set_params(self._model.dataset(), loss_id, self._state.params(loss_id)):
            self._draw_row_points()
            self._draw_row_panels()

    @Slot(str)
    def _on_current_changed(self, _loss_id: str) -> None:
        if self._built:
            self._emphasise_current()

    @Slot(int, bool)
    def _on_label_toggled(self, label: int, checked: bool) -> None:
        if not checked:
            return
        self.probability_plot.set_label(label)
        if not self._stale:
            self._draw_curves()
            self._draw_row_points()

    @Slot(bool)
    def _on_family_toggled(self, visible: bool) -> None:
        for item in self.probability_plot.family.values():
            item.setVisible(visible)
        self._sync_probability_legend()

    def showEvent(self, event: QShowEvent) -> None:
        """Build the widgets on first show and catch up with changes made while hidden."""
        super().showEvent(event)
        self.ensure_built()
        self._catch_up()

    # ----- drawing -------------------------------------------------------------------------------
    def _catch_up(self) -> None:
        if self._stale:
            self._refresh_all()

    def _refresh_all(self) -> None:
        data = self._model.dataset()
        self.rows.rebuild(data, view_losses(data.task, self._state.checked()), self._state.all_params())
        self._stale = False
        task = data.task
        self.bottom_stack.setCurrentWidget(self.heat_table.widget if task == "multiclass" else self.share_bars.widget)
        self.bottom_stack.setVisible(task != "regression")
        self.note_label.setText(_NOTES[task] if task != "regression" else "")
        self.note_label.setVisible(task != "regression")
        for widget in (self.label_one_button, self.label_zero_button, self._label_caption):
            widget.setEnabled(task != "multiclass")
        if task == "multiclass" and self.true_label() != 1:
            self.set_true_label(1)
        self._draw_curves()
        self._draw_row_points()
        self._draw_row_panels()
        if task != self._shown_task:
            self._shown_task = task
            self.reset_zoom()

    def _curve_ids(self) -> list[str]:
        if self.rows.task == "multiclass":
            return ["categorical_crossentropy"]
        return [loss_id for loss_id in self._state.checked() if loss_id in curves.PROBABILITY_LOSSES]

    def _curve_values(self, loss_id: str) -> np.ndarray:
        plot, params = self.probability_plot, self._state.params(loss_id)
        if self.rows.task == "multiclass":
            return categorical_curve(loss_id, plot.grid, self._model.dataset().n_classes, params)
        return curves.loss_vs_true_class_probability(loss_id, plot.grid, plot.label, data_params(params))

    def _draw_curves(self) -> None:
        plot = self.probability_plot
        wanted = self._curve_ids()
        for loss_id in wanted:
            plot.set_loss_curve(loss_id, self._curve_values(loss_id))
        for key, item in plot.curves.items():
            if key not in wanted and not key.startswith("focal_family_"):
                item.setVisible(False)
        for item in plot.family.values():
            item.setVisible(self.focal_family_check.isChecked())
        self._sync_probability_legend()
        self._emphasise_current()

    def _emphasise_current(self) -> None:
        """Draw the loss whose formula the panel shows a little bolder, on both plots."""
        current = self._state.current
        self.probability_plot.emphasise(current)
        self.margin_plot.emphasise(MARGIN_ROWS_ON.get(current, ""))

    def _sync_probability_legend(self) -> None:
        plot = self.probability_plot
        task = self.rows.task
        entries = [(plot.curves[k], probability_legend(k, self._state.params(k), task))
                   for k in self._curve_ids() if k in plot.curves]
        if self.focal_family_check.isChecked():
            entries += plot.family_entries()
        plot.set_legend(entries, columns=2 if len(entries) > 5 else 1)

    def _probability_point_ids(self) -> list[str]:
        """The losses whose rows sit on the probability plot."""
        if self.rows.task == "regression":
            return []
        curve_ids = self._curve_ids()
        return [loss_id for loss_id in self.rows.loss_ids if loss_id in curve_ids]

    def _margin_point_ids(self) -> list[str]:
        """The losses whose rows sit on a margin curve (binary data only)."""
        if self.rows.task != "binary":
            return []
        return [loss_id for loss_id in self.rows.loss_ids if loss_id in MARGIN_ROWS_ON]

    def _margin_values(self, loss_id: str, rows: np.ndarray) -> np.ndarray:
        name = MARGIN_ROWS_ON[loss_id]
        if name == loss_id:
            return self.rows.per_row[loss_id][rows]
        return curves.margin_curve(name, self.rows.margin[rows])

    def _draw_row_points(self) -> None:
        rows, sample = self.rows, self.rows.sample
        probability_ids = self._probability_point_ids() if sample.size else []
        margin_ids = self._margin_point_ids() if sample.size else []
        self.probability_plot.row_numbers = self.margin_plot.row_numbers = sample
        for loss_id in probability_ids:
            name = probability_legend(loss_id, self._state.params(loss_id), rows.task)
            self.probability_plot.set_row_points(loss_id, rows.p_true[sample], rows.per_row[loss_id][sample], name)
        if margin_ids:
            z = rows.margin[sample]
            self.margin_plot.cover_margins(float(np.min(z)), float(np.max(z)))
            for loss_id in margin_ids:
                self.margin_plot.set_row_points(MARGIN_ROWS_ON[loss_id], z, self._margin_values(loss_id, sample))
        self.probability_plot.hide_points_except(probability_ids)
        self.margin_plot.hide_points_except([MARGIN_ROWS_ON[k] for k in margin_ids])
        tops = [float(np.max(rows.per_row[k][sample])) for k in probability_ids]
        self.probability_plot.set_data_top(max(tops, default=0.0))

    def _move_row_points(self, positions: np.ndarray) -> None:
        rows = self.rows
        changed = rows.sample[positions]
        for loss_id in self._probability_point_ids():
            self.probability_plot.move_row_points(loss_id, positions, rows.p_true[changed],
                                                  rows.per_row[loss_id][changed])
        margin_ids = self._margin_point_ids()
        if margin_ids:
            z = rows.margin[changed]
            self.margin_plot.cover_margins(float(np.min(z)), float(np.max(z)), shrink=False)
            for loss_id in margin_ids:
                self.margin_plot.points[MARGIN_ROWS_ON[loss_id]].move(positions, z,
                                                                      self._margin_values(loss_id, changed))

    def _draw_row_panels(self) -> None:
        rows = self.rows
        if rows.task == "binary":
            top_rows, shares = rows.top_shares(bar_rows_for(len(rows.loss_ids)))
            self.share_bars.update(rows.loss_ids, top_rows, shares, rows.n_rows)
        elif rows.task == "multiclass":
            if rows.n_rows <= HEAT_MAX_ROWS:
                shown = np.arange(rows.n_rows, dtype=np.int64)
            else:
                shown = np.sort(rows.top_shares(HEAT_MAX_ROWS)[0])
            values = np.stack([rows.per_row[k][shown] for k in rows.loss_ids]) if rows.loss_ids else np.empty((0, 0))
            self.heat_table.update(rows.loss_ids, shown, values, rows.n_rows)
        problems = "; ".join(rows.problems.values())
        if rows.task == "regression":
            self.aggregates_panel.show_text(_NOTES["regression"])
        else:
            self.aggregates_panel.update(rows.means(), rows.n_rows, problems)
