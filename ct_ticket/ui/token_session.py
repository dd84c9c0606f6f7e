"""The token's life in the app: read it from the keyring at start, ask for it when missing or
refused (401), test it against the account list, save or forget it. Keyring calls run off the
GUI thread (credentials.py); the dialog only shows widgets."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from ct_ticket import credentials
from ct_ticket.api.errors import CrossTradeError
from ct_ticket.events import Status, StatusLevel
from ct_ticket.logs import register_secret
from ct_ticket.ui.token_dialog import TokenDialog

if TYPE_CHECKING:  # types only: the stream (websockets) loads after the first paint
    from ct_ticket.api.client import CrossTradeClient
    from ct_ticket.api.stream import StreamClient
    from ct_ticket.ui.window import TicketWindow

__all__ = ["DEMO_TOKEN", "TokenSession"]

log = logging.getLogger(__name__)
DEMO_TOKEN = "demo"  # the built-in simulator accepts any non-empty token


class TokenSession:
    """Loads, asks for, tests, saves and forgets the API token for one window and client."""

    def __init__(self, *, demo: bool = False,
                 store: credentials.TokenStore | None = None) -> None:
        self.demo = demo
        # The demo never touches the trader's keyring.
        self.store: credentials.TokenStore = store or (
            credentials.MemoryTokenStore() if demo else credentials.KeyringTokenStore())
        self.keyring_problem: str | None = None
        self.token: str | None = None  # the token in use, once loaded or saved
        self.dialog: TokenDialog | None = None
        self._window: TicketWindow | None = None
        self._client: CrossTradeClient | None = None
        self._interactive = True
        self._stream: StreamClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def session_only(self) -> bool:
        return isinstance(self.store, credentials.MemoryTokenStore) and not self.demo

    async def load(self) -> str | None:
        """The stored token, or None. A missing keyring switches to a session-only store."""
        if self.demo:
            self.token = DEMO_TOKEN
            return DEMO_TOKEN
        try:
            token = await self.store.get()
        except credentials.KeyringError as error:
            log.warning("keyring unusable: %s", error)
            self.keyring_problem = str(error)
            self.store = credentials.MemoryTokenStore()
            return None
        if token:
            register_secret(token)
        self.token = token
        return token

    def attach(self, window: TicketWindow, client: CrossTradeClient, *,
               interactive: bool = True) -> None:
        """Open the dialog when the window asks (menu entry, or a 401 from CrossTrade)."""
        self._window, self._client, self._interactive = window, client, interactive
        window.token_needed.connect(self.ask)

    def set_stream(self, stream: StreamClient) -> None:
        """The market-data stream: it takes every token saved from now on."""
        self._stream = stream

    def missing_token(self, window: TicketWindow) -> None:
        """No token at start: ask for one, or (non-interactive, e.g. --screenshot) say so."""
        reason = "No API token is stored yet."
        if self.keyring_problem:
            reason = f"{self.keyring_problem}"
        if self._interactive:
            self.ask(reason)
            return
        window.show_status(Status(StatusLevel.WARNING,
                                  f"{reason} Open Ticket ▸ API token… to enter it."))
        window.first_load_done.emit()

    def ask(self, reason: str = "") -> TokenDialog | None:
        """Show the token dialog (one at a time)."""
        if not self._interactive:
            if self._window is not None and reason:
                self._window.show_status(Status(StatusLevel.ERROR, reason))
            return None
        if self.dialog is not None:
            self.dialog.reason_label.setText(reason)
            self.dialog.reason_label.setVisible(bool(reason))
            self.dialog.raise_()
            return self.dialog
        parent: QWidget | None = self._window
        if self.session_only and self.keyring_problem and self.keyring_problem not in reason:
            reason = (f"{reason} {self.keyring_problem} "
                      "The token will be kept for this session only.").strip()
        dialog = TokenDialog(parent, store_description=self.store.description, reason=reason,
                             session_only=self.session_only)
        dialog.test_requested.connect(lambda token: self._spawn(self._test(token)))
        dialog.save_requested.connect(lambda token: self._spawn(self._save(token)))
        dialog.forget_requested.connect(lambda: self._spawn(self._forget()))
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _checked(self, token: str) -> str | None:
        dialog = self.dialog
        try:
            return credentials.normalize_token(token)
        except ValueError as error:
            if dialog is not None:
                dialog.say(str(error), ok=False)
            return None

    async def _test(self, raw: str) -> None:
        dialog, client = self.dialog, self._client
        token = self._checked(raw)
        if dialog is None or client is None or token is None:
            return
        register_secret(token)
        dialog.set_busy(True)
        dialog.say("Testing…", ok=True)
        try:
            accounts = await client.verify_token(token)
        except CrossTradeError as error:
            dialog.say(error.trader_message, ok=False)
        else:
            dialog.say(f"Token accepted: {len(accounts)} account(s).", ok=True)
        finally:
            dialog.set_busy(False)

    async def _save(self, raw: str) -> None:
        dialog, client, window = self.dialog, self._client, self._window
        token = self._checked(raw)
        if dialog is None or token is None:
            return
        register_secret(token)
        dialog.set_busy(True)
        try:
            await self.store.set(token)
        except credentials.KeyringError as error:
            # Offer the session-only store instead of failing: the trader can still trade.
            self.keyring_problem = str(error)
            self.store = credentials.MemoryTokenStore()
            dialog.save_button.setText("Use for this session")
            dialog.forget_button.setEnabled(False)
            dialog.say(f"{error} Press 'Use for this session' to keep it in memory only.",
                       ok=False)
            dialog.set_busy(False)
            dialog.forget_button.setEnabled(False)
            return
        dialog.set_busy(False)
        self.token = token
        if client is not None:
            client.set_token(token)
        if self._stream is not None:
            self._stream.set_token(token)
            self._stream.start()  # a no-op when it already runs
        where = self.store.description
        dialog.accept()
        if window is not None:
            if self.session_only:
                window.token_note = "API token kept for this session only (no keyring)."
            window.show_status(Status(StatusLevel.OK, f"API token saved in {where}."))
            if window.is_started():
                window.reload()
            else:
                window.start()

    async def _forget(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        dialog.set_busy(True)
        try:
            removed = await self.store.delete()
        except credentials.KeyringError as error:
            dialog.say(str(error), ok=False)
        else:
            dialog.say("Token removed." if removed else "No token was stored.", ok=True)
        finally:
            dialog.set_busy(False)
