"""Deadlines for the whole exchange, and a connection budget that never queues silently.

A server that trickles its answer one byte at a time defeats httpx's read timeout (it restarts
with every byte); the client's deadline covers connect, send and every byte of the answer. When
slow answers hold every connection a read may use, the next read fails fast with "CrossTrade is
slow: N requests waiting", while an order still finds the connection kept for orders.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from faultserver import FaultServer

from ct_ticket.api import (
    CrossTradeClient,
    SlowServerError,
    Timeouts,
    TransportError,
)
from ct_ticket.api.requester import MAX_CONNECTIONS, READ_CONNECTIONS
from ct_ticket.model import build_order
from ct_ticket.sim import Simulator, create_app

TOKEN = "ct-deadline-token-93be10"
T = TypeVar("T")
ORDER = build_order(account="Sim101", instrument="MES 12-25", side="BUY", quantity=1,
                    order_type="MARKET", time_in_force="DAY")


class TrickleServer:
    """Answers every request with a 200 whose body arrives one byte per `interval` seconds."""

    def __init__(self, interval: float = 1.0, body: bytes = b'{"orderId": "slow-1", '
                 b'"success": true}') -> None:
        self.interval = interval
        self.body = body
        self.requests = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(rest) < length:
                rest += conn.recv(65536)
            self.requests += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(self.body))
            for byte in self.body:
                if self._stop.wait(self.interval):
                    return
                conn.sendall(bytes([byte]))

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)


@pytest.fixture
def trickle() -> Iterator[TrickleServer]:
    server = TrickleServer(interval=1.0)
    yield server
    server.close()


def run(url: str, call: Callable[[CrossTradeClient], Awaitable[T]], timeouts: Timeouts,
        **options: Any) -> T:
    async def main() -> T:
        async with CrossTradeClient(TOKEN, base_url=url, timeouts=timeouts, backoff=0.01,
                                    **options) as client:
            return await call(client)
    return asyncio.run(main())


def timed_failure(url: str, call: Callable[[CrossTradeClient], Awaitable[Any]],
                  timeouts: Timeouts, **options: Any) -> tuple[TransportError, float]:
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        run(url, call, timeouts, **options)
    return caught.value, time.monotonic() - started


def test_default_order_deadline_is_about_ten_seconds() -> None:
    timeouts = Timeouts()
    assert timeouts.order_deadline == 10.0
    assert timeouts.deadline("POST") == timeouts.deadline("PUT") == 10.0
    assert timeouts.deadline("GET") == timeouts.read_deadline


def test_order_post_answer_trickling_in_ends_at_the_deadline_as_unknown(
        trickle: TrickleServer) -> None:
    # One byte a second never trips a 5 s read timeout; only the 1.5 s deadline can stop it.
    error, elapsed = timed_failure(trickle.url, lambda c: c.place(ORDER),
                                   Timeouts(connect=1, read=5, order_deadline=1.5))
    assert 1.4 <= elapsed < 3.0
    assert error.may_have_executed and error.request_sent
    assert "within 1.5 s" in error.message
    assert "may have gone through" in error.outcome_note
    assert trickle.requests == 1  # sent once, never again


def test_order_change_trickling_in_is_unknown_too(trickle: TrickleServer) -> None:
    error, elapsed = timed_failure(
        trickle.url, lambda c: c.change_order("Sim101", "abc", limit_price=Decimal("6850")),
        Timeouts(connect=1, read=5, order_deadline=1.0))
    assert 0.9 <= elapsed < 2.5
    assert error.may_have_executed
    assert trickle.requests == 1


def test_read_trickling_in_ends_at_its_own_deadline(trickle: TrickleServer) -> None:
    error, elapsed = timed_failure(trickle.url, lambda c: c.get_order("Sim101", "abc"),
                                   Timeouts(connect=1, read=5, read_deadline=1.0),
                                   get_retries=1)
    assert 1.9 <= elapsed < 4.0  # two attempts of one second each
    assert not error.may_have_executed
    assert trickle.requests == 2


# --- the connection budget -------------------------------------------------------------------


@pytest.fixture
def faults(served: tuple[Any, str]) -> Iterator[FaultServer]:
    served[0].app = create_app(Simulator(seed=7))
    with FaultServer(upstream=served[1]) as server:
        yield server


def test_slow_reads_fill_their_connections_then_the_next_says_crosstrade_is_slow(
        faults: FaultServer) -> None:
    faults.inject("hang", method="GET", path="/positions")
    timeouts = Timeouts(connect=1, read=30, read_deadline=30, pool=0.3)

    async def main() -> Any:
        async with CrossTradeClient(TOKEN, base_url=faults.url, timeouts=timeouts,
                                    get_retries=0) as client:
            hanging = [asyncio.create_task(client.account_positions("Sim101"))
                       for _ in range(READ_CONNECTIONS)]
            while faults.count("GET", "/positions") < READ_CONNECTIONS:
                await asyncio.sleep(0.01)
            # The order still goes out and is answered: one connection is kept for orders.
            ack = await client.place(ORDER)
            started = time.monotonic()
            queued = [asyncio.create_task(client.quote("MES 12-25")) for _ in range(2)]
            await asyncio.sleep(0.1)
            waiting_seen = client.requests_waiting
            outcomes = await asyncio.gather(*queued, return_exceptions=True)
            elapsed = time.monotonic() - started
            for task in hanging:
                task.cancel()
            await asyncio.gather(*hanging, return_exceptions=True)
            return ack, waiting_seen, outcomes, elapsed, client.requests_waiting

    ack, waiting_seen, outcomes, elapsed, waiting_after = asyncio.run(main())
    assert ack.order_id
    assert waiting_seen == 2
    assert all(isinstance(o, SlowServerError) for o in outcomes)
    assert sorted(o.waiting for o in outcomes) == [1, 2]  # type: ignore[union-attr]
    messages = {o.trader_message for o in outcomes}  # type: ignore[union-attr]
    assert messages == {"CrossTrade is slow: 2 requests waiting.",
                        "CrossTrade is slow: 1 request waiting."}
    assert all("cannot reach" not in m.lower() for m in messages)
    assert not any(o.may_have_executed for o in outcomes)  # type: ignore[union-attr]
    assert elapsed < 1.0
    assert waiting_after == 0
    assert faults.count("GET", "/market/quote") == 0  # never sent


def test_slow_orders_do_not_make_an_order_wait_forever_either(faults: FaultServer) -> None:
    faults.inject("hang", method="POST", path="/orders/place")
    timeouts = Timeouts(connect=1, read=30, order_deadline=30, pool=0.3)

    async def main() -> Any:
        async with CrossTradeClient(TOKEN, base_url=faults.url, timeouts=timeouts) as client:
            hanging = [asyncio.create_task(client.place(ORDER)) for _ in range(MAX_CONNECTIONS)]
            while faults.count("POST", "/orders/place") < MAX_CONNECTIONS:
                await asyncio.sleep(0.01)
            outcome = await asyncio.gather(client.place(ORDER), return_exceptions=True)
            for task in hanging:
                task.cancel()
            await asyncio.gather(*hanging, return_exceptions=True)
            return outcome[0]

    outcome = asyncio.run(main())
    assert isinstance(outcome, SlowServerError)
    assert not outcome.may_have_executed and outcome.outcome_note == "Nothing was placed."
    assert faults.count("POST", "/orders/place") == MAX_CONNECTIONS
