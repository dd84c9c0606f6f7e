"""The simulated NT8 commands behind the API routes: place, flatten, close, reverse, cancel,
change, replace and cancel-and-bracket, on top of the order engine in ``matching``.

Errors are raised as ``SimError`` with the body the API would answer (see ``errors``). Nothing
here locks: ``Simulator`` serialises every call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ct_ticket.sim.book import SimAccount, SimPosition
from ct_ticket.sim.errors import SimError, invalid_account, invalid_request
from ct_ticket.sim.instruments import ResolvedInstrument, resolve_instrument
from ct_ticket.sim.matching import Matching
from ct_ticket.sim.orders import CANCELLABLE_STATES, SimOrder
from ct_ticket.sim.validation import Bracket, OrderTicket

__all__ = ["Exchange"]


def _not_working(order_id: str) -> SimError:
    # §7 calls this exact text stable and safe to match on.
    return SimError(400, {"error": f"Order linked to '{order_id}' not found or already terminal."})


def _market(instrument: ResolvedInstrument, action: str, quantity: int) -> OrderTicket:
    return OrderTicket(instrument, action, quantity, "Market", "Day",
                       None, None, None, None, None, None, None)


class Exchange(Matching):
    """The order engine plus the commands the API routes call."""

    def __init__(self, front_month: str, seed: int | None, clock: Callable[[], float],
                 wall_clock: Callable[[], float]) -> None:
        super().__init__(front_month, seed, clock, wall_clock)
        # The docs: with no position cancel_and_bracket enters an OCO "straddle". True answers
        # 400 instead, as a cautious add-on configuration might.
        self.refuse_flat_bracket = False

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

    # -- placing ---------------------------------------------------------------------------

    def _check_custom_id(self, ticket: OrderTicket) -> None:
        # Ids are unique across accounts: the lifecycle endpoint finds an order by id alone.
        if ticket.order_id is not None and self.book.lookup(ticket.order_id) is not None:
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
        via = "FlatPlaceOrder" if flatten_first else "PlaceOrder"
        return self.submit(found, ticket, via).order_id

    # -- positions -------------------------------------------------------------------------

    def _close(self, position: SimPosition, quantity: int, via: str) -> None:
        action = "Sell" if position.quantity > 0 else "Buy"
        ticket = _market(position.instrument, action, quantity)
        self.submit(self.account(position.account), ticket, via, name="Close", closing=True)

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
        cancelled = [
            self.cancel_now(order) for order in self.book.live(account, instrument)
            if direction == 0 or order.instrument.name in touched
        ]
        closed = [self.view(p) for p in closing]
        for position in closing:
            self._close(position, abs(position.quantity), "Flatten")
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
        self._close(position, wanted, "ClosePosition")
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
        ticket = _market(instrument, action, size)
        return self.submit(self.account(position.account), ticket, "Reverse").order_id

    def reverse_position(self, account: str, ticket: OrderTicket) -> str:
        """Close the open position, then place ``ticket`` (the explicit reverse)."""
        position = self._reversible(account, ticket.instrument)
        self._check_custom_id(ticket)
        self.flatten(position.account, ticket.instrument.name)
        return self.submit(self.account(position.account), ticket, "ReversePosition").order_id

    # -- orders ----------------------------------------------------------------------------

    def cancel_orders(self, account: str, instrument: ResolvedInstrument | None) -> list[str]:
        """Cancel every live order of the account (or of one instrument in it)."""
        name = self.account(account).name
        cancelled: list[str] = []
        for order in self.book.live(name, None if instrument is None else instrument.name):
            if order.state in CANCELLABLE_STATES:
                cancelled += [i for i in self.request_cancel(order) if i not in cancelled]
        return cancelled

    def working(self, account: str, order_id: str) -> SimOrder:
        """The cancellable order ``order_id`` of ``account``, or the stable "not found" 400."""
        order = self.book.find(self.account(account).name, order_id)
        if order is None or order.state not in CANCELLABLE_STATES:
            raise _not_working(order_id)
        return order

    def cancel_order(self, account: str, order_id: str) -> str:
        """Ask to cancel one order (NT8 cancels its OCO peers too); returns its id."""
        order = self.book.find(self.account(account).name, order_id)
        if order is not None and order.state == "CancelPending":
            return order.order_id  # asked twice while in flight: nothing more to do
        order = self.working(account, order_id)
        self.request_cancel(order)
        return order.order_id

    def change_order(
        self, account: str, order_id: str, quantity: int | None, limit_price: float | None,
        stop_price: float | None,
    ) -> str:
        """Change a live order; like NT8 it answers with a new id (the old one stays valid)."""
        order = self.working(account, order_id)
        if quantity is None and limit_price is None and stop_price is None:
            raise invalid_request("Nothing to change: give quantity, limitPrice or stopPrice")
        if limit_price is not None and order.limit_ticks is None:
            raise invalid_request(f"limitPrice does not apply to a {order.order_type} order")
        if stop_price is not None and order.stop_ticks is None:
            raise invalid_request(f"stopPrice does not apply to a {order.order_type} order")
        if quantity is not None and quantity <= order.filled:
            raise invalid_request(f"quantity must be more than the {order.filled} already filled")
        contract = order.instrument.contract
        before = (order.quantity, order.limit_ticks, order.stop_ticks)
        order.quantity = quantity or order.quantity
        if limit_price is not None:
            order.limit_ticks = contract.to_ticks(limit_price)
        if stop_price is not None:
            order.stop_ticks = contract.to_ticks(stop_price)
        problem = self.wrong_side(order)
        if problem:
            order.quantity, order.limit_ticks, order.stop_ticks = before
            raise invalid_request(problem)
        state, now = order.state, self.now()
        order.order_id = self.new_order_id()
        self.book.ids[order.order_id.casefold()] = order
        order.enter("ChangePending", now, orderId=order.order_id)
        order.enter(state, now, quantity=order.quantity, limitPrice=limit_price,
                    stopPrice=stop_price)
        if order.fillable:
            self.work(order, placing=True)
        return order.order_id

    def replace_order(self, account: str, order_id: str, ticket: OrderTicket) -> str:
        """Cancel one live order and place ``ticket`` instead; returns the new id."""
        order = self.working(account, order_id)
        self._check_custom_id(ticket)
        self.cancel_now(order)  # only this order: a replace is not an OCO cancel
        return self.submit(self.account(account), ticket, "Replace").order_id

    # -- cancel and bracket ----------------------------------------------------------------

    def cancel_and_bracket(self, account: str, bracket: Bracket) -> dict[str, Any]:
        """Cancel the instrument's live orders, then place a target and a stop as an OCO pair.

        Sized to the position (clamped to it); with no position the docs' OCO entry, or a 400
        with ``refuse_flat_bracket``. The pair is dropped if the position goes flat before NT8
        takes it.
        """
        found = self.account(account)
        name = bracket.instrument.name
        position = self.open_position(found.name, name)
        side = 1 if bracket.action == "Buy" else -1
        if position is None:
            if self.refuse_flat_bracket:
                raise SimError(400, {"error": f"No position found for instrument '{name}' "
                                              f"in account '{account}'"})
            if bracket.quantity is None:
                raise invalid_request("quantity is required when there is no position")
            quantity = bracket.quantity
        else:
            if (position.quantity > 0) != (side > 0):
                raise invalid_request(f"action {bracket.action} does not match the "
                                      f"{position.market_position} position in {name}")
            size = abs(position.quantity)
            quantity = size if bracket.quantity is None else min(bracket.quantity, size)
        cancelled = [self.cancel_now(order) for order in self.book.live(found.name, name)]
        oco = bracket.oco_id or f"bracket-{self.new_order_id()[:16]}"
        exit_action = "Sell" if side > 0 else "Buy"
        guard = None if position is None else self._still_open(found.name, name)
        placed: dict[str, str | None] = {"takeProfitOrderId": None, "stopLossOrderId": None}
        for key, order_type, price, label in (
            ("takeProfitOrderId", "Limit", bracket.take_profit, "Profit target"),
            ("stopLossOrderId", "StopMarket", bracket.stop_loss, "Stop loss"),
        ):
            if price is None:
                continue
            ticket = OrderTicket(
                bracket.instrument, exit_action, quantity, order_type, bracket.time_in_force,
                price if order_type == "Limit" else None,
                price if order_type == "StopMarket" else None, oco, None, None, None, None)
            placed[key] = self.submit(found, ticket, "CancelAndBracket", name=label,
                                      guard=guard).order_id
        return {"cancelledOrderIds": cancelled,
                "orderIds": [i for i in placed.values() if i is not None],
                **placed, "ocoId": oco, "quantity": quantity}

    def _still_open(self, account: str, instrument: str) -> Callable[[], str | None]:
        def guard() -> str | None:
            if self.open_position(account, instrument) is None:
                return "Position went flat before the bracket was placed; bracket dropped."
            return None
        return guard
