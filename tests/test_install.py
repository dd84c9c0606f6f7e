"""A regular install (`pip install .`, what `pipx install .` does) gives a working app.

The wheel is built from a copy of the checkout, installed into a fresh virtual environment with
its dependencies from the package index (pip's cache makes a repeat fast), and the installed
`ct-ticket` is started from an unrelated folder: nothing of the checkout is on its path, so the
resources must have travelled in the wheel.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Not copied: the build's own leftovers, the developer's environment, and what no wheel needs
# (the tests hold made-up tokens, which the session's token check must not find in tmp files).
NOT_CLONED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
                                    "tests", "benchmarks")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(importlib.util.find_spec("venv") is None or
                       importlib.util.find_spec("ensurepip") is None,
                       reason="this Python cannot make a virtual environment (an embeddable "
                              "Windows Python has neither venv nor ensurepip)"),
]


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def test_a_wheel_installed_in_a_fresh_venv_runs_from_another_folder(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(REPO, clone, ignore=NOT_CLONED)
    # The environment of a trader's shell: no checkout on the path, no active venv.
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "wheels",
        clone, cwd=tmp_path, env=base_env)
    [wheel] = (tmp_path / "wheels").glob("ct_ticket-*.whl")
    shutil.rmtree(clone)  # the installed app must not need it

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path, env=base_env)
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel,
        cwd=tmp_path, env=base_env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**base_env, "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "CT_TICKET_LOG_DIR": str(tmp_path / "logs")}
    found = run(python, "-c", "import ct_ticket.paths as p; print(p.resources_dir())",
                cwd=elsewhere, env=env)
    site_packages = Path(found.stdout.strip()).parent.parent
    assert Path(found.stdout.strip()) == site_packages / "ct_ticket" / "resources"
    assert site_packages.is_relative_to(venv)

    app = bin_dir / ("ct-ticket.exe" if sys.platform == "win32" else "ct-ticket")
    shot = run(app, "--demo", "--screenshot", "w.png", cwd=elsewhere, env=env, timeout=120)
    assert (elsewhere / "w.png").read_bytes().startswith(PNG_MAGIC), shot.stderr
    assert (elsewhere / "w.png").stat().st_size > 10_000  # a window, not an empty picture

    checked = run(app, "--self-test", cwd=elsewhere, env=env, timeout=120)
    assert " self-test OK: " in checked.stdout
    assert f"resources={site_packages / 'ct_ticket' / 'resources'}," in checked.stdout
