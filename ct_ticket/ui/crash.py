"""What happens to an error nobody caught: it is logged (token redacted) and shown, never lost.

Without this, an exception in a slot or a task goes to stderr, which a windowed build does not
have, and the trader never learns that something failed. The text shown and logged passes
through `logs.redact`, so a token that found its way into an exception message stays hidden.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from ct_ticket.logs import log_dir, redact

__all__ = ["crash_text", "install_crash_handlers", "report_crash"]

log = logging.getLogger("ct_ticket.crash")
_dialogs: list[QMessageBox] = []  # open crash dialogs, kept referenced until closed


def crash_text(exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> str:
    """The traceback as text, with registered secrets and Bearer credentials masked."""
    return redact("".join(traceback.format_exception(exc_type, exc, tb)))


def report_crash(exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> QMessageBox | None:
    """Log the error and show it in a non-blocking dialog (when a QApplication exists)."""
    text = crash_text(exc_type, exc, tb)
    log.critical("unexpected error\n%s", text)
    if not isinstance(QApplication.instance(), QApplication):
        return None
    box = QMessageBox(QMessageBox.Icon.Critical, "ct-ticket: unexpected error",
                      "ct-ticket hit an unexpected error. If an order was being sent, check "
                      f"NinjaTrader before sending again.\n\nThe log is in {log_dir()}.")
    box.setObjectName("crashDialog")
    box.setDetailedText(text)
    _dialogs.append(box)
    box.finished.connect(lambda _result: _dialogs.remove(box) if box in _dialogs else None)
    box.open()  # window-modal and non-blocking: the event loop keeps running
    return box


def install_crash_handlers(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Route uncaught errors of the GUI thread, other threads and asyncio tasks to the report."""
    sys.excepthook = report_crash

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            log.critical("unexpected error in thread %s\n%s", args.thread,
                         crash_text(args.exc_type, args.exc_value, args.exc_traceback))

    threading.excepthook = thread_hook
    if loop is not None:
        loop.set_exception_handler(_asyncio_handler)


def _asyncio_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A task's error that nobody awaited: the same report as any other."""
    error = context.get("exception")
    if isinstance(error, BaseException):
        report_crash(type(error), error, error.__traceback__)
    else:
        log.error("asyncio: %s", redact(str(context.get("message", context))))
