"""The ticket window's read side: ticket and stream events become widget state (status, log,
accounts, quote, position, ages, connection and stream indicators, sounds)."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from shiboken6 import isValid

from ct_ticket.events import (
    AccountsLoaded,
    AuthFailed,
    Busy,
    Connection,
    LogEntry,
    PositionUpdated,
    QuoteUpdated,
    Status,
    StatusLevel,
    TicketEvent,
    WorkingOrdersUpdated,
    describe_position,
    format_price,
)
from ct_ticket.feed import Feed, FeedState
from ct_ticket.model import Account
from ct_ticket.settings import Settings
from ct_ticket.sounds import Sound, SoundPlayer
from ct_ticket.ticket import Ticket
from ct_ticket.ui.theme import set_style_property
from ct_ticket.ui.window_form import TicketForm

__all__ = ["STALE_AFTER_S", "TicketDisplay"]

STALE_AFTER_S = 15.0  # a position or quote older than this turns amber


class TicketDisplay(TicketForm):
    """Shows what the ticket and the stream report; the window (window.py) adds the intents."""

    token_needed = Signal(str)  # the app opens the token dialog with this reason

    def __init__(self, ticket: Ticket, settings: Settings) -> None:
        super().__init__(ticket, settings)
        self.sounds = SoundPlayer(enabled=settings.sounds)
        self.sounds_action.setChecked(settings.sounds and self.sounds.available)
        self.sounds_action.setEnabled(self.sounds.available)
        if not self.sounds.available:
            self.sounds_action.setToolTip("No sound player found on this computer")
        self.feed: Feed | None = None
        self._last_connection: Connection | None = None
        self._position_time: float | None = None
        self._quote_time: float | None = None

    def show_feed_state(self, state: FeedState) -> None:
        if not isValid(self.stream_indicator):  # the stream may outlive a closed window
            return
        if state.state == "live" and not state.rest_fallback:
            text, level = "◉ Live", "ok"
        elif state.state == "connecting":
            text, level = "◌ Connecting stream…", "unknown"
        elif state.state == "reconnecting":
            text, level = "◌ Reconnecting… (REST)", "warning"
        else:
            text, level = "○ REST only", "warning" if not state.auth_failed else "error"
        if state.state == "live" and state.rest_fallback:
            text, level = "◌ Stream silent (REST)", "warning"
        self.stream_indicator.setText(text)
        age = state.last_update_age
        self.stream_indicator.setToolTip(
            f"{state.detail}. Last update {age:.1f} s ago." if age is not None else state.detail)
        set_style_property(self.stream_indicator, "level", level)

    def _on_event(self, event: TicketEvent) -> None:
        if isinstance(event, Status):
            self._set_status(event)
        elif isinstance(event, LogEntry):
            self.activity_log.appendPlainText(event.line())
            if event.latency_ms is not None:  # the answer to a send, not a background read
                if event.level is StatusLevel.OK and event.order_id:
                    self.sounds.play(Sound.FILLED)
                elif event.level in (StatusLevel.ERROR, StatusLevel.UNKNOWN):
                    self.sounds.play(Sound.REJECTED)
        elif isinstance(event, Busy):
            for button in self.send_buttons:
                button.setEnabled(not event.busy)
            self.kill_switch_action.setEnabled(not event.busy)
        elif isinstance(event, AccountsLoaded):
            self._show_accounts(event.accounts)
        elif isinstance(event, QuoteUpdated):
            self._show_quote(event)
        elif isinstance(event, PositionUpdated):
            self._show_position(event)
        elif isinstance(event, WorkingOrdersUpdated):
            self._show_position_text()
        elif isinstance(event, Connection):
            self._show_connection(event)
        elif isinstance(event, AuthFailed):
            self.token_needed.emit(event.reason)

    def show_status(self, status: Status) -> None:
        """Show a status the ticket did not produce (token, start-up)."""
        self._set_status(status)

    def _show_accounts(self, accounts: tuple[Account, ...]) -> None:
        previous = self.current_account() or self.settings.account
        self.account_picker.clear()
        for account in accounts:
            label = account.name + (f"  ({account.provider})" if account.provider else "")
            self.account_picker.addItem(label, account.name)
        self._select_data(self.account_picker, previous)
        self._show_account_kind()

    def _show_quote(self, event: QuoteUpdated) -> None:
        quote = event.quote
        if quote is None:
            self.quote_label.setText(f"No quote: {event.error}")
            set_style_property(self.quote_label, "stale", True)
            return
        self._quote_time = time.monotonic()
        set_style_property(self.quote_label, "stale", False)
        self.bid_button.setText(f"Bid {format_price(quote.bid)}" if quote.bid else "Bid —")
        self.ask_button.setText(f"Ask {format_price(quote.ask)}" if quote.ask else "Ask —")
        facts = [quote.instrument,
                 f"Last {format_price(quote.last)}" if quote.last else "Last —"]
        if quote.tick_size:
            facts.append(f"tick {format_price(quote.tick_size)}")
        if quote.point_value:
            facts.append(f"${format_price(quote.point_value)}/pt")
        self.quote_label.setText(" · ".join(facts))
        self._apply_tick()
        self._seed_prices()
        self._update_send_labels()

    def _show_position(self, event: PositionUpdated) -> None:
        if event.position is not None:
            self._position_time = time.monotonic()
        self._show_position_text(event.error)

    def _show_position_text(self, error: str | None = None) -> None:
        ticket = self.ticket
        text = describe_position(ticket.position, ticket.instrument or "—")
        position = ticket.position
        if position is not None and not position.is_flat and position.unrealized_pnl is not None:
            text += f" · P&L {position.unrealized_pnl:+,.2f}"
        if ticket.working_orders is not None:
            text += f" · {ticket.working_orders} working"
        if error:
            text += f" · {error}"
        self.position_label.setText(text)
        self._show_ages()

    def _show_ages(self) -> None:
        if self.feed is not None:
            self.show_feed_state(self.feed.state)
        now = time.monotonic()
        for label, stamp in ((self.position_label, self._position_time),
                             (self.quote_label, self._quote_time)):
            age = None if stamp is None else now - stamp
            label.setToolTip("" if age is None else f"Read {age:.0f} s ago")
            set_style_property(label, "stale", age is not None and age > STALE_AFTER_S)

    def _show_connection(self, event: Connection) -> None:
        previous, self._last_connection = self._last_connection, event
        lost = event.crosstrade is False or event.ninjatrader is False
        if lost and (previous is None or (previous.crosstrade, previous.ninjatrader) != (
                event.crosstrade, event.ninjatrader)):
            self.sounds.play(Sound.DISCONNECTED)
        if event.crosstrade is False:
            text, level = "● CrossTrade unreachable", "error"
        elif event.ninjatrader is False:
            text, level = "● CrossTrade ✓ · NT8 not connected", "warning"
        elif event.crosstrade:
            text, level = "● CrossTrade ✓ · NT8 ✓", "ok"
        else:
            text, level = "● connecting", "unknown"
        self.connection_indicator.setText(text)
        set_style_property(self.connection_indicator, "level", level)
