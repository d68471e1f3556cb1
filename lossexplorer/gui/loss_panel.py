"""The loss selector: every loss in the registry grouped by family, parameter controls and the formula.

Binding is two-way, napari style. User actions on the widgets go to :class:`LossState`; the state's signals
come back to the widgets, which are updated with their own signals blocked so nothing echoes. The state is
the only place a selection or a parameter lives, so sessions, settings and tests can drive it directly.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lossexplorer import losses
from lossexplorer.gui.blocking import signals_blocked
from lossexplorer.gui.loss_state import LossState
from lossexplorer.gui.param_control import ParamControl
from lossexplorer.gui.plot_style import curve_pen
from lossexplorer.gui.rich_text import escape_html

LOSS_ID_ROLE = Qt.ItemDataRole.UserRole
FAMILY_TITLES = {
    "regression": "Regression · error ŷ − y",
    "probabilistic": "Probabilistic · cross-entropy",
    "margin": "Margin · score y·f",
    "similarity": "Similarity · direction, overlap",
}
TASK_WORDS = {"regression": "regression", "binary": "binary classification", "multiclass": "multiclass"}
_SWATCH_SIZE = QSize(28, 12)


def line_swatch(loss_id: str) -> QIcon:
    """A small picture of the loss's line (colour and dash), so the list doubles as the plots' legend."""
    ratio = 2
    pixmap = QPixmap(_SWATCH_SIZE * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = curve_pen(loss_id, width=2.4)
    pen.setCosmetic(False)
    painter.setPen(pen)
    middle = _SWATCH_SIZE.height() / 2
    painter.drawLine(QPointF(1, middle), QPointF(_SWATCH_SIZE.width() - 1, middle))
    painter.end()
    return QIcon(pixmap)


def loss_tooltip(spec: losses.LossSpec) -> str:
    """The hover text of a loss: when to use it, and the data it applies to."""
    tasks = ", ".join(TASK_WORDS[task] for task in losses.TASKS if task in spec.tasks)
    return (f"<b>{escape_html(spec.display_name)}</b><br>Use it when {escape_html(spec.use_when)}."
            f"<br><span style='color:#555'>Applies to: {tasks}</span>")


def formula_html(spec: losses.LossSpec) -> str:
    """The formula panel's rich text: the formula, what y_true and y_pred must be, and when to use the loss."""
    return (
        f"<div style='font-size:11pt'><b>{escape_html(spec.display_name)}</b></div>"
        f"<div style='font-size:12pt; margin-top:6px; margin-bottom:6px'>{spec.formula_html}</div>"
        f"<div><b>y_true</b>: {escape_html(spec.y_true_doc)}</div>"
        f"<div><b>y_pred</b>: {escape_html(spec.y_pred_doc)}</div>"
        f"<div style='margin-top:6px; color:#444'><i>Use it when</i> {escape_html(spec.use_when)}.</div>"
    )


