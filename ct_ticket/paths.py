"""Where the app's read-only resources (icons, style sheets, sounds) live.

Two layouts are supported:

* from source (a checkout, or an editable install): ``<repo>/resources``, next to the
  ``ct_ticket`` package;
* frozen by PyInstaller: ``<sys._MEIPASS>/resources``, where the spec bundles the folder.

A regular wheel install does not ship ``resources/`` (it lives outside the package); the app
is meant to run from a checkout or from the frozen build.

Pure Python on purpose: the model/API layers and the build scripts may import it without Qt.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "resources_dir"]

_FOLDER = "resources"


def resources_dir() -> Path:
    """Return the ``resources/`` folder for this run, source tree or frozen bundle.

    Raises FileNotFoundError naming the place looked at when the folder is absent, so a
    broken build fails at start with a readable message instead of blank icons later.
    """
    base = _frozen_base()
    if base is not None:
        candidate = base / _FOLDER
        where = "the frozen bundle (sys._MEIPASS)"
    else:
        # paths.py sits in <root>/ct_ticket/, so the repo root is two parents up.
        candidate = Path(__file__).resolve().parent.parent / _FOLDER
        where = "the source tree"
    if not candidate.is_dir():
        raise FileNotFoundError(f"ct-ticket resources folder not found in {where}: {candidate}")
    return candidate


def resource_path(*parts: str) -> Path:
    """Return the path of a file under ``resources/``, e.g. ``resource_path("icons", "buy.svg")``.

    Raises FileNotFoundError with the full path when the file does not exist, and ValueError
    when the parts would lead outside ``resources/`` (a typo such as ``"../x"`` is a bug).
    """
    if not parts:
        raise ValueError("resource_path() needs at least one path part")
    root = resources_dir()
    path = root.joinpath(*parts)
    # Compare resolved paths so ".." and absolute parts cannot escape the folder.
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"resource path escapes the resources folder: {'/'.join(parts)}")
    if not path.exists():
        raise FileNotFoundError(f"ct-ticket resource missing: {'/'.join(parts)} (looked at {path})")
    return path


def _frozen_base() -> Path | None:
    """Return PyInstaller's unpack folder when running frozen, else None."""
    if not getattr(sys, "frozen", False):
        return None
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass is None:
        # Frozen by a tool other than PyInstaller: the bundle sits next to the executable.
        return Path(sys.executable).resolve().parent
    return Path(meipass)
