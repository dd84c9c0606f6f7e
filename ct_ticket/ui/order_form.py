"""What the order-entry fields say: the order they read as, the price fields the type needs,
tick steps, prices seeded from the market, and the send buttons' words. No sending here."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from ct_ticket.model import (
    OrderRequest,
    OrderType,
    OrderValidationError,
    Quote,
    Side,
    build_order,
    contract_spec,
    needs_limit_price,
    needs_stop_price,
    normalize_instrument,
)
from ct_ticket.ui.entry_view import EntryView
from ct_ticket.ui.theme import set_style_property
from ct_ticket.wording import flatten_place_label, order_words, place_label, send_tag

__all__ = ["OrderForm", "select_data"]


def select_data(combo: QComboBox, value: str) -> None:
    """Choose the item whose data is `value`, if there is one."""
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class OrderForm:
    """Reads and shapes the entry view's fields; holds the side and the latest quote."""

    def __init__(self, view: EntryView) -> None:
        self.view = view
        self.side = Side.BUY
        self.quote: Quote | None = None  # the chosen instrument's, as the last event carried
        self.kind = ""  # "sim" / "live" of the chosen account, from the ticket's selection
        self.quantity_cap = 100

    def current_account(self) -> str:
        picker = self.view.account_picker
        data = picker.currentData()
        return data if isinstance(data, str) else picker.currentText().strip()

    def current_instrument(self) -> str:
        return normalize_instrument(self.view.instrument_picker.currentText().removeprefix("★ "))

    def order_type(self) -> OrderType:
        return OrderType(self.view.order_type_picker.currentData())

    def set_side(self, side: Side) -> None:
        self.side = side
        self.view.buy_button.setChecked(side is Side.BUY)
        self.view.sell_button.setChecked(side is Side.SELL)
        self.update_send_labels()

    def show_price_fields(self) -> None:
        """Show and enable only the prices the order type takes; seed them from the market."""
        view, kind = self.view, self.order_type()
        for widgets, shown in (((view.limit_label, view.limit_price_field),
                                needs_limit_price(kind)),
                               ((view.stop_label, view.stop_price_field), needs_stop_price(kind))):
            for widget in widgets:
                widget.setVisible(shown)
                widget.setEnabled(shown)
        self.seed_prices()
        self.update_send_labels()

    def tick(self) -> Decimal | None:
        quote = self.quote
        if quote and quote.tick_size:
            return Decimal(repr(quote.tick_size))
        spec = contract_spec(self.current_instrument())
        return spec.tick_size if spec else None

    def apply_tick(self) -> None:
        """Step price fields by the instrument's tick, with as many decimals as it has."""
        tick = self.tick()
        decimals = 2
        if tick is not None:
            exponent = tick.normalize().as_tuple().exponent
            decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        for field in (self.view.limit_price_field, self.view.stop_price_field):
            field.setDecimals(decimals)
            field.setSingleStep(float(tick) if tick else 0.01)

    def seed_prices(self, *, force: bool = False) -> None:
        """Start empty price fields at the market: a buy limit at the bid, a buy stop at the
        ask (mirrored for sells). A price the trader typed is never overwritten."""
        quote = self.quote
        if quote is None:
            return
        near, far = (quote.bid, quote.ask) if self.side is Side.BUY else (quote.ask, quote.bid)
        for field, price in ((self.view.limit_price_field, near),
                             (self.view.stop_price_field, far)):
            if price and field.isEnabled() and (force or field.value() == 0):
                field.setValue(price)

    def copy_price(self, which: str) -> None:
        """Copy the bid or ask into the active price field (stop if only stop shows)."""
        price = getattr(self.quote, which, None) if self.quote else None
        if not price:
            return
        view = self.view
        field: QDoubleSpinBox = (view.limit_price_field if view.limit_price_field.isEnabled()
                                 else view.stop_price_field)
        if field.isEnabled():
            field.setValue(price)

    @staticmethod
    def price(field: QDoubleSpinBox) -> str | None:
        if not field.isEnabled() or field.value() == 0:
            return None
        return field.cleanText().replace(",", "")

    def build_order(self) -> OrderRequest:
        """The order as the form reads now; raises OrderValidationError."""
        view = self.view
        return build_order(
            account=self.current_account(), instrument=self.current_instrument(),
            side=self.side, quantity=view.quantity_field.value(), order_type=self.order_type(),
            time_in_force=str(view.time_in_force_picker.currentData()),
            limit_price=self.price(view.limit_price_field),
            stop_price=self.price(view.stop_price_field),
            oco_id=view.oco_id_field.text(), atm_strategy=view.atm_strategy_field.text(),
            tick_size=self.tick(), quantity_cap=self.quantity_cap)

    def words(self) -> str:
        view = self.view
        return order_words(self.side, view.quantity_field.value(), self.current_instrument(),
                           self.order_type(), (self.price(view.stop_price_field),
                                               self.price(view.limit_price_field)),
                           str(view.time_in_force_picker.currentData()))

    def update_send_labels(self) -> None:
        """Both order buttons read the whole order, under the account and its kind."""
        words, view = self.words(), self.view
        tag = send_tag(self.kind or "live", self.current_account())
        view.flatten_place_button.setText(flatten_place_label(tag, words))
        view.place_button.setText(place_label(tag, words))
        for field in (view.limit_price_field, view.stop_price_field):
            set_style_property(field, "invalid", False)

    def mark_problems(self, error: OrderValidationError) -> None:
        """Outline the price fields the validation names."""
        fields = {"limitPrice": self.view.limit_price_field,
                  "stopPrice": self.view.stop_price_field}
        for problem in error.problems:
            if problem.field in fields:
                set_style_property(fields[problem.field], "invalid", True)
