"""The simulator's WebSocket stream (§10) spoken to with a bare `websockets` client: the REST auth
rule at the handshake, the documented frame shapes, the ~20/min subscription-change cap, and the
test switches (drop, garbage, subscription counts)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sim_clock import FakeClock
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from ct_ticket.sim import ServedSim, Simulator
from ct_ticket.sim.stream import GARBAGE_FRAMES

T = TypeVar("T")
BEARER = {"Authorization": "Bearer test-token"}


def _ws_url(served: ServedSim) -> str:
    return f"ws://{served.host}:{served.port}/ws/stream"


def _run(served: ServedSim, body: Callable[[ClientConnection], Awaitable[T]]) -> T:
    async def main() -> T:
        async with connect(_ws_url(served), additional_headers=BEARER, open_timeout=3) as ws:
            return await asyncio.wait_for(body(ws), 5)

    return asyncio.run(main())


async def _send(ws: ClientConnection, **frame: Any) -> None:
    await ws.send(json.dumps(frame))


async def _next(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next frame of type ``kind``, skipping others."""
    while True:
        frame: dict[str, Any] = json.loads(await ws.recv())
        if frame.get("type") == kind:
            return frame


def _handshake_status(served: ServedSim, headers: dict[str, str]) -> InvalidStatus:
    async def main() -> InvalidStatus:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(_ws_url(served), additional_headers=headers, open_timeout=3):
                pass
        return refused.value

    return asyncio.run(main())


def test_handshake_without_a_bearer_token_is_refused_with_the_rest_401(served: ServedSim) -> None:
    refused = _handshake_status(served, {})
    assert refused.response.status_code == 401
    assert json.loads(refused.response.body)["error"] == "unauthorized"


def test_handshake_with_the_wrong_token_is_refused() -> None:
    from ct_ticket.sim import create_app, serve_in_thread

    with serve_in_thread(create_app(Simulator(token="right", walk_interval=None))) as served:
        refused = _handshake_status(served, {"Authorization": "Bearer wrong"})
        assert refused.response.status_code == 401
        assert served.sim.streams.handshakes == {401: 1}


def test_handshake_while_nt8_is_off_is_408(sim: Simulator, served: ServedSim) -> None:
    sim.nt_connected = False
    assert _handshake_status(served, BEARER).response.status_code == 408


def test_subscribe_pushes_the_quote_at_once_under_the_dated_name(
        sim: Simulator, served: ServedSim) -> None:
    async def body(ws: ClientConnection) -> dict[str, Any]:
        await _send(ws, action="subscribe", instruments=["MES"])
        frame = await _next(ws, "marketData")
        assert sim.stream_subscriptions() == {"MES 12-26": 1}
        await _send(ws, action="unsubscribe", instruments=["MES 12-26"])
        await _send(ws, action="ping")
        await _next(ws, "pong")
        assert sim.stream_subscriptions() == {}
        return frame

    frame = _run(served, body)
    (quote,) = frame["quotes"]
    assert set(quote) == {"instrument", "bid", "ask", "last", "volume"}
    assert quote["instrument"] == "MES 12-26"
    assert quote["ask"] == quote["bid"] + 0.25
    assert sim.stream_actions() == {"subscribe": 1, "unsubscribe": 1, "ping": 1}


def test_a_price_move_is_pushed_to_subscribers(sim: Simulator, served: ServedSim) -> None:
    async def body(ws: ClientConnection) -> float:
        await _send(ws, action="subscribe", instruments=["ES 12-26"])
        await _next(ws, "marketData")
        sim.set_price("ES", 6000.0)
        return float((await _next(ws, "marketData"))["quotes"][0]["last"])

    assert _run(served, body) == 6000.0


def test_stream_pnl_sends_every_account_with_its_positions(
        sim: Simulator, served: ServedSim) -> None:
    async def body(ws: ClientConnection) -> list[dict[str, Any]]:
        await _send(ws, action="streamPnl", enabled=True, interval=100)
        first = await _next(ws, "pnlUpdate")
        second = await _next(ws, "pnlUpdate")
        assert second["epoch"] >= first["epoch"]
        accounts: list[dict[str, Any]] = first["accounts"]
        return accounts

    accounts = {a["account"]: a for a in _run(served, body)}
    assert set(accounts) == {"Sim101", "Sim102", "Apex-12"}
    demo = accounts["Sim102"]
    assert {"realizedProfitLoss", "unrealizedProfitLoss", "positions"} <= set(demo)
    (position,) = demo["positions"]
    assert position["instrument"] == "MES 12-26" and position["quantity"] == 2
    # The demo position: long 2, 8 ticks under the market, $1.25 a tick.
    assert demo["unrealizedProfitLoss"] == position["unrealizedProfitLoss"] == 20.0