class LossPanel(QWidget):
    """Lists every loss in the registry, grouped by family, with checkboxes, parameter controls and the formula.

    Attributes:
        tree: the grouped, checkable list of losses (one child item per loss, its id in ``LOSS_ID_ROLE``).
        controls: ``{loss_id: {param_name: ParamControl}}`` for every loss with parameters whose page is built.
        reset_button: puts the current loss's parameters back to their defaults.
        formula_label: the formula panel.
    """

    def __init__(self, state: LossState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lossPanel")
        self.setAccessibleName("Loss selector")
        self._state = state
        self._items: dict[str, QTreeWidgetItem] = {}
        self._pages: dict[str, int] = {}
        self.controls: dict[str, dict[str, ParamControl]] = {}
        self._build()
        self._connect()
        self._sync_checks()
        self._show_current(state.current)

    # ----- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        hint = QLabel("Tick losses to draw them; select one to see its formula and parameters.", self)
        hint.setObjectName("lossPanelHint")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("lossPanelSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_tree())
        splitter.addWidget(self._build_details())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

    def _build_tree(self) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setObjectName("lossTree")
        tree.setAccessibleName("Losses by family")
        tree.setHeaderHidden(True)
        tree.setColumnCount(1)
        tree.setUniformRowHeights(True)
        tree.setRootIsDecorated(False)
        tree.setIndentation(10)
        tree.setIconSize(_SWATCH_SIZE)
        tree.setMinimumHeight(180)
        bold = QFont(tree.font())
        bold.setBold(True)
        for family in losses.FAMILIES:
            group = QTreeWidgetItem(tree, [FAMILY_TITLES.get(family, family.capitalize())])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFont(0, bold)
            group.setForeground(0, QColor("#3a3a3a"))
            for loss_id, spec in losses.REGISTRY.items():
                if spec.family == family:
                    self._items[loss_id] = self._loss_item(group, loss_id, spec)
            group.setExpanded(True)
        self.tree = tree
        return tree

    def _loss_item(self, group: QTreeWidgetItem, loss_id: str, spec: losses.LossSpec) -> QTreeWidgetItem:
        item = QTreeWidgetItem(group, [spec.display_name])
        item.setData(0, LOSS_ID_ROLE, loss_id)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Unchecked)
        item.setToolTip(0, loss_tooltip(spec))
        item.setIcon(0, line_swatch(loss_id))
        return item

    def _build_details(self) -> QWidget:
        details = QWidget(self)
        layout = QVBoxLayout(details)
        layout.setContentsMargins(0, 0, 0, 0)
        self.params_box = QGroupBox("Parameters", details)
        self.params_box.setObjectName("paramsBox")
        box_layout = QVBoxLayout(self.params_box)
        # One page per loss, each built the first time its loss becomes current (page()): sixteen pages of
        # sliders and spin boxes up front cost about 4 ms of the window's start-up.
        self.param_pages = QStackedWidget(self.params_box)
        self.param_pages.setObjectName("paramPages")
        self.param_pages.currentChanged.connect(self._fit_page)
        box_layout.addWidget(self.param_pages)
        self.reset_button = QPushButton("Reset to defaults", self.params_box)
        self.reset_button.setObjectName("resetParamsButton")
        self.reset_button.setAccessibleName("Reset parameters to defaults")
        self.reset_button.setToolTip("Put the selected loss's parameters back to their registry defaults")
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.reset_button)
        box_layout.addLayout(button_row)
        layout.addWidget(self.params_box)
        self.formula_label = QLabel(details)
        self.formula_label.setObjectName("formulaLabel")
        self.formula_label.setAccessibleName("Formula of the selected loss")
        self.formula_label.setTextFormat(Qt.TextFormat.RichText)
        self.formula_label.setWordWrap(True)
        self.formula_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.formula_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula_label.setStyleSheet(
            "QLabel { background: #ffffff; border: 1px solid #d9dde3; border-radius: 4px; padding: 8px; }")
        self.formula_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        layout.addWidget(self.formula_label, 1)
        return details

    def _build_param_page(self, loss_id: str, spec: losses.LossSpec) -> QWidget:
        page = QWidget()
        page.setObjectName(f"paramPage_{loss_id}")
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if not spec.params:
            note = QLabel("This loss has no parameters.", page)
            note.setStyleSheet("color: #666;")
            form.addRow(note)
            return page
        values = self._state.params(loss_id)
        controls: dict[str, ParamControl] = {}
        for param in spec.params:
            control = ParamControl(loss_id, param, page)
            control.set_value(values[param.name])
            control.value_edited.connect(
                lambda name, value, loss=loss_id: self._param_edited(loss, name, value))
            label = QLabel(param.name, page)
            label.setToolTip(control.toolTip())
            form.addRow(label, control)
            controls[param.name] = control
        self.controls[loss_id] = controls
        return page

    def _connect(self) -> None:
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.currentItemChanged.connect(self._current_item_changed)
        self.reset_button.clicked.connect(self._reset_clicked)
        self._state.selection_changed.connect(self._sync_checks)
        self._state.current_changed.connect(self._show_current)
        self._state.params_changed.connect(self._sync_params)

    def sizeHint(self) -> QSize:
        """Narrow enough to leave the plots most of the window."""
        return QSize(290, 640)

    # ----- public --------------------------------------------------------------------------------
    def item(self, loss_id: str) -> QTreeWidgetItem:
        """The tree item of a loss."""
        return self._items[loss_id]

    def page(self, loss_id: str) -> QWidget:
        """The parameter page of a loss (built now if it has not been shown yet)."""
        if loss_id not in self._pages:
            page = self._build_param_page(loss_id, losses.REGISTRY[loss_id])
            self._pages[loss_id] = self.param_pages.addWidget(page)
        return self.param_pages.widget(self._pages[loss_id])

    # ----- UI -> state ---------------------------------------------------------------------------
    @Slot(QTreeWidgetItem, int)
    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        loss_id = item.data(0, LOSS_ID_ROLE)
        if loss_id:
            self._state.set_checked(loss_id, item.checkState(0) == Qt.CheckState.Checked)

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _current_item_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        loss_id = current.data(0, LOSS_ID_ROLE) if current is not None else None
        if loss_id:
            self._state.set_current(loss_id)

    def _param_edited(self, loss_id: str, name: str, value: object) -> None:
        try:
            self._state.set_param(loss_id, name, value)
        except ValueError:
            # The controls' ranges keep values valid; should one slip through, show the state's value again.
            self._sync_params(loss_id)

    @Slot()
    def _reset_clicked(self) -> None:
        self._state.reset_params(self._state.current)

    # ----- state -> UI ---------------------------------------------------------------------------
    @Slot()
    def _sync_checks(self) -> None:
        with signals_blocked(self.tree):
            for loss_id, item in self._items.items():
                checked = self._state.is_checked(loss_id)
                item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.tree.viewport().update()

    @Slot(str)
    def _show_current(self, loss_id: str) -> None:
        spec = losses.REGISTRY[loss_id]
        with signals_blocked(self.tree):
            self.tree.setCurrentItem(self._items[loss_id])
        self.param_pages.setCurrentWidget(self.page(loss_id))
        self._fit_page(self._pages[loss_id])
        self.params_box.setTitle(f"Parameters · {spec.display_name}")
        self.formula_label.setText(formula_html(spec))
        self._update_reset_button()

    @Slot(str)
    def _sync_params(self, loss_id: str) -> None:
        values = self._state.params(loss_id)
        for name, control in self.controls.get(loss_id, {}).items():
            control.set_value(values[name])
        self._update_reset_button()

    @Slot(int)
    def _fit_page(self, index: int) -> None:
        # A stacked widget sizes itself to its largest page; letting hidden pages shrink keeps the box snug.
        for page_index in range(self.param_pages.count()):
            policy = QSizePolicy.Policy.Preferred if page_index == index else QSizePolicy.Policy.Ignored
            self.param_pages.widget(page_index).setSizePolicy(policy, policy)
        self.param_pages.adjustSize()

    def _update_reset_button(self) -> None:
        loss_id = self._state.current
        defaults = losses.validate_params(loss_id, {})
        self.reset_button.setEnabled(self._state.params(loss_id) != defaults)
