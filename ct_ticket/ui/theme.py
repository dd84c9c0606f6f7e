"""Look and feel: Fusion style, a light or dark palette, the QSS from resources/theme, icons.

The palette covers every widget the style sheet does not name; the style sheet adds the
ticket's own meaning (BUY/SELL colours, LIVE/SIM badge, status levels). Both themes share one
set of selectors, listed at the top of resources/theme/dark.qss.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from PySide6.QtCore import QByteArray, QDir, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget

from ct_ticket.paths import resource_path, resources_dir

__all__ = [
    "ICON_GREY",
    "app_icon",
    "apply_palette",
    "apply_theme",
    "follow_system_theme",
    "icon",
    "set_style_property",
    "system_prefers_dark",
]

# Colours shared with the QSS headers; the palette must agree with the sheet's surfaces.
_DARK = {
    "window": "#1e2127",
    "base": "#15171b",
    "alternate": "#1a1c21",
    "button": "#2a2e36",
    "text": "#e6e8eb",
    "muted": "#9aa0a9",
    "disabled": "#5f646d",
    "highlight": "#2f5fb3",
    "link": "#6ea2ff",
    "tooltip": "#2a2e36",
}
_LIGHT = {
    "window": "#f4f5f7",
    "base": "#ffffff",
    "alternate": "#f0f1f4",
    "button": "#e9ebef",
    "text": "#1d2025",
    "muted": "#5c626b",
    "disabled": "#a0a5ad",
    "highlight": "#3b76e0",
    "link": "#1f5fd1",
    "tooltip": "#ffffff",
}

# The palette the platform gave us, captured before apply_theme replaces it: the fallback in
# system_prefers_dark must not read back our own palette.
_system_palette: QPalette | None = None
_FOLLOW_FLAG = "ctTicketFollowsSystemTheme"
_FUSION_FLAG = "ctTicketFusionSet"
# Style sheets name images as url(resources:icons/x.svg): a relative url() would be resolved
# against the working directory, which differs between a checkout and the frozen app.
_SEARCH_PREFIX = "resources"
# The stroke colour every icon SVG is drawn with; icon(color=...) swaps it.
ICON_GREY = "#8a8f98"
# Pixmap sizes for recoloured icons: 1x and 2x of the usual 16/20/24/32 px button icons.
_ICON_SIZES = (16, 20, 24, 32, 40, 48, 64)


def system_prefers_dark(app: QGuiApplication) -> bool:
    """Tell whether the desktop asks for a dark theme.

    Uses the platform colour scheme (Qt 6.5+); where the platform does not say (Unknown), falls
    back to the lightness of the platform's own window colour.
    """
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    palette = _system_palette if _system_palette is not None else app.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, dark: bool | None = None) -> str:
    """Apply Fusion, the palette and the style sheet; ``dark=None`` follows the system.

    Returns the theme applied, "dark" or "light".
    """
    name = apply_palette(app, dark)
    sheet = resource_path("theme", f"{name}.qss").read_text(encoding="utf-8")
    QDir.setSearchPaths(_SEARCH_PREFIX, [str(resources_dir())])
    if app.styleSheet() != sheet:  # an unchanged sheet would still re-polish every widget
        app.setStyleSheet(sheet)
    return name


def apply_palette(app: QApplication, dark: bool | None = None) -> str:
    """Fusion and the theme's palette, without the sheet; ``dark=None`` follows the system.

    The start-up calls it before any widget exists, where it costs nothing: set on a built
    window, a new style re-polishes and a new palette reaches every widget (~300 style and
    palette events for the ticket). Either is set only when it changes. Returns the theme.
    """
    global _system_palette
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
    if dark is None:
        dark = system_prefers_dark(app)
    # Fusion on every platform: it honours the palette fully, so both themes look the same on
    # Windows, macOS and Linux.
    # Under a style sheet app.style() is Qt's sheet style, which does not say what it wraps:
    # the app's property remembers that Fusion was set.
    if not app.property(_FUSION_FLAG):
        style = app.style()
        if style is None or style.name().lower() != "fusion":
            app.setStyle("Fusion")
        app.setProperty(_FUSION_FLAG, True)
    palette = _palette(_DARK if dark else _LIGHT)
    if app.palette() != palette:
        app.setPalette(palette)
    return "dark" if dark else "light"


def follow_system_theme(app: QApplication) -> str:
    """Apply the system's theme now and again whenever the desktop switches light/dark.

    Calling it twice connects once. Returns the theme applied now.
    """
    if not app.property(_FOLLOW_FLAG):
        app.setProperty(_FOLLOW_FLAG, True)
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
    return apply_theme(app)


def set_style_property(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the style sheet selects on, and re-polish so it shows at once.

    Qt does not re-evaluate style rules when a property changes. Descendants are re-polished
    too, because rules such as ``#ticketRoot[side="buy"] #placeButton`` depend on an ancestor;
    when no rule of the application's sheet selects on the property through an ancestor (and
    no widget along the way has a sheet of its own), the widget alone is re-polished: the
    account kind on the ticket's root re-polished all ~200 widgets (~20 ms of the first load).
    A widget not polished yet is left alone: it is polished when first shown, with the new value.
    """
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    descendants = widget.findChildren(QWidget)
    app = QApplication.instance()
    sheet = app.styleSheet() if isinstance(app, QApplication) else ""
    if descendants and not _selects_through_ancestor(sheet, name) and not _own_sheet_near(
            widget, descendants):
        descendants = []
    polished = Qt.WidgetAttribute.WA_WState_Polished
    for target in (widget, *descendants):
        if not target.testAttribute(polished):
            continue
        style = target.style()
        style.unpolish(target)
        style.polish(target)
        target.update()


