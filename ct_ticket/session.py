"""The API token's life, without widgets: load it from the store, ask for it when missing or
refused (a 401), test it against the account list, save it, forget it.

No Qt here: the asking is a callback the UI provides (ui/token_controller.py shows the token
dialog), and every action answers with an `Answer` the UI only displays. Keyring calls run off
the GUI thread (credentials.py); the token never reaches a log (logs.register_secret).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ct_ticket import credentials
from ct_ticket.api.errors import CrossTradeError
from ct_ticket.events import AuthFailed, TicketEvent
from ct_ticket.logs import register_secret

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["DEMO_TOKEN", "SESSION_ONLY_NOTE", "Answer", "TokenClient", "TokenSession",
           "TokenStream"]

log = logging.getLogger(__name__)
DEMO_TOKEN = "demo"  # the built-in simulator accepts any non-empty token
SESSION_ONLY_NOTE = "API token kept for this session only (no keyring)."


class TokenClient(Protocol):
    """The REST client as far as the token goes (CrossTradeClient)."""

    async def verify_token(self, token: str) -> Sequence[object]: ...

    def set_token(self, token: str) -> None: ...


class TokenStream(Protocol):
    """The market-data stream as far as the token goes (StreamClient)."""

    def set_token(self, token: str) -> None: ...

    def start(self) -> None: ...


@dataclass(frozen=True)
class Answer:
    """What a token action came to, in the trader's words.

    `fell_back` says the keyring refused to store the token and the session now keeps it in
    memory only: the next save ("Use for this session") will succeed without the keyring.
    """

    ok: bool
    message: str
    fell_back: bool = False


class TokenSession:
    """Loads, asks for, tests, saves and forgets the API token for one client (and stream)."""

    def __init__(self, *, demo: bool = False,
                 store: credentials.TokenStore | None = None) -> None:
        self.demo = demo
        # The demo never touches the trader's keyring.
        self.store: credentials.TokenStore = store or (
            credentials.MemoryTokenStore() if demo else credentials.KeyringTokenStore())
        self.keyring_problem: str | None = None
        self.token: str | None = None  # the token in use, once loaded or saved
        self._client: TokenClient | None = None
        self._stream: TokenStream | None = None
        self._asker: Callable[[str], object] | None = None

    @property
    def session_only(self) -> bool:
        """The token lives in memory because the keyring failed (not the demo's own choice)."""
        return isinstance(self.store, credentials.MemoryTokenStore) and not self.demo

    @property
    def store_description(self) -> str:
        """Where a saved token goes, as the dialog names it."""
        return self.store.description

    @property
    def note(self) -> str:
        """A line the window adds to its "Ready" status ("" when there is nothing to say)."""
        return SESSION_ONLY_NOTE if self.session_only else ""

    # --- wiring -----------------------------------------------------------------------------

    def bind(self, client: TokenClient) -> None:
        """The client that tests tokens and takes the saved one."""
        self._client = client

    def set_stream(self, stream: TokenStream) -> None:
        """The market-data stream: it takes every token saved from now on."""
        self._stream = stream

    def set_asker(self, asker: Callable[[str], object]) -> None:
        """How to ask the trader for a token (the UI's dialog); called with the reason."""
        self._asker = asker

    def watch(self, ticket: Ticket) -> None:
        """Ask again whenever CrossTrade refuses the token in use (the ticket saw a 401)."""
        ticket.subscribe(self._on_ticket_event)

    def _on_ticket_event(self, event: TicketEvent) -> None:
        if isinstance(event, AuthFailed):
            self.ask(event.reason)

    # --- the token's life -------------------------------------------------------------------

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

    def missing_reason(self) -> str:
        """Why there is no token at start: none stored yet, or the keyring's own problem."""
        return self.keyring_problem or "No API token is stored yet."

    def ask(self, reason: str = "") -> None:
        """Ask the trader for a token: at start without one, from the menu, or after CrossTrade
        refused the token in use (a 401, whose reason says so)."""
        if self._asker is None:
            log.warning("a token is needed but nothing can ask for one: %s", reason)
            return
        self._asker(reason)

    def dialog_reason(self, reason: str) -> str:
        """The reason as a new dialog shows it: a session-only store says the token will be
        forgotten on exit, unless the reason already names the keyring's problem."""
        if self.session_only and self.keyring_problem and self.keyring_problem not in reason:
            return (f"{reason} {self.keyring_problem} "
                    "The token will be kept for this session only.").strip()
        return reason

    async def test(self, raw: str) -> Answer:
        """Read the account list with a candidate token, without adopting it."""
        try:
            token = credentials.normalize_token(raw)
        except ValueError as error:
            return Answer(False, str(error))
        if self._client is None:
            return Answer(False, "Not connected yet: the token cannot be tested.")
        register_secret(token)
        try:
            accounts = await self._client.verify_token(token)
        except CrossTradeError as error:
            return Answer(False, error.trader_message)
        return Answer(True, f"Token accepted: {len(accounts)} account(s).")

    async def save(self, raw: str) -> Answer:
        """Store the token and hand it to the client and the stream. When the keyring refuses,
        switch to the session-only store and say so (the trader can still trade)."""
        try:
            token = credentials.normalize_token(raw)
        except ValueError as error:
            return Answer(False, str(error))
        register_secret(token)
        try:
            await self.store.set(token)
        except credentials.KeyringError as error:
            self.keyring_problem = str(error)
            self.store = credentials.MemoryTokenStore()
            return Answer(False, f"{error} Press 'Use for this session' to keep it in memory "
                                 "only.", fell_back=True)
        self.token = token
        if self._client is not None:
            self._client.set_token(token)
        if self._stream is not None:
            self._stream.set_token(token)
            self._stream.start()  # a no-op when it already runs
        return Answer(True, f"API token saved in {self.store.description}.")

    async def forget(self) -> Answer:
        """Remove the stored token (the one in use stays until the app closes)."""
        try:
            removed = await self.store.delete()
        except credentials.KeyringError as error:
            return Answer(False, str(error))
        return Answer(True, "Token removed." if removed else "No token was stored.")
