"""The token store: the real Secret Service keyring, keyring's fail back end, timeouts, memory.

The real-keyring tests need a D-Bus session with an unlocked gnome-keyring; run them with
``bash .ci/keyring-session.sh .venv/bin/python -m pytest tests/test_credentials.py``. Without one
they skip, unless ``CT_TICKET_REQUIRE_KEYRING=1`` (set by that script, so by CI): then they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, fail, null
from keyring.compat import properties

from ct_ticket import credentials, logs
from ct_ticket.credentials import (
    SERVICE,
    USERNAME,
    KeyringError,
    KeyringLockedError,
    KeyringTimeoutError,
    KeyringTokenStore,
    KeyringUnavailableError,
    MemoryTokenStore,
    TokenStore,
    available,
    forget_token_blocking,
    normalize_token,
    unavailable_hint,
)

REQUIRE_KEYRING = os.environ.get("CT_TICKET_REQUIRE_KEYRING") == "1"


def new_token() -> str:
    """A token that exists only in this test, so finding it anywhere means we put it there."""
    return f"ct-test-{secrets.token_urlsafe(24)}"


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    """Put keyring's own back end choice back after a test replaced it."""
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def need_real_keyring() -> None:
    """Skip (or, with CT_TICKET_REQUIRE_KEYRING=1, fail) unless keyring uses Secret Service.

    Called in the test body, not as a fixture, so that CI reports a failed test, not an error.
    """
    backend = keyring.get_keyring()
    if isinstance(backend, SecretService.Keyring):
        return
    why = f"needs a real Secret Service keyring (keyring chose {backend})"
    if REQUIRE_KEYRING:
        pytest.fail(f"CT_TICKET_REQUIRE_KEYRING=1 but the test {why}")
    pytest.skip(f"{why}; run under .ci/keyring-session.sh")


@pytest.fixture
def test_service() -> Iterator[str]:
    """A keyring service name of this test alone, emptied afterwards whatever happened."""
    service = f"ct-ticket-test-{secrets.token_hex(6)}"
    yield service
    # Usually nothing is left (PasswordDeleteError), or there is no keyring (the test skipped).
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(service, USERNAME)


def files_containing(needle: bytes, roots: set[Path], since: float) -> list[Path]:
    """Regular files under ``roots`` that contain ``needle``.

    Only files written since ``since`` are read: the needle is new, so no older file can hold
    it. That keeps the scan cheap on a developer's real HOME. .git and .venv are not where an
    app or a keyring back end writes, and reading them (~0.5 GB) would dominate the test.
    """
    found: list[Path] = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in {".git", ".venv"}]
            for name in filenames:
                path = Path(dirpath, name)
                try:
                    if path.is_symlink() or not path.is_file():
                        continue
                    if path.stat().st_mtime < since:
                        continue
                    if needle in path.read_bytes():
                        found.append(path)
                except OSError:  # vanished or unreadable: not something we wrote
                    continue
    return found


def places_a_leak_could_be(tmp_path: Path, log_file: Path) -> set[Path]:
    """HOME, the cwd, the XDG folders, the log folder and the test's tmp dir."""
    roots = {Path.home(), Path.cwd(), tmp_path, log_file.parent}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        if os.environ.get(var):
            roots.add(Path(os.environ[var]))
    return {root for root in roots if root.is_dir()}


@pytest.fixture
def debug_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's real log file, at DEBUG, in a tmp folder (so a leak into it would be seen)."""
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "logs"))
    root_level = logging.getLogger().level
    path = logs.setup_logging(logging.DEBUG)
    yield path
    logs.close_logging()
    logging.getLogger().setLevel(root_level)


# --- the real Secret Service keyring -------------------------------------------------------


def test_token_round_trips_through_the_real_keyring_and_lands_in_no_file(
    test_service: str, tmp_path: Path, debug_log: Path
) -> None:
    need_real_keyring()
    started = time.time() - 2  # some file systems keep mtimes at 1-2 s resolution
    token = new_token()
    store = KeyringTokenStore(service=test_service)

    async def scenario() -> None:
        assert await store.get() is None
        await store.set(f"  {token}\n")  # as pasted: whitespace stripped before storing
        assert await store.get() == token
        logging.getLogger("ct_ticket.test").debug("stored %s", token)

        for handler in logging.getLogger().handlers:
            handler.flush()
        leaks = files_containing(
            token.encode(), places_a_leak_could_be(tmp_path, debug_log), started
        )
        assert leaks == [], f"the token was written in plain text to {leaks}"

        assert await store.delete() is True
        assert await store.get() is None
        assert await store.delete() is False

    asyncio.run(scenario())
    assert store.description == "the system keyring (SecretService)"
    assert token not in debug_log.read_text(encoding="utf-8")


