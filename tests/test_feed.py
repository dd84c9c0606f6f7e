"""Feed over a real loopback stream and REST client (the simulator served by uvicorn), no Qt. What
these prove: streamed quotes move the ticket's quote without losing its tick size, streamed P&L
moves the position's P&L without touching its size, a fill only the stream saw makes the ticket
re-read the position over REST, and `rest_fallback_needed` says when the stream cannot be trusted.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import pytest

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.api.stream import Backoff, StreamClient, StreamEvent, StreamQuote, StreamState
from ct_ticket.events import PositionUpdated, QuoteUpdated, TicketEvent
from ct_ticket.feed import Feed, FeedState
from ct_ticket.sim import ServedSim, Simulator, create_app, serve_in_thread
from ct_ticket.ticket import Ticket

TOKEN = "ct-feed-token-31a7c0d9e4"
T = TypeVar("T")


@pytest.fixture
def sim() -> Simulator:
    simulator = Simulator(seed=5, walk_interval=None)
    simulator.streams.push_interval = 0.02
    simulator.rate_limit_enabled = False  # these tests are about the feed, not the budget
    return simulator


@pytest.fixture
def served(sim: Simulator) -> Iterator[ServedSim]:
    with serve_in_thread(create_app(sim)) as running:
        yield running


@dataclass
class Rig:
    ticket: Ticket
    stream: StreamClient
    feed: Feed
    events: list[TicketEvent] = field(default_factory=list)
    states: list[FeedState] = field(default_factory=list)


@asynccontextmanager
async def rig(served: ServedSim, *, pnl_interval_ms: int | None = 100,
              stale_after: float = 5.0) -> AsyncIterator[Rig]:
    client = CrossTradeClient(TOKEN, base_url=served.url)
    stream = StreamClient(TOKEN, base_url=served.url, settle=0.02, pnl_interval_ms=pnl_interval_ms,
                          backoff=Backoff(first=0.02, cap=0.1), rng=random.Random(2))
    ticket = Ticket(client)
    feed = Feed(ticket, stream, stale_after=stale_after, recheck_interval=0.2)
    parts = Rig(ticket, stream, feed)
    ticket.subscribe(parts.events.append)
    feed.subscribe(parts.states.append)
    try:
        yield parts
    finally:
        await stream.aclose()
        await feed.wait_idle()
        await ticket.wait_idle()
        await client.aclose()


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


def run(body: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(body(), 8))


def position_reads(sim: Simulator) -> int:
    return sum(1 for r in sim.requests if r.path.endswith("/position"))


def test_streamed_quotes_move_the_ticket_quote_and_keep_its_tick_size(
        sim: Simulator, served: ServedSim) -> None:
    async def body() -> Rig:
        async with rig(served) as r:
            r.ticket.select("Sim101", "MES")
            await r.ticket.load_quote()  # REST: tick size and point value
            r.feed.follow(r.ticket.instrument)
            r.stream.start()
            sim.set_price("MES", 6000.0)
            await until(lambda: r.ticket.quote is not None and r.ticket.quote.last == 6000.0)
            # Switch: the old instrument's quotes no longer reach the ticket.
            r.ticket.select("Sim101", "ES 12-26")
            r.feed.follow("ES 12-26")
            sim.set_price("MES", 6100.0)
            await until(lambda: r.ticket.quote is not None)
            await asyncio.sleep(0.1)
            assert r.ticket.quote is not None and r.ticket.quote.instrument == "ES 12-26"
            return r

    r = run(body)
    mes = [e.quote for e in r.events if isinstance(e, QuoteUpdated) and e.instrument == "MES"]
    streamed = mes[-1]
    assert streamed is not None
    assert (streamed.bid, streamed.ask, streamed.last) == (6000.0, 6000.25, 6000.0)
    assert (streamed.tick_size, streamed.point_value) == (0.25, 5.0)  # kept from REST
    assert all(q is not None and q.last != 6100.0 for q in mes)


def test_streamed_pnl_moves_the_position_pnl_not_its_size(
        sim: Simulator, served: ServedSim) -> None:
    start = sim.quote_api("MES")["last"]  # Sim102 holds the demo long 2, 8 ticks under it

    async def body() -> Rig:
        async with rig(served) as r:
            r.ticket.select("Sim102", "MES")
            await r.ticket.refresh_position()
            reads = position_reads(sim)
            r.feed.follow(r.ticket.instrument)
            r.stream.start()
            sim.set_price("MES", start + 1.0)
            await until(lambda: r.ticket.position is not None
                        and r.ticket.position.unrealized_pnl == 30.0)  # 12 ticks x 2 x $1.25
            await asyncio.sleep(0.3)
            assert position_reads(sim) == reads  # no REST re-read: the size agreed
            return r

    r = run(body)
    position = r.ticket.position
    assert position is not None
    assert (position.market_position, position.quantity) == ("Long", 2)
    assert position.average_price == start - 2.0 and position.market_price == start + 1.0
    updates = [e for e in r.events if isinstance(e, PositionUpdated)]
    assert updates[-1].position == position and updates[-1].account == "Sim102"


def test_a_fill_only_the_stream_saw_makes_the_ticket_reread_the_position(
        sim: Simulator, served: ServedSim) -> None:
    async def body() -> Rig:
        async with rig(served) as r:
            r.ticket.select("Sim101", "MES")
            assert (await r.ticket.refresh_position()) is not None  # flat
            r.feed.follow("MES")
            r.stream.start()
            await until(lambda: r.stream.state.state == "live")
            order = {"instrument": "MES", "action": "SELL", "orderType": "MARKET",
                     "quantity": 3, "timeInForce": "DAY"}
            # Placed elsewhere (NT8 itself, another tool): the ticket sent nothing.
            httpx.post(f"{served.url}/v1/api/accounts/Sim101/orders/place", json=order,
                       headers={"Authorization": f"Bearer {TOKEN}"}).raise_for_status()
            await until(lambda: r.ticket.position is not None
                        and r.ticket.position.signed_quantity == -3)
            return r

    r = run(body)
    assert len(sim.order_posts()) == 1  # the one placed elsewhere; the feed only read
    assert any(isinstance(e, PositionUpdated) and e.position is not None
               and e.position.signed_quantity == -3 for e in r.events)


def test_rest_fallback_is_needed_while_the_stream_is_down(
        sim: Simulator, served: ServedSim) -> None:
    async def body() -> tuple[Rig, int, int]:
        async with rig(served) as r:
            r.ticket.select("Sim102", "MES")
            await r.ticket.refresh_position()  # known and agreeing: only a reconnect re-reads
            assert r.feed.rest_fallback_needed and r.feed.last_update_age is None
            r.feed.follow("MES")
            r.stream.start()
            await until(lambda: not r.feed.rest_fallback_needed)
            await until(lambda: r.feed.last_update_age is not None)
            before = position_reads(sim)
            sim.stream_drop()
            await until(lambda: r.stream.connections == 2 and not r.feed.rest_fallback_needed)
            await r.feed.wait_idle()
            return r, before, position_reads(sim)

    r, before, after = run(body)
    assert [(s.state, s.rest_fallback) for s in r.states][:3] == [
        ("connecting", True), ("live", False), ("reconnecting", True)]
    assert r.states[-1].state == "closed" and r.states[-1].rest_fallback
    assert after == before + 1  # the reconnect re-read the position: fills in the gap count


def test_a_live_but_silent_stream_asks_for_rest(served: ServedSim) -> None:
    async def body() -> None:
        async with rig(served, pnl_interval_ms=None, stale_after=0.2) as r:
            r.stream.start()  # no instrument and no P&L: nothing will arrive
            await until(lambda: r.stream.state.state == "live")
            assert not r.feed.rest_fallback_needed
            await until(lambda: r.feed.rest_fallback_needed, timeout=2)
            assert r.stream.state.state == "live"

    run(body)


class FakeStream:
    """A stream the test drives by hand (a window test can use one the same way)."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[StreamEvent], None]] = []
        self.instrument: str | None = None
        self.state = StreamState("live", "fake", time.monotonic())

    def subscribe(self, listener: Callable[[StreamEvent], None]) -> None:
        self.listeners.append(listener)

    def set_instrument(self, instrument: str | None) -> None:
        self.instrument = instrument

    def push(self, event: StreamEvent) -> None:
        for listener in self.listeners:
            listener(event)


def test_a_burst_of_quotes_reaches_the_window_as_few_events_with_the_latest_price() -> None:
    async def body() -> None:
        client = CrossTradeClient(TOKEN, base_url="http://127.0.0.1:9")  # never called
        ticket, stream, events = Ticket(client), FakeStream(), list[TicketEvent]()
        ticket.subscribe(events.append)
        feed = Feed(ticket, stream, quote_interval=0.05)
        ticket.select("Sim101", "mes 12-26")
        feed.follow(ticket.instrument)
        assert stream.instrument == "MES 12-26"
        for tick in range(50):  # a busy second of ES, in one go
            price = 6000 + tick * 0.25
            stream.push(StreamQuote("MES 12-26", price, price + 0.25, price, None,
                                    time.monotonic()))
        announced = [e for e in events if isinstance(e, QuoteUpdated)]
        assert ticket.quote is not None and ticket.quote.last == 6012.25  # always the latest
        assert len(announced) == 1  # the first at once, the rest held back
        await asyncio.sleep(0.1)
        announced = [e for e in events if isinstance(e, QuoteUpdated)]
        assert len(announced) == 2
        assert announced[-1].quote is not None and announced[-1].quote.last == 6012.25
        await client.aclose()

    run(body)
