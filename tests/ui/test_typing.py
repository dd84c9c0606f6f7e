# ruff: noqa: RUF001  (digits of other scripts are what these tests are about)
"""What is typed is what is sent, or nothing is: keystrokes into the real quantity and price
fields of a real window over the simulator on loopback.

A keystroke that makes the text spell no sendable number is refused at once, visibly (the field
flashes, a line under it says why); a click then sends nothing and the status line says why.
Digits of another script are read as the number they are.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from ct_ticket.model import AccountKind, Limits
from ct_ticket.rails import RecentOrders
from ct_ticket.settings import Settings
from ct_ticket.ui.number_fields import NumberField
from ct_ticket.ui.window import TicketWindow

CAP = 1000
INSTRUMENT = "MES 12-26"
TICK = Decimal("0.25")


@pytest.fixture
def window(ui: Any, sim_server: Any, settings_path: Path) -> Iterator[TicketWindow]:
    """A window whose safety limits never ask: every click either sends or is refused."""
    sim_server.sim.rate_limit_enabled = False
    generous = Limits(ask_above_quantity=CAP, max_notional=1e15, max_ticks_through=10**9)
    stored = Settings(settings_path)
    for kind in AccountKind:
        stored.set_limits(kind, generous)
    stored.quantity_cap = CAP
    win = ui.open(sim_server.url, settings_path)
    ui.set_instrument(win, INSTRUMENT)
    ui.wait_idle(win)
    yield win
    ui.close(win)


def spelled(text: str) -> Decimal | None:
    """The number the characters spell: decimal digits of one script and at most one '.',
    nothing else (surrounding blanks aside); None when they spell none."""
    stripped = text.strip()
    digits = stripped.replace(".", "", 1)
    if not digits or not digits.isdecimal():
        return None
    if len({ord(c) - unicodedata.decimal(c) for c in digits}) != 1:
        return None  # digits of two scripts: refused rather than guessed
    ascii_text = "".join(c if c == "." else str(unicodedata.decimal(c)) for c in stripped)
    return Decimal(ascii_text)


def spelled_quantity(text: str) -> int | None:
    number = spelled(text)
    if number is None or "." in text or number != int(number) or not 1 <= number <= CAP:
        return None
    return int(number)


def send_place(ui: Any, window: TicketWindow, sim: Any) -> list[Any]:
    sim.clear_requests()
    window.ticket.recent_orders = RecentOrders()  # each attempt is its own intent
    ui.qtbot.mouseClick(window.entry.view.place_button, Qt.MouseButton.LeftButton)
    ui.wait_idle(window)
    return sim.order_posts()


def status(window: TicketWindow) -> str:
    return window.position.view.status_line.text()


def says_why(field: NumberField) -> str:
    """The line under the field, when it shows."""
    return field.problem_label.text() if field.problem_label.isVisible() else ""


# --- the named cases --------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "bad_key", "why"), [
    ("1e3", 1, "“e” is not a digit"),
    ("-1", 0, "No sign"),
    ("0", 0, "At least 1 contract"),
    ("1.5", 1, "Whole contracts only"),
    ("1٢", 1, "two different scripts"),
])
def test_a_quantity_that_is_not_what_was_typed_is_refused_at_the_keystroke_and_not_sent(
        ui: Any, window: TicketWindow, sim_server: Any, typed: str, bad_key: int,
        why: str) -> None:
    field = window.entry.view.quantity_field
    ui.type_keys(field, "")
    for index, char in enumerate(typed):
        ui.type_keys(field, char, replace=False)
        if index == bad_key:  # this keystroke is refused, visibly, at once
            assert field.property("flash") is True
            assert field.property("invalid") is True
            assert why in says_why(field)
    assert field.text() == typed  # kept as typed, never rewritten
    assert send_place(ui, window, sim_server.sim) == []
    assert status(window).startswith(f"Not sent: Quantity “{typed}”: ")
    assert why.lower() in status(window).lower()
    assert window.position.view.status_line.property("level") == "error"
    assert "?" in window.entry.view.place_button.text()  # the button reads no quantity
    # The flash passes; the mark and the reason stay until the text is fixed.
    ui.qtbot.waitUntil(lambda: not field.property("flash"), timeout=2_000)
    assert field.property("invalid") is True and why in says_why(field)
    ui.type_keys(field, "3")
    assert field.property("invalid") is False and says_why(field) == ""
    assert [p.json["quantity"] for p in send_place(ui, window, sim_server.sim)] == [3]


@pytest.mark.parametrize(("typed", "quantity"), [("١٢", 12), ("۱۲", 12), ("१२", 12),
                                                 ("１２", 12), (" 7 ", 7)])
def test_digits_of_another_script_send_the_number_they_are(
        ui: Any, window: TicketWindow, sim_server: Any, typed: str, quantity: int) -> None:
    field = window.entry.view.quantity_field
    ui.type_keys(field, typed)
    assert field.text() == typed and says_why(field) == ""
    assert f"BUY {quantity} {INSTRUMENT}" in window.entry.view.place_button.text()
    posts = send_place(ui, window, sim_server.sim)
    assert [p.json["quantity"] for p in posts] == [quantity]


@pytest.mark.parametrize(("typed", "why", "at_once"), [
    ("6e3", "“e” is not a digit", True),
    ("-6850", "A price has no sign", True),
    ("6,850.25", "Use “.” for decimals", True),
    ("6850.3", "Not on the 0.25 tick (nearest 6850.25)", False),
    ("0", "Must be above zero", False),
])
def test_a_price_that_is_not_what_was_typed_is_refused_and_not_sent(
        ui: Any, window: TicketWindow, sim_server: Any, typed: str, why: str,
        at_once: bool) -> None:
    ui.choose(window, "LIMIT")
    field = window.entry.view.limit_price_field
    ui.type_keys(field, typed)
    assert (why in says_why(field)) is at_once  # a typo now; an unfinished price when done
    field.editingFinished.emit()  # the trader leaves the field
    assert why in says_why(field) and field.property("invalid") is True
    assert send_place(ui, window, sim_server.sim) == []
    assert status(window).startswith(f"Not sent: Limit price “{typed}”: ")
    assert field.text() == typed


def test_an_empty_price_is_no_price_and_a_limit_without_one_is_not_sent(
        ui: Any, window: TicketWindow, sim_server: Any) -> None:
    ui.choose(window, "LIMIT")
    field = window.entry.view.limit_price_field
    ui.type_keys(field, "")
    assert field.property("invalid") is False  # emptying a field is no typo
    assert send_place(ui, window, sim_server.sim) == []
    assert "Limit price is required" in status(window)
    assert "Limit price is required" in says_why(field)
    window.entry.form.seed_prices()  # an empty price starts at the market again
    assert field.value() is not None


def test_up_down_and_the_wheel_step_by_one_contract_and_one_tick(
        ui: Any, window: TicketWindow, sim_server: Any) -> None:
    quantity = window.entry.view.quantity_field
    ui.type_keys(quantity, "4")
    for key, expected in ((Qt.Key.Key_Up, 5), (Qt.Key.Key_Up, 6), (Qt.Key.Key_Down, 5),
                          (Qt.Key.Key_PageUp, 15)):
        ui.qtbot.keyClick(quantity, key)
        assert quantity.value() == expected
    ui.type_keys(quantity, "1")
    ui.qtbot.keyClick(quantity, Qt.Key.Key_Down)  # below 1: refused, kept, flashed
    assert quantity.text() == "1" and quantity.property("flash") is True
    ui.qtbot.mouseClick(window.entry.view.preset_buttons[2], Qt.MouseButton.LeftButton)
    assert quantity.text() == "5"

    ui.choose(window, "LIMIT")
    price = window.entry.view.limit_price_field
    ui.type_keys(price, "6850.1")  # off the grid: a step lands on it
    ui.qtbot.keyClick(price, Qt.Key.Key_Up)
    assert price.text() == "6850.25"
    wheel = QWheelEvent(QPointF(5, 5), QPointF(price.mapToGlobal(QPoint(5, 5))), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(price, wheel)  # two notches up: two ticks
    assert price.text() == "6850.75"
    posts = send_place(ui, window, sim_server.sim)
    assert [(p.json["quantity"], p.json["limitPrice"]) for p in posts] == [(5, 6850.75)]


def test_a_typed_price_is_never_overwritten_by_the_market(
        ui: Any, window: TicketWindow, sim_server: Any) -> None:
    ui.choose(window, "LIMIT")
    field = window.entry.view.limit_price_field
    ui.type_keys(field, "6000.5")
    sim_server.sim.set_price("MES", 6900.0)
    reading = asyncio.ensure_future(window.ticket.load_quote())
    ui.qtbot.waitUntil(reading.done, timeout=5_000)
    assert window.entry.view.bid_button.text() == "Bid 6900.00"  # the new market is shown
    assert field.text() == "6000.5"
    assert "LMT 6000.50" in window.entry.view.place_button.text()  # the tick's decimals


# --- random keystrokes ------------------------------------------------------------------------

KEYS = st.one_of(
    st.sampled_from(list("0123456789")),
    st.sampled_from(list(".-+e, ")),
    st.sampled_from(list("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९０１２３４５６７８９²½٫")),
    # What a keyboard can type: QLineEdit ignores key text it cannot print (controls, formats).
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")),
)
keystrokes = st.lists(KEYS, max_size=8).map("".join)
SCRIPTS = st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९",
                           "０１２３４５６７８９"])


def in_script(text: str, script: str) -> str:
    return "".join(script[int(c)] if c.isdigit() else c for c in text)


def with_one_more_key(text: str, key: str, where: int) -> str:
    where %= len(text) + 1
    return text[:where] + key + text[where:]


def numbers_and_near_misses(numbers: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Numbers in any one script, the same with one stray keystroke, and random keys."""
    written = st.builds(in_script, numbers, SCRIPTS)
    stray = st.one_of(st.sampled_from(list(".-+eE, ١²")), KEYS)
    return st.one_of(written, written, st.builds(with_one_more_key, written, stray,
                                                 st.integers(0, 9)), keystrokes)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=numbers_and_near_misses(st.integers(1, CAP).map(str)))
