"""The ticket window's frame: the panels' views stacked in reading order, the options row and
the Ticket menu. Layout and names only; ui/window.py gives it behaviour."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QMainWindow, QVBoxLayout, QWidget

from ct_ticket.ui import theme
from ct_ticket.ui.activity_view import ActivityView
from ct_ticket.ui.entry_view import EntryView
from ct_ticket.ui.group_results_view import GroupResultsView
from ct_ticket.ui.header_view import HeaderView
from ct_ticket.ui.orders_view import OrdersView
from ct_ticket.ui.position_view import PositionView
from ct_ticket.ui.shortcuts import SHORTCUTS
from ct_ticket.ui.widgets import named

__all__ = ["WindowView"]


class WindowView:
    """Lays the panels' views out in `window`, in reading order; a later panel is one more
    view added to `panels`."""

    def __init__(self, window: QMainWindow) -> None:
        window.setWindowTitle("ct-ticket")
        window.setWindowIcon(theme.app_icon())
        root = self.ticket_root = QWidget()
        named(root, "ticketRoot", "Order ticket")
        window.setCentralWidget(root)
        self.panels = QVBoxLayout(root)
        self.panels.setContentsMargins(8, 6, 8, 6)
        self.panels.setSpacing(6)

        self.header_view = HeaderView()
        self.entry_view = EntryView()
        self.position_view = PositionView()
        self.group_results_view = GroupResultsView()  # appears with a group's first send
        self.orders_view = OrdersView()
        self.activity_view = ActivityView()
        for view, stretch in ((self.header_view, 0), (self.entry_view, 0),
                              (self.position_view, 0), (self.group_results_view, 0),
                              (self.orders_view, 0),
                              (self.activity_view, 1)):
            self.panels.addWidget(view, stretch)

        self.always_on_top_toggle = QCheckBox("Always on top")
        named(self.always_on_top_toggle, "alwaysOnTopToggle", "Always on top")
        self.confirm_orders_toggle = QCheckBox("Confirm every order")
        named(self.confirm_orders_toggle, "confirmOrdersToggle", "Confirm every order",
              "Ask before every order is sent")
        row = QHBoxLayout()
        row.addWidget(self.always_on_top_toggle)
        row.addWidget(self.confirm_orders_toggle)
        row.addStretch(1)
        self.panels.addLayout(row)

        menu = window.menuBar().addMenu("&Ticket")
        self.token_action = QAction(theme.icon("key"), "API &token…", window)
        self.kill_switch_action = QAction(theme.icon("kill"),
                                          "Flatten ALL accounts (kill switch)…", window)
        self.repeat_action = QAction(theme.icon("repeat"), "&Repeat last order", window)
        self.repeat_action.setShortcut(QKeySequence(SHORTCUTS["repeat"]))
        self.limits_action = QAction("Safety &limits…", window)
        self.groups_action = QAction("Account &groups…", window)
        self.sounds_action = QAction(theme.icon("sound"), "&Sounds (accepted, rejected, "
                                     "disconnected)", window)
        self.sounds_action.setCheckable(True)
        self.quit_action = QAction("&Quit", window)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        for action in (self.token_action, self.repeat_action, self.limits_action,
                       self.groups_action, self.sounds_action, self.kill_switch_action,
                       self.quit_action):
            menu.addAction(action)

        # Tab walks the ticket top to bottom as it reads.
        for first, second in pairwise(self.entry_view.tab_chain()):
            QWidget.setTabOrder(first, second)
        window.setMinimumWidth(320)
        window.resize(430, 660)
