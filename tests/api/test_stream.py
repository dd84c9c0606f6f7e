"""StreamClient over a real loopback WebSocket: the simulator served by uvicorn. What these prove:
quotes and P&L arrive as typed events, a dropped connection comes back with its subscription and
P&L stream, junk frames are skipped, rapid switching leaves exactly one subscription, a refused
token stops the stream instead of hammering the server, aclose() closes cleanly, and the token
goes nowhere but the handshake's Authorization header.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import httpx
import pytest

from ct_ticket.api.stream import (
    Backoff,
    StreamClient,
    StreamEvent,
    StreamPnl,
    StreamQuote,
    StreamState,
    stream_url,
)
from ct_ticket.api.stream_messages import (
    MarketData,
    Pong,
    RpcReply,
    ServerError,
    ShapeError,
    UnknownFrame,
    parse_frame,
)
from ct_ticket.api.stream_pacing import ChangeBudget, Subscriptions
from ct_ticket.sim import CATALOGUE, ServedSim, Simulator, create_app, serve_in_thread
from ct_ticket.sim.stream import GARBAGE_FRAMES

TOKEN = "ct-stream-token-5d21c8e07a"
WRONG_TOKEN = "ct-stream-wrong-93be1f"
T = TypeVar("T")


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def sim() -> Simulator:
    """Still prices (tests move them), pushes every 20 ms so the tests are quick."""
    simulator = Simulator(seed=3, walk_interval=None)
    simulator.streams.push_interval = 0.02
    return simulator


@pytest.fixture
def served(sim: Simulator) -> Iterator[ServedSim]:
    with serve_in_thread(create_app(sim)) as running:
        yield running


class Recorder:
    """A listener that keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[StreamEvent] = []

    def __call__(self, event: StreamEvent) -> None:
        self.events.append(event)

    def states(self) -> list[StreamState]:
        return [e for e in self.events if isinstance(e, StreamState)]

    async def wait_for(self, wanted: Callable[[StreamEvent], bool], timeout: float = 3.0
                       ) -> StreamEvent:
        seen = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if wanted(event):
                    return event
            seen = len(self.events)
            await asyncio.sleep(0.005)
        raise AssertionError(f"no matching event in {timeout} s; last: {self.events[-3:]}")


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


def fast_stream(url: str, token: str = TOKEN, *, settle: float = 0.02) -> StreamClient:
    """A stream with test-sized backoff, settle and P&L interval."""
    return StreamClient(token, base_url=url, backoff=Backoff(first=0.02, cap=0.1, reset_after=60),
                        settle=settle, pnl_interval_ms=100, rng=random.Random(1))


def run(body: Callable[[], Awaitable[T]], timeout: float = 8.0) -> T:
    return asyncio.run(asyncio.wait_for(body(), timeout))


def live(event: StreamEvent) -> bool:
    return isinstance(event, StreamState) and event.state == "live"


def quote_of(instrument: str, last: float | None = None) -> Callable[[StreamEvent], bool]:
    return lambda e: (isinstance(e, StreamQuote) and e.instrument == instrument
                      and (last is None or e.last == last))


# --- address ------------------------------------------------------------------------------


def test_stream_url_is_derived_from_the_rest_base_url() -> None:
    assert stream_url("https://app.crosstrade.io") == "wss://app.crosstrade.io/ws/stream"
    assert stream_url("http://127.0.0.1:8765/") == "ws://127.0.0.1:8765/ws/stream"
    assert stream_url("https://proxy.example/ct/") == "wss://proxy.example/ct/ws/stream"
    with pytest.raises(ValueError, match="Refusing"):
        stream_url("http://app.crosstrade.io")  # the token would travel in the clear


# --- over the wire ------------------------------------------------------------------------


def test_quotes_arrive_for_the_subscribed_instrument(sim: Simulator, served: ServedSim) -> None:
    async def body() -> StreamEvent:
        stream, seen = fast_stream(served.url), Recorder()
        stream.subscribe(seen)
        stream.start()
        stream.set_instrument("MES")
        await seen.wait_for(quote_of("MES 12-26"))
        sim.set_price("MES", 6000.25)
        moved = await seen.wait_for(quote_of("MES 12-26", 6000.25))
        await stream.aclose()
        return moved

    moved = run(body)
    assert isinstance(moved, StreamQuote)
    assert (moved.bid, moved.ask, moved.last) == (6000.25, 6000.5, 6000.25)
    assert moved.volume is not None and moved.received_at <= time.monotonic()


