"""The app's own traffic against CrossTrade's shared budget of 180 requests a minute.

An idle window's background reads are counted over a simulated minute: every `*_MS` interval of
the window module is divided by `SPEEDUP` before the window exists and the window runs for
60 s / SPEEDUP, so what the simulator receives meanwhile is what it would receive in a minute.
Then the 429 path: a send refused by the rate limit says when sending is possible again, and
that is true; a read waits out a short Retry-After and succeeds.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faultserver import FaultServer

from ct_ticket.api.client import Timeouts
from ct_ticket.api.stream import Backoff, StreamClient
from ct_ticket.feed import Feed
from ct_ticket.ui import window as window_module
from ct_ticket.ui.window import TicketWindow

BUDGET_PER_MINUTE = 180
IDLE_ALLOWANCE_PER_MINUTE = BUDGET_PER_MINUTE // 3  # the rest is the trader's
SPEEDUP = 20
INSTRUMENT = "MES 12-26"


def speed_up_timers(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Divide every `*_MS` interval of the window module by SPEEDUP; returns the originals."""
    originals = {name: value for name, value in vars(window_module).items()
                 if name.endswith("_MS") and isinstance(value, int)}
    assert "REFRESH_TICK_MS" in originals
    for name, value in originals.items():
        monkeypatch.setattr(window_module, name, max(1, value // SPEEDUP))
    return originals


def requests_in_a_simulated_minute(ui: Any, qtbot: Any, window: TicketWindow, sim: Any
                                   ) -> list[Any]:
    """What the simulator receives while the window sits idle for 60 s / SPEEDUP."""
    ui.wait_idle(window)
    start = len(sim.requests)
    qtbot.wait(60_000 // SPEEDUP)
    return sim.requests[start:]


@pytest.fixture
def fast_window(ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[TicketWindow]:
    """A window whose timers run SPEEDUP times faster, on the simulator without its limiter
    (its bucket runs on real time, which this test compresses)."""
    speed_up_timers(monkeypatch)
    sim_server.sim.rate_limit_enabled = False
    window = ui.open(sim_server.url, settings_path)
    ui.set_instrument(window, INSTRUMENT)
    yield window
    ui.close(window)


def test_idle_window_reads_at_most_a_third_of_the_budget(
    ui: Any, qtbot: Any, fast_window: TicketWindow, sim_server: Any
) -> None:
    per_minute = requests_in_a_simulated_minute(ui, qtbot, fast_window, sim_server.sim)
    count = len(per_minute)  # (a failure must not print the requests: they hold the token)
    assert {r.method for r in per_minute} <= {"GET"}
    assert 0 < count <= IDLE_ALLOWANCE_PER_MINUTE, f"{count} requests in an idle minute"


def test_idle_window_on_rest_fallback_still_reads_at_most_a_third_of_the_budget(
    ui: Any, qtbot: Any, fast_window: TicketWindow, sim_server: Any
) -> None:
    # The stream is down (nothing listens there): each tick reads position and quote over REST,
    # the worst idle case. Handshake retries go to the stream's address, not this count.
    stream = StreamClient(ui.token, base_url="http://127.0.0.1:9", settle=0.05,
                          backoff=Backoff(first=0.05, cap=0.2))
    fast_window.attach_feed(Feed(fast_window.ticket, stream))
    stream.start()
    try:
        qtbot.waitUntil(
            lambda: "REST" in fast_window.header.view.stream_indicator.text(), timeout=5_000
        )
        per_minute = requests_in_a_simulated_minute(ui, qtbot, fast_window, sim_server.sim)
    finally:
        closing = asyncio.ensure_future(stream.aclose())
        qtbot.waitUntil(closing.done, timeout=5_000)
    count = len(per_minute)
    assert {r.method for r in per_minute} <= {"GET"}
    assert any(r.path.endswith("/market/quote") for r in per_minute)  # the fallback ran
    assert count <= IDLE_ALLOWANCE_PER_MINUTE, f"{count} requests in an idle minute"


# --- 429: when sending is possible again ---------------------------------------------------


AGAIN = re.compile(r"sending is possible again in (\d+) s")


@pytest.fixture
def window(ui: Any, sim_server: Any, settings_path: Path) -> Iterator[TicketWindow]:
    sim_server.sim.rate_limit_enabled = False
    win = ui.open(sim_server.url, settings_path)
    ui.set_instrument(win, INSTRUMENT)
    ui.wait_idle(win)
    yield win
    ui.close(win)


def test_send_refused_by_the_rate_limit_says_when_and_sending_then_works(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    sim = sim_server.sim
    sim.rate_limit_enabled = True
    while sim.admit() is None:  # someone else spent the shared bucket
        pass
    ui.click_send(window, window.entry.view.place_button)

    status = window.position.view.status_line.text()
    found = AGAIN.search(status)
    assert found is not None and window.position.view.status_line.property("level") == "error", (
        status
    )
    assert [r.status for r in sim.order_posts()] == [429]
    qtbot.wait(int(found.group(1)) * 1000 + 100)  # as told
    ui.click_send(window, window.entry.view.place_button)  # asks first: the same order again
    assert [r.status for r in sim.order_posts()] == [429, 200]
    status = window.position.view.status_line.text()
    assert status.startswith("Filled BUY 1 @ ") and ", now LONG 1 MES 12-26" in status


def test_send_refused_with_retry_after_tells_exactly_those_seconds(
    ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
) -> None:
    sim_server.sim.rate_limit_enabled = False
    with FaultServer(upstream=sim_server.url) as faults:
        win = ui.open(faults.url, settings_path, backoff=0.01)
        try:
            ui.set_instrument(win, INSTRUMENT)
            ui.wait_idle(win)
            faults.inject(
                "status",
                status=429,
                method="POST",
                times=1,
                headers={"Retry-After": "42"},
                body={"error": "Rate limit exceeded"},
            )
            ui.click_send(win, win.entry.view.place_button)
            assert "sending is possible again in 42 s" in win.position.view.status_line.text()
            assert faults.count("POST") == 1
        finally:
            ui.close(win)


def test_read_waits_out_a_short_retry_after_then_succeeds(
    ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
) -> None:
    sim_server.sim.rate_limit_enabled = False
    with FaultServer(upstream=sim_server.url) as faults:
        win = ui.open(
            faults.url, settings_path, timeouts=Timeouts(0.5, 0.6), backoff=0.01
        )
        try:
            ui.set_instrument(win, INSTRUMENT)
            ui.wait_idle(win)
            faults.inject(
                "status",
                status=429,
                method="GET",
                path="/position",
                times=1,
                headers={"Retry-After": "1"},
            )
            started = time.monotonic()
            with ui.loop_meter() as meter:
                win._refresh_timer.timeout.emit()
                ui.wait_idle(win)
            waited = time.monotonic() - started
            assert waited >= 0.95
            assert meter.longest_gap < 0.5  # waiting is not blocking
            assert [r.fault for r in faults.requests if r.path.endswith("/position")][-2:] == [
                "status",
                None,
            ]
            assert win.position.view.position_label.text().startswith("FLAT MES 12-26")
            assert (
                "rate limit"
                not in win.position.view.position_label.text()
                + win.position.view.status_line.text()
            )
        finally:
            ui.close(win)
