"""The position-and-status panel's controller: the position line and the status line from the
ticket's events, their freshness, and the exits (Close, Reverse, Cancel all, Flatten all)."""

from __future__ import annotations

import time

from ct_ticket.events import (
    Action,
    Busy,
    PositionUpdated,
    Selected,
    Status,
    TicketEvent,
    WorkingOrdersUpdated,
)
from ct_ticket.model import Position
from ct_ticket.ticket import Ticket
from ct_ticket.ui.position_view import PositionView
from ct_ticket.ui.sending import Sender
from ct_ticket.ui.theme import set_style_property
from ct_ticket.wording import describe_position

__all__ = ["STALE_AFTER_S", "PositionPanel"]

STALE_AFTER_S = 15.0  # a position older than this turns amber


class PositionPanel:
    """Draws the position and the status from what the events carry; sends the exits."""

    def __init__(self, view: PositionView, ticket: Ticket, sender: Sender) -> None:
        self.view = view
        self.account = ""
        self.instrument = ""
        self.position: Position | None = None
        self.working: int | None = None
        self.read_at: float | None = None  # monotonic time of the last good position read
        for button, action in ((view.close_position_button, Action.CLOSE),
                               (view.reverse_button, Action.REVERSE),
                               (view.cancel_all_button, Action.CANCEL_ALL),
                               (view.flatten_everything_button, Action.FLATTEN_ACCOUNT)):
            button.clicked.connect(lambda _checked=False, a=action: sender.send(a))
        ticket.subscribe(self.on_event)

    def on_event(self, event: TicketEvent) -> None:
        if isinstance(event, Status):
            self.show_status(event)
        elif isinstance(event, Selected):
            if (event.account, event.instrument) != (self.account, self.instrument):
                # Another position: unknown until read, never the last one's numbers.
                self.account, self.instrument = event.account, event.instrument
                self.position, self.working, self.read_at = None, None, None
        elif isinstance(event, PositionUpdated):
            if event.position is not None:
                self.position, self.read_at = event.position, time.monotonic()
            self._show_position(event.error)
        elif isinstance(event, WorkingOrdersUpdated):
            self.working = event.count
            self._show_position()
        elif isinstance(event, Busy):
            for button in self.view.exit_buttons:
                button.setEnabled(not event.busy)

    def show_status(self, status: Status) -> None:
        """The one status line: what the ticket (or the app) last said, coloured by level."""
        line = self.view.status_line
        line.setText(status.text)
        set_style_property(line, "level", status.level.value)

    def status_level(self) -> str | None:
        level = self.view.status_line.property("level")
        return level if isinstance(level, str) else None

    def _show_position(self, error: str | None = None) -> None:
        position = self.position
        text = describe_position(position, self.instrument or "—")
        if position is not None and not position.is_flat and position.unrealized_pnl is not None:
            text += f" · P&L {position.unrealized_pnl:+,.2f}"
        if self.working is not None:
            text += f" · {self.working} working"
        if error:
            text += f" · {error}"
        self.view.position_label.setText(text)
        self.show_age()

    def show_age(self) -> None:
        """Amber when the position was read longer ago than `STALE_AFTER_S`."""
        label = self.view.position_label
        age = None if self.read_at is None else time.monotonic() - self.read_at
        label.setToolTip("" if age is None else f"Read {age:.0f} s ago")
        set_style_property(label, "stale", age is not None and age > STALE_AFTER_S)
