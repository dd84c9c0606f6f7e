"""Small helpers every view uses to name its widgets: objectName for tests and style sheets,
an accessible name for screen readers, a tooltip that says what the control does; and the box
that keeps an often-changing text from re-laying out the window."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QBoxLayout, QLabel, QPushButton, QWidget

from ct_ticket.ui import theme

__all__ = ["SteadyBox", "button", "named", "steady", "tight"]


def named(widget: QWidget, name: str, accessible: str, tip: str = "") -> None:
    """Give `widget` its objectName, accessible name and (optionally) tooltip."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    if tip:
        widget.setToolTip(tip)


def button(name: str, text: str, accessible: str, tip: str = "", icon: str = "",
           *, on_fill: bool = False) -> QPushButton:
    """A ticket button that Enter in a field can never press."""
    widget = QPushButton(text)
    named(widget, name, accessible, tip)
    widget.setAutoDefault(False)  # Enter in a field must never press a send button
    widget.setDefault(False)
    if icon:
        # White on the saturated fills (a checked side, the primary button), grey elsewhere.
        widget.setIcon(theme.icon(icon, color="#ffffff") if on_fill and name == "flattenPlaceButton"
                       else theme.icon(icon, checked_color="#ffffff") if on_fill
                       else theme.icon(icon))
    return widget


def tight(layout: QBoxLayout) -> QBoxLayout:
    """A panel's own layout: no margins (the window sets them), the window's spacing."""
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    return layout


class SteadyBox(QWidget):
    """Holds one widget whose text changes often (a price, a P&L) so that a new text repaints
    that widget alone instead of re-laying out the window.

    A text change makes Qt invalidate the parent's layout, and a layout's activation always
    invalidates its parent's in turn, up to the window: every quote re-measured the ticket.
    This box has no layout: its child fills it, and the box forwards the child's size hints to
    the layout it sits in. When the child asks for a new layout, the box passes it on only if
    the child's hints changed (a price with one more digit, a line that now wraps).

    Measuring is itself costly (a styled button's size hint runs the style sheet's rules), so
    the box first compares the text's shape, every digit as 0: where the font's digits are all
    one width (tabular figures, as every monospace font and most others have), the same shape
    needs the same room. A new font or style, or a new width, measures again. Show and hide the
    box, not the child: a hidden child leaves an empty box."""

    def __init__(self, child: QLabel | QAbstractButton) -> None:
        super().__init__()
        self.setObjectName(f"{child.objectName()}Box")
        self.child = child
        child.setParent(self)
        self.setSizePolicy(child.sizePolicy())  # stretch and height-for-width as the child's
        self._even_digits: bool | None = None  # the child's font, None: not checked since
        self._shape: str | None = None  # the child's text when last measured, digits as 0
        self._hints = self._measure()
        child.installEventFilter(self)

    def _measure(self) -> tuple[QSize, QSize, int]:
        child = self.child
        height = child.heightForWidth(self.width()) if child.hasHeightForWidth() else -1
        return child.sizeHint(), child.minimumSizeHint(), height

    def _text_shape(self) -> str | None:
        """The child's text with every digit as 0, or None when digits differ in width."""
        if self._even_digits is None:
            metrics = QFontMetrics(self.child.font())
            self._even_digits = len({metrics.horizontalAdvance(d) for d in "0123456789"}) == 1
        return self.child.text().translate(_DIGITS_AS_ZERO) if self._even_digits else None

    def sizeHint(self) -> QSize:  # Qt's name
        return self.child.sizeHint()

    def minimumSizeHint(self) -> QSize:  # Qt's name
        return self.child.minimumSizeHint()

    def heightForWidth(self, width: int) -> int:  # Qt's name
        return self.child.heightForWidth(width)

    def event(self, event: QEvent) -> bool:  # Qt's name
        kind = event.type()
        if kind == QEvent.Type.LayoutRequest:  # the child's text (or more) changed
            shape = self._text_shape()
            if shape is None or shape != self._shape:
                self._shape = shape
                hints = self._measure()
                if hints != self._hints:
                    self._hints = hints
                    self.setSizePolicy(self.child.sizePolicy())
                    self.updateGeometry()  # the child needs other room: the layout decides
            return True
        if kind == QEvent.Type.Resize:
            self.child.setGeometry(self.rect())
            self._shape = None  # another width may wrap the same text otherwise
            self._hints = self._measure()
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() in _RESTYLED:  # another font or padding: measure the next text anew
            self._even_digits = self._shape = None
        return False


_DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")
_RESTYLED = frozenset({QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.Polish,
                       QEvent.Type.PolishRequest, QEvent.Type.ContentsRectChange})


def steady(widget: QLabel | QAbstractButton) -> SteadyBox:
    """`widget` in a `SteadyBox`: add the box to the layout in the widget's place."""
    return SteadyBox(widget)
