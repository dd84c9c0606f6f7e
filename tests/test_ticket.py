"""The ticket's rules without a window: a real client against the simulator on loopback (and a
fault server in front of it where the network must misbehave), asyncio only, no Qt.

What these prove: a burst of intents sends one order; a POST whose answer never came is never
sent again and is settled by reading; `review` says what must be asked (limits, the same order
twice, confirm-every-order, a flatten's blast radius) and `decide` sends exactly once or not at
all; the stream's quote and P&L reach the views through the ticket's own methods.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from faultserver import FaultServer

from ct_ticket import timing
from ct_ticket.api.asgi import AsgiTransport
from ct_ticket.api.client import CrossTradeClient, Timeouts
from ct_ticket.calls import BUSY_AFTER_S
from ct_ticket.events import (
    Action,
    Busy,
    PositionUpdated,
    QuoteUpdated,
    Selected,
    Status,
    StatusLevel,
    TicketEvent,
)
from ct_ticket.model import DEFAULT_LIMITS, AccountKind, Limits, OrderRequest, build_order
from ct_ticket.sim import Simulator, create_app
from ct_ticket.ticket import Ticket

TOKEN = "ticket-rules-token-5e21"
T = TypeVar("T")


def run(body: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(body(), 15))


@asynccontextmanager
async def ticket_at(url: str, events: list[TicketEvent], **client_options: Any
                    ) -> AsyncIterator[Ticket]:
    client = CrossTradeClient(TOKEN, base_url=url, **client_options)
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


def order(quantity: int = 1, account: str = "Sim101", **fields: Any) -> OrderRequest:
    return build_order(account=account, instrument="MES 12-26", side="BUY", quantity=quantity,
                       order_type=fields.pop("order_type", "MARKET"), **fields)


def statuses(events: list[TicketEvent]) -> list[Status]:
    return [e for e in events if isinstance(e, Status)]


# --- single flight and never a resend ------------------------------------------------------


def test_burst_of_intents_sends_one_order(sim: Simulator, served: tuple[Any, str]) -> None:
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            sent = []
            for _ in range(10):  # ten clicks in one event-loop turn
                review = ticket.review(Action.PLACE, order())
                if review is not None:
                    sent.append(ticket.decide(review, True))
            assert sum(task is not None for task in sent) == 1
            assert ticket.busy
            await ticket.wait_idle()
            assert not ticket.busy

    run(body)
    assert len(sim.order_posts("place")) == 1
    busy = [e.busy for e in events if isinstance(e, Busy)]
    assert busy == [True, False]


def test_an_unanswered_post_is_never_sent_again_and_is_settled_by_reading(
        sim: Simulator, faults: FaultServer) -> None:
    events: list[TicketEvent] = []
    faults.inject("hang", method="POST", path="/orders/place", times=1)

    async def body() -> list[str]:
        async with ticket_at(faults.url, events, timeouts=Timeouts(connect=0.5, read=0.5),
                             backoff=0.01) as ticket:
            review = ticket.review(Action.PLACE, order())
            assert review is not None and not review.needs_answer
            ticket.decide(review, True)
            await ticket.wait_idle()
            return list(ticket.records)

    (own_id,) = run(body)
    assert faults.count("POST", "/orders/place") == 1  # exactly one POST, whatever happened
    said = statuses(events)
    assert any(s.level is StatusLevel.UNKNOWN and "OUTCOME UNKNOWN" in s.text for s in said)
    # The hung POST never reached CrossTrade: the lookup by the ticket's own id says so.
    assert said[-1].level is StatusLevel.WARNING
    assert said[-1].text.startswith("It was not placed: BUY 1 MES 12-26 MKT on Sim101")
    lookups = [r.path for r in faults.requests
               if r.method == "GET" and r.path.endswith(f"/orders/{own_id}")]
    assert len(lookups) == 3  # asked, and asked again before saying "not placed"


# --- Busy: the panels hear it once the order is out ----------------------------------------


def test_the_panels_hear_busy_only_once_the_order_is_written(
        sim: Simulator, served: tuple[Any, str]) -> None:
    """Busy(True) repaints the send buttons: published at the click, that paint came before the
    request's bytes. The slot is still taken at the click, so a second click sends nothing."""
    events: list[TicketEvent] = []
    path: list[tuple[str, int]] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            ticket.subscribe(lambda e: path.append(("Busy", 0)) if isinstance(e, Busy) else None)
            timing.record(path.append)
            try:
                review = ticket.review(Action.PLACE, order())
                assert review is not None and ticket.decide(review, True) is not None
                assert ticket.busy and not [e for e in events if isinstance(e, Busy)]
                assert ticket.review(Action.PLACE, order(2)) is None  # the slot is taken
                await ticket.wait_idle()
            finally:
                timing.record(None)

    run(body)
    names = [name for name, _ns in path]
    assert names.index("request written") < names.index("Busy") < names.index("answer head read")
    assert [e.busy for e in events if isinstance(e, Busy)] == [True, False]
    assert len(sim.order_posts("place")) == 1


