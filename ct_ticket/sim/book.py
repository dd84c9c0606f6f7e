"""Accounts, positions and orders of the simulated NT8, and how fills change them.

Prices are kept in ticks (ints for orders and quotes, floats for averages) so that 0.25 or
1/64 steps never drift; they become JSON floats only in the ``to_api`` views, which render the
§5-§7 object shapes with NT8's PascalCase enum values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ct_ticket.sim.instruments import ResolvedInstrument

__all__ = [
    "RESTING_STATES",
    "STARTING_CASH",
    "Book",
    "SimAccount",
    "SimOrder",
    "SimPosition",
    "iso_local",
    "iso_utc",
]

STARTING_CASH = 100_000.0
# NT8's simulation engine shows resting limits as Working and resting stops as Accepted.
RESTING_STATES = frozenset({"Accepted", "Working"})


def iso_local(epoch: float) -> str:
    """NT8-style local time without a zone, e.g. ``2026-11-28T14:03:05.1230000``."""
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def iso_utc(epoch: float) -> str:
    """UTC ISO-8601 with a ``Z``, used for ``timestamp`` fields."""
    stamp = datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


@dataclass
class SimAccount:
    """An NT8 account: ``name`` is canonical, lookups are case-insensitive."""

    id: int
    name: str
    provider: str
    connection_status: str
    realized: float = 0.0

    def to_api(self, unrealized: float) -> dict[str, Any]:
        """The §5 "Get one account" object (without ``success``)."""
        cash = STARTING_CASH + self.realized
        return {
            "id": self.id,
            "name": self.name,
            "displayName": self.name,
            "provider": self.provider,
            "denomination": "UsDollar",
            "status": "Enabled",
            "connectionStatus": self.connection_status,
            "dailyLossLimit": 0.0,
            "maxOrderSize": 0,
            "maxPositionSize": 0,
            "item": {
                "buyingPower": round(cash + unrealized, 2),
                "cashValue": round(cash, 2),
                "netLiquidation": round(cash + unrealized, 2),
                "realizedProfitLoss": round(self.realized, 2),
                "unrealizedProfitLoss": round(unrealized, 2),
                "initialMargin": 0.0,
                "maintenanceMargin": 0.0,
                "trailingMaxDrawdown": 0.0,
                "commission": 0.0,
                "fee": 0.0,
                "weeklyProfitLoss": round(self.realized, 2),
            },
        }


@dataclass
class SimPosition:
    """A net position; ``quantity`` is signed here (short < 0) but unsigned on the wire."""

    account: str
    instrument: ResolvedInstrument
    quantity: int = 0
    average_ticks: float = 0.0

    @property
    def market_position(self) -> str:
        """NT8's MarketPosition name for the current quantity."""
        return "Long" if self.quantity > 0 else "Short" if self.quantity < 0 else "Flat"

    def unrealized(self, last_ticks: int) -> float:
        """Open P&L in account currency at ``last_ticks``."""
        contract = self.instrument.contract
        return (last_ticks - self.average_ticks) * self.quantity * contract.tick_value

    def to_api(self, last_ticks: int) -> dict[str, Any]:
        """The §6 position object; a flat position has quantity 0 and averagePrice 0.0."""
        contract = self.instrument.contract
        return {
            "type": "NinjaTrader.Cbi.Position",
            "account": self.account,
            "instrument": self.instrument.name,
            "instrumentType": "Future",
            "marketPosition": self.market_position,
            "quantity": abs(self.quantity),
            "averagePrice": contract.price(self.average_ticks) if self.quantity else 0.0,
            "marketPrice": contract.tick_price(last_ticks),
            "unrealizedProfitLoss": round(self.unrealized(last_ticks), 2),
            "tag": None,
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
    fill_ticks: float = 0.0
    # A StopLimit becomes a resting limit once its stop trades.
    triggered: bool = False
    sign: int = field(init=False)

    def __post_init__(self) -> None:
        self.sign = 1 if self.action == "Buy" else -1

    @property
    def resting(self) -> bool:
        """True while the order can still fill or be cancelled."""
        return self.state in RESTING_STATES

    def to_api(self) -> dict[str, Any]:
        """The §7 order object, with the fields the reference says were cut off included."""
        contract = self.instrument.contract
        limit = contract.tick_price(self.limit_ticks) if self.limit_ticks is not None else 0.0
        stop = contract.tick_price(self.stop_ticks) if self.stop_ticks is not None else 0.0
        return {
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


class Book:
    """Every account's positions and orders, and the bookkeeping of a fill."""

    def __init__(self) -> None:
        self.accounts: dict[str, SimAccount] = {}  # keyed by casefolded name
        self.positions: dict[tuple[str, str], SimPosition] = {}  # (account, dated name)
        self.orders: list[SimOrder] = []  # placement order
        self.ids: dict[str, SimOrder] = {}  # every id an order was ever known by

    def account(self, name: str) -> SimAccount | None:
        """Case-insensitive account lookup."""
        return self.accounts.get(name.casefold())

    def held(self, account: str, instrument: str) -> int:
        """Signed quantity held in ``account``/``instrument`` (0 when flat or never traded)."""
        position = self.positions.get((account, instrument))
        return position.quantity if position is not None else 0

    def open_positions(self, account: str | None = None) -> list[SimPosition]:
        """Non-flat positions, optionally of one account."""
        return [
            p for p in self.positions.values()
            if p.quantity and (account is None or p.account == account)
        ]

    def resting(self, account: str | None = None, instrument: str | None = None) -> list[SimOrder]:
        """Orders that can still fill, optionally narrowed to an account and dated instrument."""
        return [
            o for o in self.orders
            if o.resting
            and (account is None or o.account == account)
            and (instrument is None or o.instrument.name == instrument)
        ]

    def add(self, order: SimOrder) -> None:
        """Register a new order under its id."""
        self.orders.append(order)
        self.ids[order.order_id.casefold()] = order

    def find(self, account: str, order_id: str) -> SimOrder | None:
        """The order known in ``account`` by ``order_id`` (current, former or custom id)."""
        order = self.ids.get(order_id.casefold())
        return order if order is not None and order.account == account else None

    def cancel(self, order: SimOrder) -> list[str]:
        """Cancel a resting order and its OCO siblings; returns every id cancelled."""
        cancelled = []
        for other in self._with_oco(order):
            other.state = "Cancelled"
            cancelled.append(other.order_id)
        return cancelled

    def fill(self, order: SimOrder, ticks: float) -> None:
        """Fill ``order`` completely at ``ticks``, net it into the position, cancel OCO peers."""
        order.state = "Filled"
        order.filled = order.quantity
        order.fill_ticks = ticks
        key = (order.account, order.instrument.name)
        position = self.positions.setdefault(key, SimPosition(order.account, order.instrument))
        account = self.accounts[order.account.casefold()]
        account.realized += self._net(position, order.sign * order.quantity, ticks)
        if order.oco:
            for other in self._with_oco(order):
                if other is not order:
                    other.state = "Cancelled"

    def _with_oco(self, order: SimOrder) -> Iterator[SimOrder]:
        if order.resting:
            yield order
        if not order.oco:
            return
        for other in self.orders:
            same_group = other.oco == order.oco and other.account == order.account
            if other is not order and same_group and other.resting:
                yield other

    @staticmethod
    def _net(position: SimPosition, signed_qty: int, ticks: float) -> float:
        """Apply a fill to ``position``; returns the realized P&L it produced."""
        held = position.quantity
        realized = 0.0
        if held == 0 or (held > 0) == (signed_qty > 0):
            total = abs(held) + abs(signed_qty)
            position.average_ticks = (
                position.average_ticks * abs(held) + ticks * abs(signed_qty)
            ) / total
        else:
            closing = min(abs(held), abs(signed_qty))
            direction = 1 if held > 0 else -1
            tick_value = position.instrument.contract.tick_value
            realized = (ticks - position.average_ticks) * closing * direction * tick_value
            if abs(signed_qty) > abs(held):
                position.average_ticks = ticks  # flipped: the remainder opened at this price
        position.quantity = held + signed_qty
        if position.quantity == 0:
            position.average_ticks = 0.0
        return realized
