"""DirectConnection over a real loopback WebSocket server: every message is handed over as it is
read, in order, whole (fragments joined), text as str and binary as bytes; a handler that fails
on one message does not lose the next; ``async for`` on the connection ends at the close."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve

from ct_ticket.api.stream_connection import DirectConnection

FRAGMENTS = ['{"type": "marketData", ', '"quotes": []}']


async def _server_sends(ws: ServerConnection) -> None:
    await ws.send('{"type": "pong"}')
    await ws.send(FRAGMENTS)  # one text message in two frames
    await ws.send(b"\x00\x01")
    await ws.send("boom")  # the client's handler fails on this one
    await ws.send('{"type": "last"}')
    await ws.close()


def _receive_all(fail_on: str = "") -> tuple[list[str | bytes], list[Any], str | None]:
    got: list[str | bytes] = []
    queued: list[Any] = []

    def on_message(data: str | bytes) -> None:
        if data == fail_on:
            raise RuntimeError("a bug in one handler")
        got.append(data)

    def factory(*args: Any, **kwargs: Any) -> DirectConnection:
        return DirectConnection(*args, on_message=on_message, **kwargs)

    async def body() -> str | None:
        async with serve(_server_sends, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            async with connect(f"ws://127.0.0.1:{port}",
                               create_connection=factory,  # type: ignore[arg-type]
                               ) as ws:
                assert isinstance(ws, ClientConnection)
                async for data in ws:  # ends at the server's close; nothing is queued
                    queued.append(data)
                return ws.close_reason

    reason = asyncio.run(asyncio.wait_for(body(), 8))
    return got, queued, reason


def test_messages_arrive_in_order_whole_and_typed() -> None:
    got, queued, _reason = _receive_all()
    assert got == ['{"type": "pong"}', "".join(FRAGMENTS), b"\x00\x01", "boom",
                   '{"type": "last"}']
    assert queued == []


def test_a_failing_handler_loses_only_its_own_message() -> None:
    got, _queued, _reason = _receive_all(fail_on="boom")
    assert got == ['{"type": "pong"}', "".join(FRAGMENTS), b"\x00\x01", '{"type": "last"}']
