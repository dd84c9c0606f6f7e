"""An uncaught error is logged and shown with the token masked, and never blocks the loop."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from ct_ticket import logs
from ct_ticket.ui.crash import report_crash


def test_an_uncaught_error_is_logged_and_shown_without_the_token(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CT_TICKET_LOG_DIR", str(tmp_path / "logs"))
    log_file = logs.setup_logging()
    token = "tok-crash-4f1e9a7c2b"
    logs.register_secret(token)
    try:
        try:
            raise RuntimeError(f"request with Authorization: Bearer {token} blew up")
        except RuntimeError:
            box = report_crash(*sys.exc_info())  # type: ignore[arg-type]  # all three are set
        assert box is not None and box.isVisible()
        qtbot.addWidget(box)
        details = box.detailedText()
        assert "blew up" in details and token not in details and "***" in details
        assert "check NinjaTrader" in box.text()
        for handler in logging.getLogger().handlers:
            handler.flush()
        written = log_file.read_text()
        assert "unexpected error" in written and "blew up" in written
        assert token not in written
        box.close()
    finally:
        logs.forget_secret(token)
