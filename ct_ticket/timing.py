"""Timestamps along the click path, for the benchmarks' breakdown row (off unless switched
on), and the hook that tells a send its request has been written (`when_written`).

    timing.mark("review")            # in the code: one global read and a no-op call when off
    timing.record(marks.append)      # the benchmark: every mark as (name, perf_counter_ns)
    timing.record(None)              # off again

The app never switches it on. While it is off, `mark` is a call to a function that returns at
once (no clock read, no allocation), so the marks may stay on the path of every order. The
benchmark gets `(name, nanoseconds)` pairs on the same `time.perf_counter_ns` clock it reads
itself, so its own marks (the click, the answer on screen) interleave with these.

`wire_hook` is the connection's hook for one request while recording is on, or while the task
sending it asked to hear when it is written (`when_written`); None otherwise, so a read carries
nothing. It marks when the request's bytes were written and when the answer's head arrived,
and calls the task's `when_written` callback once the bytes are out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar

__all__ = ["HEAD_READ", "WRITTEN", "Sink", "mark", "record", "recording", "when_written",
           "wire_hook"]

log = logging.getLogger(__name__)

Sink = Callable[[tuple[str, int]], None]

_sink: Sink | None = None
# Per task (asyncio gives each task its own copy of the context): what to call once the next
# request this task sends has been written.
_on_written: ContextVar[Callable[[], None] | None] = ContextVar("on_written", default=None)

# The wire's two moments, as the connection reports them: the request fully written (the
# server can act on it from here), and the answer's status line and headers read.
WRITTEN = "request written"
HEAD_READ = "answer head read"


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
    connection (None: no longer). It runs inside the connection's write path, so it must be quick;
    an exception from it is logged, never raised into the request."""
    _on_written.set(callback)


def _mark_wire(moment: str) -> None:
    mark(moment)


def _notify(written: Callable[[], None]) -> Callable[[str], None]:
    def hook(moment: str) -> None:
        mark(moment)
        if moment == WRITTEN:
            try:
                written()
            except Exception:  # the request is out: a listener's fault must not fail it
                log.exception("after a request was written")
    return hook


def wire_hook() -> Callable[[str], None] | None:
    """The hook the connection calls at the request's wire moments (`WRITTEN`, `HEAD_READ`):
    marks while recording, and the task's `when_written` callback (once: the callback is
    taken); None when neither is wanted, so a read carries nothing."""
    written = _on_written.get()
    if written is not None:
        _on_written.set(None)  # one request: later reads of the same task carry nothing
        return _notify(written)
    return _mark_wire if _sink is not None else None
