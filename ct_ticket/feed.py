"""Feed: the stream's quotes, P&L and health, brought into the ticket for the window. No Qt.

    feed = Feed(ticket, stream)       # listens to the stream
    feed.subscribe(show_feed_state)   # FeedState: live / reconnecting / closed, for a badge
    feed.follow(instrument)           # each time the window selects an instrument
    feed.rest_fallback_needed         # the refresh timer reads quote and position over REST if so

Quotes of the followed instrument go to ``ticket.update_quote`` (bid, ask, last; the tick size and
point value stay as REST read them) and out as the ticket's ``QuoteUpdated`` through
``ticket.announce_quote``, at most one per ``quote_interval``, one frame at 60 Hz by default: a
busy market ticks faster than a screen shows, and the ticket's quote itself is always the latest.
A quote that comes after a quiet frame goes out at once; one that comes sooner waits for the
frame's end, so no price shown is more than a frame older than the stream's. P&L frames update the
unrealized P&L and market price of the ticket's position for the chosen account and instrument
through ``ticket.update_position``. A P&L frame never changes the position itself: when the
stream shows another quantity (a resting order filled, a flatten in NT8) the feed has the ticket
re-read it over REST, at most every ``recheck_interval`` seconds, and it does the same after every
reconnect, because fills during the gap were never streamed.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ct_ticket.api.stream_messages import (
    StateName,
    StreamEvent,
    StreamPnl,
    StreamQuote,
    StreamState,
)
from ct_ticket.model import Quote, normalize_instrument
from ct_ticket.ticket import Ticket

__all__ = ["FRAME_S", "Feed", "FeedState", "StreamSource"]

log = logging.getLogger(__name__)
FRAME_S = 1 / 60  # one frame at 60 Hz: the most often a quote repaints the window


@dataclass(frozen=True)
class FeedState:
    """The stream's health as the window shows it. ``last_update_age``: seconds since the last
    quote or P&L frame (None: none yet); ``rest_fallback``: read quote and position over REST."""

    state: StateName
    detail: str
    last_update_age: float | None
    rest_fallback: bool
    auth_failed: bool = False


class StreamSource(Protocol):
    """What the feed needs of a stream (``StreamClient``, or a fake in window tests)."""

    @property
    def state(self) -> StreamState: ...

    def subscribe(self, listener: Callable[[StreamEvent], None]) -> None: ...

    def set_instrument(self, instrument: str | None) -> None: ...


class Feed:
    """Connects one stream to one ticket (see the module docstring)."""

    def __init__(
        self,
        ticket: Ticket,
        stream: StreamSource,
        *,
        stale_after: float = 5.0,
        recheck_interval: float = 3.0,
        quote_interval: float = FRAME_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ticket = ticket
        self.stream = stream
        self._stale_after = stale_after
        self._recheck_interval = recheck_interval
        self._clock = clock
        self._listeners: list[Callable[[FeedState], None]] = []
        self._last_update: float | None = None
        self._position_seen: float | None = None  # a P&L frame carried the chosen position
        self._last_recheck = -math.inf
        self._quote_interval = quote_interval
        self._last_quote_event = -math.inf
        self._quote_due: asyncio.TimerHandle | None = None
        self._been_live = False
        self._tasks: set[asyncio.Task[Any]] = set()
        stream.subscribe(self._on_stream)

    # --- what the window calls -------------------------------------------------------------

    def subscribe(self, listener: Callable[[FeedState], None]) -> None:
        """Call ``listener`` with a ``FeedState`` each time the stream's state changes."""
        self._listeners.append(listener)

    def follow(self, instrument: str) -> None:
        """Stream the quotes of ``instrument`` (the ticket's; empty: none) from now on."""
        self.stream.set_instrument(normalize_instrument(instrument) or None)

    @property
    def last_update_age(self) -> float | None:
        """Seconds since the last quote or P&L frame, or None before the first."""
        return None if self._last_update is None else self._clock() - self._last_update

    @property
    def positions_live(self) -> bool:
        """True while the stream provably carries the chosen account's positions (a P&L frame
        with its position list came within ``stale_after``): only then is a position that has
        not changed also not stale. Otherwise it must be read over REST at a modest cadence."""
        seen = self._position_seen
        return (seen is not None and not self.rest_fallback_needed
                and self._clock() - seen <= self._stale_after)

    @property
    def rest_fallback_needed(self) -> bool:
        """True while quotes and P&L must come from REST: the stream is not live, or it is
        live but silent for ``stale_after`` seconds (P&L frames come every interval)."""
        state = self.stream.state
        if state.state != "live":
            return True
        heard = max(self._last_update if self._last_update is not None else -math.inf, state.since)
        return self._clock() - heard > self._stale_after

    @property
    def state(self) -> FeedState:
        """The current ``FeedState``."""
        stream = self.stream.state
        return FeedState(
            stream.state,
            stream.detail,
            self.last_update_age,
            self.rest_fallback_needed,
            stream.auth_failed,
        )

    async def wait_idle(self) -> None:
        """Wait for the position re-reads the feed started (on exit, in tests)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    # --- stream events ---------------------------------------------------------------------

    def _on_stream(self, event: StreamEvent) -> None:
        if isinstance(event, StreamQuote):
            self._on_quote(event)
        elif isinstance(event, StreamPnl):
            self._on_pnl(event)
        else:
            self._on_state(event)

    def _on_state(self, event: StreamState) -> None:
        if event.state == "live":
            if self._been_live:
                self._recheck(force=True)  # fills during the gap were never streamed
            self._been_live = True
        state = self.state
        for listener in list(self._listeners):
            listener(state)

    def _on_quote(self, event: StreamQuote) -> None:
        self._last_update = self._clock()
        ticket = self.ticket
        if not self._followed(event.instrument):
            return  # the old instrument, until its unsubscribe lands
        old = ticket.quote
        if old is None:  # the REST quote has not come yet: prices now, contract facts later
            new = Quote(event.instrument, event.bid, event.ask, event.last)
        else:
            new = replace(
                old,
                bid=_either(event.bid, old.bid),
                ask=_either(event.ask, old.ask),
                last=_either(event.last, old.last),
            )
        if new == old:
            return
        ticket.update_quote(new, announce=False)  # repainted at most every quote_interval
        wait = self._last_quote_event + self._quote_interval - self._clock()
        if wait <= 0:
            self._announce_quote()
        elif self._quote_due is None:
            self._quote_due = asyncio.get_running_loop().call_later(wait, self._announce_quote)

    def _announce_quote(self) -> None:
        self._quote_due = None
        self._last_quote_event = self._clock()
        self.ticket.announce_quote()

    def _on_pnl(self, event: StreamPnl) -> None:
        self._last_update = self._clock()
        ticket = self.ticket
        if not ticket.account or not ticket.instrument:
            return
        account = next(
            (a for a in event.accounts if a.account.casefold() == ticket.account.casefold()), None
        )
        if account is None or account.positions is None:
            return  # this frame says nothing about the ticket's position
        self._position_seen = self._clock()
        held = next((p for p in account.positions if self._followed(p.instrument)), None)
        current = ticket.position
        streamed = 0 if held is None else held.signed_quantity
        if current is None:
            if streamed:
                self._recheck()  # the ticket does not know the position the stream shows
            return
        if streamed != current.signed_quantity:
            self._recheck()
            return
        if held is None or current.is_flat:
            return
        updated = replace(
            current,
            unrealized_pnl=held.unrealized_pnl,
            market_price=_either(held.market_price, current.market_price),
        )
        if updated != current:
            ticket.update_position(updated)

    # --- helpers ---------------------------------------------------------------------------

    def _followed(self, instrument: str) -> bool:
        """Whether a name the stream used is the ticket's instrument: as typed, as the REST
        quote named it, or the dated contract of a bare root (``MES`` → ``MES 12-26``)."""
        name, wanted = instrument.casefold(), self.ticket.instrument.casefold()
        if not wanted:
            return False
        quote = self.ticket.quote
        if name == wanted or (quote is not None and name == quote.instrument.casefold()):
            return True
        return " " not in wanted and name.split(" ", 1)[0] == wanted

    def _recheck(self, *, force: bool = False) -> None:
        """Have the ticket re-read the position over REST, paced so a lagging stream cannot
        turn into a stream of reads; never while a send is in flight (its post-check reads)."""
        ticket = self.ticket
        now = self._clock()
        if ticket.busy or self._tasks or not ticket.account or not ticket.instrument:
            return
        if not force and now - self._last_recheck < self._recheck_interval:
            return
        self._last_recheck = now
        log.info("feed: re-reading the position of %s in %s", ticket.instrument, ticket.account)
        self._start(ticket.refresh_position())

    def _start(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        # Keep a reference: asyncio holds tasks weakly and a collected task silently vanishes.
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _either(new: float | None, old: float | None) -> float | None:
    """A streamed value, or the one already known when the frame left it out."""
    return old if new is None else new
