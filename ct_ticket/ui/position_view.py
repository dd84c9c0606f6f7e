"""The position-and-status panel's widgets: the exits (Close, Reverse, Cancel all, Flatten all),
the position line and the status line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ct_ticket.ui.widgets import button, named, tight

__all__ = ["PositionView"]


class PositionView(QWidget):
    """What the trader holds, the ways out of it, and what the ticket last said."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("positionPanel")
        outer = tight(QVBoxLayout(self))
        self.close_position_button = button(
            "closePositionButton", "Close", "Close position",
            "Close the whole position in this instrument. NT8 flattens it: the instrument's "
            "working orders, stops and targets included, are cancelled too", "close")
        self.reverse_button = button("reverseButton", "Reverse", "Reverse position",
                                     "Reverse the position in this instrument", "reverse")
        self.cancel_all_button = button("cancelAllButton", "Cancel all", "Cancel all orders",
                                        "Cancel this account's working orders", "cancel")
        self.flatten_everything_button = button(
            "flattenEverythingButton", "Flatten all", "Flatten everything",
            "Close every position and cancel every working order in this account, ATM "
            "stops and targets included (lists them and asks first)", "kill")
        grid = QGridLayout()
        grid.addWidget(self.close_position_button, 0, 0)
        grid.addWidget(self.reverse_button, 0, 1)
        grid.addWidget(self.cancel_all_button, 1, 0)
        grid.addWidget(self.flatten_everything_button, 1, 1)
        outer.addLayout(grid)

        self.position_label = QLabel("Position —")
        named(self.position_label, "positionLabel", "Position",
              "Position in the chosen account and instrument")
        self.position_label.setWordWrap(True)
        self.pnl_label = QLabel("")
        named(self.pnl_label, "pnlLabel", "Unrealized P&L",
              "Open profit or loss of the position (green up, red down)")
        position_row = QHBoxLayout()
        position_row.addWidget(self.position_label, 1)
        position_row.addWidget(self.pnl_label)
        self.status_line = QLabel("Starting…")
        named(self.status_line, "statusLine", "Status")
        self.status_line.setWordWrap(True)
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addLayout(position_row)
        outer.addWidget(self.status_line)
        self.exit_buttons = (self.close_position_button, self.reverse_button,
                             self.cancel_all_button, self.flatten_everything_button)
