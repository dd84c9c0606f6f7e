"""The ticket window before its ticket is attached: painted first, shaped as the trader left
it, and inert, so nothing can be sent in the gap while the network side is still loading, and
nothing typed there is silently replaced when the controllers restore the saved form: the send
controls are disabled with the reason, and every click or key on the window is held back with
a line saying so.

Qt, the views and the settings only (no asyncio, no ticket): this runs before the first paint.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from ct_ticket.events import StatusLevel
from ct_ticket.model import Side
from ct_ticket.settings import Settings
from ct_ticket.ui.order_form import OrderForm, select_data
from ct_ticket.ui.theme import set_style_property
from ct_ticket.ui.window_view import WindowView

__all__ = ["LOADING", "NOT_SENT", "STARTING_TIP", "InertControls", "show_saved_form"]

LOADING = "Loading accounts…"
# The tooltip of every send control while disabled in the gap, and what a click, a key or a
# send asked for in the gap says on the status line.
STARTING_TIP = "Starting: orders can be sent once the ticket is connected"
NOT_SENT = "Still starting: nothing was sent (clicks and keys work in a moment)."
# Input held back in the gap; a press of either kind says NOT_SENT.
_INPUT = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                    QEvent.Type.MouseButtonDblClick, QEvent.Type.KeyPress,
                    QEvent.Type.KeyRelease, QEvent.Type.Wheel})
_PRESSES = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress})


def show_saved_form(view: WindowView, settings: Settings) -> None:
    """Give the views the shape the entry and orders controllers will restore (order type,
    time in force, quantity, side, instrument, the price rows the type takes, working orders
    open or shut), so the first paint already has the window's layout and nothing jumps when
    the controllers attach; they restore the same choices again, and the rest."""
    entry = view.entry_view
    select_data(entry.order_type_picker, settings.order_type)
    select_data(entry.time_in_force_picker, settings.time_in_force)
    entry.quantity_field.setValue(max(1, min(settings.quantity, settings.quantity_cap)))
    entry.instrument_picker.setEditText(settings.instrument)
    side = Side.SELL if settings.side == "SELL" else Side.BUY
    form = OrderForm(entry)
    form.set_side(side)
    form.show_price_fields()
    set_style_property(view.ticket_root, "side", side.value.lower())
    view.orders_view.toggle_button.setChecked(settings.orders_open)
    view.orders_view.set_open(settings.orders_open)


class _HoldInput(QObject):
    """On the window and each of its widgets: drops their mouse and key input."""

    def __init__(self, on_press: Callable[[], None]) -> None:
        super().__init__()
        self.on_press = on_press

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        kind = event.type()
        if kind not in _INPUT:
            return False
        if kind in _PRESSES:
            self.on_press()
        return True


class InertControls:
    """Every control of the window that sends disabled with the reason, and all input to the
    window held back with a line saying so, until `wake`."""

    def __init__(self, window: QWidget, view: WindowView) -> None:
        self.view = view
        self.said_not_sent = False
        # On each widget, not on the application: an application-wide filter would run Python
        # for every event of the process (and cost ~2 MB of wrappers at start).
        self._hold = _HoldInput(self.say_not_sent)
        self._held = [window, *window.findChildren(QWidget)]
        for widget in self._held:
            widget.installEventFilter(self._hold)
        controls: list[QWidget | QAction] = [
            view.entry_view.flatten_place_button, view.entry_view.place_button,
            *view.position_view.exit_buttons, view.position_view.protect_button,
            *view.orders_view.order_buttons, view.kill_switch_action, view.repeat_action]
        self._saved = [(control, control.isEnabled(), control.toolTip()) for control in controls]
        for control in controls:
            control.setEnabled(False)
            control.setToolTip(STARTING_TIP)
        view.position_view.status_line.setText(LOADING)

    def say_not_sent(self) -> None:
        """A send asked for in the gap: nothing is sent, and the status line says so."""
        self.said_not_sent = True
        line = self.view.position_view.status_line
        line.setText(NOT_SENT)
        set_style_property(line, "level", StatusLevel.WARNING.value)

    def stop_holding(self) -> None:
        """Let input through again (at `wake`, or when the window closes before it)."""
        for widget in self._held:
            widget.removeEventFilter(self._hold)
        self._held.clear()

    def wake(self) -> None:
        """Give the controls back their own state and tooltips; a "not sent" note from the
        gap is over (it must not hold back the first load's "Ready")."""
        self.stop_holding()
        for control, enabled, tip in self._saved:
            control.setEnabled(enabled)
            control.setToolTip(tip)
        self._saved.clear()
        line = self.view.position_view.status_line
        line.setText(LOADING)
        if self.said_not_sent:
            set_style_property(line, "level", StatusLevel.OK.value)