def test_the_app_stores_its_token_as_ct_ticket_api_token_and_cli_forget_removes_it() -> None:
    need_real_keyring()
    existing = keyring.get_password(SERVICE, USERNAME)
    if existing is not None:
        # Never overwrite a trader's real token; the CI keyring is new, so this is a desktop.
        message = f"a real {SERVICE}/{USERNAME} token is stored; not touching it"
        if REQUIRE_KEYRING:
            pytest.fail(f"{message} (the keyring of .ci/keyring-session.sh should be empty)")
        pytest.skip(message)
    token = new_token()
    try:
        asyncio.run(KeyringTokenStore().set(token))
        # Looked up by the names alone, as another tool (or a later version) would.
        assert keyring.get_password("ct-ticket", "api-token") == token
        assert asyncio.run(KeyringTokenStore().get()) == token

        assert forget_token_blocking() is True
        assert keyring.get_password("ct-ticket", "api-token") is None
        assert forget_token_blocking() is False
    finally:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, USERNAME)


def test_a_token_set_twice_keeps_only_the_newer_one(test_service: str) -> None:
    need_real_keyring()
    first, second = new_token(), new_token()
    store = KeyringTokenStore(service=test_service)

    async def scenario() -> str | None:
        await store.set(first)
        await store.set(second)
        return await store.get()

    assert asyncio.run(scenario()) == second
    assert asyncio.run(store.delete()) is True
    assert asyncio.run(store.get()) is None


# --- no keyring back end --------------------------------------------------------------------


@pytest.mark.usefixtures("restore_keyring")
@pytest.mark.parametrize("action", ["get", "set", "delete"])
def test_fail_backend_raises_unavailable_with_install_hint_and_no_token(action: str) -> None:
    keyring.set_keyring(fail.Keyring())
    token = new_token()
    store = KeyringTokenStore(timeout=5)
    calls: dict[str, Callable[[], Coroutine[Any, Any, object]]] = {
        "get": store.get,
        "set": lambda: store.set(token),
        "delete": store.delete,
    }

    with pytest.raises(KeyringUnavailableError) as caught:
        asyncio.run(calls[action]())

    message = str(caught.value)
    assert message.startswith("No usable system keyring was found")
    assert unavailable_hint() in message
    assert token not in message and token not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_linux_hint_names_what_to_install() -> None:
    hint = unavailable_hint("linux")
    assert "gnome-keyring" in hint and "KWallet" in hint and "'secretstorage'" in hint
    assert "Keychain" in unavailable_hint("darwin")
    assert "Credential Manager" in unavailable_hint("win32")


@pytest.mark.usefixtures("restore_keyring")
def test_without_a_backend_available_is_false_and_the_cli_forget_explains_why() -> None:
    keyring.set_keyring(fail.Keyring())
    assert available() is False
    assert KeyringTokenStore().description == "the system keyring (not available)"
    with pytest.raises(KeyringUnavailableError, match="No usable system keyring"):
        forget_token_blocking(timeout=5)


@pytest.mark.usefixtures("restore_keyring")
def test_the_null_backend_counts_as_unavailable_because_it_drops_the_token() -> None:
    keyring.set_keyring(null.Keyring())  # keyring's "disabled" setting
    assert available() is False
    with pytest.raises(KeyringUnavailableError):
        asyncio.run(KeyringTokenStore(timeout=5).set(new_token()))


def test_with_secret_service_available_is_true() -> None:
    need_real_keyring()
    assert available() is True


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (keyring.errors.KeyringLocked("Failed to unlock the collection!"), KeyringLockedError),
        (
            keyring.errors.InitError("Failed to create the collection: Prompt dismissed."),
            KeyringUnavailableError,
        ),
        (keyring.errors.NoKeyringError("No recommended backend"), KeyringUnavailableError),
        (keyring.errors.PasswordSetError("refused"), KeyringError),
        (OSError("D-Bus went away"), KeyringError),
    ],
)
def test_keyring_errors_become_ours_and_keep_the_reason(
    raised: Exception, expected: type[KeyringError]
) -> None:
    translated = credentials._translate(raised, "store")
    assert type(translated) is expected
    assert str(raised) in str(translated)


def test_a_backend_error_quoting_the_token_is_redacted() -> None:
    token = new_token()
    logs.register_secret(token)
    try:
        translated = credentials._translate(keyring.errors.PasswordSetError(token), "store")
        assert token not in str(translated)
        assert "could not store the API token" in str(translated)
    finally:
        logs.forget_secret(token)


def test_a_locked_keyring_says_unlock_not_install() -> None:
    message = str(KeyringLockedError("Failed to unlock the collection!"))
    assert "locked" in message and "Unlock it" in message
    assert "gnome-keyring" not in message
    assert isinstance(KeyringLockedError(), KeyringUnavailableError)


# --- a keyring that hangs ---------------------------------------------------------------------


