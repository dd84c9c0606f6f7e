"""A simulated CrossTrade API in front of a simulated NinjaTrader 8, for tests and demos.

It never imports ``ct_ticket.api``: a client bug must not hide behind a matching simulator bug.

    sim = Simulator(token=None, seed=1)
    with serve_in_thread(create_app(sim)) as served:
        ...  # point the client at served.url, then inspect sim.requests / sim.position(...)
"""

from typing import TYPE_CHECKING, Any

from ct_ticket.sim.errors import SimError
from ct_ticket.sim.http import SimHttp
from ct_ticket.sim.instruments import CATALOGUE, DEFAULT_FRONT_MONTH, Contract
from ct_ticket.sim.market import Simulator
from ct_ticket.sim.traffic import RecordedRequest

if TYPE_CHECKING:
    from ct_ticket.sim.app import create_app
    from ct_ticket.sim.server import ServedSim, serve_in_thread


def __getattr__(name: str) -> Any:
    # The server needs uvicorn (the `sim`/`test` extras); `--demo` runs the app in-process
    # and must start from a plain install, so the server is imported only when asked for.
    # Starlette too: `--demo` answers its REST calls with `SimHttp` alone (a lighter first
    # load) and builds the Starlette app only to serve the stream.
    if name in ("ServedSim", "serve_in_thread"):
        from ct_ticket.sim import server

        return getattr(server, name)
    if name == "create_app":
        from ct_ticket.sim.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "CATALOGUE",
    "DEFAULT_FRONT_MONTH",
    "Contract",
    "RecordedRequest",
    "ServedSim",
    "SimError",
    "SimHttp",
    "Simulator",
    "create_app",
    "serve_in_thread",
]
