"""Accounts and positions of the simulated NT8, and how a fill changes them.

Orders and executions themselves live in ``ct_ticket.sim.orders``; the ``Book`` holds them all
and does the bookkeeping of a fill: the order's filled quantity and average, the position's
quantity and average, the account's realized P&L, the execution record, and the OCO group.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ct_ticket.sim.instruments import ResolvedInstrument
from ct_ticket.sim.orders import Event, Execution, SimOrder

__all__ = ["STARTING_CASH", "Book", "SimAccount", "SimPosition"]

STARTING_CASH = 100_000.0


@dataclass
class SimAccount:
    """An NT8 account: ``name`` is canonical, lookups are case-insensitive.

    The limit fields are what NT8 reports for an account (§5); 0 means "no limit", as NT8 shows
    it for an account without a risk template. ``realized`` is today's realized P&L.
    """

    id: int
    name: str
    provider: str
    connection_status: str
    realized: float = 0.0
    daily_loss_limit: float = 0.0
    trailing_max_drawdown: float = 0.0
    max_order_size: int = 0
    max_position_size: int = 0
    # The add-on's watermarks (the session's highs, sampled whenever the account is read, as
    # its monitor samples them); None until the account has P&L to report.
    pnl_high: float | None = None
    netliq_high: float | None = None
    unrealized_high: float | None = None
    reported: bool = False  # the account has had P&L this session (a fill, a position)

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
            "dailyLossLimit": float(self.daily_loss_limit),
            "maxOrderSize": self.max_order_size,
            "maxPositionSize": self.max_position_size,
            "item": {
                "buyingPower": round(cash + unrealized, 2),
                "cashValue": round(cash, 2),
                "netLiquidation": round(cash + unrealized, 2),
                "realizedProfitLoss": round(self.realized, 2),
                "unrealizedProfitLoss": round(unrealized, 2),
                "initialMargin": 0.0,
                "maintenanceMargin": 0.0,
                "trailingMaxDrawdown": float(self.trailing_max_drawdown),
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


class Book:
    """Every account's positions, orders and executions, and the bookkeeping of a fill."""

    def __init__(self) -> None:
        self.accounts: dict[str, SimAccount] = {}  # keyed by casefolded name
        self.positions: dict[tuple[str, str], SimPosition] = {}  # (account, dated name)
        self.orders: list[SimOrder] = []  # placement order
        # The orders not yet final, in placement order: what the market and the cancels look
        # at. A final order never comes back, so it is dropped on the next look; a day of
        # orders then costs the next one nothing.
        self._open: list[SimOrder] = []
        self.ids: dict[str, SimOrder] = {}  # every id an order was ever known by (casefolded)
        self.executions: list[Execution] = []  # oldest first

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

    def live(self, account: str | None = None, instrument: str | None = None) -> list[SimOrder]:
        """Orders not yet final, optionally narrowed to an account and dated instrument."""
        return [
            o for o in self._still_open()
            if (account is None or o.account == account)
            and (instrument is None or o.instrument.name == instrument)
        ]

    def fillable(self, root: str) -> list[SimOrder]:
        """Orders resting on ``root`` that the market can fill, oldest first."""
        return [o for o in self._still_open()
                if o.fillable and o.instrument.contract.root == root]

    def _still_open(self) -> list[SimOrder]:
        self._open = [o for o in self._open if not o.terminal]
        return self._open

    def add(self, order: SimOrder) -> None:
        """Register a new order under its id."""
        self.orders.append(order)
        self._open.append(order)
        self.ids[order.order_id.casefold()] = order

    def lookup(self, order_id: str) -> SimOrder | None:
        """The order known by ``order_id`` (current, former or custom id) in any account."""
        return self.ids.get(order_id.casefold())

    def find(self, account: str, order_id: str) -> SimOrder | None:
        """The order known in ``account`` by ``order_id`` (current, former or custom id)."""
        order = self.lookup(order_id)
        return order if order is not None and order.account == account else None

    def oco_peers(self, order: SimOrder) -> Iterator[SimOrder]:
        """The other live orders of ``order``'s OCO group (same ocoId, same account)."""
        if not order.oco:
            return
        for other in list(self._still_open()):
            if (other is not order and other.oco == order.oco
                    and other.account == order.account and not other.terminal):
                yield other

    def fill(self, order: SimOrder, ticks: float, quantity: int, epoch: float,
             execution_id: str) -> Execution:
        """Fill ``quantity`` of ``order`` at ``ticks``: order, position, P&L and execution.

        OCO peers are the caller's business (``Exchange``), since cancelling takes time there.
        """
        quantity = min(quantity, order.remaining)
        total = order.filled + quantity
        order.fill_ticks = (order.fill_ticks * order.filled + ticks * quantity) / total
        order.filled = total
        key = (order.account, order.instrument.name)
        position = self.positions.setdefault(key, SimPosition(order.account, order.instrument))
        account = self.accounts[order.account.casefold()]
        account.realized += self._net(position, order.sign * quantity, ticks)
        execution = Execution(execution_id, order, ticks, quantity, epoch, position.quantity)
        self.executions.append(execution)
        price = order.instrument.contract.price(ticks)
        order.history.append(Event("fill", epoch, detail={
            "executionId": execution_id, "price": price, "quantity": quantity}))
        state = "Filled" if order.remaining == 0 else "PartFilled"
        average = order.instrument.contract.price(order.fill_ticks)
        order.enter(state, epoch, filled=order.filled, averageFillPrice=average)
        return execution

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

