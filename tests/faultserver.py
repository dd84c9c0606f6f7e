"""A fault-injecting HTTP/1.1 server for client tests: a transparent proxy until told to misbehave.

    with FaultServer(upstream=sim_url) as server:
        server.inject("status", status=503, method="POST", path="/orders/place", times=1)
        ...  # point the client at server.url
        assert server.count("POST", "/orders/place") == 1
        assert server.connections == 1

Without a matching fault every request is forwarded to ``upstream`` (a fresh upstream connection
per request, so the proxy itself can never resend one) and the answer relayed with a
``Content-Length``, keeping the client's connection alive. Fault kinds (``inject``):

    hang           read the request, never answer (until the client leaves or ``close()``)
    slow           forward at once (the upstream acts), hold the answer ``delay`` seconds
    reset          send part of a status line and headers, then close with RST (SO_LINGER 0)
    status         answer ``status`` with ``body`` (JSON value, text or bytes) and ``headers``
    html           200 text/html marketing page
    redirect       302 to https://crosstrade.io/
    invalid_json   200 application/json that does not parse
    wrong_shape    200 JSON of the wrong shape (``{"hello": 1}``, or ``body``)
    success_false  200 ``{"success": false, "error": ..., "detail": ...}``
    huge           200 JSON of ``size`` bytes (5 MB); ``chunked=True`` hides the length
    refuse         stop listening (connections are refused) until ``clear()``

A fault matches by ``method`` and by ``path`` (a substring of the path, or the whole path with
``exact=True``), for ``times`` requests or until cleared. ``refused_url()`` is a URL whose port
is bound but never listens.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = ["Fault", "FaultKind", "FaultServer", "Received"]

FaultKind = Literal["hang", "slow", "reset", "status", "html", "redirect", "invalid_json",
                    "wrong_shape", "success_false", "huge", "refuse"]
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
               "proxy-connection", "te", "upgrade", "trailer"}
_MARKETING = (b"<!DOCTYPE html><html><head><title>CrossTrade | Automated Trading</title></head>"
              b"<body><h1>Automate NinjaTrader</h1><p>Start your free trial.</p></body></html>")
_POLL = 0.01  # how soon threads notice close(); idle cost is negligible


@dataclass
class Fault:
    """One armed fault; ``times=None`` keeps it until cleared."""

    kind: FaultKind
    method: str | None = None
    path: str | None = None
    exact: bool = False
    times: int | None = None
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 2.0
    size: int = 5_000_000
    chunked: bool = False

    def matches(self, method: str, path: str) -> bool:
        """True when this fault applies to a request for ``method`` ``path``."""
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or (path == self.path if self.exact else self.path in path)


@dataclass(frozen=True)
class Received:
    """A request as the fault server read it: ``path`` without the query, ``target`` with it."""

    method: str
    target: str
    fault: str | None  # the fault kind that answered it, None when passed through

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name), "")


class FaultServer:
    """The server: ``url`` to point a client at, ``inject``/``clear`` to switch faults."""

    def __init__(self, upstream: str | None = None, host: str = "127.0.0.1") -> None:
        self.upstream = urlsplit(upstream) if upstream else None
        self.host = host
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._faults: list[Fault] = []
        self._received: list[Received] = []
        self._connections = 0
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self._refusing = threading.Event()  # wanted: not listening
        self._listening = threading.Event()  # actual, as the acceptor thread reports it
        listener = self._listen(0)  # owned by the acceptor thread from here on
        self.port: int = listener.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._refused: socket.socket | None = None
        self._acceptor = threading.Thread(target=self._accept_loop, args=(listener,),
                                          name=f"fault-{self.port}", daemon=True)
        self._acceptor.start()

    # --- the test-facing API ----------------------------------------------------------------

    def inject(self, kind: FaultKind, *, method: str | None = None, path: str | None = None,
               exact: bool = False, times: int | None = None, **options: Any) -> Fault:
        """Arm a fault (options: status, body, headers, delay, size, chunked); returns it."""
        if kind == "refuse" and (method or path or times):
            raise ValueError("refuse acts on connections: no method, path or times")
        fault = Fault(kind, method, path, exact, times, **options)
        with self._lock:
            self._faults.append(fault)
            open_sockets = list(self._sockets)
        if kind == "refuse":  # like a server going down: listener and live connections go
            self._refusing.set()
            _drop(open_sockets)
            self._await_listening(False)
        return fault

    def clear(self) -> None:
        """Disarm every fault: from now on requests pass through again."""
        with self._lock:
            self._faults.clear()
        if self._refusing.is_set():
            self._refusing.clear()
            self._await_listening(True)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests arrived with this method and a path containing ``path``."""
        return sum(1 for r in self.requests
                   if (method is None or r.method == method.upper())
                   and (path is None or path in r.path))

    @property
    def requests(self) -> list[Received]:
        """Every request read so far, oldest first."""
        with self._lock:
            return list(self._received)

    @property
    def connections(self) -> int:
        """How many TCP connections were accepted."""
        with self._lock:
            return self._connections

    def refused_url(self) -> str:
        """A loopback URL whose port is bound (so nothing else takes it) but never listens."""
        with self._lock:
            if self._refused is None:
                self._refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._refused.bind((self.host, 0))
            return f"http://{self.host}:{self._refused.getsockname()[1]}"

    def close(self) -> None:
        """Stop accepting, drop every connection and join every thread; safe to call twice."""
        self._stop.set()
        with self._lock:
            _drop([self._refused, *self._sockets])
            self._refused = None
            threads = [self._acceptor, *self._threads]
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        """The server itself; leaving the block closes it."""
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # --- accepting and reading ----------------------------------------------------------------

    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        sock.listen(64)
        return sock

    def _await_listening(self, wanted: bool) -> None:
        for _ in range(200):
            if self._listening.is_set() == wanted or self._stop.wait(0.01):
                return
        raise RuntimeError(f"fault server did not {'re' if wanted else 'stop '}listen")

    def _accept_loop(self, first: socket.socket) -> None:
        # Only this thread touches the listener: closing a socket another thread is in
        # select() on would keep the port in LISTEN until that select returns.
        listener: socket.socket | None = first
        self._listening.set()
        try:
            while not self._stop.is_set():
                if self._refusing.is_set() and listener is not None:
                    listener.close()
                    listener = None
                    self._listening.clear()
                elif not self._refusing.is_set() and listener is None:
                    listener = self._listen(self.port)
                    self._listening.set()
                if listener is None:
                    self._stop.wait(_POLL)
                elif select.select([listener], [], [], _POLL)[0]:
                    with contextlib.suppress(OSError):  # the client gave up before accept()
                        self._start_serving(listener.accept()[0])
        finally:
            if listener is not None:
                listener.close()

    def _start_serving(self, conn: socket.socket) -> None:
        thread = threading.Thread(target=self._serve, args=(conn,), daemon=True,
                                  name=f"fault-{self.port}-conn")
        with self._lock:
            if self._stop.is_set():
                conn.close()
                return
            self._connections += 1
            self._sockets.add(conn)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = bytearray()
        try:
            while not self._stop.is_set():
                request = self._read_request(conn, buffer)
                if not self._answer(conn, request, self._take_fault(request)):
                    return
        except (OSError, ValueError):  # the client left, close() shut the socket, or junk came
            return
        finally:
            with self._lock:
                self._sockets.discard(conn)
            conn.close()

    def _fill(self, conn: socket.socket, buffer: bytearray) -> None:
        """Append what arrives next; ConnectionError when the peer closed or we are stopping."""
        while not self._stop.is_set():
            if select.select([conn], [], [], _POLL)[0]:
                data = conn.recv(65536)
                buffer += data
                if data:
                    return
                break
        raise ConnectionError("connection closed")

    def _read_request(self, conn: socket.socket, buffer: bytearray) -> _Request:
        while b"\r\n\r\n" not in buffer:
            self._fill(conn, buffer)
        head, _, buffer[:] = bytes(buffer).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = [(k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in lines[1:])]
        request = _Request(method.upper(), target, headers, b"")
        if request.header("transfer-encoding"):  # clients of JSON APIs send a length
            conn.sendall(_response(411, [], b"", keep_alive=False))
            raise ConnectionError("chunked request bodies are not supported")
        length = int(request.header("content-length") or 0)
        while len(buffer) < length:
            self._fill(conn, buffer)
        request.body, buffer[:] = bytes(buffer[:length]), buffer[length:]
        return request

    def _take_fault(self, request: _Request) -> Fault | None:
        """Count the request and pick the first armed fault matching it (spending one use)."""
        path = request.target.split("?", 1)[0]
        with self._lock:
            chosen = next((f for f in self._faults
                           if f.kind != "refuse" and f.matches(request.method, path)), None)
            if chosen is not None and chosen.times is not None:
                chosen.times -= 1
                if chosen.times <= 0:
                    self._faults.remove(chosen)
            self._received.append(Received(request.method, request.target,
                                           chosen.kind if chosen else None))
            return chosen

    # --- answering ----------------------------------------------------------------------------

    def _answer(self, conn: socket.socket, request: _Request, fault: Fault | None) -> bool:
        """Answer one request; False when the connection must not be reused."""
        keep_alive = request.header("connection").lower() != "close"
        if fault is None:
            conn.sendall(_response(*self._forward(request), keep_alive=keep_alive))
            return keep_alive
        if fault.kind == "hang":
            while True:  # swallow whatever comes until the client gives up or close()
                self._fill(conn, bytearray())
        if fault.kind == "reset":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/js")
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if fault.kind == "slow":
            answer = self._forward(request) if fault.body is None else _canned(fault)
            if self._stop.wait(fault.delay):
                return False
            conn.sendall(_response(*answer, keep_alive=keep_alive))
            return keep_alive
        if fault.kind == "huge" and fault.chunked:  # no length to reject up front
            conn.sendall(f"HTTP/1.1 {fault.status} OK\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n".encode())
            body = _canned(fault)[2]
            for start in range(0, len(body), 65536):
                piece = body[start:start + 65536]
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.sendall(b"0\r\n\r\n")
            return keep_alive
        conn.sendall(_response(*_canned(fault), keep_alive=keep_alive))
        return keep_alive

    def _forward(self, request: _Request) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.upstream is None or self.upstream.hostname is None:
            return 502, [("Content-Type", "text/plain")], b"fault server has no upstream"
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                              timeout=30)
        try:
            headers = {k: v for k, v in request.headers
                       if k.lower() not in _HOP_BY_HOP or k.lower() == "content-length"}
            upstream.request(request.method, request.target, request.body or None, headers)
            answer = upstream.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        except (OSError, http.client.HTTPException) as error:
            return 502, [("Content-Type", "text/plain")], f"upstream failed: {error}".encode()
        finally:
            upstream.close()


