"""Whole orders on narrow buttons: a send button's text is wrapped onto as many lines as its
width needs, so no price is ever cut off ("Flatten & SELL 1 MES 12-26 STPLMT 6852.00 6852.25"
at the ticket's minimum width becomes two lines, broken before the order type).

The wrap follows the button's real width and font (the style sheet's), every time either
changes; the button's height grows with its lines.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QPushButton, QSizePolicy, QStyle, QStyleOptionButton

from ct_ticket.ui.theme import set_style_property

__all__ = ["MAX_LINES", "FittedText", "text_room", "wrap_lines"]

_ICON_GAP = 4  # what Qt's styles leave between a push button's icon and its text
_SLACK = 2  # rounding in text layout: keep a hair's breadth from the edge
MAX_LINES = 3  # the account line and two of order; a longer order takes a smaller size


def wrap_lines(lines: list[str], fits: Callable[[str], bool], break_before: str = "") -> list[str]:
    """Each line that does not fit is split: first before `break_before` (a whole word, not the
    first), then word by word. A single word wider than the room stays whole: it is never
    cut."""
    out: list[str] = []
    for line in lines:
        if fits(line):
            out.append(line)
            continue
        words = line.split(" ")
        if break_before and break_before in words[1:]:
            at = words.index(break_before, 1)
            out += wrap_lines([" ".join(words[:at]), " ".join(words[at:])], fits)
            continue
        current = ""
        for word in words:
            trial = f"{current} {word}" if current else word
            if current and not fits(trial):
                out.append(current)
                current = word
            else:
                current = trial
        out.append(current)
    return out


def text_room(button: QPushButton) -> int:
    """The width a push button's text may take: its contents rectangle (after the style
    sheet's border and padding) less the icon beside the text."""
    option = QStyleOptionButton()
    button.initStyleOption(option)
    contents = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                             button)
    room = contents.width() - _SLACK
    if not button.icon().isNull():
        room -= button.iconSize().width() + _ICON_GAP
    return room


class FittedText(QObject):
    """Keeps `button`'s text wrapped to its width. Give it text with `set_text`, never the
    button's `setText` (the next resize would bring the old text back)."""

    def __init__(self, button: QPushButton) -> None:
        super().__init__(button)
        self.button = button
        self._text = button.text().replace("&&", "&")
        self._break_before = ""
        self._least_height = button.minimumHeight()
        self._fitting = False
        self._fitted = False  # refit has not run yet: the first set_text must
        # The layout decides the width and the wrap follows it; a long order must not widen
        # the window (a push button's minimum would otherwise be its one-line width).
        policy = button.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        button.setSizePolicy(policy)
        button.installEventFilter(self)

    def set_text(self, text: str, break_before: str = "") -> None:
        """`text`'s lines as written ('&' is shown as '&'), wrapped where the button needs;
        `break_before` names the word a line should rather break before. The same text again
        does nothing: every quote re-labels the send buttons, and a re-fit re-styles, measures
        and re-lays out the button (resizes, font and style changes re-fit by themselves)."""
        if (text, break_before) == (self._text, self._break_before) and self._fitted:
            return
        self._text, self._break_before = text, break_before
        self.refit()

    def lines(self) -> list[str]:
        """The lines the button shows now."""
        return self.button.text().replace("&&", "&").split("\n")

    def _wrapped(self) -> list[str]:
        metrics = QFontMetrics(self.button.font())
        room = text_room(self.button)
        return wrap_lines(self._text.split("\n"),
                          lambda line: metrics.horizontalAdvance(line) <= room,
                          self._break_before)

    def refit(self) -> None:
        """Wrap to the width now; past MAX_LINES in the style sheet's size, a size smaller
        (the sheet's [compact="true"] rule)."""
        if self._fitting:
            return  # the compact switch re-polishes, which changes the font: we are on it
        self._fitting = True
        try:
            set_style_property(self.button, "compact", False)
            lines = self._wrapped()
            if len(lines) > MAX_LINES:
                set_style_property(self.button, "compact", True)
                lines = self._wrapped()
        finally:
            self._fitting = False
        self._fitted = True
        shown = "\n".join(lines).replace("&", "&&")  # '&' would mark a mnemonic
        if shown != self.button.text():
            self.button.setText(shown)
        # A squeezed layout gives a button its minimum: make that every line's height.
        self.button.setMinimumHeight(max(self._least_height, self.button.sizeHint().height()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.button and event.type() in (QEvent.Type.Resize,
                                                       QEvent.Type.FontChange,
                                                       QEvent.Type.StyleChange):
            self.refit()
        return False