def test_pnl_updates_after_a_fill_and_a_price_move(sim: Simulator, served: ServedSim) -> None:
    last = sim.quote_api("MES")["last"]
    order = {"instrument": "MES", "action": "BUY", "orderType": "MARKET", "quantity": 1,
             "timeInForce": "DAY"}
    placed = httpx.post(f"{served.url}/v1/api/accounts/Sim101/orders/place", json=order,
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert placed.status_code == 200  # bought at the ask, one tick over last

    def sim101_pnl(event: StreamEvent) -> float | None:
        if not isinstance(event, StreamPnl):
            return None
        account = next(a for a in event.accounts if a.account == "Sim101")
        positions = [p for p in account.positions or () if p.instrument == "MES 12-26"]
        return positions[0].unrealized_pnl if positions else None

    async def body() -> StreamEvent:
        stream, seen = fast_stream(served.url), Recorder()
        stream.subscribe(seen)
        stream.start()
        await seen.wait_for(lambda e: sim101_pnl(e) == -1.25)  # the spread paid
        sim.set_price("MES", last + 2.0)
        update = await seen.wait_for(lambda e: sim101_pnl(e) == 8.75)  # 7 ticks x $1.25
        await stream.aclose()
        return update

    update = run(body)
    assert isinstance(update, StreamPnl) and update.epoch is not None
    (sim101,) = [a for a in update.accounts if a.account == "Sim101"]
    assert (sim101.unrealized, sim101.realized) == (8.75, 0.0)
    assert sim101.positions is not None and sim101.positions[0].market_position == "Long"


def test_dropped_connection_reconnects_and_resubscribes(sim: Simulator, served: ServedSim) -> None:
    async def body() -> Recorder:
        stream, seen = fast_stream(served.url), Recorder()
        stream.subscribe(seen)
        stream.start()
        stream.set_instrument("NQ")
        await seen.wait_for(quote_of("NQ 12-26"))
        assert sim.stream_drop() == 1
        await seen.wait_for(lambda e: isinstance(e, StreamState) and e.state == "reconnecting")
        await until(lambda: stream.connections == 2 and sim.stream_subscriptions() == {
            "NQ 12-26": 1})
        sim.set_price("NQ", 20000.0)
        await seen.wait_for(quote_of("NQ 12-26", 20000.0))
        await stream.aclose()
        return seen

    seen = run(body)
    assert sim.stream_actions() == {"streamPnl": 2, "subscribe": 2}
    assert [s.state for s in seen.states()] == [
        "connecting", "live", "reconnecting", "reconnecting", "live", "closed"]
    assert seen.states()[2].detail.startswith("Connection lost; retrying in")


def test_it_connects_once_the_server_comes_up(sim: Simulator) -> None:
    with socket.socket() as probe:  # a port nobody listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def body() -> None:
        stream, seen = fast_stream(f"http://127.0.0.1:{port}"), Recorder()
        stream.subscribe(seen)
        stream.start()
        stream.set_instrument("CL")
        await until(lambda: len(seen.states()) >= 4)  # a few refused connects, backing off
        assert all(s.state in ("connecting", "reconnecting") for s in seen.states())
        with serve_in_thread(create_app(sim), port=port):
            await seen.wait_for(quote_of("CL 12-26"), timeout=3)
            await stream.aclose()

    run(body)


def test_garbage_frames_are_logged_and_skipped(sim: Simulator, served: ServedSim,
                                               caplog: pytest.LogCaptureFixture) -> None:
    sim.stream_garbage = True

    async def body() -> StreamClient:
        stream, seen = fast_stream(served.url), Recorder()
        stream.subscribe(seen)
        stream.start()
        stream.set_instrument("GC")
        await seen.wait_for(quote_of("GC 12-26"))
        await until(lambda: stream.bad_frames >= 8)  # every kind of junk seen
        sim.set_price("GC", 2500.0)
        await seen.wait_for(quote_of("GC 12-26", 2500.0))
        await stream.aclose()
        return stream

    stream = run(body)
    assert stream.connections == 1  # never fatal: the same connection throughout
    assert "stream: skipped" in caplog.text


def test_rapid_switching_of_ten_instruments_leaves_exactly_one_subscription(
        sim: Simulator, served: ServedSim) -> None:
    roots = list(CATALOGUE)[:10]

    async def body() -> None:
        stream, seen = fast_stream(served.url, settle=0.1), Recorder()
        stream.subscribe(seen)
        stream.start()
        stream.set_instrument("ES")
        await seen.wait_for(quote_of("ES 12-26"))
        for root in roots:  # a trader scrolling the instrument list
            stream.set_instrument(root)
            await asyncio.sleep(0.01)
        await until(lambda: sim.stream_subscriptions() == {f"{roots[-1]} 12-26": 1})
        await asyncio.sleep(0.2)  # nothing more goes out
        await stream.aclose()

    run(body)
    # ES, then straight to the last one: coalesced, well inside the ~20/min cap.
    assert sim.stream_actions() == {"streamPnl": 1, "subscribe": 2, "unsubscribe": 1}


def test_bad_token_is_refused_reported_and_not_retried(served: ServedSim) -> None:
    served.sim.token = TOKEN

    async def body() -> Recorder:
        stream, seen = fast_stream(served.url, token=WRONG_TOKEN), Recorder()
        stream.subscribe(seen)
        stream.start()
        await seen.wait_for(lambda e: isinstance(e, StreamState) and e.auth_failed)
        await asyncio.sleep(0.3)  # with a 20 ms backoff, a retry loop would show here
        assert served.sim.streams.handshakes == {401: 1}
        stream.set_token(TOKEN)  # the trader entered the right one
        await seen.wait_for(live)
        await stream.aclose()
        return seen

    refused = run(body).states()[1]
    assert refused.state == "closed" and "refused the API token (HTTP 401)" in refused.detail
    assert served.sim.streams.handshakes == {401: 1, 101: 1}


def test_an_unsendable_token_is_reported_without_a_handshake(served: ServedSim) -> None:
    async def body() -> StreamState:
        stream = fast_stream(served.url, token=f"{TOKEN}\r\nX-Extra: 1")
        stream.start()
        await until(lambda: stream.state.auth_failed)
        refused = stream.state
        await stream.aclose()
        return refused

    refused = run(body)
    assert refused.state == "closed" and "cannot be sent" in refused.detail
    assert served.sim.streams.handshakes == {}  # nothing went out, let alone in a loop


def test_the_token_reaches_no_log_repr_or_state(sim: Simulator, served: ServedSim,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # websockets would log the handshake headers at DEBUG
    sim.token = TOKEN
    sim.stream_garbage = True

    async def one(token: str) -> list[str]:
        stream, seen = fast_stream(served.url, token=token), Recorder()
        stream.subscribe(seen)
        stream.start()
        await seen.wait_for(lambda e: isinstance(e, StreamState) and e.state != "connecting")
        if token == TOKEN:
            await until(lambda: stream.bad_frames >= 5)  # junk of every kind was logged
        sim.stream_drop()
        await asyncio.sleep(0.1)
        texts = [repr(stream), str(stream.__dict__), *map(repr, seen.events)]
        await stream.aclose()
        return texts

    async def body() -> list[str]:
        return await one(WRONG_TOKEN) + await one(TOKEN)

    texts = run(body)
    assert "unknown type" in caplog.text  # DEBUG lines were captured
    for token in (TOKEN, WRONG_TOKEN):
        assert token not in caplog.text
        assert not [text for text in texts if token in text]


def test_clean_close_sends_a_close_frame_and_stops(sim: Simulator, served: ServedSim) -> None:
    async def body() -> Recorder:
        stream, seen = fast_stream(served.url), Recorder()
        stream.subscribe(seen)
        stream.start()
        stream.set_instrument("ZN")
        await seen.wait_for(quote_of("ZN 12-26"))
        await stream.aclose()
        await asyncio.sleep(0.2)  # no reconnect follows
        return seen

    seen = run(body)
    assert sim.streams.close_codes == [1000]
    assert sim.streams.live == 0 and sim.streams.handshakes == {101: 1}
    assert seen.states()[-1].state == "closed"


def test_a_failing_listener_does_not_stop_the_stream(sim: Simulator, served: ServedSim) -> None:
    def broken(event: StreamEvent) -> None:
        raise RuntimeError("a view bug")

    async def body() -> None:
        stream, seen = fast_stream(served.url), Recorder()
        stream.subscribe(broken)
        stream.subscribe(seen)
        stream.start()
        stream.set_instrument("6E")
        await seen.wait_for(quote_of("6E 12-26"))
        sim.set_price("6E", 1.1)
        await seen.wait_for(quote_of("6E 12-26", 1.1))
        await stream.aclose()

    run(body)


# --- pacing and parsing, without a network ------------------------------------------------


def test_backoff_doubles_to_its_cap_with_jitter_below_the_nominal_delay() -> None:
    backoff, rng = Backoff(first=0.5, cap=30.0, jitter=0.5), random.Random(7)
    delays = [backoff.delay(attempt, rng) for attempt in range(10)]
    nominal = [min(30.0, 0.5 * 2**n) for n in range(10)]
    assert all(n / 2 <= d <= n for d, n in zip(delays, nominal, strict=True))
    assert max(delays) <= 30.0 and delays[-1] >= 15.0


def test_change_budget_is_a_sliding_window() -> None:
    now = [0.0]
    budget = ChangeBudget(limit=3, window=60.0, clock=lambda: now[0])
    for _ in range(3):
        assert budget.wait_time() == 0.0
        budget.spend()
        now[0] += 1.0
    assert budget.wait_time() == 57.0  # the first change leaves the window at t=60
    now[0] = 60.0
    assert budget.wait_time() == 0.0
    budget.pause(10.0)
    assert budget.wait_time() == 10.0


def test_subscriptions_never_exceed_the_budget_while_switching() -> None:
    sent: list[tuple[float, str]] = []

    async def body() -> Subscriptions:
        subs = Subscriptions(0.0, ChangeBudget(2, 0.3, time.monotonic), time.monotonic)

        async def send(frame: str) -> None:
            sent.append((time.monotonic(), frame))

        keeper = asyncio.create_task(subs.keep(send))
        for name in ("A", "B", "C", "D"):
            subs.want(name)
            await asyncio.sleep(0.05)
        await until(lambda: subs.subscribed == {"D"}, timeout=3)
        keeper.cancel()
        return subs

    run(body)
    stamps = [stamp for stamp, _ in sent]
    assert all(later - earlier >= 0.29 for earlier, later in zip(stamps, stamps[2:], strict=False))
    assert '"subscribe", "instruments": ["D"]' in sent[-2][1] + sent[-1][1]


def test_every_garbage_frame_is_a_shape_error_or_harmless() -> None:
    for data in GARBAGE_FRAMES:
        try:
            frame = parse_frame(data, 1.0)
        except ShapeError:
            continue
        assert isinstance(frame, UnknownFrame | Pong | MarketData)
        if isinstance(frame, MarketData):
            assert frame.quotes == () and frame.skipped == 3


def test_parse_accepts_the_snapshot_shape_rpc_replies_and_error_frames() -> None:
    snapshot = ('{"type":"pnlUpdate","epoch":5,"accounts":[{"account":{"name":"Sim101",'
                '"item":{"realizedProfitLoss":1.5,"unrealizedProfitLoss":-2}},"positions":[]}]}')
    pnl = parse_frame(snapshot, 1.0)
    assert isinstance(pnl, StreamPnl)
    assert (pnl.accounts[0].account, pnl.accounts[0].realized, pnl.accounts[0].unrealized,
            pnl.accounts[0].positions) == ("Sim101", 1.5, -2.0, ())
    assert parse_frame('{"id":"req-1","data":{"success":true}}', 1.0) == RpcReply(
        "req-1", {"success": True})
    error = parse_frame('{"type":"error","error":"Rate limit exceeded","action":"subscribe",'
                        '"instruments":["ES"]}', 1.0)
    assert error == ServerError("Rate limit exceeded", "", "subscribe", ("ES",))
