"""What the window tests share, as fixtures: `ui` opens and closes real windows over the
simulator, drives them the way a trader does (instrument, keystrokes, send buttons, dialogs) and
waits until everything a click started is done.

Test modules never import each other: a helper two modules need lives here.
UI tests render offscreen: no display is needed on a developer's machine or in CI.
"""

from __future__ import annotations

import asyncio
import os
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

# Must happen before the QApplication exists; pytest-qt creates it lazily in the qapp fixture.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.dialogs import ConfirmDialog
from ct_ticket.ui.window import TicketWindow

TOKEN = "window-test-token"


class LoopMeter:
    """A 10 ms timer whose ticks show whether the event loop kept turning."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(lambda: self.stamps.append(time.monotonic()))

    def __enter__(self) -> LoopMeter:
        self.stamps = [time.monotonic()]
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.stop()
        self.stamps.append(time.monotonic())

    @property
    def longest_gap(self) -> float:
        return max(b - a for a, b in pairwise(self.stamps))


class UI:
    """Real windows over the simulator, driven through their widgets."""

    token = TOKEN

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot

    def open(self, url: str, settings_path: Path, **client_options: Any) -> TicketWindow:
        """A shown window whose first load is done."""
        client = CrossTradeClient(TOKEN, base_url=url, **client_options)
        window = TicketWindow(Ticket(client), Settings(settings_path))
        self.qtbot.addWidget(window)
        window.show()
        with self.qtbot.waitSignal(window.first_load_done, timeout=15_000):
            window.start()
        return window

    def close(self, window: TicketWindow) -> None:
        window.close()
        task = asyncio.ensure_future(window.ticket.client.aclose())
        self.qtbot.waitUntil(task.done, timeout=5_000)

    def set_instrument(self, window: TicketWindow, text: str) -> None:
        """Type an instrument name as the trader does and wait for its quote."""
        window.entry.view.instrument_picker.setEditText(text)
        window.entry.view.instrument_editor.editingFinished.emit()
        self.qtbot.waitUntil(lambda: window.ticket.quote is not None
                             and window.ticket.quote.instrument.startswith(text.split()[0]),
                             timeout=5_000)

    def choose(self, window: TicketWindow, order_type: str, tif: str = "DAY") -> None:
        view = window.entry.view
        view.order_type_picker.setCurrentIndex(view.order_type_picker.findData(order_type))
        view.time_in_force_picker.setCurrentIndex(view.time_in_force_picker.findData(tif))

    def type_keys(self, widget: QWidget, text: str, *, replace: bool = True) -> None:
        """Type `text` into a line edit as key presses, after selecting what it holds.

        QTest synthesises key codes for printable ASCII only (anything else aborts Qt), so other
        characters arrive as a keyboard layout or input method delivers them: a key event that
        carries the character as its text."""
        editor = widget if isinstance(widget, QLineEdit) else widget.lineEdit()
        assert isinstance(editor, QLineEdit)
        editor.setFocus()
        if replace:
            self.qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            self.qtbot.keyClick(editor, Qt.Key.Key_Backspace)
        for char in text:
            if " " <= char <= "~":
                self.qtbot.keyClicks(editor, char)
                continue
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(editor, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                         Qt.KeyboardModifier.NoModifier, char))

    def wait_idle(self, window: TicketWindow, timeout: int = 10_000) -> None:
        """Until nothing a click or a timer started is still running or asking."""
        self.qtbot.waitUntil(
            lambda: not (window.ticket.busy or window.ticket._tasks or window._tasks
                         or window.ticket.pending_review),
            timeout=timeout)

    @staticmethod
    def open_dialog() -> ConfirmDialog | None:
        return next((w for w in QApplication.topLevelWidgets()
                     if isinstance(w, ConfirmDialog) and w.isVisible()), None)

    def click_send(self, window: TicketWindow, button: QPushButton) -> str:
        """Click a send button, confirm the dialog it may ask (flatten everything always asks;
        the same order again within seconds asks too), wait until everything it started is
        done, and return the dialog's question ("" when none was asked)."""
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        question = ""
        if window.ticket.pending_review:
            self.qtbot.waitUntil(lambda: self.open_dialog() is not None, timeout=10_000)
            dialog = self.open_dialog()
            assert dialog is not None
            label = dialog.findChild(QLabel, "confirmQuestion")
            question = label.text() if label is not None else "?"
            self.qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        self.wait_idle(window)
        return question

    def click_and_wait_idle(self, window: TicketWindow, button: QPushButton) -> None:
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.qtbot.waitUntil(lambda: not window.ticket.busy and button.isEnabled(),
                             timeout=5_000)
        self.qtbot.waitUntil(lambda: not window.ticket._tasks, timeout=5_000)

    @staticmethod
    def loop_meter() -> LoopMeter:
        return LoopMeter()


@pytest.fixture
def ui(qtbot: Any, qloop: Any) -> UI:
    """Open, drive and close real ticket windows (the qasync loop is current meanwhile)."""
    return UI(qtbot)
