"""Connections as lanes: each request in flight has a keep-alive connection to itself.

A shared pool that hands queued requests "the first idle connection" serves a burst badly: a
group's 20 orders were all handed the same one, 19 found it taken and queued again, and they
left one after another. Here a request takes a free lane (the one freed last, whose
connection is the most likely to still be open), holds it until its answer is read or it
fails, and gives it back: no request ever waits for another's connection, and a burst leaves
as fast as the loop can write it. A connection that failed, was closed by the server, is
cut short (a deadline) or sat idle past `keepalive_expiry` is dropped, never reused.

The lanes share one TLS context (the CA bundle is loaded once) and, when the environment names
one, the proxy (`sockets.proxy_for`).
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from ct_ticket.api.http1 import Answer, Connection, WireError, Written
from ct_ticket.api.sockets import ConnectFailed, open_pipe, proxy_for

if TYPE_CHECKING:
    from ct_ticket.api.origin import Origin

__all__ = ["Lanes", "PoolFull"]


class PoolFull(WireError):
    """Every connection is carrying a request: this one was not sent."""

    def __init__(self, count: int) -> None:
        super().__init__(f"all {count} connections are in use", sent=False)


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """Certificates checked against `verify` (a CA file), or certifi's roots (True, as httpx
    did), or not at all (False: only ever for a test server)."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class Lanes:
    """Up to `count` connections to one origin; `exchange` never queues: the requester never
    has more than `count` requests in flight (`PoolFull` if it did)."""

    def __init__(self, origin: Origin, count: int, *, verify: bool | str,
                 keepalive_expiry: float, connect_timeout: float) -> None:
        self._origin = origin
        self._count = count
        self._verify = verify
        self._keepalive_expiry = keepalive_expiry
        self._connect_timeout = connect_timeout
        self._context: ssl.SSLContext | None = None
        self._free: list[Connection] = []  # the last freed on top
        self._in_use = 0

    @property
    def in_use(self) -> int:
        """Lanes holding a request right now."""
        return self._in_use

    def _reusable(self) -> Connection | None:
        while self._free:
            connection = self._free.pop()
            if connection.reusable(self._keepalive_expiry):
                return connection
            connection.close()
        return None

    async def _open(self) -> Connection:
        origin = self._origin
        tls = None
        if origin.scheme == "https":
            if self._context is None:
                self._context = tls_context(self._verify)
            tls = self._context
        pipe = await open_pipe(origin.host, origin.port, tls=tls,
                               proxy=proxy_for(origin.scheme, origin.host),
                               timeout=self._connect_timeout)
        return Connection(pipe, origin.host_header)

    async def exchange(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
                       body: bytes, *, read_timeout: float, max_bytes: int,
                       written: Written | None = None) -> Answer:
        """One exchange on a lane of its own (see `Connection.exchange`)."""
        if self._in_use >= self._count:
            raise PoolFull(self._count)
        self._in_use += 1
        connection: Connection | None = None
        try:
            connection = self._reusable()
            if connection is None:
                try:
                    connection = await self._open()
                except ConnectFailed as error:
                    raise WireError(str(error), sent=False) from None
            answer = await connection.exchange(method, target, headers, body,
                                               read_timeout=read_timeout, max_bytes=max_bytes,
                                               written=written)
        except BaseException:
            if connection is not None:
                connection.close()  # cut short or failed: never carries another request
            raise
        finally:
            self._in_use -= 1
        self._free.append(connection)
        return answer

    async def aclose(self) -> None:
        free, self._free = self._free, []
        for connection in free:
            connection.close()
