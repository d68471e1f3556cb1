"""The status-bar progress box shared by loading and exporting."""

from PySide6.QtWidgets import QMainWindow

from lossexplorer.gui.status_progress import StatusProgress


def test_box_is_named_hidden_until_begun_and_keeps_cancel_its_own_size(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(1360, 200)
    box = StatusProgress("export", "Export", "Stop exporting", 1000, window)
    window.show()
    qtbot.waitExposed(window)
    assert not box.isVisible()
    box.bar.setValue(400)
    box.begin("Exporting rows.csv…")
    qtbot.waitUntil(box.isVisible)
    assert box.label.text() == "Exporting rows.csv…" and box.bar.value() == 0 and box.bar.maximum() == 1000
    names = [box.objectName(), box.label.objectName(), box.bar.objectName(), box.cancel_button.objectName()]
    assert names == ["exportProgressBox", "exportProgressLabel", "exportProgress", "cancelExportButton"]
    assert box.bar.accessibleName() == "Export progress"
    assert box.cancel_button.accessibleName() == "Cancel export"
    # A wide window's status bar must not stretch the button across the room the message leaves.
    assert box.cancel_button.width() <= box.cancel_button.sizeHint().width() + 2
