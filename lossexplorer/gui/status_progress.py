"""A status-bar box for a background job: what it does, how far it has come, and a button to stop it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

BAR_WIDTH = 160


class StatusProgress(QWidget):
    """A label, a progress bar and a Cancel button in ``parent``'s status bar, hidden until :meth:`begin`.

    Object names follow ``kind``: ``{kind}ProgressBox``, ``{kind}ProgressLabel``, ``{kind}Progress`` and
    ``cancel{Kind}Button`` (``kind="load"`` gives ``cancelLoadButton``).

    Attributes:
        label (QLabel): what the job is doing.
        bar (QProgressBar): 0 .. ``steps``.
        cancel_button (QPushButton): connect its ``clicked`` to the job's cancel.
    """

    def __init__(self, kind: str, job_name: str, cancel_tip: str, steps: int, parent: QMainWindow) -> None:
        super().__init__(parent)
        self.setObjectName(f"{kind}ProgressBox")
        self.label = QLabel(self)
        self.label.setObjectName(f"{kind}ProgressLabel")
        self.bar = QProgressBar(self)
        self.bar.setObjectName(f"{kind}Progress")
        self.bar.setAccessibleName(f"{job_name} progress")
        self.bar.setRange(0, steps)
        self.bar.setFixedWidth(BAR_WIDTH)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName(f"cancel{kind.capitalize()}Button")
        self.cancel_button.setAccessibleName(f"Cancel {job_name.lower()}")
        self.cancel_button.setToolTip(cancel_tip)
        # As wide as its word: the status bar would otherwise hand it all the room the message leaves.
        self.cancel_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        parent.statusBar().addPermanentWidget(self)
        self.hide()

    def begin(self, text: str) -> None:
        """Show the box with ``text``, at zero."""
        self.label.setText(text)
        self.bar.setValue(0)
        self.show()
