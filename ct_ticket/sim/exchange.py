"""The simulated NT8 order handling: prices per root, fills, and the order/position commands.

The fill rules are described in ``ct_ticket.sim.market``'s docstring. Nothing here locks:
``Simulator`` serialises every call. Errors are raised as ``SimError`` with the body the
API would answer (see ``errors``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ct_ticket.sim.book import Book, SimAccount, SimOrder, SimPosition
from ct_ticket.sim.errors import SimError, invalid_account, invalid_request
from ct_ticket.sim.instruments import CATALOGUE, Contract, ResolvedInstrument, resolve_instrument
from ct_ticket.sim.validation import OrderTicket

__all__ = ["Exchange", "Tape"]

_STOP_BELOW = "Buy stop or buy stop limit orders can't be placed below the market."
_STOP_ABOVE = "Sell stop or sell stop limit orders can't be placed above the market."


@dataclass
class Tape:
    """One root's market: last price in ticks and the session statistics a quote shows."""

    contract: Contract
    last: int
    open: int
    high: int
    low: int
    close: int
    volume: int

    def move_to(self, ticks: int, traded: int) -> None:
        """Record a trade at ``ticks`` of ``traded`` contracts."""
        self.last = ticks
        self.high = max(self.high, ticks)
        self.low = min(self.low, ticks)
        self.volume += traded


def _not_working(order_id: str) -> SimError:
    # §7 calls this exact text stable and safe to match on.
    return SimError(400, {"error": f"Order linked to '{order_id}' not found or already terminal."})


