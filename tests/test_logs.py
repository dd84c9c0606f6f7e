"""The log file: where it goes, and that registered secrets never reach it."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ct_ticket import logs

log = logging.getLogger("ct_ticket.test_logs")


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The real rotating log file, set up by setup_logging in a tmp CT_TICKET_LOG_DIR."""
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "logs"))
    root_level = logging.getLogger().level
    yield logs.setup_logging()
    logs.close_logging()
    logging.getLogger().setLevel(root_level)


@pytest.fixture
def secret() -> Iterator[str]:
    """A registered secret of this test alone."""
    value = f"tok-{secrets.token_urlsafe(24)}"
    logs.register_secret(value)
    yield value
    logs.forget_secret(value)


def written(path: Path) -> str:
    """What reached the file, once the handler has flushed and closed it."""
    logs.close_logging()
    return path.read_text(encoding="utf-8")


def test_log_file_goes_to_the_folder_named_by_the_environment(
    log_file: Path, tmp_path: Path
) -> None:
    assert log_file == tmp_path / "logs" / "ct-ticket.log"
    assert logs.log_dir() == tmp_path / "logs"
    log.info("hello from the test")
    assert "hello from the test" in written(log_file)


def test_a_registered_secret_is_masked_in_message_and_args(log_file: Path, secret: str) -> None:
    log.info("token is %s", secret)
    log.warning(f"formatted in advance: {secret}!")
    log.error("as a dict arg: %(token)s", {"token": secret})
    text = written(log_file)
    assert secret not in text
    assert "token is ***" in text
    assert "formatted in advance: ***!" in text
    assert "as a dict arg: ***" in text


def test_a_registered_secret_is_masked_in_exception_traces(log_file: Path, secret: str) -> None:
    try:
        try:
            raise ValueError(f"the server rejected {secret}")
        except ValueError as inner:
            raise RuntimeError(f"login failed with {secret}") from inner
    except RuntimeError:
        log.exception("could not log in")
    text = written(log_file)
    assert secret not in text
    assert "ValueError: the server rejected ***" in text
    assert "RuntimeError: login failed with ***" in text
    assert "Traceback (most recent call last)" in text


def test_a_registered_secret_is_masked_in_stack_info(secret: str) -> None:
    # A real stack shows source lines, not values, so the secret is planted in the text.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "here", None, None)
    record.stack_info = f'Stack (most recent call last):\n  login("{secret}")'
    logs.SecretRedactingFilter().filter(record)
    assert record.stack_info == 'Stack (most recent call last):\n  login("***")'


def test_bearer_credentials_are_masked_even_when_not_registered(log_file: Path) -> None:
    unregistered = secrets.token_urlsafe(24)
    log.debug("not shown at INFO")
    log.info("headers %r", {"Authorization": f"Bearer {unregistered}", "Accept": "json"})
    text = written(log_file)
    assert unregistered not in text
    assert "'Authorization': 'Bearer ***', 'Accept': 'json'" in text
    assert "not shown at INFO" not in text


def test_a_forgotten_secret_is_no_longer_masked(log_file: Path) -> None:
    value = f"old-{secrets.token_hex(8)}"
    logs.register_secret(value)
    logs.forget_secret(value)
    log.info("value %s", value)
    assert f"value {value}" in written(log_file)


def test_the_longer_of_two_overlapping_secrets_is_masked_whole() -> None:
    short, long = "abcd1234", "abcd1234-and-more"
    logs.register_secret(short)
    logs.register_secret(long)
    try:
        assert logs.redact(f"[{long}] [{short}]") == "[***] [***]"
    finally:
        logs.forget_secret(short)
        logs.forget_secret(long)


@pytest.mark.parametrize("too_short", ["", "   ", "a", "abc"])
def test_blank_or_tiny_secrets_are_ignored_so_ordinary_text_survives(too_short: str) -> None:
    logs.register_secret(too_short)
    assert logs.redact("a cab at the abc") == "a cab at the abc"


