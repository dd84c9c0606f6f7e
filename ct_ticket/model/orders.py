"""The order model: sides, types, time in force, and a validated, immutable order request.

Pure Python on purpose: no Qt, no HTTP. The window, the client and the tests all agree on
what a valid order is by asking this module. The JSON body CrossTrade documents for
`orders/place` and `orders/flatplace` is built from it in api/wire/, the one place that
knows field names.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from ct_ticket.model.instruments import (
    contract_spec,
    instrument_problem,
    normalize_instrument,
)

__all__ = [
    "DEFAULT_QUANTITY_CAP",
    "MAX_PRICE",
    "OrderProblem",
    "OrderRequest",
    "OrderType",
    "OrderValidationError",
    "Side",
    "TimeInForce",
    "build_order",
    "is_on_tick",
    "needs_limit_price",
    "needs_stop_price",
    "parse_price",
    "round_to_tick",
]

DEFAULT_QUANTITY_CAP = 100  # the quantity box's hard cap unless the trader set another
# No futures contract trades near this; a bigger number is a typo, and it keeps Decimal sane.
MAX_PRICE = Decimal(10_000_000)


class Side(StrEnum):
    """Order action, spelled as the REST API documents it."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    """Order type, spelled as the REST API documents it."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOPMARKET = "STOPMARKET"
    STOPLIMIT = "STOPLIMIT"

    @property
    def short_label(self) -> str:
        """The abbreviation traders read on a button: MKT, LMT, STP, STPLMT."""
        return _SHORT_LABELS[self]


_SHORT_LABELS = {
    OrderType.MARKET: "MKT",
    OrderType.LIMIT: "LMT",
    OrderType.STOPMARKET: "STP",
    OrderType.STOPLIMIT: "STPLMT",
}


class TimeInForce(StrEnum):
    """Time in force, spelled as the REST API documents it."""

    DAY = "DAY"
    GTC = "GTC"


def needs_limit_price(order_type: OrderType) -> bool:
    """LIMIT and STOPLIMIT carry a limit price; the others must not send one."""
    return order_type in (OrderType.LIMIT, OrderType.STOPLIMIT)


def needs_stop_price(order_type: OrderType) -> bool:
    """STOPMARKET and STOPLIMIT carry a stop price; the others must not send one."""
    return order_type in (OrderType.STOPMARKET, OrderType.STOPLIMIT)


# --- prices ------------------------------------------------------------------------------


def parse_price(value: object) -> Decimal | None:
    """A finite Decimal from a float, int, Decimal or plain decimal text; None if it is not one.

    Text must use a decimal point ("5012.25"); a comma, exponent or sign other than '-' is
    refused rather than guessed at, because a misread price is a wrong order.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        price = value
    elif isinstance(value, int):
        price = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        price = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):  # ASCII digits only
            return None
        try:
            price = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return price if price.is_finite() else None


def is_on_tick(price: Decimal, tick_size: Decimal) -> bool:
    """True when the price is a whole number of ticks (exact decimal arithmetic, no float fuzz)."""
    if tick_size <= 0 or abs(price) >= MAX_PRICE:
        return False
    return (price % tick_size) == 0


def round_to_tick(price: Decimal, tick_size: Decimal) -> Decimal:
    """The nearest price on the tick grid (half away from zero)."""
    if tick_size <= 0:
        return price
    ticks = (price / tick_size).quantize(Decimal(1), rounding="ROUND_HALF_UP")
    return (ticks * tick_size).normalize() if ticks else Decimal(0)


def _format_price(price: Decimal) -> str:
    text = format(price.normalize(), "f")
    return text


# --- the order request -------------------------------------------------------------------


@dataclass(frozen=True)
class OrderProblem:
    """One reason an order cannot be sent: the field it concerns and a sentence for the trader."""

    field: str
    message: str


class OrderValidationError(ValueError):
    """The order has one or more problems; nothing may be sent."""

    def __init__(self, problems: list[OrderProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(problem.message for problem in problems))


@dataclass(frozen=True)
class OrderRequest:
    """A validated order, ready to send. Build it with `build_order`, never by hand."""

    account: str
    instrument: str
    side: Side
    quantity: int
    order_type: OrderType
    time_in_force: TimeInForce
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    oco_id: str | None = None
    atm_strategy: str | None = None
    # The ticket's own id for the order (CrossTrade's optional, unique `orderId`), chosen
    # before sending so the order can be looked up even when the answer is lost. Not part of
    # what the order *is*: two orders differing only here are the same order twice.
    order_id: str | None = None
    # The bracket to place once the entry fills, in ticks from the average fill (either may be
    # None). Never part of the POST: the ticket sends it as cancel_and_bracket after the fill.
    stop_loss_ticks: int | None = None
    take_profit_ticks: int | None = None

    def describe(self) -> str:
        """The order in a trader's words: "BUY 2 MES 12-25 LMT 5012.25"."""
        parts = [self.side.value, str(self.quantity), self.instrument, self.order_type.short_label]
        if self.stop_price is not None:
            parts.append(_format_price(self.stop_price))
        if self.limit_price is not None:
            parts.append(_format_price(self.limit_price))
        if self.time_in_force is TimeInForce.GTC:
            parts.append("GTC")
        return " ".join(parts)


_FREE_TEXT = re.compile(r"^[\w .:#@/+-]{1,64}$")
# An ATM template is saved by NT8 as a file named after it: every character a Windows file name
# takes (parentheses, commas, &, ' …), none of \ / : * ? " < > | and no control character.
_TEMPLATE_NAME = re.compile(r'^[^\\/:*?"<>|\x00-\x1f]{1,64}$')
MAX_BRACKET_TICKS = 10_000


