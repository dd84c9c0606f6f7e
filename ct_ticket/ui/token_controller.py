"""The token dialog driven by the token session: shows the dialog when the session asks, passes
Test, Save and Forget to the session and shows its answers. No keyring and no network here:
ct_ticket/session.py does that work, and this module reaches the client only through it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ct_ticket.events import Status, StatusLevel
from ct_ticket.session import Answer, TokenSession
from ct_ticket.ui.token_dialog import TokenDialog

if TYPE_CHECKING:
    from ct_ticket.ui.window import TicketWindow

__all__ = ["TokenController"]


class TokenController:
    """One token dialog at a time for one window, on behalf of one `TokenSession`."""

    def __init__(self, session: TokenSession, window: TicketWindow, *,
                 interactive: bool = True) -> None:
        self.session = session
        self.window = window
        self.interactive = interactive  # False for --screenshot: say so instead of asking
        self.dialog: TokenDialog | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        session.set_asker(self.ask)  # the session asks at start and after a 401
        window.view.token_action.triggered.connect(lambda: session.ask(""))  # Ticket ▸ API token…

    def missing_token(self) -> None:
        """No token at start: ask for one, or (non-interactive, e.g. --screenshot) say so."""
        reason = self.session.missing_reason()
        if self.interactive:
            self.session.ask(reason)
            return
        self.window.show_status(Status(StatusLevel.WARNING,
                                       f"{reason} Open Ticket ▸ API token… to enter it."))
        self.window.first_load_done.emit()

    def ask(self, reason: str = "") -> TokenDialog | None:
        """Show the token dialog (one at a time)."""
        if not self.interactive:
            if reason:
                self.window.show_status(Status(StatusLevel.ERROR, reason))
            return None
        if self.dialog is not None:
            self.dialog.reason_label.setText(reason)
            self.dialog.reason_label.setVisible(bool(reason))
            self.dialog.raise_()
            return self.dialog
        session = self.session
        dialog = TokenDialog(self.window, store_description=session.store_description,
                             reason=session.dialog_reason(reason),
                             session_only=session.session_only)
        dialog.test_requested.connect(lambda token: self._spawn(self._test(dialog, token)))
        dialog.save_requested.connect(lambda token: self._spawn(self._save(dialog, token)))
        dialog.forget_requested.connect(lambda: self._spawn(self._forget(dialog)))
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _show(dialog: TokenDialog, answer: Answer) -> None:
        dialog.say(answer.message, ok=answer.ok)

    async def _test(self, dialog: TokenDialog, token: str) -> None:
        dialog.set_busy(True)
        dialog.say("Testing…", ok=True)
        try:
            self._show(dialog, await self.session.test(token))
        finally:
            dialog.set_busy(False)

    async def _save(self, dialog: TokenDialog, token: str) -> None:
        dialog.set_busy(True)
        try:
            answer = await self.session.save(token)
        finally:
            dialog.set_busy(False)
        if not answer.ok:
            if answer.fell_back:  # offer the session-only store: the trader can still trade
                dialog.save_button.setText("Use for this session")
                dialog.forget_button.setEnabled(False)
            self._show(dialog, answer)
            return
        dialog.accept()
        window = self.window
        if self.session.note:
            window.token_note = self.session.note
        window.show_status(Status(StatusLevel.OK, answer.message))
        if window.is_started():
            window.reload()
        else:
            window.start()

    async def _forget(self, dialog: TokenDialog) -> None:
        dialog.set_busy(True)
        try:
            self._show(dialog, await self.session.forget())
        finally:
            dialog.set_busy(False)
