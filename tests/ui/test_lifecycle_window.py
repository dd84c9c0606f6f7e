"""Every order followed to its end, in the real window over the simulator on loopback: NT8's
rejection after CrossTrade's 200 is shown as a rejection, a lost answer is settled by the
ticket's own id, working orders are cancelled and moved one at a time from the panel, and the
position is shown as it is even when the stream's P&L frames do not carry it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from ct_ticket.api.client import Timeouts
from ct_ticket.ui.dialogs import ConfirmDialog
from ct_ticket.ui.window import TicketWindow

pytestmark = pytest.mark.usefixtures("qloop")


@pytest.fixture
def window(ui: Any, sim_server: Any, settings_path: Path) -> Iterator[TicketWindow]:
    sim_server.sim.rate_limit_enabled = False
    win = ui.open(sim_server.url, settings_path,
                  timeouts=Timeouts(connect=0.5, read=0.8), backoff=0.01)
    ui.set_instrument(win, "MES 12-26")
    yield win
    ui.close(win)


def open_dialog() -> ConfirmDialog | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, ConfirmDialog) and w.isVisible()), None)


def form(window: TicketWindow, order_type: str, *, side: str = "BUY", quantity: int = 1,
         limit: float | None = None, stop: float | None = None) -> None:
    entry = window.entry
    picker = entry.view.order_type_picker
    picker.setCurrentIndex(picker.findData(order_type))
    button = entry.view.buy_button if side == "BUY" else entry.view.sell_button
    button.click()
    entry.view.quantity_field.setValue(quantity)
    if limit is not None:
        entry.view.limit_price_field.setValue(limit)
    if stop is not None:
        entry.view.stop_price_field.setValue(stop)


def status(window: TicketWindow) -> str:
    return window.position.view.status_line.text()


def test_a_sell_stop_above_the_market_is_held_naming_both_prices_then_shown_rejected(
        qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    quote = window.ticket.quote
    assert quote is not None and quote.bid is not None
    stop = quote.bid + 2.0  # above the bid: NT8 rejects a sell stop there
    form(window, "STOPLIMIT", side="SELL", stop=stop, limit=stop)
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: open_dialog() is not None, timeout=5_000)
    dialog = open_dialog()
    assert dialog is not None
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    details = dialog.findChild(type(window.activity.view.activity_log), "confirmDetails")
    words = text + (details.toPlainText() if details is not None else "")
    assert "wrong side of the market" in words
    assert f"{stop:.2f}".rstrip("0").rstrip(".") in words and "bid" in words
    assert sim_server.sim.order_posts() == []
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)  # Send anyway
    qtbot.waitUntil(lambda: "Rejected by NT8" in status(window), timeout=2_000)
    assert "can't be placed above the market" in status(window)
    assert window.position.view.status_line.property("level") == "error"
    log = window.activity.view.activity_log.toPlainText()
    assert "Rejected by NT8" in log
    assert len(sim_server.sim.order_posts()) == 1


def test_an_answer_after_the_timeout_is_one_post_then_placed_by_the_ticket_own_id(
        qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim = sim_server.sim
    quote = window.ticket.quote
    assert quote is not None and quote.bid is not None
    sim.delay_next_order(3.0)  # placed at once, answered after the client's deadline
    form(window, "LIMIT", limit=quote.bid - 5.0)
    window.entry.view.place_button.click()
    qtbot.waitUntil(lambda: "It was placed" in status(window), timeout=10_000)
    assert "Working" in status(window)
    posts = sim.order_posts()
    assert len(posts) == 1
    assert posts[0].json is not None and posts[0].json["orderId"]
    own_id = posts[0].json["orderId"]
    reads = [r.path for r in sim.requests if r.method == "GET" and own_id in r.path]
    assert reads, "the lookup used the ticket's own id"


def test_a_post_that_failed_before_placing_is_said_not_placed(
        qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim = sim_server.sim
    sim.fail_next_order(status=502, placed=False)
    form(window, "MARKET")
    window.entry.view.place_button.click()
    qtbot.waitUntil(lambda: "not placed" in status(window), timeout=10_000)
    assert len(sim.order_posts()) == 1
    assert sim.position("Sim101", "MES 12-26") is None


def _two_working_limits(qtbot: Any, window: TicketWindow, sim: Any) -> tuple[float, float]:
    quote = window.ticket.quote
    assert quote is not None and quote.bid is not None
    prices = (quote.bid - 10.0, quote.bid - 12.0)
    for price in prices:
        form(window, "LIMIT", limit=price)
        window.entry.view.place_button.click()
        qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks,
                        timeout=5_000)
    window.orders.view.toggle_button.setChecked(True)
    qtbot.waitUntil(lambda: window.orders.view.body.orders_table.rowCount() == 2, timeout=5_000)
    return prices


def test_cancel_one_working_order_from_the_panel_cancels_only_that_one(
        qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim = sim_server.sim
    _two_working_limits(qtbot, window, sim)
    table = window.orders.view.body.orders_table
    table.selectRow(0)
    target = window.orders.selected()
    assert target is not None
    before = len(sim.requests)
    qtbot.mouseClick(window.orders.view.body.cancel_order_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=5_000)
    cancels = [r for r in sim.requests[before:] if r.path.endswith("/cancel")]
    assert [r.path for r in cancels] == [
        f"/v1/api/accounts/Sim101/orders/{target.order_id}/cancel"]
    assert len(sim.working_orders("Sim101")) == 1


def test_move_one_tick_is_one_put_with_the_new_price_and_the_panel_shows_the_new_id(
        qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim = sim_server.sim
    _two_working_limits(qtbot, window, sim)
    table = window.orders.view.body.orders_table
    table.selectRow(0)
    target = window.orders.selected()
    assert target is not None and target.limit_price is not None
    before = len(sim.requests)
    qtbot.mouseClick(window.orders.view.body.tick_up_button, Qt.MouseButton.LeftButton)
    new_price = target.limit_price + 0.25
    qtbot.waitUntil(lambda: window.orders.selected() is not None
                    and window.orders.selected().limit_price == new_price, timeout=5_000)
    puts = [r for r in sim.requests[before:] if r.method == "PUT"]
    assert len(puts) == 1 and puts[0].json == {"limitPrice": new_price}
    moved = window.orders.selected()
    assert moved is not None and moved.order_id != target.order_id  # the id the change returned
    row = next(r for r in range(table.rowCount()) if table.item(r, 7).text() == moved.order_id[:8])
    assert table.item(row, 4).text() == f"{new_price:.2f}"


def test_a_resting_order_fill_shows_within_two_seconds_without_positions_in_the_stream(
        qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim = sim_server.sim
    sim.stream_pnl_positions = False
    quote = window.ticket.quote
    assert quote is not None and quote.bid is not None
    form(window, "LIMIT", quantity=2, limit=quote.bid - 10.0)
    window.entry.view.place_button.click()
    qtbot.waitUntil(lambda: len(sim.working_orders("Sim101")) == 1, timeout=5_000)
    qtbot.waitUntil(lambda: window.ticket.working_orders == 1, timeout=5_000)
    order_id = sim.working_orders("Sim101")[0]["orderId"]
    sim.fill_order("Sim101", order_id)
    qtbot.waitUntil(
        lambda: window.position.view.position_label.text().startswith("LONG 2"), timeout=2_000)
