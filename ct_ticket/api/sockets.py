"""httpcore's network streams on plain asyncio transports: the bytes of every request.

httpcore reaches the network through anyio by default. On the GUI thread that costs more than
the HTTP itself: every read and write opens and closes a cancel scope and yields to the loop
once more (under qasync each such turn is a Qt timer), and TLS runs through anyio's own wrapper
around `ssl.MemoryBIO`. A group of 20 orders paid about 1.5 ms of client CPU per request, most
of it there, and the orders left the click one after another at that pace.

Here a connection is an `asyncio.Protocol` that buffers what arrives: a read returns at once
when bytes are waiting and otherwise waits on one future; a write hands the bytes to the
transport and only waits when the transport asked to pause. TLS is asyncio's own
(`loop.start_tls`), on the selector loop of Linux and the proactor loop of Windows alike.

The errors are httpcore's, as its anyio streams raise them, so httpx and the requester judge a
failure the same way: `ConnectError` / `ConnectTimeout` before a byte was sent, `WriteError` /
`WriteTimeout` while sending, `ReadError` / `ReadTimeout` once the request was written.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

__all__ = ["AsyncioBackend"]

_READ_HIGH_WATER = 256 * 1024  # bytes buffered before the transport stops reading


class _Pipe(asyncio.Protocol):
    """One connection's incoming bytes and its writing state, as the transport reports them."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.ended = False  # the peer closed its side, or the connection is gone
        self.error: BaseException | None = None  # why the connection was lost, if it failed
        self.reading_paused = False
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
            self.reading_paused = True
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

    # --- what the stream waits for -----------------------------------------------------------

    async def arrival(self, timeout: float | None) -> bool:
        """Until bytes arrive or the connection ends; False when `timeout` passed first."""
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


class AsyncioStream(httpcore.AsyncNetworkStream):
    """A TCP (or TLS) connection as httpcore reads and writes it."""

    def __init__(self, transport: asyncio.Transport, pipe: _Pipe) -> None:
        self._transport = transport
        self._pipe = pipe

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        pipe = self._pipe
        if not pipe.buffer and not pipe.ended and not await pipe.arrival(timeout):
            raise httpcore.ReadTimeout(f"no answer within {timeout} s")
        if pipe.buffer:
            data = bytes(pipe.buffer[:max_bytes])
            del pipe.buffer[:max_bytes]
            if pipe.reading_paused and len(pipe.buffer) <= _READ_HIGH_WATER // 4:
                pipe.reading_paused = False
                self._transport.resume_reading()
            return data
        if pipe.error is not None:
            raise httpcore.ReadError(str(pipe.error) or type(pipe.error).__name__)
        return b""  # the peer closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        pipe = self._pipe
        if pipe.ended or self._transport.is_closing():
            raise httpcore.WriteError(str(pipe.error) if pipe.error else "connection closed")
        self._transport.write(buffer)
        if not await pipe.drained(timeout):
            raise httpcore.WriteTimeout(f"could not send within {timeout} s")
        if pipe.error is not None:
            raise httpcore.WriteError(str(pipe.error) or type(pipe.error).__name__)

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._pipe, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError as error:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"TLS handshake took over {timeout} s") from error
        except (OSError, ssl.SSLError, ConnectionError) as error:
            self._transport.close()
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._pipe.transport = transport
        return AsyncioStream(transport, self._pipe)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # An idle connection with bytes or an end waiting is not reused. The socket itself
            # is asked too: a close the loop has not yet read (a server that went away the
            # moment before a click) must open a new connection, whose refusal says "not
            # sent", rather than write the order into a closed one ("unknown").
            pipe = self._pipe
            return (bool(pipe.buffer) or pipe.ended
                    or _readable(self._transport.get_extra_info("socket")))
        names = {"ssl_object": "ssl_object", "client_addr": "sockname",
                 "server_addr": "peername", "socket": "socket"}
        return self._transport.get_extra_info(names[info]) if info in names else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections with `loop.create_connection` (TCP_NODELAY set by asyncio)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                transport, pipe = await loop.create_connection(_Pipe, host, port,
                                                               local_addr=local)
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from error
        except OSError as error:
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        assert isinstance(transport, asyncio.Transport)
        return AsyncioStream(transport, pipe)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("the ticket connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
