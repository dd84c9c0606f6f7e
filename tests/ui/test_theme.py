"""ct_ticket.ui.theme: icons render, both style sheets load and actually colour the ticket."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import QFile, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QImageReader, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ct_ticket.paths import resource_path, resources_dir
from ct_ticket.ui import theme

ICONS = (
    "refresh", "buy", "sell", "flatten", "close", "reverse", "cancel", "kill",
    "pin", "key", "star", "repeat", "sound", "log",
)  # fmt: skip
OBJECT_NAMES = {
    "protectButton",
    "accountPicker", "instrumentPicker", "quantityField", "orderTypePicker", "limitPriceField",
    "stopPriceField", "timeInForcePicker", "atmStrategyField", "ocoIdField", "buyButton",
    "sellButton", "placeButton", "flattenPlaceButton", "closePositionButton", "reverseButton",
    "cancelAllButton", "flattenEverythingButton", "quoteLabel", "confirmOrdersToggle",
    "alwaysOnTopToggle", "positionLabel", "statusLine", "activityLog", "accountKindBadge",
    "connectionIndicator", "streamIndicator", "ticketRoot", "bidButton", "askButton", "pnlLabel",
}  # fmt: skip
THEMES = ("dark", "light")
BUY, SELL = QColor("#1f9d55"), QColor("#d64545")


def _sheet(name: str) -> str:
    return resource_path("theme", f"{name}.qss").read_text(encoding="utf-8")


def _selectors(sheet: str) -> list[str]:
    """Every selector of a style sheet, in order, comments stripped."""
    body = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    heads = re.findall(r"([^{}]+)\{", body)
    return [s.strip() for head in heads for s in head.split(",")]


def _visible_pixels(image: QImage) -> int:
    return sum(
        image.pixelColor(x, y).alpha() > 0
        for y in range(image.height())
        for x in range(image.width())
    )


def _close(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def _fill_colour(widget: QWidget) -> QColor:
    """The colour just inside a widget's left edge, clear of border and text."""
    image = widget.grab().toImage()
    return image.pixelColor(6, image.height() // 2)


@pytest.fixture(params=THEMES)
def themed(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    """Each test runs under both themes; the app's look is reset afterwards."""
    with _restored_look(qapp):
        yield theme.apply_theme(qapp, dark=request.param == "dark")


@contextmanager
def _restored_look(app: QApplication) -> Iterator[None]:
    """Give the shared QApplication back with the palette and sheet it had."""
    palette, sheet = QPalette(app.palette()), app.styleSheet()
    try:
        yield
    finally:
        app.setStyleSheet(sheet)
        app.setPalette(palette)


# ---- icons --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ICONS)
@pytest.mark.parametrize("size", [16, 32])
def test_every_icon_renders_non_blank(qapp: QApplication, name: str, size: int) -> None:
    image = theme.icon(name).pixmap(size, size).toImage()
    assert (image.width(), image.height()) == (size, size)
    visible = _visible_pixels(image)
    # A stroke icon covers some of its square but never all of it.
    assert size * size * 0.05 < visible < size * size * 0.9


def test_icons_are_cached(qapp: QApplication) -> None:
    assert theme.icon("buy") is theme.icon("buy")


def test_unknown_icon_fails_loudly(qapp: QApplication) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        theme.icon("nope")


def _ink(image: QImage) -> set[str]:
    """The colours of an icon's solid pixels (anti-aliased edges left out)."""
    return {
        image.pixelColor(x, y).name()
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() == 255
    }


@pytest.mark.parametrize("name", ICONS)
def test_every_icon_is_drawn_in_the_recolourable_grey(name: str) -> None:
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    assert theme.ICON_GREY in svg


def test_recoloured_icon_is_white_and_checked_colour_applies_only_when_checked(
    qapp: QApplication,
) -> None:
    white = theme.icon("buy", color="#ffffff").pixmap(32, 32).toImage()
    assert _ink(white) == {"#ffffff"}

    toggling = theme.icon("buy", checked_color="#ffffff")
    off = toggling.pixmap(32, 32, QIcon.Mode.Normal, QIcon.State.Off).toImage()
    on = toggling.pixmap(32, 32, QIcon.Mode.Normal, QIcon.State.On).toImage()
    assert _ink(off) == {theme.ICON_GREY}
    assert _ink(on) == {"#ffffff"}


@pytest.mark.parametrize("size", [16, 32, 256])
def test_app_icon_shows_green_and_red(qapp: QApplication, size: int) -> None:
    image = theme.app_icon().pixmap(size, size).toImage()
    colours = [image.pixelColor(x, y) for y in range(size) for x in range(size)]
    assert any(_close(c, BUY, 30) for c in colours)
    assert any(_close(c, SELL, 30) for c in colours)


def test_app_ico_holds_every_windows_size(qapp: QApplication) -> None:
    reader = QImageReader(str(resource_path("app.ico")))
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull()
        sizes.append(image.width())
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_app_icns_and_png_are_readable(qapp: QApplication) -> None:
    reader = QImageReader(str(resource_path("app.icns")))
    assert reader.imageCount() >= 4
    assert QImage(str(resource_path("app.png"))).size().width() == 256


def test_resources_stay_small() -> None:
    total = sum(p.stat().st_size for p in resources_dir().rglob("*") if p.is_file())
    assert total < 400_000


# ---- style sheets -------------------------------------------------------------------------


@pytest.mark.parametrize("name", THEMES)
def test_side_buttons_have_a_checked_rule(name: str) -> None:
    selectors = _selectors(_sheet(name))
    assert "QPushButton#buyButton:checked" in selectors
    assert "QPushButton#sellButton:checked" in selectors


def test_both_themes_style_the_same_selectors() -> None:
    assert _selectors(_sheet("dark")) == _selectors(_sheet("light"))


@pytest.mark.parametrize("name", THEMES)
def test_style_sheets_name_only_known_widgets(name: str) -> None:
    named = set(re.findall(r"#([A-Za-z]\w*)", " ".join(_selectors(_sheet(name)))))
    assert named <= OBJECT_NAMES, named - OBJECT_NAMES


@pytest.mark.parametrize("name", THEMES)
def test_style_sheet_images_exist(name: str) -> None:
    urls = re.findall(r"url\(resources:([^)]+)\)", _sheet(name))
    assert urls
    for url in urls:
        assert resource_path(*url.split("/")).is_file()


def test_apply_theme_sets_fusion_palette_and_sheet(themed: str, qapp: QApplication) -> None:
    assert qapp.styleSheet() == _sheet(themed)
    window = qapp.palette().color(QPalette.ColorRole.Window)
    assert (window.lightness() < 128) == (themed == "dark")
    # The url(resources:...) images in the sheet resolve through the registered search path.
    assert QFile("resources:icons/chevron-down.svg").exists()
    # With a sheet set, style() is Qt's sheet wrapper; the base style shows once it is cleared.
    qapp.setStyleSheet("")
    assert qapp.style().name().lower() == "fusion"


def test_apply_theme_follows_the_system_when_not_told(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _restored_look(qapp):
        monkeypatch.setattr(theme, "system_prefers_dark", lambda app: True)
        assert theme.apply_theme(qapp) == "dark"
        monkeypatch.setattr(theme, "system_prefers_dark", lambda app: False)
        assert theme.apply_theme(qapp) == "light"


def _ticket(qtbot: QtBot) -> dict[str, QWidget]:
    """A miniature ticket carrying the object names the style sheets select on."""
    root = QWidget()
    root.setObjectName("ticketRoot")
    root.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    layout = QVBoxLayout(root)
    widgets: dict[str, QWidget] = {"ticketRoot": root}
    for name, widget in (
        ("buyButton", QPushButton("BUY")),
        ("sellButton", QPushButton("SELL")),
        ("flattenPlaceButton", QPushButton("Flatten && BUY 1 MES")),
        ("placeButton", QPushButton("BUY 1 MES")),
        ("flattenEverythingButton", QPushButton("Flatten everything")),
        ("limitPriceField", QLineEdit("5012.30")),
        ("statusLine", QLabel("status")),
        ("accountKindBadge", QLabel("LIVE")),
        ("quoteLabel", QLabel("5012.25")),
    ):
        widget.setObjectName(name)
        layout.addWidget(widget)
        widgets[name] = widget
    for side in ("buyButton", "sellButton"):
        button = widgets[side]
        assert isinstance(button, QPushButton)
        button.setCheckable(True)
    qtbot.addWidget(root)
    root.resize(320, 400)
    root.show()
    return widgets


def test_style_sheets_parse_without_warnings(themed: str, qtbot: QtBot, qtlog: Any) -> None:
    # Qt parses a sheet only when it polishes a widget, and reports errors as warnings.
    _ticket(qtbot)
    QApplication.processEvents()
    messages = [record.message for record in qtlog.records]
    assert not [m for m in messages if "style" in m.lower() or "parse" in m.lower()]


def test_chosen_side_is_a_full_fill_and_the_other_is_not(themed: str, qtbot: QtBot) -> None:
    ticket = _ticket(qtbot)
    buy, sell = ticket["buyButton"], ticket["sellButton"]
    assert isinstance(buy, QPushButton) and isinstance(sell, QPushButton)
    buy.setChecked(True)
    assert _close(_fill_colour(buy), BUY)
    assert not _close(_fill_colour(sell), SELL, 60)
    buy.setChecked(False)
    sell.setChecked(True)
    assert _close(_fill_colour(sell), SELL)
    assert not _close(_fill_colour(buy), BUY, 60)


def test_side_tints_the_ticket_and_colours_the_primary_button(themed: str, qtbot: QtBot) -> None:
    ticket = _ticket(qtbot)
    root, primary = ticket["ticketRoot"], ticket["flattenPlaceButton"]
    neutral = root.grab().toImage().pixelColor(1, 1)

    theme.set_style_property(root, "side", "buy")
    tint = root.grab().toImage().pixelColor(1, 1)
    assert tint.green() > tint.red() and tint != neutral
    assert _close(_fill_colour(primary), BUY)

    theme.set_style_property(root, "side", "sell")
    tint = root.grab().toImage().pixelColor(1, 1)
    assert tint.red() > tint.green()
    assert _close(_fill_colour(primary), SELL)


def test_send_buttons_in_flight_lose_the_side_colour(themed: str, qtbot: QtBot) -> None:
    ticket = _ticket(qtbot)
    theme.set_style_property(ticket["ticketRoot"], "side", "buy")
    primary = ticket["flattenPlaceButton"]
    primary.setEnabled(False)
    assert not _close(_fill_colour(primary), BUY, 60)


def test_live_badge_is_amber_and_sim_is_not(themed: str, qtbot: QtBot) -> None:
    ticket = _ticket(qtbot)  # keeps the window alive
    badge = ticket["accountKindBadge"]
    theme.set_style_property(badge, "accountKind", "live")
    assert _close(_fill_colour(badge), QColor("#f59e0b"))
    theme.set_style_property(badge, "accountKind", "sim")
    assert not _close(_fill_colour(badge), QColor("#f59e0b"), 60)


def test_each_status_level_has_its_own_colour(themed: str, qtbot: QtBot) -> None:
    ticket = _ticket(qtbot)  # keeps the window alive
    status = ticket["statusLine"]
    colours = set()
    for level in ("ok", "warning", "error", "unknown"):
        theme.set_style_property(status, "level", level)
        colours.add(status.palette().color(QPalette.ColorRole.WindowText).name())
    assert len(colours) == 4


def test_stale_quote_changes_colour(themed: str, qtbot: QtBot) -> None:
    ticket = _ticket(qtbot)  # keeps the window alive
    quote = ticket["quoteLabel"]
    fresh = quote.palette().color(QPalette.ColorRole.WindowText).name()
    theme.set_style_property(quote, "stale", True)
    assert quote.palette().color(QPalette.ColorRole.WindowText).name() != fresh


def test_invalid_field_gets_a_red_border(themed: str, qtbot: QtBot) -> None:
    ticket = _ticket(qtbot)  # keeps the window alive
    field = ticket["limitPriceField"]
    theme.set_style_property(field, "invalid", True)
    image = field.grab().toImage()
    edge = image.pixelColor(0, image.height() // 2)
    assert edge.red() > 180 and edge.green() < 110


def test_set_style_property_skips_unchanged_values(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    theme.set_style_property(label, "level", "ok")
    calls: list[object] = []
    monkeypatch.setattr(label, "setProperty", lambda *args: calls.append(args))
    theme.set_style_property(label, "level", "ok")
    assert calls == []


# ---- following the desktop ----------------------------------------------------------------


class _Hints:
    def __init__(self, scheme: Qt.ColorScheme) -> None:
        self.scheme = scheme

    def colorScheme(self) -> Qt.ColorScheme:
        return self.scheme


class _FakeApp:
    """Just what system_prefers_dark reads: style hints and a palette."""

    def __init__(self, scheme: Qt.ColorScheme, window: str) -> None:
        self.hints = _Hints(scheme)
        self.pal = QPalette()
        self.pal.setColor(QPalette.ColorRole.Window, QColor(window))

    def styleHints(self) -> _Hints:
        return self.hints

    def palette(self) -> QPalette:
        return self.pal


@pytest.mark.parametrize(
    ("scheme", "window", "dark"),
    [
        (Qt.ColorScheme.Dark, "#ffffff", True),
        (Qt.ColorScheme.Light, "#000000", False),
        (Qt.ColorScheme.Unknown, "#202020", True),
        (Qt.ColorScheme.Unknown, "#f0f0f0", False),
    ],
)
def test_system_preference_comes_from_the_scheme_then_the_palette(
    qapp: QApplication,
    monkeypatch: pytest.MonkeyPatch,
    scheme: Qt.ColorScheme,
    window: str,
    dark: bool,
) -> None:
    # Ignore the palette captured from the real app so the fake's palette is the system's.
    monkeypatch.setattr(theme, "_system_palette", None)
    fake = _FakeApp(scheme, window)
    assert theme.system_prefers_dark(fake) is dark  # type: ignore[arg-type]


def test_follow_system_theme_reapplies_on_change_and_connects_once(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefers_dark = [True]
    monkeypatch.setattr(theme, "system_prefers_dark", lambda app: prefers_dark[0])
    with _restored_look(qapp):
        assert theme.follow_system_theme(qapp) == "dark"
        assert theme.follow_system_theme(qapp) == "dark"

        applied: list[str] = []
        original = theme.apply_theme
        monkeypatch.setattr(theme, "apply_theme", lambda app: applied.append(original(app)) or "")
        prefers_dark[0] = False
        qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert applied == ["light"]
        assert qapp.styleSheet() == _sheet("light")

# --- room to the account's limits (issue 15): the position panel's room line is styled -------
OBJECT_NAMES.add("roomLabel")
