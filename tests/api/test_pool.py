"""Connections under a burst: a group's 20 orders are in the server at once, each on a connection
of its own, and the connections stay open for the next send; a request that fails to connect
gives its connection back at once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from ct_ticket.api import CrossTradeClient, TransportError
from ct_ticket.api.budget import RateBudget
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
        self.connections: list[set[tuple[str, int]]] = []  # per burst: the client ends seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/orders/place"):
            await self.app(scope, receive, send)
            return
        key = id(scope)
        if not self.inside:
            self.connections.append(set())
        self.connections[-1].add(scope["client"])
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
    probe = Probe(create_app(sim), hold=0.5)
    served[0].app = probe
    yield probe, served[1]


def test_a_group_of_20_orders_is_in_the_server_at_once_each_on_its_own_connection(
        probe: tuple[Probe, str]) -> None:
    server, url = probe

    async def main() -> list[Any]:
        budget = RateBudget(per_minute=60_000, burst=100)  # two bursts back to back
        async with CrossTradeClient(TOKEN, base_url=url, budget=budget) as client:
            accounts = [account.name for account in await client.list_accounts()]
            orders = [build_order(account=name, instrument="MES 12-25", side="BUY", quantity=1,
                                  order_type="MARKET") for name in accounts[:MEMBERS]]
            first = await asyncio.gather(*(client.place(order) for order in orders))
            return [*first, *await asyncio.gather(*(client.place(order) for order in orders))]

    acks = asyncio.run(main())
    assert len({ack.order_id for ack in acks}) == 2 * MEMBERS
    assert server.most_inside == MEMBERS
    assert server.most_connections == MEMBERS
    # The second send found the first one's connections open: no new connection was made.
    first, second = server.connections
    assert len(first) == MEMBERS and second == first


def test_a_request_that_cannot_connect_does_not_hold_up_the_next() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens there: connecting fails at once

    async def main() -> list[Any]:
        async with CrossTradeClient(TOKEN, base_url=dead_url, get_retries=0,
                                    budget=RateBudget(per_minute=60_000, burst=100)) as client:
            # Many more than there are connections: each failure must give its one back.
            return await asyncio.wait_for(asyncio.gather(
                *(client.list_accounts() for _ in range(60)), return_exceptions=True), 10)

    failed = asyncio.run(main())
    assert len(failed) == 60
    assert all(isinstance(error, TransportError) for error in failed)
