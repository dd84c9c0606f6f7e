"""Where the CrossTrade API token is kept: the system keyring, or memory for one session.

Errors (messages and reprs never contain the token)::

    KeyringError                    the keyring could not read, store or remove the token
    ├── KeyringUnavailableError     no usable keyring back end; says what to install
    │   └── KeyringLockedError      the keyring stayed locked (unlock prompt dismissed/failed)
    └── KeyringTimeoutError         no answer in time (often an unlock prompt nobody answered)

Keyring calls run on a daemon thread with a timeout, so the GUI thread never waits on an unlock
prompt. There is deliberately no fallback to a file: without a keyring the app offers
:class:`MemoryTokenStore` and tells the trader the token will be forgotten on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast

# keyring (and its back ends' D-Bus/crypto stacks) is imported on first use, inside the functions
# below: `--demo` and the window's first paint never need it.
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

from ct_ticket.logs import redact, register_secret

__all__ = [
    "DEFAULT_TIMEOUT",
    "SERVICE",
    "USERNAME",
    "KeyringError",
    "KeyringLockedError",
    "KeyringTimeoutError",
    "KeyringTokenStore",
    "KeyringUnavailableError",
    "MemoryTokenStore",
    "TokenStore",
    "available",
    "forget_token_blocking",
    "normalize_token",
    "unavailable_hint",
]

SERVICE = "ct-ticket"
USERNAME = "api-token"
DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for the keyring; long enough to type a password into an unlock prompt."""

_T = TypeVar("_T")


class KeyringError(Exception):
    """The system keyring could not read, store or remove the token."""


