"""What every benchmark shares: result rows, percentiles, the Qt + qasync loop, and the real
`TicketWindow` over a `CrossTradeClient`, ready to send orders without being held by a rail."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from ct_ticket.ui.window import TicketWindow

__all__ = ["BREAKDOWN", "ClickMarks", "Row", "app_logging", "args_for", "breakdown_rows",
           "close_window", "exit_now", "median", "percentile", "print_rows", "ready_window",
           "run_qt"]


@dataclass(frozen=True)
class Row:
    """One line of the results table: a measurement beside its anchor, and the goal."""

    benchmark: str
    metric: str
    value: float
    unit: str
    anchor: float | None = None  # what the value is compared with (limit, floor, bare client)
    ratio: float | None = None  # value / anchor when that is the goal, else None
    goal: str = ""
    ok: bool | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; enough for 30-200 samples."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    """The median (a name for symmetry with `percentile`)."""
    return statistics.median(values)


def args_for(description: str, argv: Sequence[str] | None) -> argparse.Namespace:
    """The options every benchmark module takes: --quick and --json."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--json", action="store_true", help="print rows as JSON lines")
    return parser.parse_args(argv)


def print_rows(rows: Sequence[Row], as_json: bool) -> None:
    """JSON lines for `python -m benchmarks`, or the table for a module run alone."""
    if as_json:
        for row in rows:
            print(json.dumps(asdict(row)), flush=True)
    else:
        from benchmarks.table import render

        print(render(rows))


def run_qt(main: Callable[[], Coroutine[Any, Any, list[Row]]]) -> list[Row]:
    """Run `main` on a qasync loop over an offscreen QApplication (one per process)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # httpx 0.28 warns that verify="ca.pem" is deprecated; the ticket's client takes a path.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="httpx")
    from PySide6.QtWidgets import QApplication

    from ct_ticket.event_loop import BatchedEventLoop

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = BatchedEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        rows: list[Row] = loop.run_until_complete(main())
    return rows


def exit_now(code: int = 0) -> NoReturn:
    """Flush and leave without interpreter finalization: PySide6 6.12 on Python 3.11 drops
    references to None/True/False it never took (QObject.property, QStyle.polish), so the
    final collection can abort in ``none_dealloc``/``bool_dealloc`` and turn a finished
    benchmark into exit status 134."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def app_logging(folder: Path, token: str) -> None:
    """Log as the app does: its rotating log file at INFO (every request's lines), the token
    registered for redaction; the file goes to `folder`, not the user's log folder."""
    from ct_ticket import logs

    os.environ[logs.LOG_DIR_ENV] = str(folder)
    logs.setup_logging()
    logs.register_secret(token)


async def ready_window(base_url: str, verify: bool | str = True) -> TicketWindow:
    """The real window over a real client, first load done (so the pool holds warm
    connections), on Sim101, MARKET, no confirmation, and no same-order-twice hold."""
    from ct_ticket.api.client import CrossTradeClient
    from ct_ticket.settings import Settings
    from ct_ticket.ticket import Ticket
    from ct_ticket.ui.window import TicketWindow

    folder = Path(tempfile.mkdtemp(prefix="ct-bench-settings-"))
    app_logging(folder, "bench-token")
    client = CrossTradeClient("bench-token", base_url=base_url, verify=verify)
    window = TicketWindow(Ticket(client), Settings(folder / "settings.ini"))
    window.show()
    await asyncio.wait_for(window.start(), 30)  # start() hands back the first load's task
    window.entry.view.account_picker.setCurrentIndex(window.entry.view.account_picker.findData("Sim101"))
    window.view.confirm_orders_toggle.setChecked(False)
    window.entry.view.order_type_picker.setCurrentIndex(window.entry.view.order_type_picker.findData("MARKET"))
    # Quantities vary per order anyway; with hundreds of orders a cycle would still repeat
    # within the rail's window, and a held order would wait for a dialog nobody answers.
    window.ticket.recent_orders.window_s = 0.0
    await window.ticket.wait_idle()
    gc.freeze()  # as app.run does after the first load
    return window


async def close_window(window: TicketWindow) -> None:
    """Close the window, let in-flight requests end, close the client's connections."""
    window.close()
    await window.ticket.wait_idle()
    await window.ticket.client.aclose()
    window.deleteLater()
    await asyncio.sleep(0.01)  # lets Qt delete it now, not at interpreter exit


