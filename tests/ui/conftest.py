"""UI tests render offscreen: no display is needed on a developer's machine or in CI."""

from __future__ import annotations

import os

# Must happen before the QApplication exists; pytest-qt creates it lazily in the qapp fixture.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
