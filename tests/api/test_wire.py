"""The response parsers: every shape the reference documents or marks unconfirmed, and the
shapes that must be refused rather than guessed at."""

from __future__ import annotations

from typing import Any

import pytest

from ct_ticket.api import wire
from ct_ticket.model import OrderAck

SIM101 = {"id": 2, "name": "Sim101", "displayName": "Sim101", "provider": "Simulator",
          "connectionStatus": "Connected",
          "item": {"netLiquidation": 103502.5, "unrealizedProfitLoss": 2937.5,
                   "realizedProfitLoss": 0.0}, "success": True}
QUOTE = {"instrument": "ES 03-26", "tickSize": 0.25, "pointValue": 50.0, "bid": 6618.0,
         "ask": 6618.25, "last": 6617.75, "epoch": 1773867114, "isMarketOpen": True}
POSITION = {"type": "NinjaTrader.Cbi.Position", "account": "Sim101", "instrument": "ES 12-25",
            "marketPosition": "Short", "quantity": 4, "averagePrice": 5779.8125,
            "marketPrice": 5789.5, "unrealizedProfitLoss": -1937.5, "tag": None}


# --- accounts -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [
    {"accounts": [SIM101, {"name": "Apex-12", "provider": "Rithmic"}], "success": True},
    ["Sim101", "Apex-12"],
    {"accounts": ["Sim101", "Apex-12"]},
    {"accounts": {"Sim101": {"provider": "Simulator"}, "Apex-12": {"provider": "Rithmic"}}},
    {"accounts": {"Sim101": True, "Apex-12": True}},
    {"success": True, "data": [{"name": "Sim101"}, {"accountName": "Apex-12"}]},
    {"type": "snapshot", "timestamp": "2025-11-28T21:00:00Z", "epoch": 1764363600000,
     "accounts": [{"account": {**SIM101, "type": "NinjaTrader.Cbi.Account"}, "positions": []},
                  {"account": {"name": "Apex-12"}, "positions": [POSITION]}]},
], ids=["objects", "bare-names", "names", "keyed-objects", "keyed-flags", "data-wrapper",
        "snapshot"])
def test_account_list_variants_all_read_as_names_in_order(payload: Any) -> None:
    assert [a.name for a in wire.parse_accounts(payload)] == ["Sim101", "Apex-12"]


def test_account_object_carries_its_balances() -> None:
    account = wire.parse_account(SIM101)
    assert (account.provider, account.connection_status) == ("Simulator", "Connected")
    assert account.net_liquidation == 103502.5
    assert account.unrealized_pnl == 2937.5


def test_snapshot_entry_reads_the_nested_account() -> None:
    snapshot = {"type": "snapshot", "accounts": [
        {"account": {**SIM101, "type": "NinjaTrader.Cbi.Account", "isAccountFlat": True},
         "positions": []}]}
    [account] = wire.parse_accounts(snapshot)
    assert account.name == "Sim101"
    assert account.net_liquidation == 103502.5
    assert account.account_type == "NinjaTrader.Cbi.Account"


def test_account_list_drops_case_insensitive_duplicates() -> None:
    assert [a.name for a in wire.parse_accounts(["Sim101", "sim101", "Apex-12"])] == [
        "Sim101", "Apex-12"]


@pytest.mark.parametrize("payload", [
    {"hello": 1}, {"Sim101": {"name": "Sim101"}}, {"accounts": 5}, "Sim101", None,
    [{"provider": "Simulator"}], [""],
], ids=["unrelated", "top-level-keyed", "not-a-list", "string", "null", "nameless", "blank"])
def test_account_list_shapes_we_cannot_read_are_refused(payload: Any) -> None:
    # A top-level object keyed by name is indistinguishable from any other object: refusing
    # it is what sends the client to the documented snapshot.
    with pytest.raises(wire.ShapeError):
        wire.parse_accounts(payload)


# --- the data wrapper and error fields -------------------------------------------------------


def test_data_wrapper_is_unwrapped_and_keeps_its_siblings() -> None:
    payload = {"success": True, "warning": "late", "data": {"orderId": "abc123"}}
    assert wire.unwrap(payload) == {"success": True, "warning": "late", "orderId": "abc123"}
    assert wire.parse_order_ack(payload) == OrderAck("abc123", warning="late")


def test_data_that_is_not_a_container_is_left_alone() -> None:
    payload = {"instrument": "ES 03-26", "data": "raw"}
    assert wire.unwrap(payload) is payload


@pytest.mark.parametrize(("payload", "fields"), [
    ({"error": "Invalid request"}, ("Invalid request", None)),
    ({"success": False, "error": "invalid_account", "detail": "Account Sim999 not found"},
     ("invalid_account", "Account Sim999 not found")),
    ({"success": False, "message": "NinjaTrader is not connected"},
     (None, "NinjaTrader is not connected")),
    ({"success": True, "orderId": "x"}, None),
    ({"success": True, "error": None}, None),
    ([{"error": "inside an array"}], None),
])
def test_error_fields_find_failures_with_or_without_success(
        payload: Any, fields: tuple[str | None, str | None] | None) -> None:
    assert wire.error_fields(payload) == fields


