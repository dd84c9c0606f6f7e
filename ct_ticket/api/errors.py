"""What can go wrong talking to CrossTrade, as one exception tree with a single root.

    CrossTradeError                  any failure; `trader_message` is what the window shows
    ├── TransportError               no (whole) HTTP answer: refused, timed out, reset, past
    │   │                            the request's deadline
    │   └── SlowServerError          never sent: every connection busy with slow answers
    ├── BadResponseError             an answer we cannot read (HTML, junk, too big, too deep,
    │                                NaN, wrong types)
    └── ApiError                     CrossTrade answered with an error
        ├── AuthenticationError      401 / 403: bad token or no Pro plan
        ├── NotConnectedError        408: NinjaTrader or the XT add-on is offline
        ├── RateLimitedError         429: carries `retry_after` seconds
        ├── RejectedError            400 / 404, or `error` / `success: false` in a 2xx
        │   └── OrderNotFoundError   an order lookup by id: CrossTrade knows no such order
        ├── UnsupportedError         the add-on does not have this command (too old)
        └── ServerError              5xx

Every error says whether the request may have taken effect (`may_have_executed`). For an order
POST or PUT (place, cancel, change, bracket) that flag decides between "not sent" and "outcome
unknown: reconciling". Messages never contain the API token: the client never puts it anywhere
but the Authorization header.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadResponseError",
    "CrossTradeError",
    "NotConnectedError",
    "OrderNotFoundError",
    "RateLimitedError",
    "RejectedError",
    "ServerError",
    "SlowServerError",
    "TransportError",
    "UnsupportedError",
    "changes_state",
]


def changes_state(method: str) -> bool:
    """True for the methods that act (POST, PUT, DELETE): their lost answers are unknowns."""
    return method.upper() != "GET"


class CrossTradeError(Exception):
    """Root of every client error.

    `may_have_executed` is True when the server may have acted on the request (only ever for a
    POST or PUT): the order is then *unknown*, to be settled by looking it up.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "",
                 may_have_executed: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.may_have_executed = may_have_executed

    @property
    def trader_message(self) -> str:
        """One sentence a trader understands, saying what happened."""
        return self.message

    @property
    def outcome_note(self) -> str:
        """Whether the order may have gone through, for messages about a send."""
        if self.may_have_executed:
            return "The order may have gone through: checking positions and orders."
        return "Nothing was placed."


class TransportError(CrossTradeError):
    """No HTTP answer arrived: connection refused, timed out, or reset.

    `request_sent` is False only when we know the request never left (connect failed), so a POST
    can be reported as "not sent" rather than "unknown".
    """

    def __init__(self, message: str, *, method: str = "", path: str = "",
                 request_sent: bool = True) -> None:
        super().__init__(message, method=method, path=path,
                         may_have_executed=request_sent and changes_state(method))
        self.request_sent = request_sent

    @property
    def trader_message(self) -> str:
        if not self.request_sent:
            return f"Cannot reach CrossTrade ({self.message})."
        return f"No answer from CrossTrade ({self.message})."


class SlowServerError(TransportError):
    """Not sent: every connection was busy with earlier, slow answers for too long.

    CrossTrade is reachable, only slow; `waiting` counts the requests that were queued for a
    connection when this one gave up (itself included).
    """

    def __init__(self, waiting: int, *, method: str = "", path: str = "") -> None:
        requests = "request" if waiting == 1 else "requests"
        super().__init__(f"{waiting} {requests} waiting", method=method, path=path,
                         request_sent=False)
        self.waiting = waiting

    @property
    def trader_message(self) -> str:
        return f"CrossTrade is slow: {self.message}."


class BadResponseError(CrossTradeError):
    """An answer the client cannot read: an HTML page, junk, too big, nested too deep, NaN, or
    JSON of the wrong shape or types."""

    def __init__(self, message: str, *, method: str = "", path: str = "", status: int = 0) -> None:
        # Unreadable is not refused: an order POST or PUT may still have acted, unless the
        # status itself says it did not (a redirect is never followed; a 4xx refused it).
        super().__init__(message, method=method, path=path,
                         may_have_executed=changes_state(method) and not 300 <= status < 500)
        self.status = status

    @property
    def trader_message(self) -> str:
        return f"CrossTrade sent an unexpected answer ({self.message})."


class ApiError(CrossTradeError):
    """CrossTrade answered with an error status or an `error` field."""

    def __init__(self, message: str, *, status: int, error: str | None = None,
                 detail: str | None = None, method: str = "", path: str = "",
                 may_have_executed: bool = False, unknown_command: bool = False) -> None:
        super().__init__(message, method=method, path=path, may_have_executed=may_have_executed)
        self.status = status
        self.error = error
        self.detail = detail
        # The body said the route or command does not exist here (an older add-on).
        self.unknown_command = unknown_command

    @property
    def server_text(self) -> str:
        """The server's own words (error and detail), for the activity log."""
        parts = [p for p in (self.error, self.detail) if p]
        return ": ".join(parts) if parts else f"HTTP {self.status}"


class AuthenticationError(ApiError):
    """401 / 403: the token is missing, wrong, or the account has no Pro plan."""

    @property
    def trader_message(self) -> str:
        return ("CrossTrade refused the API token (check it under Token…; the API needs a Pro "
                "plan).")


class NotConnectedError(ApiError):
    """408: CrossTrade is reachable but NinjaTrader or its XT add-on is not connected."""

    @property
    def trader_message(self) -> str:
        return "NinjaTrader is not connected to CrossTrade (is NT8 running with the XT add-on?)."


class RateLimitedError(ApiError):
    """429: over the shared 180 requests/minute budget. `retry_after` is in seconds."""

    def __init__(self, message: str, *, retry_after: float, error: str | None = None,
                 detail: str | None = None, method: str = "", path: str = "") -> None:
        super().__init__(message, status=429, error=error, detail=detail, method=method, path=path)
        self.retry_after = retry_after

    @property
    def trader_message(self) -> str:
        return ("CrossTrade rate limit reached: sending is possible again in "
                f"{self.retry_after:.0f} s.")


class RejectedError(ApiError):
    """400 / 404 or an `error` in the body: CrossTrade refused the request; nothing happened."""

    @property
    def trader_message(self) -> str:
        return f"Rejected by CrossTrade: {self.server_text}."


class OrderNotFoundError(RejectedError):
    """Looking an order up by id: CrossTrade knows no order by that id (404, or "not found").

    For an order sent with the ticket's own id this settles an unknown outcome: it was not
    placed (or not yet registered, if asked the instant after sending).
    """

    @property
    def trader_message(self) -> str:
        return f"CrossTrade knows no such order ({self.server_text})."


class UnsupportedError(ApiError):
    """The add-on does not have this command ("Unknown API command", or an unknown route):
    an older add-on. Whatever the caller wanted to learn must be found another way."""

    @property
    def trader_message(self) -> str:
        return ("CrossTrade's add-on does not offer this lookup (update the XT add-on in "
                "NinjaTrader).")


class ServerError(ApiError):
    """5xx: CrossTrade failed. For a POST the server may have acted before failing."""

    @property
    def trader_message(self) -> str:
        return f"CrossTrade had a server error (HTTP {self.status})."
