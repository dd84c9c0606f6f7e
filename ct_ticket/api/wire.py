"""The only module that knows CrossTrade's JSON field names, both ways.

`order_body` turns an order into the request body. Each `parse_*` function takes decoded JSON
and returns a model value (ct_ticket/model/), or raises `ShapeError` when the JSON is not the
shape CrossTrade documents. Parsing is forgiving where the reference marks a shape as
unconfirmed (account lists, a `data` wrapper, numbers sent as strings) and strict where a wrong
guess would mislead a trader (an order acknowledgement without an order id).
"""

from __future__ import annotations

import math
from typing import Any

from ct_ticket.model import (
    Account,
    CloseResult,
    OrderAck,
    OrderInfo,
    OrderRequest,
    Position,
    Quote,
)

__all__ = [
    "ShapeError",
    "error_fields",
    "json_number",
    "order_body",
    "parse_account",
    "parse_accounts",
    "parse_cancel",
    "parse_close",
    "parse_order",
    "parse_order_ack",
    "parse_orders",
    "parse_position",
    "parse_position_answer",
    "parse_positions",
    "parse_quote",
    "parse_quotes",
    "unwrap",
]


class ShapeError(ValueError):
    """The JSON is valid but not shaped like CrossTrade's answer."""


# --- requests ------------------------------------------------------------------------------


def order_body(order: OrderRequest) -> dict[str, Any]:
    """The JSON body of `orders/place` and `orders/flatplace`, unset optionals omitted."""
    body: dict[str, Any] = {
        "instrument": order.instrument,
        "action": order.side.value,
        "quantity": order.quantity,
        "orderType": order.order_type.value,
        "timeInForce": order.time_in_force.value,
    }
    if order.limit_price is not None:
        body["limitPrice"] = float(order.limit_price)
    if order.stop_price is not None:
        body["stopPrice"] = float(order.stop_price)
    if order.oco_id:
        body["ocoId"] = order.oco_id
    if order.atm_strategy:
        body["strategy"] = order.atm_strategy
    return body


# --- helpers -------------------------------------------------------------------------------


def unwrap(payload: Any) -> Any:
    """Strip a `{"data": ...}` wrapper if present (documented generically, never seen)."""
    if isinstance(payload, dict) and "data" in payload and isinstance(payload["data"], dict | list):
        inner = payload["data"]
        if isinstance(inner, dict):
            return {**{k: v for k, v in payload.items() if k != "data"}, **inner}
        return inner
    return payload


def error_fields(payload: Any) -> tuple[str | None, str | None] | None:
    """`(error, detail)` when the body reports a failure (`error` present or `success: false`)."""
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if error is None and payload.get("success") is not False:
        return None
    detail = payload.get("detail") or payload.get("message")
    return (str(error) if error is not None else None,
            str(detail) if detail is not None else None)


def _object(payload: Any, what: str) -> dict[str, Any]:
    payload = unwrap(payload)
    if not isinstance(payload, dict):
        raise ShapeError(f"expected a JSON object for {what}, got {type(payload).__name__}")
    return payload


def json_number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric text (some feeds quote numbers); None for
    anything else, NaN and infinities included, so a bad field never becomes a price."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int:
    number = json_number(value)
    return int(number) if number is not None else 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _list(payload: dict[str, Any], key: str) -> list[Any]:
    value = payload.get(key)
    return value if isinstance(value, list) else []


# --- accounts -------------------------------------------------------------------------------


