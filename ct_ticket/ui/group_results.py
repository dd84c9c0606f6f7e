"""The group results panel's controller: one row per member of the group's last send (account,
quantity, state with its reason, position afterwards, room to its own limits), the out-of-sync
banner naming the members out of step, and "Retry the failed ones" (enabled only when a member
failed definitely and nothing is in flight). Draws only what `GroupResults` and the accounts
as last read say; a figure nobody reported is shown as unknown, never 0."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

from ct_ticket.events import GroupResults, MemberResult
from ct_ticket.model.groups import Room, RoomLevel
from ct_ticket.ui.group_results_view import GroupResultsView

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["GroupResultsPanel"]

# The QSS's status colours (resources/theme), for table cells the sheet cannot reach.
_COLOURS = {
    "dark": {"error": "#ff6b6b", "warning": "#f0b429", "unknown": "#c4a7ff", "ok": "#4fd08a"},
    "light": {"error": "#a61b1b", "warning": "#a15c00", "unknown": "#5b21b6", "ok": "#177a3f"},
}
FRAME_MS = 16  # rows drawn at most once a frame
_COLOUR_ROLE = Qt.ItemDataRole.UserRole + 1  # the colour a cell's text is drawn in ("" plain)
_ROOM_LEVEL = {RoomLevel.RED: "error", RoomLevel.AMBER: "warning", RoomLevel.UNKNOWN: "unknown"}


def _colour(level: str) -> QColor:
    window = QApplication.palette().color(QPalette.ColorRole.Window)
    return QColor(_COLOURS["dark" if window.lightness() < 128 else "light"][level])


def _position(row: MemberResult, done: bool) -> str:
    if row.position is None:
        return "unknown" if done else "…"
    if row.position == 0:
        return "FLAT"
    return f"{'LONG' if row.position > 0 else 'SHORT'} {abs(row.position)}"


def _cells(row: MemberResult, room: Room | None, results: GroupResults) -> list[tuple[str, str]]:
    """One member's row: each column's text and colour level ("" plain)."""
    level = ("error" if row.failed or row.unprotected
             else "unknown" if row.state == "unknown"
             else "warning" if row.state == "skipped" else "")
    room_level = level or (_ROOM_LEVEL.get(room.level, "") if room else "unknown")
    return [(row.account, "error" if row.account in results.out_of_sync else level),
            (str(row.quantity) if row.quantity else "—", level),
            (_state(row), level),
            (_position(row, results.done), level),
            (room.text.replace(" · ", "\n") if room is not None
             else "room unknown\n(account not listed)", room_level)]


def _set_cell(table: QTableWidget, row: int, column: int, text: str, level: str) -> bool:
    """Show `text` in `level`'s colour in a cell; True if anything changed. A group of 20 is
    drawn up to 60 times a second while its answers come in: a cell is touched only when its
    text or colour changed, and never replaced (a new item re-measures the whole table)."""
    colour = _colour(level) if level else None
    name = colour.name() if colour is not None else ""  # the theme's colour of the level
    item = table.item(row, column)
    if item is None:
        item = QTableWidgetItem(text)
        item.setToolTip(text)
        item.setData(_COLOUR_ROLE, name)
        if colour is not None:
            item.setForeground(QBrush(colour))
        table.setItem(row, column, item)
        return True
    changed = False
    if item.text() != text:
        item.setText(text)
        item.setToolTip(text)
        changed = True
    if item.data(_COLOUR_ROLE) != name:
        item.setData(_COLOUR_ROLE, name)
        item.setForeground(QBrush(colour) if colour is not None else QBrush())
        changed = True
    return changed


def _state(row: MemberResult) -> str:
    return f"{row.state}: {row.reason}" if row.reason else row.state


class GroupResultsPanel:
    """Shows the group's last send; the retry goes back through the ticket's `group_sends`."""

    def __init__(self, view: GroupResultsView, ticket: Ticket) -> None:
        self.view = view
        self.sends = sends = ticket.group_sends
        self.results: GroupResults | None = None
        self.rooms: Mapping[str, Room] = {}
        self._unfitted = False  # cells changed since the rows were last fitted to their text
        sends.ticket.groups.subscribe(self.show)
        sends.subscribe_rooms(self._show_rooms)
        self._draw_due = QTimer(view)
        self._draw_due.setSingleShot(True)
        self._draw_due.setInterval(FRAME_MS)
        self._draw_due.timeout.connect(self._draw)

    def show(self, results: GroupResults) -> None:
        """A group send started or moved on: the panel appears and says where each member is.

        A group of 20 moves on some 60 times in a second (sending, accepted, filled, each with
        its position): the rows in between are drawn at most once a frame, so drawing never
        delays the members' own answers on the loop; the outcome is drawn at once."""
        self.results = results
        if not self.rooms:
            self.rooms = self.sends.rooms()
        if self.view.make():  # the first group send: the panel's widgets are made now
            self.view.toggle_button.toggled.connect(self._set_open)
            self.view.retry_button.clicked.connect(self.retry)
        if self.view.isHidden():
            self.view.setVisible(True)
        if results.done:  # the outcome is drawn at once
            self._draw_due.stop()
            self._draw()
        elif not self._draw_due.isActive():
            self._draw_due.start()

    def _show_rooms(self, rooms: Mapping[str, Room]) -> None:
        self.rooms = rooms
        if self.results is not None:
            self._draw()

    def _set_open(self, on: bool) -> None:
        self.view.body.setVisible(on)
        self._draw_header()

    def retry(self) -> None:
        """Send again to the members with a definite failure only."""
        self.view.retry_button.setEnabled(False)  # one click, one retry
        self.sends.retry_failed()

    def _draw(self) -> None:
        results, view = self.results, self.view
        if results is None:
            return
        table = view.table
        resized = table.rowCount() != len(results.rows)
        if resized:
            table.setRowCount(len(results.rows))
        changed = resized
        explained = False  # a changed row now says why (a rejection's reason): fit at once
        with view.changing_cells():
            for number, row in enumerate(results.rows):
                cells = _cells(row, self.rooms.get(row.account), results)
                row_changed = False
                for column, (text, level) in enumerate(cells):
                    row_changed |= _set_cell(table, number, column, text, level)
                changed |= row_changed
                explained |= row_changed and bool(row.reason)
        # Re-measuring 20 wrapped rows is most of a draw's cost (~2.4 ms on a 2 GHz core, on
        # the loop the later members' answers wait for): while plain states come in ("sending",
        # "accepted", "filled": one line each) the rows keep their height; they are fitted to
        # their text when the rows are new, when a row gains a reason, and at the outcome.
        self._unfitted |= changed
        if self._unfitted and (resized or explained or results.done):
            self._unfitted = False
            view.fit_rows()
        out = results.out_of_sync
        view.banner.setVisible(bool(out) and results.done)
        view.banner.setText(f"Out of sync: {', '.join(out)} — positions no longer match the "
                            "multipliers." if out else "")
        error = _colour("error").name()
        sheet = (f"QLabel {{ color: {error}; border: 1px solid {error}; "
                 "border-radius: 3px; padding: 3px 6px; font-weight: bold; }")
        if view.banner.styleSheet() != sheet:  # a new style sheet re-polishes the label
            view.banner.setStyleSheet(sheet)
        view.retry_button.setEnabled(results.done and not self.sends.busy
                                     and any(row.failed for row in results.rows))
        self._draw_header()

    def _draw_header(self) -> None:
        view, results = self.view, self.results
        arrow = "▾" if view.toggle_button.isChecked() else "▸"
        view.toggle_button.setText(f"{arrow} Group results")
        if results is None:
            return
        answered = sum(1 for row in results.rows if row.state != "sending")
        progress = "done" if results.done else f"{answered}/{len(results.rows)} answered"
        view.summary_label.setText(f"{results.group} · {results.action.value} · {progress}")
