"""Everything that can stop the app before its window exists, said in one clear line.

A bad command line, a log folder that cannot be written, an unreadable settings file, a missing
resource, no display, a Qt platform plugin that will not load: each becomes one line,
``ct-ticket: error: <why>``, on stderr, and a non-zero exit (2 for a bad command line, as
argparse does). Where there is no stderr to read (a windowed Windows build, ``pythonw``, a
macOS app bundle) the same line is shown in a message box. A corrupt settings file does not stop
the app: it is set aside with a note and the defaults are used.

Qt is imported only by the functions that need it, so the command line is checked without it.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = [
    "ArgumentParser",
    "StartupError",
    "base_url",
    "check_display",
    "check_qt_platform",
    "check_resources",
    "check_settings_file",
    "fail",
    "lighten_pyside_imports",
    "qt_platform_guard",
    "say",
    "setup_logging",
]

PROG = "ct-ticket"
log = logging.getLogger("ct_ticket.startup")


class StartupError(Exception):
    """A reason the app cannot start; ``exit_code`` is the process's exit status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --- saying it ----------------------------------------------------------------------------------


def say(line: str, *, error: bool = True) -> None:
    """Print ``line`` on stderr, or show it in a message box when there is no stderr."""
    if logging.getLogger().handlers:  # else logging's last resort would print it a second time
        log.log(logging.ERROR if error else logging.WARNING, "%s", line)
    stream = sys.stderr
    if stream is not None:
        try:
            print(line, file=stream, flush=True)
            return
        except (OSError, ValueError):  # a closed or broken stream: nobody reads it either
            pass
    show_message_box(line, error=error)


def fail(error: StartupError) -> int:
    """Say why the app cannot start; return the exit status for ``main``."""
    say(f"{PROG}: error: {error}")
    return error.exit_code


def show_message_box(text: str, *, error: bool = True) -> None:
    """A modal box with ``text``: the Windows API's own on Windows (it needs no Qt, so it works
    even when Qt's platform plugin failed), a QMessageBox elsewhere when Qt can show one."""
    if sys.platform == "win32":
        import ctypes

        icon = 0x10 if error else 0x40  # MB_ICONERROR, MB_ICONINFORMATION
        ctypes.windll.user32.MessageBoxW(None, text, PROG, icon | 0x10000)  # MB_SETFOREGROUND
        return
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox
    except ImportError:
        return  # nothing left to show it with; the log file has the line
    if QApplication.instance() is None:
        try:
            check_display()
        except StartupError:
            return
        with qt_platform_guard(on_fatal=lambda _reason: os._exit(1)):
            QApplication(sys.argv[:1])
    icon = QMessageBox.Icon.Critical if error else QMessageBox.Icon.Information
    box = QMessageBox(icon, PROG, text)
    box.setObjectName("startupMessage")
    box.exec()


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with its error as one line (or a box) and --help/--version shown without a
    console too (argparse silently drops them when sys.stdout is None)."""

    def error(self, message: str) -> NoReturn:
        say(f"{self.prog}: error: {message}")
        raise SystemExit(2)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message and (file or sys.stderr) is None:
            show_message_box(message.strip(), error=False)
            return
        super()._print_message(message, file)


def base_url(value: str) -> str:
    """argparse type of --base-url: the client's own rule (https, or http to loopback only)."""
    from ct_ticket.api.client import check_base_url

    try:
        check_base_url(value)
    except ValueError as error:  # the rule, or a URL the parser cannot read
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


# --- the checks ---------------------------------------------------------------------------------


def setup_logging() -> Path:
    """The log file (logs.setup_logging), or a StartupError saying why it cannot be written."""
    from ct_ticket import logs

    try:
        return logs.setup_logging()
    except OSError as error:
        raise StartupError(f"cannot write the log file in {logs.log_dir()}: "
                           f"{error.strerror or error}") from None


