"""A simulated network in a child process: the simulator (optionally over TLS) behind a
latency-injecting TCP proxy that also timestamps the first byte of every request.

Both run on one event loop in their own process, so neither the GUI thread nor the GIL of
the process being measured can delay a forwarded byte. The loop is uvloop and uvicorn parses
HTTP with httptools (what ``uvicorn[standard]`` installs, the way it is deployed): the server
stands in for CrossTrade's, and its own time is measured and reported as part of each
physical limit, never hidden in the ticket's share. ``time.perf_counter_ns`` is
CLOCK_MONOTONIC on Linux, shared by every process, so the parent can compare our stamps with its
own clicks.

The parent talks to it over pipes: we print one JSON line with the ports (and the CA file), then
answer each ``stamps`` line on stdin with a JSON list of ``[ns, request line]`` taken since the
last ask; stdin closing ends the process. ``NetSim`` is the parent's handle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["NetSim", "run_child", "serve_child"]

_CHUNK = 65536


class _Stamps:
    """First-byte times of requests, appended on the loop and drained from the stdin thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[int, str]] = []

    def add(self, ns: int, first: bytes) -> None:
        line = first.split(b"\r\n", 1)[0][:200].decode("latin-1", "replace")
        with self._lock:
            self._items.append((ns, line))

    def drain(self) -> list[tuple[int, str]]:
        with self._lock:
            items, self._items = self._items, []
        return items


def _finish(ended: asyncio.Future[None]) -> None:
    if not ended.done():  # not cancelled meanwhile (the proxy closing)
        ended.set_result(None)


class _Pipe:
    """One direction of one proxied connection: every chunk is written `delay` s after it
    arrived. Each write is a timer at its due time; equal delays keep them in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 delay: float) -> None:
        self.reader, self.writer, self.delay = reader, writer, delay

    async def pump(self, on_chunk: Callable[[bytes], None]) -> None:
        """Read until EOF, writing each chunk at its arrival time plus the delay."""
        loop = asyncio.get_running_loop()
        while data := await self.reader.read(_CHUNK):
            on_chunk(data)
            loop.call_at(loop.time() + self.delay, self._write, data)
        ended = loop.create_future()
        loop.call_at(loop.time() + self.delay, _finish, ended)
        await ended
        if not self.writer.is_closing() and self.writer.can_write_eof():
            self.writer.write_eof()

    def _write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)


class _Proxy:
    """Accepts on loopback and forwards to `upstream_port` with `rtt / 2` each way, and one
    more `rtt` before the upstream connect (the SYN / SYN-ACK a real connection pays)."""

    def __init__(self, upstream_port: int, rtt: float, stamps: _Stamps) -> None:
        self.upstream_port, self.half, self.stamps = upstream_port, rtt / 2, stamps
        self.connections: set[asyncio.Task[None]] = set()

    async def handle(self, client_r: asyncio.StreamReader,
                     client_w: asyncio.StreamWriter) -> None:
        """One client connection; cancelled at shutdown, which closes both sides quietly."""
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            await self._forward(client_r, client_w)
        except asyncio.CancelledError:
            pass  # shutting down: asyncio's stream callback would log a cancelled task
        finally:
            self.connections.discard(task)

    async def close_all(self) -> None:
        """Cancel every connection so uvicorn sees its clients leave before it stops."""
        for task in list(self.connections):
            task.cancel()
        await asyncio.sleep(0.05)

    async def _forward(self, client_r: asyncio.StreamReader,
                     client_w: asyncio.StreamWriter) -> None:
        # A real client sends nothing before the SYN-ACK, one RTT after connect(); here connect
        # returns at once, so bytes sent meanwhile wait unread and are timed from the end of
        # this sleep (then half an RTT more in the pipe, as on a real link).
        await asyncio.sleep(2 * self.half)
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.close()
            return
        awaiting = [True]  # the next client byte starts a request (HTTP/1.1, one at a time)

        def client_chunk(data: bytes) -> None:
            if awaiting[0]:
                awaiting[0] = False
                self.stamps.add(time.perf_counter_ns(), data)

        def server_chunk(_data: bytes) -> None:
            awaiting[0] = True

        up = _Pipe(client_r, up_w, self.half)
        down = _Pipe(up_r, client_w, self.half)
        try:
            await asyncio.gather(up.pump(client_chunk), down.pump(server_chunk))
        except (ConnectionError, OSError):
            pass
        finally:
            for w in (client_w, up_w):
                w.close()


def _tcp_socket() -> socket.socket:
    # IPPROTO_TCP so asyncio sets TCP_NODELAY (see ct_ticket/sim/server.py for the 40 ms story).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1: (ca, cert, key) PEM files."""
    import trustme

    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca.cert_pem.write_to_path(str(paths[0]))
    server.cert_chain_pems[0].write_to_path(str(paths[1]))
    server.private_key_pem.write_to_path(str(paths[2]))
    return paths


