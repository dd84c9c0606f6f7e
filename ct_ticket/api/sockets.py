"""The ticket's connections: TCP (and TLS, and a proxy's tunnel) on asyncio's own transports.

A connection is an `asyncio.Protocol` that buffers what arrives: a reader takes the buffered
bytes at once, or waits on one future for the next; a writer hands its bytes to the transport
and only waits when the transport asked to pause. TLS is asyncio's own (`ssl=` at connect, or
`loop.start_tls` inside a proxy's tunnel), on the selector loop of Linux and the proactor loop
of Windows alike. No anyio and no per-read task: on the GUI thread each extra loop turn is a Qt
timer, and a group's 20 orders pay every one of them 20 times.

Failing to connect raises `ConnectFailed`: nothing of a request was sent on it.
"""

from __future__ import annotations

import asyncio
import os
import select
import ssl
from typing import Any
from urllib.parse import urlsplit

import h11

__all__ = ["ConnectFailed", "Pipe", "Proxy", "open_pipe", "proxy_for"]

_READ_HIGH_WATER = 256 * 1024  # bytes buffered before the transport stops reading


class ConnectFailed(Exception):
    """No connection (refused, no network, timed out, TLS refused, the proxy said no): the
    request was never sent. The message says which, in words a trader can act on."""


class Pipe(asyncio.Protocol):
    """One connection's incoming bytes and its writing state, as the transport reports them."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False  # the peer closed its side, or the connection is gone
        self.error: BaseException | None = None  # why the connection was lost, if it failed
        self._reading_paused = False
        self._read_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._writing_paused = False

    # --- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _READ_HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self._reading_paused = True
        _wake(self._read_waiter)

    def eof_received(self) -> bool:
        self.ended = True
        _wake(self._read_waiter)
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        _wake(self._read_waiter)
        _wake(self._drain_waiter)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        _wake(self._drain_waiter)

    # --- reading and writing -----------------------------------------------------------------

    def take(self) -> bytes:
        """Every byte buffered so far (b"" when none)."""
        data = bytes(self.buffer)
        self.buffer.clear()
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def arrival(self, timeout: float | None) -> bool:
        """Until bytes arrive or the connection ends; False when `timeout` passed first."""
        if self.buffer or self.ended:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._read_waiter = waiter
        try:
            return await _within(waiter, timeout)
        finally:
            self._read_waiter = None

    async def drained(self, timeout: float | None) -> bool:
        """Until the transport takes writes again; False when `timeout` passed first."""
        if not self._writing_paused or self.ended:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._drain_waiter = waiter
        try:
            return await _within(waiter, timeout)
        finally:
            self._drain_waiter = None

    def stale(self) -> bool:
        """Whether an idle connection must not carry another request: bytes or an end are
        waiting. The socket itself is asked too: a close the loop has not read yet (a server
        that went away the moment before a click) must open a new connection, whose refusal
        says "not sent", rather than write the order into a closed one ("unknown")."""
        if self.buffer or self.ended or self.transport is None or self.transport.is_closing():
            return True
        return _readable(self.transport.get_extra_info("socket"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


async def _within(waiter: asyncio.Future[None], timeout: float | None) -> bool:
    """Await `waiter`; False if `timeout` seconds passed first. One timer, no task."""
    if timeout is None:
        await waiter
        return True
    expired = [False]

    def expire() -> None:
        if not waiter.done():
            expired[0] = True
            waiter.set_result(None)

    timer = asyncio.get_running_loop().call_later(max(timeout, 0.0), expire)
    try:
        await waiter
    finally:
        timer.cancel()
    return not expired[0]


def _readable(sock: Any) -> bool:
    """Whether `sock` has bytes or an end waiting, without reading (no socket: as if ended)."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if hasattr(select, "poll"):  # select() cannot watch descriptors above 1023
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        return bool(poll.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)  # Windows
    return bool(readable)


# --- a proxy from the environment, as httpx and curl read it ----------------------------------


