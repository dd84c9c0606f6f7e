"""Safety rails in the real window against the simulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from ct_ticket.model import AccountKind, Limits
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


def dialog_now() -> ConfirmDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ConfirmDialog) and widget.isVisible():
            return widget
    return None


def wait_dialog(qtbot: Any) -> ConfirmDialog:
    qtbot.waitUntil(lambda: dialog_now() is not None, timeout=5_000)
    dialog = dialog_now()
    assert dialog is not None
    return dialog


def dialog_text(dialog: ConfirmDialog) -> str:
    question = dialog.findChild(QLabel, "confirmQuestion")
    details = dialog.findChild(QPlainTextEdit, "confirmDetails")
    return (question.text() if question else "") + "\n" + (
        details.toPlainText() if details else "")


def choose_account(window: TicketWindow, name: str) -> None:
    index = window.entry.view.account_picker.findData(name)
    assert index >= 0
    window.entry.view.account_picker.setCurrentIndex(index)
    window.entry.view.account_picker.activated.emit(index)


def test_a_live_account_tints_the_ticket_and_labels_every_send(
    ui: Any, qtbot: Any, window: TicketWindow
) -> None:
    assert window.header.view.account_kind_badge.text() == "SIM"
    choose_account(window, "Apex-12")
    ui.set_instrument(window, "MES 12-26")
    assert window.header.view.account_kind_badge.text() == "LIVE"
    assert window.header.view.account_kind_badge.property("accountKind") == "live"
    assert window.view.ticket_root.property("accountKind") == "live"
    assert "LIVE Apex-12" in window.windowTitle()
    assert window.entry.view.flatten_place_button.text().startswith(
        "LIVE Apex-12\nFlatten && BUY 1"
    )
    assert window.entry.view.place_button.text().startswith("LIVE Apex-12\nPlace BUY 1")
    choose_account(window, "Sim101")
    assert window.view.ticket_root.property("accountKind") == "sim"
    assert window.entry.view.place_button.text().startswith("SIM Sim101\n")


def _breaking_order(window: TicketWindow, rule: str, settings_path: Path) -> None:
    """Shape the form (on the live account) so that it breaks exactly `rule`."""
    choose_account(window, "Apex-12")
    # A live entry needs a stop-loss ("Require a stop" is on for LIVE by default).
    window.entry.view.stop_loss_ticks_field.setValue(40)
    if rule == "Maximum quantity":
        window.entry.view.quantity_field.setValue(11)  # live default maximum: 10
    elif rule == "Maximum notional":
        Settings(settings_path).set_limits(AccountKind.LIVE, Limits(10, 20_000, 20))
        window.settings = Settings(settings_path)
        window.apply_rules()  # as the limits dialog does when it saves
        window.entry.view.quantity_field.setValue(5)  # 5 x $5 x ~6850 = ~171,000
    else:
        quote = window.ticket.quote
        assert quote is not None and quote.ask is not None
        window.entry.view.order_type_picker.setCurrentIndex(
            window.entry.view.order_type_picker.findData("LIMIT")
        )
        window.entry.view.limit_price_field.setValue(
            quote.ask + 30 * 0.25
        )  # 30 ticks through the ask


@pytest.mark.parametrize(
    "rule", ["Maximum quantity", "Maximum notional", "Price through the market"]
)
def test_each_limit_holds_the_send_until_send_anyway_which_sends_once(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any, settings_path: Path, rule: str
) -> None:
    ui.set_instrument(window, "MES 12-26")
    _breaking_order(window, rule, settings_path)
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    dialog = wait_dialog(qtbot)
    assert rule in dialog_text(dialog) and "LIVE Apex-12" in dialog_text(dialog)
    assert sim_server.sim.order_posts() == []
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not sent" in window.position.view.status_line.text(), timeout=5_000)
    assert sim_server.sim.order_posts() == []

    for _ in range(3):  # clicks while the dialog is up do nothing
        qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    dialog = wait_dialog(qtbot)
    assert dialog.confirm_button.text() == "Send anyway"
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(sim_server.sim.order_posts("place")) == 1, timeout=5_000)
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks, timeout=5_000)
    assert len(sim_server.sim.order_posts("place")) == 1
    assert sim_server.sim.order_posts("place")[0].path.startswith("/v1/api/accounts/Apex-12/")


def test_the_same_order_twice_asks_first(ui: Any, qtbot: Any, window: TicketWindow,
                                         sim_server: Any) -> None:
    ui.set_instrument(window, "MES 12-26")
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks, timeout=5_000)
    assert len(sim_server.sim.order_posts("place")) == 1
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    dialog = wait_dialog(qtbot)
    assert "Same order twice" in dialog_text(dialog)
    assert len(sim_server.sim.order_posts("place")) == 1
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(sim_server.sim.order_posts("place")) == 2, timeout=5_000)


def test_the_kill_switch_lists_what_every_account_holds_and_needs_the_word(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    ui.set_instrument(window, "MES 12-26")
    window.entry.view.quantity_field.setValue(3)
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks, timeout=5_000)
    window.view.kill_switch_action.trigger()
    dialog = wait_dialog(qtbot)
    text = dialog_text(dialog)
    # What the simulator holds: our 3 MES in Sim101 and its demo 2 MES in Sim102.
    assert "Sim101: 1 position(s), 0 working orders" in text
    assert "LONG 3 MES 12-26" in text
    assert "Sim102: 1 position(s)" in text and "LONG 2 MES 12-26" in text
    assert "Apex-12: 0 position(s)" in text
    assert not dialog.confirm_button.isEnabled()
    assert dialog.word_field is not None
    qtbot.keyClicks(dialog.word_field, "FLATTEN")
    assert dialog.confirm_button.isEnabled()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.position.view.status_line.text().startswith("Now FLAT"), timeout=5_000
    )
    assert sim_server.sim.position("Sim101", "MES 12-26") is None
    assert sim_server.sim.position("Sim102", "MES 12-26") is None


def test_repeat_last_order_fills_the_form_and_never_sends(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    ui.set_instrument(window, "MES 12-26")
    quote = window.ticket.quote
    assert quote is not None and quote.ask is not None
    price = quote.ask + 10 * 0.25  # a sell limit resting above the market
    window.entry.view.order_type_picker.setCurrentIndex(
        window.entry.view.order_type_picker.findData("LIMIT")
    )
    qtbot.mouseClick(window.entry.view.sell_button, Qt.MouseButton.LeftButton)
    window.entry.view.limit_price_field.setValue(price)
    window.entry.view.quantity_field.setValue(4)
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks, timeout=5_000)
    window.entry.view.quantity_field.setValue(1)
    window.entry.view.order_type_picker.setCurrentIndex(
        window.entry.view.order_type_picker.findData("MARKET")
    )
    qtbot.mouseClick(window.entry.view.buy_button, Qt.MouseButton.LeftButton)
    window.view.repeat_action.trigger()
    assert (
        window.entry.view.quantity_field.value(),
        window.entry.view.order_type_picker.currentData(),
        window.entry.form.side.value,
        window.entry.view.limit_price_field.value(),
    ) == (4, "LIMIT", "SELL", price)
    assert len(sim_server.sim.order_posts()) == 1


def test_activity_log_shows_click_to_ack_latency(ui: Any, qtbot: Any, window: TicketWindow) -> None:
    ui.set_instrument(window, "MES 12-26")
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "Accepted" in window.activity.view.activity_log.toPlainText(), timeout=5_000
    )
    line = next(
        line
        for line in window.activity.view.activity_log.toPlainText().splitlines()
        if "Accepted" in line
    )
    assert " ms)" in line and "[order " in line


def test_limits_are_edited_in_the_dialog_and_apply_to_the_next_send(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any, settings_path: Path
) -> None:
    from PySide6.QtWidgets import QSpinBox

    from ct_ticket.ui.limits_dialog import LimitsDialog

    ui.set_instrument(window, "MES 12-26")
    window.view.limits_action.trigger()
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, LimitsDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=5_000,
    )
    dialog = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, LimitsDialog) and w.isVisible()
    )
    field = dialog.findChild(QSpinBox, "simMaxQuantityField")
    assert field is not None and field.value() == 50  # the SIM default
    field.setValue(3)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "Safety limits saved" in window.position.view.status_line.text(), timeout=5_000
    )
    assert Settings(settings_path).limits(AccountKind.SIM).ask_above_quantity == 3

    window.entry.view.quantity_field.setValue(4)
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    held = wait_dialog(qtbot)
    assert "4 contracts is above the maximum of 3" in dialog_text(held)
    assert sim_server.sim.order_posts() == []
    qtbot.mouseClick(held.cancel_button, Qt.MouseButton.LeftButton)
