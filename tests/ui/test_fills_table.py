"""The fills table under the working orders: newest first, and a follow-up that brings the whole
lookback again only adds its new fills (the rows already shown are kept, not rebuilt)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.events import FillsUpdated, Selected
from ct_ticket.model import Execution, Side
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.orders import OrdersPanel
from ct_ticket.ui.orders_view import OrdersView

START = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)


def fill(n: int, account: str = "Sim101") -> Execution:
    return Execution(f"x{n}", f"o{n}", account, "MES 03-26", Side.BUY, n, 5000.25 + n,
                     START + dt.timedelta(seconds=n))


def column(panel: OrdersPanel, col: int) -> list[str]:
    table = panel.view.body.fills_table
    return [table.item(row, col).text() for row in range(table.rowCount())]  # type: ignore[union-attr]


def test_new_fills_go_on_top_and_the_shown_rows_stay(qtbot: Any, tmp_path: Path) -> None:
    view = OrdersView()
    qtbot.addWidget(view)
    ticket = Ticket(CrossTradeClient("fills-test-token", base_url="http://127.0.0.1:9"))
    panel = OrdersPanel(view, ticket, Settings(tmp_path / "settings.ini"))
    ticket.publish(Selected("Sim101", "MES 03-26", "sim"))

    ticket.publish(FillsUpdated("Sim101", tuple(fill(n) for n in (1, 2, 3))))
    assert column(panel, 2) == ["3", "2", "1"]
    kept = [view.body.fills_table.item(row, 0) for row in range(3)]

    # Two newer fills; the oldest fell out of the lookback.
    ticket.publish(FillsUpdated("Sim101", tuple(fill(n) for n in (2, 3, 4, 5))))
    assert column(panel, 2) == ["5", "4", "3", "2"]
    assert column(panel, 0)[0] == "14:30:05"
    assert [view.body.fills_table.item(row, 0) for row in (2, 3)] == kept[:2]  # the same items

    # Not the same list grown (another account's, or a correction): drawn anew, still right.
    ticket.publish(FillsUpdated("Sim101", tuple(fill(n) for n in (7, 2, 9))))
    assert column(panel, 2) == ["9", "7", "2"]
    ticket.publish(FillsUpdated("Sim101", ()))
    assert view.body.fills_table.rowCount() == 0
    ticket.publish(FillsUpdated("Sim101", (fill(4),)))
    assert column(panel, 2) == ["4"]

    ticket.publish(Selected("Sim102", "MES 03-26", "sim"))  # another account: emptied
    assert view.body.fills_table.rowCount() == 0
    ticket.publish(FillsUpdated("Sim102", (fill(6, "Sim102"),)))
    assert column(panel, 2) == ["6"]


def test_a_panel_never_opened_makes_no_body_and_opening_it_shows_what_was_read(
        qtbot: Any, tmp_path: Path) -> None:
    view = OrdersView()
    qtbot.addWidget(view)
    ticket = Ticket(CrossTradeClient("fills-test-token", base_url="http://127.0.0.1:9"))
    panel = OrdersPanel(view, ticket, Settings(tmp_path / "settings.ini"))
    ticket.publish(Selected("Sim101", "MES 03-26", "sim"))
    ticket.publish(FillsUpdated("Sim101", tuple(fill(n) for n in (1, 2))))
    panel.show_ages()  # the window's one-second timer, on a panel with no table yet
    assert view.built is None  # collapsed since the start: no tables, no buttons
    assert view.order_buttons == ()
    assert view.toggle_button.text() == "▸ Working orders (0)"

    view.toggle_button.click()  # the trader opens it
    assert view.built is not None and view.built.isVisibleTo(view)
    assert column(panel, 2) == ["2", "1"]  # the fills read while it was closed
    assert view.toggle_button.text() == "▾ Working orders (0)"
    assert not view.built.cancel_order_button.isEnabled()  # nothing selected
