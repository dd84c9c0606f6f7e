"""What became of a send, said once it is known: the order followed to its end by its id, an
unknown outcome settled by looking the order up (a guess from positions only where the lookup
itself is unavailable), and the post-check line that states the position afterwards.

No Qt. The ticket (ticket.py) sends; this module reads and says, through the ticket's events.
Nothing here ever sends an order.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ct_ticket.api.errors import AuthenticationError, CrossTradeError, RateLimitedError
from ct_ticket.events import Action, AuthFailed, FillsUpdated, LogEntry, Status, StatusLevel
from ct_ticket.model import Execution, OrderState
from ct_ticket.tracking import OrderRecord, Settled, follow_order, look_up_order
from ct_ticket.wording import fill_words, position_line, state_words

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["Outcomes"]

FILLS_LOOKBACK_S = 300  # CrossTrade's default is 320 s; a fill the ticket follows is younger


class Outcomes:
    """Follows, settles and post-checks the sends of one ticket."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket

    def _say(self, level: StatusLevel, text: str, account: str) -> None:
        self.ticket.publish(Status(level, text, account))

    # --- an order CrossTrade relayed ------------------------------------------------------

    async def follow(self, record: OrderRecord, started: float) -> None:
        """Follow the order to Working, Filled, PartFilled, Rejected or Cancelled; say each
        state; then re-read the position and say where it stands."""
        ticket, account = self.ticket, record.request.account

        def changed(rec: OrderRecord) -> None:
            level = StatusLevel.OK
            latency: float | None = None
            if rec.state == OrderState.REJECTED.value:
                level = StatusLevel.ERROR
                latency = (time.perf_counter() - started) * 1000  # the buzz: a rejection
            elif rec.state == OrderState.CANCELLED.value:
                level = StatusLevel.WARNING
            ticket.publish(LogEntry(level, rec.words, state_words(rec), rec.current_id, latency))
            if level is not StatusLevel.OK:
                self._say(level, f"{state_words(rec)} — {rec.words}", account)

        await follow_order(ticket.client, record, changed)
        if record.state == OrderState.REJECTED.value:
            await self._refresh(account)  # the rejection stays on the status line
            return
        fills = await self._fills(record) if record.filled else []
        if account == ticket.account:
            await self.post_check(Action.PLACE, record=record, fills=fills)
        if record.filled:
            await ticket.protection.after_fill(record)  # the bracket, sized to what filled

    async def _fills(self, record: OrderRecord) -> list[Execution]:
        """The executions of `record`'s order (and tell the fills list), [] when unreadable."""
        account = record.request.account
        try:
            executions = await self.ticket.client.executions(account, FILLS_LOOKBACK_S)
        except CrossTradeError:
            return []
        self.ticket.publish(FillsUpdated(account, tuple(executions)))
        ids = {record.order_id, record.current_id}
        return [e for e in executions if e.order_id in ids]

    async def _refresh(self, account: str) -> None:
        if account == self.ticket.account:
            await asyncio.gather(self.ticket.refresh_position(),
                                 self.ticket.refresh_working_orders())

    # --- a send that failed ---------------------------------------------------------------

    async def failed(self, action: Action, request: str, error: CrossTradeError,
                     latency: float, account: str, record: OrderRecord | None) -> None:
        """Say what went wrong; an order that may have gone through is looked up, not resent."""
        ticket = self.ticket
        ticket.note_connection(error)
        if isinstance(error, AuthenticationError):
            ticket.publish(AuthFailed(error.trader_message))
        if error.may_have_executed:
            text = f"OUTCOME UNKNOWN: {error.trader_message} {error.outcome_note}"
            ticket.publish(LogEntry(StatusLevel.UNKNOWN, request, text, None, latency))
            self._say(StatusLevel.UNKNOWN, f"{request}: {text}", account)
            if record is not None:
                record.note("Unknown", error.trader_message)
                await self._settle(request, record, error.trader_message)
            else:
                await self._guess(request, account, error.trader_message)
            return
        if record is not None:
            record.note("Not sent", error.trader_message)
        note = "" if isinstance(error, RateLimitedError) else f" {error.outcome_note}"
        text = f"{error.trader_message}{note}"
        ticket.publish(LogEntry(StatusLevel.ERROR, request, text, None, latency))
        self._say(StatusLevel.ERROR, f"{action.value} failed: {text}", account)

    async def _settle(self, request: str, record: OrderRecord, cause: str) -> None:
        """Look the order up by the ticket's own id: placed (and how it stands) or not."""
        settled: Settled = await look_up_order(self.ticket.client, record)
        cause = cause.rstrip(".")
        account = record.request.account
        if settled.placed is None:
            await self._guess(request, account, f"{cause}; the order lookup failed too: "
                              f"{settled.problem}")
            return
        if settled.placed:
            record.remark("found by the ticket's own id after the answer was lost")
            text = (f"It was placed ({state_words(record)}): {request} (the answer was lost: "
                    f"{cause}). Not sent again.")
            level = (StatusLevel.ERROR if record.state == OrderState.REJECTED.value
                     else StatusLevel.OK)
        else:
            record.note("Not placed", "CrossTrade does not know the ticket's own id")
            text = (f"It was not placed: {request} ({cause}). Nothing was sent again; send it "
                    "anew if wanted.")
            level = StatusLevel.WARNING
        self.ticket.publish(LogEntry(level, f"Lookup {request}", text, record.order_id))
        self._say(level, text, account)
        await self._refresh(account)
        if settled.placed and not record.is_final and record.state != "Working":
            await self.follow(record, time.perf_counter())

    async def _guess(self, request: str, account: str, cause: str) -> None:
        """Only where no lookup is possible: read the position and say it is a guess."""
        ticket = self.ticket
        if account != ticket.account:
            return
        position, working = await asyncio.gather(ticket.refresh_position(),
                                                 ticket.refresh_working_orders())
        if position is None:
            text = (f"Outcome unknown ({cause}); positions cannot be read either. Check NT8 "
                    "before sending again.")
        else:
            now = position_line(position, ticket.instrument, working)
            text = (f"Outcome unknown ({cause}); now {now} (a guess from the position). "
                    "Check NT8 before sending again.")
        ticket.publish(LogEntry(StatusLevel.UNKNOWN, f"Reconcile {request}", text))
        self._say(StatusLevel.UNKNOWN, text, account)

    # --- the post-check -------------------------------------------------------------------

    async def post_check(self, action: Action, *, record: OrderRecord | None = None,
                         fills: list[Execution] | None = None) -> str:
        """Re-read position and working orders and say the result in one line."""
        ticket = self.ticket
        account = ticket.account
        position, working = await asyncio.gather(ticket.refresh_position(),
                                                 ticket.refresh_working_orders())
        if position is None:
            line, level = f"After {action.value}: position unknown, check NT8", StatusLevel.WARNING
        else:
            line, level = position_line(position, ticket.instrument, working), StatusLevel.OK
            expected_flat = action in (Action.CLOSE, Action.FLATTEN_ACCOUNT, Action.KILL_SWITCH)
            if expected_flat and not position.is_flat:
                line, level = f"Still {line} — check NT8", StatusLevel.WARNING
            elif record is not None and record.filled:
                line = f"{fill_words(record, fills or [])}, now {line}"
            elif record is not None:
                line = f"{state_words(record)}: {record.words}; now {line}"
            else:
                line = f"Now {line}"
        ticket.publish(LogEntry(level, f"Post-check after {action.value}", line))
        self._say(level, line, account)
        return line
