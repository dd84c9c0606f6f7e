"""Never stalls: the longest gap between ticks of a 1 ms Qt timer while 50 reads and sends are
in flight against the simulator (TLS, 40 ms RTT) and the position refresh runs, beside the
same timer on the idle window in the same run. A gap is the GUI thread not answering: 16 ms is
one frame at 60 Hz."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from benchmarks.common import (
    Row,
    args_for,
    close_window,
    exit_now,
    median,
    print_rows,
    ready_window,
    run_qt,
)
from benchmarks.netsim import NetSim

if TYPE_CHECKING:
    from ct_ticket.ui.window import TicketWindow

__all__ = ["main", "measure"]

GOAL_MS = 16.0
IN_FLIGHT = 50
IDLE_S = 1.0


class TickRecorder:
    """A precise 1 ms QTimer that keeps the interval between consecutive ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps_ms: list[float] = []
        self._last: float | None = None
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps_ms.append((now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        """Start afresh: forget earlier gaps."""
        self.gaps_ms, self._last = [], None
        self._timer.start()

    def stop(self) -> list[float]:
        """Stop and return the gaps since `start`."""
        self._timer.stop()
        return self.gaps_ms


def _burst(window: TicketWindow, round_no: int) -> list[Coroutine[Any, Any, Any]]:
    """IN_FLIGHT calls at once: reads of every kind the window makes, and order sends."""
    ticket, client = window.ticket, window.ticket.client
    order = window.entry.form.build_order()
    reads: list[Callable[[], Coroutine[Any, Any, Any]]] = [
        ticket.refresh_position, ticket.load_quote, ticket.refresh_working_orders,
        ticket.load_accounts]
    calls: list[Coroutine[Any, Any, Any]] = []
    for i in range(IN_FLIGHT):
        if i % 10 < 3:  # 15 of 50: order sends, concurrent at the client level
            calls.append(client.place(order))
        else:
            calls.append(reads[(i + round_no) % len(reads)]())
    return calls


async def measure(rounds: int) -> list[Row]:
    """An idle second, then `rounds` bursts of IN_FLIGHT calls plus a click and a refresh."""
    recorder = TickRecorder()
    with NetSim(tls=True, rtt_ms=40) as net:
        window = await ready_window(net.proxy_url, verify=net.ca)
        try:
            recorder.start()
            await asyncio.sleep(IDLE_S)
            idle = recorder.stop()
            recorder.start()
            for round_no in range(rounds):
                window.entry.view.quantity_field.setValue(1 + round_no % 20)
                burst = asyncio.gather(*_burst(window, round_no))
                # through the window, with its post-check
                window.entry.view.flatten_place_button.click()
                window.reload()  # the refresh button: accounts, quote, position, orders
                await burst
                await window.ticket.wait_idle()
            busy = recorder.stop()
        finally:
            await close_window(window)
    return [
        Row("stall", f"idle window: median tick gap ({len(idle)} ticks)", median(idle), "ms"),
        Row("stall", "idle window: max tick gap", max(idle), "ms"),
        Row("stall", f"{IN_FLIGHT} in flight x {rounds}: median tick gap", median(busy), "ms"),
        Row(
            "stall",
            f"{IN_FLIGHT} in flight x {rounds}: max tick gap",
            max(busy),
            "ms",
            max(idle),
            None,
            f"< {GOAL_MS:g} ms",
            max(busy) < GOAL_MS,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.stall [--quick] [--json]``."""
    args = args_for(__doc__ or "", argv)
    # Few rounds: each reload re-styles widgets, and PySide6 6.12 on Python 3.11 loses a
    # reference to None per re-style call; ten rounds drained it and aborted the process.
    print_rows(run_qt(lambda: measure(3 if args.quick else 4)), args.json)
    exit_now()


if __name__ == "__main__":
    main()