def _price_problems(
    field: str, label: str, raw: object, tick_size: Decimal | None
) -> tuple[Decimal | None, list[OrderProblem]]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, [OrderProblem(field, f"{label} is required for this order type.")]
    price = parse_price(raw)
    if price is None:
        return None, [OrderProblem(field, f"{label} must be a number like 5012.25.")]
    if price <= 0:
        return None, [OrderProblem(field, f"{label} must be above zero.")]
    if price >= MAX_PRICE:
        return None, [OrderProblem(field, f"{label} is implausibly large.")]
    if tick_size is not None and not is_on_tick(price, tick_size):
        nearest = _format_price(round_to_tick(price, tick_size))
        return None, [
            OrderProblem(
                field,
                f"{label} {_format_price(price)} is not on the {_format_price(tick_size)} tick "
                f"(nearest: {nearest}).",
            )
        ]
    return price, []


def _optional_text(
    field: str, label: str, raw: str | None
) -> tuple[str | None, list[OrderProblem]]:
    text = (raw or "").strip()
    if not text:
        return None, []
    if field == "strategy":
        if _TEMPLATE_NAME.match(text):
            return text, []
        return None, [OrderProblem(field, f"{label} may not use \\ / : * ? \" < > | "
                                          "(NT8 names a template's file after it; at most 64).")]
    if not _FREE_TEXT.match(text):
        return None, [
            OrderProblem(
                field,
                f"{label} may use letters, digits, spaces and . : # @ / + - _ (at most 64).",
            )
        ]
    return text, []


def build_order(
    *,
    account: str,
    instrument: str,
    side: Side | str,
    quantity: object,
    order_type: OrderType | str,
    time_in_force: TimeInForce | str = TimeInForce.DAY,
    limit_price: object = None,
    stop_price: object = None,
    oco_id: str | None = None,
    atm_strategy: str | None = None,
    tick_size: Decimal | None = None,
    quantity_cap: int = DEFAULT_QUANTITY_CAP,
    stop_loss_ticks: int | None = None,
    take_profit_ticks: int | None = None,
) -> OrderRequest:
    """Validate raw ticket input and return an `OrderRequest`, or raise `OrderValidationError`.

    `tick_size` comes from the instrument's quote; without one the built-in table is used, and
    for an unknown product only positivity is checked. A price the order type does not take is
    ignored (never sent), so a hidden field's stale value cannot leak into an order.
    `quantity_cap` is the trader's hard cap: above it the order is refused outright, unlike the
    precautionary limits (model/limits.py) that only ask before sending.
    """
    problems: list[OrderProblem] = []

    account_name = account.strip()
    if not account_name:
        problems.append(OrderProblem("account", "Choose an account."))

    instrument_name = normalize_instrument(instrument)
    if (message := instrument_problem(instrument_name)) is not None:
        problems.append(OrderProblem("instrument", message))

    try:
        chosen_side = Side(side.upper() if isinstance(side, str) else side)
    except ValueError:
        chosen_side = Side.BUY
        problems.append(OrderProblem("side", "Choose BUY or SELL."))
    try:
        chosen_type = OrderType(order_type.upper() if isinstance(order_type, str) else order_type)
    except ValueError:
        chosen_type = OrderType.MARKET
        problems.append(OrderProblem("orderType", "Choose MARKET, LIMIT, STOPMARKET or STOPLIMIT."))
    try:
        chosen_tif = TimeInForce(
            time_in_force.upper() if isinstance(time_in_force, str) else time_in_force
        )
    except ValueError:
        chosen_tif = TimeInForce.DAY
        problems.append(OrderProblem("timeInForce", "Choose DAY or GTC."))

    qty = _parse_quantity(quantity)
    if qty is None:
        problems.append(OrderProblem("quantity", "Quantity must be a whole number of contracts."))
    elif qty < 1:
        problems.append(OrderProblem("quantity", "Quantity must be at least 1."))
    elif qty > quantity_cap:
        problems.append(
            OrderProblem("quantity", f"Quantity {qty} is above the maximum of {quantity_cap}.")
        )

    if tick_size is None and instrument_name:
        spec = contract_spec(instrument_name)
        tick_size = spec.tick_size if spec else None

    limit: Decimal | None = None
    stop: Decimal | None = None
    if needs_limit_price(chosen_type):
        limit, found = _price_problems("limitPrice", "Limit price", limit_price, tick_size)
        problems += found
    if needs_stop_price(chosen_type):
        stop, found = _price_problems("stopPrice", "Stop price", stop_price, tick_size)
        problems += found

    oco, found = _optional_text("ocoId", "OCO id", oco_id)
    problems += found
    strategy, found = _optional_text("strategy", "ATM strategy name", atm_strategy)
    problems += found
    for key, label, ticks in (("stopLossTicks", "Stop-loss", stop_loss_ticks),
                              ("takeProfitTicks", "Take-profit", take_profit_ticks)):
        if ticks is not None and not 1 <= ticks <= MAX_BRACKET_TICKS:
            problems.append(OrderProblem(key, f"{label} must be 1 to {MAX_BRACKET_TICKS} ticks."))

    if problems:
        raise OrderValidationError(problems)
    assert qty is not None  # narrowed: a None quantity is a problem above
    return OrderRequest(
        account=account_name,
        instrument=instrument_name,
        side=chosen_side,
        quantity=qty,
        order_type=chosen_type,
        time_in_force=chosen_tif,
        limit_price=limit,
        stop_price=stop,
        oco_id=oco,
        atm_strategy=strategy,
        stop_loss_ticks=stop_loss_ticks,
        take_profit_ticks=take_profit_ticks,
    )


def _parse_quantity(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only: int() would also take "٣" or "1_000", a misread waiting to happen.
        if re.fullmatch(r"-?[0-9]{1,9}", text):
            return int(text)
    return None
