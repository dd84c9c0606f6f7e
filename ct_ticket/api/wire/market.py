"""Accounts, positions, close and cancel results, and quotes: CrossTrade's JSON to model values.

Forgiving where the reference marks a shape as unconfirmed (account lists, a `data` wrapper,
numbers sent as strings) and strict where a wrong guess would mislead a trader (a close answer
that is not CrossTrade's never reads as "nothing closed").
"""

from __future__ import annotations

from typing import Any

from ct_ticket.api.wire.base import (
    ShapeError,
    acknowledged,
    integer,
    json_number,
    json_object,
    list_field,
    text,
    unwrap,
)
from ct_ticket.model import Account, CloseResult, Position, Quote
from ct_ticket.model.room import Watermarks

__all__ = [
    "parse_account",
    "parse_account_answer",
    "parse_accounts",
    "parse_cancel",
    "parse_close",
    "parse_position",
    "parse_position_answer",
    "parse_positions",
    "parse_quote",
    "parse_quotes",
    "parse_watermarks",
]


# --- accounts -------------------------------------------------------------------------------


def parse_account(payload: Any) -> Account:
    """One account object (`GET /accounts/{account}`, or an item of a list or snapshot)."""
    if isinstance(payload, str) and payload.strip():
        return Account(name=payload.strip())
    obj = json_object(payload, "an account")
    if isinstance(obj.get("account"), dict):  # snapshot entry: {"account": {...}, "positions": []}
        obj = obj["account"]
    name = obj.get("name") or obj.get("accountName") or obj.get("account") or obj.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise ShapeError("account without a name")
    item: dict[str, Any] = obj["item"] if isinstance(obj.get("item"), dict) else {}
    return Account(
        name=name.strip(),
        display_name=text(obj.get("displayName")),
        provider=text(obj.get("provider")),
        connection_status=text(obj.get("connectionStatus")),
        account_type=text(obj.get("type") if obj.get("type") != "snapshot" else ""),
        net_liquidation=json_number(item.get("netLiquidation")),
        unrealized_pnl=json_number(item.get("unrealizedProfitLoss")),
        realized_pnl=json_number(item.get("realizedProfitLoss")),
        # §5 shows dailyLossLimit at the top and trailingMaxDrawdown in item: take either.
        daily_loss_limit=_either(obj, item, "dailyLossLimit"),
        trailing_max_drawdown=_either(obj, item, "trailingMaxDrawdown"),
        max_order_size=_count(_either(obj, item, "maxOrderSize")),
        max_position_size=_count(_either(obj, item, "maxPositionSize")),
    )


def _either(obj: dict[str, Any], item: dict[str, Any], key: str) -> float | None:
    """A limit field from the account object or its item; None when neither reports it."""
    value = json_number(obj.get(key))
    return value if value is not None else json_number(item.get(key))


def _count(value: float | None) -> int | None:
    """A size limit as a whole count (None stays unknown; a negative one is no reading)."""
    return None if value is None or value < 0 else int(value)


def parse_account_answer(payload: Any) -> Account:
    """`GET /accounts/{account}`: an account object (a bare name is only a list's item)."""
    return parse_account(json_object(payload, "an account"))


def parse_accounts(payload: Any) -> list[Account]:
    """An account list in any plausible shape: `{"accounts": [...]}`, a bare array, an object
    keyed by name, or the documented snapshot; items may be objects or plain names."""
    payload = unwrap(payload)
    items: Any
    if isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict) and "accounts" in payload:
        items = payload["accounts"]
        if isinstance(items, dict):
            items = [
                {**value, "name": value.get("name", key)} if isinstance(value, dict) else key
                for key, value in items.items()
            ]
    else:
        raise ShapeError("no account list in the answer")
    if not isinstance(items, list):
        raise ShapeError("the account list is not a list")
    accounts = [parse_account(item) for item in items]
    seen: set[str] = set()
    unique = []
    for account in accounts:
        if account.name.lower() not in seen:
            seen.add(account.name.lower())
            unique.append(account)
    return unique


# --- positions ------------------------------------------------------------------------------


def parse_position(payload: Any, *, account: str = "", instrument: str = "") -> Position:
    """A position object. A 'flat' answer may carry no position fields at all."""
    obj = json_object(payload, "a position")
    market_position = text(obj.get("marketPosition")) or "Flat"
    return Position(
        account=text(obj.get("account")) or account,
        instrument=text(obj.get("instrument")) or instrument,
        market_position=market_position,
        quantity=abs(integer(obj.get("quantity"))),
        average_price=json_number(obj.get("averagePrice")) or 0.0,
        market_price=json_number(obj.get("marketPrice")),
        unrealized_pnl=json_number(obj.get("unrealizedProfitLoss")),
    )


