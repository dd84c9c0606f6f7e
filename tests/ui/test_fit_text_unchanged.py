"""A send button's wrapped text is fitted again only when something it depends on changed: every
quote re-labels the buttons, and the same words must not re-style and re-measure them each time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QPushButton

from ct_ticket.ui.fit_text import FittedText


def _counting(fitted: FittedText) -> list[int]:
    calls: list[int] = []
    refit = fitted.refit

    def counted() -> None:
        calls.append(1)
        refit()

    fitted.refit = counted  # type: ignore[method-assign]
    return calls


def test_the_same_text_again_is_not_fitted_again(qtbot: Any) -> None:
    button = QPushButton("Flatten && BUY")
    qtbot.addWidget(button)
    button.resize(160, 40)
    button.show()
    fitted = FittedText(button)
    fitted.set_text("Flatten & BUY 1 MES 12-26 LMT 6852.25", "LMT")
    calls = _counting(fitted)

    fitted.set_text("Flatten & BUY 1 MES 12-26 LMT 6852.25", "LMT")
    assert calls == []

    fitted.set_text("Flatten & BUY 2 MES 12-26 LMT 6852.25", "LMT")
    assert calls == [1]
    assert "2 MES" in " ".join(fitted.lines())


def test_a_resize_still_refits_the_same_text(qtbot: Any) -> None:
    button = QPushButton("Place")
    qtbot.addWidget(button)
    button.resize(600, 40)
    button.show()
    fitted = FittedText(button)
    text = "Place SELL 1 MES 12-26 STPLMT 6852.00 6852.25 (Sim101)"
    fitted.set_text(text, "STPLMT")
    wide = fitted.lines()
    button.resize(90, 40)
    qtbot.waitUntil(lambda: len(fitted.lines()) > len(wide), timeout=2_000)
    fitted.set_text(text, "STPLMT")  # unchanged words: the narrow wrap stays
    assert len(fitted.lines()) > len(wide)
