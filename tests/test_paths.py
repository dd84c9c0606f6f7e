"""ct_ticket.paths finds resources/ from the source tree and from a PyInstaller bundle, and
resources/ holds the files the app loads (the sounds are checked here: they need no Qt)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import wave
from pathlib import Path
from types import ModuleType

import pytest

from ct_ticket import paths

REPO = Path(__file__).resolve().parent.parent
SOUNDS = ("filled", "rejected", "disconnected")


def test_source_tree_resources_dir_is_the_repo_folder() -> None:
    assert paths.resources_dir() == REPO / "resources"


def test_resource_path_finds_an_existing_file() -> None:
    found = paths.resource_path("icons", "buy.svg")
    assert found == REPO / "resources" / "icons" / "buy.svg"
    assert found.read_text(encoding="utf-8").startswith("<svg")


def test_missing_resource_fails_naming_the_file() -> None:
    with pytest.raises(FileNotFoundError, match=r"icons/nope\.svg"):
        paths.resource_path("icons", "nope.svg")


def test_resource_path_refuses_to_leave_the_resources_folder() -> None:
    with pytest.raises(ValueError, match="escapes"):
        paths.resource_path("..", "pyproject.toml")


def test_resource_path_needs_a_name() -> None:
    with pytest.raises(ValueError):
        paths.resource_path()


def test_frozen_app_reads_resources_from_meipass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "resources" / "theme"
    bundled.mkdir(parents=True)
    (bundled / "dark.qss").write_text("QWidget {}", encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)

    assert paths.resources_dir() == tmp_path / "resources"
    assert paths.resource_path("theme", "dark.qss") == bundled / "dark.qss"
    # The source tree's file must not leak into a frozen lookup.
    with pytest.raises(FileNotFoundError):
        paths.resource_path("icons", "buy.svg")


def test_frozen_bundle_without_resources_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(FileNotFoundError, match="frozen bundle"):
        paths.resources_dir()


def test_frozen_without_meipass_looks_next_to_the_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "ct-ticket.exe"))
    assert paths.resources_dir() == tmp_path / "resources"


def _paths_module_at(package: Path) -> ModuleType:
    """ct_ticket/paths.py loaded from a copy in `package`, as it would run from there."""
    package.mkdir(parents=True, exist_ok=True)
    copy = package / "paths.py"
    copy.write_bytes((REPO / "ct_ticket" / "paths.py").read_bytes())
    spec = importlib.util.spec_from_file_location("copied_paths", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_installed_package_reads_its_own_resources_first(tmp_path: Path) -> None:
    # site-packages/ct_ticket/resources (what setup.py puts in the wheel), with some other
    # distribution's site-packages/resources beside it that must not be taken instead.
    site = tmp_path / "site-packages"
    (site / "ct_ticket" / "resources" / "theme").mkdir(parents=True)
    (site / "resources" / "theme").mkdir(parents=True)
    module = _paths_module_at(site / "ct_ticket")
    assert module.resources_dir() == site / "ct_ticket" / "resources"


def test_no_resources_anywhere_fails_naming_every_place_looked_at(tmp_path: Path) -> None:
    module = _paths_module_at(tmp_path / "site-packages" / "ct_ticket")
    with pytest.raises(FileNotFoundError) as failed:
        module.resources_dir()
    message = str(failed.value)
    assert f"the installed package: {tmp_path / 'site-packages' / 'ct_ticket' / 'resources'}" in (
        message)
    assert f"the source tree: {tmp_path / 'site-packages' / 'resources'}" in message


def test_paths_module_does_not_import_qt() -> None:
    code = (
        "import sys, ct_ticket.paths; sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("name", SOUNDS)
def test_sound_is_short_mono_16_bit_pcm(name: str) -> None:
    path = paths.resource_path("sounds", f"{name}.wav")
    assert path.stat().st_size < 30_000
    assert path.read_bytes()[:4] == b"RIFF"
    with wave.open(str(path), "rb") as sound:  # the wave module reads only PCM WAVs
        assert sound.getnchannels() == 1
        assert sound.getsampwidth() == 2
        assert sound.getcomptype() == "NONE"
        duration = sound.getnframes() / sound.getframerate()
    assert 0.1 < duration < 1.0


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "resources" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sounds_are_what_make_sounds_writes(tmp_path: Path) -> None:
    maker = _load_script("make_sounds")
    maker.OUT = tmp_path
    assert maker.main() == 0
    for name in SOUNDS:
        with (
            wave.open(str(tmp_path / f"{name}.wav"), "rb") as fresh,
            wave.open(str(paths.resource_path("sounds", f"{name}.wav")), "rb") as committed,
        ):
            new, old = fresh.readframes(fresh.getnframes()), committed.readframes(10**6)
        # Byte equality would tie the test to one libm; a change of recipe moves far more.
        assert len(new) == len(old), name
        samples = zip(memoryview(new).cast("h"), memoryview(old).cast("h"), strict=True)
        diffs = (abs(a - b) for a, b in samples)
        assert max(diffs) <= 1, name
