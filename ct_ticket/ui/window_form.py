"""The order form's behaviour: side, order type and the price fields it needs, tick steps,
prices seeded from the market, and the order the form reads as. Sending lives in window.py."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from ct_ticket.events import Status, StatusLevel
from ct_ticket.model import (
    AccountKind,
    OrderRequest,
    OrderType,
    OrderValidationError,
    Side,
    account_kind,
    build_order,
    contract_spec,
    needs_limit_price,
    needs_stop_price,
    normalize_instrument,
)
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.theme import set_style_property
from ct_ticket.ui.window_view import TicketView

__all__ = ["TicketForm"]


class TicketForm(TicketView):
    """The ticket's form over one `Ticket`: what the fields say and which of them apply."""

    def __init__(self, ticket: Ticket, settings: Settings) -> None:
        super().__init__()
        self.ticket = ticket
        self.settings = settings
        self.side = Side.BUY

    @staticmethod
    def _select_data(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def current_account(self) -> str:
        data = self.account_picker.currentData()
        return data if isinstance(data, str) else self.account_picker.currentText().strip()

    def current_instrument(self) -> str:
        return normalize_instrument(self.instrument_picker.currentText().removeprefix("★ "))

    def _set_status(self, status: Status) -> None:
        self.status_line.setText(status.text)
        set_style_property(self.status_line, "level", status.level.value)

    # --- the form ---------------------------------------------------------------------------

    def choose_side(self, side: Side) -> None:
        self.side = side
        self.buy_button.setChecked(side is Side.BUY)
        self.sell_button.setChecked(side is Side.SELL)
        set_style_property(self.ticket_root, "side", side.value.lower())
        self.settings.side = side.value
        self._update_send_labels()

    def order_type(self) -> OrderType:
        return OrderType(self.order_type_picker.currentData())

    def _order_type_changed(self) -> None:
        kind = self.order_type()
        for widgets, shown in (((self.limit_label, self.limit_price_field),
                                needs_limit_price(kind)),
                               ((self.stop_label, self.stop_price_field), needs_stop_price(kind))):
            for widget in widgets:
                widget.setVisible(shown)
                widget.setEnabled(shown)
        self._seed_prices()
        self._update_send_labels()

    def _tick(self) -> Decimal | None:
        quote = self.ticket.quote
        if quote and quote.tick_size:
            return Decimal(repr(quote.tick_size))
        spec = contract_spec(self.current_instrument())
        return spec.tick_size if spec else None

    def _apply_tick(self) -> None:
        """Step price fields by the instrument's tick, with as many decimals as it has."""
        tick = self._tick()
        decimals = 2
        if tick is not None:
            exponent = tick.normalize().as_tuple().exponent
            decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        for field in (self.limit_price_field, self.stop_price_field):
            field.setDecimals(decimals)
            field.setSingleStep(float(tick) if tick else 0.01)

    def _seed_prices(self, *, force: bool = False) -> None:
        """Start empty price fields at the market: a buy limit at the bid, a buy stop at the
        ask (mirrored for sells). A price the trader typed is never overwritten."""
        quote = self.ticket.quote
        if quote is None:
            return
        near, far = (quote.bid, quote.ask) if self.side is Side.BUY else (quote.ask, quote.bid)
        for field, price in ((self.limit_price_field, near), (self.stop_price_field, far)):
            if price and field.isEnabled() and (force or field.value() == 0):
                field.setValue(price)

    def copy_price(self, which: str) -> None:
        """Copy the bid or ask into the active price field (stop if only stop shows)."""
        quote = self.ticket.quote
        price = getattr(quote, which, None) if quote else None
        if not price:
            return
        field: QDoubleSpinBox = (self.limit_price_field if self.limit_price_field.isEnabled()
                                 else self.stop_price_field)
        if field.isEnabled():
            field.setValue(price)

    def _price(self, field: QDoubleSpinBox) -> str | None:
        if not field.isEnabled() or field.value() == 0:
            return None
        return field.cleanText().replace(",", "")

    def build_order(self) -> OrderRequest:
        """The order as the form reads now; raises OrderValidationError."""
        return build_order(
            account=self.current_account(), instrument=self.current_instrument(),
            side=self.side, quantity=self.quantity_field.value(), order_type=self.order_type(),
            time_in_force=str(self.time_in_force_picker.currentData()),
            limit_price=self._price(self.limit_price_field),
            stop_price=self._price(self.stop_price_field),
            oco_id=self.oco_id_field.text(), atm_strategy=self.atm_strategy_field.text(),
            tick_size=self._tick(), quantity_cap=self.settings.quantity_cap)

    def _order_words(self) -> str:
        kind = self.order_type()
        parts = [self.side.value, str(self.quantity_field.value()),
                 self.current_instrument() or "?", kind.short_label]
        for field in (self.stop_price_field, self.limit_price_field):
            if (price := self._price(field)) is not None:
                parts.append(price)
        if self.time_in_force_picker.currentData() == "GTC":
            parts.append("GTC")
        return " ".join(parts)

    def account_kind(self) -> AccountKind:
        name = self.current_account()
        account = next((a for a in self.ticket.accounts if a.name == name), None)
        return account_kind(name, account)

    def _show_account_kind(self) -> None:
        """SIM or LIVE on the badge, the ticket's frame, the title and every send button."""
        name = self.current_account()
        kind = self.account_kind() if name else None
        label = kind.value.upper() if kind else "—"
        self.account_kind_badge.setText(label)
        set_style_property(self.account_kind_badge, "accountKind", kind.value if kind else "")
        set_style_property(self.ticket_root, "accountKind", kind.value if kind else "")
        base = self.windowTitle().split(" — ")[0]
        self.setWindowTitle(f"{base} — {label} {name}" if name else base)
        self._update_send_labels()

    def _update_send_labels(self) -> None:
        words = self._order_words()
        name = self.current_account()
        # The account on its own line: the whole order stays readable at the ticket's width.
        tag = f"{self.account_kind().value.upper()} {name}\n" if name else ""
        self.flatten_place_button.setText(f"{tag}Flatten && {words}")  # && shows one '&'
        self.place_button.setText(f"{tag}Place {words}")
        for field in (self.limit_price_field, self.stop_price_field):
            set_style_property(field, "invalid", False)

    def _show_problems(self, error: OrderValidationError) -> None:
        fields = {"limitPrice": self.limit_price_field, "stopPrice": self.stop_price_field}
        for problem in error.problems:
            if problem.field in fields:
                set_style_property(fields[problem.field], "invalid", True)
        self._set_status(Status(StatusLevel.ERROR, "Not sent: " + str(error)))

