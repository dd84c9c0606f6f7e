"""`ct-ticket --self-test` as CI runs it on a frozen build: a separate process, one line out."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from ct_ticket import __version__

REPO = Path(__file__).resolve().parent.parent
OK_LINE = re.compile(
    rf"ct-ticket {re.escape(__version__)} self-test OK: window, simulator place\+flatplace, "
    r"stream, "
    r"keyring=(?P<keyring>\w+\.\w+), resources=(?P<resources>.+), \d+\.\d\d s")


def run(*code_or_args: str, env: dict[str, str] | None = None, timeout: float = 90
        ) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run([sys.executable, *code_or_args], capture_output=True, text=True,
                          env=environment, timeout=timeout, check=False)


def test_self_test_sends_both_orders_and_prints_one_ok_line(tmp_path: Path) -> None:
    # A throwaway config folder: the self-test must leave the trader's settings alone.
    config = tmp_path / "config"
    result = run("-m", "ct_ticket", "--self-test", env={"XDG_CONFIG_HOME": str(config)})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = OK_LINE.fullmatch(lines[0])
    assert match, lines[0]
    assert Path(match["resources"]) == REPO / "resources"
    if os.environ.get("CT_TICKET_REQUIRE_KEYRING") == "1":  # inside .ci/keyring-session.sh
        assert match["keyring"] == "SecretService.Keyring"
    assert not (config / "ct-ticket").exists()


def test_self_test_fails_when_a_working_keyring_is_required_but_missing() -> None:
    result = run("-m", "ct_ticket", "--self-test",
                 env={"CT_TICKET_REQUIRE_KEYRING": "1",
                      "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"ct-ticket {__version__} self-test FAILED: keyring=fail.Keyring cannot store a token, "
        "and CT_TICKET_REQUIRE_KEYRING=1 asks for a working keyring")


def test_a_check_that_blocks_the_gui_thread_still_ends_in_failed_within_the_deadline() -> None:
    # The watchdog must end the process even when the blocked thread never returns to Python.
    code = ("import time, ct_ticket.selftest as s\n"
            "s._check_imports = lambda: time.sleep(60)\n"
            "raise SystemExit(s.run_self_test(timeout=1))\n")
    started = time.monotonic()
    result = run("-c", code, timeout=30)
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"ct-ticket {__version__} self-test FAILED: no result within 3 s")