# --- orders ---------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [
    {"success": True}, {"orderId": "", "success": True}, {"orderId": None}, [], ["abc"],
])
def test_order_ack_without_an_order_id_is_refused(payload: Any) -> None:
    with pytest.raises(wire.ShapeError):
        wire.parse_order_ack(payload)


def test_order_object_reads_nt8_names() -> None:
    order = wire.parse_order({"account": "Sim101", "orderId": "50cca7b8", "instrument": "ES 12-25",
                              "orderType": "Limit", "orderState": "Working", "quantity": 2,
                              "filled": 1, "orderAction": "Buy", "limitPrice": 6000.25,
                              "averageFillPrice": 0.0})
    assert (order.order_id, order.action, order.order_type) == ("50cca7b8", "Buy", "Limit")
    assert order.is_working
    assert (order.quantity, order.filled, order.limit_price) == (2, 1, 6000.25)
    assert not wire.parse_order({"orderId": "x", "orderState": "Filled"}).is_working


# --- positions ------------------------------------------------------------------------------


def test_flat_position_answer_without_position_fields_reads_as_flat() -> None:
    position = wire.parse_position({"success": True}, account="Sim101", instrument="ES 12-25")
    assert (position.account, position.instrument) == ("Sim101", "ES 12-25")
    assert position.market_position == "Flat"
    assert position.is_flat and position.signed_quantity == 0


def test_position_is_signed_by_its_market_position() -> None:
    short = wire.parse_position({**POSITION, "success": True})
    assert short.signed_quantity == -4
    assert short.average_price == 5779.8125
    assert wire.parse_position({**POSITION, "marketPosition": "Long"}).signed_quantity == 4
    assert wire.parse_position({**POSITION, "marketPosition": "Flat", "quantity": 0}).is_flat


@pytest.mark.parametrize("payload", [
    {"positions": [POSITION], "count": 1, "success": True}, [POSITION],
    {"success": True, "data": {"positions": [POSITION]}},
])
def test_position_lists_read_with_or_without_the_wrapper(payload: Any) -> None:
    [position] = wire.parse_positions(payload)
    assert (position.instrument, position.quantity) == ("ES 12-25", 4)


def test_position_list_without_positions_is_refused() -> None:
    with pytest.raises(wire.ShapeError):
        wire.parse_positions({"hello": 1})


def test_close_result_reads_closed_positions_order_ids_and_warning() -> None:
    result = wire.parse_close({"orderIds": ["a", "b"], "closedPositions": [POSITION],
                               "warning": "No positions or orders to flatten", "success": True})
    assert result.order_ids == ("a", "b")
    assert result.closed_positions[0].quantity == 4
    assert result.warning == "No positions or orders to flatten"
    assert wire.parse_cancel({"orderId": "abc", "success": True}).order_ids == ("abc",)


@pytest.mark.parametrize("parse", [
    lambda p: wire.parse_position_answer(p, account="Sim101", instrument="ES 12-25"),
    wire.parse_close, wire.parse_cancel], ids=["position", "close", "cancel"])
def test_answer_without_its_fields_or_a_success_flag_is_refused_not_read_as_nothing(
        parse: Any) -> None:
    # A 2xx like {"hello": 1} must not read as FLAT or "0 closed": the outcome is unknown.
    with pytest.raises(wire.ShapeError):
        parse({"hello": 1})
    assert parse({"success": True}) is not None


# --- quotes ---------------------------------------------------------------------------------


def test_quote_bare_array_reads_every_quote() -> None:
    quotes = wire.parse_quotes([QUOTE, {**QUOTE, "instrument": "NQ 03-26", "tickSize": "0.25"}])
    assert [q.instrument for q in quotes] == ["ES 03-26", "NQ 03-26"]
    assert [q.tick_size for q in quotes] == [0.25, 0.25]  # a number sent as text still reads


def test_single_quote_reads_prices_and_contract_facts() -> None:
    quote = wire.parse_quote({**QUOTE, "success": True})
    assert (quote.bid, quote.ask, quote.last) == (6618.0, 6618.25, 6617.75)
    assert (quote.tick_size, quote.point_value, quote.is_market_open) == (0.25, 50.0, True)
    assert wire.parse_quote([QUOTE]) == quote
    assert wire.parse_quotes(QUOTE) == [quote]


@pytest.mark.parametrize("tick", [0, -0.25, None, "abc", True])
def test_quote_with_an_unusable_tick_size_has_none(tick: Any) -> None:
    assert wire.parse_quote({**QUOTE, "tickSize": tick}).tick_size is None


@pytest.mark.parametrize("payload", [[], [QUOTE, QUOTE], {"hello": 1}, {"instrument": ""}])
def test_quote_shapes_we_cannot_read_are_refused(payload: Any) -> None:
    with pytest.raises(wire.ShapeError):
        wire.parse_quote(payload)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", float("nan"), float("inf"), True, None,
                                   "abc", [], {}])
def test_json_number_refuses_what_is_not_a_finite_number(value: object) -> None:
    from ct_ticket.api.wire import json_number

    assert json_number(value) is None


def test_a_quote_with_nan_prices_shows_no_price_rather_than_nan() -> None:
    from ct_ticket.api.wire import parse_quote

    quote = parse_quote({"instrument": "ES 12-26", "bid": "NaN", "ask": 6618.25, "last": "inf"})
    assert (quote.bid, quote.ask, quote.last) == (None, 6618.25, None)
