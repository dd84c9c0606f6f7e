"""Keyboard shortcuts and quantity presets: one table the views show in tooltips and the
window binds."""

from __future__ import annotations

__all__ = ["QUANTITY_PRESETS", "SHORTCUTS"]

QUANTITY_PRESETS = (1, 2, 5, 10)
SHORTCUTS = {
    "buy": "Ctrl+B",
    "sell": "Ctrl+S",
    "flatten_place": "Ctrl+Return",
    "place": "Ctrl+Shift+Return",
    "refresh": "F5",
    "repeat": "Ctrl+R",
}
