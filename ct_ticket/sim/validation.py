"""Checking request bodies the way the API does: required fields, enums, prices, quantities.

Enums are matched case-insensitively (the docs send ``BUY`` in REST and ``Buy`` over WS), and
answered in NT8's PascalCase. Every failure is a 400 whose ``detail`` names the offending field.
Prices must sit on the contract's tick grid: the simulator is stricter than a guess about the
real API here so that a client's tick rounding bug shows up in tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ct_ticket.sim.errors import invalid_request
from ct_ticket.sim.instruments import ResolvedInstrument, resolve_instrument

__all__ = [
    "ACTIONS",
    "ORDER_TYPES",
    "TIME_IN_FORCE",
    "Bracket",
    "OrderTicket",
    "optional_instrument",
    "optional_string",
    "parse_bracket",
    "parse_order",
    "parse_order_change",
]

# Input spelling (upper case, as documented) -> NT8's response spelling.
ACTIONS = {"BUY": "Buy", "SELL": "Sell"}
ORDER_TYPES = {
    "MARKET": "Market", "LIMIT": "Limit", "STOPMARKET": "StopMarket", "STOPLIMIT": "StopLimit",
}
TIME_IN_FORCE = {"DAY": "Day", "GTC": "Gtc"}
_MARKET_POSITIONS = ("flat", "long", "short")
_REQUIRED = ("instrument", "action", "quantity", "orderType", "timeInForce")


@dataclass(frozen=True)
class OrderTicket:
    """A validated place-order body. Enums hold NT8 spellings; prices are on the tick grid."""

    instrument: ResolvedInstrument
    action: str
    quantity: int
    order_type: str
    time_in_force: str
    limit_price: float | None
    stop_price: float | None
    oco_id: str | None
    strategy: str | None
    order_id: str | None
    require_market_position: frozenset[str] | None
    max_positions: int | None


def _enum(body: dict[str, Any], field: str, choices: dict[str, str]) -> str:
    value = body[field]
    if isinstance(value, str) and value.strip().upper() in choices:
        return choices[value.strip().upper()]
    raise invalid_request(f"{field} must be one of {', '.join(choices)}")


def _int(body: dict[str, Any], field: str, minimum: int) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    # bool is an int in Python but never a quantity on the wire.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid_request(f"{field} must be an integer >= {minimum}")
    return value


def _price(body: dict[str, Any], field: str, instrument: ResolvedInstrument) -> float | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid_request(f"{field} must be a number")
    if value <= 0:
        raise invalid_request(f"{field} must be a positive price")
    contract = instrument.contract
    if not contract.on_tick(value):
        raise invalid_request(
            f"{field} {value} is not a multiple of the tick size {contract.tick_size} "
            f"for {instrument.name}"
        )
    return contract.tick_price(contract.to_ticks(value))


def optional_string(body: dict[str, Any], field: str) -> str | None:
    """A string field that may be absent or null; empty strings count as absent."""
    value = body.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid_request(f"{field} must be a string")
    return value


def optional_instrument(body: dict[str, Any], front_month: str) -> ResolvedInstrument | None:
    """The body's ``instrument`` resolved, or None when the caller left it out."""
    if body.get("instrument") in (None, ""):
        return None
    return resolve_instrument(body["instrument"], front_month)


def _market_positions(body: dict[str, Any]) -> frozenset[str] | None:
    text = optional_string(body, "requireMarketPosition")
    if text is None:
        return None
    wanted = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    if not wanted or not wanted <= set(_MARKET_POSITIONS):
        raise invalid_request("requireMarketPosition must be a comma list of flat, long, short")
    return wanted


