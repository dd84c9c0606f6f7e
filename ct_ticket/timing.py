"""Timestamps along the click path, for the benchmarks' breakdown row (off unless switched
on), and the hook that tells a send its request has been written (`when_written`).

    timing.mark("review")            # in the code: one global read and a no-op call when off
    timing.record(marks.append)      # the benchmark: every mark as (name, perf_counter_ns)
    timing.record(None)              # off again

The app never switches it on. While it is off, `mark` is a call to a function that returns at
once (no clock read, no allocation), so the marks may stay on the path of every order. The
benchmark gets `(name, nanoseconds)` pairs on the same `time.perf_counter_ns` clock it reads
itself, so its own marks (the click, the answer on screen) interleave with these.

`http_trace` is the httpcore trace hook for one request while recording is on, or while the
task sending it asked to hear when it is written (`when_written`); None otherwise, so a read
carries no extension at all. It marks when the request's bytes were written and when the
answer's head arrived, and calls the task's `when_written` callback once the bytes are out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

__all__ = ["Sink", "http_trace", "mark", "record", "recording", "when_written"]

log = logging.getLogger(__name__)

Sink = Callable[[tuple[str, int]], None]

_sink: Sink | None = None
# Per task (asyncio gives each task its own copy of the context): what to call once the next
# request this task sends has been written.
_on_written: ContextVar[Callable[[], None] | None] = ContextVar("on_written", default=None)

# httpcore's trace events that mark the wire: the request fully written (the server can act on
# it from here), and the answer's status line and headers read (its first bytes are back).
_WIRE_EVENTS = {
    "http11.send_request_body.complete": "request written",
    "http11.receive_response_headers.complete": "answer head read",
    "http2.send_request_body.complete": "request written",
    "http2.receive_response_headers.complete": "answer head read",
}


def record(sink: Sink | None) -> None:
    """Send every mark from now on to `sink` (None: stop recording)."""
    global _sink
    _sink = sink


def recording() -> bool:
    """Whether marks are being recorded."""
    return _sink is not None


def mark(name: str) -> None:
    """Note that the click path reached `name`, if a benchmark is recording."""
    sink = _sink
    if sink is not None:
        sink((name, time.perf_counter_ns()))


def when_written(callback: Callable[[], None] | None) -> None:
    """Call `callback` once the next request the current task sends has been written to the
    connection (None: no longer). It runs inside httpcore's write path, so it must be quick;
    an exception from it is logged, never raised into the request."""
    _on_written.set(callback)


async def _trace(event: str, _info: dict[str, Any]) -> None:
    name = _WIRE_EVENTS.get(event)
    if name is not None:
        mark(name)


def _notify(written: Callable[[], None]) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    async def trace(event: str, _info: dict[str, Any]) -> None:
        name = _WIRE_EVENTS.get(event)
        if name is None:
            return
        mark(name)
        if name == "request written":
            try:
                written()
            except Exception:  # the request is out: a listener's fault must not fail it
                log.exception("after a request was written")
    return trace


def http_trace() -> Callable[[str, dict[str, Any]], Awaitable[None]] | None:
    """httpcore's ``trace`` extension for the request about to be sent: marks on the wire
    while recording, the task's `when_written` callback (once: the callback is taken), or
    None when neither is wanted."""
    written = _on_written.get()
    if written is not None:
        _on_written.set(None)  # one request: later reads of the same task carry nothing
        return _notify(written)
    return _trace if _sink is not None else None
