"""Each panel built alone, without the window: its view and its one controller over a real ticket
and client, against the simulator on loopback, driven through its widgets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.events import AccountsLoaded, Action, Connection, LogEntry, Status, StatusLevel
from ct_ticket.model import build_order
from ct_ticket.settings import Settings
from ct_ticket.sounds import SoundPlayer
from ct_ticket.ticket import Ticket
from ct_ticket.ui.activity import ActivityPanel
from ct_ticket.ui.activity_view import ActivityView
from ct_ticket.ui.entry import OrderEntry
from ct_ticket.ui.entry_view import EntryView
from ct_ticket.ui.header import HeaderPanel
from ct_ticket.ui.header_view import HeaderView
from ct_ticket.ui.position import PositionPanel
from ct_ticket.ui.position_view import PositionView
from ct_ticket.ui.sending import Sender

TOKEN = "panel-test-token-77c1"


class Rig:
    """A ticket over the simulator, and a parent widget for any dialog a panel opens."""

    def __init__(self, qtbot: Any, url: str) -> None:
        self.qtbot = qtbot
        self.client = CrossTradeClient(TOKEN, base_url=url)
        self.ticket = Ticket(self.client)
        self.parent = QWidget()
        qtbot.addWidget(self.parent)
        self.tasks: set[asyncio.Task[Any]] = set()
        self.sender = Sender(self.parent, self.ticket, self.spawn)

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def wait(self, coroutine: Any) -> Any:
        task = self.spawn(coroutine)
        self.qtbot.waitUntil(task.done, timeout=5_000)
        return task.result()

    def idle(self) -> None:
        self.qtbot.waitUntil(lambda: not (self.tasks or self.ticket._tasks or self.ticket.busy),
                             timeout=5_000)


@pytest.fixture
def rig(qtbot: Any, qloop: Any, sim_server: Any) -> Iterator[Rig]:
    sim_server.sim.rate_limit_enabled = False
    built = Rig(qtbot, sim_server.url)
    built.wait(built.ticket.load_accounts())
    yield built
    built.idle()
    closing = asyncio.ensure_future(built.client.aclose())
    qtbot.waitUntil(closing.done, timeout=5_000)


def test_header_panel_shows_kind_and_connection(rig: Rig) -> None:
    view = HeaderView()
    rig.qtbot.addWidget(view)
    HeaderPanel(view, rig.ticket, SoundPlayer(enabled=False))
    rig.ticket.select("Apex-12", "MES 12-26")
    assert view.account_kind_badge.text() == "LIVE"
    assert view.account_kind_badge.property("accountKind") == "live"
    rig.ticket.select("Sim101", "MES 12-26")
    assert view.account_kind_badge.text() == "SIM"
    rig.ticket.publish(Connection(True, False))
    assert view.connection_indicator.text() == "● CrossTrade ✓ · NT8 not connected"
    assert view.connection_indicator.property("level") == "warning"


def test_order_entry_panel_reads_the_form_and_sends_one_order(
        rig: Rig, sim_server: Any, settings_path: Path) -> None:
    view = EntryView()
    rig.qtbot.addWidget(view)
    entry = OrderEntry(view, rig.ticket, Settings(settings_path), rig.sender, rig.spawn)
    rig.ticket.publish(AccountsLoaded(rig.ticket.accounts))
    view.instrument_picker.setEditText("MES 12-26")
    entry.selection_changed()
    assert rig.ticket.account == "Sim101" and rig.ticket.instrument == "MES 12-26"
    rig.wait(rig.ticket.load_quote())
    assert view.bid_button.text().startswith("Bid ")
    view.quantity_field.setValue(2)
    rig.qtbot.mouseClick(view.sell_button, Qt.MouseButton.LeftButton)
    assert view.place_button.text() == "SIM Sim101\nPlace SELL 2 MES 12-26 MKT"
    for _ in range(3):  # a burst of clicks: one order
        rig.qtbot.mouseClick(view.place_button, Qt.MouseButton.LeftButton)
    rig.idle()
    posts = sim_server.sim.order_posts("place")
    assert len(posts) == 1 and posts[0].json is not None
    assert (posts[0].json["action"], posts[0].json["quantity"]) == ("SELL", 2)


def test_position_panel_shows_the_position_and_sends_its_exits(
        rig: Rig, sim_server: Any, tmp_path: Path) -> None:
    view = PositionView()
    rig.qtbot.addWidget(view)
    PositionPanel(view, rig.ticket, rig.sender, Settings(tmp_path / "s.ini"), SoundPlayer())
    rig.ticket.select("Sim101", "MES 12-26")
    rig.ticket.submit(Action.PLACE, build_order(account="Sim101", instrument="MES 12-26",
                                                side="BUY", quantity=2, order_type="MARKET"))
    rig.idle()
    assert view.position_label.text().startswith("LONG 2 MES 12-26 @ ")
    rig.qtbot.mouseClick(view.close_position_button, Qt.MouseButton.LeftButton)
    rig.idle()
    assert view.status_line.text().startswith("Now FLAT MES 12-26")
    assert view.status_line.property("level") == "ok"
    assert [r.path for r in sim_server.sim.requests if r.path.endswith("/close")] == [
        "/v1/api/accounts/Sim101/positions/close"]


def test_activity_panel_writes_every_log_entry(rig: Rig) -> None:
    view = ActivityView()
    rig.qtbot.addWidget(view)
    ActivityPanel(view, rig.ticket, SoundPlayer(enabled=False))
    rig.ticket.publish(LogEntry(StatusLevel.OK, "BUY 1 MES 12-26 MKT on Sim101", "Accepted",
                                "abc123", 41.0))
    rig.ticket.publish(Status(StatusLevel.OK, "not a log line"))
    lines = view.activity_log.toPlainText().splitlines()
    assert len(lines) == 1
    assert "BUY 1 MES 12-26 MKT on Sim101 → Accepted (41 ms) [order abc123]" in lines[0]



def test_position_panel_marks_a_status_about_another_account_and_colours_pnl(
        rig: Rig, sim_server: Any, tmp_path: Path) -> None:
    view = PositionView()
    rig.qtbot.addWidget(view)
    panel = PositionPanel(view, rig.ticket, rig.sender, Settings(tmp_path / "s.ini"),
                          SoundPlayer())
    rig.ticket.select("Sim101", "MES 12-26")
    rig.ticket.publish(Status(StatusLevel.OK, "Now SHORT 5 MES 12-26 @ 6850.00", "Sim101"))
    assert view.status_line.text() == "Now SHORT 5 MES 12-26 @ 6850.00"
    rig.ticket.select("Apex-12", "MES 12-26")  # a LIVE account now: the line is not about it
    assert view.status_line.text() == "About Sim101: Now SHORT 5 MES 12-26 @ 6850.00"
    sim_server.sim.set_position("Apex-12", "MES 12-26", -2, 6860.0)
    rig.wait(rig.ticket.refresh_position())
    pnl = panel.position.unrealized_pnl if panel.position else None
    assert pnl is not None and pnl != 0
    assert view.pnl_label.text() == f"P&L {pnl:+,.2f}"
    assert view.pnl_label.property("sign") == ("up" if pnl > 0 else "down")
