"""One rate budget for everything the ticket sends to CrossTrade: REST requests and stream frames.

CrossTrade keeps one token bucket per user for HTTP and the stream together (180 requests a
minute, a burst of 20, refilling continuously; §2). Going over it costs a 429, and for an order
that means a retry the trader did not ask for or a member of a group left out. So the ticket
keeps its own copy of the bucket and waits *before* sending instead of being refused after.

Orders and flattens come first: a `reserve` of tokens is kept for them, reads wait for the
bucket to hold more than the reserve and for every waiting order to have gone, so a burst of
background reads (or the kill switch's blast-radius reads) never starves the flatten itself.

The clock is injected, so the arithmetic is tested without sleeping; `plan` says before a
fan-out how many waves it takes and about how long.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BURST", "PER_MINUTE", "RESERVE", "FanOutPlan", "RateBudget", "plan"]

PER_MINUTE = 180
BURST = 20
RESERVE = 5  # tokens reads leave for orders and flattens
# The ticket refills a little slower than CrossTrade does: its clock starts a request before
# the server's bucket sees it, and a hair of margin keeps the two from ever crossing.
_MARGIN = 0.97
# CrossTrade's bucket starts refilling when the first request of a burst *arrives*, which the
# ticket only knows happened within a round trip (a new TLS connection: a few of them). So a
# burst taken from a full bucket starts the ticket's refill this much later.
ARRIVAL_LAG = 0.35


class RateBudget:
    """The client's copy of CrossTrade's shared bucket; `take` waits until a token is free."""

    def __init__(self, *, per_minute: int = PER_MINUTE, burst: int = BURST,
                 reserve: int = RESERVE, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0 * _MARGIN
        self.burst = burst
        self.reserve = min(reserve, burst - 1)
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._urgent_waiting = 0
        self.spent = 0
        self.waited = 0  # requests that had to wait for a token

    def _refill(self) -> float:
        now = self._clock()
        if now > self._stamp:  # a stamp in the future: the server has not started refilling
            self._tokens = min(float(self.burst),
                               self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
        return self._tokens

    def available(self) -> float:
        """Tokens in the bucket now."""
        return self._refill()

    def try_take(self, *, urgent: bool) -> float:
        """Spend a token if one is free for this kind of request: 0.0 when spent, else seconds
        to wait before asking again. Reads leave the reserve and let waiting orders go first."""
        tokens = self._refill()
        if not urgent and self._urgent_waiting:
            return 1.0 / self.rate
        floor = 1.0 if urgent else 1.0 + self.reserve
        if tokens >= floor - 1e-9:  # a sleep of exactly the wait is enough
            if tokens >= self.burst - 1e-9:
                self._stamp = max(self._stamp, self._clock()) + ARRIVAL_LAG
            self._tokens -= 1.0
            self.spent += 1
            return 0.0
        return max(0.0, self._stamp - self._clock()) + (floor - tokens) / self.rate

    async def take(self, *, urgent: bool) -> None:
        """Wait until a token is free, then spend it (orders and flattens: `urgent`)."""
        if urgent:
            self._urgent_waiting += 1
        try:
            wait = self.try_take(urgent=urgent)
            if wait:
                self.waited += 1
            while wait:
                await asyncio.sleep(wait)
                wait = self.try_take(urgent=urgent)
        finally:
            if urgent:
                self._urgent_waiting -= 1


@dataclass(frozen=True)
class FanOutPlan:
    """How a fan-out of `orders` requests goes out under the budget."""

    orders: int
    waves: int
    seconds: float

    @property
    def text(self) -> str:
        """ "25 accounts: 2 waves, about 2 s" (one wave: "3 accounts: at once")."""
        noun = "account" if self.orders == 1 else "accounts"
        if self.waves <= 1:
            return f"{self.orders} {noun}: at once"
        return f"{self.orders} {noun}: {self.waves} waves, about {max(1, round(self.seconds))} s"


def plan(orders: int, available: float | None = None, *, burst: int = BURST,
         per_minute: int = PER_MINUTE) -> FanOutPlan:
    """Waves and time for `orders` sends: the first wave is what the bucket holds now (a full
    burst unless told), the rest trickle in at the refill rate."""
    tokens = math.floor(burst if available is None else max(0.0, min(available, burst)))
    first = min(orders, tokens)
    rest = orders - first
    if rest <= 0:
        return FanOutPlan(orders, 1 if orders else 0, 0.0)
    rate = per_minute / 60.0 * _MARGIN
    seconds = ARRIVAL_LAG + rest / rate
    waves = 1 + math.ceil(rest / burst)
    return FanOutPlan(orders, waves, seconds)