def test_random_keystrokes_in_quantity_send_exactly_the_number_they_spell_or_nothing(
        ui: Any, window: TicketWindow, sim_server: Any, typed: str) -> None:
    field = window.entry.view.quantity_field
    ui.type_keys(field, "")
    for index in range(len(typed)):
        ui.type_keys(field, typed[index], replace=False)
        so_far = typed[: index + 1]
        # Every keystroke that leaves no sendable quantity is marked at once, with a reason.
        refused = spelled_quantity(so_far) is None and bool(so_far.strip())
        assert (field.property("invalid") is True) is refused, so_far
        assert bool(says_why(field)) is refused, so_far
    assert field.text() == typed
    posts = send_place(ui, window, sim_server.sim)
    expected = spelled_quantity(typed)
    event("sent" if posts else "refused")
    if expected is None:
        assert posts == []
        assert status(window).startswith("Not sent: Quantity")
    else:
        assert [json.loads(p.body)["quantity"] for p in posts] == [expected]


prices = numbers_and_near_misses(st.one_of(
    st.integers(24_000, 28_000).map(lambda ticks: str(ticks * TICK)),  # on the grid
    st.decimals(min_value=Decimal("6000"), max_value=Decimal("7000"), places=2).map(str)))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typed=prices)
def test_random_keystrokes_in_a_price_send_exactly_the_price_they_spell_or_nothing(
        ui: Any, window: TicketWindow, sim_server: Any, typed: str) -> None:
    ui.choose(window, "LIMIT")
    field = window.entry.view.limit_price_field
    ui.type_keys(window.entry.view.quantity_field, "1")
    ui.type_keys(field, typed)
    assert field.text() == typed
    posts = send_place(ui, window, sim_server.sim)
    number = spelled(typed)
    sendable = number is not None and 0 < number < 10_000_000 and number % TICK == 0
    event("sent" if posts else "refused")
    if not sendable:
        assert posts == []
        assert status(window).startswith("Not sent: Limit price"), status(window)
    else:
        assert [Decimal(repr(json.loads(p.body)["limitPrice"])) for p in posts] == [number]
