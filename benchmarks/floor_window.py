"""The start-up floor: a bare PySide6 process that shows a QMainWindow, grabs it to a PNG and
exits, the least any Qt window app can do (``python -m benchmarks.floor_window OUT.png``)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


def main() -> int:
    """Show, grab, save, exit; 0 when the PNG was written."""
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("floor"))
    window.resize(360, 480)
    window.show()
    app.processEvents()
    saved = window.grab().save(sys.argv[1], "PNG")
    return 0 if saved else 1


if __name__ == "__main__":
    sys.exit(main())
