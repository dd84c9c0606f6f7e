"""Protecting the chosen position: the bracket after an entry fills, the Protect button, the
naked-position alarm, breakeven, the stop ±1 tick and Close 50 %.

No Qt: the ticket composes this (like `Outcomes` and `OrderEdits`), the position panel calls it.
Every action is one request per click with its own single-flight slot, never retried. A bracket
is never sent while the position reads flat: CrossTrade's cancel_and_bracket would then enter
an OCO "straddle" instead of protecting anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ct_ticket.api.errors import CrossTradeError
from ct_ticket.events import (
    LogEntry,
    NakedPosition,
    PositionUpdated,
    Selected,
    Status,
    StatusLevel,
    TicketEvent,
    WorkingOrdersUpdated,
)
from ct_ticket.model import OrderInfo, Position, Side, round_to_tick
from ct_ticket.model.risk import (
    bracket_prices,
    breakeven_price,
    stop_covering,
    tick_size_of,
    uncovered_quantity,
)
from ct_ticket.wording import bracket_words, describe_position, format_price, naked_words

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from ct_ticket.ticket import Ticket
    from ct_ticket.tracking import OrderRecord

__all__ = ["NAKED_AFTER_S", "Protection"]

NAKED_AFTER_S = 2.0  # a fill's bracket normally lands well within this


class Protection:
    """Brackets and stop management for the ticket's chosen account and instrument."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.orders: tuple[OrderInfo, ...] = ()  # the account's working orders, as last read
        self.orders_known = False  # False until a read succeeded (unknown is never "naked")
        self.uncovered = 0  # contracts no working stop covers, as last evaluated
        self.alarm = False  # the alarm is raised (published) for the chosen position
        self.in_flight: set[str] = set()  # "bracket", "close": one request at a time each
        self._timer: asyncio.TimerHandle | None = None
        ticket.subscribe(self.on_event)

    # --- the naked-position alarm -----------------------------------------------------------

    def on_event(self, event: TicketEvent) -> None:
        """Re-evaluate whenever the position or the working orders are read anew."""
        ticket = self.ticket
        if isinstance(event, Selected):
            self.orders, self.orders_known = (), False
            self._evaluate()
        elif isinstance(event, WorkingOrdersUpdated) and event.account == ticket.account:
            self.orders, self.orders_known = event.orders, event.count is not None
            self._evaluate()
        elif isinstance(event, PositionUpdated) and (
                (event.account, event.instrument) == (ticket.account, ticket.instrument)):
            self._evaluate()

    def _evaluate(self) -> None:
        ticket = self.ticket
        if not self.orders_known or ticket.position is None:
            return  # unknown is not naked: the alarm waits for both reads
        self.uncovered = uncovered_quantity(ticket.position, ticket.instrument, self.orders)
        if self.uncovered == 0:
            self._cancel_timer()
            if self.alarm:
                self.alarm = False
                ticket.publish(NakedPosition(ticket.account, ticket.instrument, 0, False))
        elif not self.alarm and self._timer is None:
            loop = asyncio.get_event_loop()
            self._timer = loop.call_later(NAKED_AFTER_S, self._grace_over)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _grace_over(self) -> None:
        """Still naked after the grace period (a bracket on its way gets another period)."""
        self._timer = None
        ticket = self.ticket
        if "bracket" in self.in_flight:
            self._evaluate()
            return
        if self.uncovered and not self.alarm and ticket.position is not None and (
                not ticket.position.is_flat):
            self.alarm = True
            ticket.publish(NakedPosition(ticket.account, ticket.instrument, self.uncovered, True))
            ticket.publish(Status(StatusLevel.ERROR, naked_words(self.uncovered,
                                                                 ticket.instrument),
                                  ticket.account))

    # --- brackets ---------------------------------------------------------------------------

    async def after_fill(self, record: OrderRecord) -> None:
        """The entry filled (wholly or partly): bracket the position with the order's ticks.
        An ATM template's own stop is checked by the alarm, not placed here."""
        order, ticket = record.request, self.ticket
        if order.atm_strategy or (order.stop_loss_ticks is None
                                  and order.take_profit_ticks is None):
            return
        if (order.account, order.instrument) != (ticket.account, ticket.instrument):
            return  # the trader switched meanwhile: the alarm there will say what is naked
        position = ticket.position
        if position is None or position.is_flat or (
                (position.signed_quantity > 0) != (order.side is Side.BUY)):
            self._say(StatusLevel.WARNING, "Bracket not sent: now "
                      f"{describe_position(position, ticket.instrument)}.")
            return
        average = record.average_price or position.average_price
        await self._bracket(position, Decimal(repr(average)), order.stop_loss_ticks,
                            order.take_profit_ticks)

    def protect(self, stop_ticks: int | None, target_ticks: int | None
                ) -> asyncio.Task[Any] | None:
        """The Protect button: one bracket for the whole position with the remembered ticks,
        after reading the position again (never a bracket while flat)."""
        if stop_ticks is None:
            self._say(StatusLevel.ERROR, "Protect needs a stop-loss in ticks (set it in the "
                      "order entry).")
            return None
        if "bracket" in self.in_flight:
            return None

        async def run() -> None:
            position = await self.ticket.refresh_position()
            if position is None or position.is_flat:
                self._say(StatusLevel.WARNING, "Nothing to protect: "
                          f"{describe_position(position, self.ticket.instrument)}.")
                return
            await self._bracket(position, Decimal(repr(position.average_price)), stop_ticks,
                                target_ticks)

        self.in_flight.add("bracket")  # claimed in the click: a second click finds it taken
        return self.ticket.keep(asyncio.ensure_future(self._release("bracket", run())))

    async def _release(self, slot: str, coroutine: Awaitable[None]) -> None:
        try:
            await coroutine
        finally:
            self.in_flight.discard(slot)

    async def _bracket(self, position: Position, average: Decimal, stop_ticks: int | None,
                       target_ticks: int | None) -> None:
        ticket = self.ticket
        account, instrument = ticket.account, ticket.instrument
        tick = tick_size_of(instrument, ticket.quote)
        if tick is None:
            self._say(StatusLevel.ERROR, f"Bracket not sent: the tick of {instrument} is unknown.")
            return
        side = Side.BUY if position.signed_quantity > 0 else Side.SELL
        stop, target = (None if price is None else round_to_tick(price, tick)
                        for price in bracket_prices(side, average, tick, stop_ticks,
                                                    target_ticks))
        request = bracket_words(instrument, position.quantity, stop, target, tick)
        self.in_flight.add("bracket")
        started = time.perf_counter()
        try:
            ack = await ticket.client.cancel_and_bracket(
                account, instrument, side, position.quantity, stop_loss=stop, take_profit=target)
        except CrossTradeError as error:
            ticket.note_connection(error)
            text = f"{error.trader_message} {error.outcome_note}".strip()
            ticket.publish(LogEntry(StatusLevel.ERROR, request, text, None,
                                    (time.perf_counter() - started) * 1000))
            self._say(StatusLevel.ERROR, f"{request} failed: {text} The position is NOT "
                      "protected.")
        else:
            ticket.publish(LogEntry(StatusLevel.OK, request, "Placed", ack.stop_order_id
                                    or ack.target_order_id,
                                    (time.perf_counter() - started) * 1000))
            self._say(StatusLevel.OK, f"{request} placed.")
        finally:
            self.in_flight.discard("bracket")
        await ticket.refresh_working_orders()

    # --- managing the stop ------------------------------------------------------------------

    def _the_stop(self) -> tuple[Position, OrderInfo] | None:
        ticket = self.ticket
        position = ticket.position
        if position is None or position.is_flat:
            self._say(StatusLevel.WARNING, "No position to manage.")
            return None
        stops = stop_covering(position, ticket.instrument, self.orders)
        if len(stops) != 1 or stops[0].stop_price is None:
            self._say(StatusLevel.ERROR, "No working stop to move." if not stops else
                      f"{len(stops)} working stops: move the one meant in the working orders.")
            return None
        return position, stops[0]

    def breakeven(self, offset_ticks: int) -> asyncio.Task[Any] | None:
        """Move the working stop to the average price ± `offset_ticks` ticks (one change)."""
        def price(side: Side, position: Position, stop: OrderInfo, tick: Decimal) -> Decimal:
            average = Decimal(repr(position.average_price))
            return round_to_tick(breakeven_price(side, average, tick, offset_ticks), tick)
        return self._move_stop(price)

    def nudge_stop(self, ticks: int) -> asyncio.Task[Any] | None:
        """Move the working stop `ticks` ticks (+ up, - down) with one change."""
        def price(side: Side, position: Position, stop: OrderInfo, tick: Decimal) -> Decimal:
            assert stop.stop_price is not None  # _the_stop returns only stops with a price
            return Decimal(repr(stop.stop_price)) + ticks * tick
        return self._move_stop(price)

    def _move_stop(self, new_price: Callable[[Side, Position, OrderInfo, Decimal], Decimal]
                   ) -> asyncio.Task[Any] | None:
        """The position's working stop moved to `new_price(...)`: nothing without a stop or a
        known tick."""
        found = self._the_stop()
        tick = tick_size_of(self.ticket.instrument, self.ticket.quote)
        if found is None or tick is None:
            return None
        position, stop = found
        side = Side.BUY if position.signed_quantity > 0 else Side.SELL
        return self._move(side, stop, new_price(side, position, stop, tick), tick)

    def _move(self, side: Side, stop: OrderInfo, price: Decimal, tick: Decimal
              ) -> asyncio.Task[Any] | None:
        quote = self.ticket.quote
        # A long's sell stop must stay below the bid, a short's buy stop above the ask.
        market = (quote.bid if side is Side.BUY else quote.ask) if quote is not None else None
        if market and (price >= Decimal(repr(market)) if side is Side.BUY
                       else price <= Decimal(repr(market))):
            where = "bid" if side is Side.BUY else "ask"
            self._say(StatusLevel.ERROR, f"Stop not moved: {format_price(price, tick)} is "
                      f"through the market ({where} {format_price(market, tick)}); NT8 would "
                      "fill it at once.")
            return None
        return self.ticket.edits.change(stop, stop_price=price)

    # --- Close 50 % ---------------------------------------------------------------------------

    def close_half(self) -> asyncio.Task[Any] | None:
        """Close half the position (rounded down, at least 1) with one request."""
        ticket = self.ticket
        position = ticket.position
        if position is None or position.is_flat:
            self._say(StatusLevel.WARNING, "No position to close.")
            return None
        if "close" in self.in_flight:
            return None
        quantity = max(1, position.quantity // 2)
        account, instrument = ticket.account, ticket.instrument
        request = f"Close {quantity} of {describe_position(position, instrument)}"

        async def call() -> None:
            started = time.perf_counter()
            try:
                await ticket.client.close_position(account, instrument, quantity=quantity)
            except CrossTradeError as error:
                ticket.note_connection(error)
                text = f"{error.trader_message} {error.outcome_note}".strip()
                ticket.publish(LogEntry(StatusLevel.ERROR, request, text))
                self._say(StatusLevel.ERROR, f"{request} failed: {text}")
                return
            ticket.publish(LogEntry(StatusLevel.OK, request, "Sent", None,
                                    (time.perf_counter() - started) * 1000))
            now, _count = await asyncio.gather(ticket.refresh_position(),
                                               ticket.refresh_working_orders())
            self._say(StatusLevel.OK, f"{request} sent; now "
                      f"{describe_position(now, instrument)}.{self._oversized(now)}")

        self.in_flight.add("close")
        return ticket.keep(asyncio.ensure_future(self._release("close", call())))

    def _oversized(self, position: Position | None) -> str:
        """A stop left larger than the position would open one the other way if it fired."""
        if position is None or position.is_flat:
            return ""
        covered = sum(o.quantity - o.filled for o in stop_covering(
            position, self.ticket.instrument, self.orders))
        return (f" The stop still covers {covered}: resize it in the working orders."
                if covered > position.quantity else "")

    def _say(self, level: StatusLevel, text: str) -> None:
        self.ticket.publish(Status(level, text, self.ticket.account))