def test_busy_is_shown_after_a_frame_when_nothing_is_written_yet(sim: Simulator) -> None:
    """No socket (an in-process transport) and a slow answer: Busy(True) still comes, after a
    frame, and before Busy(False)."""
    events: list[TicketEvent] = []
    inner = create_app(sim)

    async def slow_orders(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/orders/place"):
            await asyncio.sleep(0.3)
        await inner(scope, receive, send)

    async def body() -> float:
        transport = AsgiTransport(slow_orders)
        async with ticket_at("http://127.0.0.1", events, transport=transport) as ticket:
            review = ticket.review(Action.PLACE, order())
            assert review is not None
            started = time.monotonic()
            ticket.decide(review, True)
            while not any(isinstance(e, Busy) for e in events):
                await asyncio.sleep(0.002)
            return time.monotonic() - started

    shown_after = run(body)
    assert BUSY_AFTER_S <= shown_after + 0.002 < 0.2
    assert [e.busy for e in events if isinstance(e, Busy)] == [True, False]


def test_a_panel_failing_on_busy_does_not_fail_the_written_order(
        sim: Simulator, served: tuple[Any, str]) -> None:
    """The Busy listeners run inside the request's write: a view's exception is logged, and the
    order is still accepted (never turned into an unknown outcome)."""
    events: list[TicketEvent] = []

    def broken_view(event: TicketEvent) -> None:
        if isinstance(event, Busy) and event.busy:
            raise RuntimeError("a view's bug")

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            ticket.subscribe(broken_view)
            review = ticket.review(Action.PLACE, order())
            assert review is not None
            ticket.decide(review, True)
            await ticket.wait_idle()

    run(body)
    assert len(sim.order_posts("place")) == 1
    accepted = [s for s in statuses(events) if s.text.startswith("Accepted")]
    assert accepted and not [s for s in statuses(events) if s.level is StatusLevel.UNKNOWN]


# --- review: what must be asked ------------------------------------------------------------


def test_an_ordinary_order_needs_no_answer_and_decide_sends_it(
        sim: Simulator, served: tuple[Any, str]) -> None:
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            review = ticket.review(Action.FLAT_PLACE, order())
            assert review is not None
            assert not review.needs_answer and review.kind is AccountKind.SIM
            assert ticket.pending_review is None
            ticket.decide(review, True)

    run(body)
    assert len(sim.order_posts("flatplace")) == 1


def test_a_limit_breach_is_held_until_answered_and_a_no_sends_nothing(
        sim: Simulator, served: tuple[Any, str]) -> None:
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            ticket.set_rules({**DEFAULT_LIMITS, AccountKind.SIM: Limits(2, 1e9, 1000)},
                             confirm_every_order=False)
            review = ticket.review(Action.PLACE, order(quantity=3))
            assert review is not None and review.needs_answer
            assert [b.rule for b in review.breaches] == ["Maximum quantity"]
            assert ticket.pending_review is review
            # While it is asked, no other intent gets through.
            assert ticket.review(Action.PLACE, order()) is None
            assert ticket.decide(review, False) is None
            assert ticket.pending_review is None

    run(body)
    assert sim.order_posts() == []
    assert statuses(events)[-1] == Status(StatusLevel.WARNING, "Place not sent.")


def test_send_anyway_sends_once_and_a_second_answer_is_ignored(
        sim: Simulator, served: tuple[Any, str]) -> None:
    async def body() -> None:
        async with ticket_at(served[1], []) as ticket:
            ticket.set_rules({**DEFAULT_LIMITS, AccountKind.SIM: Limits(2, 1e9, 1000)},
                             confirm_every_order=False)
            review = ticket.review(Action.PLACE, order(quantity=3))
            assert review is not None
            assert ticket.decide(review, True) is not None
            assert ticket.decide(review, True) is None  # the same answer twice: one order

    run(body)
    assert len(sim.order_posts("place")) == 1


def test_the_same_order_twice_within_seconds_asks(
        sim: Simulator, served: tuple[Any, str]) -> None:
    async def body() -> None:
        async with ticket_at(served[1], []) as ticket:
            first = ticket.review(Action.PLACE, order())
            assert first is not None and not first.needs_answer
            ticket.decide(first, True)
            await ticket.wait_idle()
            again = ticket.review(Action.PLACE, order())
            assert again is not None and [b.rule for b in again.breaches] == ["Same order twice"]
            other = order(quantity=2)
            ticket.decide(again, False)
            different = ticket.review(Action.PLACE, other)
            assert different is not None and not different.needs_answer

    run(body)
    assert len(sim.order_posts("place")) == 1


def test_confirm_every_order_asks_for_orders_but_not_for_a_close(
        sim: Simulator, served: tuple[Any, str]) -> None:
    async def body() -> None:
        async with ticket_at(served[1], []) as ticket:
            ticket.set_rules(DEFAULT_LIMITS, confirm_every_order=True)
            review = ticket.review(Action.PLACE, order())
            assert review is not None and review.confirm_order and not review.breaches
            ticket.decide(review, False)
            close = ticket.review(Action.CLOSE)
            assert close is not None and not close.needs_answer

    run(body)


def test_flattens_ask_after_listing_what_they_close_and_the_kill_switch_wants_a_word(
        sim: Simulator, served: tuple[Any, str]) -> None:
    async def body() -> list[str]:
        async with ticket_at(served[1], []) as ticket:
            entry = ticket.review(Action.PLACE, order(quantity=2))
            assert entry is not None
            ticket.decide(entry, True)
            await ticket.wait_idle()
            flatten = ticket.review(Action.FLATTEN_ACCOUNT)
            assert flatten is not None and flatten.blast_radius and flatten.require_word is None
            ticket.decide(flatten, False)
            kill = ticket.review(Action.KILL_SWITCH)
            assert kill is not None and kill.blast_radius and kill.require_word == "FLATTEN"
            lines = await ticket.blast_radius(all_accounts=True)
            ticket.decide(kill, False)
            return lines

    lines = run(body)
    assert lines[0].startswith("Sim101: 1 position(s)")
    assert any("LONG 2 MES 12-26" in line for line in lines)
    assert {line.split(":")[0] for line in lines if not line.startswith(" ")} >= {
        "Sim101", "Sim102", "Apex-12"}
    assert [r.path for r in sim.order_posts()] == ["/v1/api/accounts/Sim101/orders/place"]


def test_a_live_account_is_reviewed_against_the_live_limits(
        sim: Simulator, served: tuple[Any, str]) -> None:
    async def body() -> None:
        async with ticket_at(served[1], []) as ticket:
            # (with a stop: a live entry without one is refused before any limit is looked at)
            live = ticket.review(Action.PLACE, order(quantity=11, account="Apex-12",
                                                     stop_loss_ticks=8))
            assert live is not None and live.kind is AccountKind.LIVE
            assert [b.rule for b in live.breaches] == ["Maximum quantity"]
            ticket.decide(live, False)
            sim_order = ticket.review(Action.PLACE, order(quantity=11))
            assert sim_order is not None and not sim_order.breaches

    run(body)


# --- the ticket owns its state -------------------------------------------------------------


def test_streamed_quote_and_position_reach_views_through_the_ticket(
        sim: Simulator, served: tuple[Any, str]) -> None:
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            quote = ticket.quote
            assert quote is not None
            events.clear()
            newer = type(quote)(quote.instrument, 1.0, 2.0, 1.5, quote.tick_size,
                                quote.point_value)
            ticket.update_quote(newer, announce=False)
            assert ticket.quote == newer and events == []  # held for the next repaint
            ticket.announce_quote()
            position = await ticket.refresh_position()
            assert position is not None
            ticket.update_position(position)

    run(body)
    assert any(isinstance(e, QuoteUpdated) and e.quote is not None and e.quote.bid == 1.0
               for e in events)
    assert sum(isinstance(e, PositionUpdated) for e in events) == 2


def test_select_tells_the_views_the_account_kind(
        sim: Simulator, served: tuple[Any, str]) -> None:
    events: list[TicketEvent] = []

    async def body() -> None:
        async with ticket_at(served[1], events) as ticket:
            ticket.select("Apex-12", "MES 12-26")

    run(body)
    selected = [e for e in events if isinstance(e, Selected)]
    assert selected[0] == Selected("Sim101", "MES 12-26", "sim")
    assert selected[-1] == Selected("Apex-12", "MES 12-26", "live")
