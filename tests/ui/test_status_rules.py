"""The status line never claims "Ready" after a failure that is still current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from faultserver import FaultServer
from PySide6.QtCore import Qt

from ct_ticket.api.client import CrossTradeClient, Timeouts
from ct_ticket.events import AccountsLoaded, Status, StatusLevel
from ct_ticket.model import Account
from ct_ticket.ticket import Ticket
from ct_ticket.ui.status_rules import LoadWatch, may_say_ready


@pytest.mark.parametrize(("accounts", "failures", "shown", "ready"), [
    (3, [], "ok", True),
    (3, [], None, True),
    (None, [], "ok", False),  # the list was not read by this load (the last good one is kept)
    (0, [], "ok", False),  # CrossTrade lists no accounts
    (3, ["Working orders failed: …"], "ok", False),  # said, then talked over by a success
    (3, [], "error", False),
    (3, [], "unknown", False),
    (3, [], "warning", False),
])
def test_ready_only_when_the_accounts_arrived_and_nothing_failed(
        accounts: int | None, failures: list[str], shown: str | None, ready: bool) -> None:
    assert may_say_ready(accounts, failures, shown) is ready


def test_each_load_sees_only_what_happened_since_its_own_start() -> None:
    ticket = Ticket(CrossTradeClient("unused-token-1234", base_url="http://127.0.0.1:9"))
    watch = LoadWatch(ticket)
    first = watch.begin()
    ticket.publish(Status(StatusLevel.ERROR, "Loading accounts failed: no answer"))
    assert not watch.ready(first, "ok")
    second = watch.begin()
    ticket.publish(AccountsLoaded((Account("Sim101"),)))
    assert watch.ready(second, "ok")
    assert not watch.ready(first, "ok")  # the first load's failure is still its own


def test_an_account_list_cut_mid_body_never_ends_in_ready(
        ui: Any, qtbot: Any, sim_server: Any, settings_path: Path) -> None:
    sim_server.sim.rate_limit_enabled = False
    with FaultServer(upstream=sim_server.url) as faults:
        window = ui.open(faults.url, settings_path, timeouts=Timeouts(0.5, 0.6), backoff=0.01)
        try:
            ui.set_instrument(window, "MES 12-26")
            ui.wait_idle(window)
            assert window.position.view.status_line.text().startswith("Ready")
            # Every read of the account list is cut off mid-body, retries included.
            faults.inject("reset", method="GET", path="/v1/api/accounts", exact=True)
            qtbot.mouseClick(window.entry.view.refresh_accounts_button,
                             Qt.MouseButton.LeftButton)
            ui.wait_idle(window)
            assert faults.count("GET", "/v1/api/accounts") >= 1
            assert "Loading accounts → No answer" in window.activity.view.activity_log.toPlainText()
            assert "Ready" not in window.position.view.status_line.text()
            faults.clear()  # CrossTrade answers again: the next reload may say Ready
            qtbot.mouseClick(window.entry.view.refresh_accounts_button,
                             Qt.MouseButton.LeftButton)
            ui.wait_idle(window)
            assert window.position.view.status_line.text().startswith("Ready: 3 account(s)")
        finally:
            ui.close(window)
