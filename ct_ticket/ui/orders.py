"""The working-orders panel's controller: the account's working orders (this instrument, or all
of them) and recent fills from the ticket's events, and Cancel / ±1 tick / Move / Set qty on the
selected order through the ticket. The selection survives every refresh (and a change's new id).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from ct_ticket.events import (
    FillsUpdated,
    OrderReplaced,
    QuoteUpdated,
    Selected,
    Status,
    StatusLevel,
    TicketEvent,
    WorkingOrdersUpdated,
)
from ct_ticket.model import (
    Execution,
    OrderInfo,
    contract_spec,
    normalize_instrument,
    parse_price,
)
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.orders_view import ORDER_COLUMNS, OrdersView
from ct_ticket.wording import age_words, format_price, tick_of

__all__ = ["OrdersPanel"]


def _fill_row(table: QTableWidget, row: int, cells: list[str]) -> None:
    for column, text in enumerate(cells):
        table.setItem(row, column, QTableWidgetItem(text))


class OrdersPanel:
    """Lists what the ticket last read; every action is one request through the ticket."""

    def __init__(self, view: OrdersView, ticket: Ticket, settings: Settings) -> None:
        self.view = view
        self.ticket = ticket
        self.settings = settings
        self.account = ""
        self.instrument = ""
        self.tick: Decimal | None = None
        self.orders: tuple[OrderInfo, ...] = ()  # every working order of the account
        self.shown: list[OrderInfo] = []  # the rows, in order
        self.fills_shown: list[Execution] = []  # the fills table's rows, newest first
        self.selected_id: str | None = None
        # The fills last read while the body was not made yet: drawn when it is.
        self.fills_waiting: tuple[Execution, ...] = ()
        view.toggle_button.toggled.connect(self._set_open)
        view.all_instruments_toggle.toggled.connect(self._set_all_instruments)
        view.body_built.connect(self._wire_body)
        if view.built is not None:  # made before the ticket came (the panel was left open)
            self._wire_body()
        view.all_instruments_toggle.setChecked(settings.orders_all_instruments)
        view.toggle_button.setChecked(settings.orders_open)
        self._set_open(settings.orders_open)
        ticket.subscribe(self.on_event)

    def _wire_body(self) -> None:
        """The body was made: connect its controls and draw what was read meanwhile."""
        body = self.view.body
        body.orders_table.itemSelectionChanged.connect(self._selection_changed)
        body.cancel_order_button.clicked.connect(self.cancel_selected)
        body.tick_down_button.clicked.connect(lambda: self.nudge_selected(-1))
        body.tick_up_button.clicked.connect(lambda: self.nudge_selected(1))
        body.move_button.clicked.connect(self.move_selected)
        body.price_field.returnPressed.connect(self.move_selected)
        body.resize_button.clicked.connect(self.resize_selected)
        self._show_orders()
        self._show_fills(self.fills_waiting)
        self.fills_waiting = ()

    # --- the ticket's events ----------------------------------------------------------------

    def on_event(self, event: TicketEvent) -> None:
        if isinstance(event, WorkingOrdersUpdated) and event.account == self.account:
            if event.count is not None:
                self.orders = event.orders
                self._show_orders()
        elif isinstance(event, Selected):
            if event.account != self.account:
                self.orders, self.selected_id = (), None
                if self.view.built is not None:
                    self.view.built.fills_table.setRowCount(0)
                self.fills_shown, self.fills_waiting = [], ()
            self.account, self.instrument = event.account, event.instrument
            spec = contract_spec(event.instrument)
            self.tick = spec.tick_size if spec else None
            self._show_orders()
        elif isinstance(event, QuoteUpdated) and event.quote and event.quote.tick_size:
            self.tick = Decimal(repr(event.quote.tick_size))
        elif isinstance(event, OrderReplaced) and event.old_id == self.selected_id:
            self.selected_id = event.new_id
        elif isinstance(event, FillsUpdated) and event.account == self.account:
            if self.view.built is None:
                self.fills_waiting = event.executions
            else:
                self._show_fills(event.executions)

    def _show_orders(self) -> None:
        view = self.view
        every = view.all_instruments_toggle.isChecked()
        wanted = self.instrument.casefold()
        self.shown = [o for o in self.orders if every or not wanted
                      or normalize_instrument(o.instrument).casefold() == wanted
                      or o.instrument.casefold().split(" ")[0] == wanted]
        count = len(self.orders)
        arrow = "▾" if view.toggle_button.isChecked() else "▸"
        view.toggle_button.setText(f"{arrow} Working orders ({count})")
        if view.built is None:  # the count above is all a panel never opened shows
            return
        table, keep = view.built.orders_table, self.selected_id
        table.blockSignals(True)  # rebuilding is not the trader choosing
        table.setRowCount(len(self.shown))
        for row, order in enumerate(self.shown):
            prices = " / ".join(format_price(p, self.tick)
                                for p in (order.stop_price, order.limit_price) if p)
            _fill_row(table, row, [order.instrument, order.action.upper(), order.order_type,
                                   str(order.quantity), prices or "—", order.state.value,
                                   age_words(order.time), order.order_id[:8]])
            for column in range(len(ORDER_COLUMNS)):
                cell = table.item(row, column)
                if cell is not None:
                    cell.setToolTip(f"Order {order.order_id}")
        table.clearSelection()
        for row, order in enumerate(self.shown):
            if order.order_id == keep:
                table.selectRow(row)
        table.blockSignals(False)
        if keep is not None and not any(o.order_id == keep for o in self.shown):
            self.selected_id = None
        self._enable_actions()

    def _show_fills(self, executions: tuple[Execution, ...]) -> None:
        """Newest first. Each order's follow-up brings every fill of the lookback (hundreds on
        a busy day): rows already shown stay, new fills are inserted at the top and those past
        the lookback dropped at the bottom. Rebuilding every row held the loop ~17 ms at 200
        fills, once per filled order of a burst; now a follow-up costs its new rows."""
        table = self.view.body.fills_table
        rows = sorted(executions, key=lambda e: e.time or dt.datetime.min, reverse=True)
        old = self.fills_shown
        new = len(rows) if not old else next(
            (i for i, fill in enumerate(rows) if fill == old[0]), -1)
        if new < 0 or rows[new:] != old[:len(rows) - new]:  # not the same list grown: redraw
            new = len(rows)
            table.setRowCount(0)
        else:
            for _ in range(new):
                table.insertRow(0)
        table.setRowCount(len(rows))
        for row, fill in enumerate(rows[:new]):
            stamp = fill.time.strftime("%H:%M:%S") if fill.time else "—"
            _fill_row(table, row, [stamp, fill.side, str(fill.quantity),
                                   format_price(fill.price, tick_of(fill.instrument)),
                                   fill.instrument])
        self.fills_shown = rows

    def show_ages(self) -> None:
        """Refresh the Age column (the window's one-second timer calls this)."""
        if self.view.built is None:
            return
        for row, order in enumerate(self.shown):
            item = self.view.built.orders_table.item(row, 6)
            if item is not None:
                item.setText(age_words(order.time))

    # --- the trader's choices ---------------------------------------------------------------

    def _set_open(self, on: bool) -> None:
        self.view.set_open(on)  # makes the body the first time: `_wire_body` draws it
        self.settings.orders_open = on
        self._show_orders()

    def _set_all_instruments(self, on: bool) -> None:
        self.settings.orders_all_instruments = on
        self._show_orders()

    def _selection_changed(self) -> None:
        body = self.view.body
        rows = {index.row() for index in body.orders_table.selectedIndexes()}
        order = self.shown[min(rows)] if rows and min(rows) < len(self.shown) else None
        self.selected_id = order.order_id if order else None
        if order is not None:
            body.quantity_field.setValue(max(1, order.quantity))
            price = order.limit_price or order.stop_price
            body.price_field.setText(format_price(price, self.tick) if price else "")
        self._enable_actions()

    def selected(self) -> OrderInfo | None:
        return next((o for o in self.shown if o.order_id == self.selected_id), None)

    def _enable_actions(self) -> None:
        order = self.selected()
        priced = order is not None and bool(order.limit_price or order.stop_price)
        body = self.view.built
        if body is None:
            return
        body.cancel_order_button.setEnabled(order is not None)
        body.resize_button.setEnabled(order is not None)
        for widget in (body.tick_down_button, body.tick_up_button, body.move_button):
            widget.setEnabled(priced)

    def cancel_selected(self) -> None:
        if (order := self.selected()) is not None:
            self.ticket.edits.cancel(order)

    def nudge_selected(self, ticks: int) -> None:
        order = self.selected()
        if order is None or self.tick is None:
            return
        self._move(order, self.tick * ticks)

    def move_selected(self) -> None:
        order = self.selected()
        if order is None:
            return
        typed = self.view.body.price_field.text()
        price = parse_price(typed)
        current = order.limit_price or order.stop_price
        if price is None or price <= 0 or not current:
            self._say(f"Not moved: “{typed}” is not a price.")
            return
        try:
            self._move(order, price - Decimal(repr(current)))
        except InvalidOperation:
            self._say("Not moved: the price cannot be read.")

    def _move(self, order: OrderInfo, by: Decimal) -> None:
        """Shift the order's price(s) by `by`; a stop-limit keeps its stop-to-limit gap."""
        limit = Decimal(repr(order.limit_price)) + by if order.limit_price else None
        stop = Decimal(repr(order.stop_price)) + by if order.stop_price else None
        if (limit is not None and limit <= 0) or (stop is not None and stop <= 0):
            self._say("Not moved: the price would be zero or below.")
            return
        self.ticket.edits.change(order, limit_price=limit, stop_price=stop)

    def resize_selected(self) -> None:
        order = self.selected()
        if order is not None:
            self.ticket.edits.change(order, quantity=self.view.body.quantity_field.value())

    def _say(self, text: str) -> None:
        self.ticket.publish(Status(StatusLevel.ERROR, text, self.account))
