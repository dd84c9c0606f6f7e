"""Orders both ways: the place, change and cancel_and_bracket bodies, and the acknowledgements,
order objects, lifecycles and executions CrossTrade answers.

Strict where a wrong guess would mislead a trader: an acknowledgement without an order id, an
execution without a side, quantity or price is a ShapeError, never a guess. NT8's rejection
reason is read from `nativeError` first, then the names other versions may use.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ct_ticket.api.wire.base import (
    ShapeError,
    acknowledged,
    integer,
    json_number,
    json_object,
    list_field,
    optional_text,
    text,
    timestamp,
    unwrap,
)
from ct_ticket.model import (
    BracketAck,
    Execution,
    LifecycleEvent,
    OrderAck,
    OrderInfo,
    OrderLifecycle,
    OrderRequest,
    OrderState,
    Side,
)

__all__ = [
    "bracket_body",
    "change_body",
    "order_body",
    "parse_bracket_ack",
    "parse_execution",
    "parse_executions",
    "parse_lifecycle",
    "parse_order",
    "parse_order_ack",
    "parse_orders",
]

# Where NT8's words for a rejection may sit, best first (§12: `nativeError` is NT8's own name).
_REASON_FIELDS = ("nativeError", "errorMessage", "rejectReason", "rejectionReason", "reason",
                  "comment")
# NT8 ErrorCode values that are not a reason to show.
_NO_ERROR = frozenset({"", "noerror", "none"})


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
    if order.order_id:
        body["orderId"] = order.order_id
    return body


def change_body(*, quantity: int | None, limit_price: Decimal | None,
                stop_price: Decimal | None) -> dict[str, Any]:
    """The body of `PUT .../orders/{id}/change`: only what changes."""
    body: dict[str, Any] = {}
    if quantity is not None:
        body["quantity"] = quantity
    if limit_price is not None:
        body["limitPrice"] = float(limit_price)
    if stop_price is not None:
        body["stopPrice"] = float(stop_price)
    return body


def bracket_body(instrument: str, side: Side, quantity: int, *, stop_loss: Decimal | None,
                 take_profit: Decimal | None) -> dict[str, Any]:
    """The body of `POST .../orders/cancel_and_bracket`; `action` is the position's side.

    The field names are unconfirmed upstream (§7); these are the REST spellings of the
    webhook's `take_profit` / `stop_loss`.
    """
    body: dict[str, Any] = {"instrument": instrument, "action": side.value, "quantity": quantity}
    if take_profit is not None:
        body["takeProfit"] = float(take_profit)
    if stop_loss is not None:
        body["stopLoss"] = float(stop_loss)
    return body


# --- acknowledgements -----------------------------------------------------------------------


def _id(value: Any) -> str | None:
    """An order or execution id: text or a whole number; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    found = str(value).strip()
    return found or None


def parse_order_ack(payload: Any) -> OrderAck:
    """`{"orderId": "...", "success": true}`; without an id the order is untrackable: an error."""
    found = json_object(payload, "an order acknowledgement")
    order_id = _id(found.get("orderId"))
    if order_id is None:
        raise ShapeError("the answer has no orderId")
    return OrderAck(order_id=order_id, warning=optional_text(found.get("warning")))


def parse_bracket_ack(payload: Any) -> BracketAck:
    """cancel_and_bracket's answer (unconfirmed upstream): `orderIds`, `stopLossOrderId`,
    `takeProfitOrderId`, `cancelledOrderIds`, `quantity`, `ocoId`. It must name at least one
    order it placed: an acknowledgement without one cannot be followed."""
    found = acknowledged(json_object(payload, "a bracket acknowledgement"), "orderIds")
    stop = _id(found.get("stopLossOrderId") or found.get("stopOrderId"))
    target = _id(found.get("takeProfitOrderId") or found.get("targetOrderId"))
    ids = [i for i in (_id(v) for v in list_field(found, "orderIds")) if i]
    ids += [i for i in (target, stop) if i and i not in ids]
    if not ids:
        raise ShapeError("the bracket answer names no order")
    quantity = json_number(found.get("quantity"))
    return BracketAck(
        order_ids=tuple(ids),
        stop_order_id=stop,
        target_order_id=target,
        cancelled_order_ids=tuple(
            i for i in (_id(v) for v in list_field(found, "cancelledOrderIds")) if i),
        quantity=int(quantity) if quantity is not None else None,
        oco_id=optional_text(found.get("ocoId")),
    )


# --- orders ---------------------------------------------------------------------------------


def _reason(found: dict[str, Any]) -> str | None:
    """NT8's words for what went wrong, or failing any, its ErrorCode (`error`)."""
    for name in _REASON_FIELDS:
        words = optional_text(found.get(name))
        if words:
            return words
    code = optional_text(found.get("error")) or optional_text(found.get("errorCode"))
    return code if code and code.lower() not in _NO_ERROR else None