def parse_order(body: dict[str, Any], front_month: str) -> OrderTicket:
    """Validate a place/flatplace/replace body, or raise the 400 the API would answer."""
    missing = [field for field in _REQUIRED if body.get(field) in (None, "")]
    if missing:
        raise invalid_request(f"Missing required field(s): {', '.join(missing)}")
    instrument = resolve_instrument(body["instrument"], front_month)
    action = _enum(body, "action", ACTIONS)
    order_type = _enum(body, "orderType", ORDER_TYPES)
    time_in_force = _enum(body, "timeInForce", TIME_IN_FORCE)
    quantity = _int(body, "quantity", 1)
    assert quantity is not None  # checked in `missing` above
    # NT8 ignores a price the type does not use, so a MARKET order may carry limitPrice 0.
    needs_limit = order_type in ("Limit", "StopLimit")
    needs_stop = order_type in ("StopMarket", "StopLimit")
    limit_price = _price(body, "limitPrice", instrument) if needs_limit else None
    stop_price = _price(body, "stopPrice", instrument) if needs_stop else None
    for field, needed, value in (
        ("limitPrice", needs_limit, limit_price), ("stopPrice", needs_stop, stop_price),
    ):
        if needed and value is None:
            raise invalid_request(f"{field} is required for {order_type.upper()} orders")
    return OrderTicket(
        instrument=instrument,
        action=action,
        quantity=quantity,
        order_type=order_type,
        time_in_force=time_in_force,
        limit_price=limit_price,
        stop_price=stop_price,
        oco_id=optional_string(body, "ocoId"),
        strategy=optional_string(body, "strategy"),
        order_id=optional_string(body, "orderId"),
        require_market_position=_market_positions(body),
        max_positions=_int(body, "maxPositions", 0),
    )


def parse_order_change(
    body: dict[str, Any], instrument: ResolvedInstrument
) -> tuple[int | None, float | None, float | None]:
    """Validate a change body: optional quantity, limitPrice, stopPrice for ``instrument``."""
    return (
        _int(body, "quantity", 1),
        _price(body, "limitPrice", instrument),
        _price(body, "stopPrice", instrument),
    )


@dataclass(frozen=True)
class Bracket:
    """A validated cancel_and_bracket body (§7; its field names are unconfirmed)."""

    instrument: ResolvedInstrument
    action: str  # the side of the position protected: "Buy" for a long
    quantity: int | None
    take_profit: float | None
    stop_loss: float | None
    oco_id: str | None
    time_in_force: str


def _either(body: dict[str, Any], *names: str) -> Any:
    """The first of ``names`` present in ``body`` (camelCase first, webhook spelling after)."""
    for name in names:
        if body.get(name) is not None:
            return {name: body[name]}
    return {}


def parse_bracket(body: dict[str, Any], front_month: str) -> Bracket:
    """Validate a cancel_and_bracket body: ``instrument``, ``action`` (the position's side),
    ``quantity`` (optional: the position's size), ``takeProfit`` and/or ``stopLoss`` prices,
    ``ocoId`` and ``timeInForce`` (GTC unless given). The webhook spellings ``qty``,
    ``take_profit`` and ``stop_loss`` are accepted too."""
    missing = [field for field in ("instrument", "action") if body.get(field) in (None, "")]
    if missing:
        raise invalid_request(f"Missing required field(s): {', '.join(missing)}")
    instrument = resolve_instrument(body["instrument"], front_month)
    quantity_field = _either(body, "quantity", "qty")
    target_field = _either(body, "takeProfit", "take_profit")
    stop_field = _either(body, "stopLoss", "stop_loss")
    if not target_field and not stop_field:
        raise invalid_request("Give takeProfit and/or stopLoss")
    name = next(iter(quantity_field), "quantity")
    return Bracket(
        instrument=instrument,
        action=_enum(body, "action", ACTIONS),
        quantity=_int({name: quantity_field.get(name)}, name, 1),
        take_profit=_price({**target_field}, next(iter(target_field), "takeProfit"), instrument),
        stop_loss=_price({**stop_field}, next(iter(stop_field), "stopLoss"), instrument),
        oco_id=optional_string(body, "ocoId"),
        time_in_force=(_enum(body, "timeInForce", TIME_IN_FORCE)
                       if body.get("timeInForce") else "Gtc"),
    )