def parse_account(payload: Any) -> Account:
    """One account object (`GET /accounts/{account}`, or an item of a list or snapshot)."""
    if isinstance(payload, str) and payload.strip():
        return Account(name=payload.strip())
    obj = _object(payload, "an account")
    if isinstance(obj.get("account"), dict):  # snapshot entry: {"account": {...}, "positions": []}
        obj = obj["account"]
    name = obj.get("name") or obj.get("accountName") or obj.get("account") or obj.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise ShapeError("account without a name")
    item: dict[str, Any] = obj["item"] if isinstance(obj.get("item"), dict) else {}
    return Account(
        name=name.strip(),
        display_name=_text(obj.get("displayName")),
        provider=_text(obj.get("provider")),
        connection_status=_text(obj.get("connectionStatus")),
        account_type=_text(obj.get("type") if obj.get("type") != "snapshot" else ""),
        net_liquidation=json_number(item.get("netLiquidation")),
        unrealized_pnl=json_number(item.get("unrealizedProfitLoss")),
        realized_pnl=json_number(item.get("realizedProfitLoss")),
    )


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
    obj = _object(payload, "a position")
    market_position = _text(obj.get("marketPosition")) or "Flat"
    return Position(
        account=_text(obj.get("account")) or account,
        instrument=_text(obj.get("instrument")) or instrument,
        market_position=market_position,
        quantity=abs(_integer(obj.get("quantity"))),
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


def _acknowledged(obj: dict[str, Any], *fields: str) -> dict[str, Any]:
    """`obj` when it carries one of `fields` or `success: true`; else a ShapeError, so an answer
    that is not CrossTrade's never reads as "flat" or "nothing closed"."""
    if obj.get("success") is not True and not any(name in obj for name in fields):
        raise ShapeError(f"the answer has no {' or '.join(fields)} and no success flag")
    return obj


def parse_position_answer(payload: Any, *, account: str, instrument: str) -> Position:
    """`GET .../position`: a position object, or `success: true` alone when flat."""
    obj = _acknowledged(_object(payload, "a position"), "marketPosition")
    return parse_position(obj, account=account, instrument=instrument)


def parse_close(payload: Any) -> CloseResult:
    """Close, flatten and flatten-everything answers."""
    obj = _acknowledged(_object(payload, "a close result"), "closedPositions", "orderIds")
    return CloseResult(
        closed_positions=tuple(parse_position(p) for p in _list(obj, "closedPositions")),
        order_ids=tuple(_text(i) for i in _list(obj, "orderIds")),
        warning=_text(obj.get("warning")) or None,
    )


def parse_cancel(payload: Any) -> CloseResult:
    """Cancel answers: `{"orderIds": [...]}` for many, `{"orderId": ...}` for one."""
    obj = _acknowledged(_object(payload, "a cancel result"), "orderIds", "orderId")
    ids = [_text(i) for i in _list(obj, "orderIds")]
    if not ids and obj.get("orderId"):
        ids = [_text(obj["orderId"])]
    return CloseResult(order_ids=tuple(ids), warning=_text(obj.get("warning")) or None)


# --- orders ---------------------------------------------------------------------------------


def parse_order_ack(payload: Any) -> OrderAck:
    """`{"orderId": "...", "success": true}`; without an id the order is untrackable: an error."""
    obj = _object(payload, "an order acknowledgement")
    order_id = obj.get("orderId")
    if not isinstance(order_id, str | int) or not str(order_id).strip():
        raise ShapeError("the answer has no orderId")
    return OrderAck(order_id=str(order_id), warning=_text(obj.get("warning")) or None)


def parse_order(payload: Any) -> OrderInfo:
    """One order object from `GET .../orders/{orderId}` or an item of an order list."""
    obj = _object(payload, "an order")
    order_id = obj.get("orderId") or obj.get("id")
    if not order_id:
        raise ShapeError("order without an orderId")
    return OrderInfo(
        order_id=_text(order_id),
        account=_text(obj.get("account")),
        instrument=_text(obj.get("instrument")),
        action=_text(obj.get("orderAction") or obj.get("action")),
        order_type=_text(obj.get("orderType")),
        order_state=_text(obj.get("orderState")),
        quantity=_integer(obj.get("quantity")),
        filled=_integer(obj.get("filled")),
        average_fill_price=json_number(obj.get("averageFillPrice")),
        limit_price=json_number(obj.get("limitPrice")),
        stop_price=json_number(obj.get("stopPrice")),
    )


def parse_orders(payload: Any) -> list[OrderInfo]:
    """`{"orders": [...]}` (shape unconfirmed) or a bare array."""
    payload = unwrap(payload)
    if isinstance(payload, dict):
        payload = payload.get("orders")
    if not isinstance(payload, list):
        raise ShapeError("no orders list in the answer")
    return [parse_order(item) for item in payload]


# --- quotes ---------------------------------------------------------------------------------


def parse_quote(payload: Any) -> Quote:
    """One quote object (§9); a one-element array is accepted too."""
    payload = unwrap(payload)
    if isinstance(payload, list) and len(payload) == 1:
        payload = payload[0]
    obj = _object(payload, "a quote")
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
        description=_text(obj.get("description")),
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
