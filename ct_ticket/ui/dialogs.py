"""Confirmation dialogs that never block the event loop.

`QDialog.exec()` would run a nested event loop inside a qasync slot; instead a dialog is opened
window-modal and awaited, so network replies keep arriving while the trader reads it.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

__all__ = ["ConfirmDialog", "ask"]


class ConfirmDialog(QDialog):
    """A question, an optional list of what will happen, and optionally a word to type."""

    def __init__(self, parent: QWidget | None, title: str, question: str, *,
                 details: list[str] | None = None, confirm_text: str = "Send",
                 require_word: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setObjectName("confirmQuestion")
        label.setWordWrap(True)
        layout.addWidget(label)
        if details:
            listing = QPlainTextEdit("\n".join(details))
            listing.setObjectName("confirmDetails")
            listing.setReadOnly(True)
            listing.setMaximumHeight(160)
            layout.addWidget(listing)
        self.buttons = QDialogButtonBox()
        self.confirm_button = self.buttons.addButton(confirm_text,
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setObjectName("confirmButton")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("cancelButton")
        # Cancel is the default: Enter must never confirm something irreversible by accident.
        self.cancel_button.setDefault(True)
        self.confirm_button.setAutoDefault(False)
        self.word_field: QLineEdit | None = None
        if require_word:
            prompt = QLabel(f"Type {require_word} to confirm:")
            self.word_field = QLineEdit()
            self.word_field.setObjectName("confirmWordField")
            self.word_field.setAccessibleName(f"Type {require_word} to confirm")
            self.confirm_button.setEnabled(False)
            self.word_field.textChanged.connect(
                lambda text: self.confirm_button.setEnabled(text.strip() == require_word))
            layout.addWidget(prompt)
            layout.addWidget(self.word_field)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


async def ask(dialog: QDialog) -> bool:
    """Open `dialog` window-modal and wait for it; True when accepted."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        result = await future
    finally:
        if isValid(dialog):  # the window (its parent) may have been closed meanwhile
            dialog.deleteLater()
    return result == QDialog.DialogCode.Accepted.value
