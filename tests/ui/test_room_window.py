"""The room to the account's own limits in the real window, over the simulator on loopback: the
line in the position panel (coloured by level, unknown said as such), the hold asked before an
order that risks more than the room left, and the assumed stop distance in Safety limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from ct_ticket.model import DEFAULT_LIMITS, AccountKind
from ct_ticket.settings import Settings
from ct_ticket.ui.dialogs import ConfirmDialog
from ct_ticket.ui.limits_dialog import LimitsDialog
from ct_ticket.ui.window import TicketWindow


@pytest.fixture
def window(ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
           ) -> Iterator[TicketWindow]:
    sim = sim_server.sim
    sim.rate_limit_enabled = False
    sim.set_limits("Sim101", daily_loss_limit=1000.0, trailing_max_drawdown=2500.0)
    sim.set_realized_pnl("Sim101", -750.0)
    sim.set_watermarks("Sim101", netliq_high=100_350.0)  # the session's peak: $1,100 ago
    win = ui.open(sim_server.url, settings_path)
    yield win
    ui.close(win)


def choose_account(window: TicketWindow, name: str) -> None:
    picker = window.entry.view.account_picker
    index = picker.findData(name)
    assert index >= 0
    picker.setCurrentIndex(index)
    picker.activated.emit(index)


def open_dialog() -> ConfirmDialog | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, ConfirmDialog) and w.isVisible()), None)


def dialog_text(dialog: ConfirmDialog) -> str:
    question = dialog.findChild(QLabel, "confirmQuestion")
    details = dialog.findChild(QPlainTextEdit, "confirmDetails")
    return (question.text() if question else "") + "\n" + (
        details.toPlainText() if details else "")


def test_the_position_panel_shows_the_room_coloured_by_level(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    label = window.position.view.room_label
    choose_account(window, "Sim101")
    qtbot.waitUntil(lambda: label.text() == "$250 left today · $1,400 to drawdown",
                    timeout=5_000)
    assert label.isVisible() and label.property("level") == "ok"  # 25 % is not under 25 %
    assert "Sim101" in label.toolTip()
    # The P&L falls: the next account read turns the line red (under 10 % left).
    sim_server.sim.set_realized_pnl("Sim101", -950.0)
    window.ticket.rooms._read_at.clear()  # due now rather than in a few seconds
    window.reload()
    qtbot.waitUntil(lambda: label.text().startswith("$50 left today"), timeout=5_000)
    assert label.property("level") == "red"
    # An account that reports no limits says so, never "$0".
    choose_account(window, "Sim102")
    qtbot.waitUntil(lambda: label.text() == "no daily loss limit · no trailing drawdown",
                    timeout=5_000)
    ui.wait_idle(window)


def test_an_order_risking_more_than_the_room_is_held_with_both_figures(
    ui: Any, qtbot: Any, window: TicketWindow, sim_server: Any
) -> None:
    choose_account(window, "Sim101")
    ui.set_instrument(window, "MES 12-26")
    qtbot.waitUntil(lambda: window.position.view.room_label.text().startswith("$250 left"),
                    timeout=5_000)
    ui.choose(window, "MARKET")
    window.entry.view.quantity_field.setValue(12)  # 12 x the assumed 20 ticks x $1.25 = $300
    qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: open_dialog() is not None, timeout=5_000)
    dialog = open_dialog()
    assert dialog is not None
    text = dialog_text(dialog)
    assert "Sim101: this order risks $300 but $250 is left today" in text
    assert "daily loss limit $1,000" in text
    assert dialog.confirm_button.text() == "Send anyway"
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not sent" in window.position.view.status_line.text(), timeout=5_000)
    assert sim_server.sim.order_posts() == []
    ui.wait_idle(window)


def test_the_assumed_stop_distance_is_a_safety_limit_kept_in_settings(
    qtbot: Any, qapp: Any, settings_path: Path
) -> None:
    settings = Settings(settings_path)
    assert settings.limits(AccountKind.SIM).room_stop_ticks == 20  # the default
    dialog = LimitsDialog(None, {kind: settings.limits(kind) for kind in AccountKind})
    qtbot.addWidget(dialog)
    field = dialog.room_stop[AccountKind.SIM]
    assert field.objectName() == "simRoomStopTicksField" and field.value() == 20
    field.setValue(8)
    for kind, limits in dialog.limits().items():
        settings.set_limits(kind, limits)
    reread = Settings(settings_path)
    assert reread.limits(AccountKind.SIM).room_stop_ticks == 8
    assert reread.limits(AccountKind.LIVE) == DEFAULT_LIMITS[AccountKind.LIVE]
