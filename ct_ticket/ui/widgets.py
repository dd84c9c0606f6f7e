"""Small helpers every view uses to name its widgets: objectName for tests and style sheets,
an accessible name for screen readers, a tooltip that says what the control does."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QPushButton, QWidget

from ct_ticket.ui import theme

__all__ = ["button", "named", "tight"]


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