def check_display() -> None:
    """On Linux, refuse early when Qt would abort for want of a display."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if not sys.platform.startswith("linux") or platform not in ("", "xcb"):
        return  # offscreen, wayland, a typo...: Qt itself says (see qt_platform_guard)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise StartupError("ct-ticket needs a display: no DISPLAY or WAYLAND_DISPLAY is set "
                           "(for a headless run use QT_QPA_PLATFORM=offscreen)")


def check_resources() -> Path:
    """The resources folder and the files the window cannot start without."""
    from ct_ticket.paths import REQUIRED_RESOURCES, resource_path, resources_dir

    try:
        for parts in REQUIRED_RESOURCES:
            resource_path(*parts)
        return resources_dir()
    except (FileNotFoundError, ValueError) as error:
        raise StartupError(f"{error}; reinstall ct-ticket") from None


def check_settings_file(path: Path | None) -> str | None:
    """Check the settings file before anything reads it.

    Returns None when it is fine or absent (also for the Windows registry, ``path`` None). A
    file that cannot be read at all raises StartupError: replacing it could lose settings that
    are merely locked away. A corrupt one is renamed to ``<name>.corrupt-<time>`` beside it
    (kept, so nothing is lost) and a note saying so is returned: the app starts on defaults.
    """
    if path is None or not os.path.lexists(path):
        return None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise StartupError(f"cannot read the settings file {path}: "
                           f"{error.strerror or error}") from None
    problem = _corruption(data, path)
    if problem is None:
        return None
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    serial = 1
    while os.path.lexists(aside):
        serial += 1
        aside = aside.with_name(f"{aside.name.split('~')[0]}~{serial}")
    try:
        path.replace(aside)
    except OSError as error:
        raise StartupError(f"the settings file {path} is corrupt ({problem}) and could not be "
                           f"set aside: {error.strerror or error}") from None
    return (f"the settings file {path} was corrupt ({problem}); it was set aside as "
            f"{aside.name} and the defaults are used")


def _corruption(data: bytes, path: Path) -> str | None:
    """What is wrong with a settings file's bytes, or None when nothing is.

    Qt's own INI reader is lenient (a file of zero bytes, as a crash while writing may leave,
    reads as "no settings" with no error) and caches what it parsed per file, so the INI text is
    checked here, line by line, with Qt's rules: ``[section]``, ``key=value`` (a trailing
    backslash continues a line), ``;`` or ``#`` comments. Other formats (the macOS property
    list) are left to the system that reads them.
    """
    if path.suffix.lower() not in (".conf", ".ini"):
        return None
    if b"\0" in data:
        return "NUL bytes"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text at byte {error.start}"
    continued = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if continued or not line or line.startswith((";", "#")):
            pass
        elif line.startswith("["):
            if not line.endswith("]"):
                return f"line {number} opens a [section] it does not close"
        elif "=" not in line:
            return f"line {number} is neither [section] nor key=value"
        continued = line.endswith("\\")
    return None


# --- Qt's platform plugin -------------------------------------------------------------------------


def check_qt_platform() -> None:
    """Refuse early when no installed platform plugin answers to the name Qt would load.

    Qt would find out itself, but on Windows it first shows its own multi-line message box and
    waits for a click (then aborts); for the plugins that are there but fail to load,
    `qt_platform_guard` turns Qt's abort into the one line.
    """
    wanted = [name.split(":")[0].strip().lower() for name in
              os.environ.get("QT_QPA_PLATFORM", "").split(";") if name.strip()]
    if not wanted:
        wanted = [_default_platform()]
    if _plugin_file_named(wanted):
        return  # found by its file's name: no need to read every plugin's metadata (~4 ms)
    available = _platform_plugins()
    if available and not any(name in available for name in wanted):
        raise StartupError(f'the Qt platform plugin "{";".join(wanted)}" is not installed '
                           f"(QT_QPA_PLATFORM); available: {', '.join(sorted(available))}")


def _default_platform() -> str:
    return {"win32": "windows", "darwin": "cocoa"}.get(sys.platform, "xcb")


def _platform_folders() -> list[Path]:
    """Where Qt looks for platform plugins."""
    from PySide6.QtCore import QCoreApplication

    folders = [Path(p) / "platforms" for p in QCoreApplication.libraryPaths()]
    extra = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if extra:
        folders.append(Path(extra))
    return folders


def _plugin_file_named(wanted: list[str]) -> bool:
    """Whether a platform plugin's file bears one of the wanted names as Qt's own plugins do
    (``libqxcb.so``, ``qwindows.dll``, ``libqcocoa.dylib``, ``qoffscreend.dll``)."""
    stems = {f"{prefix}q{name}{debug}" for name in wanted for prefix in ("", "lib")
             for debug in ("", "d", "_debug")}
    for folder in _platform_folders():
        if folder.is_dir() and any(entry.name.split(".")[0].lower() in stems
                                   for entry in os.scandir(folder)):
            return True
    return False


def _platform_plugins() -> set[str]:
    """The names (keys) of the platform plugins Qt can find, read without loading them."""
    from PySide6.QtCore import QPluginLoader

    keys: set[str] = set()
    for folder in _platform_folders():
        for plugin in sorted(folder.glob("*")) if folder.is_dir() else ():
            meta: object = QPluginLoader(str(plugin)).metaData().get("MetaData")
            names = meta.get("Keys", []) if isinstance(meta, dict) else []
            keys.update(str(name).lower() for name in names)
    return keys


_AVAILABLE = re.compile(r"Available platform plugins are:\s*(.*?)\.?\s*$", re.S)


@contextmanager
def qt_platform_guard(on_fatal: Callable[[str], Any] | None = None) -> Iterator[None]:
    """Around QApplication(): a platform plugin that will not load ends the process with one
    line instead of Qt's several lines and an abort.

    Qt reports the failure as a fatal message and then aborts; the handler installed here turns
    it into ``on_fatal(reason)`` (default: the error line and exit 1). Qt's other messages while
    the application starts are held and written afterwards, so a failure shows one line only.
    """
    from PySide6.QtCore import (
        QMessageLogContext,
        QtMsgType,
        qCritical,
        qDebug,
        qInfo,
        qInstallMessageHandler,
        qWarning,
    )

    held: list[tuple[QtMsgType, str]] = []

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if kind == QtMsgType.QtFatalMsg:
            reason = _platform_reason(message, [text for _kind, text in held])
            if on_fatal is None:
                say(f"{PROG}: error: {reason}")
            else:
                on_fatal(reason)
            os._exit(1)  # returning would let Qt abort
        category = context.category if context.category not in (None, "default") else ""
        held.append((kind, f"{category}: {message}" if category else message))

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
        # Handed back to Qt's own handler, which knows where they go (a windowed Windows
        # program's go to the debugger output, not to a stderr that may be a pipe).
        emit = {QtMsgType.QtDebugMsg: qDebug, QtMsgType.QtInfoMsg: qInfo,
                QtMsgType.QtWarningMsg: qWarning, QtMsgType.QtCriticalMsg: qCritical}
        for kind, text in held:
            emit.get(kind, qWarning)(text)


def _platform_reason(fatal: str, held: list[str]) -> str:
    """One line from Qt's fatal message and the warnings before it."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] or _default_platform()
    available = _AVAILABLE.search(fatal)
    # The first message is the cause ("could not connect to display", "Could not find the Qt
    # platform plugin"); Qt's later ones repeat it or guess (the xcb-cursor0 hint).
    details = [" ".join(m.split()) for m in held if m.strip()]
    reason = f'the Qt platform plugin "{platform}" did not load'
    if details:
        reason += f" ({details[0]})"
    elif not available:
        reason += f" ({' '.join(fatal.split())})"
    if available:
        reason += f"; available: {' '.join(available.group(1).split())}"
    return reason