class KeyringUnavailableError(KeyringError):
    """No usable keyring back end; the message says what to install or unlock."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(self._explain(f" ({detail})" if detail else ""))

    @staticmethod
    def _explain(detail: str) -> str:
        return f"No usable system keyring was found{detail}. {unavailable_hint()}"


class KeyringLockedError(KeyringUnavailableError):
    """The keyring is locked and was not unlocked (prompt dismissed, or no display for it)."""

    @staticmethod
    def _explain(detail: str) -> str:
        # Installing something would not help here, so no install hint.
        return (
            f"The system keyring is locked and could not be unlocked{detail}. Unlock it "
            "(log in again, or open your keyring app) and try again, or keep the token for "
            "this session only."
        )


class KeyringTimeoutError(KeyringError):
    """The keyring did not answer within the timeout; the call may still finish later."""

    def __init__(self, action: str, timeout: float) -> None:
        self.action = action
        self.timeout = timeout
        super().__init__(
            f"The system keyring did not answer within {timeout:g} s while trying to {action} "
            "the API token. It may be waiting for you to unlock it: unlock it and try again."
        )


def unavailable_hint(platform: str | None = None) -> str:
    """What a trader can do about a missing keyring on ``platform`` (default: this one)."""
    platform = sys.platform if platform is None else platform
    fallback = "or keep the token for this session only."
    if platform == "darwin":
        return (
            "The built-in macOS Keychain should work: check that Keychain Access shows your "
            f"login keychain unlocked, {fallback} If this is a packaged build, its keyring "
            "back end may be missing; please report it."
        )
    if platform == "win32":
        return (
            "The built-in Windows Credential Manager should work: check that you are logged in "
            f"with a normal user profile, {fallback} If this is a packaged build, its keyring "
            "back end may be missing; please report it."
        )
    return (
        "Install and unlock a Secret Service provider such as gnome-keyring or KWallet "
        f"(and the 'secretstorage' Python package), {fallback}"
    )


def normalize_token(token: str) -> str:
    """Return ``token`` without surrounding whitespace; raise ``ValueError`` if it is unusable.

    A pasted token often carries a newline. Inside the token only printable ASCII is allowed:
    anything else would be rejected in the HTTP header, in an error message quoting it.
    The error never repeats the value.
    """
    token = token.strip()
    if not token:
        raise ValueError("The API token is empty.")
    if not all(ch.isascii() and ch.isprintable() and not ch.isspace() for ch in token):
        raise ValueError(
            "The API token may contain only letters, digits and punctuation "
            "(no spaces, line breaks or accented characters)."
        )
    return token


class TokenStore(Protocol):
    """Somewhere to keep the API token (vorta's SecretStore, made async)."""

    @property
    def description(self) -> str:
        """Where the token is kept, for the trader: "the system keyring (SecretService)"."""
        ...

    async def get(self) -> str | None:
        """The stored token, or ``None`` if there is none."""
        ...

    async def set(self, token: str) -> None:
        """Store ``token`` (stripped) in place of any previous one; ``ValueError`` if empty."""
        ...

    async def delete(self) -> bool:
        """Remove the stored token; ``True`` if there was one."""
        ...


def _is_unusable(backend: KeyringBackend) -> bool:
    # fail.Keyring raises on every call; null.Keyring (keyring's "disabled" setting) silently
    # drops what it is given, which would make "saved in your keyring" a lie.
    from keyring.backends import fail, null

    return isinstance(backend, fail.Keyring | null.Keyring)


def _backend_label(backend: KeyringBackend) -> str:
    # keyring.backends.SecretService -> "SecretService", .macOS -> "macOS", .Windows -> "Windows"
    return type(backend).__module__.rpartition(".")[2]


def available() -> bool:
    """Whether keyring has a usable back end. Reads no secret and shows no prompt.

    The first call lets keyring pick its back end (on Linux, a short D-Bus query).
    """
    import keyring

    try:
        return not _is_unusable(keyring.get_keyring())
    except Exception:  # a broken keyringrc.cfg, a D-Bus failure: either way, none usable
        return False


def _usable_backend() -> KeyringBackend:
    import keyring

    backend = keyring.get_keyring()
    if _is_unusable(backend):
        raise KeyringUnavailableError(f"keyring chose {_backend_label(backend)}.Keyring")
    return backend


def _translate(error: Exception, action: str) -> KeyringError:
    """Our exception for ``error``, raised by keyring (or its back end) while trying ``action``."""
    if isinstance(error, KeyringError):
        return error
    # redact(): the token is registered before it reaches keyring, so even a back end that
    # quoted it in its error could not leak it into our message.
    import keyring.errors

    detail = redact(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)
    if isinstance(error, keyring.errors.KeyringLocked):
        return KeyringLockedError(detail)
    if isinstance(error, keyring.errors.NoKeyringError | keyring.errors.InitError):
        return KeyringUnavailableError(detail)
    return KeyringError(f"The system keyring could not {action} the API token ({detail}).")


class _Call(Generic[_T]):
    """One keyring call on a daemon thread.

    A daemon thread rather than ``asyncio.to_thread``: the default executor's threads are joined
    when the loop closes and at interpreter exit, so one unlock prompt left open would keep the
    app from quitting. A call that outlives its timeout finishes (or hangs) unobserved.
    """

    def __init__(self, fn: Callable[[], _T]) -> None:
        self._fn = fn
        self._value: _T | None = None
        self._error: Exception | None = None
        self.finished = threading.Event()

    def start(self, on_finished: Callable[[], None]) -> None:
        """Run the call on a new daemon thread; ``on_finished()`` runs on that thread after."""

        def run() -> None:
            try:
                self._value = self._fn()
            except Exception as error:  # handed to whoever awaits the outcome
                self._error = error
            finally:
                self.finished.set()
                on_finished()

        threading.Thread(target=run, name="ct-ticket-keyring", daemon=True).start()

    def outcome(self) -> _T:
        """The call's return value, or its exception raised again. Only once finished."""
        if self._error is not None:
            raise self._error
        # cast, not a None check: _T itself may be Optional (a read finds no token).
        return cast(_T, self._value)


async def _run_async(fn: Callable[[], _T], action: str, timeout: float) -> _T:
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not finished.done():  # already cancelled by the timeout
            finished.set_result(None)

    def on_finished() -> None:
        # RuntimeError: the loop closed while the keyring hung; nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(wake)

    call = _Call(fn)
    call.start(on_finished)
    try:
        await asyncio.wait_for(finished, timeout)
    except TimeoutError:
        raise KeyringTimeoutError(action, timeout) from None
    try:
        return call.outcome()
    except Exception as error:
        # from None: keyring's own exception text is not ours to vouch for.
        raise _translate(error, action) from None


def _run_blocking(fn: Callable[[], _T], action: str, timeout: float) -> _T:
    call = _Call(fn)
    call.start(lambda: None)
    if not call.finished.wait(timeout):
        raise KeyringTimeoutError(action, timeout)
    try:
        return call.outcome()
    except Exception as error:
        raise _translate(error, action) from None


def _reader(service: str, username: str) -> Callable[[], str | None]:
    def read() -> str | None:
        stored = _usable_backend().get_password(service, username)
        if stored is None or not stored.strip():
            return None
        token = stored.strip()
        register_secret(token)
        return token

    return read


def _writer(service: str, username: str, token: str) -> Callable[[], None]:
    def write() -> None:
        _usable_backend().set_password(service, username, token)

    return write


def _remover(service: str, username: str) -> Callable[[], bool]:
    def remove() -> bool:
        import keyring.errors

        try:
            _usable_backend().delete_password(service, username)
        except keyring.errors.PasswordDeleteError:
            # What every built-in back end raises when nothing is stored under these names.
            return False
        return True

    return remove


class KeyringTokenStore:
    """The token in the system keyring under ``service``/``username``.

    Every call runs off the calling thread and gives up after ``timeout`` seconds with
    :class:`KeyringTimeoutError`; keyring failures become :class:`KeyringError` subclasses.
    ``service`` exists so that tests can use a throwaway entry.
    """

    def __init__(
        self,
        *,
        service: str = SERVICE,
        username: str = USERNAME,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.service = service
        self.username = username
        self.timeout = timeout

    def __repr__(self) -> str:
        return (
            f"KeyringTokenStore(service={self.service!r}, username={self.username!r}, "
            f"timeout={self.timeout:g})"
        )

    @property
    def description(self) -> str:
        """Where the token is kept, e.g. "the system keyring (SecretService)"."""
        import keyring

        try:
            backend = keyring.get_keyring()
        except Exception:
            return "the system keyring (not available)"
        if _is_unusable(backend):
            return "the system keyring (not available)"
        return f"the system keyring ({_backend_label(backend)})"

    async def get(self) -> str | None:
        """The stored token (registered for log redaction), or ``None`` if there is none."""
        return await _run_async(_reader(self.service, self.username), "read", self.timeout)

    async def set(self, token: str) -> None:
        """Store ``token`` (stripped); ``ValueError`` if it is empty or malformed."""
        token = normalize_token(token)
        register_secret(token)
        await _run_async(_writer(self.service, self.username, token), "store", self.timeout)

    async def delete(self) -> bool:
        """Remove the stored token; ``True`` if there was one."""
        return await _run_async(_remover(self.service, self.username), "remove", self.timeout)


class MemoryTokenStore:
    """The token in this process only, for when no keyring works: it is gone on exit."""

    description = "this session only (memory)"

    def __init__(self) -> None:
        self._token: str | None = None

    def __repr__(self) -> str:
        return f"MemoryTokenStore({'holding a token' if self._token else 'empty'})"

    async def get(self) -> str | None:
        """The token set in this session, or ``None``."""
        return self._token

    async def set(self, token: str) -> None:
        """Keep ``token`` (stripped) until exit; ``ValueError`` if it is empty or malformed."""
        token = normalize_token(token)
        register_secret(token)
        self._token = token

    async def delete(self) -> bool:
        """Forget the token; ``True`` if there was one."""
        had_token = self._token is not None
        self._token = None
        return had_token


def forget_token_blocking(*, service: str = SERVICE, username: str = USERNAME,
                          timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Remove the stored token without an event loop (``ct-ticket --forget-token``); ``True``
    if there was one. Raises :class:`KeyringError` subclasses like the async store."""
    return _run_blocking(_remover(service, username), "remove", timeout)
