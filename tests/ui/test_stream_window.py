"""The window over a real loopback WebSocket: ticking quotes, P&L, reconnects, REST fallback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ct_ticket.api.stream import Backoff, StreamClient
from ct_ticket.feed import Feed
from ct_ticket.ui import window as window_module
from ct_ticket.ui.window import TicketWindow


def attach_stream(ui: Any, qtbot: Any, window: TicketWindow, base_url: str) -> StreamClient:
    stream = StreamClient(ui.token, base_url=base_url, settle=0.05,
                          backoff=Backoff(first=0.05, cap=0.2))
    window.attach_feed(Feed(window.ticket, stream, stale_after=2.0))
    stream.start()
    return stream


def close_stream(qtbot: Any, stream: StreamClient) -> None:
    task = asyncio.ensure_future(stream.aclose())
    qtbot.waitUntil(task.done, timeout=5_000)


@pytest.fixture
def streaming(ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
              ) -> Iterator[tuple[TicketWindow, StreamClient]]:
    sim_server.sim.rate_limit_enabled = False
    window = ui.open(sim_server.url, settings_path)
    ui.set_instrument(window, "MES 12-26")
    stream = attach_stream(ui, qtbot, window, sim_server.url)
    qtbot.waitUntil(lambda: window.header.view.stream_indicator.text() == "◉ Live", timeout=5_000)
    yield window, stream
    ui.close(window)
    close_stream(qtbot, stream)


def quote_reads(sim: Any) -> int:
    return sum(1 for r in sim.requests if r.path.startswith("/v1/api/market/quote"))


def test_quotes_tick_into_the_window_over_the_stream(
    qtbot: Any, streaming: tuple[TicketWindow, StreamClient], sim_server: Any
) -> None:
    window, _stream = streaming
    reads = quote_reads(sim_server.sim)
    sim_server.sim.set_price("MES", 6900.0)
    qtbot.waitUntil(lambda: window.entry.view.bid_button.text() == "Bid 6900.00", timeout=5_000)
    assert window.entry.view.ask_button.text() == "Ask 6900.25"
    assert "Last 6900.00 " in window.entry.view.quote_label.text()
    assert quote_reads(sim_server.sim) == reads  # the stream, not a REST read, brought it
    assert sim_server.sim.stream_subscriptions() == {"MES 12-26": 1}


def test_pnl_follows_the_market_after_a_fill(
    qtbot: Any, streaming: tuple[TicketWindow, StreamClient], sim_server: Any
) -> None:
    window, _stream = streaming
    sim_server.sim.set_price("MES", 6850.0)
    window.entry.view.quantity_field.setValue(2)
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "LONG 2" in window.position.view.position_label.text(), timeout=5_000)
    sim_server.sim.set_price("MES", 6860.0)  # +9.75 points x 2 x $5 from the 6850.25 fill
    qtbot.waitUntil(
        lambda: "P&L +97.50" in window.position.view.pnl_label.text(), timeout=5_000
    )


def test_a_dropped_stream_reconnects_and_resubscribes(
    qtbot: Any, streaming: tuple[TicketWindow, StreamClient], sim_server: Any
) -> None:
    window, stream = streaming
    connections = stream.connections
    assert sim_server.sim.stream_drop() >= 1
    qtbot.waitUntil(
        lambda: (
            stream.connections > connections
            and window.header.view.stream_indicator.text() == "◉ Live"
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(
        lambda: sim_server.sim.stream_subscriptions() == {"MES 12-26": 1}, timeout=5_000
    )
    sim_server.sim.set_price("MES", 6700.0)
    qtbot.waitUntil(lambda: window.entry.view.bid_button.text() == "Bid 6700.00", timeout=5_000)


def test_switching_instruments_fast_leaves_one_subscription(
    qtbot: Any, streaming: tuple[TicketWindow, StreamClient], sim_server: Any
) -> None:
    window, _stream = streaming
    for name in (
        "ES 12-26",
        "NQ 12-26",
        "MNQ 12-26",
        "CL 12-26",
        "GC 12-26",
        "MES 12-26",
        "ZB 12-26",
    ):
        window.entry.view.instrument_picker.setEditText(name)
        window.entry.view.instrument_editor.editingFinished.emit()
    qtbot.waitUntil(lambda: sim_server.sim.stream_subscriptions() == {"ZB 12-26": 1}, timeout=5_000)


def test_without_a_stream_the_window_says_so_and_reads_over_rest(
    ui: Any, qtbot: Any,
    qloop: Any,
    sim_server: Any,
    settings_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(window_module, "REFRESH_TICK_MS", 100)
    sim_server.sim.rate_limit_enabled = False
    window = ui.open(sim_server.url, settings_path)
    ui.set_instrument(window, "MES 12-26")
    stream = attach_stream(ui, qtbot, window, "http://127.0.0.1:9")  # nothing listens there
    try:
        qtbot.waitUntil(lambda: "REST" in window.header.view.stream_indicator.text(), timeout=5_000)
        before = quote_reads(sim_server.sim)
        sim_server.sim.set_price("MES", 6777.0)
        qtbot.waitUntil(lambda: window.entry.view.bid_button.text() == "Bid 6777.00", timeout=5_000)
        assert quote_reads(sim_server.sim) > before
    finally:
        ui.close(window)
        close_stream(qtbot, stream)


def test_rest_fallback_and_back_when_the_stream_comes_up(
    ui: Any, qtbot: Any,
    qloop: Any,
    sim_server: Any,
    settings_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    from ct_ticket.sim import create_app, serve_in_thread

    monkeypatch.setattr(window_module, "REFRESH_TICK_MS", 100)
    sim_server.sim.rate_limit_enabled = False
    with socket.socket() as probe:  # a port nothing listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    window = ui.open(sim_server.url, settings_path)
    ui.set_instrument(window, "MES 12-26")
    stream = attach_stream(ui, qtbot, window, f"http://127.0.0.1:{port}")
    served = None
    try:
        qtbot.waitUntil(lambda: "REST" in window.header.view.stream_indicator.text(), timeout=5_000)
        before = quote_reads(sim_server.sim)
        qtbot.waitUntil(lambda: quote_reads(sim_server.sim) > before + 1, timeout=5_000)
        # The stream's server comes up (the same simulator): the window goes live by itself
        # and stops polling quotes over REST.
        served = serve_in_thread(create_app(sim_server.sim), port=port)
        qtbot.waitUntil(
            lambda: window.header.view.stream_indicator.text() == "◉ Live", timeout=10_000
        )
        qtbot.wait(300)
        settled = quote_reads(sim_server.sim)
        qtbot.wait(600)  # six refresh periods
        assert quote_reads(sim_server.sim) == settled
        sim_server.sim.set_price("MES", 6801.0)
        qtbot.waitUntil(lambda: window.entry.view.bid_button.text() == "Bid 6801.00", timeout=5_000)
    finally:
        ui.close(window)
        close_stream(qtbot, stream)
        if served is not None:
            served.close()


def test_a_flat_position_on_a_live_stream_is_not_stale_however_long_it_stays_flat(
    qtbot: Any, streaming: tuple[TicketWindow, StreamClient], sim_server: Any,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # Freshness follows the source's liveness, not the time since the value changed: P&L frames
    # that carry the account's positions prove a flat position every interval. 60 s of the
    # real rule is compressed here by shortening the staleness limit to 0.3 s.
    from ct_ticket.ui import position as position_module

    window, _stream = streaming
    monkeypatch.setattr(position_module, "STALE_AFTER_S", 0.3)
    label = window.position.view.position_label
    assert label.text().startswith("FLAT MES 12-26")
    qtbot.waitUntil(lambda: window.feed is not None and window.feed.positions_live,
                    timeout=5_000)
    reads = sum(1 for r in sim_server.sim.requests if r.path.endswith("/position"))
    qtbot.wait(1_500)  # five staleness limits, and several of the window's age ticks
    assert label.property("stale") is False
    assert label.toolTip() == "Streamed live"
    # Proven by the stream, the position is not polled over REST meanwhile.
    assert sum(1 for r in sim_server.sim.requests if r.path.endswith("/position")) == reads


def test_without_positions_in_the_stream_a_position_that_is_not_read_turns_stale(
    qtbot: Any, streaming: tuple[TicketWindow, StreamClient], sim_server: Any,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from ct_ticket.ui import position as position_module

    window, _stream = streaming
    sim_server.sim.stream_pnl_positions = False  # P&L frames no longer prove the position
    monkeypatch.setattr(position_module, "STALE_AFTER_S", 0.3)
    window._refresh_timer.stop()  # no REST reads either: nothing proves it any more
    qtbot.waitUntil(lambda: window.feed is not None and not window.feed.positions_live,
                    timeout=5_000)
    qtbot.waitUntil(lambda: window.position.view.position_label.property("stale") is True,
                    timeout=3_000)
