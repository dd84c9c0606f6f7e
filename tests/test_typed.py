# ruff: noqa: RUF001  (digits of other scripts are what these tests are about)
"""Typed numbers read exactly or refused with the reason (model/typed.py), without a window."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ct_ticket.model.typed import read_price, read_quantity, typed_problem

QUARTER = Decimal("0.25")


@pytest.mark.parametrize(("text", "why"), [
    ("1e3", "“e” is not a digit"),
    ("-1", "no sign"),
    ("+2", "no sign"),
    ("0", "at least 1"),
    ("000", "at least 1"),
    ("1.5", "whole contracts"),
    ("1,5", "whole contracts"),
    ("1 2", "a space inside"),
    ("101", "at most 100"),
    ("99999999999999999999999", "at most 100"),
    ("1٢", "two different scripts"),
    ("²", "is not a digit"),  # a superscript is not a decimal digit
    ("1\u200b", "U+200B is not a digit"),  # an invisible character is named by its code
])
def test_quantities_that_spell_no_whole_number_are_refused_at_once_with_the_reason(
        text: str, why: str) -> None:
    reading = read_quantity(text, 100)
    assert reading.value is None
    assert reading.problem is not None and why in reading.problem
    assert reading.at_once


@pytest.mark.parametrize(("text", "number"), [
    ("12", 12), (" 7 ", 7), ("007", 7), ("١٢", 12), ("۱۲", 12), ("१२", 12), ("１２", 12),
    ("100", 100),
])
def test_quantities_are_read_as_the_number_their_digits_are(text: str, number: int) -> None:
    assert read_quantity(text, 100).value == number


def test_an_empty_quantity_is_a_problem_only_when_sending() -> None:
    reading = read_quantity("  ", 100)
    assert (reading.value, reading.at_once) == (None, False)
    assert typed_problem("Quantity", "", reading.problem or "") == "Quantity: type a quantity."


@pytest.mark.parametrize(("text", "price"), [
    ("6852.25", Decimal("6852.25")), ("6852", Decimal("6852")), ("6852.", Decimal("6852")),
    (".25", Decimal("0.25")), ("٦٨٥٢٫", None), ("٦٨٥٢.٥", Decimal("6852.5")),
])
def test_prices_are_read_exactly(text: str, price: Decimal | None) -> None:
    assert read_price(text, QUARTER).value == price


@pytest.mark.parametrize(("text", "why", "at_once"), [
    ("6e3", "“e” is not a digit", True),
    ("-6852", "no sign", True),
    ("6,852.25", "use “.”", True),
    ("6852.2.5", "two decimal points", True),
    ("99999999", "implausibly large", True),
    ("6852.3", "not on the 0.25 tick (nearest 6852.25)", False),
    ("0", "above zero", False),
    (".", "not a number yet", False),
])
def test_prices_that_are_not_sendable_say_why(text: str, why: str, at_once: bool) -> None:
    reading = read_price(text, QUARTER)
    assert reading.value is None
    assert reading.problem is not None and why in reading.problem
    assert reading.at_once is at_once


def test_an_empty_price_means_no_price_and_no_problem() -> None:
    assert read_price("", QUARTER) == read_price(" ", None)
    assert read_price("", QUARTER).value is None and read_price("", QUARTER).problem is None


def test_the_status_sentence_names_the_text_and_shows_invisible_characters() -> None:
    assert typed_problem("Quantity", "1e3", "“e” is not a digit") == (
        "Quantity “1e3”: “e” is not a digit.")
    assert "U+200B" in typed_problem("Quantity", "1\u200b", "x")


DIGITS = st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "０１２３４５６７８９"])


@given(number=st.integers(1, 10**6), script=DIGITS)
def test_every_number_in_any_one_script_reads_as_itself(number: int, script: str) -> None:
    text = "".join(script[int(d)] for d in str(number))
    assert read_quantity(text, 10**6).value == number
    assert read_price(text, None).value == Decimal(number)


@given(text=st.text(max_size=12))
def test_a_quantity_is_either_exactly_its_digits_or_refused(text: str) -> None:
    reading = read_quantity(text, 10**9)
    if reading.value is None:
        assert reading.problem
        return
    stripped = text.strip()
    assert stripped.isdecimal()
    assert len({ord(c) - unicodedata.decimal(c) for c in stripped}) == 1  # one script
    assert reading.value == int(stripped) >= 1
