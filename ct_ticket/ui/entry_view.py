"""The order-entry panel's widgets: account and instrument pickers, market, side, quantity,
type, prices, ATM/OCO and the two order buttons. Layout and names only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ct_ticket.model import OrderType, TimeInForce
from ct_ticket.model.orders import MAX_BRACKET_TICKS
from ct_ticket.ui import theme
from ct_ticket.ui.fit_text import FittedText
from ct_ticket.ui.number_fields import NumberField, PriceField, QuantityField
from ct_ticket.ui.shortcuts import QUANTITY_PRESETS, SHORTCUTS
from ct_ticket.ui.widgets import button, named, steady, tight

__all__ = ["EntryView"]


def with_problem_line(field: NumberField, row: QHBoxLayout | None = None) -> QVBoxLayout:
    """A field (or its row) with the line under it that says why what was typed is refused."""
    column = QVBoxLayout()
    column.setSpacing(2)
    if row is not None:
        column.addLayout(row)
    else:
        column.addWidget(field)
    column.addWidget(field.problem_label)
    return column


class EntryView(QWidget):
    """Everything that makes an order, top to bottom as the trader reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("entryPanel")
        outer = tight(QVBoxLayout(self))

        # --- account ----------------------------------------------------------------------
        self.account_picker = QComboBox()
        named(self.account_picker, "accountPicker", "Account", "The NT8 account orders go to")
        self.account_picker.setSizePolicy(QSizePolicy.Policy.Expanding,
                                          QSizePolicy.Policy.Fixed)
        self.refresh_accounts_button = QToolButton()
        named(self.refresh_accounts_button, "refreshAccountsButton", "Reload accounts",
              f"Reload accounts and position ({SHORTCUTS['refresh']})")
        self.refresh_accounts_button.setIcon(theme.icon("refresh"))
        row = QHBoxLayout()
        row.addWidget(self.account_picker, 1)
        row.addWidget(self.refresh_accounts_button)
        outer.addLayout(row)

        # --- instrument and market --------------------------------------------------------
        self.instrument_picker = QComboBox()
        self.instrument_picker.setEditable(True)
        self.instrument_picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        named(self.instrument_picker, "instrumentPicker", "Instrument",
              "ES 12-26, ES, ES1! or ESZ26; recent and favourite instruments are listed")
        self.instrument_picker.setSizePolicy(QSizePolicy.Policy.Expanding,
                                             QSizePolicy.Policy.Fixed)
        editor = self.instrument_picker.lineEdit()
        assert editor is not None  # an editable combo box always has one
        self.instrument_editor: QLineEdit = editor
        self.favourite_button = QToolButton()
        self.favourite_button.setCheckable(True)
        self.favourite_button.setIcon(theme.icon("star"))
        named(self.favourite_button, "favouriteButton", "Favourite instrument",
              "Keep this instrument in the list")
        row = QHBoxLayout()
        row.addWidget(self.instrument_picker, 1)
        row.addWidget(self.favourite_button)
        outer.addLayout(row)

        self.bid_button = QPushButton("Bid —")
        named(self.bid_button, "bidButton", "Bid", "Copy the bid into the price field")
        self.ask_button = QPushButton("Ask —")
        named(self.ask_button, "askButton", "Ask", "Copy the ask into the price field")
        for quote_button in (self.bid_button, self.ask_button):
            quote_button.setAutoDefault(False)
            quote_button.setFlat(True)
        self.quote_label = QLabel("No quote yet")
        named(self.quote_label, "quoteLabel", "Quote", "Last price, tick size and point value")
        self.quote_label.setWordWrap(True)
        # Each quote re-labels these three: boxed, a new price repaints them alone (no relayout).
        row = QHBoxLayout()
        row.addWidget(steady(self.bid_button), 1)
        row.addWidget(steady(self.ask_button), 1)
        outer.addLayout(row)
        outer.addWidget(steady(self.quote_label))

        # --- side -------------------------------------------------------------------------
        self.buy_button = button("buyButton", "BUY", "Buy side",
                                 f"Buy side ({SHORTCUTS['buy']})", "buy", on_fill=True)
        self.sell_button = button("sellButton", "SELL", "Sell side",
                                  f"Sell side ({SHORTCUTS['sell']})", "sell", on_fill=True)
        for side_button in (self.buy_button, self.sell_button):
            side_button.setCheckable(True)
            side_button.setMinimumHeight(44)
        row = QHBoxLayout()
        row.addWidget(self.buy_button)
        row.addWidget(self.sell_button)
        outer.addLayout(row)

        # --- order fields -----------------------------------------------------------------
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.quantity_field = QuantityField()
        named(self.quantity_field, "quantityField", "Quantity",
              "Contracts, a whole number; Up/Down or the wheel step by one")
        self.quantity_field.problem_label.setObjectName("quantityProblem")
        self.preset_buttons: list[QToolButton] = []
        qty_row = QHBoxLayout()
        qty_row.addWidget(self.quantity_field, 1)
        for preset in QUANTITY_PRESETS:
            preset_button = QToolButton()
            preset_button.setText(str(preset))
            named(preset_button, f"quantityPreset{preset}", f"Quantity {preset}",
                  f"Set quantity to {preset}")
            self.preset_buttons.append(preset_button)
            qty_row.addWidget(preset_button)
        form.addRow("Qty", with_problem_line(self.quantity_field, qty_row))

        self.order_type_picker = QComboBox()
        named(self.order_type_picker, "orderTypePicker", "Order type")
        for order_type in OrderType:
            self.order_type_picker.addItem(order_type.value, order_type.value)
        self.time_in_force_picker = QComboBox()
        named(self.time_in_force_picker, "timeInForcePicker", "Time in force")
        for tif in TimeInForce:
            self.time_in_force_picker.addItem(tif.value, tif.value)
        type_row = QHBoxLayout()
        type_row.addWidget(self.order_type_picker, 2)
        type_row.addWidget(self.time_in_force_picker, 1)
        form.addRow("Type", type_row)

        self.limit_price_field = PriceField()
        named(self.limit_price_field, "limitPriceField", "Limit price",
              "Limit price; Up/Down or the wheel step by the instrument's tick")
        self.limit_price_field.problem_label.setObjectName("limitPriceProblem")
        self.stop_price_field = PriceField()
        named(self.stop_price_field, "stopPriceField", "Stop price",
              "Stop price; Up/Down or the wheel step by the instrument's tick")
        self.stop_price_field.problem_label.setObjectName("stopPriceProblem")
        self.limit_label = QLabel("Limit")
        self.stop_label = QLabel("Stop")
        self.stop_row = with_problem_line(self.stop_price_field)
        self.limit_row = with_problem_line(self.limit_price_field)
        form.addRow(self.stop_label, self.stop_row)
        form.addRow(self.limit_label, self.limit_row)
        self.fields_form = form  # rows for the prices a type does not take are hidden whole

        self.atm_strategy_field = QLineEdit()
        named(self.atm_strategy_field, "atmStrategyField", "ATM strategy",
              "Optional: an ATM template name that exists in NT8")
        self.atm_strategy_field.setPlaceholderText("ATM template (optional)")
        self.oco_id_field = QLineEdit()
        named(self.oco_id_field, "ocoIdField", "OCO id", "Optional: an OCO group id")
        self.oco_id_field.setPlaceholderText("OCO id (optional)")
        extra_row = QHBoxLayout()
        extra_row.addWidget(self.atm_strategy_field, 2)
        extra_row.addWidget(self.oco_id_field, 1)
        form.addRow("ATM", extra_row)
        # Names typed before are offered again (no API lists NT8's templates).
        self.atm_completer = QCompleter([], self.atm_strategy_field)
        self.atm_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.atm_completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.atm_strategy_field.setCompleter(self.atm_completer)

        # --- the bracket placed after the fill, and the quantity sized from a dollar risk ----
        self.stop_loss_ticks_field = QuantityField()
        named(self.stop_loss_ticks_field, "stopLossTicksField", "Stop-loss ticks",
              "Stop-loss in ticks from the average fill, placed once the entry fills "
              "(empty: none); remembered per instrument")
        self.take_profit_ticks_field = QuantityField()
        named(self.take_profit_ticks_field, "takeProfitTicksField", "Take-profit ticks",
              "Take-profit in ticks from the average fill, placed with the stop as an OCO "
              "pair (empty: none)")
        self.risk_dollars_field = PriceField()
        named(self.risk_dollars_field, "riskDollarsField", "Risk in dollars",
              "Type a dollar risk: the quantity is sized from it and the stop-loss ticks "
              "(rounded down)")
        for field, hint in ((self.stop_loss_ticks_field, "SL ticks"),
                            (self.take_profit_ticks_field, "TP ticks"),
                            (self.risk_dollars_field, "Risk $")):
            field.setPlaceholderText(hint)
        self.stop_loss_ticks_field.cap = self.take_profit_ticks_field.cap = MAX_BRACKET_TICKS
        self.stop_loss_ticks_field.problem_label.setObjectName("stopLossTicksProblem")
        self.take_profit_ticks_field.problem_label.setObjectName("takeProfitTicksProblem")
        self.risk_dollars_field.problem_label.setObjectName("riskDollarsProblem")
        bracket_row = QHBoxLayout()
        bracket_row.addWidget(self.stop_loss_ticks_field, 1)
        bracket_row.addWidget(self.take_profit_ticks_field, 1)
        bracket_row.addWidget(self.risk_dollars_field, 1)
        bracket_column = QVBoxLayout()
        bracket_column.setSpacing(2)
        bracket_column.addLayout(bracket_row)
        for field in (self.stop_loss_ticks_field, self.take_profit_ticks_field,
                      self.risk_dollars_field):
            bracket_column.addWidget(field.problem_label)
        form.addRow("SL / TP", bracket_column)
        outer.addLayout(form)

        self.risk_label = QLabel("")
        named(self.risk_label, "riskLabel", "Risk and reward",
              "Dollars at the stop-loss and at the take-profit for the order as it stands")
        self.risk_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.risk_label)

        # --- the order buttons ------------------------------------------------------------
        self.flatten_place_button = button(
            "flattenPlaceButton", "Flatten & Place", "Flatten and place",
            f"Close any position in this instrument, then place ({SHORTCUTS['flatten_place']})",
            "flatten", on_fill=True)
        self.flatten_place_button.setMinimumHeight(58)
        self.place_button = button("placeButton", "Place", "Place",
                                   f"Place without flattening ({SHORTCUTS['place']})")
        self.place_button.setMinimumHeight(44)
        # Each wraps the whole order to the button's width: no price is ever cut off.
        self.flatten_place_text = FittedText(self.flatten_place_button)
        self.place_text = FittedText(self.place_button)
        outer.addWidget(self.flatten_place_button)
        outer.addWidget(self.place_button)

    def tab_chain(self) -> tuple[QWidget, ...]:
        """The fields in reading order (stop sits above limit on screen)."""
        return (self.account_picker, self.instrument_picker, self.buy_button, self.sell_button,
                self.quantity_field, self.order_type_picker, self.time_in_force_picker,
                self.stop_price_field, self.limit_price_field, self.atm_strategy_field,
                self.oco_id_field, self.stop_loss_ticks_field, self.take_profit_ticks_field,
                self.risk_dollars_field, self.flatten_place_button, self.place_button)
