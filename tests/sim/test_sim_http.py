"""`SimHttp`, the simulator's HTTP side that `--demo` calls in-process without Starlette,
answers every kind of request with the same bytes as the served Starlette app: the status, the
headers in order and the body, and records the same requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from sim_clock import FakeClock

from ct_ticket.sim import SimHttp, Simulator, create_app

AUTH = {"Authorization": "Bearer demo"}
ORDER = {"instrument": "ES 12-26", "action": "BUY", "orderType": "MARKET", "quantity": 1,
         "timeInForce": "DAY"}
# (method, path, headers, body, what the test does to both simulators first)
Step = tuple[str, str, dict[str, str], bytes | None, Callable[[Simulator], Any] | None]
SCRIPT: list[Step] = [
    ("GET", "/", {}, None, None),  # the marketing site's 404 page
    ("GET", "/v1/api/accounts", {}, None, None),  # no token: 401
    ("GET", "/v1/api/accounts", AUTH, None, None),
    ("HEAD", "/v1/api/accounts", AUTH, None, None),
    ("GET", "/v1/api/accounts/Sim101/position?instrument=ES%2012-26", AUTH, None, None),
    ("POST", "/v1/api/accounts/Sim101/orders/place", {**AUTH, "Content-Type": "application/json"},
     b'{"instrument":"ES 12-26","action":"BUY","orderType":"MARKET","quantity":1,'
     b'"timeInForce":"DAY"}', None),
    ("POST", "/v1/api/accounts/Sim101/orders/place", {**AUTH, "Content-Type": "application/json"},
     b"not json", None),
    ("POST", "/v1/api/accounts/Sim101/orders/place",
     {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}, b"a=1", None),
    ("DELETE", "/v1/api/accounts", AUTH, None, None),  # a known path, another method: 405
    ("GET", "/v1/api/acounts", AUTH, None, None),  # 404 with did_you_mean
    ("TRACE", "/v1/api/accounts", AUTH, None, None),  # a method no route takes
    ("GET", "/v1/api/accounts/Prop%20Firm%2F01", AUTH, None, None),
    ("POST", "/v1/api/accounts/Sim101/orders/place", {**AUTH, "Content-Type": "application/json"},
     b'{"instrument":"ES 12-26","action":"SELL","orderType":"MARKET","quantity":1,'
     b'"timeInForce":"DAY"}', lambda sim: sim.fail_next_order(503)),
    ("GET", "/v1/api/accounts", AUTH, None,
     lambda sim: setattr(sim, "nt_connected", False)),  # NT8 away: 408
    *[("GET", "/v1/api/_endpoints", AUTH, None, None)] * 21,  # the bucket runs out: 429
]


async def _run(app: Any, sim: Simulator) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    answers = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for method, path, headers, body, before in SCRIPT:
            if before is not None:
                before(sim)
            response = await client.request(method, path, headers=headers, content=body)
            answers.append((response.status_code, _normal(response.headers.multi_items()),
                            response.content))
    return answers


def _normal(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers in order; Starlette lists a route's `allow` methods from a set, in any order."""
    return [(name, ", ".join(sorted(value.split(", "))) if name == "allow" else value)
            for name, value in headers]


def test_sim_http_answers_as_the_starlette_app_does() -> None:
    served, plain = (Simulator(seed=7, clock=FakeClock(), walk_interval=None) for _ in "ab")
    through_starlette = asyncio.run(_run(create_app(served), served))
    in_process = asyncio.run(_run(SimHttp(plain), plain))
    statuses = [status for status, _headers, _body in in_process]
    assert {200, 400, 401, 404, 405, 408, 429, 503} <= set(statuses)  # every kind was asked
    for step, (expected, got) in enumerate(zip(through_starlette, in_process, strict=True)):
        assert got == expected, (step, SCRIPT[step][:2])
    assert ([(r.method, r.path, r.status) for r in plain.requests]
            == [(r.method, r.path, r.status) for r in served.requests])
