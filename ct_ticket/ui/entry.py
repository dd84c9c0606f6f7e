"""The order-entry panel's controller: the trader's choices become the ticket's selection and
orders; the ticket's events (accounts, quotes, selection, busy) become the form's state."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QStringListModel, QTimer

from ct_ticket.events import (
    AccountsLoaded,
    Action,
    Busy,
    QuoteUpdated,
    Selected,
    Status,
    StatusLevel,
    TicketEvent,
)
from ct_ticket.group_store import GroupStore
from ct_ticket.model import (
    Account,
    OrderRequest,
    OrderValidationError,
    Quote,
    Side,
    instrument_problem,
)
from ct_ticket.model import normalize_instrument as normalized
from ct_ticket.model.groups import AccountGroup, group_kind
from ct_ticket.model.risk import size_from_risk, tick_value_of
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.entry_view import EntryView
from ct_ticket.ui.group_picker import chosen_group, select_group, show_groups
from ct_ticket.ui.order_form import OrderForm, select_data
from ct_ticket.ui.sending import Sender, Spawn
from ct_ticket.ui.shortcuts import QUANTITY_PRESETS
from ct_ticket.ui.theme import set_style_property
from ct_ticket.wording import describe_order, format_price

__all__ = ["OrderEntry"]


def _contract(quote: Quote) -> tuple[str, float | None, float | None]:
    """What of a quote the order's words depend on: the instrument, its tick and point value."""
    return quote.instrument, quote.tick_size, quote.point_value


