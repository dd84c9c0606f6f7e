"""Logging setup: one rotating log file per user, with the API token scrubbed out.

The log file lives in the platform's log folder (see :func:`log_dir`). Every handler that
:func:`setup_logging` installs carries a :class:`SecretRedactingFilter`, which replaces each
registered secret (and anything shaped like ``Bearer <x>``) with ``***`` in the message, its
arguments, the exception text and the stack text before the record is written.

A trader sends the log file with a bug report, so it must never hold the token.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "LOG_DIR_ENV",
    "LOG_FILE_NAME",
    "RotatingLogFile",
    "SecretRedactingFilter",
    "close_logging",
    "forget_secret",
    "log_dir",
    "redact",
    "register_secret",
    "setup_logging",
]

APP_DIR_NAME = "ct-ticket"
LOG_FILE_NAME = "ct-ticket.log"
LOG_DIR_ENV = "CT_TICKET_LOG_DIR"
"""Environment variable that overrides the log folder (tests and portable installs use it)."""

MASK = "***"

# A log file that a trader can attach to an e-mail: 1 MiB, plus three old ones.
_MAX_BYTES = 1024 * 1024
_BACKUP_COUNT = 3
_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"

# Shorter strings would turn ordinary words of every log line into ***; real tokens are long.
_MIN_SECRET_LENGTH = 4

# "Bearer <x>" wherever it shows up (a logged header dict, a repr of a request): keep the word
# so the line stays readable, mask the credential. Stops at quotes and separators so the rest of
# a repr survives.
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",;)}\]]+")

_secrets_lock = threading.Lock()
_secrets: set[str] = set()
# Rebuilt on every change so that the hot path (each log record) only reads one reference.
_secret_pattern: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Redact ``value`` (surrounding whitespace ignored) from every log record from now on.

    Empty strings and strings shorter than four characters are ignored.
    """
    value = value.strip()
    if len(value) < _MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        if value not in _secrets:
            _secrets.add(value)
            _rebuild_pattern()


def forget_secret(value: str) -> None:
    """Stop redacting ``value``; unknown values are ignored."""
    value = value.strip()
    with _secrets_lock:
        if value in _secrets:
            _secrets.discard(value)
            _rebuild_pattern()


def _rebuild_pattern() -> None:
    global _secret_pattern
    # Longest first, so a secret that contains another is masked whole, not in pieces.
    ordered = sorted(_secrets, key=len, reverse=True)
    _secret_pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None


def redact(text: str) -> str:
    """Return ``text`` with registered secrets and ``Bearer <x>`` credentials replaced by ***."""
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _BEARER.sub(r"\1" + MASK, text)


class SecretRedactingFilter(logging.Filter):
    """A handler filter that masks secrets in the message, its args, and exception/stack text.

    It rewrites the record in place (message merged with its args, ``args`` cleared), so every
    handler after it sees the redacted text too. It never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place and keep it."""
        try:
            message = record.getMessage()
        except Exception:
            # A broken format string would make the handler print msg and args raw to stderr
            # (logging.Handler.handleError); show both, redacted, instead.
            message = f"{record.msg!s} (unformattable arguments: {record.args!r})"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatter.format reuses a cached exc_text, so filling it here is what makes the
            # traceback (whose exception messages may quote the token) go out redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _default_log_dir(platform: str, environ: Mapping[str, str], home: Path) -> Path:
    """The conventional per-user log folder on ``platform`` (a ``sys.platform`` value)."""
    if platform == "win32":
        local = environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(local) / APP_DIR_NAME / "Logs"
    if platform == "darwin":
        return home / "Library" / "Logs" / APP_DIR_NAME
    # The XDG spec says to ignore a relative XDG_STATE_HOME.
    state = environ.get("XDG_STATE_HOME", "")
    state_home = Path(state) if state and os.path.isabs(state) else home / ".local" / "state"
    return state_home / APP_DIR_NAME


