"""One click, many accounts: a group's send goes out as one request per member, concurrently on
the ticket's one client (CrossTrade has no group endpoint for REST, §12), each order with its own
id and followed to its end, and the results said member by member.

No Qt. The ticket composes it (`ticket.groups`); the results panel subscribes to `GroupResults`.
Rules that keep money safe:

* every member's order is sent once; a member whose answer never came is *unknown* and is looked
  up by its own id, never resent; "Retry the failed ones" sends again only to members with a
  definite failure (refused, or rejected by NT8), never to an unknown one before its lookup
  settled it as not placed;
* the shared rate budget paces the members (orders go before reads), so a group larger than
  the burst goes out in waves without a single 429;
* an entry with a stop-loss or take-profit in ticks is bracketed in each member once it filled,
  from that member's own average (group_brackets.py); a member left unprotected says so;
* afterwards every member's position is read, and members whose positions no longer match their
  multipliers are named (the out-of-sync banner).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ct_ticket.api.budget import FanOutPlan, plan
from ct_ticket.api.errors import CrossTradeError
from ct_ticket.calls import call_for
from ct_ticket.events import FAILED, Action, GroupResults, MemberResult
from ct_ticket.group_brackets import bracket_member, needs_bracket
from ct_ticket.model import OrderRequest, OrderState, Side
from ct_ticket.model.groups import AccountGroup, member_quantities, out_of_sync
from ct_ticket.tracking import OrderRecord, follow_order, look_up_order, new_order_id
from ct_ticket.wording import request_words

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["FAILED", "FanOut", "GroupResults", "MemberResult"]  # the results: events.py

_STATES = {OrderState.ACCEPTED.value: "accepted", OrderState.WORKING.value: "working",
           OrderState.FILLED.value: "filled", OrderState.PART_FILLED.value: "working",
           OrderState.REJECTED.value: "rejected", OrderState.CANCELLED.value: "cancelled"}


Listener = Callable[[GroupResults], None]


class FanOut:
    """Sends a group's orders and exits, follows each member, and says the results."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.results: GroupResults | None = None
        self._group: AccountGroup | None = None
        self._order: OrderRequest | None = None
        self._listeners: list[Listener] = []
        self._running = False

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every change of the results from now on."""
        self._listeners.append(listener)

    def plan(self, group: AccountGroup, base: int | None) -> FanOutPlan:
        """How many waves the group's send takes and about how long, said before sending
        (`base` None: an exit, which goes to every member)."""
        count = (len(group.members) if base is None else
                 sum(1 for m in member_quantities(group, base) if m.quantity > 0))
        return plan(count, self.ticket.client.budget.available())

    @property
    def busy(self) -> bool:
        """Whether a group send is still going out or being followed."""
        return self._running

    def send(self, group: AccountGroup, action: Action, order: OrderRequest | None = None
             ) -> asyncio.Task[Any] | None:
        """One request per member for `action` (an order's quantity is the base quantity, each
        member's multiplied and rounded down); None when a group send is still running.
        The kill switch is never a group's: it stays all-accounts, sent by the ticket."""
        if self._running:
            return None
        if action is Action.KILL_SWITCH:
            raise ValueError("the kill switch flattens every account, never a group")
        if action.places_order and order is None:
            raise ValueError(f"{action} needs an order")
        self._running = True
        self._group, self._order = group, order
        if order is not None:
            quantities = member_quantities(group, order.quantity)
            rows = tuple(MemberResult(m.account, m.quantity,
                                      "sending" if m.quantity else "skipped", m.skipped)
                         for m in quantities)
        else:
            rows = tuple(MemberResult(account, 0, "sending") for account in group.accounts)
        self._set(GroupResults(group.name, action, rows))
        targets = [row.account for row in rows if row.state == "sending"]
        return self.ticket.keep(asyncio.ensure_future(self._run(action, targets)))

    def retry_failed(self) -> asyncio.Task[Any] | None:
        """Send again only to the members with a definite failure; None when there are none."""
        results, group = self.results, self._group
        if self._running or results is None or group is None or (
                results.action.places_order and self._order is None):
            return None
        targets = [row.account for row in results.rows if row.failed]
        if not targets:
            return None
        self._running = True
        rows = tuple(replace(row, state="sending", reason="") if row.account in targets else row
                     for row in results.rows)
        self._set(replace(results, rows=rows, done=False))
        return self.ticket.keep(asyncio.ensure_future(self._run(results.action, targets)))

    # --- the members ------------------------------------------------------------------------

    def _set(self, results: GroupResults) -> None:
        self.results = results
        for listener in list(self._listeners):
            listener(results)

    def _update(self, account: str, **changes: Any) -> None:
        results = self.results
        if results is None:
            return
        rows = tuple(replace(row, **changes) if row.account == account else row
                     for row in results.rows)
        self._set(replace(results, rows=rows))

    async def _run(self, action: Action, targets: list[str]) -> None:
        try:
            rows = {row.account: row for row in self.results.rows} if self.results else {}
            await asyncio.gather(*(self._member(action, rows[account]) for account in targets))
            await self._positions()
        finally:
            self._running = False
            if self.results is not None:
                self._set(replace(self.results, done=True))

    async def _member(self, action: Action, row: MemberResult) -> None:
        client, base = self.ticket.client, self._order
        instrument = base.instrument if base else self.ticket.instrument
        order = None
        if base is not None:
            order = replace(base, account=row.account, quantity=row.quantity,
                            order_id=new_order_id())
        try:
            text, order_id = await call_for(client, action, order, row.account, instrument)
        except CrossTradeError as error:
            if not error.may_have_executed:
                self._update(row.account, state="not sent", reason=error.trader_message)
                return
            if order is None:
                # An exit whose answer was lost may have run: never retried blindly (a second
                # Reverse would turn the position back); the position read afterwards says.
                self._update(row.account, state="unknown", reason=(
                    f"{error.trader_message}; see the position read afterwards"))
                return
            self._update(row.account, state="unknown", reason=error.trader_message,
                         order_id=order.order_id or "")
            await self._settle(order, error.trader_message)
            return
        if order is None:
            self._update(row.account, state="done", reason=text)
            return
        record = OrderRecord(order.order_id or "", order,
                             request_words(action, order, row.account, instrument))
        record.current_id = order_id or record.order_id
        self._update(row.account, state="accepted", order_id=record.current_id)
        await self._follow(record)

    async def _follow(self, record: OrderRecord) -> None:
        account = record.request.account

        def changed(rec: OrderRecord) -> None:
            self._update(account, state=_STATES.get(rec.state, rec.state.lower()),
                         reason=rec.reason or "")
        await follow_order(self.ticket.client, record, changed)
        if needs_bracket(record.request) and record.state in (OrderState.FILLED.value,
                                                              OrderState.PART_FILLED.value):
            bracket = await bracket_member(self.ticket.client, record.request,
                                           record.average_price, self.ticket.quote)
            self._update(account, reason=bracket.words, unprotected=not bracket.protected)

    async def _settle(self, order: OrderRequest, cause: str) -> None:
        """An unknown member is looked up by its own id; only "not placed" makes it retryable."""
        record = OrderRecord(order.order_id or "", order, "")
        settled = await look_up_order(self.ticket.client, record)
        if settled.placed is None:
            self._update(order.account, state="unknown",
                         reason=f"{cause}; the lookup failed too: {settled.problem}")
        elif settled.placed:
            self._update(order.account, state=_STATES.get(record.state, "accepted"),
                         reason=f"placed (the answer was lost: {cause})")
            if not record.is_final:
                await self._follow(record)
        else:
            self._update(order.account, state="not placed",
                         reason=f"CrossTrade does not know the order ({cause})")

    async def _positions(self) -> None:
        """Every member's position afterwards, and who is out of step with the multipliers."""
        group, results = self._group, self.results
        if group is None or results is None:
            return
        instrument = self._order.instrument if self._order else self.ticket.instrument

        async def read(account: str) -> tuple[str, int | None]:
            try:
                position = await self.ticket.client.position(account, instrument)
            except CrossTradeError:
                return account, None
            sign = -1 if position.market_position.lower() == "short" else 1
            return account, sign * position.quantity
        sizes = dict(await asyncio.gather(*(read(a) for a in group.accounts)))
        for account, size in sizes.items():
            self._update(account, position=size)
        known = {a: s for a, s in sizes.items() if s is not None}
        if self.results is not None:
            self._set(replace(self.results, out_of_sync=out_of_sync(group, known)))


def signed(side: Side, quantity: int) -> int:
    """A quantity with the order's direction: bought +, sold -."""
    return quantity if side is Side.BUY else -quantity