def test_a_record_with_broken_arguments_is_kept_and_still_redacted(secret: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", (secret,), None)
    assert logs.SecretRedactingFilter().filter(record) is True
    assert secret not in record.getMessage()
    assert "%s and %s" in record.getMessage()


def test_setup_logging_twice_installs_one_rotating_handler(log_file: Path) -> None:
    assert logs.setup_logging(logging.DEBUG) == log_file
    ours = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logs.RotatingLogFile)
    ]
    assert len(ours) == 1
    assert ours[0].max_bytes > 0 and ours[0].backups > 0
    assert any(isinstance(f, logs.SecretRedactingFilter) for f in ours[0].filters)
    assert logging.getLogger().level == logging.DEBUG


def test_setup_logging_follows_a_changed_log_folder(
    log_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "elsewhere"))
    moved = logs.setup_logging()
    log.info("after the move")
    assert moved == tmp_path / "elsewhere" / "ct-ticket.log"
    assert "after the move" in written(moved)


# An absolute path on the machine running the test ("/xdg/state" has no drive on Windows, so
# there it is relative, and the XDG rule rightly ignores it).
XDG_STATE = str(Path("/xdg/state").absolute())


@pytest.mark.parametrize(
    ("platform", "environ", "expected"),
    [
        ("linux", {"XDG_STATE_HOME": XDG_STATE}, str(Path(XDG_STATE) / "ct-ticket")),
        ("linux", {}, "/home/t/.local/state/ct-ticket"),
        ("linux", {"XDG_STATE_HOME": "relative/state"}, "/home/t/.local/state/ct-ticket"),
        ("darwin", {}, "/home/t/Library/Logs/ct-ticket"),
        ("win32", {"LOCALAPPDATA": "/appdata/local"}, "/appdata/local/ct-ticket/Logs"),
        ("win32", {}, "/home/t/AppData/Local/ct-ticket/Logs"),
    ],
)
def test_default_log_folder_follows_the_platform_convention(
    platform: str, environ: dict[str, str], expected: str
) -> None:
    assert logs._default_log_dir(platform, environ, Path("/home/t")) == Path(expected)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_the_log_file_is_set_aside_when_full_and_the_oldest_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    handler = logs.RotatingLogFile(path, max_bytes=100, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    try:
        for number in range(8):  # 40 bytes a line: two lines a file
            handler.handle(logging.makeLogRecord({"msg": f"line {number} " + "x" * 32}))
    finally:
        handler.close()
    assert [line[:6] for line in _lines(path)] == ["line 6", "line 7"]
    assert [line[:6] for line in _lines(tmp_path / "t.log.1")] == ["line 4", "line 5"]
    assert [line[:6] for line in _lines(tmp_path / "t.log.2")] == ["line 2", "line 3"]
    assert not (tmp_path / "t.log.3").exists()  # lines 0 and 1: the oldest, dropped
    assert all(p.stat().st_size <= 100 for p in tmp_path.iterdir())


def test_a_line_longer_than_the_limit_is_written_whole_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    handler = logs.RotatingLogFile(path, max_bytes=10, backups=1)
    try:
        handler.handle(logging.makeLogRecord({"msg": "a long first line"}))
        handler.handle(logging.makeLogRecord({"msg": "a long second line"}))
    finally:
        handler.close()
    assert _lines(path) == ["a long second line"]
    assert _lines(tmp_path / "t.log.1") == ["a long first line"]  # an empty file stays put


def test_the_log_file_goes_on_where_another_writer_left_it(tmp_path: Path) -> None:
    # A second ct-ticket writes the same file: the size is read from the file, not counted.
    path = tmp_path / "t.log"
    path.write_text("y" * 97 + "\n", encoding="utf-8")
    handler = logs.RotatingLogFile(path, max_bytes=100, backups=1)
    try:
        handler.handle(logging.makeLogRecord({"msg": "next"}))
    finally:
        handler.close()
    assert _lines(path) == ["next"]
    assert _lines(tmp_path / "t.log.1") == ["y" * 97]
