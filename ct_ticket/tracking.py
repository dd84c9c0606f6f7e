"""Every order the ticket sends, from the click to its end: a record with a timestamped log,
followed by the ticket's own id until NT8 says Working, Filled, PartFilled, Rejected or
Cancelled, and an unknown outcome settled by looking the order up, never by sending again.

No Qt. The ticket (ticket.py) creates a record in the click, before the POST, and hands it here
once CrossTrade has answered (or not).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.api.errors import CrossTradeError, OrderNotFoundError
from ct_ticket.model import OrderInfo, OrderRequest, OrderState, needs_stop_price

__all__ = [
    "FOLLOW_STOPS_AT",
    "OrderRecord",
    "Settled",
    "follow_order",
    "look_up_order",
    "new_order_id",
]

log = logging.getLogger(__name__)

# Following stops here: a working order is the working-orders panel's to watch from then on.
FOLLOW_STOPS_AT = frozenset({OrderState.WORKING, OrderState.FILLED, OrderState.PART_FILLED,
                             OrderState.REJECTED, OrderState.CANCELLED})
RESTING_STOP = frozenset({OrderState.ACCEPTED, OrderState.TRIGGER_PENDING})
FIRST_READ_S = 0.3  # NT8 usually settles a market order within a few hundred ms
MIN_INTERVAL_S = 1.0  # never more than one follow-up read per order per second
MAX_INTERVAL_S = 8.0
FOLLOW_FOR_S = 120.0  # an order still Submitted/Accepted after this is left to the panel
NOT_FOUND_RETRIES = 2  # "not found" right after a lost answer may be NT8 still registering it


def new_order_id() -> str:
    """A unique id the ticket chooses before sending: 32 hex characters, like NT8's own."""
    return secrets.token_hex(16)


@dataclass
class OrderRecord:
    """One order from the click on: what was asked and every state it passed through."""

    order_id: str  # the ticket's own id, sent as `orderId`
    request: OrderRequest
    words: str  # "Flatten & BUY 1 MES 12-26 MKT on Sim101"
    current_id: str = ""  # the id NT8 knows it by now (a change returns a new one)
    state: str = "Created"
    reason: str | None = None
    filled: int = 0
    average_price: float | None = None
    log: list[tuple[dt.datetime, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.current_id = self.current_id or self.order_id
        self.note("Created")

    def note(self, state: str, detail: str = "") -> None:
        """Record a state (and what it means) with the time it was learnt."""
        self.state = state
        self.log.append((dt.datetime.now(), f"{state}: {detail}" if detail else state))

    def remark(self, detail: str) -> None:
        """Record something learnt about the order that is not a new state."""
        self.log.append((dt.datetime.now(), f"{self.state}: {detail}"))

    def take(self, info: OrderInfo) -> bool:
        """Record what a read said; True when the state changed."""
        changed = info.state.value != self.state
        self.reason = info.reason or self.reason
        self.filled = info.filled
        self.average_price = info.average_fill_price
        if changed:
            self.note(info.state.value, info.reason or "")
        return changed

    @property
    def is_final(self) -> bool:
        try:
            return OrderState(self.state).is_final
        except ValueError:
            return False


async def follow_order(client: CrossTradeClient, record: OrderRecord,
                       on_change: Callable[[OrderRecord], None], *,
                       sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Read the order by its id until a state in `FOLLOW_STOPS_AT`, calling `on_change` at
    each new state. Backs off from one read a second; a read that fails is tried again later."""
    delay, waited = FIRST_READ_S, 0.0
    # NT8 holds a resting stop as Accepted (or TriggerPending), never Working.
    resting_stop = needs_stop_price(record.request.order_type)
    while waited < FOLLOW_FOR_S:
        await sleep(delay)
        waited += delay
        delay = min(max(delay * 2, MIN_INTERVAL_S), MAX_INTERVAL_S)
        try:
            info = await client.get_order(record.request.account, record.current_id)
        except OrderNotFoundError:
            continue  # relayed, not registered yet
        except CrossTradeError as error:
            log.info("following %s: %s", record.order_id, error)
            continue
        if record.take(info):
            on_change(record)
        if info.state in FOLLOW_STOPS_AT or (resting_stop and info.state in RESTING_STOP):
            return


@dataclass(frozen=True)
class Settled:
    """What a lookup by the ticket's own id found after an unknown outcome."""

    placed: bool | None  # None: the lookup itself was unavailable
    info: OrderInfo | None = None
    problem: str = ""


async def look_up_order(client: CrossTradeClient, record: OrderRecord, *,
                        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Settled:
    """Was the order placed? Asks CrossTrade for it by the id the ticket chose."""
    for attempt in range(NOT_FOUND_RETRIES + 1):
        if attempt:
            await sleep(MIN_INTERVAL_S)
        try:
            info = await client.get_order(record.request.account, record.order_id)
        except OrderNotFoundError:
            continue
        except CrossTradeError as error:
            return Settled(None, problem=error.trader_message)
        record.take(info)
        return Settled(True, info)
    return Settled(False)
