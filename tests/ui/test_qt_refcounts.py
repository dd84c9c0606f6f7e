"""A guard against PySide6 builds that drop references to None (6.12.0 did): the window
re-styles through property()/polish() on every click, and on Python 3.11 a None whose count
reaches zero aborts the process."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QWidget

from ct_ticket.ui.theme import set_style_property


def test_restyling_does_not_leak_references_to_none(qapp: Any) -> None:
    widget = QWidget()
    widget.property("warm-up")
    before = sys.getrefcount(None)
    for index in range(2_000):
        widget.property("never-set")
        set_style_property(widget, "level", "ok" if index % 2 else "error")
    after = sys.getrefcount(None)
    # A correct build may cache a few references; a broken one loses thousands.
    assert after >= before - 50, f"None lost {before - after} references"
