"""Each account's room to its own limits, without a window: the arithmetic alone, the wire's
reading of the watermarks, and the ticket over the simulator on loopback holding an order that
risks more than the room left (naming the account and both figures).

Must show: daily loss limit 1,000 and today's P&L -750 -> "$250 left"; an order risking $300 is
held with both figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from ct_ticket.api import wire
from ct_ticket.api.client import CrossTradeClient
from ct_ticket.events import Action, RoomUpdated, TicketEvent
from ct_ticket.model import DEFAULT_LIMITS, Account, AccountKind, OrderRequest, build_order
from ct_ticket.model.room import (
    RoomLevel,
    Watermarks,
    adds_exposure,
    order_risk,
    room_of,
    size_shortfalls,
)
from ct_ticket.rooms import NO_WATERMARKS, ROOM_RULE, SIZE_RULE
from ct_ticket.sim import Simulator
from ct_ticket.ticket import Ticket

TOKEN = "room-rules-token-8c1d"
T = TypeVar("T")
PROP = Account("Sim101", realized_pnl=-750.0, unrealized_pnl=0.0, daily_loss_limit=1000.0,
               trailing_max_drawdown=2500.0, net_liquidation=99_250.0)


def run(body: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(body(), 15))


def mes(quantity: int, side: str = "BUY", account: str = "Sim101", **fields: Any
        ) -> OrderRequest:
    return build_order(account=account, instrument="MES 12-26", side=side, quantity=quantity,
                       order_type="MARKET", **fields)


# --- the arithmetic --------------------------------------------------------------------------


def test_must_show_250_left_and_a_300_risk_named_with_both_figures() -> None:
    room = room_of(PROP)
    assert room.daily_left == 250.0
    assert room.text.startswith("$250 left today · ")
    [held] = room.shortfalls(300.0)
    assert held.startswith("Sim101:")
    assert "$300" in held and "$250" in held and "$1,000" in held
    assert room.shortfalls(250.0) == []  # exactly the room left is not more than it


def test_levels_amber_under_25_and_red_under_10_percent() -> None:
    def level(pnl: float) -> RoomLevel:
        return room_of(Account("A", realized_pnl=pnl, daily_loss_limit=1000.0)).level
    assert level(-740.0) is RoomLevel.OK
    assert level(-750.0) is RoomLevel.OK  # 25 % left is not under 25 %
    assert level(-760.0) is RoomLevel.AMBER
    assert level(-900.0) is RoomLevel.AMBER  # 10 % is not under 10 %
    assert level(-901.0) is RoomLevel.RED
    assert level(-1200.0) is RoomLevel.RED  # past the limit: no room at all
    # The worse of the two limits decides.
    both = room_of(replace(PROP, realized_pnl=0.0, trailing_max_drawdown=1000.0),
                   marks=Watermarks(pnl_high=950.0))
    assert both.drawdown_left == 50.0 and both.level is RoomLevel.RED


def test_unknown_is_said_and_never_zero() -> None:
    nothing = room_of(Account("A"))
    assert nothing.text == "daily loss limit unknown · drawdown unknown"
    assert nothing.level is RoomLevel.UNKNOWN and nothing.shortfalls(1e9) == []
    # Limits known, P&L not reported: the limits are shown, the room is unknown, not $0.
    no_pnl = room_of(Account("A", daily_loss_limit=1000.0, trailing_max_drawdown=2500.0))
    assert no_pnl.daily_left is None and no_pnl.drawdown_left is None
    assert "$0" not in no_pnl.text
    assert no_pnl.text == ("daily loss limit $1,000, today's P&L unknown · "
                           "trailing drawdown $2,500, room unknown")
    assert no_pnl.level is RoomLevel.UNKNOWN and no_pnl.shortfalls(1e9) == []
    # 0 is CrossTrade's "no limit": unlimited, never "no room".
    free = room_of(Account("A", realized_pnl=-5000.0, daily_loss_limit=0.0,
                           trailing_max_drawdown=0.0))
    assert free.text == "no daily loss limit · no trailing drawdown"
    assert free.level is RoomLevel.OK and free.shortfalls(1e9) == []
    # Sizes the account does not report (None) or has none of (0) hold nothing.
    assert size_shortfalls(Account("A"), mes(100), 0) == []
    assert size_shortfalls(Account("A", max_order_size=0, max_position_size=0), mes(100), 0) == []


def test_trailing_drawdown_from_the_watermarks_net_liquidation_or_pnl() -> None:
    # Net liquidation pair: peak 100,350 now 99,250 -> 1,100 used of 2,500.
    marks = Watermarks(pnl_high=350.0, netliq_high=100_350.0, total=-750.0, netliq=99_250.0)
    room = room_of(PROP, marks=marks)
    assert room.drawdown_left == 1400.0 and not room.drawdown_estimated
    assert room.text == "$250 left today · $1,400 to drawdown"
    # Without net liquidation: the P&L pair (peak 350, now -750).
    room = room_of(replace(PROP, net_liquidation=None), marks=Watermarks(pnl_high=350.0))
    assert room.drawdown_left == 1400.0
    # The account reports no P&L: the watermarks' total stands in for today's P&L.
    room = room_of(replace(PROP, realized_pnl=None, unrealized_pnl=None, net_liquidation=None),
                   marks=Watermarks(pnl_high=350.0, total=-750.0))
    assert room.daily_left == 250.0 and room.drawdown_left == 1400.0
    # No peak known (empty watermarks): an upper bound, said "at most".
    room = room_of(replace(PROP, net_liquidation=None), marks=Watermarks())
    assert room.drawdown_estimated and room.text.endswith("at most $1,750 to drawdown")


def test_the_risk_of_an_order_and_whether_it_adds_exposure() -> None:
    assert order_risk(mes(12), None, 20) == 300.0  # 12 x 20 ticks x $1.25
    assert order_risk(mes(2, stop_loss_ticks=120), None, 20) == 300.0  # its own stop-loss wins
    unknown = build_order(account="A", instrument="ZZZ 12-26", side="BUY", quantity=1,
                          order_type="MARKET")
    assert order_risk(unknown, None, 20) is None
    assert adds_exposure(mes(1), 0) and adds_exposure(mes(1), 2)
    assert not adds_exposure(mes(2, side="SELL"), 2)  # closes a long 2
    assert adds_exposure(mes(3, side="SELL"), 2)  # reverses it


def test_the_accounts_own_sizes_name_both_figures() -> None:
    account = Account("Apex-12", max_order_size=5, max_position_size=6)
    order_size, too_big = size_shortfalls(account, mes(7, account="Apex-12"), 0)
    assert order_size == ("Apex-12: 7 contracts is above the account's maximum order size "
                          "of 5")
    assert "would be 7" in too_big and "maximum position size of 6" in too_big
    [position] = size_shortfalls(account, mes(3, account="Apex-12"), 4)
    assert "would be 7" in position and "6" in position
    assert size_shortfalls(account, mes(3, side="SELL", account="Apex-12"), 8) == []  # reduces


def test_the_wire_reads_watermarks_in_the_documented_shape_and_its_variants() -> None:
    documented = {"success": True, "data": {
        "account": "Sim101",
        "watermarks": {"pnlhigh": 13.25, "netliqhigh": 74206.83, "unrealhigh": 13.25},
        "stats": {"pnl": -37.33, "total": -37.33, "unrealized": -42.68, "poscount": 2,
                  "netliq": 74176.25, "pnlhigh": 13.25, "netliqhigh": 74206.83,
                  "unrealhigh": 13.25}}}
    marks = wire.parse_watermarks(documented)
    assert marks == Watermarks(13.25, 74206.83, 13.25, -37.33, -37.33, -42.68, 74176.25, 2)
    empty = wire.parse_watermarks({"success": True, "data": {
        "account": "Sim101", "watermarks": {}, "stats": {}}})
    assert empty.empty and empty.pnl_high is None
    assert wire.parse_watermarks({"success": True}).empty
    # Highs only in stats, camelCase keys, numbers as text, nulls and wrong types.
    variant = wire.parse_watermarks({"watermarks": None, "stats": {
        "pnlHigh": "12.5", "NetLiq": 1000, "total": [], "poscount": -1}})
    assert (variant.pnl_high, variant.netliq, variant.total, variant.position_count) == (
        12.5, 1000.0, None, None)
    for stray in ({"orderId": "x"}, [], "watermarks", None):
        with pytest.raises(wire.ShapeError):
            wire.parse_watermarks(stray)


# --- the ticket over the simulator ----------------------------------------------------------


@asynccontextmanager
async def ticket_at(url: str, events: list[TicketEvent]) -> AsyncIterator[Ticket]:
    client = CrossTradeClient(TOKEN, base_url=url)
    ticket = Ticket(client)
    ticket.subscribe(events.append)
    await ticket.load_accounts()
    ticket.select("Sim101", "MES 12-26")
    await ticket.load_quote()
    try:
        yield ticket
    finally:
        await ticket.wait_idle()
        await client.aclose()


def rooms(events: list[TicketEvent], account: str = "Sim101") -> list[RoomUpdated]:
    return [e for e in events if isinstance(e, RoomUpdated) and e.account == account]


def test_an_order_risking_300_is_held_naming_the_account_and_both_figures(
    sim: Simulator, served: tuple[Any, str]
) -> None:
    sim.set_limits("Sim101", daily_loss_limit=1000.0, trailing_max_drawdown=2500.0)
    sim.set_realized_pnl("Sim101", -750.0)
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            room = await ticket.rooms.refresh("Sim101")
            assert room is not None and room.text.startswith("$250 left today")
            assert rooms(events)[-1].room == ticket.rooms.room_of("Sim101") == room
            # No stop-loss: 12 contracts x the assumed 20 ticks x $1.25 = $300.
            review = ticket.review(Action.PLACE, mes(12))
            assert review is not None and review.needs_answer
            [held] = [b for b in review.breaches if b.rule == ROOM_RULE]
            assert held.message.startswith("Sim101: this order risks $300 but $250 is left")
            assert "$1,000" in held.message and "assumed stop of 20 ticks" in held.message
            ticket.decide(review, False)
            assert sim.order_posts() == []
            # With a stop-loss the bracket's risk counts: 2 x 120 ticks x $1.25 = $300.
            review = ticket.review(Action.PLACE, mes(2, stop_loss_ticks=120))
            assert review is not None and [b.rule for b in review.breaches] == [ROOM_RULE]
            assert "stop-loss of 120 ticks" in review.breaches[0].message
            ticket.decide(review, False)
            # Within the room: nothing to ask.
            review = ticket.review(Action.PLACE, mes(2, stop_loss_ticks=40))
            assert review is not None and not review.needs_answer
            # The assumed stop distance is the trader's setting (Safety limits).
            limits = dict(ticket.limits)
            limits[AccountKind.SIM] = replace(DEFAULT_LIMITS[AccountKind.SIM],
                                              room_stop_ticks=10)
            ticket.set_rules(limits, confirm_every_order=False)
            review = ticket.review(Action.PLACE, mes(12))
            assert review is not None and not review.needs_answer  # 12 x 10 x 1.25 = $150
    run(body)


def test_the_accounts_sizes_hold_an_order_and_an_exit_is_never_held(
    sim: Simulator, served: tuple[Any, str]
) -> None:
    sim.set_limits("Sim101", daily_loss_limit=50.0, max_order_size=3, max_position_size=4)
    sim.set_price("MES", 6000.0)
    sim.set_position("Sim101", "MES 12-26", 3, 6000.0)
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            await asyncio.gather(ticket.rooms.refresh("Sim101"), ticket.refresh_position())
            review = ticket.review(Action.PLACE, mes(4))
            assert review is not None
            rules = [b.rule for b in review.breaches]
            assert rules.count(SIZE_RULE) == 2 and ROOM_RULE in rules
            texts = " ".join(b.message for b in review.breaches)
            assert "maximum order size of 3" in texts and "would be 7" in texts
            ticket.decide(review, False)
            exit_review = ticket.review(Action.PLACE, mes(3, side="SELL"))
            assert exit_review is not None and not exit_review.needs_answer
    run(body)


def test_an_add_on_without_watermarks_gives_the_room_from_the_fields_and_says_so(
    sim: Simulator, served: tuple[Any, str]
) -> None:
    sim.watermarks_supported = False
    sim.set_limits("Sim101", daily_loss_limit=1000.0, trailing_max_drawdown=2500.0)
    sim.set_realized_pnl("Sim101", -750.0)
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            room = await ticket.rooms.refresh("Sim101")
            assert room is not None and room.daily_left == 250.0
            assert room.drawdown_estimated  # no peak: at most
            assert rooms(events)[-1].note == NO_WATERMARKS
            assert ticket.rooms.watermarks_supported is False
            asked = len([r for r in sim.requests if r.path.endswith("/watermarks")])
            ticket.rooms._read_at.clear()
            await ticket.rooms.refresh("Sim101")  # an older add-on is asked once
            assert len([r for r in sim.requests if r.path.endswith("/watermarks")]) == asked
    run(body)


def test_the_watermarks_peak_sets_the_drawdown_room_and_an_empty_answer_is_said(
    sim: Simulator, served: tuple[Any, str]
) -> None:
    sim.set_limits("Sim101", daily_loss_limit=1000.0, trailing_max_drawdown=2500.0)
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            await ticket.rooms.refresh("Sim101")  # flat, nothing traded: empty {}
            assert "No P&L reported this session yet" in rooms(events)[-1].note
            sim.set_realized_pnl("Sim101", -750.0)
            sim.set_watermarks("Sim101", netliq_high=100_350.0)
            room = await ticket.rooms.refresh("Sim101")
            assert room is not None and room.text == "$250 left today · $1,400 to drawdown"
            assert rooms(events)[-1].note == ""
    run(body)


def test_the_room_is_read_with_the_account_reads_at_most_every_few_seconds(
    sim: Simulator, served: tuple[Any, str]
) -> None:
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            for _ in range(5):
                await ticket.refresh_working_orders()
                await ticket.wait_idle()
            paths = [r.path for r in sim.requests]
            assert sum(p.endswith("/watermarks") for p in paths) == 1
            assert sum(p == "/v1/api/accounts/Sim101" for p in paths) == 1
            assert rooms(events)
    run(body)
