"""A quote repaints its prices and nothing else: a new Bid, Ask or quote line of the same shape
re-lays out neither its panel nor the window, yet a price that needs more room gets it, a line
that wraps gets its height, and a quote that keeps the contract's facts does not re-label the
send buttons."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget

from ct_ticket.api.stream import Backoff, StreamClient
from ct_ticket.feed import Feed
from ct_ticket.ui import theme
from ct_ticket.ui.entry_view import EntryView
from ct_ticket.ui.widgets import SteadyBox


class EventCount(QObject):
    """Counts the layout requests and paints each watched widget receives."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.seen: Counter[tuple[str, QEvent.Type]] = Counter()
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Paint):
            self.seen[(watched.objectName(), event.type())] += 1
        return False

    def layouts(self, name: str) -> int:
        return self.seen[(name, QEvent.Type.LayoutRequest)]

    def paints(self, name: str) -> int:
        return self.seen[(name, QEvent.Type.Paint)]


def _settle(qtbot: Any) -> None:
    """Let posted layout requests and paints run (a box's change takes two hops)."""
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(30)


@pytest.fixture(autouse=True)
def styled(qapp: QApplication) -> Iterator[None]:
    """The app's real look (its monospace prices); the shared app's look given back after."""
    palette, sheet = QPalette(qapp.palette()), qapp.styleSheet()
    theme.apply_theme(qapp, dark=True)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


def _entry(qtbot: Any) -> EntryView:
    view = EntryView()
    qtbot.addWidget(view)
    view.resize(360, 300)  # squeezed: each row gets the height it asks for
    view.show()
    qtbot.waitExposed(view)
    view.bid_button.setText("Bid 5000.25")
    view.ask_button.setText("Ask 5000.50")
    view.quote_label.setText("MES 12-26 · Last 5000.25 · tick 0.25 · $5/pt")
    _settle(qtbot)
    return view


def test_a_new_price_repaints_the_prices_without_a_relayout(qtbot: Any) -> None:
    view = _entry(qtbot)
    count = EventCount(view, view.bid_button, view.bid_button.parentWidget())
    for bid in ("5000.50", "5001.00", "4999.75"):
        view.bid_button.setText(f"Bid {bid}")
        view.quote_label.setText(f"MES 12-26 · Last {bid} · tick 0.25 · $5/pt")
        _settle(qtbot)
    assert count.paints("bidButton") >= 3  # each price was drawn
    assert count.layouts("entryPanel") == 0  # and the panel was never laid out again


def test_a_longer_price_gets_the_room_it_needs(qtbot: Any) -> None:
    view = _entry(qtbot)
    button = view.bid_button
    narrow = button.width()
    button.setText("Bid 123456789012.25")
    _settle(qtbot)
    qtbot.waitUntil(lambda: button.width() >= button.sizeHint().width(), timeout=2_000)
    assert button.width() > narrow
    box = button.parentWidget()
    assert isinstance(box, SteadyBox)
    assert button.geometry() == box.rect()  # the price fills its box


def test_a_line_that_wraps_gets_its_height_and_gives_it_back(qtbot: Any) -> None:
    view = _entry(qtbot)
    label = view.quote_label
    one_line = label.height()
    label.setText("No quote: CrossTrade answered HTTP 503 while reading the quote of MES "
                  "12-26; the ticket tries again in a few seconds")
    _settle(qtbot)
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()), timeout=2_000)
    assert label.height() > one_line
    label.setText("MES 12-26 · Last 5000.25 · tick 0.25 · $5/pt")
    _settle(qtbot)
    qtbot.waitUntil(lambda: label.height() == one_line, timeout=2_000)


def test_a_new_font_is_measured_again(qtbot: Any) -> None:
    view = _entry(qtbot)
    button = view.bid_button
    before = button.width()
    font = button.font()
    font.setPointSize(font.pointSize() * 2)
    button.setFont(font)  # same text, twice the size: it needs more room
    _settle(qtbot)
    qtbot.waitUntil(lambda: button.width() >= button.sizeHint().width(), timeout=2_000)
    assert button.width() > before


def test_streamed_quotes_neither_relayout_nor_relabel_the_send_buttons(
    ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
) -> None:
    sim_server.sim.rate_limit_enabled = False
    window = ui.open(sim_server.url, settings_path)
    ui.set_instrument(window, "MES 12-26")
    stream = StreamClient(ui.token, base_url=sim_server.url, settle=0.05,
                          backoff=Backoff(first=0.05, cap=0.2))
    window.attach_feed(Feed(window.ticket, stream, stale_after=2.0))
    stream.start()
    view = window.entry.view
    labels = view.flatten_place_button.text()
    relabels: list[int] = []
    relabel = window.entry.form.update_send_labels

    def counted() -> None:
        relabels.append(1)
        relabel()

    try:
        sim_server.sim.set_price("MES", 6900.0)
        qtbot.waitUntil(lambda: view.bid_button.text() == "Bid 6900.00", timeout=5_000)
        _settle(qtbot)
        window.entry.form.update_send_labels = counted  # type: ignore[method-assign]
        count = EventCount(view)
        for price in (6900.25, 6900.5, 6900.75):
            sim_server.sim.set_price("MES", price)
            qtbot.waitUntil(lambda p=price: view.bid_button.text() == f"Bid {p:.2f}",
                            timeout=5_000)
        _settle(qtbot)
        assert relabels == []  # the contract's facts did not change: the words did not
        assert view.flatten_place_button.text() == labels
        assert count.layouts("entryPanel") == 0
    finally:
        ui.close(window)
        task = asyncio.ensure_future(stream.aclose())
        qtbot.waitUntil(task.done, timeout=5_000)