class Proxy:
    """An HTTP proxy that tunnels the connection (`CONNECT host:port`)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __repr__(self) -> str:
        return f"Proxy({self.host}:{self.port})"


def _bypassed(host: str, no_proxy: str) -> bool:
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        if entry == "*":
            return True
        entry = entry.lstrip(".").split(":", 1)[0] if entry and entry[0] != "[" else entry
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def proxy_for(scheme: str, host: str, environ: Any = None) -> Proxy | None:
    """The proxy `https_proxy` / `http_proxy` names for `scheme` (upper case too), unless
    `no_proxy` covers `host`; loopback is always direct. Only http:// proxies (CONNECT)."""
    env = os.environ if environ is None else environ
    host = host.lower().strip("[]")
    if host in ("localhost", "127.0.0.1", "::1"):
        return None
    name = f"{scheme}_proxy"
    value = env.get(name) or env.get(name.upper()) or ""
    if not value or _bypassed(host, env.get("no_proxy") or env.get("NO_PROXY") or ""):
        return None
    parts = urlsplit(value if "://" in value else f"http://{value}")
    if parts.scheme != "http" or not parts.hostname:
        raise ConnectFailed(f"the proxy {parts.scheme}://{parts.hostname} is not an http:// "
                            "proxy (set https_proxy to http://host:port)")
    return Proxy(parts.hostname, parts.port or 80)


# --- opening a connection ---------------------------------------------------------------------


async def _tunnel(loop: asyncio.AbstractEventLoop, proxy: Proxy, host: str, port: int
                  ) -> tuple[asyncio.Transport, Pipe]:
    transport, pipe = await loop.create_connection(Pipe, proxy.host, proxy.port)
    assert isinstance(transport, asyncio.Transport)
    talk = h11.Connection(h11.CLIENT)
    target = f"{host}:{port}".encode()
    transport.write(talk.send(h11.Request(method=b"CONNECT", target=target,
                                          headers=[(b"Host", target)])) or b"")
    while True:
        event = talk.next_event()
        if event is h11.NEED_DATA:
            if not await pipe.arrival(None) or (pipe.ended and not pipe.buffer):
                raise ConnectFailed(f"the proxy {proxy.host} closed the connection")
            talk.receive_data(pipe.take())
            continue
        if isinstance(event, h11.Response):
            if not 200 <= event.status_code < 300:
                transport.close()
                raise ConnectFailed(f"the proxy {proxy.host} refused the tunnel "
                                    f"(HTTP {event.status_code})")
            pipe.buffer[:0] = talk.trailing_data[0]  # nothing, unless the server spoke first
            return transport, pipe


async def open_pipe(host: str, port: int, *, tls: ssl.SSLContext | None,
                    proxy: Proxy | None, timeout: float) -> Pipe:
    """A connection to `host:port` (TLS when `tls`, through `proxy`'s tunnel when given) within
    `timeout` seconds, or `ConnectFailed`."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            if proxy is None:
                _transport, pipe = await loop.create_connection(
                    Pipe, host, port, ssl=tls, server_hostname=host if tls else None)
            else:
                transport, pipe = await _tunnel(loop, proxy, host, port)
                if tls is not None:
                    secured = await loop.start_tls(transport, pipe, tls, server_hostname=host)
                    if secured is None:
                        raise ConnectFailed("the connection closed during the TLS handshake")
                    assert isinstance(secured, asyncio.Transport)
                    pipe.transport = secured
    except TimeoutError:
        raise ConnectFailed("connection timed out") from None
    except ssl.SSLCertVerificationError as error:
        raise ConnectFailed(f"the server's certificate was refused ({error.verify_message})"
                            ) from None
    except (OSError, ssl.SSLError, h11.ProtocolError) as error:
        raise ConnectFailed(f"connection refused or no network ({type(error).__name__})"
                            ) from None
    assert isinstance(pipe, Pipe)
    return pipe