def _own_sheet_near(widget: QWidget, descendants: list[QWidget]) -> bool:
    """Whether the widget, an ancestor or a descendant has a style sheet of its own (whose
    rules `_selects_through_ancestor` does not read)."""
    ancestor: QWidget | None = widget
    while ancestor is not None:
        if ancestor.styleSheet():
            return True
        ancestor = ancestor.parentWidget()
    return any(child.styleSheet() for child in descendants)


@lru_cache(maxsize=32)
def _selects_through_ancestor(sheet: str, name: str) -> bool:
    """Whether a rule of `sheet` selects on the property `name` of an ancestor (a bracket with
    the name in any part of a selector but its last): such rules restyle the descendants."""
    wanted = f"[{name}"
    for head in re.findall(r"([^{}]*)\{", re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)):
        for selector in head.split(","):
            # The last part is what the rule styles; brackets before it name ancestors.
            ancestors = selector.strip().rsplit(" ", 1)[0] if " " in selector.strip() else ""
            if wanted in ancestors:
                return True
    return False


@cache
def icon(name: str, color: str | None = None, checked_color: str | None = None) -> QIcon:
    """Return the icon ``resources/icons/<name>.svg`` (cached; needs a QGuiApplication).

    The icons are drawn in a mid grey that reads on both themes. On a saturated fill (a checked
    BUY button, the primary send button) pass ``color="#ffffff"``; ``checked_color`` recolours
    only the checked state, so a checkable button's icon can turn white with its fill.
    Raises FileNotFoundError for an unknown name, so a typo fails loudly, not as a blank button.
    """
    path = resource_path("icons", f"{name}.svg")
    if color is None and checked_color is None:
        return QIcon(str(path))
    svg = path.read_text(encoding="utf-8")
    result = QIcon()
    for size in _ICON_SIZES:
        normal = _render_svg(svg.replace(ICON_GREY, color or ICON_GREY), size)
        result.addPixmap(normal, QIcon.Mode.Normal, QIcon.State.Off)
        checked = (
            _render_svg(svg.replace(ICON_GREY, checked_color), size) if checked_color else normal
        )
        result.addPixmap(checked, QIcon.Mode.Normal, QIcon.State.On)
    return result


@cache
def app_icon() -> QIcon:
    """Return the application icon: the SVG for any size, plus the 256 px PNG as a fallback."""
    result = QIcon(str(resource_path("app.svg")))
    result.addFile(str(resource_path("app.png")))
    return result


def _render_svg(svg: str, size: int) -> QPixmap:
    """Render SVG text into a transparent square pixmap."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(QByteArray(svg.encode("utf-8"))).render(painter)
    painter.end()
    return QPixmap.fromImage(image)


def _palette(colours: dict[str, str]) -> QPalette:
    """Build a complete QPalette (active, inactive and disabled groups) from a colour table."""
    role = QPalette.ColorRole
    palette = QPalette()
    window, text = QColor(colours["window"]), QColor(colours["text"])
    for r, c in (
        (role.Window, window),
        (role.WindowText, text),
        (role.Base, QColor(colours["base"])),
        (role.AlternateBase, QColor(colours["alternate"])),
        (role.Button, QColor(colours["button"])),
        (role.ButtonText, text),
        (role.Text, text),
        (role.BrightText, QColor("#ffffff")),
        (role.PlaceholderText, QColor(colours["muted"])),
        (role.Highlight, QColor(colours["highlight"])),
        (role.HighlightedText, QColor("#ffffff")),
        (role.Link, QColor(colours["link"])),
        (role.ToolTipBase, QColor(colours["tooltip"])),
        (role.ToolTipText, text),
        (role.Light, window.lighter(150)),
        (role.Midlight, window.lighter(125)),
        (role.Mid, window.darker(130)),
        (role.Dark, window.darker(160)),
        (role.Shadow, QColor("#000000")),
    ):
        palette.setColor(r, c)
    disabled = QColor(colours["disabled"])
    for r in (role.WindowText, role.Text, role.ButtonText, role.PlaceholderText):
        palette.setColor(QPalette.ColorGroup.Disabled, r, disabled)
    return palette
