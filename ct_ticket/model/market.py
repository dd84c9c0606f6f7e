"""What CrossTrade tells about accounts, positions, quotes and orders, as plain values.

api/wire.py parses CrossTrade's JSON into these; the ticket, the feed and the window read them.
Pure Python: no Qt, no httpx, no JSON field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Account",
    "CloseResult",
    "OrderAck",
    "OrderInfo",
    "Position",
    "Quote",
]


@dataclass(frozen=True)
class Account:
    """An NT8 account as CrossTrade describes it."""

    name: str
    display_name: str = ""
    provider: str = ""
    connection_status: str = ""
    account_type: str = ""
    net_liquidation: float | None = None
    unrealized_pnl: float | None = None
    realized_pnl: float | None = None


@dataclass(frozen=True)
class Position:
    """A position; `quantity` is unsigned and `market_position` says Long, Short or Flat."""

    account: str
    instrument: str
    market_position: str
    quantity: int
    average_price: float = 0.0
    market_price: float | None = None
    unrealized_pnl: float | None = None

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0 or self.market_position.lower() not in ("long", "short")

    @property
    def signed_quantity(self) -> int:
        """Positive when long, negative when short, zero when flat."""
        if self.is_flat:
            return 0
        return self.quantity if self.market_position.lower() == "long" else -self.quantity


@dataclass(frozen=True)
class Quote:
    """A market quote: prices plus the contract facts the ticket steps prices by."""

    instrument: str
    bid: float | None = None
    ask: float | None = None
    last: float | None = None
    tick_size: float | None = None
    point_value: float | None = None
    description: str = ""
    epoch: float | None = None
    is_market_open: bool | None = None


@dataclass(frozen=True)
class OrderAck:
    """CrossTrade's acknowledgement of a placement: the order id to track it by."""

    order_id: str
    warning: str | None = None


@dataclass(frozen=True)
class OrderInfo:
    """One order as `GET .../orders/{id}` describes it (NT8 PascalCase enum names)."""

    order_id: str
    account: str = ""
    instrument: str = ""
    action: str = ""
    order_type: str = ""
    order_state: str = ""
    quantity: int = 0
    filled: int = 0
    average_fill_price: float | None = None
    limit_price: float | None = None
    stop_price: float | None = None

    WORKING_STATES = frozenset(
        {"initialized", "submitted", "accepted", "working", "changepending", "changesubmitted",
         "cancelpending", "cancelsubmitted", "partfilled", "triggerpending"}
    )

    @property
    def is_working(self) -> bool:
        return self.order_state.lower() in self.WORKING_STATES


@dataclass(frozen=True)
class CloseResult:
    """What a close, flatten or cancel did: positions closed, orders affected, any warning."""

    closed_positions: tuple[Position, ...] = ()
    order_ids: tuple[str, ...] = ()
    warning: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
