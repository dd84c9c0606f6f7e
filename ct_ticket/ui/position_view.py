"""The position-and-status panel's widgets: the exits (Close, Reverse, Cancel all, Flatten all),
the position line, the account's room to its own limits, and the status line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ct_ticket.ui.widgets import button, named, steady, tight

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
        position_row.addWidget(steady(self.pnl_label))  # re-labelled by every P&L frame
        self.status_line = QLabel("Starting…")
        named(self.status_line, "statusLine", "Status")
        self.status_line.setWordWrap(True)
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addLayout(position_row)
        self.room_label = QLabel("")
        named(self.room_label, "roomLabel", "Room to the account's limits",
              "What is left before the account's own daily loss limit and trailing drawdown "
              "(amber under 25 %, red under 10 %)")
        self.room_label.setWordWrap(True)
        self.room_label.hide()  # shown once an account is chosen
        outer.addWidget(self.room_label)

        # --- protecting and managing the trade ----------------------------------------------
        self.protect_button = button(
            "protectButton", "Protect", "Protect position",
            "No working stop covers this position: place a stop-loss and a take-profit for "
            "the whole position with the remembered ticks (one bracket)")
        self.protect_button.hide()  # shown only while the position is naked
        outer.addWidget(self.protect_button)
        self.breakeven_button = QPushButton("BE")
        named(self.breakeven_button, "breakevenButton", "Breakeven",
              "Move the working stop to the average price plus the ticks beside (one change)")
        self.breakeven_ticks = QSpinBox()
        self.breakeven_ticks.setRange(-100, 100)
        named(self.breakeven_ticks, "breakevenTicks", "Breakeven ticks",
              "Ticks beyond the average price in the trade's favour (negative: short of it)")
        self.stop_down_button = QToolButton()
        self.stop_down_button.setText("SL -1")
        named(self.stop_down_button, "stopDownButton", "Stop down one tick",
              "Move the working stop one tick down")
        self.stop_up_button = QToolButton()
        self.stop_up_button.setText("SL +1")
        named(self.stop_up_button, "stopUpButton", "Stop up one tick",
              "Move the working stop one tick up")
        self.close_half_button = QPushButton("Close 50%")
        named(self.close_half_button, "closeHalfButton", "Close half",
              "Close half the position (rounded down, at least 1)")
        manage = QHBoxLayout()
        for widget in (self.breakeven_button, self.breakeven_ticks, self.stop_down_button,
                       self.stop_up_button, self.close_half_button):
            manage.addWidget(widget)
        manage.addStretch(1)
        outer.addLayout(manage)
        outer.addWidget(self.status_line)
        self.exit_buttons = (self.close_position_button, self.reverse_button,
                             self.cancel_all_button, self.flatten_everything_button)
