"""The ticket's own connections (`api/sockets.py`, `http1.py`, `lanes.py`) under real sockets:
orders over TLS on one verified keep-alive connection, an untrusted certificate refused before a
byte of the order leaves, a connection the server closed while idle replaced without a word, and
an answer larger than the read buffer arriving whole while the reader is slow. Then the parts a
real server seldom shows: a proxy's tunnel, a compressed answer, a server that closes after
answering."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import trustme

from ct_ticket.api import CrossTradeClient, TransportError
from ct_ticket.api.budget import RateBudget
from ct_ticket.api.sockets import open_pipe
from ct_ticket.model import build_order
from ct_ticket.sim import Simulator, create_app, serve_in_thread

TOKEN = "ct-sockets-token-41c9e7"


class Clients:
    """ASGI middleware: the client ends (address, port) each request came from, in order."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, int]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append(tuple(scope["client"]))
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """(CA file, certificate file, key file) for 127.0.0.1, from a throwaway CA."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    paths = [folder / "ca.pem", folder / "cert.pem", folder / "key.pem"]
    ca.cert_pem.write_to_path(str(paths[0]))
    issued.cert_chain_pems[0].write_to_path(str(paths[1]))
    issued.private_key_pem.write_to_path(str(paths[2]))
    return str(paths[0]), str(paths[1]), str(paths[2])


@pytest.fixture
def tls_sim(certificate: tuple[str, str, str]) -> Iterator[tuple[Simulator, Clients, str]]:
    sim = Simulator(seed=3)
    sim.rate_limit_enabled = False
    clients = Clients(create_app(sim))
    with serve_in_thread(clients, tls=(certificate[1], certificate[2]), keep_alive_s=1) as served:
        yield sim, clients, served.url


def _order(account: str = "Sim101") -> Any:
    return build_order(account=account, instrument="MES 12-25", side="BUY", quantity=1,
                       order_type="MARKET")


def _client(url: str, verify: bool | str) -> CrossTradeClient:
    return CrossTradeClient(TOKEN, base_url=url, verify=verify, get_retries=0,
                            budget=RateBudget(per_minute=60_000, burst=100))


def test_orders_over_tls_go_out_on_one_verified_keep_alive_connection(
        tls_sim: tuple[Simulator, Clients, str], certificate: tuple[str, str, str]) -> None:
    sim, clients, url = tls_sim

    async def main() -> list[Any]:
        async with _client(url, certificate[0]) as client:
            return [await client.place(_order()) for _ in range(3)]

    acks = asyncio.run(main())
    assert len({ack.order_id for ack in acks}) == 3
    assert len([r for r in sim.requests if r.path.endswith("/orders/place")]) == 3
    assert len(clients.seen) == 3 and len(set(clients.seen)) == 1  # one connection, reused


def test_an_untrusted_certificate_fails_before_the_order_is_sent(
        tls_sim: tuple[Simulator, Clients, str]) -> None:
    sim, clients, url = tls_sim

    async def main() -> None:
        async with _client(url, True) as client:  # the system's CAs: the test CA is not one
            await client.place(_order())

    with pytest.raises(TransportError) as failed:
        asyncio.run(main())
    assert failed.value.request_sent is False
    assert failed.value.may_have_executed is False  # said "not sent", never "unknown"
    assert clients.seen == [] and sim.requests == []


def test_a_connection_the_server_closed_while_idle_is_replaced_quietly(
        tls_sim: tuple[Simulator, Clients, str], certificate: tuple[str, str, str]) -> None:
    _sim, clients, url = tls_sim

    async def main() -> None:
        async with _client(url, certificate[0]) as client:
            await client.list_accounts()
            await asyncio.sleep(1.6)  # the server's keep-alive (1 s) ends the idle connection
            await client.place(_order())

    asyncio.run(main())
    assert len(clients.seen) == 2 and clients.seen[0] != clients.seen[1]


def test_an_answer_larger_than_the_read_buffer_arrives_whole_for_a_slow_reader() -> None:
    body = bytes(range(256)) * 8 * 1024  # 2 MiB, eight times the buffer's high-water mark
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(body)

    threading.Thread(target=serve, daemon=True).start()

    async def main() -> tuple[bytes, bool]:
        pipe = await open_pipe("127.0.0.1", port, tls=None, proxy=None, timeout=5)
        received, paused = bytearray(), False
        while await pipe.arrival(5) and (pipe.buffer or not pipe.ended):
            paused = paused or pipe._reading_paused
            received += pipe.take()
            await asyncio.sleep(0.002)  # slower than loopback delivers
        pipe.close()
        return bytes(received), paused

    try:
        received, paused = asyncio.run(main())
    finally:
        listener.close()
    assert received == body
    assert paused  # the transport was told to stop reading while the buffer was full


def test_a_silent_server_ends_the_wait_at_its_timeout() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    async def main() -> bool:
        pipe = await open_pipe("127.0.0.1", port, tls=None, proxy=None, timeout=5)
        try:
            return await pipe.arrival(0.2)
        finally:
            pipe.close()

    try:
        assert asyncio.run(main()) is False  # nothing arrived: the wait said so, in time
    finally:
        listener.close()