def test_subscription_changes_over_the_cap_are_refused(
        sim: Simulator, served: ServedSim, clock: FakeClock) -> None:
    async def body(ws: ClientConnection) -> list[dict[str, Any]]:
        for _ in range(5):  # ten changes, still in the first second
            await _send(ws, action="subscribe", instruments=["NQ"])
            await _send(ws, action="unsubscribe", instruments=["NQ"])
        await _send(ws, action="ping")
        await _next(ws, "pong")
        clock.advance(10)  # the cap refills 20/60 a second: 10 + 3.3 changes left
        for _ in range(7):
            await _send(ws, action="subscribe", instruments=["NQ"])
            await _send(ws, action="unsubscribe", instruments=["NQ"])
        await _send(ws, action="ping")
        frames = []
        while (frame := json.loads(await ws.recv())).get("type") != "pong":
            frames.append(frame)
        return frames

    errors = [f for f in _run(served, body) if f["type"] == "error"]
    assert errors == [{"type": "error", "error": "Rate limit exceeded",
                       "detail": "Market-data subscription changes are limited to about 20 per "
                                 "minute.", "action": "unsubscribe", "instruments": ["NQ"]}]
    assert sim.stream_actions()["refused"] == 1


def test_unknown_instruments_and_actions_get_error_frames(served: ServedSim) -> None:
    async def body(ws: ClientConnection) -> list[dict[str, Any]]:
        await _send(ws, action="subscribe", instruments=["NOPE 01-99"])
        await _send(ws, action="dance")
        await ws.send("{not json")
        return [await _next(ws, "error") for _ in range(3)]

    first, second, third = _run(served, body)
    assert (first["error"], first["action"], first["instruments"]) == (
        "invalid_instrument", "subscribe", ["NOPE 01-99"])
    assert second["error"] == "unknown_action"
    assert third["error"] == "bad_frame"


def test_stream_drop_ends_connections_without_a_close_frame(
        sim: Simulator, served: ServedSim) -> None:
    async def body(ws: ClientConnection) -> ConnectionClosedError:
        await _send(ws, action="subscribe", instruments=["MES"])
        await _next(ws, "marketData")
        assert sim.stream_drop() == 1
        with pytest.raises(ConnectionClosedError) as closed:
            while True:
                await ws.recv()
        return closed.value

    closed = _run(served, body)
    assert closed.rcvd is None  # no close frame: the socket just went
    assert sim.stream_subscriptions() == {} and sim.streams.live == 0


def test_garbage_mode_interleaves_every_kind_of_junk(sim: Simulator, served: ServedSim) -> None:
    sim.stream_garbage = True
    sim.streams.push_interval = 0.01

    async def body(ws: ClientConnection) -> list[str | bytes]:
        return [await ws.recv() for _ in range(len(GARBAGE_FRAMES))]

    assert _run(served, body) == list(GARBAGE_FRAMES)


def test_pnl_frames_can_leave_positions_out(sim: Simulator, served: ServedSim) -> None:
    sim.stream_pnl_positions = False

    async def body(ws: ClientConnection) -> list[dict[str, Any]]:
        await _send(ws, action="streamPnl", enabled=True, interval=100)
        accounts: list[dict[str, Any]] = (await _next(ws, "pnlUpdate"))["accounts"]
        return accounts

    accounts = _run(served, body)
    assert {a["account"] for a in accounts} == {"Sim101", "Sim102", "Apex-12"}
    assert all("positions" not in a for a in accounts)
    assert next(a for a in accounts if a["account"] == "Sim102")["unrealizedProfitLoss"] == 20.0


def test_rest_and_the_stream_spend_one_rate_budget(
        sim: Simulator, served: ServedSim, clock: FakeClock) -> None:
    import httpx

    with httpx.Client(base_url=served.url, headers=BEARER) as http:
        for _ in range(19):  # the handshake below takes the 20th token of the burst
            assert http.get("/v1/api/accounts").status_code == 200

    async def body(ws: ClientConnection) -> dict[str, Any]:
        await _send(ws, action="subscribe", instruments=["ES"])
        return await _next(ws, "error")

    refused = _run(served, body)
    assert refused["error"] == "Rate limit exceeded"
    with httpx.Client(base_url=served.url, headers=BEARER) as http:
        assert http.get("/v1/api/accounts").status_code == 429
        clock.advance(1.0)  # 3 a second refill, for REST and stream alike
        assert http.get("/v1/api/accounts").status_code == 200
