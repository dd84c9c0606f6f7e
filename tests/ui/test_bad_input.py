"""Random text typed into every field: either a valid documented body is sent, or a clear
message is shown and nothing is sent. Also: closing with a request in flight."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from ct_ticket.model import AccountKind, Limits, OrderType, is_on_tick
from ct_ticket.rails import RecentOrders
from ct_ticket.settings import Settings
from ct_ticket.ui.window import TicketWindow

DOCUMENTED = {"instrument", "action", "quantity", "orderType", "timeInForce", "limitPrice",
              "stopPrice", "ocoId", "strategy", "orderId"}
# What a keyboard can type: a line edit takes no key text it cannot print (controls, formats).
typed = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=(
    "Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")), max_size=14)
numberish = st.one_of(typed, st.from_regex(r"-?\d{0,5}([.,]\d{0,4})?", fullmatch=True))
# Plausible values often enough that sends happen, random text often enough that refusals do.
quantities = st.one_of(st.integers(1, 20).map(str), numberish)
prices = st.one_of(st.sampled_from(["6850", "6850.25", "6851.5", "6849.75", "118.5", "1.085"]),
                   numberish)
free_text = st.one_of(st.just(""), st.sampled_from(["grp-1", "ATM 2 ticks"]), typed)


@pytest.fixture
def window(ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
           ) -> Iterator[TicketWindow]:
    sim_server.sim.rate_limit_enabled = False
    generous = Limits(ask_above_quantity=1000, max_notional=1e15, max_ticks_through=10**9)
    stored = Settings(settings_path)
    for kind in AccountKind:
        stored.set_limits(kind, generous)
    stored.quantity_cap = 1000
    win = ui.open(sim_server.url, settings_path)
    yield win
    ui.close(win)


@pytest.mark.timeout(900)  # 40 examples, each may wait on the rate budget (see below)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(order_type=st.sampled_from(list(OrderType)), quantity=quantities, limit=prices,
       stop=prices, instrument=st.one_of(st.sampled_from(
           ["MES 12-26", "es", " NQ1! ", "ESZ26", "ZB 12-26", "6E", "XYZ"]), typed),
       oco=free_text, atm=free_text, account=st.one_of(st.just("Sim101"), typed))
def test_random_text_in_every_field_sends_a_valid_body_or_nothing_with_a_message(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any, order_type: OrderType,
    quantity: str,
    limit: str, stop: str, instrument: str, oco: str, atm: str, account: str,
) -> None:
    sim = sim_server.sim
    # The previous example's order may still be followed (a rejection said seconds later):
    # let it end first, or its words would land on this example's status line.
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks, timeout=30_000)
    sim.clear_requests()
    window.ticket.recent_orders = RecentOrders()  # each example is a fresh intent
    window.entry.view.account_picker.clear()
    window.entry.view.account_picker.addItem(account, account)
    window.entry.view.order_type_picker.setCurrentIndex(window.entry.view.order_type_picker.findData(order_type))
    window.entry.view.instrument_picker.setEditText(instrument)
    window.entry.view.instrument_editor.editingFinished.emit()
    ui.type_keys(window.entry.view.quantity_field, quantity)
    ui.type_keys(window.entry.view.limit_price_field, limit)
    ui.type_keys(window.entry.view.stop_price_field, stop)
    ui.type_keys(window.entry.view.oco_id_field, oco)
    ui.type_keys(window.entry.view.atm_strategy_field, atm)
    form = (
        window.entry.view.quantity_field.text(),
        window.entry.view.oco_id_field.text(),
        window.entry.view.atm_strategy_field.text(),
        window.entry.view.instrument_picker.currentText(),
    )

    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    held = window.ticket.pending_review is not None  # a rail asks first: answered "Cancel"
    if held:
        qtbot.waitUntil(lambda: ui.open_dialog() is not None, timeout=5_000)
        dialog = ui.open_dialog()
        assert dialog is not None
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    # Generous: after dozens of examples the client's own rate budget (180/min, as CrossTrade's)
    # paces the follow-up reads, so an example's order may take seconds to be followed to its end.
    qtbot.waitUntil(lambda: not window.ticket.busy and not window.ticket._tasks
                    and window.ticket.pending_review is None, timeout=30_000)

    posts = sim.order_posts()
    status = window.position.view.status_line.text()
    event("sent" if posts else "held by a rail" if held else "refused in the window")
    if held:
        assert not posts and status == "Place not sent.", status
    elif not posts:
        assert window.position.view.status_line.property("level") in ("error", "warning"), status
        assert status.startswith("Not sent:") and len(status) > len("Not sent: ")
    else:
        assert len(posts) == 1
        body = json.loads(posts[0].body)
        assert set(body) <= DOCUMENTED
        assert body["orderType"] == order_type.value and body["action"] in ("BUY", "SELL")
        assert isinstance(body["quantity"], int) and body["quantity"] >= 1
        assert body["quantity"] == window.entry.view.quantity_field.value()
        assert ("limitPrice" in body) == (order_type in (OrderType.LIMIT, OrderType.STOPLIMIT))
        assert ("stopPrice" in body) == (order_type in (OrderType.STOPMARKET, OrderType.STOPLIMIT))
        tick = (
            Decimal(repr(window.ticket.quote.tick_size))
            if (window.ticket.quote and window.ticket.quote.tick_size)
            else None
        )
        for key in ("limitPrice", "stopPrice"):
            if key in body:
                assert body[key] > 0
                if tick is not None:
                    assert is_on_tick(Decimal(repr(body[key])), tick)
        assert body.get("ocoId", "") == oco.strip() and body.get("strategy", "") == atm.strip()
        assert posts[0].path.startswith("/v1/api/accounts/")
    # Whatever happened, the form is as typed.
    assert form == (
        window.entry.view.quantity_field.text(),
        window.entry.view.oco_id_field.text(),
        window.entry.view.atm_strategy_field.text(),
        window.entry.view.instrument_picker.currentText(),
    )


def test_closing_with_a_request_in_flight_neither_hangs_nor_loses_its_log_line(
    ui: Any, qtbot: Any,
    qloop: Any,
    sim_server: Any,
    settings_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import logging

    from ct_ticket import logs

    monkeypatch.setenv("CT_TICKET_LOG_DIR", str(tmp_path / "logs"))
    log_file = logs.setup_logging()
    sim_server.sim.rate_limit_enabled = False
    window = ui.open(sim_server.url, settings_path)
    gate = asyncio.Event()
    place = window.ticket.client.place

    async def slow_place(order: Any) -> Any:
        await gate.wait()  # the answer is on its way while the window closes
        return await place(order)

    monkeypatch.setattr(window.ticket.client, "place", slow_place)
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ticket.busy, timeout=5_000)
    window.close()  # what app.run does next: wait for the ticket, then close the client
    finishing = asyncio.ensure_future(asyncio.wait_for(window.ticket.wait_idle(), 10))
    gate.set()
    qtbot.waitUntil(finishing.done, timeout=10_000)
    assert finishing.exception() is None
    assert len(sim_server.sim.order_posts("place")) == 1
    ui.close(window)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "/orders/place -> 200" in log_file.read_text()
    assert "Accepted" in window.activity.view.activity_log.toPlainText()
