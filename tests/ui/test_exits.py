"""The way out is never blocked: while an order POST hangs (its answer trickles in far slower
than its deadline), Close, Flatten all and the kill switch go out at once, each once; the
hung order ends "outcome unknown" at its deadline and is then settled by its own id."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faultserver import FaultServer
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from ct_ticket.api.client import Timeouts
from ct_ticket.sim import Simulator
from ct_ticket.ui.window import TicketWindow

ORDER_DEADLINE_S = 2.0
HELD_S = 30.0  # how long the order's answer is held: far past its deadline


@pytest.fixture
def window(ui: Any, faults: FaultServer, sim: Simulator, settings_path: Path
           ) -> Iterator[TicketWindow]:
    win = ui.open(faults.url, settings_path, backoff=0.01,
                  timeouts=Timeouts(connect=1.0, read=5.0, order_deadline=ORDER_DEADLINE_S))
    ui.set_instrument(win, "MES 12-26")
    yield win
    ui.close(win)


def _confirm(ui: Any, qtbot: Any, *, word: str | None = None) -> None:
    qtbot.waitUntil(lambda: ui.open_dialog() is not None, timeout=5_000)
    dialog = ui.open_dialog()
    assert dialog is not None
    if word is not None:
        field = dialog.findChild(QLineEdit, "confirmWordField")
        assert field is not None
        field.setText(word)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)


def test_flatten_all_and_the_kill_switch_go_out_while_an_order_hangs(
        ui: Any, qtbot: Any, window: TicketWindow, faults: FaultServer, sim: Simulator) -> None:
    faults.inject("slow", method="POST", path="/orders/place", times=1, delay=HELD_S)
    started = time.monotonic()
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: faults.count("POST", "/orders/place") == 1, timeout=5_000)
    assert window.ticket.busy and not window.entry.view.place_button.isEnabled()
    exits = window.position.view
    for button in (exits.close_position_button, exits.flatten_everything_button,
                   exits.cancel_all_button):
        assert button.isEnabled(), button.objectName()
    assert window.view.kill_switch_action.isEnabled()

    # Flatten all (this account) while the order hangs: asks, then goes out.
    qtbot.mouseClick(exits.flatten_everything_button, Qt.MouseButton.LeftButton)
    _confirm(ui, qtbot)
    qtbot.waitUntil(lambda: faults.count("POST", "/accounts/Sim101/positions/flatten") == 1,
                    timeout=5_000)
    # The all-accounts kill switch too: FLATTEN typed, then out.
    window.view.kill_switch_action.trigger()
    _confirm(ui, qtbot, word="FLATTEN")
    qtbot.waitUntil(lambda: faults.count("POST", "/v1/api/positions/flatten") == 1,
                    timeout=5_000)
    assert time.monotonic() - started < ORDER_DEADLINE_S + 1.0  # both before the order ended

    # The hung order ends at its deadline as "outcome unknown", then is settled by its id.
    status = window.position.view.status_line
    qtbot.waitUntil(lambda: "It was placed" in status.text() or "not placed" in status.text(),
                    timeout=15_000)
    log = window.activity.view.activity_log.toPlainText()
    assert "OUTCOME UNKNOWN" in log
    assert faults.count("POST", "/orders/place") == 1  # never sent again
    ui.wait_idle(window, timeout=15_000)
    assert faults.count("POST", "/orders/place") == 1