class HangingKeyring(KeyringBackend):
    """Blocks every call until released, like a keyring waiting on an unlock prompt.

    The one fake in these tests: nothing real hangs on demand. Its priority raises, so keyring's
    own back end discovery never picks it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test-only back end; never chosen automatically")

    def _hang(self) -> None:
        self.entered.set()
        self.release.wait(30)  # bounded: a stuck thread must not outlive the test run

    def get_password(self, service: str, username: str) -> str | None:
        self._hang()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._hang()

    def delete_password(self, service: str, username: str) -> None:
        self._hang()


@pytest.fixture
def hanging_keyring(restore_keyring: None) -> Iterator[HangingKeyring]:
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    yield backend
    backend.release.set()


def test_a_hanging_keyring_times_out_quickly_without_quoting_the_token(
    hanging_keyring: HangingKeyring,
) -> None:
    token = new_token()
    store = KeyringTokenStore(timeout=0.2)
    started = time.monotonic()
    with pytest.raises(KeyringTimeoutError) as caught:
        asyncio.run(store.set(token))  # includes the loop's shutdown: nothing waits for the thread
    assert time.monotonic() - started < 2
    assert hanging_keyring.entered.is_set()
    message = str(caught.value)
    assert "did not answer within 0.2 s while trying to store" in message
    assert "unlock" in message
    assert token not in message and token not in repr(caught.value)


def test_the_event_loop_keeps_running_while_the_keyring_hangs(
    hanging_keyring: HangingKeyring,
) -> None:
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def scenario() -> None:
        beat = asyncio.create_task(heartbeat())
        with pytest.raises(KeyringTimeoutError):
            await KeyringTokenStore(timeout=0.3).get()
        beat.cancel()

    asyncio.run(scenario())
    assert ticks >= 10  # the GUI thread stayed free: ~30 possible in 0.3 s


def test_a_late_answer_after_the_timeout_is_dropped_quietly(
    hanging_keyring: HangingKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread_errors: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    with pytest.raises(KeyringTimeoutError):
        asyncio.run(KeyringTokenStore(timeout=0.1).delete())

    hanging_keyring.release.set()  # the keyring answers now; its event loop is already closed
    for thread in threading.enumerate():
        if thread.name == "ct-ticket-keyring":
            thread.join(5)
    assert thread_errors == []


def test_cli_forget_times_out_too(hanging_keyring: HangingKeyring) -> None:
    started = time.monotonic()
    with pytest.raises(KeyringTimeoutError, match="while trying to remove"):
        forget_token_blocking(timeout=0.2)
    assert time.monotonic() - started < 2


# --- token values -----------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\n", "\t \r\n"])
def test_an_empty_token_is_rejected(blank: str) -> None:
    with pytest.raises(ValueError, match="The API token is empty"):
        normalize_token(blank)
    with pytest.raises(ValueError):
        asyncio.run(MemoryTokenStore().set(blank))
    with pytest.raises(ValueError):
        asyncio.run(KeyringTokenStore().set(blank))  # refused before touching the keyring


@pytest.mark.parametrize("inside", [" ", "\n", "\x00", "é", "\u200b"])
def test_a_token_with_spaces_or_odd_characters_inside_is_rejected_without_echo(
    inside: str,
) -> None:
    token = f"abcd{inside}efgh-{secrets.token_hex(8)}"
    with pytest.raises(ValueError) as caught:
        normalize_token(token)
    assert token not in str(caught.value) and token.split(inside)[1] not in str(caught.value)


def test_surrounding_whitespace_of_a_pasted_token_is_stripped() -> None:
    token = new_token()
    assert normalize_token(f"\t{token} \r\n") == token


# --- the session-only store -------------------------------------------------------------------


def test_memory_store_keeps_the_token_for_the_session_only() -> None:
    token = new_token()
    store: TokenStore = MemoryTokenStore()

    async def scenario() -> None:
        assert await store.get() is None
        await store.set(f"{token}\n")
        assert await store.get() == token
        assert await store.delete() is True
        assert await store.get() is None
        assert await store.delete() is False

    asyncio.run(scenario())
    assert store.description == "this session only (memory)"


def test_stores_never_show_the_token_in_their_repr() -> None:
    token = new_token()
    memory = MemoryTokenStore()
    asyncio.run(memory.set(token))
    assert token not in repr(memory) and repr(memory) == "MemoryTokenStore(holding a token)"
    assert repr(KeyringTokenStore()) == (
        "KeyringTokenStore(service='ct-ticket', username='api-token', timeout=10)"
    )


def test_a_stored_token_is_redacted_from_logs_from_then_on(
    debug_log: Path,
) -> None:
    token = new_token()
    asyncio.run(MemoryTokenStore().set(token))
    try:
        logging.getLogger("ct_ticket.test").warning("sending with %s", token)
        logs.close_logging()
        text = debug_log.read_text(encoding="utf-8")
        assert "sending with ***" in text and token not in text
    finally:
        logs.forget_secret(token)
