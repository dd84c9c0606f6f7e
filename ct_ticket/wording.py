"""The ticket's words, built once: orders, positions, requests, confirmations and buttons.

Qt-free, so the ticket's status and log lines and the window's labels say the same thing the
same way; a wording change is made here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ct_ticket.events import Action
from ct_ticket.model import (
    Execution,
    OrderInfo,
    OrderRequest,
    OrderType,
    Position,
    Side,
    TimeInForce,
    contract_spec,
)
from ct_ticket.model.risk import RiskReward
from ct_ticket.rails import Review

if TYPE_CHECKING:  # typing only: tracking imports asyncio and the client (h11), and the
    # window's views use these words before those are imported (first paint)
    from ct_ticket.tracking import OrderRecord

__all__ = [
    "Question",
    "age_words",
    "bracket_words",
    "describe_order",
    "describe_position",
    "fill_words",
    "flatten_place_label",
    "format_price",
    "naked_words",
    "order_words",
    "place_label",
    "position_line",
    "question_for",
    "request_words",
    "risk_words",
    "send_tag",
    "state_words",
    "tick_of",
    "working_order_words",
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


def tick_of(instrument: str) -> Decimal | None:
    """The built-in table's tick for an instrument (None for a product it does not know)."""
    spec = contract_spec(instrument)
    return spec.tick_size if spec else None


def order_words(side: Side, quantity: int | str, instrument: str, order_type: OrderType,
                prices: Iterable[str | Decimal | None] = (),
                time_in_force: TimeInForce | str = TimeInForce.DAY,
                tick: float | Decimal | None = None) -> str:
    """ "BUY 2 MES 12-25 STPLMT 5013.00 5012.25 GTC": side, size, instrument, type, stop then
    limit, and GTC when it is not a day order. Prices carry the tick's decimals (`tick`, else
    the instrument's from the contract table). Works on a form that is not valid yet."""
    if tick is None and instrument:
        tick = tick_of(instrument)
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
    name = position.instrument or instrument
    return (f"{side} {position.quantity} {name} @ "
            f"{format_price(position.average_price, tick_of(name))}")


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
        cancels = (" Flatten first closes the position in this instrument and may cancel this "
                   "account's working orders, ATM stops and targets included."
                   if review.action is Action.FLAT_PLACE else "")
        return Question("Confirm order",
                        f"{action_prefix(review.action)}{describe_order(order)} on "
                        f"{order.account}?{cancels}")
    if review.action is Action.KILL_SWITCH:
        return Question("Flatten ALL accounts",
                        "Close every position and cancel every order in EVERY account?",
                        "Flatten ALL accounts", details, review.require_word)
    return Question("Flatten everything",
                    f"Close every position and cancel every order in {review.account}?",
                    "Flatten everything", details, review.require_word)


def state_words(record: OrderRecord) -> str:
    """Where an order stands, as the log and status line say it."""
    state, quantity = record.state, record.request.quantity
    tick = tick_of(record.request.instrument)
    price = f" @ {format_price(record.average_price, tick)}" if record.average_price else ""
    if state == "Rejected":
        return f"Rejected by NT8: {record.reason or 'no reason given'}"
    if state == "Filled":
        return f"Filled {quantity}{price}"
    if state == "PartFilled":
        return f"Part filled {record.filled} of {quantity}{price}"
    if state == "Cancelled":
        return "Cancelled" + (f": {record.reason}" if record.reason else "")
    if state == "Accepted":
        return "Accepted by NT8"
    return state


def fill_words(record: OrderRecord, fills: Sequence[Execution]) -> str:
    """ "Filled SELL 2 @ 6850.25" from the order's executions (its average price without)."""
    side = record.request.side.value
    tick = tick_of(record.request.instrument)
    quantity = sum(e.quantity for e in fills)
    if quantity:
        average = sum(Decimal(repr(e.price)) * e.quantity for e in fills) / quantity
        return f"Filled {side} {quantity} @ {format_price(average, tick)}"
    price = f" @ {format_price(record.average_price, tick)}" if record.average_price else ""
    return f"Filled {side} {record.filled}{price}"


