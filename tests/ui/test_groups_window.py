"""Account groups in the real window, over the simulator on loopback: made in the dialog, chosen
in the account picker, sent with one click as one order per member, answered row by row in
the results panel (the rejection red with its reason, the out-of-sync banner naming it, the
retry going to it alone), a group of 25 in two waves without a 429, the hedge across accounts
held before sending, groups kept across a restart, and bad input in the dialog refused."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit

from ct_ticket.events import Status, TicketEvent
from ct_ticket.group_store import GroupStore
from ct_ticket.model.groups import group_from
from ct_ticket.settings import Settings
from ct_ticket.sim import Simulator, create_app
from ct_ticket.ui.dialogs import ConfirmDialog
from ct_ticket.ui.group_dialog import GroupDialog
from ct_ticket.ui.group_picker import GROUP_ROLE, chosen_group
from ct_ticket.ui.group_results import _colour
from ct_ticket.ui.window import TicketWindow

MES = "MES 12-26"
REASON = "Order exceeds the account's daily loss limit."
LEFT = Qt.MouseButton.LeftButton


def _simulator(served: tuple[Any, str], *, accounts: int, limiter: bool = False) -> Simulator:
    sim = Simulator(seed=7, accounts=accounts, demo_position=False)  # every member flat
    sim.rate_limit_enabled = limiter
    served[0].app = create_app(sim)
    return sim


def _posts(sim: Simulator) -> list[Any]:
    return [r for r in sim.requests if r.method == "POST" and r.path.endswith("/orders/place")]


def _dialog() -> GroupDialog | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, GroupDialog) and w.isVisible()), None)


def _open_groups_dialog(qtbot: Any, window: TicketWindow) -> GroupDialog:
    window.view.groups_action.trigger()  # Ticket ▸ Account groups…
    qtbot.waitUntil(lambda: _dialog() is not None, timeout=5_000)
    dialog = _dialog()
    assert dialog is not None
    return dialog


def _add_member(qtbot: Any, dialog: GroupDialog, account: str, multiplier: str) -> None:
    dialog.account_picker.setCurrentIndex(dialog.account_picker.findData(account))
    qtbot.mouseClick(dialog.add_button, LEFT)
    item = dialog.members_table.item(dialog.members_table.rowCount() - 1, 1)
    assert item is not None and item.text() == "1"  # added at x1
    item.setText(multiplier)  # what the cell's editor commits


def _make_group(ui: Any, qtbot: Any, window: TicketWindow, name: str,
                members: list[tuple[str, str]]) -> None:
    dialog = _open_groups_dialog(qtbot, window)
    qtbot.mouseClick(dialog.new_button, LEFT)
    ui.type_keys(dialog.name_field, name)
    for account, multiplier in members:
        _add_member(qtbot, dialog, account, multiplier)
    qtbot.mouseClick(dialog.save_button, LEFT)
    picker = window.entry.view.account_picker
    qtbot.waitUntil(lambda: picker.findData(name, GROUP_ROLE) >= 0, timeout=5_000)


def _choose_group(ui: Any, window: TicketWindow, name: str) -> None:
    picker = window.entry.view.account_picker
    index = picker.findData(name, GROUP_ROLE)
    assert index >= 0, f"the picker offers no group {name}"
    picker.setCurrentIndex(index)
    picker.activated.emit(index)  # as the trader's choice arrives
    ui.wait_idle(window)


def _ready_market_order(ui: Any, window: TicketWindow, quantity: int) -> None:
    ui.set_instrument(window, MES)
    ui.choose(window, "MARKET")
    view = window.entry.view
    view.stop_loss_ticks_field.setText("")
    view.take_profit_ticks_field.setText("")
    view.quantity_field.setValue(quantity)


def _open_with_pair(ui: Any, served: tuple[Any, str], settings_path: Path, *,
                    sim102: Decimal) -> TicketWindow:
    """The window over a saved group "Pair" {Sim101 x1, Sim102 x`sim102`}, the group chosen."""
    settings = Settings(settings_path)
    GroupStore(settings.store).save([group_from("Pair", [("Sim101", Decimal(1)),
                                                         ("Sim102", sim102)])])
    settings.sync()
    window = ui.open(served[1], settings_path)
    try:
        _choose_group(ui, window, "Pair")
    except BaseException:
        ui.close(window)
        raise
    return window


def _statuses(window: TicketWindow) -> list[str]:
    said: list[str] = []

    def keep(event: TicketEvent) -> None:
        if isinstance(event, Status):
            said.append(event.text)
    window.ticket.subscribe(keep)
    return said


def _rows(window: TicketWindow) -> dict[str, list[str]]:
    table = window.group_results.view.table
    rows = {}
    for row in range(table.rowCount()):
        cells = [table.item(row, column) for column in range(table.columnCount())]
        rows[cells[0].text() if cells[0] else "?"] = [c.text() if c else "" for c in cells]
    return rows


def test_group_of_three_sends_three_orders_names_the_rejection_and_retries_only_it(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path) -> None:
    sim = _simulator(served, accounts=4)
    window = ui.open(served[1], settings_path)
    try:
        _make_group(ui, qtbot, window, "Trio", [("Sim101", "1"), ("Sim102", "x2"),
                                                ("Sim103", "0.5")])
        _choose_group(ui, window, "Trio")
        _ready_market_order(ui, window, 2)
        view = window.entry.view
        assert "SIM Trio · 3 accounts · 7 MES" in " ".join(view.place_text.lines())
        assert window.header.view.account_kind_badge.text() == "SIM"
        assert window.view.ticket_root.property("accountKind") == "sim"
        assert view.quantity_field.value() == 2  # the base quantity stays the base
        assert not window.group_results.view.isVisible()
        assert not window.group_results.view.made  # no widgets before the first group send

        sim.reject_next_orders("Sim103", 1, REASON)
        said = _statuses(window)
        qtbot.mouseClick(view.place_button, LEFT)
        qtbot.mouseClick(view.place_button, LEFT)  # a second click while the first goes out
        ui.wait_idle(window, timeout=20_000)

        posts = _posts(sim)
        assert {p.path.split("/")[4]: p.json["quantity"] for p in posts} == {
            "Sim101": 2, "Sim102": 4, "Sim103": 1}
        assert len(posts) == 3 and len({p.json["orderId"] for p in posts}) == 3
        assert any("one click sends once" in text for text in said)
        panel = window.group_results.view
        assert panel.isVisible()
        rows = _rows(window)
        assert rows["Sim103"][2] == f"rejected: {REASON}"
        assert rows["Sim101"][2] == rows["Sim102"][2] == "filled"
        assert [rows[a][3] for a in ("Sim101", "Sim102", "Sim103")] == [
            "LONG 2", "LONG 4", "FLAT"]
        red = _colour("error")
        sim103 = next(r for r in range(panel.table.rowCount())
                      if panel.table.item(r, 0).text() == "Sim103")  # type: ignore[union-attr]
        state = panel.table.item(sim103, 2)
        assert state is not None and state.foreground().color() == red
        filled = panel.table.item(0, 2)
        assert filled is not None and filled.foreground().color() != red
        assert panel.banner.isVisible()
        assert "Sim103" in panel.banner.text() and "Sim101" not in panel.banner.text()
        assert panel.retry_button.isEnabled()

        qtbot.mouseClick(panel.retry_button, LEFT)
        ui.wait_idle(window, timeout=20_000)
        posts = _posts(sim)
        assert len(posts) == 4  # exactly one more POST, to the failed member alone
        assert "/Sim103/" in posts[3].path and posts[3].json["quantity"] == 1
        assert posts[3].json["orderId"] not in {p.json["orderId"] for p in posts[:3]}
        rows = _rows(window)
        assert rows["Sim103"][2] == "filled" and rows["Sim103"][3] == "LONG 1"
        assert not panel.banner.isVisible()
        assert not panel.retry_button.isEnabled()
        qtbot.mouseClick(panel.toggle_button, LEFT)  # collapsible
        assert not panel.body.isVisible() and panel.toggle_button.text() == "▸ Group results"
    finally:
        ui.close(window)


def test_a_group_of_25_goes_in_two_waves_said_before_with_zero_429s(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path) -> None:
    sim = _simulator(served, accounts=26, limiter=True)  # the simulator's limiter stays ON
    names = [a.name for a in sim.exchange.book.accounts.values() if a.name != "Apex-12"]
    assert len(names) == 25
    store = Settings(settings_path)
    GroupStore(store.store).save([group_from("All25", [(n, Decimal(1)) for n in names])])
    store.sync()
    window = ui.open(served[1], settings_path)
    try:
        _choose_group(ui, window, "All25")
        _ready_market_order(ui, window, 1)
        assert "SIM All25 · 25 accounts · 25 MES" in " ".join(
            window.entry.view.place_text.lines())
        said = _statuses(window)
        qtbot.mouseClick(window.entry.view.place_button, LEFT)
        qtbot.waitUntil(lambda: len(_posts(sim)) > 0, timeout=10_000)
        assert any("25 accounts: 2 waves, about" in text for text in said)  # before sending
        ui.wait_idle(window, timeout=90_000)
        assert 429 not in [r.status for r in sim.requests]
        assert len(_posts(sim)) == 25
        rows = _rows(window)
        assert len(rows) == 25
        assert all(cells[2] == "filled" and cells[3] == "LONG 1" for cells in rows.values())
        assert not window.group_results.view.banner.isVisible()
    finally:
        ui.close(window)


def test_an_order_leaving_members_long_and_short_is_held_with_their_names(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path) -> None:
    sim = _simulator(served, accounts=3)
    sim.set_position("Sim102", MES, -3, 6000.0)
    window = ui.open(served[1], settings_path)
    try:
        _make_group(ui, qtbot, window, "Pair", [("Sim101", "1"), ("Sim102", "1")])
        _choose_group(ui, window, "Pair")
        _ready_market_order(ui, window, 1)
        qtbot.mouseClick(window.entry.view.place_button, LEFT)
        qtbot.waitUntil(lambda: ui.open_dialog() is not None, timeout=10_000)
        dialog = ui.open_dialog()
        assert isinstance(dialog, ConfirmDialog)
        question = dialog.findChild(QLabel, "confirmQuestion")
        details = dialog.findChild(QPlainTextEdit, "confirmDetails")
        assert question is not None and details is not None
        assert "group Pair" in question.text()
        assert "Sim101 long" in details.toPlainText()
        assert "Sim102 short" in details.toPlainText()
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        ui.wait_idle(window)
        assert _posts(sim) == []
        assert "not sent to group Pair" in window.position.view.status_line.text()
    finally:
        ui.close(window)


def test_groups_and_the_chosen_group_survive_a_restart_and_a_corrupt_entry_is_skipped(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    _simulator(served, accounts=4)
    window = ui.open(served[1], settings_path)
    _make_group(ui, qtbot, window, "Trio", [("Sim101", "1"), ("Sim102", "2"),
                                            ("Sim103", "0.5")])
    _choose_group(ui, window, "Trio")
    ui.close(window)

    # another program (or a damaged file) left an unreadable entry beside the good one
    settings = Settings(settings_path)
    kept = json.loads(settings.store.value("groups/all"))
    settings.store.setValue("groups/all", json.dumps([*kept, {"name": 5, "members": "x"}]))
    settings.sync()
    with caplog.at_level(logging.WARNING, logger="ct_ticket.group_store"):
        window = ui.open(served[1], settings_path)
    try:
        assert "account group #2 in the settings ignored" in caplog.text
        picker = window.entry.view.account_picker
        assert chosen_group(picker) == "Trio"
        assert window.sending.group is not None
        assert [(m.account, m.multiplier) for m in window.sending.group.members] == [
            ("Sim101", Decimal(1)), ("Sim102", Decimal(2)), ("Sim103", Decimal("0.5"))]
        # at quantity 1 the x0.5 member rounds down to 0 and is left out of the count
        assert "SIM Trio · 2 accounts · 3 MES" in " ".join(window.entry.view.place_text.lines())
        assert "group Trio" in window.windowTitle()
    finally:
        ui.close(window)


def test_the_dialog_refuses_a_bad_multiplier_and_keeps_what_was_typed(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path) -> None:
    _simulator(served, accounts=3)
    window = ui.open(served[1], settings_path)
    try:
        dialog = _open_groups_dialog(qtbot, window)
        qtbot.mouseClick(dialog.new_button, LEFT)
        ui.type_keys(dialog.name_field, "Bad")
        _add_member(qtbot, dialog, "Sim101", "abc")
        assert "'abc' is not a multiplier" in dialog.problem_label.text()  # said at once
        qtbot.mouseClick(dialog.save_button, LEFT)
        assert dialog.isVisible()
        assert "Bad, Sim101" in dialog.problem_label.text()
        cell = dialog.members_table.item(0, 1)
        assert cell is not None and cell.text() == "abc"  # nothing lost
        cell.setText("0")
        qtbot.mouseClick(dialog.save_button, LEFT)
        assert dialog.isVisible() and "above 0" in dialog.problem_label.text()
        assert GroupStore(window.settings.store).groups() == ()  # nothing half-saved
        cell.setText("1.5")
        qtbot.mouseClick(dialog.save_button, LEFT)
        picker = window.entry.view.account_picker
        qtbot.waitUntil(lambda: picker.findData("Bad", GROUP_ROLE) >= 0, timeout=5_000)
        [group] = GroupStore(window.settings.store).groups()
        assert group.name == "Bad" and group.members[0].multiplier == Decimal("1.5")

        # renamed while chosen, it stays chosen under its new name
        _choose_group(ui, window, "Bad")
        dialog = _open_groups_dialog(qtbot, window)
        assert dialog.name_field.text() == "Bad"
        ui.type_keys(dialog.name_field, "Good")
        qtbot.mouseClick(dialog.save_button, LEFT)
        qtbot.waitUntil(lambda: picker.findData("Good", GROUP_ROLE) >= 0, timeout=5_000)
        assert picker.findData("Bad", GROUP_ROLE) < 0
        assert chosen_group(picker) == "Good"
        assert window.sending.group is not None and window.sending.group.name == "Good"
    finally:
        ui.close(window)


def test_exits_go_to_every_member_and_the_kill_switch_stays_all_accounts(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path) -> None:
    sim = _simulator(served, accounts=4)
    for account, size in (("Sim101", 1), ("Sim102", 2), ("Sim103", 1)):  # Sim103: no member
        sim.set_position(account, MES, size, 6000.0)
    window = _open_with_pair(ui, served, settings_path, sim102=Decimal(2))
    try:
        ui.set_instrument(window, MES)
        exits = window.position.view

        assert ui.click_send(window, exits.reverse_button) == ""
        rows = _rows(window)
        assert [rows["Sim101"][3], rows["Sim102"][3]] == ["SHORT 1", "SHORT 2"]
        assert rows["Sim101"][2] == rows["Sim102"][2] == "done: Reversed"

        ui.click_send(window, exits.close_position_button)
        rows = _rows(window)
        assert [rows["Sim101"][3], rows["Sim102"][3]] == ["FLAT", "FLAT"]
        assert window.group_results.view.summary_label.text() == "Pair · Close position · done"

        # a group's question comes after its reads (the blast radius), not in the click
        qtbot.mouseClick(exits.flatten_everything_button, LEFT)
        qtbot.waitUntil(lambda: ui.open_dialog() is not None, timeout=10_000)
        dialog = ui.open_dialog()
        assert dialog is not None
        question = dialog.findChild(QLabel, "confirmQuestion")
        details = dialog.findChild(QPlainTextEdit, "confirmDetails")
        assert question is not None and details is not None
        assert "every member of SIM group Pair (Sim101, Sim102)" in question.text()
        assert "Sim101: 0 position(s)" in details.toPlainText()
        qtbot.mouseClick(dialog.confirm_button, LEFT)
        ui.wait_idle(window)
        assert window.group_results.view.summary_label.text() == (
            "Pair · Flatten everything · done")
        assert not [r for r in sim.requests if r.method == "POST" and "/Sim103/" in r.path]

        window.view.kill_switch_action.trigger()  # never the group's: every account
        qtbot.waitUntil(lambda: ui.open_dialog() is not None, timeout=10_000)
        dialog = ui.open_dialog()
        assert dialog is not None and dialog.windowTitle() == "Flatten ALL accounts"
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        ui.wait_idle(window)
    finally:
        ui.close(window)


def test_the_same_group_order_again_within_seconds_is_asked_first(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path) -> None:
    sim = _simulator(served, accounts=3)
    window = _open_with_pair(ui, served, settings_path, sim102=Decimal(3))
    try:
        _ready_market_order(ui, window, 1)
        place = window.entry.view.place_button
        assert ui.click_send(window, place) == ""
        assert len(_posts(sim)) == 2
        qtbot.mouseClick(place, LEFT)
        qtbot.waitUntil(lambda: ui.open_dialog() is not None, timeout=10_000)
        dialog = ui.open_dialog()
        assert dialog is not None
        details = dialog.findChild(QPlainTextEdit, "confirmDetails")
        assert details is not None and "Same order twice" in details.toPlainText()
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        ui.wait_idle(window)
        assert len(_posts(sim)) == 2
    finally:
        ui.close(window)


def test_a_group_entry_with_ticks_is_bracketed_in_every_member_from_its_own_fill(
        ui: Any, qtbot: Any, qloop: Any, served: tuple[Any, str], settings_path: Path) -> None:
    sim = _simulator(served, accounts=3)
    window = _open_with_pair(ui, served, settings_path, sim102=Decimal(2))
    try:
        _ready_market_order(ui, window, 1)
        window.entry.view.stop_loss_ticks_field.setValue(8)
        window.entry.view.take_profit_ticks_field.setValue(16)
        assert ui.click_send(window, window.entry.view.place_button) == ""
        brackets = {r.path.split("/")[4]: r.json for r in sim.requests
                    if r.method == "POST" and r.path.endswith("/cancel_and_bracket")}
        assert set(brackets) == {"Sim101", "Sim102"}
        assert [brackets[a]["quantity"] for a in ("Sim101", "Sim102")] == [1, 2]
        rows = _rows(window)
        for account in ("Sim101", "Sim102"):
            assert rows[account][2].startswith("filled: Bracket")
            assert rows[account][2].endswith("placed")
    finally:
        ui.close(window)
