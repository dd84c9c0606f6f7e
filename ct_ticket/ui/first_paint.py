"""Wait, before the asyncio loop exists, until a shown window has painted once.

The app paints its window first and imports the network side after; a plain ``show()`` only
queues the paint, which would then wait for those imports. This runs Qt's own loop just until
the window's first paint pass has ended (or a time limit, for a window the desktop never
exposes: a start must never hang on it).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QWidget

__all__ = ["wait_for_first_paint"]


class _PaintWatch(QObject):
    """Quits `loop` once the watched window's first paint pass is over."""

    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if not self.painted and event.type() == QEvent.Type.Paint:
            self.painted = True
            # The window's children paint in the same pass: quit after it, not inside it.
            QTimer.singleShot(0, self.loop.quit)
        return False


def wait_for_first_paint(window: QWidget, timeout_ms: int = 1_000) -> bool:
    """Run Qt's event loop until `window` (shown) has painted; False when the time ran out."""
    loop = QEventLoop()
    watch = _PaintWatch(loop)
    limit = QTimer()
    limit.setSingleShot(True)
    limit.timeout.connect(loop.quit)
    window.installEventFilter(watch)
    try:
        if window.isVisible():
            window.update()  # a paint is due even if the platform painted it already
            limit.start(timeout_ms)
            loop.exec()
        return watch.painted
    finally:
        limit.stop()
        window.removeEventFilter(watch)