class Exchange:
    """Markets for every catalogue root plus the book of accounts, positions and orders."""

    def __init__(
        self, front_month: str, seed: int | None, wall_clock: Callable[[], float]
    ) -> None:
        self.book = Book()
        self.front_month = front_month
        self.wall_clock = wall_clock
        self._walk_rng = random.Random(seed)
        # Ids come from their own generator so placing orders never changes the price path.
        self._id_rng = random.Random(None if seed is None else f"order-ids-{seed}")
        self.tapes: dict[str, Tape] = {}
        for root, contract in CATALOGUE.items():
            start = contract.to_ticks(contract.start_price)
            self.tapes[root] = Tape(contract, start, start, start, start, start - 12, 150_000)

    # -- lookups ---------------------------------------------------------------------------

    def resolve(self, instrument: object) -> ResolvedInstrument:
        """Resolve any §3 instrument form against the simulator's front month."""
        return resolve_instrument(instrument, self.front_month)

    def account(self, name: str) -> SimAccount:
        """The account called ``name`` (any casing), or the API's invalid_account 400."""
        found = self.book.account(name)
        if found is None:
            raise invalid_account(name)
        return found

    def view(self, position: SimPosition) -> dict[str, Any]:
        """The API object of ``position`` at the current market."""
        return position.to_api(self.tapes[position.instrument.contract.root].last)

    def open_position(self, account: str, instrument: str) -> SimPosition | None:
        """The non-flat position of ``account`` in dated ``instrument``, if any."""
        found = self.book.positions.get((account, instrument))
        return found if found is not None and found.quantity else None

    # -- prices and fills ------------------------------------------------------------------

    def move(self, root: str, ticks: int, traded: int) -> None:
        """Trade ``root`` at ``ticks`` and fill whatever the move reaches."""
        self.tapes[root].move_to(ticks, traded)
        self.match(root)

    def step(self, skip: frozenset[str] = frozenset()) -> None:
        """Random-walk every root (but those in ``skip``) one tick up or down."""
        for root, tape in self.tapes.items():
            # Draw for skipped roots too, so the path of the others does not depend on ``skip``.
            delta, traded = self._walk_rng.choice((-1, 1)), self._walk_rng.randint(1, 40)
            if root not in skip:
                self.move(root, max(1, tape.last + delta), traded)

    def new_order_id(self) -> str:
        """A fresh NT8-style id: a GUID's 32 hex digits without dashes."""
        return f"{self._id_rng.getrandbits(128):032x}"

    def match(self, root: str) -> None:
        """Give every resting order on ``root`` the chance to trigger or fill."""
        for order in [o for o in self.book.resting() if o.instrument.contract.root == root]:
            if order.resting:  # an OCO peer's fill earlier in this loop may have cancelled it
                self.work(order, placing=False)

    def work(self, order: SimOrder, placing: bool) -> None:
        """Trigger and/or fill ``order`` against the current market."""
        last = self.tapes[order.instrument.contract.root].last
        market = last + 1 if order.sign > 0 else last  # the ask for a buy, the bid for a sell
        if order.order_type == "Market":
            self.book.fill(order, market)
            return
        if order.stop_ticks is not None and not order.triggered:
            if order.sign * (last - order.stop_ticks) < 0:
                return  # buy stop above / sell stop below the market: keep waiting
            order.triggered = True
            if order.order_type == "StopMarket":
                self.book.fill(order, market)
                return
            order.state = "Working"
        assert order.limit_ticks is not None  # only Limit and StopLimit get here
        if order.sign * (order.limit_ticks - last) >= 0:
            # Marketable on arrival: limit or better. Resting: filled at the limit itself.
            better = min if order.sign > 0 else max
            self.book.fill(order, better(order.limit_ticks, market) if placing
                           else order.limit_ticks)

    def _wrong_side(self, order: SimOrder) -> str | None:
        if order.stop_ticks is None or order.triggered:
            return None
        last = self.tapes[order.instrument.contract.root].last
        if order.sign > 0 and order.stop_ticks <= last:
            return _STOP_BELOW
        if order.sign < 0 and order.stop_ticks >= last:
            return _STOP_ABOVE
        return None

    # -- placing ---------------------------------------------------------------------------

    def _submit(
        self, account: SimAccount, ticket: OrderTicket, name: str = "", closing: bool = False
    ) -> SimOrder:
        to_ticks = ticket.instrument.contract.to_ticks
        order = SimOrder(
            order_id=ticket.order_id or self.new_order_id(),
            account=account.name,
            instrument=ticket.instrument,
            action=ticket.action,
            order_type=ticket.order_type,
            quantity=ticket.quantity,
            time_in_force=ticket.time_in_force,
            created=self.wall_clock(),
            limit_ticks=None if ticket.limit_price is None else to_ticks(ticket.limit_price),
            stop_ticks=None if ticket.stop_price is None else to_ticks(ticket.stop_price),
            oco=ticket.oco_id or "",
            name=name or ("Entry" if ticket.strategy else ""),
        )
        self.book.add(order)
        # Closing is NT8's own flatten, which the simulator lets through even when disconnected.
        rejected = account.connection_status != "Connected" and not closing
        if rejected or self._wrong_side(order):
            order.state = "Rejected"  # NT8 rejects after accepting the submission
            return order
        order.state = "Accepted" if order.stop_ticks is not None else "Working"
        self.work(order, placing=True)
        return order

    def _check_custom_id(self, ticket: OrderTicket) -> None:
        if ticket.order_id is not None and ticket.order_id.casefold() in self.book.ids:
            raise invalid_request(f"orderId '{ticket.order_id}' is already in use")

    def _check_guards(self, account: SimAccount, ticket: OrderTicket) -> None:
        held = self.book.held(account.name, ticket.instrument.name)
        wanted = ticket.require_market_position
        current = "long" if held > 0 else "short" if held < 0 else "flat"
        if wanted is not None and current not in wanted:
            raise SimError(400, {
                "success": False, "error": "position_guard",
                "detail": f"requireMarketPosition {','.join(sorted(wanted))} not met: "
                          f"{ticket.instrument.name} is {current} in {account.name}",
            })
        open_count = len(self.book.open_positions(account.name))
        if ticket.max_positions is not None and held == 0 and open_count >= ticket.max_positions:
            raise SimError(400, {
                "success": False, "error": "position_guard",
                "detail": f"maxPositions {ticket.max_positions} reached: {account.name} "
                          f"already has {open_count} open position(s)",
            })

    def place(self, account: str, ticket: OrderTicket, flatten_first: bool = False) -> str:
        """Place an order (flatplace: first close the instrument's position and orders)."""
        found = self.account(account)
        self._check_custom_id(ticket)
        if flatten_first:
            self.flatten(found.name, ticket.instrument.name)
        else:
            self._check_guards(found, ticket)
        return self._submit(found, ticket).order_id

    # -- positions -------------------------------------------------------------------------

    def _close(self, position: SimPosition, quantity: int) -> None:
        action = "Sell" if position.quantity > 0 else "Buy"
        ticket = OrderTicket(position.instrument, action, quantity, "Market", "Day",
                             None, None, None, None, None, None, None)
        self._submit(self.account(position.account), ticket, name="Close", closing=True)

    def flatten(
        self, account: str, instrument: str | None, direction: int = 0
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Close positions (one dated instrument or all) and cancel their orders.

        ``direction`` 1/-1 restricts to longs/shorts. Returns the closed positions as they were
        and the ids of cancelled orders.
        """
        closing = [
            p for p in self.book.open_positions(account)
            if (instrument is None or p.instrument.name == instrument)
            and (direction == 0 or (p.quantity > 0) == (direction > 0))
        ]
        # A long/short filter only cancels orders of the instruments it flattens.
        touched = {p.instrument.name for p in closing}
        cancelled: list[str] = []
        for order in self.book.resting(account, instrument):
            if order.resting and (direction == 0 or order.instrument.name in touched):
                cancelled += self.book.cancel(order)
        closed = [self.view(p) for p in closing]
        for position in closing:
            self._close(position, abs(position.quantity))
        return closed, cancelled

    def close_position(
        self, account: str, instrument: ResolvedInstrument, quantity: int | None,
        percent: float | None,
    ) -> list[dict[str, Any]]:
        """Close all or part of a position; a full close also cancels the instrument's orders."""
        name = self.account(account).name
        position = self.open_position(name, instrument.name)
        if position is None:
            raise SimError(400, {"error": f"No positions found for instrument '{instrument.name}'"})
        size = abs(position.quantity)
        if quantity is not None:
            wanted = min(quantity, size)
        elif percent is not None:
            wanted = min(size, math.ceil(percent * size - 1e-9))  # §6: rounded up
        else:
            wanted = size
        if wanted == size:
            return self.flatten(name, instrument.name)[0]
        closed = [self.view(position)]
        self._close(position, wanted)
        return closed

    def _reversible(self, account: str, instrument: ResolvedInstrument) -> SimPosition:
        position = self.open_position(self.account(account).name, instrument.name)
        if position is None:
            # The §6 example echoes the account as the caller spelled it.
            raise SimError(400, {"error": f"No position found for instrument "
                                          f"'{instrument.name}' in account '{account}'"})
        return position

    def reverse(self, account: str, instrument: ResolvedInstrument) -> str:
        """Flip the position: close it and enter the same size the other way."""
        position = self._reversible(account, instrument)
        size, action = abs(position.quantity), "Sell" if position.quantity > 0 else "Buy"
        self.flatten(position.account, instrument.name)
        ticket = OrderTicket(instrument, action, size, "Market", "Day",
                             None, None, None, None, None, None, None)
        return self._submit(self.account(position.account), ticket).order_id

    def reverse_position(self, account: str, ticket: OrderTicket) -> str:
        """Close the open position, then place ``ticket`` (the explicit reverse)."""
        position = self._reversible(account, ticket.instrument)
        self._check_custom_id(ticket)
        self.flatten(position.account, ticket.instrument.name)
        return self._submit(self.account(position.account), ticket).order_id

    # -- orders ----------------------------------------------------------------------------

    def cancel_orders(self, account: str, instrument: ResolvedInstrument | None) -> list[str]:
        """Cancel every resting order of the account (or of one instrument in it)."""
        name = self.account(account).name
        cancelled: list[str] = []
        for order in self.book.resting(name, None if instrument is None else instrument.name):
            if order.resting:
                cancelled += self.book.cancel(order)
        return cancelled

    def working(self, account: str, order_id: str) -> SimOrder:
        """The resting order ``order_id`` of ``account``, or the stable "not found" 400."""
        order = self.book.find(self.account(account).name, order_id)
        if order is None or not order.resting:
            raise _not_working(order_id)
        return order

    def cancel_order(self, account: str, order_id: str) -> str:
        """Cancel one resting order (and its OCO peers); returns its id."""
        order = self.working(account, order_id)
        self.book.cancel(order)
        return order.order_id

    def change_order(
        self, account: str, order_id: str, quantity: int | None, limit_price: float | None,
        stop_price: float | None,
    ) -> str:
        """Change a resting order; like NT8 it answers with a new id (the old one stays valid)."""
        order = self.working(account, order_id)
        if quantity is None and limit_price is None and stop_price is None:
            raise invalid_request("Nothing to change: give quantity, limitPrice or stopPrice")
        if limit_price is not None and order.limit_ticks is None:
            raise invalid_request(f"limitPrice does not apply to a {order.order_type} order")
        if stop_price is not None and order.stop_ticks is None:
            raise invalid_request(f"stopPrice does not apply to a {order.order_type} order")
        contract = order.instrument.contract
        before = (order.quantity, order.limit_ticks, order.stop_ticks)
        order.quantity = quantity or order.quantity
        if limit_price is not None:
            order.limit_ticks = contract.to_ticks(limit_price)
        if stop_price is not None:
            order.stop_ticks = contract.to_ticks(stop_price)
        problem = self._wrong_side(order)
        if problem:
            order.quantity, order.limit_ticks, order.stop_ticks = before
            raise invalid_request(problem)
        order.order_id = self.new_order_id()
        self.book.ids[order.order_id] = order
        self.work(order, placing=True)
        return order.order_id

    def replace_order(self, account: str, order_id: str, ticket: OrderTicket) -> str:
        """Cancel one resting order and place ``ticket`` instead; returns the new id."""
        order = self.working(account, order_id)
        self._check_custom_id(ticket)
        order.state = "Cancelled"  # only this order: a replace is not an OCO cancel
        return self._submit(self.account(account), ticket).order_id
