"""The ticket's widgets and layout, named for tests and accessibility tools. No behaviour here:
ui/window.py connects these widgets to the ticket."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ct_ticket.model import OrderType, TimeInForce
from ct_ticket.ui import theme

__all__ = ["QUANTITY_PRESETS", "SHORTCUTS", "TicketView"]

QUANTITY_PRESETS = (1, 2, 5, 10)
SHORTCUTS = {
    "buy": "Ctrl+B",
    "sell": "Ctrl+S",
    "flatten_place": "Ctrl+Return",
    "place": "Ctrl+Shift+Return",
    "refresh": "F5",
    "repeat": "Ctrl+R",
}


def _named(widget: QWidget, name: str, accessible: str, tip: str = "") -> None:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    if tip:
        widget.setToolTip(tip)


def _button(name: str, text: str, accessible: str, tip: str = "", icon: str = "",
            *, on_fill: bool = False) -> QPushButton:
    button = QPushButton(text)
    _named(button, name, accessible, tip)
    button.setAutoDefault(False)  # Enter in a field must never press a send button
    button.setDefault(False)
    if icon:
        # White on the saturated fills (a checked side, the primary button), grey elsewhere.
        button.setIcon(theme.icon(icon, color="#ffffff") if on_fill and name == "flattenPlaceButton"
                       else theme.icon(icon, checked_color="#ffffff") if on_fill
                       else theme.icon(icon))
    return button


class TicketView(QMainWindow):
    """The ticket window's widgets. Every control has an objectName and an accessible name."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("ct-ticket")
        self.setWindowIcon(theme.app_icon())
        root = self.ticket_root = QWidget()
        _named(root, "ticketRoot", "Order ticket")
        self.setCentralWidget(root)
        outer = QVBoxLayout(root)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(6)

        # --- account and connection -------------------------------------------------------
        self.account_picker = QComboBox()
        _named(self.account_picker, "accountPicker", "Account", "The NT8 account orders go to")
        self.account_picker.setSizePolicy(QSizePolicy.Policy.Expanding,
                                          QSizePolicy.Policy.Fixed)
        self.refresh_accounts_button = QToolButton()
        _named(self.refresh_accounts_button, "refreshAccountsButton", "Reload accounts",
               f"Reload accounts and position ({SHORTCUTS['refresh']})")
        self.refresh_accounts_button.setIcon(theme.icon("refresh"))
        self.account_kind_badge = QLabel("—")
        _named(self.account_kind_badge, "accountKindBadge", "Account kind",
               "SIM or LIVE, from the account's connection")
        self.connection_indicator = QLabel("● connecting")
        _named(self.connection_indicator, "connectionIndicator", "Connection",
               "CrossTrade reachable / NinjaTrader connected")
        self.stream_indicator = QLabel("")
        _named(self.stream_indicator, "streamIndicator", "Market data stream",
               "Live: quotes and P&L stream in; REST only: read every few seconds")
        row = QHBoxLayout()
        row.addWidget(self.account_kind_badge)
        row.addWidget(self.stream_indicator)
        row.addStretch(1)
        row.addWidget(self.connection_indicator)
        outer.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.account_picker, 1)
        row.addWidget(self.refresh_accounts_button)
        outer.addLayout(row)

        # --- instrument and market --------------------------------------------------------
        self.instrument_picker = QComboBox()
        self.instrument_picker.setEditable(True)
        self.instrument_picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        _named(self.instrument_picker, "instrumentPicker", "Instrument",
               "ES 12-26, ES, ES1! or ESZ26; recent and favourite instruments are listed")
        self.instrument_picker.setSizePolicy(QSizePolicy.Policy.Expanding,
                                             QSizePolicy.Policy.Fixed)
        editor = self.instrument_picker.lineEdit()
        assert editor is not None  # an editable combo box always has one
        self.instrument_editor: QLineEdit = editor
        self.favourite_button = QToolButton()
        self.favourite_button.setCheckable(True)
        self.favourite_button.setIcon(theme.icon("star"))
        _named(self.favourite_button, "favouriteButton", "Favourite instrument",
               "Keep this instrument in the list")
        row = QHBoxLayout()
        row.addWidget(self.instrument_picker, 1)
        row.addWidget(self.favourite_button)
        outer.addLayout(row)

        self.bid_button = QPushButton("Bid —")
        _named(self.bid_button, "bidButton", "Bid", "Copy the bid into the price field")
        self.ask_button = QPushButton("Ask —")
        _named(self.ask_button, "askButton", "Ask", "Copy the ask into the price field")
        for button in (self.bid_button, self.ask_button):
            button.setAutoDefault(False)
            button.setFlat(True)
        self.quote_label = QLabel("No quote yet")
        _named(self.quote_label, "quoteLabel", "Quote", "Last price, tick size and point value")
        self.quote_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.bid_button, 1)
        row.addWidget(self.ask_button, 1)
        outer.addLayout(row)
        outer.addWidget(self.quote_label)

        # --- side -------------------------------------------------------------------------
        self.buy_button = _button("buyButton", "BUY", "Buy side",
                                  f"Buy side ({SHORTCUTS['buy']})", "buy", on_fill=True)
        self.sell_button = _button("sellButton", "SELL", "Sell side",
                                   f"Sell side ({SHORTCUTS['sell']})", "sell", on_fill=True)
        for button in (self.buy_button, self.sell_button):
            button.setCheckable(True)
            button.setMinimumHeight(44)
        row = QHBoxLayout()
        row.addWidget(self.buy_button)
        row.addWidget(self.sell_button)
        outer.addLayout(row)

        # --- order fields -----------------------------------------------------------------
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.quantity_field = QSpinBox()
        _named(self.quantity_field, "quantityField", "Quantity", "Contracts")
        self.quantity_field.setRange(1, 100)
        self.preset_buttons: list[QToolButton] = []
        qty_row = QHBoxLayout()
        qty_row.addWidget(self.quantity_field, 1)
        for preset in QUANTITY_PRESETS:
            preset_button = QToolButton()
            preset_button.setText(str(preset))
            _named(preset_button, f"quantityPreset{preset}", f"Quantity {preset}",
                   f"Set quantity to {preset}")
            self.preset_buttons.append(preset_button)
            qty_row.addWidget(preset_button)
        form.addRow("Qty", qty_row)

        self.order_type_picker = QComboBox()
        _named(self.order_type_picker, "orderTypePicker", "Order type")
        for order_type in OrderType:
            self.order_type_picker.addItem(order_type.value, order_type.value)
        self.time_in_force_picker = QComboBox()
        _named(self.time_in_force_picker, "timeInForcePicker", "Time in force")
        for tif in TimeInForce:
            self.time_in_force_picker.addItem(tif.value, tif.value)
        type_row = QHBoxLayout()
        type_row.addWidget(self.order_type_picker, 2)
        type_row.addWidget(self.time_in_force_picker, 1)
        form.addRow("Type", type_row)

        self.limit_price_field = QDoubleSpinBox()
        _named(self.limit_price_field, "limitPriceField", "Limit price",
               "Limit price, steps by the instrument's tick")
        self.stop_price_field = QDoubleSpinBox()
        _named(self.stop_price_field, "stopPriceField", "Stop price",
               "Stop price, steps by the instrument's tick")
        for field in (self.limit_price_field, self.stop_price_field):
            field.setRange(0.0, 9_999_999.0)
            field.setKeyboardTracking(True)
            field.setSpecialValueText(" ")  # 0 shows empty: "no price yet", never a real 0
        self.limit_label = QLabel("Limit")
        self.stop_label = QLabel("Stop")
        form.addRow(self.stop_label, self.stop_price_field)
        form.addRow(self.limit_label, self.limit_price_field)

        self.atm_strategy_field = QLineEdit()
        _named(self.atm_strategy_field, "atmStrategyField", "ATM strategy",
               "Optional: an ATM template name that exists in NT8")
        self.atm_strategy_field.setPlaceholderText("ATM template (optional)")
        self.oco_id_field = QLineEdit()
        _named(self.oco_id_field, "ocoIdField", "OCO id", "Optional: an OCO group id")
        self.oco_id_field.setPlaceholderText("OCO id (optional)")
        extra_row = QHBoxLayout()
        extra_row.addWidget(self.atm_strategy_field, 2)
        extra_row.addWidget(self.oco_id_field, 1)
        form.addRow("ATM", extra_row)
        outer.addLayout(form)

        # --- sending ----------------------------------------------------------------------
        self.flatten_place_button = _button(
            "flattenPlaceButton", "Flatten & Place", "Flatten and place",
            f"Close any position in this instrument, then place ({SHORTCUTS['flatten_place']})",
            "flatten", on_fill=True)
        self.flatten_place_button.setMinimumHeight(58)
        self.place_button = _button("placeButton", "Place", "Place",
                                    f"Place without flattening ({SHORTCUTS['place']})")
        self.place_button.setMinimumHeight(44)
        outer.addWidget(self.flatten_place_button)
        outer.addWidget(self.place_button)

        self.close_position_button = _button("closePositionButton", "Close", "Close position",
                                             "Close the position in this instrument", "close")
        self.reverse_button = _button("reverseButton", "Reverse", "Reverse position",
                                      "Reverse the position in this instrument", "reverse")
        self.cancel_all_button = _button("cancelAllButton", "Cancel all", "Cancel all orders",
                                         "Cancel this account's working orders", "cancel")
        self.flatten_everything_button = _button(
            "flattenEverythingButton", "Flatten all", "Flatten everything",
            "Close every position and cancel every order in this account (asks first)", "kill")
        grid = QGridLayout()
        grid.addWidget(self.close_position_button, 0, 0)
        grid.addWidget(self.reverse_button, 0, 1)
        grid.addWidget(self.cancel_all_button, 1, 0)
        grid.addWidget(self.flatten_everything_button, 1, 1)
        outer.addLayout(grid)

        # --- feedback ---------------------------------------------------------------------
        self.position_label = QLabel("Position —")
        _named(self.position_label, "positionLabel", "Position",
               "Position in the chosen account and instrument")
        self.position_label.setWordWrap(True)
        self.status_line = QLabel("Starting…")
        _named(self.status_line, "statusLine", "Status")
        self.status_line.setWordWrap(True)
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.position_label)
        outer.addWidget(self.status_line)
        self.activity_log = QPlainTextEdit()
        _named(self.activity_log, "activityLog", "Activity log")
        self.activity_log.setReadOnly(True)
        self.activity_log.setMaximumBlockCount(2000)
        self.activity_log.setMinimumHeight(70)
        outer.addWidget(self.activity_log, 1)

        self.always_on_top_toggle = QCheckBox("Always on top")
        _named(self.always_on_top_toggle, "alwaysOnTopToggle", "Always on top")
        self.confirm_orders_toggle = QCheckBox("Confirm every order")
        _named(self.confirm_orders_toggle, "confirmOrdersToggle", "Confirm every order",
               "Ask before every order is sent")
        row = QHBoxLayout()
        row.addWidget(self.always_on_top_toggle)
        row.addWidget(self.confirm_orders_toggle)
        row.addStretch(1)
        outer.addLayout(row)

        # --- menu -------------------------------------------------------------------------
        menu = self.menuBar().addMenu("&Ticket")
        self.token_action = QAction(theme.icon("key"), "API &token…", self)
        self.kill_switch_action = QAction(theme.icon("kill"),
                                          "Flatten ALL accounts (kill switch)…", self)
        self.repeat_action = QAction(theme.icon("repeat"), "&Repeat last order", self)
        self.repeat_action.setShortcut(QKeySequence(SHORTCUTS["repeat"]))
        self.limits_action = QAction("Safety &limits…", self)
        self.sounds_action = QAction(theme.icon("sound"), "&Sounds (accepted, rejected, "
                                     "disconnected)", self)
        self.sounds_action.setCheckable(True)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        for action in (self.token_action, self.repeat_action, self.limits_action,
                       self.sounds_action,
                       self.kill_switch_action, self.quit_action):
            menu.addAction(action)

        # Tab walks the ticket top to bottom as it reads (stop sits above limit on screen).
        chain = (self.account_picker, self.instrument_picker, self.buy_button, self.sell_button,
                 self.quantity_field, self.order_type_picker, self.time_in_force_picker,
                 self.stop_price_field, self.limit_price_field, self.atm_strategy_field,
                 self.oco_id_field, self.flatten_place_button, self.place_button)
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

        self.send_buttons = (self.flatten_place_button, self.place_button,
                             self.close_position_button, self.reverse_button,
                             self.cancel_all_button, self.flatten_everything_button)
        self.setMinimumWidth(320)
        self.resize(430, 660)
