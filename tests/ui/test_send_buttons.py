"""The send buttons show the whole order at every width the window can have: for every order
type, side and time in force, each line's measured width (QFontMetrics, the style sheet's font)
fits the button, the button is tall enough for its lines, and no word of the order is lost.
Prices carry the tick's decimals everywhere in the entry panel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QStyle, QStyleOptionButton

from ct_ticket.model import OrderType, Side
from ct_ticket.ui import theme
from ct_ticket.ui.window import TicketWindow

INSTRUMENT = "MES 12-26"


@pytest.fixture(params=["light", "dark"])
def styled(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[None]:
    """The app's real look (its fonts decide what fits); given back afterwards."""
    palette, sheet = QPalette(qapp.palette()), qapp.styleSheet()
    theme.apply_theme(qapp, dark=request.param == "dark")
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


@pytest.fixture
def window(ui: Any, styled: None, sim_server: Any, settings_path: Path
           ) -> Iterator[TicketWindow]:
    sim_server.sim.rate_limit_enabled = False
    win = ui.open(sim_server.url, settings_path)
    picker = win.entry.view.account_picker
    picker.setCurrentIndex(picker.findData("Apex-12"))  # LIVE: the longest tag line
    picker.activated.emit(picker.currentIndex())
    ui.set_instrument(win, INSTRUMENT)
    ui.wait_idle(win)
    yield win
    ui.close(win)


def room_for_text(button: QPushButton) -> int:
    """What Qt's push button leaves its text: the contents rectangle after the style sheet's
    border and padding, less the icon and the gap beside it."""
    option = QStyleOptionButton()
    button.initStyleOption(option)
    rect = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button)
    icon = 0 if button.icon().isNull() else button.iconSize().width() + 4
    return rect.width() - icon


def assert_fits(button: QPushButton, words: str) -> None:
    lines = button.text().replace("&&", "&").split("\n")
    metrics = QFontMetrics(button.font())
    room = room_for_text(button)
    for line in lines:
        assert metrics.horizontalAdvance(line) <= room, (button.objectName(), line, room)
    assert button.height() >= metrics.lineSpacing() * len(lines), (button.objectName(), lines)
    assert " ".join(lines).split() == words.split()  # every word there, in order


@pytest.mark.parametrize("width", ["minimum", "default"])
def test_every_order_fits_its_send_buttons(ui: Any, window: TicketWindow, width: str) -> None:
    view = window.entry.view
    if width == "minimum":
        window.resize(window.minimumWidth(), window.height())
    QApplication.processEvents()
    assert window.width() == (window.minimumWidth() if width == "minimum" else 430)
    assert window.minimumWidth() <= 330  # a long order never widens the window
    ui.type_keys(view.quantity_field, "100")
    for order_type in OrderType:
        for side in Side:
            for tif in ("DAY", "GTC"):
                ui.choose(window, order_type.value, tif)
                window.entry.choose_side(side)
                ui.type_keys(view.stop_price_field, "6852")
                ui.type_keys(view.limit_price_field, "6852.25")
                QApplication.processEvents()  # the layout settles the buttons' heights
                prices = {OrderType.MARKET: "", OrderType.LIMIT: " 6852.25",
                          OrderType.STOPMARKET: " 6852.00",
                          OrderType.STOPLIMIT: " 6852.00 6852.25"}[order_type]
                order = (f"{side.value} 100 {INSTRUMENT} {order_type.short_label}{prices}"
                         + (" GTC" if tif == "GTC" else ""))
                assert_fits(view.flatten_place_button, f"LIVE Apex-12 Flatten & {order}")
                assert_fits(view.place_button, f"LIVE Apex-12 Place {order}")


def test_prices_in_the_entry_panel_carry_the_tick_decimals(ui: Any, window: TicketWindow,
                                                           sim_server: Any) -> None:
    sim_server.sim.set_price("MES", 6852.0)
    ui.set_instrument(window, "MNQ 12-26")  # another instrument, then back: a fresh quote
    ui.set_instrument(window, INSTRUMENT)
    view = window.entry.view
    assert view.bid_button.text() == "Bid 6852.00"
    assert view.ask_button.text() == "Ask 6852.25"
    assert "Last 6852.00 " in view.quote_label.text() or view.quote_label.text().endswith(
        "Last 6852.00")
    ui.choose(window, "STOPLIMIT")
    view.stop_price_field.setValue(None)
    view.limit_price_field.setValue(None)
    window.entry.form.seed_prices()  # the market, written with the tick's decimals
    # A buy limit at the bid, a buy stop one tick above the ask (the nearest NT8 accepts).
    assert view.limit_price_field.text() == "6852.00"
    assert view.stop_price_field.text() == "6852.50"
    assert "6852.00" in view.place_button.text() and "6852.50" in view.place_button.text()
