"""The real ticket window against the simulator over a real loopback socket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from ct_ticket.settings import Settings
from ct_ticket.ui.dialogs import ConfirmDialog
from ct_ticket.ui.window import TicketWindow


@pytest.fixture
def window(ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
           ) -> Iterator[TicketWindow]:
    sim_server.sim.rate_limit_enabled = False
    win = ui.open(sim_server.url, settings_path)
    yield win
    ui.close(win)


def test_first_load_fills_accounts_quote_and_position(window: TicketWindow) -> None:
    names = [
        window.entry.view.account_picker.itemData(i)
        for i in range(window.entry.view.account_picker.count())
    ]
    assert {"Sim101", "Sim102", "Apex-12"} <= set(names)
    assert window.entry.form.current_account() == "Sim101"
    assert "tick 0.25" in window.entry.view.quote_label.text()
    assert window.position.view.position_label.text().startswith("FLAT")
    assert window.position.view.status_line.property("level") == "ok"


@pytest.mark.parametrize(
    ("order_type", "limit", "stop", "expected_prices"),
    [
        ("MARKET", None, None, {}),
        ("LIMIT", 6000.25, None, {"limitPrice": 6000.25}),
        ("STOPMARKET", None, 7000.5, {"stopPrice": 7000.5}),
        ("STOPLIMIT", 7000.75, 7000.5, {"limitPrice": 7000.75, "stopPrice": 7000.5}),
    ],
)
def test_each_order_type_sends_exactly_the_documented_body(
    ui: Any, qtbot: Any,
    window: TicketWindow,
    sim_server: Any,
    order_type: str,
    limit: float | None,
    stop: float | None,
    expected_prices: dict[str, float],
) -> None:
    ui.set_instrument(window, "MES 12-26")
    ui.choose(window, order_type, "GTC")
    window.entry.view.quantity_field.setValue(2)
    # Prices typed for every field: the ones the type does not take must not be sent.
    window.entry.view.limit_price_field.setValue(limit or 6000.0)
    window.entry.view.stop_price_field.setValue(stop or 7000.0)
    window.entry.view.atm_strategy_field.setText("")
    window.entry.view.oco_id_field.setText("grp-7")
    assert window.entry.view.limit_price_field.isVisible() == (limit is not None)
    assert window.entry.view.stop_price_field.isVisible() == (stop is not None)
    ui.click_and_wait_idle(window, window.entry.view.place_button)
    posts = sim_server.sim.order_posts("place")
    assert len(posts) == 1
    assert posts[0].path == "/v1/api/accounts/Sim101/orders/place"
    body = dict(posts[0].json or {})
    order_id = body.pop("orderId")  # the ticket's own id, chosen before sending
    assert isinstance(order_id, str) and len(order_id) == 32
    assert body == {
        "instrument": "MES 12-26",
        "action": "BUY",
        "quantity": 2,
        "orderType": order_type,
        "timeInForce": "GTC",
        "ocoId": "grp-7",
        **expected_prices,
    }
    assert posts[0].headers["authorization"] == f"Bearer {ui.token}"


def test_send_button_reads_the_whole_order(ui: Any, qtbot: Any, window: TicketWindow) -> None:
    ui.set_instrument(window, "MES 12-26")
    ui.choose(window, "LIMIT")
    qtbot.mouseClick(window.entry.view.sell_button, Qt.MouseButton.LeftButton)
    window.entry.view.quantity_field.setValue(2)
    window.entry.view.limit_price_field.setValue(5012.25)
    assert window.entry.view.flatten_place_button.text().replace("&&", "&") == (
        "SIM Sim101\nFlatten & SELL 2 MES 12-26 LMT 5012.25"
    )
    assert window.entry.view.place_button.text() == "SIM Sim101\nPlace SELL 2 MES 12-26 LMT 5012.25"
    assert window.view.ticket_root.property("side") == "sell"


def test_burst_of_twenty_clicks_sends_one_flat_place(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    ui.set_instrument(window, "MES 12-26")
    for _ in range(20):
        qtbot.mouseClick(window.entry.view.flatten_place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks, timeout=5_000)
    assert len(sim_server.sim.order_posts("flatplace")) == 1
    assert sim_server.sim.order_posts("place") == []
    # A later click is its own order again (a different one: the same order twice asks first).
    window.entry.view.quantity_field.setValue(2)
    ui.click_and_wait_idle(window, window.entry.view.flatten_place_button)
    assert len(sim_server.sim.order_posts("flatplace")) == 2


def test_held_shortcut_sends_one_order(ui: Any, qtbot: Any, window: TicketWindow,
                                       sim_server: Any) -> None:
    ui.set_instrument(window, "MES 12-26")
    window.activateWindow()
    for _ in range(10):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks, timeout=5_000)
    assert len(sim_server.sim.order_posts("flatplace")) == 1


def test_flatten_and_place_replaces_the_position(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    ui.set_instrument(window, "MES 12-26")
    window.entry.view.quantity_field.setValue(3)
    ui.click_and_wait_idle(window, window.entry.view.place_button)
    assert sim_server.sim.position("Sim101", "MES 12-26")["quantity"] == 3
    qtbot.mouseClick(window.entry.view.sell_button, Qt.MouseButton.LeftButton)
    window.entry.view.quantity_field.setValue(1)
    ui.click_and_wait_idle(window, window.entry.view.flatten_place_button)
    position = sim_server.sim.position("Sim101", "MES 12-26")
    assert position["marketPosition"] == "Short" and position["quantity"] == 1
    status = window.position.view.status_line.text()
    assert status.startswith("Filled SELL 1 @ ") and ", now SHORT 1 MES 12-26 @" in status
    assert "0 working orders" in window.position.view.status_line.text()
    assert "SHORT 1" in window.position.view.position_label.text()


def test_limit_without_price_is_refused_with_the_form_intact(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    ui.set_instrument(window, "MES 12-26")
    ui.choose(window, "LIMIT", "GTC")
    window.entry.view.limit_price_field.setValue(None)  # empty: no price typed
    window.entry.view.quantity_field.setValue(7)
    window.entry.view.oco_id_field.setText("keep-me")
    qtbot.mouseClick(window.entry.view.flatten_place_button, Qt.MouseButton.LeftButton)
    assert "Limit price is required" in window.position.view.status_line.text()
    assert window.position.view.status_line.property("level") == "error"
    assert window.entry.view.limit_price_field.property("invalid") is True
    assert sim_server.sim.order_posts() == []
    assert (window.entry.view.quantity_field.value(), window.entry.view.oco_id_field.text()) == (
        7,
        "keep-me",
    )
    assert window.entry.view.order_type_picker.currentData() == "LIMIT"
    assert window.entry.form.current_instrument() == "MES 12-26"


def test_bad_instrument_is_marked_and_not_sent(
    qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    window.entry.view.instrument_picker.setEditText("ES 13-99")
    window.entry.view.instrument_editor.textEdited.emit("ES 13-99")
    assert window.entry.view.instrument_editor.property("invalid") is True
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    assert "not an instrument name" in window.position.view.status_line.text()
    assert sim_server.sim.order_posts() == []


def test_account_with_space_and_slash_is_one_path_segment(
    ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
) -> None:
    sim_server.sim.rate_limit_enabled = False
    sim_server.sim.add_account("Prop Firm/01")
    window = ui.open(sim_server.url, settings_path)
    try:
        index = window.entry.view.account_picker.findData("Prop Firm/01")
        assert index >= 0
        window.entry.view.account_picker.setCurrentIndex(index)
        window.entry.view.account_picker.activated.emit(index)
        ui.set_instrument(window, "MES 12-26")
        ui.click_and_wait_idle(window, window.entry.view.place_button)
        posts = sim_server.sim.order_posts("place")
        assert [p.path for p in posts] == ["/v1/api/accounts/Prop%20Firm%2F01/orders/place"]
        assert sim_server.sim.position("Prop Firm/01", "MES 12-26")["quantity"] == 1
    finally:
        ui.close(window)


def test_quote_seeds_prices_and_ticks(ui: Any, qtbot: Any, window: TicketWindow) -> None:
    ui.set_instrument(window, "ZB 12-26")
    ui.choose(window, "LIMIT")
    quote = window.ticket.quote
    assert quote is not None and quote.tick_size == 0.03125
    field = window.entry.view.limit_price_field
    assert field.tick == Decimal("0.03125")
    field.setValue(None)
    window.entry.form.seed_prices()
    assert field.value() == quote.bid  # a buy limit starts at the bid
    assert len(field.text().partition(".")[2]) == 5  # written with the tick's decimals
    qtbot.mouseClick(window.entry.view.ask_button, Qt.MouseButton.LeftButton)
    assert field.value() == quote.ask
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Up)  # Up steps by one tick, as the spin box did
    assert field.value() == Decimal(repr(quote.ask)) + Decimal("0.03125")
    typed = field.text()
    window.entry.form.seed_prices()  # a price the trader chose is never overwritten
    assert field.text() == typed


def find_dialog() -> ConfirmDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ConfirmDialog) and widget.isVisible():
            return widget
    return None


def test_flatten_everything_asks_and_lists_what_it_closes(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    ui.set_instrument(window, "MES 12-26")
    window.entry.view.quantity_field.setValue(2)
    ui.click_and_wait_idle(window, window.entry.view.place_button)
    qtbot.mouseClick(window.position.view.flatten_everything_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find_dialog() is not None, timeout=5_000)
    dialog = find_dialog()
    assert dialog is not None
    details = dialog.findChild(QLabel, "confirmQuestion")
    assert details is not None and "Sim101" in details.text()
    listing = dialog.findChild(type(window.activity.view.activity_log), "confirmDetails")
    assert listing is not None and "LONG 2 MES 12-26" in listing.toPlainText()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not sent" in window.position.view.status_line.text(), timeout=5_000)
    assert sim_server.sim.position("Sim101", "MES 12-26")["quantity"] == 2

    qtbot.mouseClick(window.position.view.flatten_everything_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find_dialog() is not None, timeout=5_000)
    dialog = find_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.position.view.status_line.text().startswith("Now FLAT"), timeout=5_000
    )
    assert sim_server.sim.position("Sim101", "MES 12-26") is None


def test_confirm_every_order_asks_first_and_is_remembered(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any, settings_path: Path
) -> None:
    ui.set_instrument(window, "MES 12-26")
    window.view.confirm_orders_toggle.setChecked(True)
    assert Settings(settings_path).confirm_orders is True
    for _ in range(3):
        qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find_dialog() is not None, timeout=5_000)
    assert sim_server.sim.order_posts() == []
    dialog = find_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(sim_server.sim.order_posts("place")) == 1, timeout=5_000)
    qtbot.waitUntil(lambda: not window.ticket._tasks, timeout=5_000)
    assert len(sim_server.sim.order_posts("place")) == 1


def test_choices_are_remembered(ui: Any, qtbot: Any, window: TicketWindow,
                                settings_path: Path) -> None:
    ui.set_instrument(window, "MNQ 12-26")
    ui.choose(window, "STOPMARKET", "GTC")
    window.entry.view.quantity_field.setValue(4)
    qtbot.mouseClick(window.entry.view.sell_button, Qt.MouseButton.LeftButton)
    window.view.always_on_top_toggle.setChecked(False)
    window.save_choices()
    settings = Settings(settings_path)
    assert (
        settings.instrument,
        settings.order_type,
        settings.time_in_force,
        settings.quantity,
        settings.side,
        settings.always_on_top,
    ) == ("MNQ 12-26", "STOPMARKET", "GTC", 4, "SELL", False)
    assert settings.recent_instruments[0] == "MNQ 12-26"


@pytest.mark.parametrize(
    ("switch", "words"),
    [
        ("nt_off", "NinjaTrader is not connected"),
        ("bad_token", "refused the API token"),
        ("rate_limit", "rate limit"),
    ],
)
def test_typed_errors_reach_the_status_line_in_words(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any, switch: str, words: str
) -> None:
    ui.set_instrument(window, "MES 12-26")
    sim = sim_server.sim
    if switch == "nt_off":
        sim.nt_connected = False
    elif switch == "bad_token":
        window.ticket.client.set_token("wrong")
        sim.token = ui.token
    else:
        sim.rate_limit_enabled = True
        while sim.admit() is None:
            pass
    window.entry.view.quantity_field.setValue(3)
    ui.click_and_wait_idle(window, window.entry.view.place_button)
    qtbot.waitUntil(lambda: words in window.position.view.status_line.text(), timeout=5_000)
    assert window.entry.view.quantity_field.value() == 3
    log = window.activity.view.activity_log.toPlainText()
    assert words in log
    assert ui.token not in log and "wrong" not in window.position.view.status_line.text()


def test_a_failed_background_read_is_cleared_when_crosstrade_answers_again(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    ui.set_instrument(window, "MES 12-26")
    sim_server.sim.token = "something-else"  # every read now answers 401
    task = asyncio.ensure_future(window.ticket.refresh_position())
    qtbot.waitUntil(task.done, timeout=5_000)
    assert "failed" in window.position.view.status_line.text()
    assert window.position.view.status_line.property("level") == "error"
    sim_server.sim.token = None
    task = asyncio.ensure_future(window.ticket.refresh_position())
    qtbot.waitUntil(task.done, timeout=5_000)
    assert window.position.view.status_line.text() == "CrossTrade answers again: FLAT MES 12-26."
    assert window.position.view.status_line.property("level") == "ok"


def test_tab_walks_the_ticket_in_reading_order(ui: Any, window: TicketWindow) -> None:
    ui.choose(window, "STOPLIMIT")
    expected = [
        window.entry.view.account_picker,
        window.entry.view.instrument_picker,
        window.entry.view.buy_button,
        window.entry.view.sell_button,
        window.entry.view.quantity_field,
        window.entry.view.order_type_picker,
        window.entry.view.time_in_force_picker,
        window.entry.view.stop_price_field,
        window.entry.view.limit_price_field,
        window.entry.view.atm_strategy_field,
        window.entry.view.oco_id_field,
        window.entry.view.flatten_place_button,
        window.entry.view.place_button,
    ]
    reached = []
    widget = window.entry.view.account_picker
    for _ in range(200):  # the focus chain also holds the tool buttons in between
        if widget in expected and widget not in reached:
            reached.append(widget)
        widget = widget.nextInFocusChain()
    assert reached == expected
