"""The group results panel's widgets: a collapsible header naming the group's last send, the
out-of-sync banner, one row per member and "Retry the failed ones". Layout and names only;
ui/group_results.py gives them behaviour. Made, and shown, when a group send starts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ct_ticket.ui.widgets import button, named, tight

__all__ = ["RESULT_COLUMNS", "GroupResultsView"]

RESULT_COLUMNS = ("Account", "Qty", "State", "Position", "Room")
_VISIBLE_ROWS_PX = 230  # beyond this the table scrolls: the ticket stays one screen tall


class GroupResultsView(QWidget):
    """Each member's answer to the group's last send. Empty and hidden until `make` (at the
    first group send): a trader who never sends to a group never pays for its ~25 widgets."""

    toggle_button: QToolButton
    summary_label: QLabel
    body: QWidget
    banner: QLabel
    table: QTableWidget
    retry_button: QPushButton

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("groupResultsPanel")
        self.setVisible(False)
        self.made = False

    def make(self) -> bool:
        """Make the widgets, once; True when this call made them."""
        if self.made:
            return False
        self.made = True
        outer = tight(QVBoxLayout(self))
        self.toggle_button = QToolButton()
        self.toggle_button.setCheckable(True)
        self.toggle_button.setChecked(True)
        self.toggle_button.setText("▾ Group results")
        named(self.toggle_button, "groupResultsToggle", "Show group results",
              "Show or hide each member's result of the group's last send")
        self.summary_label = QLabel("")
        named(self.summary_label, "groupSummary", "Group send summary")
        row = QHBoxLayout()
        row.addWidget(self.toggle_button)
        row.addWidget(self.summary_label, 1)
        outer.addLayout(row)

        self.body = QWidget()
        body = tight(QVBoxLayout(self.body))
        self.banner = QLabel("")
        named(self.banner, "groupOutOfSync", "Members out of sync",
              "Members whose positions no longer match their multipliers")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        body.addWidget(self.banner)
        table = self.table = QTableWidget(0, len(RESULT_COLUMNS))
        named(table, "groupResultsTable", "Group results")
        table.setHorizontalHeaderLabels(list(RESULT_COLUMNS))
        table.verticalHeader().setVisible(False)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # The ticket is narrow: the state's reason and the room (two lines) wrap in the two
        # stretching columns, so every column stays in view without scrolling sideways.
        table.setWordWrap(True)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for stretching in ("State", "Room"):
            header.setSectionResizeMode(RESULT_COLUMNS.index(stretching),
                                        QHeaderView.ResizeMode.Stretch)
        body.addWidget(table)
        self.retry_button = button("retryFailedButton", "Retry the failed ones",
                                   "Retry the failed members",
                                   "Send again only to members with a definite failure "
                                   "(never to one whose outcome is unknown)", "repeat")
        self.retry_button.setEnabled(False)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.retry_button)
        body.addLayout(actions)
        outer.addWidget(self.body)
        return True

    @contextlib.contextmanager
    def changing_cells(self) -> Iterator[None]:
        """Change many cells at the cost of one: while a column sizes itself to its contents,
        every changed cell made the header measure the whole column again (20 rows: ~45 ms a
        draw; this way ~1.5 ms). The columns take their sizing back, and size once, after."""
        header = self.table.horizontalHeader()
        modes = [header.sectionResizeMode(column) for column in range(header.count())]
        for column, mode in enumerate(modes):
            if mode == QHeaderView.ResizeMode.ResizeToContents:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        try:
            yield
        finally:
            for column, mode in enumerate(modes):
                header.setSectionResizeMode(column, mode)

    def fit_rows(self) -> None:
        """Rows as tall as their text, the table as tall as its rows (up to a limit)."""
        table = self.table
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
        height = table.horizontalHeader().height() + rows + 2 * table.frameWidth()
        table.setFixedHeight(min(height, _VISIBLE_ROWS_PX))
