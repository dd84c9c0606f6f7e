"""A group's send from one click: reviewed, asked like any other send, then one fan-out.

The group's counterpart of `Ticket.review` / `Ticket.decide`, kept beside the ticket so the
ticket stays the single account's. No Qt. What it keeps:

* one click, one fan-out: `claim` is taken in the click handler and held through the reads,
  the question and the fan-out, so a second click is refused with a message, never sent;
* the review reads what it judges fresh: every member's position in the instrument (the
  hedge across accounts) and every account's P&L and limits (the room per member), and adds
  the trader's own rails (limits at the largest member's quantity, the same order twice,
  confirm-every-order, require-a-stop per member);
* a stop-loss in ticks is the risk each member's room is judged against (the fan-out then
  brackets every member once it filled);
* while a question is open it is the ticket's `pending_review`, so no other send starts;
* after the fan-out the accounts are read again, so each member's room is the one left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ct_ticket.api.budget import FanOutPlan
from ct_ticket.api.errors import CrossTradeError
from ct_ticket.calls import read_blast_radius
from ct_ticket.events import Action, LogEntry, Status, StatusLevel
from ct_ticket.fanout import GroupResults
from ct_ticket.group_review import review_group
from ct_ticket.model import (
    Account,
    AccountKind,
    Breach,
    OrderRequest,
    instrument_problem,
    normalize_instrument,
)
from ct_ticket.model.groups import AccountGroup, Room, group_kind, member_quantities
from ct_ticket.rails import Review, missing_stop, review_send
from ct_ticket.wording import group_refusal, group_summary, member_list_words

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["GroupReview", "GroupSends"]

log = logging.getLogger(__name__)
RoomListener = Callable[[Mapping[str, Room]], None]


@dataclass(frozen=True)
class GroupReview:
    """What must be asked before a group's send, and what the question says beside it."""

    review: Review  # `account` is the group's name; `order` the base order
    group: AccountGroup
    plan: FanOutPlan
    members: str  # "Sim101 2, Sim102 4, Sim103 1" (exits: the accounts)
    blast_radius: tuple[str, ...] = ()
    checked: OrderRequest | None = None  # what the rails judged: the largest member's order

    @property
    def needs_answer(self) -> bool:
        return self.review.needs_answer

    @property
    def plan_text(self) -> str:
        """The waves, said before sending when there is more than one ("" otherwise)."""
        return self.plan.text if self.plan.waves > 1 else ""


