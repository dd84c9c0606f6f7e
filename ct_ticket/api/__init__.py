"""The CrossTrade API client: `CrossTradeClient`, its typed results (model types, re-exported)
and its error tree."""

from ct_ticket.api.client import DEFAULT_BASE_URL, CrossTradeClient, Timeouts
from ct_ticket.api.errors import (
    ApiError,
    AuthenticationError,
    BadResponseError,
    CrossTradeError,
    NotConnectedError,
    RateLimitedError,
    RejectedError,
    ServerError,
    TransportError,
)
from ct_ticket.model import Account, CloseResult, OrderAck, OrderInfo, Position, Quote

__all__ = [
    "DEFAULT_BASE_URL",
    "Account",
    "ApiError",
    "AuthenticationError",
    "BadResponseError",
    "CloseResult",
    "CrossTradeClient",
    "CrossTradeError",
    "NotConnectedError",
    "OrderAck",
    "OrderInfo",
    "Position",
    "Quote",
    "RateLimitedError",
    "RejectedError",
    "ServerError",
    "Timeouts",
    "TransportError",
]
