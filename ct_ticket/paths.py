"""Where the app's read-only resources (icons, style sheets, sounds) live.

Three layouts are supported, looked at in this order:

* frozen by PyInstaller: ``<sys._MEIPASS>/resources``, where ct_ticket.spec bundles the folder;
* installed from a wheel (``pip install .``, ``pipx install .``): ``ct_ticket/resources``,
  where setup.py copies the folder into the package;
* from source (a checkout, or an editable install): ``<repo>/resources``, next to the
  ``ct_ticket`` package.

Pure Python on purpose: the model/API layers and the build scripts may import it without Qt.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["REQUIRED_RESOURCES", "resource_path", "resources_dir"]

_FOLDER = "resources"

REQUIRED_RESOURCES: tuple[tuple[str, ...], ...] = (
    ("theme", "dark.qss"), ("theme", "light.qss"), ("app.svg",), ("app.png",), ("icons",))
"""What the window cannot start without: checked before it opens (and by --self-test)."""


def resources_dir() -> Path:
    """Return the ``resources/`` folder for this run: frozen bundle, installed package or checkout.

    Raises FileNotFoundError naming the places looked at when the folder is absent, so a broken
    build or install fails at start with a readable message instead of blank icons later.
    """
    base = _frozen_base()
    if base is not None:
        candidates = [(base / _FOLDER, "the frozen bundle (sys._MEIPASS)")]
    else:
        package = Path(__file__).resolve().parent
        # The installed package first: a checkout's sibling folder cannot be mistaken for it,
        # while site-packages/resources could belong to any other distribution.
        candidates = [(package / _FOLDER, "the installed package"),
                      (package.parent / _FOLDER, "the source tree")]
    for candidate, _where in candidates:
        if candidate.is_dir():
            return candidate
    looked = "; ".join(f"{where}: {candidate}" for candidate, where in candidates)
    raise FileNotFoundError(f"ct-ticket resources folder not found (looked in {looked})")


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