def parse_positions(payload: Any) -> list[Position]:
    """`{"positions": [...], "count": N}` or a bare array."""
    payload = unwrap(payload)
    if isinstance(payload, dict):
        if "positions" not in payload:
            raise ShapeError("no positions list in the answer")
        payload = payload["positions"]
    if not isinstance(payload, list):
        raise ShapeError("the positions are not a list")
    return [parse_position(item) for item in payload]


def parse_position_answer(payload: Any, *, account: str, instrument: str) -> Position:
    """`GET .../position`: a position object, or `success: true` alone when flat."""
    obj = acknowledged(json_object(payload, "a position"), "marketPosition")
    return parse_position(obj, account=account, instrument=instrument)


def parse_close(payload: Any) -> CloseResult:
    """Close, flatten and flatten-everything answers."""
    obj = acknowledged(json_object(payload, "a close result"), "closedPositions", "orderIds")
    return CloseResult(
        closed_positions=tuple(parse_position(p) for p in list_field(obj, "closedPositions")),
        order_ids=tuple(text(i) for i in list_field(obj, "orderIds")),
        warning=text(obj.get("warning")) or None,
    )


def parse_cancel(payload: Any) -> CloseResult:
    """Cancel answers: `{"orderIds": [...]}` for many, `{"orderId": ...}` for one."""
    obj = acknowledged(json_object(payload, "a cancel result"), "orderIds", "orderId")
    ids = [text(i) for i in list_field(obj, "orderIds") if text(i)]
    if not ids and text(obj.get("orderId")):
        ids = [text(obj["orderId"])]
    return CloseResult(order_ids=tuple(ids), warning=text(obj.get("warning")) or None)


# --- quotes ---------------------------------------------------------------------------------


def parse_quote(payload: Any) -> Quote:
    """One quote object (§9); a one-element array is accepted too."""
    payload = unwrap(payload)
    if isinstance(payload, list) and len(payload) == 1:
        payload = payload[0]
    obj = json_object(payload, "a quote")
    instrument = obj.get("instrument")
    if not isinstance(instrument, str) or not instrument:
        raise ShapeError("quote without an instrument")
    tick_size = json_number(obj.get("tickSize"))
    market_open = obj.get("isMarketOpen")
    return Quote(
        instrument=instrument,
        bid=json_number(obj.get("bid")),
        ask=json_number(obj.get("ask")),
        last=json_number(obj.get("last")),
        tick_size=tick_size if tick_size and tick_size > 0 else None,
        point_value=json_number(obj.get("pointValue")),
        description=text(obj.get("description")),
        epoch=json_number(obj.get("epoch")),
        is_market_open=market_open if isinstance(market_open, bool) else None,
    )


def parse_quotes(payload: Any) -> list[Quote]:
    """Several quotes: a bare JSON array (documented), or a single object."""
    payload = unwrap(payload)
    if isinstance(payload, dict):
        if isinstance(payload.get("quotes"), list):
            payload = payload["quotes"]
        else:
            return [parse_quote(payload)]
    if not isinstance(payload, list):
        raise ShapeError("the quotes are not a list")
    return [parse_quote(item) for item in payload]


# --- watermarks -----------------------------------------------------------------------------


def _figures(value: Any) -> dict[str, Any]:
    """An object of figures keyed case-insensitively (`pnlhigh`, `pnlHigh`); anything but an
    object (null, a list, text) is no figures at all."""
    if not isinstance(value, dict):
        return {}
    return {key.lower(): item for key, item in value.items() if isinstance(key, str)}


def parse_watermarks(payload: Any) -> Watermarks:
    """`GET .../watermarks`: `{"success": true, "data": {"account", "watermarks": {pnlhigh,
    netliqhigh, unrealhigh}, "stats": {pnl, total, unrealized, poscount, netliq, ...}}}`.

    Both objects are empty `{}` when the account has no monitor or no P&L this session: every
    figure is then None (unknown, never 0). A high missing from `watermarks` is taken from
    `stats`, which repeats them. An answer with neither object and no success flag is not
    CrossTrade's (ShapeError), so a stray body never reads as "no P&L yet".
    """
    obj = acknowledged(json_object(payload, "watermarks"), "watermarks", "stats")
    marks, stats = _figures(obj.get("watermarks")), _figures(obj.get("stats"))

    def high(key: str) -> float | None:
        found = json_number(marks.get(key))
        return found if found is not None else json_number(stats.get(key))
    count = json_number(stats.get("poscount"))
    return Watermarks(
        pnl_high=high("pnlhigh"), netliq_high=high("netliqhigh"),
        unrealized_high=high("unrealhigh"), pnl=json_number(stats.get("pnl")),
        total=json_number(stats.get("total")), unrealized=json_number(stats.get("unrealized")),
        netliq=json_number(stats.get("netliq")),
        position_count=int(count) if count is not None and count >= 0 else None)
