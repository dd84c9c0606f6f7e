"""The simulated NT8 order engine: prices per root, an order's way through NT8's states, fills.

An order is created ``Submitted`` when CrossTrade relays it; ``latency`` seconds later (on the
simulator's injected clock) NT8 acknowledges it: ``Rejected`` with a reason, or ``Accepted`` and,
for market and limit orders, ``Working``, after which the market may fill it (``PartFilled``,
``Filled``). A cancel request makes it ``CancelPending`` and, ``latency`` seconds later,
``Cancelled``; a fill can overtake the cancel, as on a real exchange. With ``latency`` 0 all of
this happens within the request, still passing through every state.

Nothing runs in the background: ``advance()`` carries out whatever fell due, and ``Simulator``
calls it before every request and read, so a fake clock drives it in tests. Nothing here locks:
``Simulator`` serialises every call.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ct_ticket.sim.book import Book, SimAccount
from ct_ticket.sim.instruments import CATALOGUE, Contract
from ct_ticket.sim.orders import Event, SimOrder
from ct_ticket.sim.validation import OrderTicket

__all__ = ["STOP_ABOVE", "STOP_BELOW", "Guard", "Matching", "Tape"]

# NT8's own texts for a stop on the wrong side of the market.
STOP_BELOW = "Buy stop or buy stop limit orders can't be placed below the market."
STOP_ABOVE = "Sell stop or sell stop limit orders can't be placed above the market."

Guard = Callable[[], str | None]
"""Checked when NT8 acknowledges an order: a text cancels the order with that note."""


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


class Matching:
    """Markets for every catalogue root, the book, and the order state machine."""

    def __init__(self, front_month: str, seed: int | None, clock: Callable[[], float],
                 wall_clock: Callable[[], float]) -> None:
        self.book = Book()
        self.front_month = front_month
        self.clock = clock
        self.wall_clock = wall_clock
        self.latency = 0.0  # seconds NT8 takes to acknowledge a submission or a cancel
        # Contracts a resting limit fills each time the market only touches its price; a
        # trade through the price fills the rest.
        self.touch_liquidity = 1
        self.forced_rejects: dict[str, deque[str]] = {}  # account -> reasons, next first
        self._walk_rng = random.Random(seed)
        # Ids come from their own generator so placing orders never changes the price path.
        self._id_rng = random.Random(None if seed is None else f"order-ids-{seed}")
        self._events: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._event_time: float | None = None
        self.tapes: dict[str, Tape] = {}
        for root, contract in CATALOGUE.items():
            start = contract.to_ticks(contract.start_price)
            self.tapes[root] = Tape(contract, start, start, start, start, start - 12, 150_000)

    # -- time ------------------------------------------------------------------------------

    def now(self) -> float:
        """Wall-clock time of what is happening: an event's due time while it is carried out."""
        if self._event_time is None:
            return self.wall_clock()
        return self.wall_clock() - (self.clock() - self._event_time)

    def later(self, action: Callable[[], None]) -> None:
        """Carry out ``action`` ``latency`` seconds from now (at once when latency is 0)."""
        if self.latency <= 0:
            action()
            return
        base = self.clock() if self._event_time is None else self._event_time
        heapq.heappush(self._events, (base + self.latency, next(self._sequence), action))

    def advance(self) -> None:
        """Carry out every scheduled step that is due, oldest first."""
        now = self.clock()
        while self._events and self._events[0][0] <= now:
            due, _, action = heapq.heappop(self._events)
            self._event_time = due
            try:
                action()
            finally:
                self._event_time = None

    @property
    def pending(self) -> int:
        """Scheduled steps not yet carried out."""
        return len(self._events)

    # -- prices ----------------------------------------------------------------------------

    def new_order_id(self) -> str:
        """A fresh NT8-style id: a GUID's 32 hex digits without dashes."""
        return f"{self._id_rng.getrandbits(128):032x}"

    def move(self, root: str, ticks: int, traded: int) -> None:
        """Trade ``root`` at ``ticks`` and fill whatever the move reaches."""
        self.tapes[root].move_to(ticks, traded)
        for order in self.book.fillable(root):
            if order.fillable:  # an OCO peer's fill earlier in this loop may have cancelled it
                self.work(order, placing=False)

    def step(self, skip: frozenset[str] = frozenset()) -> None:
        """Random-walk every root (but those in ``skip``) one tick up or down."""
        for root, tape in self.tapes.items():
            # Draw for skipped roots too, so the path of the others does not depend on ``skip``.
            delta, traded = self._walk_rng.choice((-1, 1)), self._walk_rng.randint(1, 40)
            if root not in skip:
                self.move(root, max(1, tape.last + delta), traded)

    # -- fills -----------------------------------------------------------------------------

    def work(self, order: SimOrder, placing: bool) -> None:
        """Trigger and/or fill ``order`` against the current market."""
        last = self.tapes[order.instrument.contract.root].last
        market = last + 1 if order.sign > 0 else last  # the ask for a buy, the bid for a sell
        if order.order_type == "Market":
            self.fill(order, market, order.remaining)
            return
        if order.stop_ticks is not None and not order.triggered:
            if order.sign * (last - order.stop_ticks) < 0:
                return  # buy stop above / sell stop below the market: keep waiting
            order.triggered = True
            if order.order_type == "StopMarket":
                self.fill(order, market, order.remaining)
                return
            order.enter("Working", self.now())
            placing = True  # the triggered limit arrives at the market now
        assert order.limit_ticks is not None  # only Limit and StopLimit get here
        gap = order.sign * (order.limit_ticks - last)
        if gap < 0:
            return
        if placing:  # marketable on arrival: all of it, at the limit or better
            better = min if order.sign > 0 else max
            self.fill(order, better(order.limit_ticks, market), order.remaining)
        elif gap > 0:  # the market traded through the limit: the rest fills at the limit
            self.fill(order, order.limit_ticks, order.remaining)
        else:  # only touched: the queue ahead takes most of it
            self.fill(order, order.limit_ticks, min(order.remaining, self.touch_liquidity))

    def fill(self, order: SimOrder, ticks: float, quantity: int) -> None:
        """Fill part or all of ``order``; its OCO group follows (peers shrink or cancel)."""
        self.book.fill(order, ticks, quantity, self.now(), self.new_order_id())
        for peer in list(self.book.oco_peers(order)):
            if order.state == "Filled":
                self.cancel_now(peer, "OCO peer filled")
            elif peer.quantity != peer.filled + order.remaining:
                # A part fill shrinks the others so the group never covers more than is open.
                peer.quantity = peer.filled + order.remaining
                peer.history.append(Event("change", self.now(), peer.state,
                                          {"quantity": peer.quantity, "reason": "OCO part fill"}))

    # -- an order's way through NT8 ----------------------------------------------------------

    def submit(self, account: SimAccount, ticket: OrderTicket, via: str, name: str = "",
               closing: bool = False, guard: Guard | None = None) -> SimOrder:
        """Create ``ticket`` as a Submitted order; NT8 acknowledges it ``latency`` later."""
        to_ticks = ticket.instrument.contract.to_ticks
        created = self.now()
        order = SimOrder(
            order_id=ticket.order_id or self.new_order_id(),
            account=account.name,
            instrument=ticket.instrument,
            action=ticket.action,
            order_type=ticket.order_type,
            quantity=ticket.quantity,
            time_in_force=ticket.time_in_force,
            created=created,
            limit_ticks=None if ticket.limit_price is None else to_ticks(ticket.limit_price),
            stop_ticks=None if ticket.stop_price is None else to_ticks(ticket.stop_price),
            oco=ticket.oco_id or "",
            name=name or ("Entry" if ticket.strategy else ""),
            custom_id=ticket.order_id or "",
        )
        self.book.add(order)
        order.history.append(Event("submission", created, detail={
            "api": via, "orderId": order.order_id, "quantity": order.quantity,
            "raw": _ticket_raw(ticket)}))
        order.enter("Submitted", created)
        queue = self.forced_rejects.get(account.name)
        forced = queue.popleft() if queue and not closing else None
        self.later(lambda: self._acknowledge(order, account, closing, forced, guard))
        return order

    def _acknowledge(self, order: SimOrder, account: SimAccount, closing: bool,
                     forced: str | None, guard: Guard | None) -> None:
        now = self.now()
        if order.state == "CancelPending":  # cancelled before NT8 took it
            order.enter("Cancelled", now)
            return
        if order.terminal:
            return
        note = guard() if guard is not None else None
        if note:
            order.enter("Cancelled", now, comment=note)
            return
        reason = forced or self.refusal(order, account, closing)
        if reason:
            order.error, order.native_error = "OrderRejected", reason
            order.enter("Rejected", now, error=order.error, nativeError=reason)
            return
        order.acknowledged = True
        order.enter("Accepted", now)
        if order.stop_ticks is None:  # NT8's simulation engine shows resting stops Accepted
            order.enter("Working", now)
        self.work(order, placing=True)

    def refusal(self, order: SimOrder, account: SimAccount, closing: bool) -> str | None:
        """Why NT8 would reject ``order`` now, in NT8-like words, or None."""
        # Closing is NT8's own flatten, which goes through even on a lost connection.
        if account.connection_status != "Connected" and not closing:
            return f"Account '{account.name}' is not connected ({account.connection_status})."
        problem = self.wrong_side(order)
        if problem:
            return problem
        if closing:
            return None
        if account.max_order_size and order.quantity > account.max_order_size:
            return (f"Order quantity {order.quantity} exceeds the account's max order size "
                    f"of {account.max_order_size}.")
        held = self.book.held(account.name, order.instrument.name)
        after = held + order.sign * order.quantity
        if account.max_position_size and abs(after) > max(abs(held),
                                                          account.max_position_size):
            return (f"Order would bring the {order.instrument.name} position to {abs(after)}, "
                    f"over the account's max position size of {account.max_position_size}.")
        return None

    def wrong_side(self, order: SimOrder) -> str | None:
        """NT8's text when an untriggered stop sits on the wrong side of the market."""
        if order.stop_ticks is None or order.triggered:
            return None
        last = self.tapes[order.instrument.contract.root].last
        if order.sign > 0 and order.stop_ticks <= last:
            return STOP_BELOW
        if order.sign < 0 and order.stop_ticks >= last:
            return STOP_ABOVE
        return None

    def cancel_now(self, order: SimOrder, comment: str = "") -> str:
        """Cancel ``order`` at once (NT8's own flatten and OCO handling); returns its id."""
        detail: dict[str, Any] = {"comment": comment} if comment else {}
        if order.state != "CancelPending":
            order.enter("CancelPending", self.now())
        order.enter("Cancelled", self.now(), **detail)
        return order.order_id

    def request_cancel(self, order: SimOrder) -> list[str]:
        """A cancel request for ``order`` and its OCO group; done ``latency`` later."""
        group = [order, *self.book.oco_peers(order)]
        for member in group:
            if member.state == "CancelPending" or member.terminal:
                continue
            member.enter("CancelPending", self.now())
            self.later(partial(self._finish_cancel, member))
        return [m.order_id for m in group]

    def _finish_cancel(self, order: SimOrder) -> None:
        if not order.terminal:  # a fill may have overtaken the cancel
            self.cancel_now(order)


def _ticket_raw(ticket: OrderTicket) -> dict[str, Any]:
    """The submission as the add-on would have logged it (``includeRaw``)."""
    return {
        "instrument": ticket.instrument.name, "action": ticket.action,
        "orderType": ticket.order_type, "quantity": ticket.quantity,
        "timeInForce": ticket.time_in_force, "limitPrice": ticket.limit_price,
        "stopPrice": ticket.stop_price, "ocoId": ticket.oco_id, "strategy": ticket.strategy,
        "orderId": ticket.order_id,
    }
