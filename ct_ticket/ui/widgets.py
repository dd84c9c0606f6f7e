"""Small helpers every view uses to name its widgets: objectName for tests and style sheets,
an accessible name for screen readers, a tooltip that says what the control does; and the box
that keeps an often-changing text from re-laying out the window."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QWidget,
)

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
    The box's own layout (`_SteadyLayout`) passes a child's change on only when the child
    needs other room (a price with one more digit, a line that now wraps); otherwise Qt just
    repaints the child. Show and hide the box, not the child: a hidden child leaves an empty
    box."""

    def __init__(self, child: QLabel | QAbstractButton) -> None:
        super().__init__()
        self.setObjectName(f"{child.objectName()}Box")
        self.setSizePolicy(child.sizePolicy())  # stretch and height-for-width as the child's
        self.child = child
        self.setLayout(_SteadyLayout(child))


class _SteadyLayout(QLayout):
    """One child filling the box; its text changes invalidate nothing while they fit alike.

    Measuring is itself costly (a styled button's size hint runs the style sheet's rules), so
    a change first compares the text's shape, every digit as 0: where the font's digits are
    all one width (tabular figures, as every monospace font and most others have), the same
    shape in the same font needs the same room. Only a new shape or font is measured (size
    hints, and the height at the box's width for a wrapping label), and only other hints
    invalidate the layout. A resize measures the next change anew (the same text may wrap
    otherwise). A style that changes the child's padding but not its font is not noticed
    until the next resize or new shape: the style sheets give the boxed widgets no such rule.
    Qt calls these methods; none runs per quote but `invalidate`."""

    def __init__(self, child: QLabel | QAbstractButton) -> None:
        super().__init__()
        self._child = child
        self._items: list[QLayoutItem] = []
        self._font: QFont | None = None  # the child's font when its digits were checked
        self._even_digits = False  # the digits of that font are all one width
        self._shape: str | None = None  # the child's text when last measured, digits as 0
        self._hints: tuple[QSize, QSize, int] | None = None  # what that measure found
        self.setContentsMargins(0, 0, 0, 0)
        self.addWidget(child)

    def invalidate(self) -> None:  # Qt's name
        if not self._same_room():
            super().invalidate()  # on to the box, and up to the window if the box changes

    def _same_room(self) -> bool:
        """Whether the child, as it is now, needs exactly the room last measured."""
        child = self._child
        font = child.font()
        if font != self._font:
            metrics = QFontMetrics(font)
            self._font, self._shape = font, None
            self._even_digits = len({metrics.horizontalAdvance(d) for d in "0123456789"}) == 1
        shape = child.text().translate(_DIGITS_AS_ZERO) if self._even_digits else None
        if shape is not None and shape == self._shape:
            return True
        self._shape = shape
        width = self.geometry().width()
        hints = (child.sizeHint(), child.minimumSizeHint(),
                 child.heightForWidth(width) if child.hasHeightForWidth() else -1)
        same, self._hints = hints == self._hints, hints
        return same

    def setGeometry(self, rect: QRect) -> None:  # Qt's name
        super().setGeometry(rect)
        for item in self._items:
            item.setGeometry(rect)
        self._shape = None  # at another width the same text may wrap otherwise

    def addItem(self, item: QLayoutItem) -> None:  # Qt's name
        self._items.append(item)

    def count(self) -> int:  # Qt's name
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # Qt's name
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # Qt's name
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def sizeHint(self) -> QSize:  # Qt's name
        return self._items[0].sizeHint() if self._items else QSize()

    def minimumSize(self) -> QSize:  # Qt's name
        return self._items[0].minimumSize() if self._items else QSize()

    def maximumSize(self) -> QSize:  # Qt's name
        return self._items[0].maximumSize() if self._items else super().maximumSize()

    def hasHeightForWidth(self) -> bool:  # Qt's name
        return bool(self._items) and self._items[0].hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:  # Qt's name
        return self._items[0].heightForWidth(width) if self._items else -1

    def expandingDirections(self) -> Qt.Orientation:  # Qt's name
        return (self._items[0].expandingDirections() if self._items
                else Qt.Orientation(0))


_DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")


def steady(widget: QLabel | QAbstractButton) -> SteadyBox:
    """`widget` in a `SteadyBox`: add the box to the layout in the widget's place."""
    return SteadyBox(widget)
