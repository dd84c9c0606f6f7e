"""The ticket window: holds the panels (header, order entry, position and status, activity log),
each a view plus one controller over the same ticket, and owns what is the window's own: the
menu, the options row, shortcuts, timers, the first load and the stream's attachment.

It is built in two steps so it can paint before the network parts load: the views first (Qt
and the views' modules only, no asyncio, no HTTP client), inert, then `attach` brings the ticket and
the panels' controllers. HTTP never happens here; the ticket (ct_ticket/ticket.py) owns the
client, and the panels talk to each other only through the ticket's events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QMainWindow

from ct_ticket.events import (
    Action,
    Busy,
    Selected,
    Status,
    StatusLevel,
    TicketEvent,
    WorkingOrdersUpdated,
)
from ct_ticket.model import AccountKind, Side, instrument_problem
from ct_ticket.model.groups import group_kind
from ct_ticket.settings import Settings
from ct_ticket.ui.inert import InertControls, show_saved_form
from ct_ticket.ui.shortcuts import SHORTCUTS
from ct_ticket.ui.theme import set_style_property
from ct_ticket.ui.window_view import WindowView

if TYPE_CHECKING:  # the controllers' modules import asyncio and the ticket: loaded by attach
    import asyncio

    from ct_ticket.feed import Feed
    from ct_ticket.ticket import Ticket

__all__ = ["TicketWindow"]

REFRESH_TICK_MS = 1_500
# Idle, the timer ticks every 4.5 s (position and working orders over REST unless the stream
# provably carries the position: ~27 reads a minute); while orders rest and the stream does not
# carry positions it ticks every 1.5 s for the position (orders every third tick), so a resting
# order's fill shows within 2 s (~53 a minute). The budget is 180 a minute.
SLOW_EVERY_TICKS = 3


class TicketWindow(QMainWindow):
    """The order ticket: one window over one `Ticket`."""

    first_load_done = Signal()

    def __init__(self, ticket: Ticket | None, settings: Settings) -> None:
        """The window over `ticket`; with None, the views only, inert until `attach`."""
        super().__init__()
        self.settings = settings
        self.token_note = ""  # e.g. "token kept for this session only", shown when ready
        self.feed: Feed | None = None
        self._loaded_once = False
        self._attached = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.view = WindowView(self)
        self._restore_view()
        self._make_shortcuts()
        show_saved_form(self.view, settings)
        self._inert = InertControls(self, self.view)  # until attach
        if ticket is not None:
            self.attach(ticket)

    def attach(self, ticket: Ticket) -> None:
        """Bring the ticket and the panels' controllers to the painted views; sends work from
        here on. Once only."""
        from ct_ticket.sounds import SoundPlayer
        from ct_ticket.ui.activity import ActivityPanel
        from ct_ticket.ui.entry import OrderEntry
        from ct_ticket.ui.group_results import GroupResultsPanel
        from ct_ticket.ui.header import HeaderPanel
        from ct_ticket.ui.orders import OrdersPanel
        from ct_ticket.ui.position import STALE_AFTER_S, PositionPanel
        from ct_ticket.ui.sending import Sender
        from ct_ticket.ui.status_rules import LoadWatch

        if self._attached:
            raise RuntimeError("the window already has its ticket")
        self._attached = True
        view, settings = self.view, self.settings
        self._inert.wake()  # before the controllers: they enable and disable from here on
        self.ticket = ticket
        self.sounds = SoundPlayer(enabled=settings.sounds)
        self.sending = Sender(self, ticket, self._spawn)
        # Panels subscribe in reading order; each draws only from the events it is given.
        self.header = HeaderPanel(view.header_view, ticket, self.sounds)
        self.entry = OrderEntry(view.entry_view, ticket, settings, self.sending, self._spawn,
                                on_side=self._tint, on_reload=self.reload)
        self.position = PositionPanel(view.position_view, ticket, self.sending, settings,
                                      self.sounds)
        self.group_results = GroupResultsPanel(view.group_results_view, ticket)
        self.orders = OrdersPanel(view.orders_view, ticket, settings)
        self.activity = ActivityPanel(view.activity_view, ticket, self.sounds)
        ticket.subscribe(self._on_event)
        self.load_watch = LoadWatch(ticket)  # "Ready" only while no failure is current
        self._stale_after_s = STALE_AFTER_S

        side_group = QButtonGroup(self)
        side_group.setExclusive(True)
        side_group.addButton(view.entry_view.buy_button)
        side_group.addButton(view.entry_view.sell_button)
        self._restore()
        self._connect()

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_TICK_MS * SLOW_EVERY_TICKS)
        self._ticks = 0
        self._refresh_timer.timeout.connect(self._periodic_refresh)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(1_000)
        self._age_timer.timeout.connect(self._show_ages)

    def is_attached(self) -> bool:
        """Whether the ticket is attached (sends work)."""
        return self._attached

    # --- wiring -----------------------------------------------------------------------------

    def _connect(self) -> None:
        view = self.view
        view.kill_switch_action.triggered.connect(lambda: self.sending.send(Action.KILL_SWITCH))
        view.repeat_action.triggered.connect(self.entry.repeat_last_order)
        view.limits_action.triggered.connect(lambda: self._spawn(self.edit_limits()))
        view.groups_action.triggered.connect(lambda: self._spawn(self.edit_groups()))
        view.sounds_action.toggled.connect(self._set_sounds)
        view.confirm_orders_toggle.toggled.connect(self._set_confirm_orders)

    def _make_shortcuts(self) -> None:
        """The window's keys, live from the first paint: before `attach` they only say that
        nothing was sent."""
        view = self.view
        view.quit_action.triggered.connect(self.close)
        view.always_on_top_toggle.toggled.connect(self.set_always_on_top)
        handlers: dict[str, Callable[[], None]] = {
            "buy": lambda: self.entry.choose_side(Side.BUY),
            "sell": lambda: self.entry.choose_side(Side.SELL),
            "flatten_place": lambda: self.entry.send(Action.FLAT_PLACE),
            "place": lambda: self.entry.send(Action.PLACE),
            "refresh": self.reload}
        for key, handler in handlers.items():
            shortcut = QShortcut(QKeySequence(SHORTCUTS[key]), self)
            shortcut.setAutoRepeat(False)  # a held key is one intent, not a stream of orders
            shortcut.activated.connect(self._when_attached(handler))

    def _when_attached(self, handler: Callable[[], None]) -> Callable[[], None]:
        def guarded() -> None:
            if self._attached:
                handler()
            else:
                self._inert.say_not_sent()
        return guarded

    def _restore_view(self) -> None:
        """What the window shows of the settings before anything is attached."""
        settings, view = self.settings, self.view
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        view.sounds_action.setChecked(settings.sounds)
        view.confirm_orders_toggle.setChecked(settings.confirm_orders)
        view.always_on_top_toggle.setChecked(settings.always_on_top)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, settings.always_on_top)

    def _restore(self) -> None:
        settings, view = self.settings, self.view
        view.sounds_action.setChecked(settings.sounds and self.sounds.available)
        view.sounds_action.setEnabled(self.sounds.available)
        if not self.sounds.available:
            view.sounds_action.setToolTip("No sound player found on this computer")
        self.apply_rules()

    def apply_rules(self) -> None:
        """Hand the trader's limits and confirm-every-order to the ticket, which decides."""
        self.ticket.set_rules({kind: self.settings.limits(kind) for kind in AccountKind},
                              confirm_every_order=self.settings.confirm_orders,
                              require_stop={kind: self.settings.require_stop(kind)
                                            for kind in AccountKind})

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        import asyncio  # loaded by then: only an attached window spawns

        # Keep a reference: asyncio holds tasks weakly and a collected task silently vanishes.
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_event(self, event: TicketEvent) -> None:
        if isinstance(event, Selected):
            # With a group chosen its most cautious member decides the badge and the frame.
            group = self.sending.group
            kind = group_kind(group, self.ticket.account_kind).value if group else event.kind
            set_style_property(self.view.ticket_root, "accountKind",
                               kind if event.account else "")
            if group is not None:
                self.header.show_kind(kind)  # the header drew the first member's kind
            chosen = f"group {group.name}" if group is not None else event.account
            self.setWindowTitle(f"{self._base_title()} — {kind.upper()} {chosen}"
                                if event.account else self._base_title())
            if self.feed is not None and not instrument_problem(event.instrument):
                self.feed.follow(event.instrument)
        elif isinstance(event, Busy) and event.action is Action.KILL_SWITCH:
            self.view.kill_switch_action.setEnabled(not event.busy)
        elif isinstance(event, WorkingOrdersUpdated) and self._refresh_timer.isActive():
            self._retime()  # orders now rest (or no longer do): the cadence follows at once

    def _retime(self) -> bool:
        """Tick fast while orders rest and the stream does not carry the position; returns
        whether this is the fast cadence."""
        positions_streamed = self.feed is not None and self.feed.positions_live
        fast = bool(self.ticket.working_orders) and not positions_streamed
        interval = REFRESH_TICK_MS if fast else REFRESH_TICK_MS * SLOW_EVERY_TICKS
        if self._refresh_timer.interval() != interval:
            self._refresh_timer.setInterval(interval)
        return fast

    def _base_title(self) -> str:
        return self.windowTitle().split(" — ")[0]

    def _tint(self, side: Side) -> None:
        set_style_property(self.view.ticket_root, "side", side.value.lower())

    def show_status(self, status: Status) -> None:
        """Show a status the ticket did not produce (token, start-up)."""
        self.position.show_status(status)

    # --- start and reads --------------------------------------------------------------------

    def start(self) -> asyncio.Task[Any]:
        """Load accounts, then the chosen instrument's quote and position; start the timers.
        The ticket must be attached."""
        if not self._attached:
            raise RuntimeError("start() before attach(): the window has no ticket yet")
        self._refresh_timer.start()
        self._age_timer.start()
        return self._spawn(self._first_load())

    async def _first_load(self) -> None:
        try:
            await self._load()
        finally:
            self._loaded_once = True
            self.entry.reads_enabled = True
            self.first_load_done.emit()

    def is_started(self) -> bool:
        return self._attached and self._refresh_timer.isActive()

    def attach_feed(self, feed: Feed) -> None:
        """Take quotes and P&L from the stream; REST reads then run only while it is down."""
        self.feed = feed
        feed.subscribe(self.header.show_feed_state)
        if self.ticket.instrument:
            feed.follow(self.ticket.instrument)
        self.header.show_feed_state(feed.state)

    def _periodic_refresh(self) -> None:
        """The modest timer: what the stream does not provably carry is read over REST. The
        position is read each tick unless streamed; while orders rest the ticks come faster, so
        a resting order's fill shows within 2 s."""
        self._ticks += 1
        feed, ticket = self.feed, self.ticket
        positions_streamed = feed is not None and feed.positions_live
        fast = self._retime()
        if not positions_streamed:
            self._spawn(ticket.refresh_position())
        if not fast or self._ticks % SLOW_EVERY_TICKS == 1:
            self._spawn(ticket.refresh_working_orders())
            if feed is not None and feed.rest_fallback_needed:
                self._spawn(ticket.load_quote())

    def _show_ages(self) -> None:
        if self.feed is not None:
            self.header.show_feed_state(self.feed.state)
        self.position.show_age(live=self.feed is not None and self.feed.positions_live)
        self.entry.show_age(self._stale_after_s)
        self.orders.show_ages()

    def reload(self) -> None:
        if self.position.status_level() == "error":
            # The failure shown may be what this reload cures; cleared, "Ready" can replace it.
            # (An unknown order outcome or a warning stays until something else is said.)
            self.show_status(Status(StatusLevel.OK, "Reloading…"))
        self._spawn(self._load())

    async def _load(self) -> None:
        import asyncio

        mark = self.load_watch.begin()
        accounts = await self.ticket.load_accounts()
        self.entry.selection_changed()
        await asyncio.gather(self.ticket.load_quote(), self.ticket.refresh_position(),
                             self.ticket.refresh_working_orders())
        if self.load_watch.ready(mark, self.position.status_level()):
            ready = f"Ready: {len(accounts)} account(s) loaded. {self.token_note}".strip()
            self.show_status(Status(StatusLevel.OK, ready))

    # --- menu and options -------------------------------------------------------------------

    def send(self, action: Action) -> None:
        """Send `action` as its button would (the order actions read the form); before the
        ticket is attached nothing is sent and the status line says so."""
        if not self._attached:
            self._inert.say_not_sent()
        elif action.places_order:
            self.entry.send(action)
        else:
            self.sending.send(action)

    async def edit_limits(self) -> None:
        """The safety limits dialog; saved limits apply from the next send."""
        from ct_ticket.ui.dialogs import ask
        from ct_ticket.ui.limits_dialog import LimitsDialog

        current = {kind: self.settings.limits(kind) for kind in AccountKind}
        dialog = LimitsDialog(self, current, {kind: self.settings.require_stop(kind)
                                              for kind in AccountKind})
        if await ask(dialog):
            for kind, limits in dialog.limits().items():
                self.settings.set_limits(kind, limits)
                self.settings.set_require_stop(kind, dialog.required_stops()[kind])
            self.apply_rules()
            self.show_status(Status(StatusLevel.OK, "Safety limits saved."))

    async def edit_groups(self) -> None:
        """The account groups dialog; saved groups are offered in the account picker at once."""
        store = self.entry.groups
        from ct_ticket.ui.dialogs import ask
        from ct_ticket.ui.group_dialog import GroupDialog

        dialog = GroupDialog(self, store.groups(), tuple(a.name for a in self.ticket.accounts))
        if await ask(dialog):
            store.save(dialog.groups())
            self.settings.sync()
            chosen = self.entry.form.group  # a renamed group stays chosen under its new name
            if chosen is not None and chosen.name in dialog.renamed():
                self.entry.form.group = dataclasses.replace(
                    chosen, name=dialog.renamed()[chosen.name])
            self.entry.show_groups()
            self.show_status(Status(StatusLevel.OK, f"Account groups saved: "
                                    f"{len(dialog.groups())} group(s)."))

    def _set_confirm_orders(self, on: bool) -> None:
        self.settings.confirm_orders = on
        self.apply_rules()

    def _set_sounds(self, on: bool) -> None:
        self.sounds.enabled = on
        self.settings.sounds = on

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
        self.settings.geometry = self.saveGeometry()
        if self._attached:
            self.entry.save_choices()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        if self._attached:
            self.ticket.stop_following()  # only reads: an exit never waits for NT8 to fill
            self._refresh_timer.stop()
            self._age_timer.stop()
        else:
            self._inert.stop_holding()
        self.save_choices()
        super().closeEvent(event)
