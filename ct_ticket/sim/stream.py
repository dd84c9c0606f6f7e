"""The simulated CrossTrade WebSocket stream (§10) at ``/ws/stream``: ``stream_route(sim, ...)``.

Handshake, in the order REST checks requests: a Bearer token (the REST rule, passed in by
``create_app``), else an HTTP 401 denial (a 1008 close when the server cannot send denials);
the shared rate bucket, else 429; NT8 connected, else 408.

Each client frame is charged to the shared bucket (over it: an ``error`` frame). Understood:

* ``subscribe``/``unsubscribe`` with ``instruments`` (any §3 form, kept as dated NT8 names);
  each frame is one change against the ~20/min cap and is refused with an ``error`` frame
  over it; a new subscription gets its quote at once;
* ``streamPnl`` with ``enabled`` and ``interval`` (ms; at least 100, default 1000);
* ``ping``, answered ``{"type": "pong"}``; ``rpc``, answered with a ``not_supported`` reply.

Every ``sim.streams.push_interval`` seconds while NT8 is connected the price walk is given its
chance (as a REST request would) and the connection gets ``marketData`` with the subscribed
quotes that changed, and ``pnlUpdate`` when its interval is due (with each account's
``positions`` unless ``sim.stream_pnl_positions`` is False). No order or fill frames: the
reference documents none (§10), so a client follows orders over REST. With ``sim.stream_garbage``
each push is preceded by a junk frame. ``sim.stream_drop()`` makes the endpoint return without
a close frame, so uvicorn closes the socket under the client, as a lost network would.

Error frames (CrossTrade's own shape is unconfirmed) look like
``{"type": "error", "error": ..., "detail": ...}``, with ``action`` and ``instruments`` added
when they answer a subscription change.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ct_ticket.sim.errors import SimError
from ct_ticket.sim.market import Simulator

__all__ = ["GARBAGE_FRAMES", "stream_route"]

log = logging.getLogger(__name__)

# Same bodies as the REST answers, so a client can show one message for both.
_UNAUTHORIZED = {"success": False, "error": "unauthorized", "detail": "Missing or invalid API key"}
_NOT_CONNECTED = {"success": False, "error": "NinjaTrader is not connected",
                  "detail": "The CrossTrade XT add-on is offline: start NinjaTrader 8 and enable "
                            "the add-on."}
_MIN_PNL_INTERVAL_MS = 100
_QUOTE_FIELDS = ("instrument", "bid", "ask", "last", "volume")

GARBAGE_FRAMES: tuple[str | bytes, ...] = (
    "{not json",
    "",
    '["a", "list"]',
    '{"type": "surprise", "payload": 1}',
    '{"no": "type"}',
    '{"type": "marketData", "quotes": "not a list"}',
    '{"type": "marketData", "quotes": [{"bid": 1.0}, 7, {"instrument": 5}]}',
    '{"type": "pnlUpdate", "epoch": "soon", "accounts": {"Sim101": 1}}',
    '{"type": "pnlUpdate", "accounts": [{"account": null}, "Sim101", {"positions": 3}]}',
    '{"type": "pong", "extra": [1, 2, 3]}',
    b"\x00\xff binary",
)
"""What ``sim.stream_garbage`` interleaves, in this order, round and round."""


def stream_route(sim: Simulator, authorized: Callable[[dict[str, str]], bool]) -> WebSocketRoute:
    """The ``/ws/stream`` route; ``authorized(headers)`` is the REST token check."""

    async def endpoint(websocket: WebSocket) -> None:
        await _Session(sim, websocket).run(authorized)

    return WebSocketRoute("/ws/stream", endpoint)


class _Session:
    """One accepted connection: its reader, its pusher and its P&L interval."""

    def __init__(self, sim: Simulator, websocket: WebSocket) -> None:
        self.sim = sim
        self.ws = websocket
        self.connection = 0
        self.pnl_interval: float | None = None
        self.last_pnl = 0.0
        self.sent_quotes: dict[str, dict[str, Any]] = {}
        self.close_code = 1006  # until the client says otherwise in a close frame
        # The reader (pongs, errors) and the pusher both send; frames must not interleave.
        self.send_lock = asyncio.Lock()
        self.garbage = itertools.cycle(GARBAGE_FRAMES)

    async def run(self, authorized: Callable[[dict[str, str]], bool]) -> None:
        headers = {key.lower(): value for key, value in self.ws.headers.items()}
        if not authorized(headers):
            await self._deny(401, _UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
            return
        retry_after = self.sim.admit()
        if retry_after is not None:
            await self._deny(429, {"error": "Rate limit exceeded"},
                             {"Retry-After": str(retry_after)})
            return
        if not self.sim.nt_connected:
            await self._deny(408, _NOT_CONNECTED, {})
            return
        await self.ws.accept()
        self.sim.streams.handshake(101)
        loop = asyncio.get_running_loop()
        dropped = asyncio.Event()

        def drop() -> None:  # called from whichever thread the test runs on
            loop.call_soon_threadsafe(dropped.set)

        self.connection = self.sim.streams.open(drop)
        tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._push()),
                 asyncio.create_task(dropped.wait())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.sim.streams.close(self.connection, self.close_code)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
                # A simulator bug: say so to the client like a server fault would.
                log.error("stream session failed", exc_info=error)
                with contextlib.suppress(Exception):
                    await self.ws.close(1011, "internal error")
        # Otherwise the client left, or the test dropped us: returning without a close frame
        # is what makes the drop abrupt.

    async def _deny(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        self.sim.streams.handshake(status)
        try:
            await self.ws.send_denial_response(JSONResponse(body, status, headers=headers))
        except RuntimeError:  # the server has no denial-response extension
            await self.ws.close(1008, str(body.get("error", "refused")))

    # -- client frames ---------------------------------------------------------------------

    async def _read(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                self.close_code = int(message.get("code", 1006))
                return
            text = message.get("text")
            if text is None:
                self.sim.streams.count("invalid")
                await self._error("bad_frame", "Frames must be JSON text.")
                continue
            await self._handle(text)

    async def _handle(self, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            self.sim.streams.count("invalid")
            await self._error("bad_frame", "Frames must be JSON objects.")
            return
        action = frame.get("action")
        self.sim.streams.count(action if isinstance(action, str) else "invalid")
        if self.sim.admit() is not None:
            await self._error("Rate limit exceeded", "Too many requests; wait briefly.")
            return
        if action in ("subscribe", "unsubscribe"):
            await self._change(str(action), frame.get("instruments"))
        elif action == "streamPnl":
            await self._stream_pnl(frame)
        elif action == "ping":
            await self._send_json({"type": "pong"})
        elif action == "rpc":
            await self._send_json({"id": frame.get("id"), "data": {
                "success": False, "error": "not_supported",
                "detail": "The simulator serves RPC over REST only."}})
        else:
            await self._error("unknown_action", f"Unknown action {action!r}.")

    async def _change(self, action: str, instruments: Any) -> None:
        if not (isinstance(instruments, list) and instruments
                and all(isinstance(name, str) for name in instruments)):
            await self._error("invalid_request", "instruments must be a non-empty list of names.",
                              action=action)
            return
        if self.sim.rate_limit_enabled and not self.sim.streams.allow_change(self.sim.clock()):
            self.sim.streams.count("refused")
            await self._error("Rate limit exceeded", "Market-data subscription changes are "
                              "limited to about 20 per minute.", action, instruments)
            return
        names: list[str] = []
        unknown: list[str] = []
        for name in instruments:
            try:
                names.append(self.sim.resolve(name).name)
            except SimError:
                unknown.append(name)
        if unknown:
            await self._error("invalid_instrument", f"Unknown instrument(s): {', '.join(unknown)}",
                              action, unknown)
        if action == "subscribe":
            new = self.sim.streams.subscribe(self.connection, names)
            await self._push_quotes(new)
        else:
            self.sim.streams.unsubscribe(self.connection, names)
            for name in names:
                self.sent_quotes.pop(name, None)

    async def _stream_pnl(self, frame: dict[str, Any]) -> None:
        enabled, interval = frame.get("enabled", True), frame.get("interval", 1000)
        if not isinstance(enabled, bool) or isinstance(interval, bool) or not isinstance(
                interval, int | float):
            await self._error("invalid_request", "streamPnl takes enabled (bool) and interval "
                              "(milliseconds).", action="streamPnl")
            return
        if not enabled:
            self.pnl_interval = None
            return
        self.pnl_interval = max(_MIN_PNL_INTERVAL_MS, interval) / 1000
        await self._push_pnl()  # at once, so a ticket has P&L before the first interval

    # -- pushes ----------------------------------------------------------------------------

    async def _push(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.sim.streams.push_interval)
            if self.sim.stream_garbage:
                await self._send(next(self.garbage))
            if not self.sim.nt_connected:
                continue  # the add-on relays the data: no NT8, no pushes
            self.sim.walk_if_due()
            await self._push_quotes(self.sim.streams.subscribed(self.connection))
            if self.pnl_interval is not None and loop.time() - self.last_pnl >= self.pnl_interval:
                await self._push_pnl()

    async def _push_quotes(self, names: list[str]) -> None:
        quotes = []
        for name in names:
            try:
                full = self.sim.quote_api(name)
            except SimError:
                continue
            quote = {field: full[field] for field in _QUOTE_FIELDS}
            if self.sent_quotes.get(name) != quote:
                self.sent_quotes[name] = quote
                quotes.append(quote)
        if quotes:
            await self._send_json({"type": "marketData", "quotes": quotes})

    async def _push_pnl(self) -> None:
        sim = self.sim
        with sim.lock:  # one consistent picture of every account
            accounts = [
                {"account": account["name"],
                 "realizedProfitLoss": account["item"]["realizedProfitLoss"],
                 "unrealizedProfitLoss": account["item"]["unrealizedProfitLoss"]}
                for account in sim.accounts_api()
            ]
            if sim.stream_pnl_positions:  # off: frames that do not prove the position (§12)
                for entry in accounts:
                    entry["positions"] = sim.positions_api(entry["account"])
            epoch = int(sim.wall_clock() * 1000)
        await self._send_json({"type": "pnlUpdate", "epoch": epoch, "accounts": accounts})
        self.last_pnl = asyncio.get_running_loop().time()

    # -- sending ---------------------------------------------------------------------------

    async def _error(self, error: str, detail: str, action: str | None = None,
                     instruments: list[str] | None = None) -> None:
        frame: dict[str, Any] = {"type": "error", "error": error, "detail": detail}
        if action is not None:
            frame["action"] = action
        if instruments is not None:
            frame["instruments"] = instruments
        await self._send_json(frame)

    async def _send_json(self, frame: dict[str, Any]) -> None:
        await self._send(json.dumps(frame))

    async def _send(self, data: str | bytes) -> None:
        async with self.send_lock:
            if isinstance(data, bytes):
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_text(data)
