"""What a number typed into the ticket means: read exactly as the keystrokes spell it, or
refused with the reason. Never half-read, never rewritten.

A trader's keyboard may give digits of another script (Arabic-Indic "١٢", Devanagari "१२",
full-width digits): they are read as the number they are, provided every digit comes from one
script. Everything else that is not a digit or the one decimal point ("1e3", "-1", "1,5", a
space inside) is refused with the character named, because guessing turns a typo into an order.
Pure Python, no Qt: the entry fields, the form and the tests ask this module.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from ct_ticket.model.orders import MAX_PRICE, is_on_tick, round_to_tick

__all__ = ["Reading", "read_price", "read_quantity", "shown", "typed_problem"]

_SIGNS = "+-\u2212\u2013\ufe63\uff0b\uff0d"  # plus, hyphen-minus, minus, en dash, small/wide forms
_MAX_DIGITS = 12  # more digits than any quantity or price the ticket takes; keeps int() cheap


@dataclass(frozen=True)
class Reading:
    """The typed text's meaning. `value` is an int (quantity) or a Decimal (price) when the text
    may be sent as it stands; otherwise `problem` says why (None for an empty price, which
    means "no price"). `at_once` marks a problem the keystroke that made it should show: no
    further typing at the end can cure it, so the field says so immediately."""

    value: int | Decimal | None
    problem: str | None = None
    at_once: bool = False


def shown(char: str) -> str:
    """A character as a message can show it: itself in quotes, or its code when invisible."""
    if char.isprintable() and not char.isspace():
        return f"“{char}”"
    return f"U+{ord(char):04X}"


def typed_problem(label: str, text: str, reason: str) -> str:
    """The status line's sentence: 'Quantity “1e3”: “e” is not a digit.'"""
    if not text.strip():
        return f"{label}: {reason}."
    visible = "".join(c if c.isprintable() else shown(c) for c in text.strip())
    return f"{label} “{visible}”: {reason}."


def _ascii_digits(text: str, *, point: bool) -> tuple[str | None, str | None]:
    """The text with every digit written in ASCII, or why it is not a plain number.
    `point`: one '.' may appear (a price); otherwise whole numbers only (a quantity)."""
    zero: int | None = None
    out: list[str] = []
    for char in text:
        if char == ".":
            if not point:
                return None, "whole contracts only"
            if "." in out:
                return None, "two decimal points"
            out.append(".")
            continue
        digit = unicodedata.decimal(char, None)
        if digit is None:
            if char in _SIGNS:
                return None, ("no sign: BUY or SELL gives the direction" if not point
                              else "a price has no sign")
            if char.isspace():
                return None, "a space inside the number"
            if char in ",\u066b\u066c\uff0c\uff0e\u3002":
                return None, ("whole contracts only" if not point
                              else "use “.” for decimals, no thousands separator")
            return None, f"{shown(char)} is not a digit"
        # Unicode keeps each script's ten digits contiguous: the same zero means one script.
        if zero is None:
            zero = ord(char) - digit
        elif ord(char) - digit != zero:
            return None, "digits from two different scripts"
        out.append(str(digit))
    return "".join(out), None


def read_quantity(text: str, cap: int) -> Reading:
    """A whole number of contracts from 1 to `cap`, exactly as typed."""
    stripped = text.strip()
    if not stripped:
        return Reading(None, "type a quantity")
    digits, reason = _ascii_digits(stripped, point=False)
    if digits is None:
        return Reading(None, reason, at_once=True)
    if len(digits.lstrip("0")) > _MAX_DIGITS or int(digits) > cap:
        return Reading(None, f"at most {cap} (the quantity cap)", at_once=True)
    if int(digits) < 1:
        return Reading(None, "at least 1 contract", at_once=True)
    return Reading(int(digits))


def read_price(text: str, tick: Decimal | None) -> Reading:
    """A positive price on the tick grid, exactly as typed; empty text means no price."""
    stripped = text.strip()
    if not stripped:
        return Reading(None)
    digits, reason = _ascii_digits(stripped, point=True)
    if digits is None:
        return Reading(None, reason, at_once=True)
    whole = digits.partition(".")[0]
    if len(whole.lstrip("0")) > _MAX_DIGITS or (whole and Decimal(whole) >= MAX_PRICE):
        return Reading(None, "implausibly large", at_once=True)
    if digits == ".":
        return Reading(None, "not a number yet")
    price = Decimal(digits)
    if price <= 0:
        return Reading(None, "must be above zero")
    if tick is not None and tick > 0 and not is_on_tick(price, tick):
        nearest = format(round_to_tick(price, tick), "f")
        return Reading(None, f"not on the {format(tick.normalize(), 'f')} tick "
                             f"(nearest {nearest})")
    return Reading(price)
