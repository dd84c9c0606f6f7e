"""Puts resources/ into the wheel as ct_ticket/resources (everything else is in pyproject.toml).

The folder stays at the top of the checkout (the PyInstaller spec, the README and the scripts in
it refer to it there); ct_ticket/paths.py finds it in either place. An editable install needs no
copy: paths.py reads the checkout's folder.
"""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# Kept out of the wheel as out of the frozen build (ct_ticket.spec): the scripts that make the
# icons and sounds, and the README's screenshots.
NOT_SHIPPED = ("make_*.py", "screenshot*.png", "*.pyc", "__pycache__")


class BuildPyWithResources(build_py):
    """build_py that also copies resources/ into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = Path(__file__).resolve().parent / "resources"
        target = Path(self.build_lib) / "ct_ticket" / "resources"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=lambda _folder, names: [
            n for n in names if any(fnmatch.fnmatch(n, p) for p in NOT_SHIPPED)])


setup(cmdclass={"build_py": BuildPyWithResources})
