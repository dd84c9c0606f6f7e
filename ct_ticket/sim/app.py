"""The simulated CrossTrade API as a Starlette app: ``create_app(sim)``, for a served simulator.

HTTP is answered by ``ct_ticket.sim.http`` (the same app ``--demo`` calls in-process); the
WebSocket stream at ``/ws/stream`` is served by ``ct_ticket.sim.stream`` (not recorded there).
"""

from __future__ import annotations

from functools import partial

from starlette.applications import Starlette
from starlette.routing import Route

from ct_ticket.sim.http import METHODS, SimHttp, authorized
from ct_ticket.sim.market import Simulator
from ct_ticket.sim.stream import stream_route

__all__ = ["create_app"]


def create_app(sim: Simulator) -> Starlette:
    """A Starlette app serving ``sim`` as the CrossTrade API; ``app.state.sim`` is ``sim``."""
    # The WebSocket stream (§10) has its own route; the catch-all below only matches HTTP.
    app = Starlette(routes=[
        stream_route(sim, partial(authorized, sim)),
        Route("/{path:path}", SimHttp(sim), methods=METHODS),
    ])
    app.state.sim = sim
    return app
