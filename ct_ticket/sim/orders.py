"""An NT8 order and its executions as the simulator keeps them, and their API views.

Prices are kept in ticks (ints for orders, floats for average fills) so that 0.25 or 1/64 steps
never drift; they become JSON floats only in the ``to_api`` views, which render the §7/§8 object
shapes with NT8's PascalCase enum values. Every state an order passes through is kept with its
time (``history``), which is what the lifecycle endpoint answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ct_ticket.sim.instruments import ResolvedInstrument

__all__ = [
    "CANCELLABLE_STATES",
    "FILLABLE_STATES",
    "TERMINAL_STATES",
    "Event",
    "Execution",
    "SimOrder",
    "iso_local",
    "iso_utc",
]

# NT8's final states: nothing happens to such an order any more.
TERMINAL_STATES = frozenset({"Filled", "Cancelled", "Rejected"})
# States in which an order rests at the exchange and can fill. A cancel in flight can still be
# overtaken by a fill, as on a real exchange. Resting limits are Working; resting stops stay
# Accepted (NT8's simulation engine holds stops locally).
FILLABLE_STATES = frozenset({"Accepted", "Working", "PartFilled", "CancelPending"})
# States a cancel or change request is taken in (Submitted: not yet acknowledged by NT8).
CANCELLABLE_STATES = frozenset({"Submitted", "Accepted", "Working", "PartFilled"})


def iso_local(epoch: float) -> str:
    """NT8-style local time without a zone, e.g. ``2026-11-28T14:03:05.1230000``."""
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def iso_utc(epoch: float) -> str:
    """UTC ISO-8601 with a ``Z``, used for ``timestamp`` fields."""
    stamp = datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


@dataclass
class Event:
    """One line of an order's lifecycle: a state it entered, a fill, or an API submission."""

    kind: str  # "submission", "state", "fill" or "change"
    epoch: float  # wall-clock seconds
    state: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_api(self, seq: int, include_raw: bool) -> dict[str, Any]:
        """The event as the lifecycle endpoint lists it (the add-on's shape is undocumented)."""
        body: dict[str, Any] = {
            "seq": seq, "type": self.kind, "time": iso_local(self.epoch),
            "timestamp": iso_utc(self.epoch), "epoch": int(self.epoch * 1000),
        }
        if self.state:
            body["orderState"] = self.state
        body.update({k: v for k, v in self.detail.items() if k != "raw"})
        if include_raw and "raw" in self.detail:
            body["raw"] = self.detail["raw"]
        return body


@dataclass
class Execution:
    """One fill of (part of) an order: NT8's Execution object."""

    execution_id: str
    order: SimOrder
    ticks: float
    quantity: int
    epoch: float
    position_after: int  # signed quantity of the account's position after this fill

    def to_api(self) -> dict[str, Any]:
        """The §8 execution object (without ``success``)."""
        order = self.order
        return {
            "id": self.execution_id,
            "executionId": self.execution_id,
            "type": "NinjaTrader.Cbi.Execution",
            "time": iso_local(self.epoch),
            "epoch": int(self.epoch * 1000),
            "name": order.name or "Entry",
            "orderId": order.order_id,
            "account": order.account,
            "serverName": "SIMULATOR",
            "instrument": order.instrument.name,
            "instrumentType": "Future",
            # NT8 sets an execution's MarketPosition to the side it traded: Long = bought.
            "marketPosition": "Long" if order.sign > 0 else "Short",
            "position": abs(self.position_after),
            "positionStrategy": None,
            "price": order.instrument.contract.price(self.ticks),
            "quantity": self.quantity,
            "commission": 0.0,
            "exchange": order.instrument.contract.exchange,
            "isEntry": abs(self.position_after) > abs(self.position_after - order.sign
                                                       * self.quantity),
        }


@dataclass
class SimOrder:
    """An order with NT8 enum spellings (``Buy``, ``StopLimit``, ``Gtc``, ``Working``)."""

    order_id: str
    account: str
    instrument: ResolvedInstrument
    action: str
    order_type: str
    quantity: int
    time_in_force: str
    created: float
    limit_ticks: int | None = None
    stop_ticks: int | None = None
    oco: str = ""
    name: str = ""
    state: str = "Submitted"
    filled: int = 0
    fill_ticks: float = 0.0  # average fill price so far
    # A stop becomes live once its stop trades (a StopLimit then rests as a limit).
    triggered: bool = False
    acknowledged: bool = False  # NT8 accepted it: it is at the exchange and can fill
    error: str = ""  # NT8's ErrorCode of a rejection, e.g. OrderRejected
    native_error: str = ""  # NT8's (or the broker's) text for it
    custom_id: str = ""  # the orderId the caller chose, if any
    history: list[Event] = field(default_factory=list)
    sign: int = field(init=False)

    def __post_init__(self) -> None:
        self.sign = 1 if self.action == "Buy" else -1

    @property
    def fillable(self) -> bool:
        """True while the order rests at the exchange and can fill."""
        return self.acknowledged and self.state in FILLABLE_STATES

    @property
    def terminal(self) -> bool:
        """True once nothing can happen to the order any more."""
        return self.state in TERMINAL_STATES

    @property
    def remaining(self) -> int:
        """Contracts still to fill."""
        return self.quantity - self.filled

    def enter(self, state: str, epoch: float, **detail: Any) -> None:
        """Move to ``state`` at ``epoch`` and write it to the history."""
        self.state = state
        self.history.append(Event("state", epoch, state, detail))

    def to_api(self) -> dict[str, Any]:
        """The §7 order object, with the fields the reference says were cut off included.

        A rejection's reason sits in ``nativeError`` (NT8's name) and its code in ``errorCode``:
        a top-level ``error`` would make a 200 look like a failed call to a §4-minded client.
        """
        contract = self.instrument.contract
        limit = contract.tick_price(self.limit_ticks) if self.limit_ticks is not None else 0.0
        stop = contract.tick_price(self.stop_ticks) if self.stop_ticks is not None else 0.0
        body: dict[str, Any] = {
            "account": self.account,
            "orderId": self.order_id,
            "instrument": self.instrument.name,
            "instrumentType": "Future",
            "orderType": self.order_type,
            "orderState": self.state,
            "orderAction": self.action,
            "quantity": self.quantity,
            "quantityChanged": self.quantity,
            "averageFillPrice": contract.price(self.fill_ticks) if self.filled else 0.0,
            "filled": self.filled,
            "limitPrice": limit,
            "limitPriceChanged": limit,
            "stopPrice": stop,
            "stopPriceChanged": stop,
            "timeInForce": self.time_in_force,
            "oco": self.oco,
            "name": self.name,
            "fromEntrySignal": None,
            "gtd": "2099-12-01T00:00:00.0000000",
            "hasOverfill": False,
            "isBacktestOrder": False,
            "time": iso_local(self.created),
            "timestamp": iso_utc(self.created),
        }
        if self.error:
            body["errorCode"] = self.error
            body["nativeError"] = self.native_error
        return body

    def lifecycle_api(self, include_fills: bool, include_raw: bool, limit: int) -> dict[str, Any]:
        """The lifecycle answer: every state, fill and API submission, oldest first."""
        events = [
            e.to_api(seq, include_raw) for seq, e in enumerate(self.history, start=1)
            if include_fills or e.kind != "fill"
        ][:limit]
        return {
            "orderId": self.order_id,
            "customOrderId": self.custom_id or None,
            "account": self.account,
            "instrument": self.instrument.name,
            "orderState": self.state,
            "events": events,
            "count": len(events),
        }
