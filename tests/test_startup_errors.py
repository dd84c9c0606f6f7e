"""Failures before the window: one line on stderr (or in a box without a console), non-zero exit.

Each case starts the real app in its own process, as a trader would, with its settings and log
folders in the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ct_ticket import app, startup

REPO = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
on_linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="Linux's settings file, display and xcb checks (Windows keeps settings in the registry)")


def start(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
          unset: tuple[str, ...] = (), code: str | None = None,
          ) -> subprocess.CompletedProcess[str]:
    """`python -m ct_ticket ARGS` (or `python -c CODE`) with the test's own config and log
    folders."""
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
                   "XDG_CONFIG_HOME": str(tmp_path / "config"),
                   "CT_TICKET_LOG_DIR": str(tmp_path / "logs"), **(env or {})}
    for name in unset:
        environment.pop(name, None)
    command = ["-c", code] if code is not None else ["-m", "ct_ticket", *args]
    return subprocess.run([sys.executable, *command], capture_output=True,
                          text=True, env=environment, cwd=tmp_path, timeout=90, check=False)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line; fails when there are more (Qt's own chatter included)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- the command line -------------------------------------------------------------------------


def test_a_base_url_the_token_must_not_travel_to_exits_2_saying_why(tmp_path: Path) -> None:
    result = start(tmp_path, "--base-url", "http://example.invalid")
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("ct-ticket: error: argument --base-url: ")
    assert "'http://example.invalid'" in line
    assert "only sent over https" in line
    assert result.stdout == ""
    assert not (tmp_path / "logs").exists()  # refused before anything else happened


@pytest.mark.parametrize("url", ["ftp://app.crosstrade.io", "https://", "not a url",
                                 "http://10.1.2.3", "http://[::1"])
def test_other_bad_base_urls_are_refused_by_the_command_line(url: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        app.parse_args(["--base-url", url])
    assert stopped.value.code == 2


@pytest.mark.parametrize("url", ["https://app.crosstrade.io", "http://127.0.0.1:8765",
                                 "http://localhost:8765", "http://[::1]:8765"])
def test_good_base_urls_pass_the_command_line(url: str) -> None:
    assert app.parse_args(["--base-url", url]).base_url == url


def test_an_unknown_option_exits_2_with_one_line(tmp_path: Path) -> None:
    result = start(tmp_path, "--demo", "--colour", "red")
    assert result.returncode == 2
    assert one_line(result) == "ct-ticket: error: unrecognized arguments: --colour red"


# --- the settings file ------------------------------------------------------------------------


def settings_file(tmp_path: Path) -> Path:
    folder = tmp_path / "config" / "ct-ticket"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "ct-ticket.conf"


@on_linux_only
def test_an_unreadable_settings_file_stops_with_one_line(tmp_path: Path) -> None:
    # A folder where the file should be: unreadable even for root, who reads any file.
    settings_file(tmp_path).mkdir()
    result = start(tmp_path, "--demo", "--screenshot", "shot.png")
    assert result.returncode == 1
    assert one_line(result) == (f"ct-ticket: error: cannot read the settings file "
                                f"{settings_file(tmp_path)}: Is a directory")
    assert not (tmp_path / "shot.png").exists()


@on_linux_only
@pytest.mark.parametrize(("content", "why"), [
    (b"\0" * 4096, "NUL bytes"),
    (b"[ticket]\ninstrument=MNQ\nquantity=7\n\0\0\0\0", "NUL bytes"),
    (b"[ticket]\naccount=Sim\xff\xfe101\n", "not UTF-8 text at byte 20"),
    (b"[ticket]\naccount=Sim101\n<html>oops</html>\n", "line 3 is neither [section] nor "
                                                       "key=value"),
    (b"[ticket\naccount=Sim101\n", "line 1 opens a [section] it does not close"),
    (b"[ticket]\naccount=Sim101\n[window=1\n", "line 3 opens a [section] it does not close"),
])
def test_a_corrupt_settings_file_is_set_aside_and_the_app_starts_on_defaults(
        tmp_path: Path, content: bytes, why: str) -> None:
    path = settings_file(tmp_path)
    path.write_bytes(content)
    result = start(tmp_path, "--demo", "--screenshot", "shot.png")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shot.png").read_bytes().startswith(PNG_MAGIC)  # the window came up
    [aside] = list(path.parent.glob("ct-ticket.conf.corrupt-*"))
    assert aside.read_bytes() == content  # kept as it was, nothing lost
    notes = [line for line in result.stderr.splitlines() if line.startswith("ct-ticket:")]
    assert notes == [f"ct-ticket: note: the settings file {path} was corrupt ({why}); it was "
                     f"set aside as {aside.name} and the defaults are used"]
    # The new file holds the defaults the ticket started on, nothing read from the corrupt one.
    fresh = path.read_bytes()
    assert b"\0" not in fresh and b"MNQ" not in fresh and b"instrument=MES" in fresh
    assert "set aside" in (tmp_path / "logs" / "ct-ticket.log").read_text(encoding="utf-8")


@on_linux_only
def test_a_good_settings_file_is_read_and_left_alone(tmp_path: Path) -> None:
    path = settings_file(tmp_path)
    path.write_text("; a comment\n[ticket]\ninstrument=MNQ\nrecentInstruments=MNQ, \\\n MES\n",
                    encoding="utf-8")
    assert startup.check_settings_file(path) is None
    result = start(tmp_path, "--demo", "--screenshot", "shot.png")
    assert result.returncode == 0, result.stderr
    assert "ct-ticket:" not in result.stderr
    assert list(path.parent.glob("*.corrupt-*")) == []
    assert "instrument=MNQ" in path.read_text(encoding="utf-8")


def test_a_file_qt_wrote_itself_passes_the_corruption_check(tmp_path: Path) -> None:
    from PySide6.QtCore import QByteArray, QSettings

    path = tmp_path / "written.conf"
    qs = QSettings(str(path), QSettings.Format.IniFormat)
    qs.setValue("ticket/account", "Sim101 = the one with spaces; and [brackets]")
    qs.setValue("ticket/recentInstruments", ["MES", "ES 12-26", "NQ"])
    qs.setValue("window/geometry", QByteArray(bytes(range(256))))
    qs.setValue("safety/live/maxQuantity", 10)
    qs.sync()
    assert path.stat().st_size > 0
    assert startup.check_settings_file(path) is None


def test_a_settings_file_that_cannot_be_set_aside_stops_with_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ct-ticket.conf"
    path.write_bytes(b"\0\0")

    # A read-only folder would refuse the rename, but neither root nor Windows keeps to that:
    # the system's refusal is stood in for here.
    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(startup.StartupError) as stopped:
        startup.check_settings_file(path)
    assert str(stopped.value) == (f"the settings file {path} is corrupt (NUL bytes) and could not "
                                  "be set aside: Permission denied")
    assert stopped.value.exit_code == 1
    assert path.read_bytes() == b"\0\0"


# --- resources, the log folder, the display and Qt's platform plugin --------------------------


def test_a_missing_resource_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    # An install that lost one file: the package and its resources, less the dark style sheet.
    install = tmp_path / "install"
    shutil.copytree(REPO / "ct_ticket", install / "ct_ticket",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "resources", install / "ct_ticket" / "resources",
                    ignore=shutil.ignore_patterns("dark.qss"))
    # Through sys.path, not PYTHONPATH, which an embeddable Windows Python ignores.
    code = (f"import sys; sys.path.insert(0, {str(install)!r}); from ct_ticket.app import main; "
            "sys.exit(main(['--demo', '--screenshot', 'shot.png']))")
    result = start(tmp_path, code=code)
    assert result.returncode == 1
    missing = install / "ct_ticket" / "resources" / "theme" / "dark.qss"
    assert one_line(result) == (f"ct-ticket: error: ct-ticket resource missing: theme/dark.qss "
                                f"(looked at {missing}); reinstall ct-ticket")
    assert not (tmp_path / "shot.png").exists()


def test_a_log_folder_that_cannot_be_made_stops_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should go", encoding="utf-8")
    result = start(tmp_path, "--demo", env={"CT_TICKET_LOG_DIR": str(blocker / "logs")})
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith(f"ct-ticket: error: cannot write the log file in {blocker / 'logs'}: ")


@on_linux_only
def test_no_display_stops_with_one_line(tmp_path: Path) -> None:
    result = start(tmp_path, "--demo", unset=("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"))
    assert result.returncode == 1
    assert one_line(result).startswith("ct-ticket: error: ct-ticket needs a display: ")


def test_a_qt_platform_that_is_not_installed_stops_with_one_line(tmp_path: Path) -> None:
    result = start(tmp_path, "--demo", env={"QT_QPA_PLATFORM": "nosuchplatform"})
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith('ct-ticket: error: the Qt platform plugin "nosuchplatform" is not '
                           "installed (QT_QPA_PLATFORM); available: ")
    assert "offscreen" in line.partition("available: ")[2].split(", ")


def test_one_installed_platform_in_a_list_is_enough(tmp_path: Path) -> None:
    result = start(tmp_path, "--demo", "--screenshot", "shot.png",
                   env={"QT_QPA_PLATFORM": "nosuchplatform;offscreen"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shot.png").read_bytes().startswith(PNG_MAGIC)


@on_linux_only
def test_a_qt_platform_that_is_there_but_does_not_load_stops_with_one_line(
        tmp_path: Path) -> None:
    # The xcb plugin is installed, but no X server answers on this display: Qt's own abort
    # (a signal, several lines) becomes the one line and exit 1.
    result = start(tmp_path, "--demo", env={"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":77"},
                   unset=("WAYLAND_DISPLAY", "XAUTHORITY"))
    assert result.returncode == 1
    assert one_line(result).startswith(
        'ct-ticket: error: the Qt platform plugin "xcb" did not load (qt.qpa.')


def test_the_self_test_reports_a_qt_platform_that_is_not_installed(tmp_path: Path) -> None:
    result = start(tmp_path, "--self-test", env={"QT_QPA_PLATFORM": "nosuchplatform"})
    assert result.returncode == 1
    assert ' self-test FAILED: the Qt platform plugin "nosuchplatform" is not installed' in (
        result.stdout)


# --- without a console ------------------------------------------------------------------------


def shown_in_a_box(qtbot: object, monkeypatch: pytest.MonkeyPatch,
                   action: Callable[[], object]) -> tuple[str, object]:
    """Run `action` with no sys.stderr (a windowed build); return the box's text and the
    action's result. The box is real and modal; a timer reads and closes it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []

    def close_box() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, close_box)
            return
        seen.append(box.text())
        box.accept()

    monkeypatch.setattr(sys, "stderr", None)
    QTimer.singleShot(20, close_box)
    try:
        result: object = action()
    except SystemExit as stopped:
        result = stopped.code
    assert len(seen) == 1
    return seen[0], result


