"""What CrossTrade tells about accounts, positions, quotes, orders and fills, as plain values.

api/wire/ parses CrossTrade's JSON into these; the ticket, the feed and the window read them.
Pure Python: no Qt, no HTTP, no JSON field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ct_ticket.model.orders import Side

__all__ = [
    "Account",
    "BracketAck",
    "CloseResult",
    "Execution",
    "LifecycleEvent",
    "OrderAck",
    "OrderInfo",
    "OrderLifecycle",
    "OrderState",
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
    # The account's own limits (§5); None = not reported (unknown), 0 = the account has none.
    daily_loss_limit: float | None = None
    trailing_max_drawdown: float | None = None
    max_order_size: int | None = None
    max_position_size: int | None = None


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


class OrderState(StrEnum):
    """An order's state, spelled as NT8 spells it (`OrderState.Working` is "Working")."""

    INITIALIZED = "Initialized"
    SUBMITTED = "Submitted"
    ACCEPTED = "Accepted"
    WORKING = "Working"
    CHANGE_PENDING = "ChangePending"
    CHANGE_SUBMITTED = "ChangeSubmitted"
    CANCEL_PENDING = "CancelPending"
    CANCEL_SUBMITTED = "CancelSubmitted"
    CANCELLED = "Cancelled"
    REJECTED = "Rejected"
    PART_FILLED = "PartFilled"
    FILLED = "Filled"
    TRIGGER_PENDING = "TriggerPending"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: object) -> OrderState:
        """The state named by `text`, in any casing (also "Canceled", "Part_Filled"); Unknown
        for anything else, so a state NT8 adds later never passes for a known one."""
        if not isinstance(text, str):
            return cls.UNKNOWN
        key = text.strip().replace("_", "").replace(" ", "").lower()
        return _STATE_BY_KEY.get(key, cls.UNKNOWN)

    @property
    def is_final(self) -> bool:
        """Filled, Cancelled or Rejected: nothing more happens to the order."""
        return self in _FINAL_STATES

    @property
    def is_working(self) -> bool:
        """Not final and not Unknown: the order is live (on its way, resting, or changing)."""
        return not self.is_final and self is not OrderState.UNKNOWN


_FINAL_STATES = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED})
_STATE_BY_KEY = {state.value.lower(): state for state in OrderState}
_STATE_BY_KEY["canceled"] = OrderState.CANCELLED


@dataclass(frozen=True)
class OrderInfo:
    """One order as `GET .../orders/{id}` describes it.

    `state` is the parsed state; `order_state` the text CrossTrade sent (kept for showing a
    state this version does not know). Give either one: the other is derived from it.
    `reason` is NT8's words for a rejection (its `nativeError`), None when there are none.
    `action`, `order_type` and `time_in_force` are NT8's spellings ("Buy", "Limit", "Gtc").
    """

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
    state: OrderState = OrderState.UNKNOWN
    reason: str | None = None
    time: datetime | None = None
    oco_id: str | None = None
    time_in_force: str = ""
    custom_id: str | None = None

    def __post_init__(self) -> None:
        # One truth for two spellings: frozen, so set through object.__setattr__ once here.
        if self.state is OrderState.UNKNOWN and self.order_state:
            object.__setattr__(self, "state", OrderState.parse(self.order_state))
        elif not self.order_state and self.state is not OrderState.UNKNOWN:
            object.__setattr__(self, "order_state", self.state.value)

    @property
    def is_working(self) -> bool:
        """The order is live: submitted, resting, part filled, or being changed or cancelled."""
        return self.state.is_working

    @property
    def is_final(self) -> bool:
        """Filled, cancelled or rejected."""
        return self.state.is_final


@dataclass(frozen=True)
class Execution:
    """One fill (`GET .../executions`): `side` is what it did, BUY or SELL."""

    execution_id: str
    order_id: str
    account: str
    instrument: str
    side: Side
    quantity: int
    price: float
    time: datetime | None = None


@dataclass(frozen=True)
class LifecycleEvent:
    """One line of an order's lifecycle: a state it entered, a fill, a change or a submission.

    `kind` is the add-on's word for it ("state", "fill", "change", "submission"; the shape is
    undocumented, so any text). `state` is None when the event names no state. A fill carries
    `quantity` and `price`.
    """

    state: OrderState | None
    kind: str = ""
    time: datetime | None = None
    reason: str | None = None
    quantity: int | None = None
    price: float | None = None


@dataclass(frozen=True)
class OrderLifecycle:
    """An order's whole story (`GET .../orders/{id}/lifecycle`), oldest event first."""

    order_id: str
    state: OrderState
    events: tuple[LifecycleEvent, ...] = ()
    custom_id: str | None = None

    @property
    def reason(self) -> str | None:
        """Why the order is in its state: the reason of the latest event that entered it
        (NT8's text for a rejection), None when that event gives none."""
        entered = next((e for e in reversed(self.events) if e.state is self.state), None)
        return entered.reason if entered is not None else None


@dataclass(frozen=True)
class BracketAck:
    """What cancel_and_bracket did: the exit orders it placed (an OCO pair), the orders it
    cancelled first, and the quantity it protected (clamped to the position)."""

    order_ids: tuple[str, ...]
    stop_order_id: str | None = None
    target_order_id: str | None = None
    cancelled_order_ids: tuple[str, ...] = ()
    quantity: int | None = None
    oco_id: str | None = None


@dataclass(frozen=True)
class CloseResult:
    """What a close, flatten or cancel did: positions closed, orders affected, any warning."""

    closed_positions: tuple[Position, ...] = ()
    order_ids: tuple[str, ...] = ()
    warning: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