# --- PySide6's import hook ------------------------------------------------------------------------


def lighten_pyside_imports() -> bool:
    """Make PySide6's check of every later import cheap; call it right after PySide6 loads.

    For its ``__feature__`` switches PySide6 asks of each module imported after it whether the
    source names "PySide6", through ``inspect.getsource``: the file tokenized into lines and
    kept in ``linecache`` (~80 ms and ~10 MB of text for the ~290 modules of a start). The same
    question is answered here from the file's bytes, read once and dropped, and without reading
    for the standard library, which never names PySide6 (so the answer is the same for every
    module). A PySide6 without that hook (a later version) is left as it is: False.
    """
    feature = sys.modules.get("shibokensupport.feature")
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(upstream):
        return False
    # The standard library's folder is os's; site-packages may sit inside it (a plain install).
    stdlib = os.path.dirname(getattr(os, "__file__", "") or "") + os.sep

    def mod_uses_pyside(module: object) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(upstream(module))  # built-in, extension or frozen: upstream's answer
        if len(stdlib) > 1 and path.startswith(stdlib) and "site-packages" not in path:
            return False
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return False  # upstream's answer for a module without a source file

    setattr(feature, "_mod_uses_pyside", mod_uses_pyside)  # noqa: B010 (a module of PySide6)
    return True