class GroupSends:
    """Review → ask → one fan-out, for the groups of one ticket."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.accounts: dict[str, Account] = {}  # as last read, for each member's room
        self._claimed = False
        self._room_listeners: list[RoomListener] = []
        ticket.groups.subscribe(self._on_results)

    # --- one click, one fan-out -------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A group send is being reviewed, asked, sent or followed."""
        return self._claimed or self.ticket.groups.busy

    def claim(self) -> bool:
        """Take the group's one send for this click; False (and said why) when taken."""
        if self.busy:
            self._say(StatusLevel.WARNING, "A group send is still going out: one click sends "
                      "once. Wait for its results before sending again.")
            return False
        if self.ticket.pending_review is not None:
            return False  # another question is open: one intent at a time
        self._claimed = True
        return True

    def release(self) -> None:
        self._claimed = False

    # --- the review -------------------------------------------------------------------------

    def rooms(self) -> dict[str, Room]:
        """Each known account's room to its own limits (its fields as last read and, where the
        add-on has them, its watermarks: the ticket's `rooms`)."""
        known = self.accounts or {a.name: a for a in self.ticket.accounts}
        return {name: self.ticket.rooms.room_of(name) for name in known}

    def subscribe_rooms(self, listener: RoomListener) -> None:
        """Call `listener` whenever the accounts were read again."""
        self._room_listeners.append(listener)

    async def read_accounts(self) -> None:
        """The accounts' P&L and limits now (each member's room); kept as they were on failure."""
        try:
            accounts = await self.ticket.client.list_accounts()
        except CrossTradeError as error:
            log.info("accounts unreadable for the group's room: %s", error)
            return
        self.accounts = {account.name: account for account in accounts}
        self.ticket.rooms.accounts_loaded(accounts)
        rooms = self.rooms()
        for listener in list(self._room_listeners):
            listener(rooms)

    async def _positions(self, group: AccountGroup, instrument: str) -> dict[str, int] | str:
        """Every member's signed position in `instrument`, or why it could not be read."""
        try:
            held = await self.ticket.client.positions()
        except CrossTradeError as error:
            return error.trader_message
        members = {account.casefold(): account for account in group.accounts}
        found = {account: 0 for account in group.accounts}
        for position in held:
            member = members.get(position.account.casefold())
            if member and normalize_instrument(position.instrument) == instrument:
                found[member] = position.signed_quantity
        return found

    async def review(self, group: AccountGroup, action: Action, order: OrderRequest | None
                     ) -> GroupReview | None:
        """What must be asked before `action` goes to every member; None when it must not be
        sent at all (said on the status line). Reads positions and accounts first."""
        ticket = self.ticket
        kind = group_kind(group, ticket.account_kind)
        if order is None:
            return await self._review_exit(group, action, kind)
        quantities = [(m.account, m.quantity) for m in member_quantities(group, order.quantity)]
        sent = [(account, quantity) for account, quantity in quantities if quantity > 0]
        problem = self._refusal(group, order, sent)
        positions: dict[str, int] | str = {}
        if problem is None:
            positions, _read = await asyncio.gather(
                self._positions(group, order.instrument), self.read_accounts())
            if not isinstance(positions, str):
                problem = self._stop_missing(group, order, positions, kind)
        if problem is not None:
            self._say(StatusLevel.ERROR, group_refusal(group.name, problem))
            return None
        largest = replace(order, account=group.name, quantity=max(q for _a, q in sent))
        quote = ticket.quote if ticket.quote is not None and normalize_instrument(
            ticket.quote.instrument) == order.instrument else None
        rails = review_send(action, largest, account=group.name, kind=kind,
                            limits=ticket.limits[kind], quote=quote, recent=ticket.recent_orders,
                            confirm_every_order=ticket.confirm_every_order)
        held = positions if not isinstance(positions, str) else {}
        group_breaches = list(review_group(action, order, group, kind, positions=held).breaches)
        # Each member's own sizes and room (its watermarks too), worded as for one account:
        # risk = the stop-loss, else the assumed stop distance of the Safety limits.
        stop_ticks = ticket.limits[kind].room_stop_ticks
        for account, quantity in sent:
            start = 0 if action is Action.FLAT_PLACE else held.get(account, 0)
            group_breaches += ticket.rooms.breaches(
                replace(order, account=account, quantity=quantity), quote, start, stop_ticks)
        breaches = [*rails.breaches, *group_breaches]
        if isinstance(positions, str):
            breaches.append(Breach("Positions unknown", (
                f"The members' positions could not be read ({positions}): whether this order "
                "would leave one member long and another short is not known.")))
        for note in rails.notes:
            self._say(StatusLevel.WARNING, note)
        review = Review(action, replace(order, account=group.name), group.name, kind,
                        tuple(breaches), confirm_order=ticket.confirm_every_order and not breaches)
        return self._pending(GroupReview(review, group, ticket.groups.plan(group, order.quantity),
                                         member_list_words(sent), checked=largest))

    @staticmethod
    def _refusal(group: AccountGroup, order: OrderRequest, sent: list[tuple[str, int]]
                 ) -> str | None:
        if not group.members:
            return "it has no members."
        if not sent:
            return (f"at quantity {order.quantity} every member's share rounds down to 0 "
                    "contracts.")
        return None

    def _stop_missing(self, group: AccountGroup, order: OrderRequest,
                      positions: Mapping[str, int], kind: AccountKind) -> str | None:
        """Require-a-stop, member by member: an entry for any member needs its protection."""
        if not self.ticket.require_stop.get(kind, False):
            return None
        for member in member_quantities(group, order.quantity):
            if member.quantity <= 0:
                continue
            refusal = missing_stop(replace(order, account=member.account,
                                           quantity=member.quantity),
                                   positions.get(member.account, 0))
            if refusal is not None:
                return (f"{member.account} would enter without a stop-loss: an ATM template "
                        "is needed (\"Require a stop\" is on for this account kind).")
        return None

    async def _review_exit(self, group: AccountGroup, action: Action, kind: AccountKind
                           ) -> GroupReview | None:
        problem = "it has no members." if not group.members else ""
        instrument = self.ticket.instrument
        if action in (Action.CLOSE, Action.REVERSE) and (
                not instrument or instrument_problem(instrument)):
            problem = "choose an instrument first."
        if problem:
            self._say(StatusLevel.ERROR, group_refusal(group.name, problem))
            return None
        flatten = action is Action.FLATTEN_ACCOUNT
        details: tuple[str, ...] = ()
        if flatten:
            self._say(StatusLevel.OK, "Reading what would be closed…")
            details = tuple(await read_blast_radius(self.ticket.client, list(group.accounts)))
        review = Review(action, None, group.name, kind, blast_radius=flatten)
        return self._pending(GroupReview(review, group, self.ticket.groups.plan(group, None),
                                         ", ".join(group.accounts), details))

    def _pending(self, review: GroupReview) -> GroupReview:
        if review.plan.waves > 1:
            self._say(StatusLevel.OK, f"Group {review.group.name}: {review.plan.text}.")
        if review.needs_answer:
            self.ticket.pending_review = review.review  # no other send while it is asked
        return review

    # --- the answer -------------------------------------------------------------------------

    def decide(self, review: GroupReview, approved: bool) -> asyncio.Task[Any] | None:
        """The trader's answer: one fan-out, or said it was not sent. Ends the click's claim."""
        ticket, action = self.ticket, review.review.action
        if ticket.pending_review is review.review:
            ticket.pending_review = None
        try:
            if not approved:
                self._say(StatusLevel.WARNING, f"{action.value} not sent to group "
                          f"{review.group.name}.")
                return None
            order = review.review.order
            if review.checked is not None:
                ticket.recent_orders.record(review.checked)  # the same again will ask
            plan = f" ({review.plan_text})" if review.plan_text else ""
            self._say(StatusLevel.OK, f"{action.value} → group {review.group.name}: "
                      f"{review.members}{plan}…")
            return ticket.groups.send(review.group, action, order)
        finally:
            self._claimed = False  # the fan-out's own flag holds the group from here

    def retry_failed(self) -> asyncio.Task[Any] | None:
        """Send again to the members with a definite failure only (one click, once)."""
        if self.busy:
            self._say(StatusLevel.WARNING, "The group send is still going out.")
            return None
        return self.ticket.groups.retry_failed()

    # --- what came back ---------------------------------------------------------------------

    def _on_results(self, results: GroupResults) -> None:
        if not results.done:
            return
        for row in results.rows:
            level = (StatusLevel.ERROR if row.failed else StatusLevel.UNKNOWN
                     if row.state == "unknown" else StatusLevel.OK)
            self.ticket.publish(LogEntry(level, f"{results.action.value} on {row.account} "
                                         f"(group {results.group}, {row.quantity})",
                                         f"{row.state}{': ' + row.reason if row.reason else ''}",
                                         row.order_id or None))
        summary = group_summary(results.group, results.action,
                                ((row.account, row.state) for row in results.rows))
        bad = any(row.failed or row.state == "unknown" for row in results.rows)
        naked = [row.account for row in results.rows if row.unprotected]
        if naked:
            summary += f". NOT protected: {', '.join(naked)}"
        if results.out_of_sync:
            summary += f". Out of sync: {', '.join(results.out_of_sync)}"
        self._say(StatusLevel.ERROR if bad or naked or results.out_of_sync else StatusLevel.OK,
                  summary)
        # Afterwards: each member's room as it is now, and the shown account's position.
        self.ticket.keep(asyncio.ensure_future(self._after()))

    async def _after(self) -> None:
        await asyncio.gather(self.read_accounts(), self.ticket.refresh_position(),
                             self.ticket.refresh_working_orders())

    def _say(self, level: StatusLevel, text: str) -> None:
        self.ticket.publish(Status(level, text))
