"""Shared fixtures: offscreen Qt, one qasync loop for the session, the simulator on loopback.

The qasync pattern follows the recipe measured on these machines: a single loop flagged as
running, made current only while a test asks for it, never stopped or closed (stopping quits
the QApplication; closing and collecting loops with live timers crashed later tests).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import pytest

from ct_ticket.sim import Simulator, create_app, serve_in_thread


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                   ) -> None:
    """Logs and settings of every test go to a throwaway folder, never the developer's."""
    monkeypatch.setenv("CT_TICKET_LOG_DIR", str(tmp_path_factory.getbasetemp() / "logs"))


@pytest.fixture(scope="session")
def _qasync_loop(qapp: Any) -> Any:
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
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


class SimServer:
    """The simulator served by uvicorn on a free loopback port."""

    def __init__(self, sim: Simulator, url: str) -> None:
        self.sim = sim
        self.url = url


@pytest.fixture
def sim_server() -> Iterator[SimServer]:
    sim = Simulator(seed=7)
    served = serve_in_thread(create_app(sim))
    try:
        yield SimServer(sim, served.url)
    finally:
        served.close()


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"
