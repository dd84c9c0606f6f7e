"""The connection pool under a burst: a group's 20 orders are in the server at once, each on a
connection of its own; the pool's cheap "has the server closed you?" check sees a closed socket;
a request that fails before it reaches a connection never holds up the next one."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ct_ticket.api import CrossTradeClient, TransportError
from ct_ticket.api import pool as pool_module
from ct_ticket.model import build_order
from ct_ticket.sim import Simulator, create_app

TOKEN = "ct-pool-token-6e02d1"
MEMBERS = 20


class Probe:
    """ASGI middleware: holds each order POST `hold` seconds and counts, at the most, how many
    requests and how many distinct client connections were inside at once."""

    def __init__(self, app: Any, hold: float) -> None:
        self.app = app
        self.hold = hold
        self.inside: dict[int, tuple[str, int]] = {}
        self.most_inside = 0
        self.most_connections = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/orders/place"):
            await self.app(scope, receive, send)
            return
        key = id(scope)
        self.inside[key] = scope["client"]
        self.most_inside = max(self.most_inside, len(self.inside))
        self.most_connections = max(self.most_connections, len(set(self.inside.values())))
        try:
            await asyncio.sleep(self.hold)
            await self.app(scope, receive, send)
        finally:
            del self.inside[key]


@pytest.fixture
def probe(served: tuple[Any, str]) -> Iterator[tuple[Probe, str]]:
    sim = Simulator(seed=5, accounts=MEMBERS)
    sim.rate_limit_enabled = False  # the client's own budget still paces every request
    probe = Probe(create_app(sim), hold=1.5)  # longer than the budget makes the 20th wait
    served[0].app = probe
    yield probe, served[1]


def test_a_group_of_20_orders_is_in_the_server_at_once_each_on_its_own_connection(
        probe: tuple[Probe, str]) -> None:
    server, url = probe

    async def main() -> list[Any]:
        async with CrossTradeClient(TOKEN, base_url=url) as client:
            accounts = [account.name for account in await client.list_accounts()]
            orders = [build_order(account=name, instrument="MES 12-25", side="BUY", quantity=1,
                                  order_type="MARKET") for name in accounts[:MEMBERS]]
            return await asyncio.gather(*(client.place(order) for order in orders))

    acks = asyncio.run(main())
    assert len({ack.order_id for ack in acks}) == MEMBERS
    assert server.most_inside == MEMBERS
    assert server.most_connections == MEMBERS


def test_the_cheap_check_sees_a_connection_the_server_closed() -> None:
    ours, theirs = socket.socketpair()
    try:
        assert not pool_module.is_readable(ours)  # open and quiet: reusable
        theirs.close()
        assert pool_module.is_readable(ours)  # closed by the other side: its end is waiting
    finally:
        ours.close()
    assert pool_module.is_readable(ours)  # gone: treated as ended, never reused
    assert pool_module.is_readable(None)


def test_the_client_pool_uses_the_cheap_checks() -> None:
    transport = httpx.AsyncHTTPTransport()
    assert pool_module.install(transport)
    backend = transport._pool._network_backend  # what the pool opens its connections with
    assert isinstance(backend, pool_module.CheapChecksBackend)


def test_a_request_that_cannot_connect_does_not_hold_up_the_next() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens there: connecting fails at once

    async def main() -> list[Any]:
        async with CrossTradeClient(TOKEN, base_url=dead_url, get_retries=0) as client:
            # Each waits for the one before it to reach a connection; a failure must let the
            # next go at once, not at the first one's 15 s deadline.
            return await asyncio.wait_for(asyncio.gather(
                *(client.list_accounts() for _ in range(3)), return_exceptions=True), 5)

    failed = asyncio.run(main())
    assert len(failed) == 3
    assert all(isinstance(error, TransportError) for error in failed)
