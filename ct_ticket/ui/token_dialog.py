"""The API token dialog's widgets: paste (masked), show, Test, Save, Forget. No behaviour beyond
the widgets themselves; ui/token_controller.py drives it for ct_ticket/session.py."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["TokenDialog"]


class _NoCopy(QObject):
    """Blocks copy and cut from the token field, so the token never reaches the clipboard."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        return isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and (
            event.matches(QKeySequence.StandardKey.Copy)
            or event.matches(QKeySequence.StandardKey.Cut))


class TokenDialog(QDialog):
    """Token entry: emits `test_requested`/`save_requested` with the token, `forget_requested`."""

    test_requested = Signal(str)
    save_requested = Signal(str)
    forget_requested = Signal()

    def __init__(self, parent: QWidget | None, *, store_description: str, reason: str = "",
                 session_only: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("tokenDialog")
        self.setWindowTitle("CrossTrade API token")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Paste your CrossTrade secret key (app.crosstrade.io → My Account → Reveal). "
            f"It is kept in {store_description} and nowhere else.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.reason_label = QLabel(reason)
        self.reason_label.setObjectName("tokenReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setVisible(bool(reason))
        layout.addWidget(self.reason_label)

        self.token_field = QLineEdit()
        self.token_field.setObjectName("tokenField")
        self.token_field.setAccessibleName("API token")
        self.token_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_field.setPlaceholderText("secret key")
        self.token_field.setContextMenuPolicy(self.token_field.contextMenuPolicy().NoContextMenu)
        self._no_copy = _NoCopy(self)
        self.token_field.installEventFilter(self._no_copy)
        self.show_toggle = QCheckBox("Show")
        self.show_toggle.setObjectName("showTokenToggle")
        self.show_toggle.setAccessibleName("Show the token")
        self.show_toggle.toggled.connect(
            lambda on: self.token_field.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        row = QHBoxLayout()
        row.addWidget(self.token_field, 1)
        row.addWidget(self.show_toggle)
        layout.addLayout(row)

        self.status_label = QLabel("")
        self.status_label.setObjectName("tokenStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.test_button = QPushButton("Test")
        self.test_button.setObjectName("testTokenButton")
        self.save_button = QPushButton("Use for this session" if session_only else "Save")
        self.save_button.setObjectName("saveTokenButton")
        self.forget_button = QPushButton("Forget")
        self.forget_button.setObjectName("forgetTokenButton")
        self.forget_button.setEnabled(not session_only)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeTokenButton")
        for button in (self.test_button, self.save_button, self.forget_button,
                       self.close_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.forget_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

        self.test_button.clicked.connect(lambda: self.test_requested.emit(self.token()))
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.token()))
        self.forget_button.clicked.connect(self.forget_requested.emit)
        self.close_button.clicked.connect(self.reject)
        self.setMinimumWidth(420)

    def token(self) -> str:
        return self.token_field.text().strip()

    def set_busy(self, busy: bool) -> None:
        for button in (self.test_button, self.save_button, self.forget_button):
            button.setEnabled(not busy)

    def say(self, text: str, *, ok: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("level", "ok" if ok else "error")
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
