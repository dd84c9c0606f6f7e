"""The batched loop keeps asyncio's promises: order, cancellation, errors, threads, and Qt's own
events between batches."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from ct_ticket.event_loop import BatchedEventLoop


def test_the_session_loop_is_the_batched_one(qloop: Any) -> None:
    assert isinstance(qloop, BatchedEventLoop)
    assert asyncio.get_running_loop() is qloop


def test_callbacks_run_in_the_order_they_were_queued(qloop: Any, qtbot: Any) -> None:
    ran: list[int] = []
    for n in range(50):
        qloop.call_soon(ran.append, n)
    qloop.call_later(0, ran.append, 50)  # no delay: the same queue, after the others
    qtbot.waitUntil(lambda: len(ran) == 51, timeout=2000)
    assert ran == list(range(51))


def test_a_cancelled_callback_does_not_run(qloop: Any, qtbot: Any) -> None:
    ran: list[str] = []
    qloop.call_soon(ran.append, "first")
    qloop.call_soon(ran.append, "cancelled").cancel()
    qloop.call_soon(ran.append, "last")
    qtbot.waitUntil(lambda: "last" in ran, timeout=2000)
    assert ran == ["first", "last"]


def test_qt_events_come_between_batches(qloop: Any, qtbot: Any) -> None:
    """A callback that queues itself again and again must not starve Qt: a zero timer started
    by the chain fires before the chain ends."""
    hops: list[int] = []
    qt_fired_at: list[int] = []

    def hop(n: int) -> None:
        hops.append(n)
        if n == 10:
            QTimer.singleShot(0, lambda: qt_fired_at.append(len(hops)))
        if n < 200:
            qloop.call_soon(hop, n + 1)

    qloop.call_soon(hop, 0)
    qtbot.waitUntil(lambda: len(hops) == 201 and bool(qt_fired_at), timeout=5000)
    assert 10 < qt_fired_at[0] < 200


def test_an_error_goes_to_the_handler_and_the_batch_goes_on(qloop: Any, qtbot: Any) -> None:
    seen: list[str] = []
    ran: list[str] = []
    previous = qloop.get_exception_handler()
    qloop.set_exception_handler(lambda _loop, context: seen.append(str(context["exception"])))
    try:
        qloop.call_soon(lambda: 1 / 0)
        qloop.call_soon(ran.append, "after")
        qtbot.waitUntil(lambda: ran == ["after"], timeout=2000)
    finally:
        qloop.set_exception_handler(previous)
    assert seen == ["division by zero"]


def test_a_callback_from_another_thread_runs_on_the_loop(qloop: Any, qtbot: Any) -> None:
    where: list[threading.Thread] = []
    worker = threading.Thread(
        target=lambda: qloop.call_soon_threadsafe(lambda: where.append(threading.current_thread())))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(where), timeout=2000)
    assert where == [threading.main_thread()]


def test_a_delayed_callback_waits(qloop: Any, qtbot: Any) -> None:
    ran: list[str] = []
    qloop.call_later(0.15, ran.append, "late")
    qloop.call_soon(ran.append, "soon")
    qtbot.wait(50)
    assert ran == ["soon"]
    qtbot.waitUntil(lambda: ran == ["soon", "late"], timeout=2000)


def test_tasks_and_futures_complete_through_the_queue(qloop: Any, qtbot: Any) -> None:
    async def chain() -> int:
        total = 0
        for n in range(20):
            await asyncio.sleep(0)
            total += n
        return total

    task = qloop.create_task(chain())
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == sum(range(20))


def test_a_callback_must_be_callable(qloop: Any) -> None:
    with pytest.raises(TypeError, match="callback must be callable"):
        qloop.call_soon("not a function")
