"""What the simulator remembers about traffic: the request log and the §2 rate-limit bucket."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["BURST", "RATE_PER_SECOND", "RecordedRequest", "TokenBucket"]

# §2: one shared bucket per user, 180 requests/min sustained with a 20-request burst.
RATE_PER_SECOND = 180 / 60
BURST = 20


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
