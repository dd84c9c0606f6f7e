"""Serving the simulator on loopback from a background thread, for tests and benchmarks.

``serve_in_thread`` binds the socket itself before uvicorn starts, so the port is known and
free the moment the function returns, and there is no race between picking and binding it.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

__all__ = ["ServedSim", "serve_in_thread"]


class ServedSim:
    """A running server: ``url`` is its base URL; ``close()`` (or leaving ``with``) stops it."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, host: str, port: int):
        self._server = server
        self._thread = thread
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"

    @property
    def sim(self) -> Any:
        """The served app's ``state.sim`` (the Simulator), when the app has one."""
        state = getattr(self._server.config.app, "state", None)
        return getattr(state, "sim", None)

    def close(self) -> None:
        """Stop serving and wait for the thread; safe to call twice."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServedSim:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def serve_in_thread(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0,
    *, tls: tuple[str, str] | None = None, keep_alive_s: int = 5,
) -> ServedSim:
    """Serve ``app`` with uvicorn on ``host`` (a free port unless ``port`` is given); over TLS
    with ``tls`` = (certificate file, key file), and its URL then says https."""
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it Nagle plus delayed ACKs cost ~40 ms per keep-alive request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off",
        # Keep shutdown quick when a test client still holds a keep-alive connection.
        timeout_graceful_shutdown=1, timeout_keep_alive=keep_alive_s,
        ssl_certfile=tls[0] if tls else None, ssl_keyfile=tls[1] if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"ct-sim-{bound_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"simulator server did not start on {host}:{bound_port}")
        time.sleep(0.005)
    served = ServedSim(server, thread, host, bound_port)
    if tls:
        served.url = f"https://{host}:{bound_port}"
    return served
