"""The activity-log panel's widget: every request, its answer, latency and order id."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWidget

from ct_ticket.ui.widgets import named, tight

__all__ = ["ActivityView"]


class ActivityView(QWidget):
    """A read-only, bounded log the trader can scroll and select from."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("activityPanel")
        self.activity_log = QPlainTextEdit()
        named(self.activity_log, "activityLog", "Activity log")
        self.activity_log.setReadOnly(True)
        self.activity_log.setMaximumBlockCount(2000)
        self.activity_log.setMinimumHeight(70)
        tight(QVBoxLayout(self)).addWidget(self.activity_log)
