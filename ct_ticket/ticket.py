"""The ticket's behaviour: turns a trader's intents into client calls and publishes what happened.

Knows no widgets (the window subscribes to `TicketEvent`s), so every rule here is tested without
a window. The rules that keep money safe live here:

* single flight: `submit` claims the send slot synchronously, in the click handler, so a burst
  of clicks or a held Enter queues nothing; the slot is released when the POST has ended;
* an order POST is sent once; an unknown outcome is looked up by the order's own id, never
  sent again; each action is followed by a post-check of the position and working orders;
* what must be asked before a send (limits, the same order twice, room, a flatten's blast
  radius) is decided by `review` as data; the window asks it and answers through `decide`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ct_ticket import timing  # click-path marks for the benchmarks; no-ops unless recording
from ct_ticket.api.errors import (
    AuthenticationError,
    CrossTradeError,
    NotConnectedError,
    SlowServerError,
    TransportError,
)
from ct_ticket.calls import BusyShown, call_for, read_blast_radius
from ct_ticket.events import (
    AccountsLoaded,
    Action,
    AuthFailed,
    Busy,
    Connection,
    LogEntry,
    PositionUpdated,
    QuoteUpdated,
    Selected,
    Status,
    StatusLevel,
    TicketEvent,
    WorkingOrdersUpdated,
)
from ct_ticket.fanout import FanOut
from ct_ticket.group_sends import GroupSends
from ct_ticket.model import (
    DEFAULT_LIMITS,
    Account,
    AccountKind,
    Limits,
    OrderInfo,
    OrderRequest,
    Position,
    Quote,
    account_kind,
    instrument_problem,
    normalize_instrument,
)
from ct_ticket.order_edits import OrderEdits
from ct_ticket.outcomes import Outcomes
from ct_ticket.protection import Protection
from ct_ticket.rails import RecentOrders, Review
from ct_ticket.reviews import review_for
from ct_ticket.rooms import Rooms
from ct_ticket.tracking import OrderRecord, new_order_id
from ct_ticket.wording import describe_position, request_words

if TYPE_CHECKING:  # typing only: the client's module imports h11 and ssl
    from ct_ticket.api.client import CrossTradeClient

__all__ = ["Ticket"]

log = logging.getLogger(__name__)
Listener = Callable[[TicketEvent], None]


class Ticket:
    """State and actions of one order ticket over one `CrossTradeClient`."""

    def __init__(self, client: CrossTradeClient) -> None:
        self.client = client
        self.accounts: tuple[Account, ...] = ()
        self.account, self.instrument = "", ""
        self.quote: Quote | None = None
        self.position: Position | None = None
        self.working_orders: int | None = None
        self.last_order: OrderRequest | None = None
        self.recent_orders = RecentOrders()
        self.in_flight: dict[str, Action] = {}  # slot -> the send holding it
        self.records: dict[str, OrderRecord] = {}  # every order sent, by the ticket's own id
        self.outcomes = Outcomes(self)
        self.edits = OrderEdits(self)  # cancel / move / resize one working order
        self.groups = FanOut(self)  # groups: one click, many accounts (fanout.py)
        self.pending_review: Review | None = None  # asked, not answered yet
        self.limits: Mapping[AccountKind, Limits] = DEFAULT_LIMITS
        self.confirm_every_order = False
        self.require_stop: Mapping[AccountKind, bool] = {AccountKind.LIVE: True}
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._following: set[asyncio.Task[Any]] = set()  # follow-up reads of sent orders
        self._position_generation = 0  # a slower, older read never overwrites a newer one
        self._read_failed = False  # a read failed and no position read has succeeded since
        self.protection = Protection(self)  # brackets, the naked-position alarm, breakeven
        self.rooms = Rooms(self)  # each account's room to its own limits (rooms.py)
        self.group_sends = GroupSends(self)  # a group's review, then one fan-out

    # --- events -----------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every event from now on."""
        self._listeners.append(listener)

    def publish(self, event: TicketEvent) -> None:
        """Publish an event that arrived from elsewhere (the stream feed) to the views."""
        self._emit(event)

    def _emit(self, event: TicketEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _status(self, level: StatusLevel, text: str, account: str = "") -> None:
        self._emit(Status(level, text, account))

    def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self.keep(asyncio.ensure_future(coroutine))

    def keep(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        """Hold a reference to a task the ticket started until it ends (asyncio holds tasks
        weakly and a collected task silently vanishes; `wait_idle` waits for these)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._following.discard)
        return task

    def stop_following(self) -> None:
        """Stop the follow-up reads of sent orders (the window is closing); sends go on."""
        for task in list(self._following):
            task.cancel()

    async def wait_idle(self) -> None:
        """Wait for every task the ticket started (used on exit so no log line is lost)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    # --- selection and reads ----------------------------------------------------------------

    def select(self, account: str, instrument: str) -> None:
        """Point the ticket at an account and instrument; reads follow through `refresh`."""
        instrument = normalize_instrument(instrument)
        if instrument != self.instrument:
            self.quote = None
        if (account, instrument) != (self.account, self.instrument):
            self.position = None
            self._position_generation += 1
        self.account, self.instrument = account, instrument
        self._emit(Selected(account, instrument, self.account_kind(account).value))

    def account_kind(self, name: str | None = None) -> AccountKind:
        """SIM or LIVE for an account (the chosen one by default), from what CrossTrade says."""
        name = self.account if name is None else name
        known = next((a for a in self.accounts if a.name == name), None)
        return account_kind(name, known)

    def update_quote(self, quote: Quote, *, announce: bool = True) -> None:
        """A newer quote of the chosen instrument (from the stream); views hear of it at once
        or at the next `announce_quote`."""
        self.quote = quote
        if announce:
            self.announce_quote()

    def announce_quote(self) -> None:
        """Tell the views the latest quote (the stream coalesces repaints through this)."""
        if self.quote is not None:  # None: the trader switched meanwhile
            self._emit(QuoteUpdated(self.instrument, self.quote))

    def update_position(self, position: Position) -> None:
        """The chosen position with fresher P&L (from the stream); its size came from REST."""
        self.position = position
        self._emit(PositionUpdated(self.account, self.instrument, position))

    async def load_accounts(self) -> tuple[Account, ...]:
        """Read the account list."""
        try:
            accounts = tuple(await self.client.list_accounts())
        except CrossTradeError as error:
            self._failed_read("Loading accounts", error)
            return self.accounts
        self.accounts = accounts
        self.rooms.accounts_loaded(accounts)
        self._emit(Connection(True, True))
        self._emit(AccountsLoaded(accounts))
        if not accounts:
            self._status(StatusLevel.WARNING, "CrossTrade lists no accounts: is NT8 logged in?")
        return accounts

    async def load_quote(self) -> Quote | None:
        """Read the chosen instrument's quote once (tick size, point value, bid/ask/last)."""
        instrument = self.instrument
        if not instrument or instrument_problem(instrument):
            return None
        try:
            quote = await self.client.quote(instrument)
        except CrossTradeError as error:
            self._failed_read(f"Quote for {instrument}", error, quiet=True)
            if instrument == self.instrument:
                self._emit(QuoteUpdated(instrument, None, error.trader_message))
            return None
        if instrument == self.instrument:
            self.quote = quote
            self._emit(QuoteUpdated(instrument, quote))
        return quote

    async def refresh_position(self, *, quiet: bool = True) -> Position | None:
        """Read the position of the chosen account and instrument."""
        account, instrument = self.account, self.instrument
        if not account or not instrument or instrument_problem(instrument):
            return None
        generation = self._position_generation = self._position_generation + 1
        try:
            position = await self.client.position(account, instrument)
        except CrossTradeError as error:
            self._failed_read(f"Position {instrument} in {account}", error, quiet=quiet)
            if generation == self._position_generation:
                self._emit(PositionUpdated(account, instrument, None, error.trader_message))
            return None
        self._emit(Connection(True, True))
        if generation == self._position_generation:
            self.position = position
            self._emit(PositionUpdated(account, instrument, position))
        if self._read_failed:
            # The error the status line still shows is over: say so, once.
            self._read_failed = False
            self._status(StatusLevel.OK, "CrossTrade answers again: "
                         f"{describe_position(position, instrument)}.")
        return position

    async def refresh_working_orders(self) -> int | None:
        """Read the account's working orders; their count (None when CrossTrade cannot say)."""
        account = self.account
        if not account:
            return None
        working: tuple[OrderInfo, ...] = ()
        try:
            orders = await self.client.orders(account)
        except CrossTradeError as error:
            log.info("working orders of %s unreadable: %s", account, error)
            count = None
        else:
            working = tuple(order for order in orders if order.is_working)
            count = len(working)
        if account == self.account:
            self.working_orders = count
            self._emit(WorkingOrdersUpdated(account, count, working))
        self.rooms.refresh_soon(account)  # with the account reads, when due
        return count

    def _failed_read(self, what: str, error: CrossTradeError, *, quiet: bool = False) -> None:
        self._read_failed = True
        self.note_connection(error)
        if isinstance(error, AuthenticationError):
            self._emit(AuthFailed(error.trader_message))
        if not quiet or not isinstance(error, TransportError | NotConnectedError):
            self._status(StatusLevel.ERROR, f"{what} failed: {error.trader_message}")
        self._emit(LogEntry(StatusLevel.ERROR, what, error.trader_message))

    def note_connection(self, error: CrossTradeError) -> None:
        """What a failure says about reachability: NT8 offline, CrossTrade unreachable, or
        nothing (CrossTrade is reachable, only slow: its connections are all busy)."""
        if isinstance(error, NotConnectedError):
            self._emit(Connection(True, False))
        elif isinstance(error, TransportError) and not isinstance(error, SlowServerError):
            self._emit(Connection(False, None))

    # --- sending ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether any send is in flight (each kind of send has its own slot)."""
        return bool(self.in_flight)

    def set_rules(self, limits: Mapping[AccountKind, Limits], *, confirm_every_order: bool,
                  require_stop: Mapping[AccountKind, bool] | None = None) -> None:
        """The trader's precautionary limits, confirm-every-order and require-a-stop (per
        account kind), applied from the next review."""
        self.limits = dict(limits)
        self.confirm_every_order = confirm_every_order
        if require_stop is not None:
            self.require_stop = dict(require_stop)

    def review(self, action: Action, order: OrderRequest | None = None) -> Review | None:
        """What must be asked before `action` is sent, or None when nothing may be sent now
        (a send is in flight, or an earlier question is still open: one intent at a time).

        A review that needs an answer stays pending until `decide`; synchronous, so a second
        click in the same event-loop turn finds it pending.
        """
        timing.mark("review")
        if action.slot in self.in_flight or self.pending_review is not None:
            return None
        review = review_for(self, action, order)  # the rails, the account's own limits and room
        if review.refusal is not None:
            self._status(StatusLevel.ERROR, review.refusal, review.account)
            return None
        for note in review.notes:
            self._status(StatusLevel.WARNING, note, review.account)
        if review.needs_answer:
            self.pending_review = review
        return review

    def decide(self, review: Review, approved: bool) -> asyncio.Task[Any] | None:
        """The trader's answer to `review`: send exactly once, or say it was not sent."""
        if review.needs_answer:
            if review is not self.pending_review:
                log.info("answer to a review that is not pending ignored: %s", review.action)
                return None
            self.pending_review = None
        if not approved:
            self._status(StatusLevel.WARNING, f"{review.action.value} not sent.")
            return None
        return self.submit(review.action, review.order)

    def submit(self, action: Action, order: OrderRequest | None = None
               ) -> asyncio.Task[Any] | None:
        """Start `action` unless the same kind of send is in flight; None when refused.

        Orders share one slot; each exit (Close, Cancel all, Flatten all, the kill switch) has
        its own, so a hung order never blocks the way out. Synchronous on purpose: the slot is
        taken before the click handler returns, so a second click in the same event-loop turn
        finds it taken. An order gets the ticket's own id and its record here, before sending.
        """
        timing.mark("submit")
        slot = action.slot
        if slot in self.in_flight:
            log.info("%s ignored: %s still in flight", action, self.in_flight[slot])
            return None
        if action.places_order and order is None:
            raise ValueError(f"{action} needs an order")
        if not action.places_order and action is not Action.KILL_SWITCH and not (
                self.account and self.instrument):
            self._status(StatusLevel.WARNING, "Choose an account and an instrument first.")
            return None
        record = None
        if order is not None:
            order = replace(order, order_id=new_order_id())
            record = OrderRecord(order.order_id or "", order,
                                 request_words(action, order, order.account, order.instrument))
            self.records[record.order_id] = record
        self.in_flight[slot] = action
        timing.mark("busy")  # the panels hear Busy once the request is out (calls.BusyShown)
        return self._start(self._run(action, order, record))

    async def _run(self, action: Action, order: OrderRequest | None,
                   record: OrderRecord | None) -> None:
        busy = BusyShown(self._emit, action)
        account = order.account if order else self.account
        instrument = order.instrument if order else self.instrument
        request = record.words if record else request_words(action, order, account, instrument)
        started = time.perf_counter()
        if order is not None:
            self.recent_orders.record(order)  # sent, whatever comes back
        try:
            result_text, order_id = await call_for(self.client, action, order, account,
                                                    instrument)
        except CrossTradeError as error:
            latency = (time.perf_counter() - started) * 1000
            await self.outcomes.failed(action, request, error, latency, account, record)
            return
        finally:
            busy.end()
            del self.in_flight[action.slot]
            self._emit(Busy(False, action))
        latency = (time.perf_counter() - started) * 1000
        if order is not None:
            self.last_order = order
        self._emit(Connection(True, True))
        self._emit(LogEntry(StatusLevel.OK, request, result_text, order_id, latency))
        if record is not None:
            record.current_id = order_id or record.order_id
            record.note("Accepted by CrossTrade", f"{latency:.0f} ms")
            self._status(StatusLevel.OK, f"{result_text}: {request} ({latency:.0f} ms); "
                         "waiting for NT8…", account)
            # Its own task: following is only reading, so closing the window may stop it.
            self._following.add(self._start(self.outcomes.follow(record, started)))
            return
        self._status(StatusLevel.OK, f"{result_text}: {request} ({latency:.0f} ms)", account)
        if action.changes_position and account == self.account:
            await self.outcomes.post_check(action)
        else:
            await asyncio.gather(self.refresh_position(), self.refresh_working_orders())

    async def blast_radius(self, *, all_accounts: bool) -> list[str]:
        """What a flatten would close and cancel, read just before asking the trader."""
        accounts = [a.name for a in self.accounts] if all_accounts else [self.account]
        return await read_blast_radius(self.client, accounts)
