"""Fixtures for the simulator's own tests: a still market, a fake clock, a loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sim_clock import FakeClock

from ct_ticket.sim import ServedSim, Simulator, create_app, serve_in_thread


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    """A simulator whose prices stay put unless the test moves them."""
    return Simulator(seed=1, clock=clock, walk_interval=None)


class _AppSlot:
    """An ASGI app forwarding to whichever simulator app the current test put in it.

    One uvicorn server serves the whole session: stopping one per test costs ~0.2 s each.
    """

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def _slot_server() -> Iterator[tuple[_AppSlot, ServedSim]]:
    slot = _AppSlot()
    with serve_in_thread(slot) as running:
        yield slot, running


@pytest.fixture
def served(sim: Simulator, _slot_server: tuple[_AppSlot, ServedSim]) -> Iterator[ServedSim]:
    """The loopback server, answering from this test's ``sim``."""
    slot, running = _slot_server
    slot.app = create_app(sim)
    yield running
    slot.app = None


@pytest.fixture
def client(served: ServedSim) -> Iterator[httpx.Client]:
    """A plain HTTP client with a Bearer token, talking to the served simulator."""
    headers = {"Authorization": "Bearer test-token"}
    with httpx.Client(base_url=served.url, headers=headers, timeout=5) as http:
        yield http


def _order(
    instrument: str = "ES 12-26", quantity: int = 1, action: str = "BUY",
    order_type: str = "MARKET", **extra: Any,
) -> dict[str, Any]:
    return {
        "instrument": instrument, "action": action, "orderType": order_type,
        "quantity": quantity, "timeInForce": "DAY", **extra,
    }


@pytest.fixture
def order() -> Any:
    """Builds a place-order body in the documented upper-case spelling."""
    return _order
