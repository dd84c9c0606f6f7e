"""Sounds: off by default; when on, accepted, rejected and disconnected each play their WAV."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ct_ticket.settings import Settings
from ct_ticket.sounds import Sound, SoundPlayer


@pytest.fixture
def played(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real player program on PATH that records what it was asked to play."""
    record = tmp_path / "played.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("pw-play", "paplay", "aplay", "afplay"):
        player = bin_dir / name
        player.write_text(f'#!/bin/sh\necho "$1" >> "{record}"\n')
        player.chmod(player.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return record


def lines(record: Path) -> list[str]:
    return [Path(line).name for line in record.read_text().split()] if record.exists() else []


def test_sounds_are_off_by_default(played: Path) -> None:
    player = SoundPlayer()
    assert player.available and not player.play(Sound.FILLED)
    assert lines(played) == []


@pytest.mark.skipif(sys.platform == "win32",
                    reason="the recording players are POSIX shell scripts; Windows plays through "
                           "winsound, which no program on PATH can stand in for")
def test_accepted_rejected_and_disconnected_play_their_sounds(
    ui: Any, qtbot: Any, qloop: Any, sim_server: Any, settings_path: Path, played: Path
) -> None:
    Settings(settings_path).sounds = True
    sim_server.sim.rate_limit_enabled = False
    window = ui.open(sim_server.url, settings_path)
    try:
        assert window.view.sounds_action.isChecked()
        ui.set_instrument(window, "MES 12-26")
        qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "filled.wav" in lines(played), timeout=5_000)
        sim_server.sim.nt_connected = False
        window.entry.view.quantity_field.setValue(2)
        qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: {"rejected.wav", "disconnected.wav"} <= set(lines(played)),
                        timeout=5_000)
        window.view.sounds_action.setChecked(False)
        assert Settings(settings_path).sounds is False
    finally:
        ui.close(window)
