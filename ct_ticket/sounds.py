"""Short notification sounds: order accepted, rejected or failed, connection lost.

Off by default. QtMultimedia's QSoundEffect is not part of PySide6-Essentials (it would add the
large Addons wheel), so the bundled WAVs are played by the platform's own player: the standard
library's `winsound` on Windows, `afplay` on macOS, and the first of `pw-play`, `paplay` or
`aplay` on Linux. Playing never blocks the GUI thread and never raises.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path

from ct_ticket.paths import resource_path

__all__ = ["Sound", "SoundPlayer"]

log = logging.getLogger(__name__)
_LINUX_PLAYERS = ("pw-play", "paplay", "aplay")


class Sound(StrEnum):
    FILLED = "filled"
    REJECTED = "rejected"
    DISCONNECTED = "disconnected"
    ALARM = "alarm"  # a position no working stop protects


class SoundPlayer:
    """Plays a `Sound` when enabled; `available` says whether this machine can play at all."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self._player = self._find_player()
        self._children: list[subprocess.Popen[bytes]] = []

    @staticmethod
    def _find_player() -> str | None:
        if sys.platform == "win32":
            return "winsound"
        candidates = ("afplay",) if sys.platform == "darwin" else _LINUX_PLAYERS
        return next((path for name in candidates if (path := shutil.which(name))), None)

    @property
    def available(self) -> bool:
        return self._player is not None

    @property
    def player(self) -> str | None:
        return self._player

    def play(self, sound: Sound) -> bool:
        """Start playing `sound` and return at once; False when off, silent or failed."""
        if not self.enabled or self._player is None:
            return False
        try:
            path = resource_path("sounds", f"{sound.value}.wav")
            if self._player == "winsound":
                return self._play_windows(path)
            # Reap finished players so none linger as zombies.
            self._children = [child for child in self._children if child.poll() is None]
            self._children.append(subprocess.Popen(  # our own file, fixed player
                [self._player, str(path)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        except (OSError, ValueError) as error:
            log.warning("could not play %s: %s", sound.value, error)
            return False
        return True

    @staticmethod
    def _play_windows(path: Path) -> bool:
        winsound = importlib.import_module("winsound")
        flags = winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT
        winsound.PlaySound(str(path), flags)
        return True
