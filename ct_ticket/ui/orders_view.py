"""The working-orders panel's widgets: a collapsible header, the account's working orders and
recent fills in two tabs, and the controls that act on the selected order. Layout and names
only; ui/orders.py gives them behaviour."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ct_ticket.ui.widgets import button, named, tight

__all__ = ["FILL_COLUMNS", "ORDER_COLUMNS", "OrdersBody", "OrdersView"]

ORDER_COLUMNS = ("Instrument", "Side", "Type", "Qty", "Price", "State", "Age", "Id")
FILL_COLUMNS = ("Time", "Side", "Qty", "Price", "Instrument")


def _table(name: str, accessible: str, columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    named(table, name, accessible)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setMinimumHeight(90)
    return table


class OrdersBody(QWidget):
    """The panel's body: working orders and fills in two tabs, and the selected order's
    controls. Built the first time the panel opens (or something reads it): a collapsed panel,
    as most traders keep it, costs a start neither its ~50 widgets nor their memory."""

    def __init__(self) -> None:
        super().__init__()
        body = tight(QVBoxLayout(self))
        self.tabs = QTabWidget()
        named(self.tabs, "ordersTabs", "Working orders and fills")
        self.orders_table = _table("workingOrdersTable", "Working orders", ORDER_COLUMNS)
        self.fills_table = _table("fillsTable", "Recent fills", FILL_COLUMNS)
        self.tabs.addTab(self.orders_table, "Orders")
        self.tabs.addTab(self.fills_table, "Fills")
        body.addWidget(self.tabs)

        self.cancel_order_button = button("cancelOrderButton", "Cancel", "Cancel order",
                                          "Cancel the selected order", "cancel")
        self.tick_down_button = button("tickDownButton", "-1 tick", "Price down one tick",
                                       "Move the selected order's price one tick down")
        self.tick_up_button = button("tickUpButton", "+1 tick", "Price up one tick",
                                     "Move the selected order's price one tick up")
        self.price_field = QLineEdit()
        named(self.price_field, "orderPriceField", "New price",
              "Type a price and press Move (a stop-limit keeps its stop-to-limit distance)")
        self.price_field.setPlaceholderText("price")
        self.move_button = button("moveOrderButton", "Move", "Move order",
                                  "Move the selected order to the typed price")
        self.quantity_field = QSpinBox()
        named(self.quantity_field, "orderQuantityField", "New quantity",
              "The selected order's new quantity")
        self.quantity_field.setRange(1, 10_000)
        self.resize_button = button("resizeOrderButton", "Set qty", "Change quantity",
                                    "Change the selected order's quantity")
        actions = QHBoxLayout()
        for widget in (self.cancel_order_button, self.tick_down_button, self.tick_up_button):
            actions.addWidget(widget)
        body.addLayout(actions)
        edits = QHBoxLayout()
        edits.addWidget(self.price_field, 2)
        edits.addWidget(self.move_button)
        edits.addWidget(self.quantity_field, 1)
        edits.addWidget(self.resize_button)
        body.addLayout(edits)
        self.order_buttons = (self.cancel_order_button, self.tick_down_button,
                              self.tick_up_button, self.move_button, self.resize_button)


class OrdersView(QWidget):
    """Working orders and fills of the chosen account, under the ticket: a header that is
    always there, and the body (`OrdersBody`) made when first needed."""

    body_built = Signal()
    """The body was just made (and is in the layout): its controller wires and fills it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ordersPanel")
        self._outer = tight(QVBoxLayout(self))
        self.toggle_button = QToolButton()
        self.toggle_button.setCheckable(True)
        self.toggle_button.setText("▸ Working orders")
        named(self.toggle_button, "ordersToggle", "Show working orders",
              "Show or hide the working orders and fills of this account")
        self.all_instruments_toggle = QCheckBox("All instruments")
        named(self.all_instruments_toggle, "allInstrumentsToggle", "All instruments",
              "List the working orders of every instrument in this account")
        row = QHBoxLayout()
        row.addWidget(self.toggle_button)
        row.addStretch(1)
        row.addWidget(self.all_instruments_toggle)
        self._outer.addLayout(row)
        self.built: OrdersBody | None = None

    @property
    def body(self) -> OrdersBody:
        """The body, made (hidden, unless the panel is open) the first time it is asked for."""
        if self.built is None:
            built = self.built = OrdersBody()
            built.setVisible(self.toggle_button.isChecked())
            self._outer.addWidget(built)
            self.body_built.emit()
        return self.built

    def set_open(self, on: bool) -> None:
        """Show or hide the body; a body that was never made is made only to be shown."""
        if on or self.built is not None:
            self.body.setVisible(on)

    @property
    def order_buttons(self) -> tuple[QWidget, ...]:
        """The selected order's buttons; none while the body was never made."""
        return self.built.order_buttons if self.built is not None else ()