class OrderEntry:
    """Connects the entry view to one ticket; `on_side` lets the window tint itself."""

    def __init__(self, view: EntryView, ticket: Ticket, settings: Settings, sender: Sender,
                 spawn: Spawn, *, on_side: Callable[[Side], None] = lambda side: None,
                 on_reload: Callable[[], None] = lambda: None) -> None:
        self.view = view
        self.ticket = ticket
        self.settings = settings
        self.sender = sender
        self.spawn = spawn
        self.form = OrderForm(view)
        self.groups = GroupStore(settings.store)  # the trader's account groups
        self.reads_enabled = False  # the window's first load reads; selections read after it
        self.quote_at: float | None = None  # monotonic time of the last quote shown
        self._tick: Decimal | None = None  # the shown quote's tick, and its facts' words:
        self._facts = ""  # both change with the contract, not with the prices
        self._on_side = on_side
        self._connect(on_reload)
        self.restore()
        ticket.subscribe(self.on_event)

    # --- wiring -----------------------------------------------------------------------------

    def _connect(self, on_reload: Callable[[], None]) -> None:
        view, form = self.view, self.form
        view.buy_button.clicked.connect(lambda: self.choose_side(Side.BUY))
        view.sell_button.clicked.connect(lambda: self.choose_side(Side.SELL))
        view.flatten_place_button.clicked.connect(lambda: self.send(Action.FLAT_PLACE))
        view.place_button.clicked.connect(lambda: self.send(Action.PLACE))
        view.refresh_accounts_button.clicked.connect(on_reload)
        view.bid_button.clicked.connect(lambda: form.copy_price("bid"))
        view.ask_button.clicked.connect(lambda: form.copy_price("ask"))
        view.account_picker.activated.connect(lambda _index: self.selection_changed())
        view.instrument_picker.activated.connect(lambda _index: self.selection_changed())
        view.instrument_editor.textEdited.connect(self._validate_instrument)
        view.instrument_editor.editingFinished.connect(self.selection_changed)
        view.favourite_button.clicked.connect(self._toggle_favourite)
        for preset, button in zip(QUANTITY_PRESETS, view.preset_buttons, strict=True):
            button.clicked.connect(lambda _checked=False, n=preset: view.quantity_field.setValue(n))
        view.order_type_picker.currentIndexChanged.connect(lambda _i: form.show_price_fields())
        for signal in (view.quantity_field.textChanged, view.limit_price_field.textChanged,
                       view.stop_price_field.textChanged,
                       view.stop_loss_ticks_field.textChanged,
                       view.take_profit_ticks_field.textChanged,
                       view.time_in_force_picker.currentIndexChanged):
            signal.connect(lambda *_args: form.update_send_labels())
        for field in (view.stop_loss_ticks_field, view.take_profit_ticks_field):
            field.editingFinished.connect(self.save_ticks)
        view.risk_dollars_field.textEdited.connect(lambda _text: self.size_from_risk())
        view.stop_loss_ticks_field.textEdited.connect(lambda _text: self.size_from_risk())

    def restore(self) -> None:
        """The form as the trader left it (every choice is kept in the settings)."""
        settings, view = self.settings, self.view
        view.quantity_field.cap = settings.quantity_cap
        view.quantity_field.setValue(max(1, min(settings.quantity, settings.quantity_cap)))
        select_data(view.order_type_picker, settings.order_type)
        select_data(view.time_in_force_picker, settings.time_in_force)
        view.atm_strategy_field.setText(settings.atm_strategy)
        self._offer_templates()
        view.oco_id_field.setText(settings.oco_id)
        self._fill_instruments(settings.instrument)
        self.load_ticks(settings.instrument)
        self.choose_side(Side.SELL if settings.side == "SELL" else Side.BUY)
        self.form.show_price_fields()

    def save_choices(self) -> None:
        settings, view = self.settings, self.view
        quantity = view.quantity_field.value()
        if quantity is not None:  # text that reads as no number keeps the last good one
            settings.quantity = int(quantity)
        settings.order_type = self.form.order_type().value
        settings.time_in_force = str(view.time_in_force_picker.currentData())
        settings.atm_strategy = view.atm_strategy_field.text().strip()
        settings.oco_id = view.oco_id_field.text().strip()
        self.save_ticks()

    # --- the bracket and the risk -----------------------------------------------------------

    def load_ticks(self, instrument: str) -> None:
        """The stop-loss and take-profit ticks last used with this instrument."""
        stop, target = self.settings.bracket_ticks(normalized(instrument))
        self.view.stop_loss_ticks_field.setValue(stop)
        self.view.take_profit_ticks_field.setValue(target)

    def save_ticks(self) -> None:
        instrument = self.form.current_instrument()
        if not instrument_problem(instrument):
            self.settings.set_bracket_ticks(instrument, *self.form.bracket_ticks())

    def size_from_risk(self) -> None:
        """A typed dollar risk sets the quantity: the most contracts whose loss at the stop
        stays within it (rounded down); zero is refused with the reason."""
        view = self.view
        field = view.risk_dollars_field
        if not field.text().strip():
            field.show_problem("")
            return
        dollars = field.value()
        if dollars is None:
            return  # the field says why itself
        stop, _target = self.form.bracket_ticks()
        sized = size_from_risk(Decimal(dollars), stop,
                               tick_value_of(self.form.current_instrument(), self.form.quote))
        if sized.problem is not None:
            field.show_problem(sized.problem)
            return
        field.show_problem("")
        view.quantity_field.setValue(min(sized.quantity, view.quantity_field.cap))

    def _offer_templates(self) -> None:
        model = self.view.atm_completer.model()
        if isinstance(model, QStringListModel):
            model.setStringList(self.settings.atm_templates)

    # --- the ticket's events ----------------------------------------------------------------

    def on_event(self, event: TicketEvent) -> None:
        if isinstance(event, AccountsLoaded):
            self._show_accounts(event.accounts)
        elif isinstance(event, QuoteUpdated):
            self._show_quote(event)
        elif isinstance(event, Selected):
            group = self.form.group
            self.form.kind = (group_kind(group, self.ticket.account_kind).value
                              if group is not None else event.kind)
            self.form.update_send_labels()
        elif isinstance(event, Busy) and event.action is not None and (
                event.action.slot == Action.PLACE.slot):
            for button in (self.view.flatten_place_button, self.view.place_button):
                button.setEnabled(not event.busy)

    def _show_accounts(self, accounts: tuple[Account, ...]) -> None:
        """The accounts, then the groups; the choice stays (a group first chosen in an earlier
        session is chosen again, as the account is)."""
        picker = self.view.account_picker
        group = self.form.group.name if self.form.group is not None else (
            self.groups.chosen if not picker.count() else "")
        previous = self.form.current_account() or self.settings.account
        picker.clear()
        for account in accounts:
            label = account.name + (f"  ({account.provider})" if account.provider else "")
            picker.addItem(label, account.name)
        show_groups(picker, self.groups.groups())
        if not (group and select_group(picker, group)):
            select_data(picker, self.settings.account if group else previous)

    def show_groups(self) -> None:
        """The groups were edited: list them again, keep the choice when it still exists."""
        self._show_accounts(self.ticket.accounts)
        self.selection_changed()

    def chosen_group(self) -> AccountGroup | None:
        """The group chosen in the picker, as the settings keep it now."""
        name = chosen_group(self.view.account_picker)
        return self.groups.find(name) if name else None

    def _show_quote(self, event: QuoteUpdated) -> None:
        view, quote = self.view, event.quote
        if quote is None:
            view.quote_label.setText(f"No quote: {event.error}")
            set_style_property(view.quote_label, "stale", True)
            return
        shown, self.form.quote, self.quote_at = self.form.quote, quote, time.monotonic()
        set_style_property(view.quote_label, "stale", False)
        if shown is None or _contract(shown) != _contract(quote):
            # The tick steps the price fields and, with the point value, sets the send buttons'
            # decimals and the risk line; a streamed quote carries the facts REST read, so this
            # runs once per instrument, not once per quote.
            self._tick = self.form.tick()  # every price beside another with its decimals
            self._facts = "".join(
                [f" · tick {format_price(quote.tick_size)}" if quote.tick_size else "",
                 f" · ${format_price(quote.point_value)}/pt" if quote.point_value else ""])
            self.form.apply_tick()
            self.form.update_send_labels()
        tick = self._tick
        # Qt re-draws a text only when it differs (a quote often moves the bid alone).
        view.bid_button.setText(f"Bid {format_price(quote.bid, tick)}" if quote.bid else "Bid —")
        view.ask_button.setText(f"Ask {format_price(quote.ask, tick)}" if quote.ask else "Ask —")
        last = f"Last {format_price(quote.last, tick)}" if quote.last else "Last —"
        view.quote_label.setText(f"{quote.instrument} · {last}{self._facts}")
        self.form.seed_prices()  # a price field the trader emptied starts at the market again

    def show_age(self, stale_after_s: float) -> None:
        """Amber when the quote shown is older than `stale_after_s`."""
        label = self.view.quote_label
        age = None if self.quote_at is None else time.monotonic() - self.quote_at
        label.setToolTip("" if age is None else f"Read {age:.0f} s ago")
        set_style_property(label, "stale", age is not None and age > stale_after_s)

    # --- the trader's choices ---------------------------------------------------------------

    def choose_side(self, side: Side) -> None:
        self.form.set_side(side)
        self.settings.side = side.value
        self._on_side(side)

    def selection_changed(self) -> None:
        """Point the ticket at the picked account and instrument; read what changed."""
        view, form, ticket = self.view, self.form, self.ticket
        group = form.group = self.sender.group = self.chosen_group()
        self.groups.chosen = group.name if group is not None else ""
        account, instrument = form.current_account(), form.current_instrument()
        if view.instrument_picker.currentText() != instrument and not instrument_problem(
                instrument):
            view.instrument_picker.setEditText(instrument)
        self._validate_instrument(instrument)
        changed_instrument = instrument != ticket.instrument
        changed = (account, instrument) != (ticket.account, ticket.instrument)
        if changed_instrument:
            form.quote = None
        ticket.select(account, instrument)
        if account and group is None:
            self.settings.account = account
        if not instrument_problem(instrument):
            self.settings.instrument = instrument
        if changed_instrument:
            self.load_ticks(instrument)
            form.apply_tick()
            view.quote_label.setText("No quote yet")
        if changed and self.reads_enabled and account and not instrument_problem(instrument):
            if changed_instrument:
                self.settings.remember_instrument(instrument)
                self.spawn(ticket.load_quote())
            self.spawn(ticket.refresh_position())
            self.spawn(ticket.refresh_working_orders())

    def _validate_instrument(self, text: str) -> None:
        problem = instrument_problem(text.removeprefix("★ "))
        editor = self.view.instrument_editor
        set_style_property(editor, "invalid", problem is not None)
        editor.setToolTip(problem or self.view.instrument_picker.toolTip())
        self.view.favourite_button.setChecked(
            normalized(text) in self.settings.favourite_instruments)

    def _fill_instruments(self, current: str) -> None:
        favourites = self.settings.favourite_instruments
        names = [*favourites, *(i for i in self.settings.recent_instruments
                                if i not in favourites)]
        picker = self.view.instrument_picker
        picker.clear()
        for name in names:
            picker.addItem(("★ " if name in favourites else "") + name, name)
        picker.setEditText(current)
        self.view.favourite_button.setChecked(current in favourites)

    def _toggle_favourite(self) -> None:
        instrument = self.form.current_instrument()
        if instrument_problem(instrument):
            self.view.favourite_button.setChecked(False)
            return
        self.settings.toggle_favourite(instrument)
        self._fill_instruments(instrument)

    def repeat_last_order(self) -> None:
        """Fill the form with the last order sent. Never sends."""
        order = self.ticket.last_order
        if order is None:
            self.ticket.publish(Status(StatusLevel.WARNING, "No order sent yet to repeat."))
            return
        view = self.view
        select_data(view.account_picker, order.account)
        view.instrument_picker.setEditText(order.instrument)
        self.selection_changed()
        self.choose_side(order.side)
        view.quantity_field.setValue(order.quantity)
        select_data(view.order_type_picker, order.order_type.value)
        select_data(view.time_in_force_picker, order.time_in_force.value)
        if order.limit_price is not None:
            view.limit_price_field.setValue(order.limit_price)
        if order.stop_price is not None:
            view.stop_price_field.setValue(order.stop_price)
        view.oco_id_field.setText(order.oco_id or "")
        view.atm_strategy_field.setText(order.atm_strategy or "")
        self.ticket.publish(Status(StatusLevel.OK, f"Form filled with: {describe_order(order)}"))

    # --- sending ----------------------------------------------------------------------------

    def send(self, action: Action) -> None:
        """An order button or shortcut: read the whole form, then review, ask, send once."""
        if Action.PLACE.slot in self.ticket.in_flight or self.ticket.pending_review is not None:
            return
        try:
            order: OrderRequest = self.form.build_order()
        except OrderValidationError as error:
            self.form.mark_problems(error)
            self.ticket.publish(Status(StatusLevel.ERROR, "Not sent: " + str(error)))
            return
        if order.atm_strategy:
            self.settings.remember_atm_template(order.atm_strategy)
            self._offer_templates()
        self.sender.send(action, order)
        # The ticks are kept once the request is on its way: saving reads the settings (and
        # may write them), which the order's first byte would otherwise wait for.
        QTimer.singleShot(0, self.save_ticks)