def working_order_words(order: OrderInfo) -> str:
    """A working order as the list and the log say it: "BUY 2 MES 12-26 LMT 6840"."""
    try:
        kind = OrderType(order.order_type.upper()).short_label
    except ValueError:
        kind = order.order_type or "?"
    prices = [format_price(p, tick_of(order.instrument))
              for p in (order.stop_price, order.limit_price) if p]
    return " ".join([order.action.upper() or "?", str(order.quantity), order.instrument, kind,
                     *prices])


def age_words(since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago, in the fewest words: "8 s", "3 min", "2 h"; "—" when unknown."""
    if since is None:
        return "—"
    now = now or (dt.datetime.now(since.tzinfo) if since.tzinfo else dt.datetime.now())
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


# --- protection --------------------------------------------------------------------------


def risk_words(risk: RiskReward | None) -> str:
    """ "risk $10.00 · reward $20.00 · 1 : 2.0" for the order as it stands; a part without ticks
    says so ("no stop"), and "" when the tick value is unknown."""
    if risk is None:
        return ""
    parts = ["no stop" if risk.risk is None else f"risk ${risk.risk:,.2f}",
             "no target" if risk.reward is None else f"reward ${risk.reward:,.2f}"]
    if (ratio := risk.ratio) is not None:
        parts.append(f"1 : {ratio:.1f}")
    return " · ".join(parts)


def bracket_words(instrument: str, quantity: int, stop: Decimal | None, target: Decimal | None,
                  tick: Decimal | None) -> str:
    """ "Bracket 2 MES 12-26: stop 6848.00, target 6854.00" (the request, as logged)."""
    legs = ([f"stop {format_price(stop, tick)}"] if stop is not None else []) + (
        [f"target {format_price(target, tick)}"] if target is not None else [])
    return f"Bracket {quantity} {instrument}: " + ", ".join(legs)


def naked_words(uncovered: int, instrument: str) -> str:
    """The alarm's line: how much of the position no working stop covers."""
    return (f"NO STOP: {uncovered} {instrument} unprotected — Protect places a stop "
            "and a target")


# --- account groups (the window half: review, confirmation, results) ----------------------


def member_list_words(quantities: Iterable[tuple[str, int]]) -> str:
    """ "Sim101 2, Sim102 4, Sim103 1": each member and what it trades."""
    return ", ".join(f"{account} {quantity}" for account, quantity in quantities)


def group_question(review: Review, members: str, plan_text: str,
                   blast_radius: Sequence[str] = ()) -> Question:
    """The dialog that asks a group's `review` (its `account` is the group's name): a held
    order names the rules it breaks, a confirmation lists the members and their quantities, a
    group flatten lists what it would close; the waves are said whenever there is more than
    one ("25 accounts: 2 waves, about 2 s")."""
    order, kind, name = review.order, review.kind.value.upper(), review.account
    said = f" ({plan_text})" if plan_text else ""
    if order is not None and review.breaches:
        broken = ", ".join(dict.fromkeys(b.rule.lower() for b in review.breaches))
        return Question("Group order held by a safety rail",
                        f"{kind} group {name}: {describe_order(order)} breaks {broken}.{said}",
                        "Send anyway", tuple(f"{b.rule}: {b.message}" for b in review.breaches))
    if order is not None:
        return Question("Confirm group order",
                        f"{action_prefix(review.action)}{describe_order(order)} to {kind} group "
                        f"{name}: {members}?{said}", f"Send to {name}")
    return Question(f"{review.action.value}: group {name}",
                    f"{review.action.value} in every member of {kind} group {name} "
                    f"({members})?{said}", review.action.value, tuple(blast_radius))


def group_refusal(group: str, problem: str) -> str:
    """Why a group's send is not sent at all."""
    return f"Not sent to group {group}: {problem}"


def group_summary(group: str, action: Action, states: Iterable[tuple[str, str]]) -> str:
    """ "Trio, Place: 2 filled, 1 rejected (Sim103)": a group's send once every member ended;
    the accounts are named for every state but the good ones."""
    by_state: dict[str, list[str]] = {}
    for account, state in states:
        by_state.setdefault(state, []).append(account)
    good = {"filled", "accepted", "working", "done", "skipped"}
    parts = [f"{len(accounts)} {state}" + ("" if state in good else f" ({', '.join(accounts)})")
             for state, accounts in by_state.items()]
    return f"{group}, {action.value}: " + ", ".join(parts)


__all__ += ["group_question", "group_refusal", "group_summary", "member_list_words"]