Commands = Callable[[str], "str | None"]  # a control line -> the JSON line to answer, or None


async def serve_child(sim: Any, *, tls: bool, rtt: float, folder: Path,
                      keep_alive_s: int = 5, commands: Commands | None = None) -> None:
    """Serve `sim` with uvicorn (TLS when asked) behind the latency proxy, print the ports,
    and answer control lines on stdin (``stamps``, then `commands`) until stdin closes."""
    import uvicorn

    from ct_ticket.sim import create_app

    ssl_args: dict[str, Any] = {}
    ca = ""
    if tls:
        ca_path, cert, key = _certificate(folder)
        ssl_args = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
        ca = str(ca_path)
    sock = _tcp_socket()
    config = uvicorn.Config(create_app(sim), log_level="warning", access_log=False,
                            lifespan="off", timeout_graceful_shutdown=1, http="httptools",
                            timeout_keep_alive=keep_alive_s, **ssl_args)
    server = uvicorn.Server(config)
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.005)
    stamps = _Stamps()
    proxy = _Proxy(sock.getsockname()[1], rtt, stamps)
    proxy_server = await asyncio.start_server(proxy.handle, sock=_tcp_socket())
    proxy_port = proxy_server.sockets[0].getsockname()[1]
    print(json.dumps({"direct": sock.getsockname()[1], "proxy": proxy_port, "ca": ca}),
          flush=True)
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    threading.Thread(target=_control, args=(loop, done, stamps, commands),
                     daemon=True).start()
    await done
    proxy_server.close()
    await proxy.close_all()
    server.should_exit = True
    await serving


def run_child(main: Coroutine[Any, Any, None]) -> None:
    """Run a child's server on uvloop."""
    import uvloop

    uvloop.run(main)


def _control(loop: asyncio.AbstractEventLoop, done: asyncio.Future[None],
             stamps: _Stamps, commands: Commands | None) -> None:
    for line in sys.stdin:
        if line.strip() == "stamps":
            print(json.dumps(stamps.drain()), flush=True)
        elif commands is not None and (answer := commands(line.strip())) is not None:
            print(answer, flush=True)

    def finish() -> None:
        if not done.done():
            done.set_result(None)

    loop.call_soon_threadsafe(finish)


class NetSim:
    """Parent-side handle: start the child, read its ports, ask for stamps, stop it."""

    def __init__(self, *, tls: bool, rtt_ms: float) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="ct-bench-")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.netsim", "--rtt-ms", str(rtt_ms),
             "--folder", self._folder.name, *(["--tls"] if tls else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        info = json.loads(self._out.readline())
        scheme = "https" if tls else "http"
        self.direct_url = f"{scheme}://127.0.0.1:{info['direct']}"
        self.proxy_url = f"{scheme}://127.0.0.1:{info['proxy']}"
        self.ca: str = info["ca"]

    @property
    def _out(self) -> IO[str]:
        assert self._proc.stdout is not None
        return self._proc.stdout

    def stamps(self) -> list[tuple[int, str]]:
        """Request first-byte stamps (perf_counter_ns, request line) since the last call."""
        assert self._proc.stdin is not None
        self._proc.stdin.write("stamps\n")
        self._proc.stdin.flush()
        return [(int(ns), str(line)) for ns, line in json.loads(self._out.readline())]

    def close(self) -> None:
        """Stop the child and remove its certificate files."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._folder.cleanup()

    def __enter__(self) -> NetSim:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def main() -> None:
    """Child entry point (``python -m benchmarks.netsim``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rtt-ms", type=float, default=40.0)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    from ct_ticket.sim import Simulator

    sim = Simulator(seed=1)
    sim.rate_limit_enabled = False  # hundreds of orders a minute; the bucket is not measured
    run_child(serve_child(sim, tls=args.tls, rtt=args.rtt_ms / 1000, folder=args.folder))


if __name__ == "__main__":
    main()
