"""The ticket window's behaviour: widget signals become ticket intents, ticket events become
widget state. HTTP never happens here; the ticket (ct_ticket/ticket.py) owns the client."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup

from ct_ticket.events import (
    Action,
    Status,
    StatusLevel,
)
from ct_ticket.feed import Feed
from ct_ticket.model import (
    AccountKind,
    Breach,
    OrderRequest,
    OrderValidationError,
    Side,
    instrument_problem,
    normalize_instrument,
)
from ct_ticket.rails import check_limits
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.dialogs import ConfirmDialog, ask
from ct_ticket.ui.limits_dialog import LimitsDialog
from ct_ticket.ui.theme import set_style_property
from ct_ticket.ui.window_display import TicketDisplay
from ct_ticket.ui.window_view import QUANTITY_PRESETS, SHORTCUTS

__all__ = ["TicketWindow"]

POSITION_REFRESH_MS = 5_000  # 12 reads a minute: far inside the 180/min budget


class TicketWindow(TicketDisplay):
    """The order ticket: one window over one `Ticket`."""

    first_load_done = Signal()

    def __init__(self, ticket: Ticket, settings: Settings) -> None:
        super().__init__(ticket, settings)
        self.token_note = ""  # e.g. "token kept for this session only", shown when ready
        self._confirming = False
        self._loaded_once = False
        self._tasks: set[asyncio.Task[Any]] = set()

        self._side_group = QButtonGroup(self)
        self._side_group.setExclusive(True)
        self._side_group.addButton(self.buy_button)
        self._side_group.addButton(self.sell_button)
        self._restore()
        self._connect()
        ticket.subscribe(self._on_event)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(POSITION_REFRESH_MS)
        self._refresh_timer.timeout.connect(self._periodic_refresh)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(1_000)
        self._age_timer.timeout.connect(self._show_ages)

    # --- wiring -----------------------------------------------------------------------------

    def _connect(self) -> None:
        self.buy_button.clicked.connect(lambda: self.choose_side(Side.BUY))
        self.sell_button.clicked.connect(lambda: self.choose_side(Side.SELL))
        self.flatten_place_button.clicked.connect(lambda: self.send(Action.FLAT_PLACE))
        self.place_button.clicked.connect(lambda: self.send(Action.PLACE))
        self.close_position_button.clicked.connect(lambda: self.send(Action.CLOSE))
        self.reverse_button.clicked.connect(lambda: self.send(Action.REVERSE))
        self.cancel_all_button.clicked.connect(lambda: self.send(Action.CANCEL_ALL))
        self.flatten_everything_button.clicked.connect(
            lambda: self.send(Action.FLATTEN_ACCOUNT))
        self.kill_switch_action.triggered.connect(lambda: self.send(Action.KILL_SWITCH))
        self.repeat_action.triggered.connect(self.repeat_last_order)
        self.quit_action.triggered.connect(self.close)
        self.limits_action.triggered.connect(lambda: self._spawn(self.edit_limits()))
        self.sounds_action.toggled.connect(self._set_sounds)
        self.token_action.triggered.connect(lambda: self.token_needed.emit(""))
        self.refresh_accounts_button.clicked.connect(self.reload)
        self.bid_button.clicked.connect(lambda: self.copy_price("bid"))
        self.ask_button.clicked.connect(lambda: self.copy_price("ask"))

        self.account_picker.activated.connect(lambda _index: self._selection_changed())
        self.instrument_picker.activated.connect(lambda _index: self._selection_changed())
        line_edit = self.instrument_editor
        line_edit.textEdited.connect(self._validate_instrument)
        line_edit.editingFinished.connect(self._selection_changed)
        self.favourite_button.clicked.connect(self._toggle_favourite)
        for preset, button in zip(QUANTITY_PRESETS, self.preset_buttons, strict=True):
            button.clicked.connect(lambda _checked=False, n=preset: self.quantity_field.setValue(n))
        self.order_type_picker.currentIndexChanged.connect(lambda _i: self._order_type_changed())
        for signal in (self.quantity_field.valueChanged, self.limit_price_field.valueChanged,
                       self.stop_price_field.valueChanged,
                       self.time_in_force_picker.currentIndexChanged):
            signal.connect(lambda *_args: self._update_send_labels())
        self.always_on_top_toggle.toggled.connect(self.set_always_on_top)
        self.confirm_orders_toggle.toggled.connect(
            lambda on: setattr(self.settings, "confirm_orders", on))

        for key, handler in (("buy", lambda: self.choose_side(Side.BUY)),
                             ("sell", lambda: self.choose_side(Side.SELL)),
                             ("flatten_place", lambda: self.send(Action.FLAT_PLACE)),
                             ("place", lambda: self.send(Action.PLACE)),
                             ("refresh", self.reload)):
            shortcut = QShortcut(QKeySequence(SHORTCUTS[key]), self)
            shortcut.setAutoRepeat(False)  # a held key is one intent, not a stream of orders
            shortcut.activated.connect(handler)

    def _restore(self) -> None:
        settings = self.settings
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        self.quantity_field.setRange(1, settings.quantity_cap)
        self.quantity_field.setValue(min(settings.quantity, settings.quantity_cap))
        self._select_data(self.order_type_picker, settings.order_type)
        self._select_data(self.time_in_force_picker, settings.time_in_force)
        self.atm_strategy_field.setText(settings.atm_strategy)
        self.oco_id_field.setText(settings.oco_id)
        self._fill_instruments(settings.instrument)
        self.confirm_orders_toggle.setChecked(settings.confirm_orders)
        self.always_on_top_toggle.setChecked(settings.always_on_top)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, settings.always_on_top)
        self.choose_side(Side.SELL if settings.side == "SELL" else Side.BUY)
        self._order_type_changed()

    def _fill_instruments(self, current: str) -> None:
        favourites = self.settings.favourite_instruments
        names = [*favourites, *(i for i in self.settings.recent_instruments
                                if i not in favourites)]
        self.instrument_picker.clear()
        for name in names:
            self.instrument_picker.addItem(("★ " if name in favourites else "") + name, name)
        self.instrument_picker.setEditText(current)
        self.favourite_button.setChecked(current in favourites)

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- start and reads --------------------------------------------------------------------

    def start(self) -> asyncio.Task[Any]:
        """Load accounts, then the chosen instrument's quote and position; start the timers."""
        self._refresh_timer.start()
        self._age_timer.start()
        return self._spawn(self._first_load())

    async def _first_load(self) -> None:
        try:
            await self._load()
        finally:
            self._loaded_once = True
            self.first_load_done.emit()

    def attach_feed(self, feed: Feed) -> None:
        """Take quotes and P&L from the stream; REST reads then run only while it is down."""
        self.feed = feed
        feed.subscribe(self.show_feed_state)
        if self.ticket.instrument:
            feed.follow(self.ticket.instrument)
        self.show_feed_state(feed.state)

    def _periodic_refresh(self) -> None:
        """The modest timer: with no stream, or a stream that is down, read over REST."""
        if self.feed is None:
            self._spawn(self.ticket.refresh_position())
        elif self.feed.rest_fallback_needed:
            self._spawn(self.ticket.refresh_position())
            self._spawn(self.ticket.load_quote())

    def reload(self) -> None:
        if self.status_line.property("level") == "error":
            # The failure shown may be what this reload cures; cleared, "Ready" can replace it.
            # (An unknown order outcome or a warning stays until something else is said.)
            self._set_status(Status(StatusLevel.OK, "Reloading…"))
        self._spawn(self._load())

    async def _load(self) -> None:
        accounts = await self.ticket.load_accounts()
        self._selection_changed()
        await asyncio.gather(self.ticket.load_quote(), self.ticket.refresh_position(),
                             self.ticket.refresh_working_orders())
        if accounts and self.status_line.property("level") in (None, "ok"):
            ready = f"Ready: {len(accounts)} account(s) loaded. {self.token_note}".strip()
            self._set_status(Status(StatusLevel.OK, ready))

    def _selection_changed(self) -> None:
        account, instrument = self.current_account(), self.current_instrument()
        if self.instrument_picker.currentText() != instrument and not instrument_problem(
                instrument):
            self.instrument_picker.setEditText(instrument)
        self._validate_instrument(instrument)
        changed_instrument = instrument != self.ticket.instrument
        changed = (account, instrument) != (self.ticket.account, self.ticket.instrument)
        self.ticket.select(account, instrument)
        if self.feed is not None and not instrument_problem(instrument):
            self.feed.follow(self.ticket.instrument)
        if account:
            self.settings.account = account
        if not instrument_problem(instrument):
            self.settings.instrument = instrument
        self._show_account_kind()
        if changed_instrument:
            self._apply_tick()
            self.quote_label.setText("No quote yet")
        if changed and self._loaded_once and account and not instrument_problem(instrument):
            if changed_instrument:
                self.settings.remember_instrument(instrument)
                self._spawn(self.ticket.load_quote())
            self._spawn(self.ticket.refresh_position())
            self._spawn(self.ticket.refresh_working_orders())

    def _validate_instrument(self, text: str) -> None:
        problem = instrument_problem(text.removeprefix("★ "))
        editor = self.instrument_editor
        set_style_property(editor, "invalid", problem is not None)
        editor.setToolTip(problem or self.instrument_picker.toolTip())
        self.favourite_button.setChecked(
            normalize_instrument(text) in self.settings.favourite_instruments)

    def _toggle_favourite(self) -> None:
        instrument = self.current_instrument()
        if instrument_problem(instrument):
            self.favourite_button.setChecked(False)
            return
        self.settings.toggle_favourite(instrument)
        self._fill_instruments(instrument)

    async def edit_limits(self) -> None:
        """The safety limits dialog; saved limits apply from the next send."""
        current = {kind: self.settings.limits(kind) for kind in AccountKind}
        dialog = LimitsDialog(self, current)
        if await ask(dialog):
            for kind, limits in dialog.limits().items():
                self.settings.set_limits(kind, limits)
            self._set_status(Status(StatusLevel.OK, "Safety limits saved."))

    def repeat_last_order(self) -> None:
        """Fill the form with the last order sent. Never sends."""
        order = self.ticket.last_order
        if order is None:
            self._set_status(Status(StatusLevel.WARNING, "No order sent yet to repeat."))
            return
        self._select_data(self.account_picker, order.account)
        self.instrument_picker.setEditText(order.instrument)
        self._selection_changed()
        self.choose_side(order.side)
        self.quantity_field.setValue(order.quantity)
        self._select_data(self.order_type_picker, order.order_type.value)
        self._select_data(self.time_in_force_picker, order.time_in_force.value)
        if order.limit_price is not None:
            self.limit_price_field.setValue(float(order.limit_price))
        if order.stop_price is not None:
            self.stop_price_field.setValue(float(order.stop_price))
        self.oco_id_field.setText(order.oco_id or "")
        self.atm_strategy_field.setText(order.atm_strategy or "")
        self._set_status(Status(StatusLevel.OK, f"Form filled with: {order.describe()}"))

    # --- sending ----------------------------------------------------------------------------

    def send(self, action: Action) -> None:
        """A send button or shortcut: validate, confirm where asked, submit exactly once."""
        if self.ticket.busy or self._confirming:
            return
        order: OrderRequest | None = None
        if action.places_order:
            try:
                order = self.build_order()
            except OrderValidationError as error:
                self._show_problems(error)
                return
        breaches = self._rail_breaches(order) if order is not None else []
        needs_confirm = action in (Action.FLATTEN_ACCOUNT, Action.KILL_SWITCH) or (
            order is not None and self.confirm_orders_toggle.isChecked()) or bool(breaches)
        if not needs_confirm:
            self.ticket.submit(action, order)
            return
        self._confirming = True  # taken now, in the click: a second click finds it taken
        self._spawn(self._confirm_and_submit(action, order, breaches))

    def _rail_breaches(self, order: OrderRequest) -> list[Breach]:
        quote = self.ticket.quote
        if quote is not None and normalize_instrument(quote.instrument) != order.instrument and (
                self.ticket.instrument != order.instrument):
            quote = None
        breaches = check_limits(order, self.settings.limits(self.account_kind()), quote)
        since = self.ticket.recent_orders.seconds_since_same(order)
        if since is not None:
            breaches.append(Breach("Same order twice",
                                   f"The same order was sent {since:.1f} s ago."))
        return breaches

    async def _confirm_and_submit(self, action: Action, order: OrderRequest | None,
                                  breaches: list[Breach]) -> None:
        try:
            if breaches and order is not None:
                kind = self.account_kind().value.upper()
                dialog = ConfirmDialog(
                    self, "Order held by a safety rail",
                    f"{kind} {order.account}: {order.describe()} breaks "
                    + ", ".join(b.rule.lower() for b in breaches) + ".",
                    details=[f"{b.rule}: {b.message}" for b in breaches],
                    confirm_text="Send anyway")
            else:
                dialog = await self._confirmation(action, order)
            if await ask(dialog):
                self.ticket.submit(action, order)
            else:
                self._set_status(Status(StatusLevel.WARNING, f"{action.value} not sent."))
        finally:
            self._confirming = False

    async def _confirmation(self, action: Action, order: OrderRequest | None) -> ConfirmDialog:
        if order is not None:
            prefix = "Flatten & " if action is Action.FLAT_PLACE else ""
            return ConfirmDialog(self, "Confirm order",
                                 f"{prefix}{order.describe()} on {order.account}?")
        everything = action is Action.KILL_SWITCH
        self._set_status(Status(StatusLevel.OK, "Reading what would be closed…"))
        details = await self.ticket.blast_radius(all_accounts=everything)
        if everything:
            return ConfirmDialog(
                self, "Flatten ALL accounts",
                "Close every position and cancel every order in EVERY account?",
                details=details, confirm_text="Flatten ALL accounts", require_word="FLATTEN")
        return ConfirmDialog(
            self, "Flatten everything",
            f"Close every position and cancel every order in {self.current_account()}?",
            details=details, confirm_text="Flatten everything")

    def is_started(self) -> bool:
        return self._refresh_timer.isActive()

    def _set_sounds(self, on: bool) -> None:
        self.sounds.enabled = on
        self.settings.sounds = on

    # --- window -----------------------------------------------------------------------------

    def set_always_on_top(self, on: bool) -> None:
        self.settings.always_on_top = on
        if bool(self.windowFlags() & Qt.WindowType.WindowStaysOnTopHint) == on:
            return
        # Changing a window flag re-creates the native window: keep where it was.
        geometry = self.saveGeometry()
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, on)
        self.restoreGeometry(geometry)
        if visible:
            self.show()

    def save_choices(self) -> None:
        settings = self.settings
        settings.geometry = self.saveGeometry()
        settings.quantity = self.quantity_field.value()
        settings.order_type = self.order_type().value
        settings.time_in_force = str(self.time_in_force_picker.currentData())
        settings.atm_strategy = self.atm_strategy_field.text().strip()
        settings.oco_id = self.oco_id_field.text().strip()
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        self._refresh_timer.stop()
        self._age_timer.stop()
        self.save_choices()
        super().closeEvent(event)
