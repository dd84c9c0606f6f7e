"""The order side of the wire on its own: NT8's states in any spelling, where a rejection's
reason may sit, times with and without a zone, executions' sides, lifecycles and brackets, and
the bodies sent (the ticket's own orderId, change, cancel_and_bracket)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ct_ticket.api import wire
from ct_ticket.model import OrderInfo, OrderState, Side, build_order

ORDER = {"account": "Sim101", "orderId": "50cca7b8", "instrument": "ES 12-25",
         "orderType": "StopMarket", "orderState": "Rejected", "orderAction": "Sell",
         "quantity": 1, "filled": 0, "averageFillPrice": 0.0, "limitPrice": 0.0,
         "stopPrice": 6860.0, "timeInForce": "Gtc", "oco": "", "time":
         "2026-11-28T14:03:05.1230000", "errorCode": "OrderRejected",
         "nativeError": "Sell stop or sell stop limit orders can't be placed above the market."}


@pytest.mark.parametrize(("text", "state"), [
    ("Working", OrderState.WORKING), ("working", OrderState.WORKING),
    ("PARTFILLED", OrderState.PART_FILLED), ("Part_Filled", OrderState.PART_FILLED),
    ("Canceled", OrderState.CANCELLED), ("TriggerPending", OrderState.TRIGGER_PENDING),
    ("Parked", OrderState.UNKNOWN), ("", OrderState.UNKNOWN), (None, OrderState.UNKNOWN),
    (3, OrderState.UNKNOWN),
])
def test_states_parse_in_any_casing_and_unknown_text_is_unknown(text: Any, state: OrderState
                                                                ) -> None:
    assert OrderState.parse(text) is state


def test_final_and_working_states() -> None:
    assert {s for s in OrderState if s.is_final} == {
        OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED}
    assert not OrderState.UNKNOWN.is_working and not OrderState.UNKNOWN.is_final
    assert all(s.is_working for s in OrderState
               if not s.is_final and s is not OrderState.UNKNOWN)


def test_order_info_keeps_its_two_spellings_of_the_state_in_step() -> None:
    assert OrderInfo("a", order_state="cancelpending").state is OrderState.CANCEL_PENDING
    assert OrderInfo("a", order_state="cancelpending").is_working
    assert OrderInfo("a", state=OrderState.FILLED).order_state == "Filled"
    assert OrderInfo("a", order_state="Parked").order_state == "Parked"  # shown as sent


def test_rejected_order_reads_state_reason_and_fields() -> None:
    found = wire.parse_order(ORDER)
    assert found.state is OrderState.REJECTED and found.is_final
    assert found.reason == ORDER["nativeError"]
    assert (found.stop_price, found.time_in_force, found.oco_id) == (6860.0, "Gtc", None)
    assert found.time == datetime(2026, 11, 28, 14, 3, 5, 123000).astimezone()


@pytest.mark.parametrize("field", ["errorMessage", "rejectReason", "reason", "comment"])
def test_reason_is_read_from_the_documented_variants(field: str) -> None:
    payload = {k: v for k, v in ORDER.items() if k != "nativeError"} | {field: "Margin"}
    assert wire.parse_order(payload).reason == "Margin"


def test_an_error_code_alone_is_the_reason_and_no_error_is_none() -> None:
    bare = {k: v for k, v in ORDER.items() if k not in ("nativeError", "errorCode")}
    assert wire.parse_order(bare | {"error": "OrderRejected"}).reason == "OrderRejected"
    assert wire.parse_order(bare | {"error": "NoError"}).reason is None


def test_an_order_objects_error_is_not_a_failed_call() -> None:
    assert wire.error_fields({**ORDER, "error": "OrderRejected"}) is None
    assert wire.error_fields({**ORDER, "error": "x", "success": False}) == ("x", None)
    assert wire.error_fields({"error": "Invalid request"}) == ("Invalid request", None)


def test_epoch_milliseconds_win_over_zoneless_text() -> None:
    found = wire.parse_order({**ORDER, "epoch": 1764338585123})
    assert found.time == datetime(2025, 11, 28, 14, 3, 5, 123000, tzinfo=UTC)


@pytest.mark.parametrize("stamp", ["yesterday", "", 5, None, {"t": 1}, "x" * 100])
def test_unreadable_times_are_none(stamp: Any) -> None:
    assert wire.parse_order({**ORDER, "time": stamp, "epoch": "soon"}).time is None


@pytest.mark.parametrize(("fields", "side"), [
    ({"marketPosition": "Long"}, Side.BUY), ({"marketPosition": "Short"}, Side.SELL),
    ({"orderAction": "SellShort", "marketPosition": "Long"}, Side.SELL),
    ({"action": "Buy"}, Side.BUY),
])
def test_execution_side(fields: dict[str, Any], side: Side) -> None:
    execution = wire.parse_execution(
        {"id": "e1", "orderId": "o1", "quantity": 2, "price": 6850.25, **fields})
    assert execution.side is side and (execution.quantity, execution.price) == (2, 6850.25)


@pytest.mark.parametrize("payload", [
    {"id": "e1", "quantity": 1, "price": 1.0},  # no side
    {"id": "e1", "marketPosition": "Long", "quantity": 0, "price": 1.0},
    {"id": "e1", "marketPosition": "Long", "quantity": 1},
    {"marketPosition": "Long", "quantity": 1, "price": 1.0},  # no id
])
def test_an_execution_that_cannot_be_told_is_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(wire.ShapeError):
        wire.parse_executions({"executions": [payload]})
    with pytest.raises(wire.ShapeError):
        wire.parse_executions({"executions": "none"})


def test_lifecycle_state_falls_back_to_the_last_event() -> None:
    lifecycle = wire.parse_lifecycle({"orderId": "o1", "events": [
        {"type": "submission"}, {"type": "state", "orderState": "Submitted"},
        {"type": "state", "orderState": "Rejected", "nativeError": "No margin"}]})
    assert lifecycle.state is OrderState.REJECTED and lifecycle.reason == "No margin"
    assert lifecycle.events[0].state is None


def test_bracket_ack_needs_an_order() -> None:
    ack = wire.parse_bracket_ack({"takeProfitOrderId": "t", "stopLossOrderId": "s",
                                  "success": True})
    assert ack.order_ids == ("t", "s") and ack.cancelled_order_ids == ()
    with pytest.raises(wire.ShapeError):
        wire.parse_bracket_ack({"success": True, "orderIds": []})


def test_bodies() -> None:
    order = build_order(account="Sim101", instrument="MES 12-25", side="SELL", quantity=1,
                        order_type="MARKET")
    assert "orderId" not in wire.order_body(order)
    assert wire.order_body(dataclasses.replace(order, order_id="t-1"))["orderId"] == "t-1"
    assert wire.change_body(quantity=None, limit_price=Decimal("6850.25"),
                            stop_price=None) == {"limitPrice": 6850.25}
    assert wire.bracket_body("MES 12-25", Side.SELL, 2, stop_loss=Decimal("6860"),
                             take_profit=None) == {
        "instrument": "MES 12-25", "action": "SELL", "quantity": 2, "stopLoss": 6860.0}
