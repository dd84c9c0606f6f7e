"""The CrossTrade API client: `CrossTradeClient`, its typed results (model types, re-exported)
and its error tree.

The names are loaded on first use (PEP 562), so importing a light submodule such as
``ct_ticket.api.errors`` does not import h11 and ssl: the window paints before they load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ct_ticket.api.client import DEFAULT_BASE_URL, CrossTradeClient, Timeouts
    from ct_ticket.api.errors import (
        ApiError,
        AuthenticationError,
        BadResponseError,
        CrossTradeError,
        NotConnectedError,
        OrderNotFoundError,
        RateLimitedError,
        RejectedError,
        ServerError,
        SlowServerError,
        TransportError,
        UnsupportedError,
    )
    from ct_ticket.model import (
        Account,
        BracketAck,
        CloseResult,
        Execution,
        LifecycleEvent,
        OrderAck,
        OrderInfo,
        OrderLifecycle,
        OrderState,
        Position,
        Quote,
    )

# Which module each public name comes from.
_HOMES = {
    **dict.fromkeys(("DEFAULT_BASE_URL", "CrossTradeClient", "Timeouts"), "ct_ticket.api.client"),
    **dict.fromkeys((
        "ApiError", "AuthenticationError", "BadResponseError", "CrossTradeError",
        "NotConnectedError", "OrderNotFoundError", "RateLimitedError", "RejectedError",
        "ServerError", "SlowServerError", "TransportError", "UnsupportedError",
    ), "ct_ticket.api.errors"),
    **dict.fromkeys((
        "Account", "BracketAck", "CloseResult", "Execution", "LifecycleEvent", "OrderAck",
        "OrderInfo", "OrderLifecycle", "OrderState", "Position", "Quote",
    ), "ct_ticket.model"),
}

__all__ = [
    "DEFAULT_BASE_URL",
    "Account",
    "ApiError",
    "AuthenticationError",
    "BadResponseError",
    "BracketAck",
    "CloseResult",
    "CrossTradeClient",
    "CrossTradeError",
    "Execution",
    "LifecycleEvent",
    "NotConnectedError",
    "OrderAck",
    "OrderInfo",
    "OrderLifecycle",
    "OrderNotFoundError",
    "OrderState",
    "Position",
    "Quote",
    "RateLimitedError",
    "RejectedError",
    "ServerError",
    "SlowServerError",
    "Timeouts",
    "TransportError",
    "UnsupportedError",
]


def __getattr__(name: str) -> Any:
    """Import the public name's home module at its first use and cache the name here."""
    home = _HOMES.get(name)
    if home is None:  # AttributeError lets `from ct_ticket.api import wire` find the submodule
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
