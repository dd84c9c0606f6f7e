"""Render a widget to a PNG as it stands (used by `--screenshot` and the README's images)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["save_window"]

log = logging.getLogger(__name__)


def save_window(window: QWidget, path: Path) -> bool:
    """Paint pending updates, grab the window and save it; False (and a log line) on failure."""
    QApplication.processEvents()
    pixmap = window.grab()
    path.parent.mkdir(parents=True, exist_ok=True)
    if pixmap.isNull() or not pixmap.save(str(path), "PNG"):
        log.error("could not save the screenshot to %s", path)
        return False
    log.info("screenshot saved to %s (%dx%d)", path, pixmap.width(), pixmap.height())
    return True