# The click path in order: (mark, what the segment that ends at it covers). "click", "handler
# returned", "answered" and "painted" are the benchmark's own marks; the rest are the app's
# (ct_ticket.timing), including the connection's wire moments.
BREAKDOWN = [
    ("click", ""),
    ("review", "click handler: form read and validation"),
    ("submit", "review (limits, rails, same-order check)"),
    ("busy", "submit: the order's id and record"),
    ("handler returned", "the send task made, the handler returns"),
    ("call", "event loop to the send task, order body"),
    ("send", "rate budget and connection slot"),
    ("request written", "HTTP: request built (JSON, auth) and written"),
    ("busy shown", "Busy(True) to every panel, once the request is written"),
    ("answer head read", "network and server (not the ticket's)"),
    ("answer parsed", "answer read and parsed"),
    ("answered", "answer to every panel (Busy(False))"),
    ("painted", "Flatten & Place button repainted"),
]


class ClickMarks:
    """Records one click's path: the app's `ct_ticket.timing` marks and the benchmark's own,
    from the click to the Flatten & Place button's first repaint after the answer."""

    def __init__(self, window: TicketWindow) -> None:
        from PySide6.QtCore import QEvent, QObject

        from ct_ticket.events import Busy, TicketEvent

        self.clicks: list[list[tuple[str, int]]] = []
        self._current: list[tuple[str, int]] | None = None
        marks = self

        class _PaintWatch(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
                if event.type() == QEvent.Type.Paint:
                    marks._painted()
                return False

        def on_event(event: TicketEvent) -> None:  # subscribed last: every panel has seen it
            if isinstance(event, Busy) and not event.busy:
                self.mark("answered")

        self._watch = _PaintWatch()
        window.entry.view.flatten_place_button.installEventFilter(self._watch)
        window.ticket.subscribe(on_event)

    def mark(self, name: str) -> None:
        """A benchmark's own mark on the path of the click being recorded."""
        if self._current is not None:
            self._current.append((name, time.perf_counter_ns()))

    def click(self, button: Any) -> int:
        """Click `button` with recording on; returns the click's perf_counter_ns."""
        from ct_ticket import timing

        self._current = []
        timing.record(self._current.append)
        self.mark("click")
        clicked = self._current[0][1]
        button.click()
        self.mark("handler returned")
        return clicked

    def _painted(self) -> None:
        current = self._current
        if current is not None and any(name == "answered" for name, _ns in current):
            self.mark("painted")
            self.finish()

    def finish(self) -> None:
        """Stop recording this click (its answer painted, or given up on)."""
        from ct_ticket import timing

        timing.record(None)
        if self._current is not None:
            self.clicks.append(self._current)
        self._current = None

    def segments(self) -> dict[str, list[float]]:
        """Per segment of BREAKDOWN, its ms in each click where every mark was found, each
        mark taken as the first of its name after the one before."""
        out: dict[str, list[float]] = {what: [] for _name, what in BREAKDOWN[1:]}
        for marks in self.clicks:
            found: list[int] = []
            at = 0
            for name, _what in BREAKDOWN:
                hit = next((i for i in range(at, len(marks)) if marks[i][0] == name), None)
                if hit is None:
                    break
                found.append(marks[hit][1])
                at = hit + 1
            if len(found) != len(BREAKDOWN):
                continue
            for (_name, what), start, end in zip(BREAKDOWN[1:], found[:-1], found[1:], strict=True):
                out[what].append((end - start) / 1e6)
        return out


def breakdown_rows(benchmark: str, marks: ClickMarks) -> list[Row]:
    """One row per segment of the click path: its median and p99 over the recorded clicks."""
    segments = marks.segments()
    n = min((len(v) for v in segments.values()), default=0)
    if n == 0:
        raise RuntimeError("no click was recorded from end to end")
    rows = []
    for what, values in segments.items():
        rows.append(Row(benchmark, f"breakdown: {what} — median (p99 {percentile(values, 99):.2f})",
                        median(values), "ms"))
    total = [sum(parts) for parts in zip(*segments.values(), strict=True)]
    rows.append(Row(benchmark, f"breakdown: click to button repainted, n={n} — median "
                    f"(p99 {percentile(total, 99):.2f})", median(total), "ms"))
    return rows