def _canned(fault: Fault) -> tuple[int, list[tuple[str, str]], bytes]:
    """The status, headers and body a fault answers with."""
    status, body, content_type = fault.status, fault.body, "application/json"
    extra: dict[str, str] = {}
    if fault.kind == "html":
        body, content_type = (_MARKETING if body is None else body), "text/html; charset=utf-8"
    elif fault.kind == "redirect":
        status, body, content_type = 302, _MARKETING, "text/html; charset=utf-8"
        extra = {"Location": "https://crosstrade.io/"}
    elif fault.kind == "invalid_json":
        body = b'{"orderId": "abc", "success": tr' if body is None else body
    elif fault.kind == "wrong_shape":
        body = {"hello": 1} if body is None else body
    elif fault.kind == "huge":
        body = b'{"pad": "' + b"x" * fault.size + b'"}'
    elif fault.kind == "success_false":
        body = body if body is not None else {
            "success": False, "error": "order_rejected", "detail": "Insufficient margin"}
    elif body is None:  # "status"
        body = {"error": http.client.responses.get(status, "Error")}
    if isinstance(body, str):
        body = body.encode()
        content_type = "text/plain; charset=utf-8" if fault.kind == "status" else content_type
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
    headers = {"Content-Type": content_type, **extra, **fault.headers}  # the test's win
    return status, list(headers.items()), body


def _response(status: int, headers: list[tuple[str, str]], body: bytes, *,
              keep_alive: bool) -> bytes:
    reason = http.client.responses.get(status, "Unknown")
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_BY_HOP]
    lines.append(f"Content-Length: {len(body)}")
    lines.append(f"Connection: {'keep-alive' if keep_alive else 'close'}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _drop(sockets: Iterable[socket.socket | None]) -> None:
    """Shut down and close sockets; shutdown() also wakes a thread blocked in sendall()."""
    for sock in sockets:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