@pytest.mark.skipif(sys.platform == "win32",
                    reason="Windows shows its own MessageBoxW instead (tested below)")
def test_without_a_console_the_error_line_is_shown_in_a_message_box(
        qtbot: object, qapp: object, monkeypatch: pytest.MonkeyPatch) -> None:
    text, code = shown_in_a_box(qtbot, monkeypatch,
                                lambda: startup.fail(startup.StartupError("no luck here")))
    assert text == "ct-ticket: error: no luck here"
    assert code == 1


@pytest.mark.skipif(sys.platform == "win32",
                    reason="Windows shows its own MessageBoxW instead (tested below)")
def test_without_a_console_a_bad_command_line_is_shown_in_a_message_box(
        qtbot: object, qapp: object, monkeypatch: pytest.MonkeyPatch) -> None:
    text, code = shown_in_a_box(qtbot, monkeypatch,
                                lambda: app.parse_args(["--base-url", "http://example.invalid"]))
    assert text.startswith("ct-ticket: error: argument --base-url: Refusing base URL")
    assert code == 2


def test_qt_messages_while_the_application_starts_are_held_then_handed_back(qtlog: Any) -> None:
    from PySide6.QtCore import qWarning

    with startup.qt_platform_guard():
        qWarning("said while starting")
        assert [r.message for r in qtlog.records] == []  # held: a failure shows one line only
    assert [r.message for r in qtlog.records] == ["said while starting"]  # then not lost


@pytest.mark.skipif(sys.platform != "win32", reason="Windows' own message box (MessageBoxW)")
def test_without_a_console_windows_shows_the_line_in_its_own_message_box() -> None:
    # In a process of its own: a box nobody closes would block the test run.
    code = textwrap.dedent("""
        import ctypes, sys, threading, time
        from ct_ticket import startup
        seen = []
        def close_box():
            user32 = ctypes.windll.user32
            for _ in range(400):
                box = user32.FindWindowW(None, "ct-ticket")
                if box:
                    text = ctypes.create_unicode_buffer(512)
                    user32.GetDlgItemTextW(box, 0xFFFF, text, 512)  # the box's message
                    seen.append(text.value)
                    user32.PostMessageW(box, 0x0010, 0, 0)  # WM_CLOSE
                    return
                time.sleep(0.05)
        threading.Thread(target=close_box, daemon=True).start()
        out, sys.stderr = sys.stdout, None  # a windowed program has no stderr
        status = startup.fail(startup.StartupError("no luck here"))
        print(status, seen, file=out)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, timeout=60, check=False)
    assert result.stdout.strip() == "1 ['ct-ticket: error: no luck here']", result.stderr
