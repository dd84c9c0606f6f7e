"""The header panel's widgets: SIM/LIVE badge, stream and connection indicators."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ct_ticket.ui.widgets import named, tight

__all__ = ["HeaderView"]


class HeaderView(QWidget):
    """One row across the top of the ticket: what kind of account, how data arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("headerPanel")
        self.account_kind_badge = QLabel("—")
        named(self.account_kind_badge, "accountKindBadge", "Account kind",
              "SIM or LIVE, from the account's connection")
        self.connection_indicator = QLabel("● connecting")
        named(self.connection_indicator, "connectionIndicator", "Connection",
              "CrossTrade reachable / NinjaTrader connected")
        self.stream_indicator = QLabel("")
        named(self.stream_indicator, "streamIndicator", "Market data stream",
              "Live: quotes and P&L stream in; REST only: read every few seconds")
        row = tight(QHBoxLayout(self))
        row.addWidget(self.account_kind_badge)
        row.addWidget(self.stream_indicator)
        row.addStretch(1)
        row.addWidget(self.connection_indicator)
