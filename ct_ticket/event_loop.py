"""The asyncio loop on Qt's event loop: qasync's, with its ready callbacks run in batches.

qasync runs every `call_soon` as its own Qt timer: a `startTimer(0)`, a timer event and a
`killTimer` per callback. One answer over TLS is a dozen such callbacks (socket ready, the SSL
protocol's steps, the future, the task), so a group's twenty answers were a few hundred Qt timers
on the GUI thread. Here the ready callbacks wait in one queue, in order, and one zero timer runs
all that were queued when it fires, the way asyncio's own loop runs its ready queue: what they
queue in turn runs at the next timer, after Qt has handled its own events (paint, input,
sockets) in between, so nothing starves. Delayed callbacks (`call_later` with a delay) stay
qasync's Qt timers.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections import deque
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_API", "pyside6")  # qasync prefers PyQt if both are installed
import qasync
from PySide6.QtCore import QObject, QTimerEvent

__all__ = ["BatchedEventLoop"]


class _Batch(QObject):
    """One zero timer, started when the queue gains its first callback, run once per batch."""

    def __init__(self, run: Callable[[], None]) -> None:
        super().__init__()
        self._run = run
        self._timer_id = 0

    def arm(self) -> None:
        if not self._timer_id:
            self._timer_id = self.startTimer(0)

    def disarm(self) -> None:
        if self._timer_id:
            self.killTimer(self._timer_id)
            self._timer_id = 0

    def timerEvent(self, event: QTimerEvent) -> None:
        self.disarm()
        self._run()


class BatchedEventLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync is untyped
    """qasync's loop whose `call_soon` queues instead of starting a Qt timer per callback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Not `_ready`: that is asyncio's own ready queue's name on its loops.
        self._batched: deque[asyncio.Handle] = deque()
        self._batch = _Batch(self._run_ready)
        super().__init__(*args, **kwargs)

    def call_soon(
        self, callback: Callable[..., object], *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if not callable(callback):  # as asyncio says it, at the call, not when it runs
            raise TypeError(f"callback must be callable: {type(callback).__name__}")
        handle = asyncio.Handle(callback, args, self, context=context)
        self._batched.append(handle)
        self._batch.arm()
        return handle

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if delay <= 0:
            return self.call_soon(callback, *args, context=context)
        handle: asyncio.Handle = super().call_later(delay, callback, *args, context=context)
        return handle

    def _run_ready(self) -> None:
        # Only what is queued now: callbacks queued by these run at the next batch, so Qt's
        # own events come in between and a callback that re-queues itself cannot starve them.
        ready = self._batched
        try:
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
        finally:  # also after a KeyboardInterrupt out of a callback: the rest still runs
            if ready:
                self._batch.arm()

    def close(self) -> None:
        if not self.is_running():
            self._batched.clear()
            self._batch.disarm()
        super().close()
