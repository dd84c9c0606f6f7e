"""Pacing of the stream client: how long to wait before reconnecting, and which subscription
changes go out when. Driven by an injected clock, so the arithmetic is tested without sleeping."""

from __future__ import annotations

import asyncio
import collections
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ct_ticket.api.stream_messages import subscribe_frame, unsubscribe_frame

__all__ = ["Backoff", "ChangeBudget", "Subscriptions"]


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays doubling from ``first`` to ``cap`` seconds, each cut at random by up to
    ``jitter`` (so many tickets do not reconnect in step); a connection that lived
    ``reset_after`` seconds starts the doubling again."""

    first: float = 0.5
    cap: float = 30.0
    jitter: float = 0.5
    reset_after: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnect number ``attempt`` (0-based)."""
        full = min(self.cap, self.first * 2.0 ** min(attempt, 32))
        return full * (1 - self.jitter * rng.random())


class ChangeBudget:
    """At most ``limit`` subscription changes in any ``window`` seconds (a sliding log, not a
    bucket: a bucket's burst plus its refill could pass 20 within one minute)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._sent: collections.deque[float] = collections.deque()
        self._paused_until = -math.inf

    def wait_time(self) -> float:
        """Seconds until one more change may go out (0: now)."""
        now = self._clock()
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        full = self._sent[0] + self.window - now if len(self._sent) >= self.limit else 0.0
        return max(full, self._paused_until - now, 0.0)

    def spend(self) -> None:
        """Count a change that is going out now."""
        self._sent.append(self._clock())

    def pause(self, seconds: float) -> None:
        """The server refused a change as too many: send none for a while."""
        self._paused_until = self._clock() + seconds


class Subscriptions:
    """The instrument the ticket wants quoted versus what the connection has subscribed, and
    the coalesced, budgeted changes that bring the two together."""

    def __init__(self, settle: float, budget: ChangeBudget, clock: Callable[[], float]) -> None:
        self.settle = settle
        self.budget = budget
        self.wanted: str | None = None
        self.subscribed: set[str] = set()  # as this client sent them, on this connection
        self._clock = clock
        self._changed_at = -math.inf
        self._wake = asyncio.Event()  # the subscriptions may need a change

    def want(self, instrument: str | None) -> None:
        """Quote ``instrument`` only (None: none) from the next sync on."""
        if instrument != self.wanted:
            self.wanted = instrument
            self._changed_at = self._clock()
            self._wake.set()

    def reset(self) -> None:
        """A new connection: the server remembers nothing, so everything is to be sent again."""
        self.subscribed = set()
        self._wake.set()

    def refused(self, action: str, instruments: tuple[str, ...], rate_limited: bool) -> None:
        """The server turned a change down: undo its bookkeeping; retry only a rate refusal
        (an unknown instrument would be refused again, costing budget each time)."""
        if action == "subscribe":
            self.subscribed.difference_update(instruments)
        elif action == "unsubscribe":
            self.subscribed.update(instruments)
        if rate_limited:
            self.budget.pause(10.0)
            self._wake.set()

    async def keep(self, send: Callable[[str], Awaitable[None]]) -> None:
        """Send the changes the ticket's wishes need, forever (until cancelled)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Wait for switching to settle (a trader scrolling a list) so one change is sent.
            while (left := self._changed_at + self.settle - self._clock()) > 0:
                await asyncio.sleep(left)
            while (change := self._next_change()) is not None:
                wait = self.budget.wait_time()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue  # plan again: the wanted instrument may have changed meanwhile
                action, names = change
                self.budget.spend()
                if action == "subscribe":
                    await send(subscribe_frame(names))
                    self.subscribed.update(names)
                else:
                    await send(unsubscribe_frame(names))
                    self.subscribed.difference_update(names)

    def _next_change(self) -> tuple[str, list[str]] | None:
        # Subscribe before unsubscribing: with one change left in the budget, the trader's
        # new instrument matters more than silencing the old one.
        wanted = {self.wanted} if self.wanted else set()
        if add := wanted - self.subscribed:
            return "subscribe", sorted(add)
        if remove := self.subscribed - wanted:
            return "unsubscribe", sorted(remove)
        return None
