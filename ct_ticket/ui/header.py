"""The header panel's controller: SIM/LIVE badge from the ticket's selection, the connection
indicator from what the ticket learnt of CrossTrade and NT8, the stream indicator from the feed."""

from __future__ import annotations

from shiboken6 import isValid

from ct_ticket.events import Connection, Selected, TicketEvent
from ct_ticket.feed import FeedState
from ct_ticket.sounds import Sound, SoundPlayer
from ct_ticket.ticket import Ticket
from ct_ticket.ui.header_view import HeaderView
from ct_ticket.ui.theme import set_style_property

__all__ = ["HeaderPanel"]


class HeaderPanel:
    """Keeps the header's three indicators true to the events they are about."""

    def __init__(self, view: HeaderView, ticket: Ticket, sounds: SoundPlayer) -> None:
        self.view = view
        self.sounds = sounds
        self._last_connection: Connection | None = None
        ticket.subscribe(self.on_event)

    def on_event(self, event: TicketEvent) -> None:
        if isinstance(event, Selected):
            self.show_kind(event.kind if event.account else None)
        elif isinstance(event, Connection):
            self.show_connection(event)

    def show_kind(self, kind: str | None) -> None:
        badge = self.view.account_kind_badge
        badge.setText(kind.upper() if kind else "—")
        set_style_property(badge, "accountKind", kind or "")

    def show_connection(self, event: Connection) -> None:
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
        indicator = self.view.connection_indicator
        indicator.setText(text)
        set_style_property(indicator, "level", level)

    def show_feed_state(self, state: FeedState) -> None:
        indicator = self.view.stream_indicator
        if not isValid(indicator):  # the stream may outlive a closed window
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
        indicator.setText(text)
        age = state.last_update_age
        indicator.setToolTip(
            f"{state.detail}. Last update {age:.1f} s ago." if age is not None else state.detail)
        set_style_property(indicator, "level", level)
