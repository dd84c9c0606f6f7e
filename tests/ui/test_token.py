"""The API token through the window: dialog → real keyring → restart → Bearer on loopback; no leak.

The real-keyring tests need a Secret Service (run under .ci/keyring-session.sh, as CI does).
Without one they skip; with CT_TICKET_REQUIRE_KEYRING=1 they fail instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import SecretService, fail
from PySide6.QtCore import Qt

from ct_ticket import credentials
from ct_ticket.api.client import CrossTradeClient
from ct_ticket.session import TokenSession
from ct_ticket.settings import Settings
from ct_ticket.ticket import Ticket
from ct_ticket.ui.token_controller import TokenController
from ct_ticket.ui.token_dialog import TokenDialog
from ct_ticket.ui.window import TicketWindow

REQUIRE_KEYRING = os.environ.get("CT_TICKET_REQUIRE_KEYRING") == "1"


def need_real_keyring() -> None:
    if isinstance(keyring.get_keyring(), SecretService.Keyring):
        return
    why = f"needs a Secret Service keyring, found {type(keyring.get_keyring()).__name__}"
    if REQUIRE_KEYRING:
        pytest.fail(f"CT_TICKET_REQUIRE_KEYRING=1 but the test {why}")
    pytest.skip(f"{why}; run under .ci/keyring-session.sh")


@pytest.fixture
def service() -> Iterator[str]:
    name = f"ct-ticket-test-{uuid.uuid4().hex[:8]}"
    yield name
    # Usually nothing is left to delete, or there is no keyring at all.
    with contextlib.suppress(Exception):
        keyring.delete_password(name, credentials.USERNAME)


def start_app(qtbot: Any, url: str, settings_path: Path, store: credentials.TokenStore
              ) -> tuple[TicketWindow, TokenController]:
    """What app.run does, against a loopback URL: load the token, open the window."""
    session = TokenSession(store=store)
    task = asyncio.ensure_future(session.load())
    qtbot.waitUntil(task.done, timeout=15_000)
    token = task.result()
    client = CrossTradeClient(token or "", base_url=url)
    session.bind(client)
    ticket = Ticket(client)
    session.watch(ticket)
    window = TicketWindow(ticket, Settings(settings_path))
    qtbot.addWidget(window)
    controller = TokenController(session, window)
    window.show()
    if token:
        window.start()
    else:
        controller.missing_token()
    return window, controller


def stop_app(qtbot: Any, window: TicketWindow) -> None:
    window.close()
    task = asyncio.ensure_future(window.ticket.client.aclose())
    qtbot.waitUntil(task.done, timeout=5_000)


def type_token(qtbot: Any, dialog: TokenDialog, token: str) -> None:
    dialog.token_field.clear()
    qtbot.keyClicks(dialog.token_field, token)


def files_containing(needle: bytes, roots: list[Path]) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*")
            if p.is_file() and not p.is_symlink() and needle in p.read_bytes()]


def test_saved_token_survives_a_restart_and_authorises_over_loopback(
    qtbot: Any, qloop: Any, sim_server: Any, tmp_path: Path, service: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    need_real_keyring()
    log_dir = tmp_path / "logs"
    monkeypatch.setenv("CT_TICKET_LOG_DIR", str(log_dir))
    from ct_ticket import logs

    logs.setup_logging()
    settings_path = tmp_path / "settings" / "ct-ticket.ini"
    token = f"tok-{uuid.uuid4().hex}"
    sim_server.sim.token = token
    sim_server.sim.rate_limit_enabled = False

    # First start: no token stored, so the dialog opens; Test, then Save.
    window, controller = start_app(qtbot, sim_server.url, settings_path,
                                credentials.KeyringTokenStore(service=service))
    dialog = controller.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.token_field.echoMode() == dialog.token_field.EchoMode.Password
    type_token(qtbot, dialog, "wrong-token")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused" in dialog.status_label.text(), timeout=5_000)
    type_token(qtbot, dialog, token)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Token accepted: 3 account" in dialog.status_label.text(),
                    timeout=5_000)
    with qtbot.waitSignal(window.first_load_done, timeout=15_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert keyring.get_password(service, credentials.USERNAME) == token
    assert window.entry.view.account_picker.count() == 3
    stop_app(qtbot, window)

    # Restart: the token comes from the keyring, no dialog, accounts load with it.
    sim_server.sim.clear_requests()
    window, controller = start_app(qtbot, sim_server.url, settings_path,
                                credentials.KeyringTokenStore(service=service))
    qtbot.waitUntil(lambda: window.entry.view.account_picker.count() == 3, timeout=15_000)
    assert controller.dialog is None
    account_reads = [r for r in sim_server.sim.requests if r.path == "/v1/api/accounts"]
    assert account_reads and all(r.headers["authorization"] == f"Bearer {token}"
                                 for r in account_reads)
    assert all(token not in r.path + r.query for r in sim_server.sim.requests)
    activity = (window.activity.view.activity_log.toPlainText()
                + window.position.view.status_line.text())
    stop_app(qtbot, window)

    # Nothing the app wrote holds the token: settings, logs, activity log.
    logging_handlers_flush()
    assert settings_path.exists() and log_dir.exists()
    assert files_containing(token.encode(), [settings_path.parent, log_dir]) == []
    assert token not in activity


def logging_handlers_flush() -> None:
    import logging

    for handler in logging.getLogger().handlers:
        handler.flush()


def test_forget_removes_the_token_from_the_keyring(
    qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path, service: str
) -> None:
    need_real_keyring()
    keyring.set_password(service, credentials.USERNAME, "tok-to-forget")
    window, controller = start_app(
        qtbot, sim_server.url, settings_path, credentials.KeyringTokenStore(service=service)
    )
    window.view.token_action.trigger()
    dialog = controller.dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Token removed" in dialog.status_label.text(), timeout=5_000)
    assert keyring.get_password(service, credentials.USERNAME) is None
    stop_app(qtbot, window)


@pytest.fixture
def fail_backend() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.mark.usefixtures("fail_backend")
def test_without_a_keyring_the_token_is_kept_for_this_session_only_and_says_so(
    qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
) -> None:
    window, controller = start_app(
        qtbot, sim_server.url, settings_path, credentials.KeyringTokenStore()
    )
    dialog = controller.dialog
    assert dialog is not None
    assert "gnome-keyring" in dialog.reason_label.text() or "keyring" in (
        dialog.reason_label.text().lower()
    )
    assert "this session only" in dialog.reason_label.text()
    assert dialog.save_button.text() == "Use for this session"
    type_token(qtbot, dialog, "session-token-123")
    with qtbot.waitSignal(window.first_load_done, timeout=15_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.entry.view.account_picker.count() == 3
    assert "this session only" in window.position.view.status_line.text()
    stop_app(qtbot, window)


def test_a_401_later_reopens_the_dialog_with_the_reason(
    qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path
) -> None:
    store = credentials.MemoryTokenStore()
    task = asyncio.ensure_future(store.set("good-token"))
    qtbot.waitUntil(task.done, timeout=5_000)
    sim_server.sim.token = "good-token"
    window, controller = start_app(qtbot, sim_server.url, settings_path, store)
    qtbot.waitUntil(lambda: window.entry.view.account_picker.count() == 3, timeout=15_000)
    assert controller.dialog is None
    sim_server.sim.token = "rotated-by-support"
    qtbot.mouseClick(window.entry.view.refresh_accounts_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.dialog is not None, timeout=5_000)
    assert controller.dialog is not None
    assert "refused the API token" in controller.dialog.reason_label.text()
    stop_app(qtbot, window)


def test_the_token_field_never_copies_to_the_clipboard(qtbot: Any, qapp: Any) -> None:
    dialog = TokenDialog(None, store_description="memory")
    qtbot.addWidget(dialog)
    qapp.clipboard().setText("before")
    dialog.show_toggle.setChecked(True)
    qtbot.keyClicks(dialog.token_field, "secret-value")
    dialog.token_field.selectAll()
    qtbot.keyClick(dialog.token_field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.token_field, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert qapp.clipboard().text() == "before"
    assert dialog.token() == "secret-value"
