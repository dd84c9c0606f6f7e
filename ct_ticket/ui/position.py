"""The position-and-status panel's controller: the position line, the account's room to its own
limits and the status line from the ticket's events, their freshness, and the exits (Close,
Reverse, Cancel all, Flatten all)."""

from __future__ import annotations

import time

from ct_ticket.events import (
    Action,
    Busy,
    NakedPosition,
    PositionUpdated,
    RoomUpdated,
    Selected,
    Status,
    TicketEvent,
    WorkingOrdersUpdated,
)
from ct_ticket.model import Position
from ct_ticket.model.room import Room
from ct_ticket.settings import Settings
from ct_ticket.sounds import Sound, SoundPlayer
from ct_ticket.ticket import Ticket
from ct_ticket.ui.position_view import PositionView
from ct_ticket.ui.sending import Sender
from ct_ticket.ui.theme import set_style_property
from ct_ticket.wording import describe_position

__all__ = ["STALE_AFTER_S", "PositionPanel"]

STALE_AFTER_S = 15.0  # a position older than this turns amber


class PositionPanel:
    """Draws the position and the status from what the events carry; sends the exits."""

    def __init__(self, view: PositionView, ticket: Ticket, sender: Sender, settings: Settings,
                 sounds: SoundPlayer) -> None:
        self.view = view
        self.ticket = ticket
        self.naked = 0  # contracts the alarm says no stop covers (0: no alarm)
        self.account = ""
        self.instrument = ""
        self.position: Position | None = None
        self.working: int | None = None
        self.read_at: float | None = None  # monotonic time of the last good position read
        self.read_error: str | None = None  # the last position read failed with this
        self.status: Status | None = None  # the last thing said, and which account it is about
        self._exits = {Action.CLOSE: view.close_position_button,
                       Action.REVERSE: view.reverse_button,
                       Action.CANCEL_ALL: view.cancel_all_button,
                       Action.FLATTEN_ACCOUNT: view.flatten_everything_button}
        for button, action in ((view.close_position_button, Action.CLOSE),
                               (view.reverse_button, Action.REVERSE),
                               (view.cancel_all_button, Action.CANCEL_ALL),
                               (view.flatten_everything_button, Action.FLATTEN_ACCOUNT)):
            button.clicked.connect(lambda _checked=False, a=action: sender.send(a))
        protection = ticket.protection
        view.protect_button.clicked.connect(
            lambda: protection.protect(*settings.bracket_ticks(ticket.instrument)))
        view.breakeven_button.clicked.connect(
            lambda: protection.breakeven(view.breakeven_ticks.value()))
        view.stop_down_button.clicked.connect(lambda: protection.nudge_stop(-1))
        view.stop_up_button.clicked.connect(lambda: protection.nudge_stop(1))
        view.close_half_button.clicked.connect(protection.close_half)
        self._sounds = sounds
        ticket.subscribe(self.on_event)

    def on_event(self, event: TicketEvent) -> None:
        if isinstance(event, Status):
            self.show_status(event)
        elif isinstance(event, Selected):
            if (event.account, event.instrument) != (self.account, self.instrument):
                # Another position: unknown until read, never the last one's numbers.
                self.account, self.instrument = event.account, event.instrument
                self.position, self.working, self.read_at = None, None, None
                self.show_naked(NakedPosition(event.account, event.instrument, 0, False))
                if self.status is not None:
                    self.show_status(self.status)  # now about another account: marked so
                self.show_room(self.ticket.rooms.room_of(event.account) if event.account else None)
        elif isinstance(event, PositionUpdated):
            if event.position is not None:
                self.position, self.read_at = event.position, time.monotonic()
            self.read_error = event.error  # shown until a read succeeds
            self._show_position()
        elif isinstance(event, WorkingOrdersUpdated):
            self.working = event.count
            self._show_position()
        elif isinstance(event, NakedPosition):
            self.show_naked(event)
        elif isinstance(event, RoomUpdated) and event.account == self.account:
            self.show_room(event.room, event.note)
        elif isinstance(event, Busy) and event.action in self._exits:
            # Each exit has its own slot: an order in flight never disables a way out.
            self._exits[event.action].setEnabled(not event.busy)

    def show_naked(self, event: NakedPosition) -> None:
        """Red position line and the Protect button while no stop covers the position."""
        self.naked = event.uncovered if event.alarm else 0
        set_style_property(self.view.position_label, "naked", event.alarm)
        self.view.protect_button.setVisible(event.alarm)
        if event.alarm:
            self._sounds.play(Sound.ALARM)

    def show_room(self, room: Room | None, note: str = "") -> None:
        """The account's room to its own limits, coloured by level (amber under 25 % left,
        red under 10 %); hidden while no account is chosen. `note` says what is missing."""
        label = self.view.room_label
        label.setVisible(room is not None)
        if room is None:
            return
        label.setText(room.text)
        set_style_property(label, "level", room.level.value)
        tip = (f"{room.account}: room to its own daily loss limit and trailing drawdown, "
               "from the account's fields and its watermarks.")
        label.setToolTip(f"{tip} {note}".strip())

    def show_status(self, status: Status) -> None:
        """The one status line: what the ticket (or the app) last said, coloured by level; a
        line about another account than the chosen one names that account."""
        self.status = status
        text = status.text
        if status.account and self.account and status.account != self.account:
            text = f"About {status.account}: {text}"
        line = self.view.status_line
        line.setText(text)
        set_style_property(line, "level", status.level.value)

    def status_level(self) -> str | None:
        level = self.view.status_line.property("level")
        return level if isinstance(level, str) else None

    def _show_position(self) -> None:
        position = self.position
        text = describe_position(position, self.instrument or "—")
        pnl = (position.unrealized_pnl if position is not None and not position.is_flat
               else None)
        self.view.pnl_label.setText("" if pnl is None else f"P&L {pnl:+,.2f}")
        set_style_property(self.view.pnl_label, "sign",
                           "" if not pnl else "up" if pnl > 0 else "down")
        if self.working is not None:
            text += f" · {self.working} working"
        if self.read_error:
            text += f" · {self.read_error}"
        self.view.position_label.setText(text)
        self.show_age()

    def show_age(self, *, live: bool = False) -> None:
        """Amber when the position is not proven: not carried by a live stream (`live`) and
        last read over REST longer ago than `STALE_AFTER_S`. A position that simply has not
        changed is not stale."""
        label = self.view.position_label
        age = None if self.read_at is None else time.monotonic() - self.read_at
        source = "streamed live" if live else (
            "" if age is None else f"read {age:.0f} s ago")
        label.setToolTip(source[:1].upper() + source[1:])
        set_style_property(label, "stale", not live and age is not None and age > STALE_AFTER_S)
