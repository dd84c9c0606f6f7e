"""httpcore's connection pool made fit for a burst: cheap checks, and one request joining at a time.

**Cheap checks.**
Every time a request joins or leaves httpcore's pool, the pool asks each pooled connection
whether it has expired, and an idle HTTP/1.1 connection answers by asking its stream whether
the socket is readable. anyio's TLS stream answers that by building a dictionary of every
attribute of the TLS and socket layers (some 0.08 ms). With a group's 20 connections that was
about 6 ms of the GUI thread per order, and 20 orders left the ticket one every 10 ms instead of
all at once. The socket of a stream never changes, so the streams here look it up once and
poll it directly; everything else goes to the stream unchanged.

**One at a time.** The pool hands a queued request the first idle connection, and that
connection stays idle until the request has started on it, a few loop turns later: a burst of
20 requests (a group's orders) was handed the same connection, 19 found it taken and queued
again, and the orders left over some 200 ms. `ON_A_CONNECTION` are the trace events after which
a request holds its connection (a new one being opened, or the request's head being written on
a reused one); the requester lets the next request join the pool only then.
"""

from __future__ import annotations

import select
import socket
import sys
import typing
from collections.abc import Iterable

import httpcore
import httpx

__all__ = ["ON_A_CONNECTION", "CheapChecksBackend", "install", "is_readable"]

ON_A_CONNECTION = frozenset({"connection.connect_tcp.started",
                             "connection.connect_unix_socket.started",
                             "http11.send_request_headers.started"})


def is_readable(sock: socket.socket | None) -> bool:
    """Would `recv` return at once (data, or the b"" of a closed connection)? A socket that is
    gone counts as readable: its next read is the end."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """A pooled stream that finds its socket once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            if self._socket is None:
                self._socket = self._inner.get_extra_info("socket")
            return is_readable(self._socket)
        return self._inner.get_extra_info(info)


class CheapChecksBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, its streams wrapped in `_Stream`."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[typing.Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address,
                                                     socket_options))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[typing.Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def install(transport: httpx.AsyncHTTPTransport) -> bool:
    """Give `transport`'s pool the cheap streams; False (and nothing changed) when this httpx
    keeps its pool differently, so a newer httpx only costs the speed, never a request."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.AsyncConnectionPool) or not hasattr(
            pool, "_network_backend"):
        return False
    pool._network_backend = CheapChecksBackend(pool._network_backend)
    return True
