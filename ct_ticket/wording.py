"""The ticket's words, built once: orders, positions, requests, confirmations and buttons.

Qt-free, so the ticket's status and log lines and the window's labels say the same thing the
same way; a wording change is made here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ct_ticket.events import Action
from ct_ticket.model import (
    OrderRequest,
    OrderType,
    Position,
    Side,
    TimeInForce,
    contract_spec,
)
from ct_ticket.rails import Review

__all__ = [
    "Question",
    "describe_order",
    "describe_position",
    "flatten_place_label",
    "format_price",
    "order_words",
    "place_label",
    "position_line",
    "question_for",
    "request_words",
    "send_tag",
]


def _tick_decimals(tick: float | Decimal | None) -> int:
    """How many decimals the tick has: 0.25 -> 2, 0.03125 -> 5, 1 -> 0 (None -> 0)."""
    if not tick:
        return 0
    exponent = Decimal(repr(tick) if isinstance(tick, float) else tick).normalize().as_tuple(
        ).exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def format_price(value: float | Decimal, tick: float | Decimal | None = None) -> str:
    """A price without float noise, with at least as many decimals as the instrument's tick,
    so prices beside each other read alike: 6852.00 and 6852.25, 118.15625, 1.08500. Digits
    beyond the tick are kept, never rounded away: a price is shown as it is."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
    else:
        text = f"{value:.8f}".rstrip("0").rstrip(".") or "0"
    whole, _point, fraction = text.partition(".")
    decimals = max(len(fraction), _tick_decimals(tick))
    return f"{whole}.{fraction.ljust(decimals, '0')}" if decimals else whole


def order_words(side: Side, quantity: int | str, instrument: str, order_type: OrderType,
                prices: Iterable[str | Decimal | None] = (),
                time_in_force: TimeInForce | str = TimeInForce.DAY,
                tick: float | Decimal | None = None) -> str:
    """ "BUY 2 MES 12-25 STPLMT 5013.00 5012.25 GTC": side, size, instrument, type, stop then
    limit, and GTC when it is not a day order. Prices carry the tick's decimals (`tick`, else
    the instrument's from the contract table). Works on a form that is not valid yet."""
    if tick is None and instrument:
        spec = contract_spec(instrument)
        tick = spec.tick_size if spec else None
    parts = [side.value, str(quantity), instrument or "?", order_type.short_label]
    parts += [format_price(p, tick) if isinstance(p, Decimal) else p
              for p in prices if p is not None]
    if str(time_in_force) == TimeInForce.GTC.value:
        parts.append("GTC")
    return " ".join(parts)


def describe_order(order: OrderRequest) -> str:
    """The order in a trader's words: "BUY 2 MES 12-25 LMT 5012.25"."""
    return order_words(order.side, order.quantity, order.instrument, order.order_type,
                       (order.stop_price, order.limit_price), order.time_in_force)


def describe_position(position: Position | None, instrument: str) -> str:
    """ "LONG 2 MES 12-25 @ 5012.25" or "FLAT MES 12-25"; the trader's reading of a position."""
    if position is None:
        return f"Position in {instrument} unknown"
    if position.is_flat:
        return f"FLAT {instrument}"
    side = "LONG" if position.signed_quantity > 0 else "SHORT"
    return (f"{side} {position.quantity} {position.instrument or instrument} @ "
            f"{format_price(position.average_price)}")


def working_words(working: int | None) -> str:
    return "working orders unknown" if working is None else f"{working} working orders"


def position_line(position: Position | None, instrument: str, working: int | None) -> str:
    """The post-check's line: "LONG 2 MES 12-25 @ 5012.25, 1 working orders"."""
    return f"{describe_position(position, instrument)}, {working_words(working)}"


def action_prefix(action: Action) -> str:
    """What goes before the order's words: "Flatten & " for a flat-place, else nothing."""
    return "Flatten & " if action is Action.FLAT_PLACE else ""


def request_words(action: Action, order: OrderRequest | None, account: str,
                  instrument: str) -> str:
    """What was asked, as the activity log and the status line say it."""
    if order is not None:
        return f"{action_prefix(action)}{describe_order(order)} on {account}"
    if action is Action.KILL_SWITCH:
        return "Flatten every position and cancel every order in ALL accounts"
    if action is Action.FLATTEN_ACCOUNT:
        return f"Flatten everything in {account}"
    if action is Action.CANCEL_ALL:
        return f"Cancel all orders in {account}"
    return f"{action.value} {instrument} in {account}"


def send_tag(kind: str, account: str) -> str:
    """ "LIVE Apex-12" on its own line above a send button's order, so the order stays readable
    at the ticket's width; nothing when no account is chosen."""
    return f"{kind.upper()} {account}\n" if account else ""


def flatten_place_label(tag: str, words: str) -> str:
    # Qt reads '&' in a button's text as a mnemonic marker: '&&' shows one '&'.
    return f"{tag}{action_prefix(Action.FLAT_PLACE).replace('&', '&&')}{words}"


def place_label(tag: str, words: str) -> str:
    return f"{tag}Place {words}"


@dataclass(frozen=True)
class Question:
    """A review put into words for a confirmation dialog."""

    title: str
    text: str
    confirm_text: str = "Send"
    details: tuple[str, ...] = ()
    require_word: str | None = None


def question_for(review: Review, blast_radius: list[str] | None = None) -> Question:
    """The dialog that asks `review`: a held order names the rules it breaks; a flatten lists
    what it would close (`blast_radius`, read just before asking)."""
    order, details = review.order, tuple(blast_radius or ())
    if order is not None and review.breaches:
        broken = ", ".join(b.rule.lower() for b in review.breaches)
        return Question(
            "Order held by a safety rail",
            f"{review.kind.value.upper()} {order.account}: {describe_order(order)} breaks "
            f"{broken}.",
            "Send anyway", tuple(f"{b.rule}: {b.message}" for b in review.breaches))
    if order is not None:
        return Question("Confirm order",
                        f"{action_prefix(review.action)}{describe_order(order)} on "
                        f"{order.account}?")
    if review.action is Action.KILL_SWITCH:
        return Question("Flatten ALL accounts",
                        "Close every position and cancel every order in EVERY account?",
                        "Flatten ALL accounts", details, review.require_word)
    return Question("Flatten everything",
                    f"Close every position and cancel every order in {review.account}?",
                    "Flatten everything", details, review.require_word)