def log_dir() -> Path:
    """The folder of the log file: ``$CT_TICKET_LOG_DIR`` if set, else the platform's log folder.

    Linux: ``$XDG_STATE_HOME/ct-ticket`` (default ``~/.local/state/ct-ticket``);
    macOS: ``~/Library/Logs/ct-ticket``; Windows: ``%LOCALAPPDATA%\\ct-ticket\\Logs``.
    """
    override = os.environ.get(LOG_DIR_ENV, "")
    if override:
        return Path(override).expanduser()
    return _default_log_dir(sys.platform, os.environ, Path.home())


_setup_lock = threading.Lock()


class RotatingLogFile(logging.FileHandler):
    """The log file, set aside as ``NAME.1`` (the older ones moved up to ``NAME.<backups>``,
    the oldest dropped) before a record would take it to ``max_bytes``.

    What ``logging.handlers.RotatingFileHandler`` does, with the same names and order. Its
    module also loads ``pickle``, ``queue`` and ``copy`` for handlers the app never uses,
    about 1 MB of the start's peak memory. Only a regular file is rotated, as there. Records
    arrive under the handler's lock (``Handler.handle``), so a rotation is never interleaved.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
            if self._is_full(len(line.encode("utf-8", "replace"))):
                self._rotate()
            stream = self.stream if self.stream is not None else self._open()
            self.stream = stream
            stream.write(line)
            self.flush()
        except RecursionError:  # as logging's own handlers do: never swallow it
            raise
        except Exception:
            self.handleError(record)

    def _is_full(self, adding: int) -> bool:
        if self.max_bytes <= 0 or not os.path.isfile(self.baseFilename):
            return False  # a missing file starts empty; a device or pipe is never rotated
        if self.stream is None:
            self.stream = self._open()
        # The end of the file, not a count kept here: another instance may write to it too.
        self.stream.seek(0, os.SEEK_END)
        size = self.stream.tell()
        return size > 0 and size + adding > self.max_bytes  # an empty file is never set aside

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()  # Windows renames no open file
            self.stream = None
        if self.backups > 0:
            for number in range(self.backups - 1, 0, -1):
                older = f"{self.baseFilename}.{number}"
                if os.path.exists(older):
                    os.replace(older, f"{self.baseFilename}.{number + 1}")
            os.replace(self.baseFilename, f"{self.baseFilename}.1")
        else:
            os.remove(self.baseFilename)  # no backups kept: start the file again


class _OurFileHandler(RotatingLogFile):
    """Marks the handler that setup_logging installed, so a second call can find it."""


def _installed_handler() -> _OurFileHandler | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _OurFileHandler):
            return handler
    return None


def setup_logging(level: int = logging.INFO) -> Path:
    """Send log records at ``level`` and above to the rotating log file; return its path.

    Installs the handler on the root logger, so records of libraries (keyring, websockets) are
    filtered and kept too. Calling it again only updates the level; if the log folder has
    changed meanwhile (``CT_TICKET_LOG_DIR``), the file handler is moved to the new folder.
    """
    directory = log_dir()
    path = directory / LOG_FILE_NAME
    root = logging.getLogger()
    with _setup_lock:
        current = _installed_handler()
        if current is not None and current.baseFilename == os.path.abspath(path):
            root.setLevel(level)
            return path
        if current is not None:
            root.removeHandler(current)
            current.close()
        # 0o700: the log names accounts and instruments, which are nobody else's business.
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        handler = _OurFileHandler(path, max_bytes=_MAX_BYTES, backups=_BACKUP_COUNT)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(SecretRedactingFilter())
        root.addHandler(handler)
        root.setLevel(level)
    return path


def close_logging() -> None:
    """Remove and close the log file handler that :func:`setup_logging` installed, if any."""
    with _setup_lock:
        handler = _installed_handler()
        if handler is not None:
            logging.getLogger().removeHandler(handler)
            handler.close()
