"""Connections as lanes: each request in flight has a keep-alive connection to itself.

httpx's one shared pool serves a burst badly. It hands every queued request the first idle
connection, which stays "idle" until the request has started on it a few loop turns later, so a
group's 20 orders were all handed the same connection, 19 found it taken and queued again, and
they left one after another over some 200 ms; and every request joining or leaving the pool
asked each pooled connection (through anyio's costly attribute lookups) whether it had expired.

Here each lane is a transport with a pool of exactly one connection. A request takes a free
lane (the one freed last, whose connection is the most likely to still be open), holds it until
its answer is read or it fails, and gives it back: no request ever waits for another's
connection, no check walks the others, and a burst leaves as fast as the loop can write it.
Lanes are made when first needed and share one TLS context (loading the CA bundle once); their
bytes go through `sockets.AsyncioBackend`, asyncio's own transports rather than anyio's.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable

import httpcore
import httpx

from ct_ticket.api.sockets import AsyncioBackend

__all__ = ["Lanes"]


class _GivesBack(httpx.AsyncByteStream):
    """An answer's body that gives its lane back once read to the end or closed."""

    def __init__(self, body: httpx.AsyncByteStream, give_back: Callable[[], None]) -> None:
        self._body = body
        self._give_back: Callable[[], None] | None = give_back

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._body:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._body.aclose()
        finally:
            give_back, self._give_back = self._give_back, None
            if give_back is not None:
                give_back()


class _Lane(httpx.AsyncHTTPTransport):
    """httpx's transport (its request and error mapping) over a pool of one connection whose
    bytes go through `AsyncioBackend`."""

    def __init__(self, context: ssl.SSLContext, keepalive_expiry: float) -> None:
        super().__init__(verify=context)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context, max_connections=1, max_keepalive_connections=1,
            keepalive_expiry=keepalive_expiry, network_backend=AsyncioBackend())


class Lanes(httpx.AsyncBaseTransport):
    """Up to `count` one-connection transports; `handle_async_request` never queues: the
    requester never has more than `count` requests in flight (`PoolTimeout` if it did)."""

    def __init__(self, count: int, *, verify: bool | str, keepalive_expiry: float) -> None:
        self._count = count
        self._verify = verify
        self._keepalive_expiry = keepalive_expiry
        self._context: ssl.SSLContext | None = None
        self._free: list[_Lane] = []  # the last freed on top
        self._made: list[_Lane] = []

    @property
    def in_use(self) -> int:
        """Lanes holding a request right now."""
        return len(self._made) - len(self._free)

    def _take(self) -> _Lane:
        if self._free:
            return self._free.pop()
        if len(self._made) >= self._count:
            raise httpx.PoolTimeout(f"all {self._count} connections are in use")
        if self._context is None:
            self._context = (ssl.create_default_context(cafile=self._verify)
                             if isinstance(self._verify, str)
                             else httpx.create_ssl_context(verify=self._verify))
        lane = _Lane(self._context, self._keepalive_expiry)
        self._made.append(lane)
        return lane

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        lane = self._take()
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                self._free.append(lane)

        try:
            response = await lane.handle_async_request(request)
        except BaseException:
            give_back()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _GivesBack(response.stream, give_back)
        return response

    async def aclose(self) -> None:
        lanes, self._made, self._free = self._made, [], []
        for lane in lanes:
            await lane.aclose()
