"""Never stalls: the longest gap between ticks of a 1 ms Qt timer while 50 reads and sends are
in flight against the simulator (TLS, 40 ms RTT) and the position refresh runs, beside the
same timer on the idle window in the same run. A gap is the GUI thread not answering: 16 ms is
one frame at 60 Hz. Five runs, each must stay under it; then a realistic group of 20 orders in
flight (no reads) against a tighter half-frame goal."""

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
GROUP_GOAL_MS = 8.0
IN_FLIGHT = 50
GROUP = 20  # a realistic group: 20 orders in flight at once
RUNS = 5
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


def _orders(window: TicketWindow, count: int) -> list[Coroutine[Any, Any, Any]]:
    """A realistic group: `count` order sends at once (a trader working a ladder), no reads."""
    client = window.ticket.client
    order = window.entry.form.build_order()
    return [client.place(order) for _ in range(count)]


async def _run(window: TicketWindow, recorder: TickRecorder, rounds: int,
               group: Callable[[TicketWindow, int], list[Coroutine[Any, Any, Any]]],
               with_reload: bool) -> list[float]:
    """`rounds` groups of calls in flight, each with a click through the window (and its
    post-check) and, for the burst, the refresh button; the tick gaps meanwhile."""
    recorder.start()
    for round_no in range(rounds):
        window.entry.view.quantity_field.setValue(1 + round_no % 20)
        burst = asyncio.gather(*group(window, round_no))
        window.entry.view.flatten_place_button.click()
        if with_reload:
            window.reload()  # the refresh button: accounts, quote, position, orders
        await burst
        await window.ticket.wait_idle()
    return recorder.stop()


async def measure(rounds: int, runs: int = RUNS) -> list[Row]:
    """An idle second, then `runs` runs of `rounds` bursts of IN_FLIGHT calls plus a click and
    a refresh, then `runs` runs of a group of GROUP orders plus a click; every gap is kept."""
    recorder = TickRecorder()
    with NetSim(tls=True, rtt_ms=40) as net:
        window = await ready_window(net.proxy_url, verify=net.ca)
        try:
            recorder.start()
            await asyncio.sleep(IDLE_S)
            idle = recorder.stop()
            bursts = [await _run(window, recorder, rounds, _burst, True) for _ in range(runs)]
            groups = [await _run(window, recorder, rounds, lambda w, _n: _orders(w, GROUP),
                                 False) for _ in range(runs)]
        finally:
            await close_window(window)
    burst_max = [max(gaps) for gaps in bursts]
    group_max = [max(gaps) for gaps in groups]
    every = [gap for gaps in bursts for gap in gaps]
    return [
        Row("stall", f"idle window: median tick gap ({len(idle)} ticks)", median(idle), "ms"),
        Row("stall", "idle window: max tick gap", max(idle), "ms"),
        Row("stall", f"{IN_FLIGHT} in flight x {rounds}: median tick gap", median(every), "ms"),
        Row("stall", f"{IN_FLIGHT} in flight x {rounds}: max tick gap, median of {runs} runs",
            median(burst_max), "ms", max(idle)),
        Row("stall", f"{IN_FLIGHT} in flight x {rounds}: max tick gap, worst of {runs} runs "
            f"({', '.join(f'{gap:.1f}' for gap in burst_max)})", max(burst_max), "ms",
            max(idle), None, f"< {GOAL_MS:g} ms in {runs} of {runs}",
            max(burst_max) < GOAL_MS),
        Row("stall", f"{GROUP} orders in flight x {rounds}: max tick gap, worst of {runs} runs "
            f"({', '.join(f'{gap:.1f}' for gap in group_max)})", max(group_max), "ms",
            max(idle), None, f"< {GROUP_GOAL_MS:g} ms", max(group_max) < GROUP_GOAL_MS),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.stall [--quick] [--json]``."""
    args = args_for(__doc__ or "", argv)
    # Few rounds: each reload re-styles widgets, and PySide6 6.12 on Python 3.11 loses a
    # reference to None per re-style call; ten rounds drained it and aborted the process.
    print_rows(run_qt(lambda: measure(3 if args.quick else 4, 3 if args.quick else RUNS)),
               args.json)
    exit_now()


if __name__ == "__main__":
    main()