def parse_order(payload: Any) -> OrderInfo:
    """One order object from `GET .../orders/{orderId}` or an item of an order list."""
    found = json_object(payload, "an order")
    order_id = _id(found.get("orderId")) or _id(found.get("id"))
    if order_id is None:
        raise ShapeError("order without an orderId")
    state_text = text(found.get("orderState"))
    return OrderInfo(
        order_id=order_id,
        account=text(found.get("account")),
        instrument=text(found.get("instrument")),
        action=text(found.get("orderAction") or found.get("action")),
        order_type=text(found.get("orderType")),
        order_state=state_text,
        state=OrderState.parse(state_text),
        quantity=integer(found.get("quantity")),
        filled=integer(found.get("filled")),
        average_fill_price=json_number(found.get("averageFillPrice")),
        limit_price=json_number(found.get("limitPrice")),
        stop_price=json_number(found.get("stopPrice")),
        reason=_reason(found),
        time=timestamp(found.get("epoch"), found.get("time")),
        oco_id=optional_text(found.get("oco")) or optional_text(found.get("ocoId")),
        time_in_force=text(found.get("timeInForce")),
        custom_id=optional_text(found.get("customOrderId")) or optional_text(
            found.get("customId")),
    )


def parse_orders(payload: Any) -> list[OrderInfo]:
    """`{"orders": [...]}` (shape unconfirmed) or a bare array."""
    payload = unwrap(payload)
    if isinstance(payload, dict):
        payload = payload.get("orders")
    if not isinstance(payload, list):
        raise ShapeError("no orders list in the answer")
    return [parse_order(item) for item in payload]


def _event(payload: Any) -> LifecycleEvent:
    found = json_object(payload, "a lifecycle event")
    state_text = text(found.get("orderState") or found.get("state"))
    quantity = json_number(found.get("quantity"))
    return LifecycleEvent(
        state=OrderState.parse(state_text) if state_text else None,
        kind=text(found.get("type") or found.get("kind")),
        time=timestamp(found.get("epoch"), found.get("timestamp") or found.get("time")),
        reason=_reason(found),
        quantity=int(quantity) if quantity is not None else None,
        price=json_number(found.get("price")),
    )


def parse_lifecycle(payload: Any) -> OrderLifecycle:
    """`GET .../orders/{id}/lifecycle` (add-on ≥ 1.13.2; event shape undocumented): the order's
    id and state and its events, oldest first. Without a state the last event's is used."""
    found = json_object(payload, "an order lifecycle")
    order_id = _id(found.get("orderId"))
    if order_id is None:
        raise ShapeError("lifecycle without an orderId")
    if "events" in found and not isinstance(found["events"], list):
        raise ShapeError("the lifecycle events are not a list")
    events = tuple(_event(item) for item in list_field(found, "events"))
    state_text = text(found.get("orderState"))
    state = OrderState.parse(state_text) if state_text else next(
        (e.state for e in reversed(events) if e.state is not None), OrderState.UNKNOWN)
    return OrderLifecycle(order_id=order_id, state=state, events=events,
                          custom_id=optional_text(found.get("customOrderId")))


# --- executions -----------------------------------------------------------------------------


def _execution_side(found: dict[str, Any]) -> Side:
    """BUY or SELL: from `orderAction`/`action` when given, else from `marketPosition`, which
    on an NT8 execution is the side it traded (Long = bought)."""
    for name in ("orderAction", "action"):
        word = text(found.get(name)).strip().lower()
        if word in ("buy", "buytocover"):
            return Side.BUY
        if word in ("sell", "sellshort"):
            return Side.SELL
    word = text(found.get("marketPosition")).strip().lower()
    if word == "long":
        return Side.BUY
    if word == "short":
        return Side.SELL
    raise ShapeError("execution without a side")


def parse_execution(payload: Any) -> Execution:
    """One §8 execution object."""
    found = json_object(payload, "an execution")
    execution_id = _id(found.get("id")) or _id(found.get("executionId"))
    if execution_id is None:
        raise ShapeError("execution without an id")
    quantity = json_number(found.get("quantity"))
    price = json_number(found.get("price"))
    if quantity is None or quantity <= 0 or price is None:
        raise ShapeError("execution without a quantity or price")
    return Execution(
        execution_id=execution_id,
        order_id=_id(found.get("orderId")) or "",
        account=text(found.get("account")),
        instrument=text(found.get("instrument")),
        side=_execution_side(found),
        quantity=int(quantity),
        price=price,
        time=timestamp(found.get("epoch"), found.get("time")),
    )


def parse_executions(payload: Any) -> list[Execution]:
    """`{"executions": [...]}` (documented) or a bare array."""
    payload = unwrap(payload)
    if isinstance(payload, dict):
        payload = payload.get("executions")
    if not isinstance(payload, list):
        raise ShapeError("no executions list in the answer")
    return [parse_execution(item) for item in payload]
