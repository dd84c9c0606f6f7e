"""The ticket's behaviour: turns a trader's intents into client calls and publishes what happened.

Knows no widgets (the window subscribes to `TicketEvent`s), so every rule here is tested without
a window. The rules that keep money safe live here:

* single flight: `submit` claims the send slot synchronously, in the click handler, so a burst
  of clicks or a held Enter queues nothing; the slot is released only when the POST has ended;
* an order POST is sent once; an answer that never came makes the order *unknown*, and the
  ticket re-reads position and working orders to settle it instead of sending again;
* every position-changing action is followed by a post-check that states the resulting
  position and working orders in one line;
* what must be asked before a send (limits, the same order twice, confirm-every-order, a
  flatten's blast radius) is decided by `review` and returned as data; the window asks it and
  passes the answer back to `decide`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.api.errors import (
    AuthenticationError,
    CrossTradeError,
    NotConnectedError,
    RateLimitedError,
    TransportError,
)
from ct_ticket.calls import call_for, read_blast_radius
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
from ct_ticket.model import (
    DEFAULT_LIMITS,
    Account,
    AccountKind,
    Limits,
    OrderRequest,
    Position,
    Quote,
    account_kind,
    instrument_problem,
    normalize_instrument,
)
from ct_ticket.rails import RecentOrders, Review, review_send
from ct_ticket.wording import describe_position, position_line, request_words

__all__ = ["Ticket"]

log = logging.getLogger(__name__)
Listener = Callable[[TicketEvent], None]


class Ticket:
    """State and actions of one order ticket over one `CrossTradeClient`."""

    def __init__(self, client: CrossTradeClient) -> None:
        self.client = client
        self.accounts: tuple[Account, ...] = ()
        self.account = ""
        self.instrument = ""
        self.quote: Quote | None = None
        self.position: Position | None = None
        self.working_orders: int | None = None
        self.last_order: OrderRequest | None = None
        self.recent_orders = RecentOrders()
        self.in_flight: Action | None = None
        self.pending_review: Review | None = None  # asked, not answered yet
        self.limits: Mapping[AccountKind, Limits] = DEFAULT_LIMITS
        self.confirm_every_order = False
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._position_generation = 0  # a slower, older read never overwrites a newer one
        self._read_failed = False  # a read failed and no position read has succeeded since

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

    def _status(self, level: StatusLevel, text: str) -> None:
        self._emit(Status(level, text))

    def _start(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        # Keep a reference: asyncio holds tasks weakly and a collected task silently vanishes.
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

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
        """Count the account's working orders (None when CrossTrade cannot say)."""
        account = self.account
        if not account:
            return None
        try:
            orders = await self.client.orders(account)
        except CrossTradeError as error:
            log.info("working orders of %s unreadable: %s", account, error)
            count = None
        else:
            count = sum(1 for order in orders if order.is_working)
        if account == self.account:
            self.working_orders = count
            self._emit(WorkingOrdersUpdated(account, count))
        return count

    def _failed_read(self, what: str, error: CrossTradeError, *, quiet: bool = False) -> None:
        self._read_failed = True
        self._note_connection(error)
        if isinstance(error, AuthenticationError):
            self._emit(AuthFailed(error.trader_message))
        if not quiet or not isinstance(error, TransportError | NotConnectedError):
            self._status(StatusLevel.ERROR, f"{what} failed: {error.trader_message}")
        self._emit(LogEntry(StatusLevel.ERROR, what, error.trader_message))

    def _note_connection(self, error: CrossTradeError) -> None:
        if isinstance(error, NotConnectedError):
            self._emit(Connection(True, False))
        elif isinstance(error, TransportError):
            self._emit(Connection(False, None))

    # --- sending ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.in_flight is not None

    def set_rules(self, limits: Mapping[AccountKind, Limits], *, confirm_every_order: bool
                  ) -> None:
        """The trader's precautionary limits and confirm-every-order, applied from the next
        review."""
        self.limits = dict(limits)
        self.confirm_every_order = confirm_every_order

    def review(self, action: Action, order: OrderRequest | None = None) -> Review | None:
        """What must be asked before `action` is sent, or None when nothing may be sent now
        (a send is in flight, or an earlier question is still open: one intent at a time).

        A review that needs an answer stays pending until `decide`; synchronous, so a second
        click in the same event-loop turn finds it pending.
        """
        if self.busy or self.pending_review is not None:
            return None
        account = order.account if order else self.account
        kind = self.account_kind(account)
        quote = self.quote
        if order is not None and quote is not None and self.instrument != order.instrument and (
                normalize_instrument(quote.instrument) != order.instrument):
            quote = None  # another instrument's prices say nothing about this order
        review = review_send(action, order, account=account, kind=kind, limits=self.limits[kind],
                             quote=quote, recent=self.recent_orders,
                             confirm_every_order=self.confirm_every_order)
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
        """Start `action` unless another send is in flight; returns None when refused.

        Synchronous on purpose: the slot is taken before the click handler returns, so a
        second click in the same event-loop turn finds it taken.
        """
        if self.in_flight is not None:
            log.info("%s ignored: %s still in flight", action, self.in_flight)
            return None
        if action.places_order and order is None:
            raise ValueError(f"{action} needs an order")
        if not action.places_order and action is not Action.KILL_SWITCH and not (
                self.account and self.instrument):
            self._status(StatusLevel.WARNING, "Choose an account and an instrument first.")
            return None
        self.in_flight = action
        self._emit(Busy(True, action))
        return self._start(self._run(action, order))

    async def _run(self, action: Action, order: OrderRequest | None) -> None:
        account = order.account if order else self.account
        instrument = order.instrument if order else self.instrument
        request = request_words(action, order, account, instrument)
        started = time.perf_counter()
        if order is not None:
            self.recent_orders.record(order)  # sent, whatever comes back
        try:
            result_text, order_id = await call_for(self.client, action, order, account,
                                                    instrument)
        except CrossTradeError as error:
            latency = (time.perf_counter() - started) * 1000
            await self._send_failed(action, request, error, latency, account)
            return
        finally:
            self.in_flight = None
            self._emit(Busy(False, action))
        latency = (time.perf_counter() - started) * 1000
        if order is not None:
            self.last_order = order
        self._emit(Connection(True, True))
        self._emit(LogEntry(StatusLevel.OK, request, result_text, order_id, latency))
        self._status(StatusLevel.OK, f"{result_text}: {request} ({latency:.0f} ms)")
        if action.changes_position and account == self.account:
            await self.post_check(action)
        else:
            await asyncio.gather(self.refresh_position(), self.refresh_working_orders())

    async def _send_failed(self, action: Action, request: str, error: CrossTradeError,
                           latency: float, account: str) -> None:
        self._note_connection(error)
        if isinstance(error, AuthenticationError):
            self._emit(AuthFailed(error.trader_message))
        if error.may_have_executed:
            text = f"OUTCOME UNKNOWN: {error.trader_message} {error.outcome_note}"
            self._emit(LogEntry(StatusLevel.UNKNOWN, request, text, None, latency))
            self._status(StatusLevel.UNKNOWN, f"{request}: {text}")
            await self._reconcile(request, account, error.trader_message)
            return
        note = "" if isinstance(error, RateLimitedError) else f" {error.outcome_note}"
        text = f"{error.trader_message}{note}"
        self._emit(LogEntry(StatusLevel.ERROR, request, text, None, latency))
        self._status(StatusLevel.ERROR, f"{action.value} failed: {text}")

    async def _reconcile(self, request: str, account: str, cause: str) -> None:
        """Settle an unknown outcome by reading, never by sending again."""
        if account != self.account:
            return
        position, working = await asyncio.gather(self.refresh_position(),
                                                 self.refresh_working_orders())
        if position is None:
            text = (f"Outcome unknown ({cause}); positions cannot be read either. Check NT8 "
                    "before sending again.")
        else:
            now = position_line(position, self.instrument, working)
            text = f"Outcome unknown ({cause}); now {now}. Check NT8 before sending again."
        self._emit(LogEntry(StatusLevel.UNKNOWN, f"Reconcile {request}", text))
        self._status(StatusLevel.UNKNOWN, text)

    async def post_check(self, action: Action) -> str:
        """Re-read position and working orders and say the result in one line."""
        position, working = await asyncio.gather(self.refresh_position(),
                                                 self.refresh_working_orders())
        if position is None:
            line = f"After {action.value}: position unknown, check NT8"
            level = StatusLevel.WARNING
        else:
            line = position_line(position, self.instrument, working)
            expected_flat = action in (Action.CLOSE, Action.FLATTEN_ACCOUNT, Action.KILL_SWITCH)
            level = StatusLevel.OK
            if expected_flat and not position.is_flat:
                line = f"Still {line} — check NT8"
                level = StatusLevel.WARNING
            else:
                line = f"Now {line}"
        self._emit(LogEntry(level, f"Post-check after {action.value}", line))
        self._status(level, line)
        return line

    async def blast_radius(self, *, all_accounts: bool) -> list[str]:
        """What a flatten would close and cancel, read just before asking the trader."""
        accounts = [a.name for a in self.accounts] if all_accounts else [self.account]
        return await read_blast_radius(self.client, accounts)
