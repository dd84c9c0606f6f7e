"""The precautionary limits per account kind (SIM, LIVE), edited in one small dialog.

These are the ticket's own warnings: a send that breaks one is held until the trader says
"Send anyway". CrossTrade and NinjaTrader remain the real risk controls, and the dialog says so.
The assumed stop distance is what an order without a stop-loss risks per contract in the check
against the account's own room (its daily loss limit and trailing drawdown).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ct_ticket.model import DEFAULT_LIMITS, AccountKind, Limits

__all__ = ["LimitsDialog"]


class LimitsDialog(QDialog):
    """Edit `Limits` for SIM and LIVE accounts; `limits()` reads the fields back."""

    def __init__(self, parent: QWidget | None, current: dict[AccountKind, Limits],
                 require_stop: dict[AccountKind, bool] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("limitsDialog")
        self.setWindowTitle("Safety limits")
        layout = QVBoxLayout(self)
        intro = QLabel("A send that breaks a limit is held until you choose Send anyway. "
                       "These are the ticket's own checks: CrossTrade and NinjaTrader remain "
                       "the real risk controls.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for column, kind in enumerate(AccountKind, start=1):
            grid.addWidget(QLabel(f"<b>{kind.value.upper()}</b>"), 0, column)
        grid.addWidget(QLabel("Maximum quantity"), 1, 0)
        grid.addWidget(QLabel("Maximum notional ($)"), 2, 0)
        grid.addWidget(QLabel("Max ticks through the market"), 3, 0)
        grid.addWidget(QLabel("Require a stop (refuse an entry\nwithout stop-loss or ATM)"), 4, 0)
        stop_label = QLabel("Assumed stop (ticks) for the\nroom check without a stop-loss")
        stop_label.setToolTip("An order without a stop-loss is taken to risk this many ticks per "
                              "contract when it is checked against the account's room to its "
                              "daily loss limit and trailing drawdown")
        grid.addWidget(stop_label, 5, 0)
        self.require_stop: dict[AccountKind, QCheckBox] = {}
        self.quantity: dict[AccountKind, QSpinBox] = {}
        self.notional: dict[AccountKind, QDoubleSpinBox] = {}
        self.ticks: dict[AccountKind, QSpinBox] = {}
        self.room_stop: dict[AccountKind, QSpinBox] = {}
        for column, kind in enumerate(AccountKind, start=1):
            limits = current.get(kind, DEFAULT_LIMITS[kind])
            quantity = QSpinBox()
            quantity.setRange(1, 100_000)
            quantity.setValue(limits.ask_above_quantity)
            notional = QDoubleSpinBox()
            notional.setRange(1, 1e12)
            notional.setDecimals(0)
            notional.setGroupSeparatorShown(True)
            notional.setValue(limits.max_notional)
            ticks = QSpinBox()
            ticks.setRange(0, 1_000_000)
            ticks.setValue(limits.max_ticks_through)
            for row, (name, field) in enumerate(
                    (("MaxQuantity", quantity), ("MaxNotional", notional),
                     ("MaxTicksThrough", ticks)), start=1):
                field.setObjectName(f"{kind.value}{name}Field")
                field.setAccessibleName(f"{kind.value.upper()} {name}")
                grid.addWidget(field, row, column)
            self.quantity[kind], self.notional[kind], self.ticks[kind] = quantity, notional, ticks
            required = QCheckBox()
            required.setObjectName(f"{kind.value}RequireStopCheck")
            required.setAccessibleName(f"{kind.value.upper()} require a stop")
            required.setChecked((require_stop or {}).get(kind, kind is AccountKind.LIVE))
            grid.addWidget(required, 4, column)
            self.require_stop[kind] = required
            room_stop = QSpinBox()
            room_stop.setRange(1, 100_000)
            room_stop.setValue(limits.room_stop_ticks)
            room_stop.setObjectName(f"{kind.value}RoomStopTicksField")
            room_stop.setAccessibleName(f"{kind.value.upper()} assumed stop in ticks")
            grid.addWidget(room_stop, 5, column)
            self.room_stop[kind] = room_stop
        layout.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout.addWidget(buttons)

    def limits(self) -> dict[AccountKind, Limits]:
        return {kind: Limits(ask_above_quantity=self.quantity[kind].value(),
                             max_notional=self.notional[kind].value(),
                             max_ticks_through=self.ticks[kind].value(),
                             room_stop_ticks=self.room_stop[kind].value())
                for kind in AccountKind}

    def required_stops(self) -> dict[AccountKind, bool]:
        return {kind: box.isChecked() for kind, box in self.require_stop.items()}
