"""An ASGI app called in-process as the client's connections: the `--demo` simulator, the
self-test and the tests' stand-in servers, with no socket at all.

It answers exactly what `Lanes.exchange` answers for the same request, so the requester above
cannot tell them apart; an exception in the app is raised to the caller (a bug in the app is a
bug, not an answer). There is no wire, so `written` is never called: a send's Busy(True)
comes from its fallback timer, as it always did in-process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from ct_ticket.api.http1 import Answer, TooLarge, Written

__all__ = ["AsgiApp", "AsgiTransport"]

Message = MutableMapping[str, Any]
AsgiApp = Callable[[Message, Callable[[], Awaitable[Message]],
                    Callable[[Message], Awaitable[None]]], Awaitable[None]]


class AsgiTransport:
    """Calls `app` once per exchange."""

    def __init__(self, app: AsgiApp) -> None:
        self.app = app

    async def exchange(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
                       body: bytes, *, read_timeout: float, max_bytes: int,
                       written: Written | None = None) -> Answer:
        path, _, query = target.partition(b"?")
        scope: Message = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method.decode("ascii"), "scheme": "http",
            "path": unquote(path.decode("latin-1")), "raw_path": path, "query_string": query,
            "root_path": "", "headers": [(k.lower(), v) for k, v in headers],
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 12345),
        }
        sent_body = False
        done = asyncio.Event()
        status, answer_headers, chunks = 0, {}, []

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status, answer_headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                answer_headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                                  for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if sum(map(len, chunks)) > max_bytes:
                    raise TooLarge(sum(map(len, chunks)), status)
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        finally:
            done.set()
        return Answer(status, answer_headers, b"".join(chunks))

    async def aclose(self) -> None:
        """Nothing to close: no connection was ever opened."""
