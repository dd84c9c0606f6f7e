"""Time to a window's first paint, as a whole process: ``python -m benchmarks.paint_probe
ticket|floor``. Prints ``painted`` on stdout once the first paint of a top-level window has
finished (children included), then leaves at once, so the parent times spawn to paint.

Both cases do the same before their window: import QtWidgets, make the QApplication (the app
takes the existing instance, as under pytest-qt) and watch paint events on it. The floor then
shows a bare QMainWindow; the ticket runs ``ct_ticket.app.main(["--demo"])`` unchanged, which
paints the real ticket window (inert, shaped as the trader left it) before it imports asyncio,
qasync, httpx, the keyring and the simulator, and attaches the ticket after.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget


class _FirstPaint(QObject):
    """Report once the first top-level window's paint pass is over."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if (not self.seen and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget) and watched.isWindow()):
            self.seen = True
            # The window's children paint in the same pass: report after it, not inside it.
            QTimer.singleShot(0, _report)
        return False


def _report() -> None:
    sys.stdout.write("painted\n")
    sys.stdout.flush()
    os._exit(0)


def main() -> int:
    """Run the floor or the ticket until its first paint."""
    app = QApplication(sys.argv[:1])
    watch = _FirstPaint()
    app.installEventFilter(watch)
    if sys.argv[1] == "floor":
        window = QMainWindow()
        window.setCentralWidget(QLabel("floor"))
        window.resize(360, 480)
        window.show()
        return app.exec()
    from ct_ticket.app import main as ticket_main

    return ticket_main(["--demo"])


if __name__ == "__main__":
    sys.exit(main())
