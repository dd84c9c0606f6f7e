"""Protecting every position, in the real window over the simulator on loopback: the bracket
in ticks after the fill, the risk before sending, size from risk, require-a-stop, the
naked-position alarm with its Protect button, and breakeven."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ct_ticket.model import AccountKind
from ct_ticket.ui.window import TicketWindow

pytestmark = pytest.mark.usefixtures("qloop")

BRACKET = "cancel_and_bracket"


@pytest.fixture
def window(ui: Any, sim_server: Any, settings_path: Path) -> Iterator[TicketWindow]:
    sim_server.sim.rate_limit_enabled = False
    sim_server.sim.refuse_flat_bracket = True  # a bracket sent while flat would be a bug
    win = ui.open(sim_server.url, settings_path)
    yield win
    ui.close(win)


def posts(sim_server: Any, ending: str) -> list[Any]:
    return [r for r in sim_server.sim.requests if r.method in ("POST", "PUT")
            and r.path.endswith(ending)]


def orders_text(window: TicketWindow) -> str:
    table = window.orders.view.body.orders_table
    return "\n".join(" ".join((table.item(r, c).text() if table.item(r, c) else "")
                              for c in range(table.columnCount()))
                     for r in range(table.rowCount()))


def entry(window: TicketWindow, *, quantity: int = 1, stop: int | None = None,
          target: int | None = None) -> None:
    view = window.entry.view
    view.order_type_picker.setCurrentIndex(view.order_type_picker.findData("MARKET"))
    view.buy_button.click()
    view.quantity_field.setValue(quantity)
    view.stop_loss_ticks_field.setValue(stop)
    view.take_profit_ticks_field.setValue(target)


def test_mes_bracket_risk_then_one_bracket_after_the_fill_and_the_target_ends_the_trade(
        ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim_server.sim.set_price("MES", 6850.0)
    ui.set_instrument(window, "MES 12-26")
    entry(window, stop=8, target=16)
    assert "risk $10.00 · reward $20.00" in window.entry.view.risk_label.text()
    ui.click_send(window, window.entry.view.place_button)
    qtbot.waitUntil(lambda: len(posts(sim_server, BRACKET)) == 1, timeout=5_000)
    ui.wait_idle(window)
    body = posts(sim_server, BRACKET)[0].json
    assert body["quantity"] == 1 and body["action"].upper() == "BUY"
    assert Decimal(str(body["takeProfit"])) - Decimal(str(body["stopLoss"])) == Decimal(6)
    qtbot.waitUntil(lambda: "StopMarket" in orders_text(window)
                    and "Limit" in orders_text(window), timeout=5_000)
    assert not window.position.view.protect_button.isVisibleTo(window)
    sim_server.sim.set_price("MES", float(body["takeProfit"]) + 1)  # the target fills
    window.reload()
    ui.wait_idle(window)
    qtbot.waitUntil(lambda: window.ticket.position is not None
                    and window.ticket.position.is_flat and window.ticket.working_orders == 0,
                    timeout=5_000)
    assert "StopMarket" not in orders_text(window)
    assert len(posts(sim_server, BRACKET)) == 1


def test_the_ticks_sent_with_an_order_are_kept_for_its_instrument(
        ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    """Set without the fields' editing-finished (a click on a button that takes no focus), the
    ticks are still kept, once the order is on its way."""
    sim_server.sim.set_price("MES", 6850.0)
    ui.set_instrument(window, "MES 12-26")
    entry(window, stop=7, target=13)
    assert window.settings.bracket_ticks("MES 12-26") != (7, 13)
    ui.click_send(window, window.entry.view.place_button)
    qtbot.waitUntil(lambda: len(posts(sim_server, BRACKET)) == 1, timeout=5_000)
    qtbot.waitUntil(lambda: window.settings.bracket_ticks("MES 12-26") == (7, 13), timeout=2_000)
    ui.wait_idle(window)


def test_a_dollar_risk_of_200_with_a_10_tick_es_stop_sizes_one_contract(
        ui: Any, window: TicketWindow) -> None:
    ui.set_instrument(window, "ES 12-26")
    view = window.entry.view
    view.stop_loss_ticks_field.setValue(10)
    view.quantity_field.setValue(5)
    ui.type_keys(view.risk_dollars_field, "200")
    assert view.quantity_field.value() == 1
    ui.type_keys(view.risk_dollars_field, "100")  # less than one contract: refused, said why
    assert view.quantity_field.value() == 1
    assert "less than one contract" in view.risk_dollars_field.problem


def test_require_a_stop_refuses_an_entry_without_one_but_close_still_works(
        ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    window.ticket.require_stop = {AccountKind.SIM: True}
    ui.set_instrument(window, "MES 12-26")
    sim_server.sim.set_position("Sim101", "MES 12-26", 1, 6850.0)
    entry(window)
    before = len(sim_server.sim.order_posts())
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    ui.wait_idle(window)
    assert len(sim_server.sim.order_posts()) == before
    assert "needs a stop-loss" in window.position.view.status_line.text()
    ui.click_send(window, window.position.view.close_position_button)
    qtbot.waitUntil(lambda: window.ticket.position is not None
                    and window.ticket.position.is_flat, timeout=5_000)


def test_a_fill_without_a_stop_turns_red_and_protect_sends_one_bracket_that_clears_it(
        ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim_server.sim.set_price("MES", 6850.0)
    ui.set_instrument(window, "MES 12-26")
    entry(window, quantity=2)
    window.entry.view.stop_loss_ticks_field.setValue(None)
    window.entry.view.take_profit_ticks_field.setValue(None)
    ui.click_send(window, window.entry.view.place_button)
    label = window.position.view.position_label
    qtbot.waitUntil(lambda: label.property("naked") is True, timeout=3_000)
    protect = window.position.view.protect_button
    assert protect.isVisibleTo(window) and posts(sim_server, BRACKET) == []
    window.settings.set_bracket_ticks("MES 12-26", 8, 16)  # the ticks Protect uses
    qtbot.mouseClick(protect, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(protect, Qt.MouseButton.LeftButton)  # a second click sends nothing more
    qtbot.waitUntil(lambda: label.property("naked") is False, timeout=5_000)
    ui.wait_idle(window)
    assert len(posts(sim_server, BRACKET)) == 1
    assert posts(sim_server, BRACKET)[0].json["quantity"] == 2
    assert not protect.isVisibleTo(window)


def test_breakeven_plus_one_moves_the_stop_of_a_long_2_at_5000_to_5000_25(
        ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any) -> None:
    sim = sim_server.sim
    sim.set_price("ES", 5010.0)
    ui.set_instrument(window, "ES 12-26")
    sim.set_position("Sim101", "ES 12-26", 2, 5000.0)
    window.settings.set_bracket_ticks("ES 12-26", 20, None)
    window.reload()
    ui.wait_idle(window)
    window.ticket.protection.protect(20, None)  # the stop at 4995.00
    ui.wait_idle(window)
    qtbot.waitUntil(lambda: "4995.00" in orders_text(window), timeout=5_000)
    window.position.view.breakeven_ticks.setValue(1)
    qtbot.mouseClick(window.position.view.breakeven_button, Qt.MouseButton.LeftButton)
    ui.wait_idle(window)
    changes = posts(sim_server, "/change")
    assert len(changes) == 1 and Decimal(str(changes[0].json["stopPrice"])) == Decimal("5000.25")
    qtbot.waitUntil(lambda: "5000.25" in orders_text(window), timeout=5_000)
