"""Managing one working order: cancel it, move its price, change its quantity. One request per
click and per order (a second click on the same order while its edit is in flight is ignored),
never retried; the working orders are re-read afterwards so the list shows what NT8 holds.

No Qt: the working-orders panel calls these through the ticket.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ct_ticket.api.errors import CrossTradeError
from ct_ticket.events import LogEntry, OrderReplaced, Status, StatusLevel
from ct_ticket.model import OrderInfo
from ct_ticket.wording import format_price, tick_of, working_order_words

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ct_ticket.ticket import Ticket

__all__ = ["OrderEdits"]


class OrderEdits:
    """Cancel / move / resize the working orders of one ticket's account."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.in_flight: set[str] = set()  # order ids with an edit on the way

    def cancel(self, order: OrderInfo) -> asyncio.Task[Any] | None:
        """Cancel one order (`POST …/orders/{id}/cancel`)."""
        client, account = self.ticket.client, order.account or self.ticket.account

        async def call() -> str:
            await client.cancel_order(account, order.order_id)
            return "Cancel sent"

        return self._start(order, f"Cancel {working_order_words(order)}", call)

    def change(self, order: OrderInfo, *, quantity: int | None = None,
               limit_price: Decimal | None = None,
               stop_price: Decimal | None = None) -> asyncio.Task[Any] | None:
        """Change one order's quantity or price (`PUT …/change`); keeps the id it returns."""
        client, account = self.ticket.client, order.account or self.ticket.account
        tick = tick_of(order.instrument)
        what = ([f"quantity {quantity}"] if quantity is not None else []) + (
            [f"limit {format_price(limit_price, tick)}"] if limit_price is not None else []) + (
            [f"stop {format_price(stop_price, tick)}"] if stop_price is not None else [])

        async def call() -> str:
            ack = await client.change_order(account, order.order_id, quantity=quantity,
                                            limit_price=limit_price, stop_price=stop_price)
            if ack.order_id and ack.order_id != order.order_id:
                self.ticket.publish(OrderReplaced(account, order.order_id, ack.order_id))
            return f"Changed (now order {ack.order_id})"

        return self._start(order, f"Change {working_order_words(order)} to "
                           + ", ".join(what), call)

    def _start(self, order: OrderInfo, request: str,
               call: Callable[[], Awaitable[str]]) -> asyncio.Task[Any] | None:
        if order.order_id in self.in_flight:
            return None
        self.in_flight.add(order.order_id)
        task = asyncio.ensure_future(self._run(order, request, call))
        self.ticket.keep(task)
        return task

    async def _run(self, order: OrderInfo, request: str,
                   call: Callable[[], Awaitable[str]]) -> None:
        ticket, account = self.ticket, order.account or self.ticket.account
        started = time.perf_counter()
        try:
            result = await call()
        except CrossTradeError as error:
            latency = (time.perf_counter() - started) * 1000
            ticket.note_connection(error)
            text = f"{error.trader_message} {error.outcome_note}".strip()
            ticket.publish(LogEntry(StatusLevel.ERROR, request, text, order.order_id, latency))
            ticket.publish(Status(StatusLevel.ERROR, f"{request} failed: {text}", account))
        else:
            latency = (time.perf_counter() - started) * 1000
            ticket.publish(LogEntry(StatusLevel.OK, request, result, order.order_id, latency))
            ticket.publish(Status(StatusLevel.OK, f"{result}: {request}", account))
        finally:
            self.in_flight.discard(order.order_id)
        await ticket.refresh_working_orders()
