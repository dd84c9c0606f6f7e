"""Shared fixtures: offscreen Qt, one qasync loop for the session, the simulator on loopback.

The qasync pattern follows the recipe measured on these machines: a single loop flagged as
running, made current only while a test asks for it, never stopped or closed (stopping quits
the QApplication; closing and collecting loops with live timers crashed later tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from faultserver import FaultServer
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from ct_ticket.sim import Simulator, create_app, serve_in_thread


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                   ) -> None:
    """Logs and settings of every test go to a throwaway folder, never the developer's."""
    monkeypatch.setenv("CT_TICKET_LOG_DIR", str(tmp_path_factory.getbasetemp() / "logs"))


@pytest.fixture(scope="session")
def _qasync_loop(qapp: Any) -> Any:
    from ct_ticket.event_loop import BatchedEventLoop

    loop = BatchedEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    return loop


@pytest.fixture
def qloop(_qasync_loop: Any, qapp: Any) -> Iterator[Any]:
    """The qasync loop, current and 'running' for this test; qtbot waits drive it."""
    asyncio.set_event_loop(_qasync_loop)
    asyncio.events._set_running_loop(_qasync_loop)
    yield _qasync_loop
    for task in asyncio.all_tasks(_qasync_loop):
        task.cancel()
    qapp.processEvents()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


class SwitchableApp:
    """An ASGI app forwarding to whichever simulator app the current test installed."""

    def __init__(self) -> None:
        self.app: Starlette | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no simulator installed"
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def served() -> Iterator[tuple[SwitchableApp, str]]:
    """One uvicorn server for the whole run (stopping one costs ~0.2 s); each test installs
    a fresh simulator behind it."""
    switch = SwitchableApp()
    with serve_in_thread(switch) as server:
        yield switch, server.url


class SimServer:
    """A fresh simulator, served by uvicorn on a loopback port."""

    def __init__(self, sim: Simulator, url: str) -> None:
        self.sim = sim
        self.url = url


@pytest.fixture
def sim_server(served: tuple[SwitchableApp, str]) -> SimServer:
    switch, url = served
    sim = Simulator(seed=7)
    switch.app = create_app(sim)
    return SimServer(sim, url)


@pytest.fixture
def sim(served: tuple[SwitchableApp, str]) -> Simulator:
    """A fresh simulator without its rate limiter, served behind the session's server (tests
    that need the budget or moving prices build their own)."""
    simulator = Simulator(seed=7)
    simulator.rate_limit_enabled = False
    served[0].app = create_app(simulator)
    return simulator


@pytest.fixture
def faults(served: tuple[SwitchableApp, str], sim: Simulator) -> Iterator[FaultServer]:
    """A fault server in front of `sim`: requests pass through until a fault is armed."""
    with FaultServer(upstream=served[1]) as server:
        yield server


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


# --- session-wide token check ------------------------------------------------------------------
# Every token any client is given in this test run is recorded; at the end of the run no log line
# (at the app's own INFO level, before any redaction) and no file under the run's temporary
# folders (settings, logs) may contain one. A leak fails the whole run.

_CLIENT_TOKENS: set[str] = set()
_LOG_LINES: list[str] = []


class _EveryLogLine(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            _LOG_LINES.append(self.format(record))


def pytest_sessionstart(session: pytest.Session) -> None:
    from ct_ticket.api import client

    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    root.addHandler(_EveryLogLine(logging.INFO))
    original = client._BearerAuth.__init__

    def recording_init(self: client._BearerAuth, token: str) -> None:
        _CLIENT_TOKENS.add(token)
        original(self, token)

    client._BearerAuth.__init__ = recording_init  # type: ignore[method-assign]  # instrumentation


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    tokens = {token for token in _CLIENT_TOKENS if len(token) >= 8}
    leaks = [f"log line: {line[:120]}" for line in _LOG_LINES for token in tokens
             if token in line]
    factory = getattr(session.config, "_tmp_path_factory", None)
    roots = [factory.getbasetemp()] if factory is not None else []
    for root in roots:
        for path in Path(root).rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                leaks += [f"file: {path}" for token in tokens if token.encode() in data]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"token check: {len(tokens)} client tokens, {len(_LOG_LINES)} log "
                            f"lines and the run's temporary files scanned, {len(leaks)} leaks")
    if leaks:
        for leak in leaks[:20]:
            if reporter is not None:
                reporter.write_line(f"TOKEN LEAK: {leak}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
