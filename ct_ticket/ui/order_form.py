"""What the order-entry fields say: the order they read as, the price fields the type needs,
tick steps, prices seeded from the market, and the send buttons' words. No sending here."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QComboBox

from ct_ticket.model import (
    AccountKind,
    OrderProblem,
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
from ct_ticket.model.groups import AccountGroup, group_label
from ct_ticket.model.risk import risk_reward, tick_value_of
from ct_ticket.model.typed import read_price, typed_problem
from ct_ticket.ui.entry_view import EntryView
from ct_ticket.ui.number_fields import NumberField, PriceField
from ct_ticket.wording import (
    flatten_place_label,
    order_words,
    place_label,
    risk_words,
    send_tag,
)

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
        self.kind = ""  # "sim" / "live" of the chosen account (a group: its most cautious)
        self.group: AccountGroup | None = None  # chosen in the account picker

    def current_account(self) -> str:
        """The chosen account; with a group chosen, its first member (the one the position,
        orders and quote panels show)."""
        if self.group is not None:
            return self.group.accounts[0] if self.group.members else ""
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
        for row, widgets, shown in (
                (view.limit_row, (view.limit_label, view.limit_price_field),
                 needs_limit_price(kind)),
                (view.stop_row, (view.stop_label, view.stop_price_field),
                 needs_stop_price(kind))):
            view.fields_form.setRowVisible(row, shown)  # no empty gap where a row was
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
        """Price fields step by the instrument's tick and write its decimals."""
        for field in (self.view.limit_price_field, self.view.stop_price_field):
            field.tick = self.tick()

    def seed_prices(self, *, force: bool = False) -> None:
        """Start empty price fields at the market: a buy limit at the bid, a buy stop one tick
        above the ask (mirrored for sells), the nearest stop NT8 accepts: a stop at the ask is
        on the wrong side of the market. A price the trader typed is never overwritten."""
        quote = self.quote
        if quote is None:
            return
        tick = float(self.tick() or 0)
        if self.side is Side.BUY:
            near, far = quote.bid, (quote.ask + tick if quote.ask else None)
        else:
            near, far = quote.ask, (quote.bid - tick if quote.bid else None)
        for field, price in ((self.view.limit_price_field, near),
                             (self.view.stop_price_field, far)):
            if price and field.isEnabled() and (force or not field.text().strip()):
                field.setValue(price)

    def copy_price(self, which: str) -> None:
        """Copy the bid or ask into the active price field (stop if only stop shows)."""
        price = getattr(self.quote, which, None) if self.quote else None
        if not price:
            return
        view = self.view
        field: PriceField = (view.limit_price_field if view.limit_price_field.isEnabled()
                             else view.stop_price_field)
        if field.isEnabled():
            field.setValue(price)

    def _fields(self) -> dict[str, tuple[str, NumberField]]:
        view = self.view
        return {"quantity": ("Quantity", view.quantity_field),
                "limitPrice": ("Limit price", view.limit_price_field),
                "stopPrice": ("Stop price", view.stop_price_field),
                "stopLossTicks": ("Stop-loss ticks", view.stop_loss_ticks_field),
                "takeProfitTicks": ("Take-profit ticks", view.take_profit_ticks_field)}

    def bracket_ticks(self) -> tuple[int | None, int | None]:
        """(stop-loss, take-profit) ticks as typed; None for an empty or unreadable field."""
        def ticks(field: NumberField) -> int | None:
            value = field.value() if field.text().strip() else None
            return int(value) if value is not None else None
        return (ticks(self.view.stop_loss_ticks_field), ticks(self.view.take_profit_ticks_field))

    def risk_text(self) -> str:
        """ "risk $10.00 · reward $20.00 · 1 : 2.0" for the form as it stands ("" without
        ticks, a quantity or the instrument's tick value)."""
        stop, target = self.bracket_ticks()
        quantity = self.view.quantity_field.value()
        tick_value = tick_value_of(self.current_instrument(), self.quote)
        if (stop is None and target is None) or quantity is None or tick_value is None:
            return ""
        return risk_words(risk_reward(int(quantity), stop, target, tick_value))

    def build_order(self) -> OrderRequest:
        """The order exactly as typed; raises OrderValidationError. A quantity or price whose
        text spells no number is refused with the reason, never read as another number."""
        view = self.view
        typed: list[OrderProblem] = []
        values: dict[str, object] = {}
        for key, (label, field) in self._fields().items():
            if not field.isEnabled():
                continue  # a price the type does not take is never sent
            reading = field.reading()
            values[key] = reading.value
            if reading.problem and (key == "quantity" or field.text().strip()):
                typed.append(OrderProblem(key, typed_problem(label, field.text(),
                                                             reading.problem)))
        try:
            order = build_order(
                account=self.current_account(), instrument=self.current_instrument(),
                side=self.side, quantity=values.get("quantity"), order_type=self.order_type(),
                time_in_force=str(view.time_in_force_picker.currentData()),
                limit_price=values.get("limitPrice"), stop_price=values.get("stopPrice"),
                oco_id=view.oco_id_field.text(), atm_strategy=view.atm_strategy_field.text(),
                tick_size=self.tick(), quantity_cap=view.quantity_field.cap,
                stop_loss_ticks=_whole(values.get("stopLossTicks")),
                take_profit_ticks=_whole(values.get("takeProfitTicks")))
        except OrderValidationError as error:
            said = {problem.field for problem in typed}
            raise OrderValidationError(
                typed + [p for p in error.problems if p.field not in said]) from None
        if typed:  # (build_order refuses a missing number already; this is belt and braces)
            raise OrderValidationError(typed)
        return order

    def words(self) -> str:
        """The order as the buttons read it: the typed numbers as they read, "?" for one that
        spells no number (nothing would be sent)."""
        view = self.view
        quantity = view.quantity_field.value()
        prices: list[str | Decimal | None] = []
        for field in (view.stop_price_field, view.limit_price_field):
            if field.isEnabled() and field.text().strip():
                typed = read_price(field.text(), None).value
                prices.append(typed if isinstance(typed, Decimal) else "?")
            else:
                prices.append(None)
        return order_words(self.side, "?" if quantity is None else str(quantity),
                           self.current_instrument(), self.order_type(), prices,
                           str(view.time_in_force_picker.currentData()), self.tick())

    def update_send_labels(self) -> None:
        """Both order buttons read the whole order, under the account and its kind, wrapped
        to their width (a line rather breaks before the order type)."""
        words, view = self.words(), self.view
        tag = send_tag(self.kind or "live", self.current_account())
        if self.group is not None:  # "LIVE Apex-all · 3 accounts · 5 MES" above the order
            quantity = view.quantity_field.value()
            root = self.current_instrument().split(" ")[0]
            tag = group_label(self.group, AccountKind(self.kind or "live"),
                              int(quantity) if quantity is not None else 0, root) + "\n"
        breaking = self.order_type().short_label
        view.flatten_place_text.set_text(flatten_place_label(tag, words).replace("&&", "&"),
                                         breaking)
        view.place_text.set_text(place_label(tag, words), breaking)
        view.risk_label.setText(self.risk_text())

    def mark_problems(self, error: OrderValidationError) -> None:
        """Mark each number field the refusal names and say why beside it."""
        fields = self._fields()
        for problem in error.problems:
            if problem.field in fields:
                field = fields[problem.field][1]
                reason = field.reading().problem if field.text().strip() else None
                field.show_problem(reason or problem.message, flash=True)


def _whole(value: object) -> int | None:
    return int(value) if isinstance(value, int | Decimal) else None
