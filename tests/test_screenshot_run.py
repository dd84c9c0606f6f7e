"""`--screenshot` ends once its PNG is written, also when the desktop keeps the window open.

A desktop that never showed the window drops a programmatic close: Wine did, when its desktop
process had come up without the X display. The run must still end, with its PNG, not wait for a
close that never comes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_a_screenshot_run_ends_even_when_the_window_refuses_to_close(tmp_path: Path) -> None:
    # The window ignores every close, as a desktop that dropped it would leave it: open.
    code = ("import sys\n"
            "from ct_ticket.ui.window import TicketWindow\n"
            "TicketWindow.closeEvent = lambda self, event: event.ignore()\n"
            "from ct_ticket.app import main\n"
            "sys.exit(main(['--demo', '--screenshot', 'shot.png']))\n")
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
                   "XDG_CONFIG_HOME": str(tmp_path / "config"),
                   "CT_TICKET_LOG_DIR": str(tmp_path / "logs")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment, cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shot.png").read_bytes().startswith(PNG_MAGIC)
