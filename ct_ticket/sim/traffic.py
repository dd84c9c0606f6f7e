"""What the simulator remembers about traffic: the request log, the §2 rate-limit bucket and
the WebSocket streams (live connections, their subscriptions, counts of what clients sent)."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BURST", "RATE_PER_SECOND", "SUBSCRIPTION_CHANGES_PER_MINUTE", "RecordedRequest", "StreamHub",
    "TokenBucket",
]

# §2: one shared bucket per user, 180 requests/min sustained with a 20-request burst.
RATE_PER_SECOND = 180 / 60
BURST = 20
# §2: market-data subscription changes (subscribe/unsubscribe frames) are capped near 20/min.
SUBSCRIPTION_CHANGES_PER_MINUTE = 20


@dataclass
class RecordedRequest:
    """One HTTP request as the simulator received it, plus the status it answered.

    ``path`` is the raw path, still percent-encoded (``/v1/api/accounts/Prop%20Firm%2F01``), so
    tests can check how the client encoded it. ``json`` is the parsed body or None.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    json: Any
    # Filled in by the app once the response is chosen; 0 means "still being handled".
    status: int = 0


class TokenBucket:
    """A continuously refilling token bucket driven by an injected clock reading."""

    def __init__(self, rate: float = RATE_PER_SECOND, burst: int = BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp: float | None = None

    def take(self, now: float) -> int | None:
        """Spend one token; None when allowed, else whole seconds to wait (>= 1)."""
        if self._stamp is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return None
        # Retry-After is whole seconds; rounding up means a client that obeys it succeeds.
        return max(1, math.ceil((1.0 - self._tokens) / self.rate))

    def refill(self) -> None:
        """Forget past spending (used when a test turns rate limiting back on)."""
        self._tokens = float(self.burst)
        self._stamp = None


class StreamHub:
    """The live ``/ws/stream`` connections: their subscriptions, how to drop them, and counts.

    Thread-safe on its own lock: the endpoint runs on the server's loop while a test thread
    reads counts or drops connections.
    """

    def __init__(self) -> None:
        self.push_interval = 0.1  # seconds between marketData pushes (and garbage frames)
        self.opened = 0  # connections accepted so far
        self.handshakes: Counter[int] = Counter()  # by status: 101 accepted, 401, 429, 408
        self.close_codes: list[int] = []  # per ended connection: the client's code, 1006 if none
        self._lock = threading.Lock()
        self._next_id = 0
        self._drops: dict[int, Callable[[], None]] = {}
        self._subscriptions: dict[int, set[str]] = {}
        self._actions: Counter[str] = Counter()
        self._changes = TokenBucket(SUBSCRIPTION_CHANGES_PER_MINUTE / 60,
                                    SUBSCRIPTION_CHANGES_PER_MINUTE)

    def open(self, drop: Callable[[], None]) -> int:
        """Register an accepted connection; ``drop`` must end it abruptly from any thread."""
        with self._lock:
            self._next_id += 1
            self.opened += 1
            self._drops[self._next_id] = drop
            self._subscriptions[self._next_id] = set()
            return self._next_id

    def handshake(self, status: int) -> None:
        """Count one handshake by the status it was answered with."""
        with self._lock:
            self.handshakes[status] += 1

    def close(self, connection: int, code: int) -> None:
        """Forget a connection and its subscriptions (the server keeps no state across them)."""
        with self._lock:
            self.close_codes.append(code)
            self._drops.pop(connection, None)
            self._subscriptions.pop(connection, None)

    def count(self, action: str) -> None:
        """Count one frame a client sent (by its ``action``, or a label such as ``refused``)."""
        with self._lock:
            self._actions[action] += 1

    def allow_change(self, now: float) -> bool:
        """Charge one subscription change to the shared ~20/min cap; False when over it."""
        with self._lock:
            return self._changes.take(now) is None

    def subscribe(self, connection: int, instruments: list[str]) -> list[str]:
        """Add subscriptions; returns the ones that are new on this connection."""
        with self._lock:
            held = self._subscriptions.get(connection, set())
            new = [name for name in instruments if name not in held]
            held.update(new)
            return new

    def unsubscribe(self, connection: int, instruments: list[str]) -> None:
        """Remove subscriptions (unknown ones are ignored)."""
        with self._lock:
            self._subscriptions.get(connection, set()).difference_update(instruments)

    def subscribed(self, connection: int) -> list[str]:
        """The instruments one connection streams, sorted."""
        with self._lock:
            return sorted(self._subscriptions.get(connection, ()))

    def subscriptions(self) -> dict[str, int]:
        """Live subscriptions per instrument, summed over the open connections."""
        with self._lock:
            return dict(Counter(n for held in self._subscriptions.values() for n in held))

    def actions(self) -> dict[str, int]:
        """How many frames of each action clients sent since the simulator started."""
        with self._lock:
            return dict(self._actions)

    @property
    def live(self) -> int:
        """How many connections are open now."""
        with self._lock:
            return len(self._drops)

    def drop_all(self) -> int:
        """Drop every open connection abruptly; returns how many there were."""
        with self._lock:
            drops = list(self._drops.values())
        for drop in drops:
            drop()
        return len(drops)

    def reset_changes(self) -> None:
        """Refill the subscription-change cap (tests that switch a lot on purpose)."""
        with self._lock:
            self._changes.refill()
