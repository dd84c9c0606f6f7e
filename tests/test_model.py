"""The order model: validation accepts exactly the valid space; bodies (api/wire.py) are as
documented."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ct_ticket.api.wire import order_body
from ct_ticket.model import (
    MAX_PRICE,
    OrderRequest,
    OrderType,
    OrderValidationError,
    Side,
    TimeInForce,
    build_order,
    contract_spec,
    instrument_problem,
    is_on_tick,
    needs_limit_price,
    needs_stop_price,
    normalize_instrument,
    parse_price,
    root_symbol,
    round_to_tick,
)

DOCUMENTED_FIELDS = {
    "instrument", "action", "quantity", "orderType", "timeInForce",
    "limitPrice", "stopPrice", "ocoId", "strategy",
}


def order(**overrides: object) -> OrderRequest:
    fields: dict[str, object] = {
        "account": "Sim101", "instrument": "MES 12-25", "side": "BUY", "quantity": 1,
        "order_type": "MARKET", "time_in_force": "DAY",
    }
    fields.update(overrides)
    return build_order(**fields)  # type: ignore[arg-type]  # keyword soup from the test


def problems_of(**overrides: object) -> dict[str, str]:
    with pytest.raises(OrderValidationError) as caught:
        order(**overrides)
    return {p.field: p.message for p in caught.value.problems}


def test_seed_example_serialises_to_the_documented_body() -> None:
    body = order_body(order())
    assert body == {"instrument": "MES 12-25", "action": "BUY", "quantity": 1,
                    "orderType": "MARKET", "timeInForce": "DAY"}


@pytest.mark.parametrize(
    ("order_type", "limit", "stop", "expected"),
    [
        ("LIMIT", "5012.25", None, {"limitPrice": 5012.25}),
        ("STOPMARKET", None, "5000", {"stopPrice": 5000.0}),
        ("STOPLIMIT", "5012.5", "5012.25", {"limitPrice": 5012.5, "stopPrice": 5012.25}),
        ("MARKET", "5012.25", "5000", {}),  # prices the type does not take are never sent
        ("LIMIT", "5012.25", "4000", {"limitPrice": 5012.25}),
        ("STOPMARKET", "1", "5000.75", {"stopPrice": 5000.75}),
    ],
)
def test_each_type_sends_exactly_its_price_fields(
    order_type: str, limit: str | None, stop: str | None, expected: dict[str, float]
) -> None:
    body = order_body(order(order_type=order_type, limit_price=limit, stop_price=stop))
    prices = {k: v for k, v in body.items() if k in ("limitPrice", "stopPrice")}
    assert prices == expected
    assert body["orderType"] == order_type


@pytest.mark.parametrize(
    ("order_type", "missing"),
    [("LIMIT", {"limitPrice"}), ("STOPMARKET", {"stopPrice"}),
     ("STOPLIMIT", {"limitPrice", "stopPrice"})],
)
def test_missing_prices_are_named_one_message_each(order_type: str, missing: set[str]) -> None:
    problems = problems_of(order_type=order_type)
    assert set(problems) == missing
    assert all("required" in message for message in problems.values())


def test_off_tick_price_names_the_nearest_tick() -> None:
    problems = problems_of(order_type="LIMIT", limit_price="5012.3")
    assert problems == {
        "limitPrice": "Limit price 5012.3 is not on the 0.25 tick (nearest: 5012.25)."}


def test_quote_tick_size_overrides_the_table() -> None:
    assert order(order_type="LIMIT", limit_price="5012.3", tick_size=Decimal("0.1")).limit_price
    with pytest.raises(OrderValidationError):
        order(order_type="LIMIT", limit_price="5012.25", tick_size=Decimal("0.5"))


def test_unknown_product_skips_tick_check_but_requires_positive() -> None:
    assert order(instrument="ZZZ", order_type="LIMIT", limit_price="1.2345").limit_price == Decimal(
        "1.2345")
    assert "limitPrice" in problems_of(instrument="ZZZ", order_type="LIMIT", limit_price="-1")
    assert "limitPrice" in problems_of(instrument="ZZZ", order_type="LIMIT", limit_price="0")


@pytest.mark.parametrize("bad", ["nan", "inf", "1,5", "1e3", "", "  ", "abc", float("nan"),
                                 float("inf"), True])
def test_non_numbers_are_refused_as_prices(bad: object) -> None:
    assert "limitPrice" in problems_of(order_type="LIMIT", limit_price=bad)


@pytest.mark.parametrize(("quantity", "fragment"), [
    (0, "at least 1"), (-3, "at least 1"), (101, "maximum of 100"), ("2.5", "whole number"),
    (2.0, "whole number"), (True, "whole number"), ("x", "whole number"),
])
def test_quantity_rules(quantity: object, fragment: str) -> None:
    assert fragment in problems_of(quantity=quantity)["quantity"]


def test_maximum_quantity_is_configurable() -> None:
    assert order(quantity=250, quantity_cap=500).quantity == 250
    assert "maximum of 5" in problems_of(quantity=6, quantity_cap=5)["quantity"]


@pytest.mark.parametrize("text", ["ES 12-25", "ES", "ES1!", "ESH26", "es 12-25", "  MES   03-26 ",
                                  "6E", "6EZ5", "ES MAR25", "M2K 12-26", "ZN2!"])
def test_every_documented_instrument_form_is_accepted(text: str) -> None:
    assert instrument_problem(text) is None
    assert order(instrument=text).instrument == normalize_instrument(text)


@pytest.mark.parametrize("text", ["", "   ", "ES 13-25", "ES-12-25", "E$", "TOOLONGROOT",
                                  "ES 12-2025", "12", "ES1!!"])
def test_malformed_instruments_are_refused(text: str) -> None:
    assert instrument_problem(text) is not None
    assert "instrument" in problems_of(instrument=text)


def test_root_symbol_and_specs() -> None:
    assert root_symbol("MES 12-25") == "MES"
    assert root_symbol("ESH26") == "ES"
    assert root_symbol("NQ1!") == "NQ"
    spec = contract_spec("ZB 12-26")
    assert spec is not None and spec.tick_size == Decimal("0.03125")
    mes = contract_spec("MES")
    assert mes is not None and mes.tick_value == Decimal("1.25")
    assert contract_spec("QQQQ") is None


def test_several_problems_are_all_reported() -> None:
    problems = problems_of(account=" ", instrument="", quantity=0, order_type="STOPLIMIT",
                           oco_id="bad\nid")
    assert set(problems) == {"account", "instrument", "quantity", "limitPrice", "stopPrice",
                             "ocoId"}


def test_optional_fields_are_trimmed_and_sent_only_when_set() -> None:
    body = order_body(order(oco_id="  grp-1 ", atm_strategy=" ATM 2 ticks "))
    assert body["ocoId"] == "grp-1" and body["strategy"] == "ATM 2 ticks"
    assert "ocoId" not in order_body(order(oco_id="   "))


def test_describe_reads_the_order() -> None:
    assert order(order_type="LIMIT", limit_price="5012.25", quantity=2).describe() == (
        "BUY 2 MES 12-25 LMT 5012.25")
    assert order(side="SELL", order_type="STOPMARKET", stop_price="5000",
                 time_in_force="GTC").describe() == "SELL 1 MES 12-25 STP 5000 GTC"


def test_round_to_tick() -> None:
    assert round_to_tick(Decimal("5012.3"), Decimal("0.25")) == Decimal("5012.25")
    assert round_to_tick(Decimal("118.17"), Decimal("0.03125")) == Decimal("118.15625")


# --- properties ------------------------------------------------------------------------------

TICK = Decimal("0.25")
prices = st.one_of(
    st.none(),
    st.decimals(min_value=-10, max_value=20000, places=3, allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)


@given(
    side=st.sampled_from(["BUY", "SELL", "Hold", ""]),
    order_type=st.sampled_from([*OrderType, "TRAILING"]),
    tif=st.sampled_from([*TimeInForce, "IOC"]),
    quantity=st.one_of(st.integers(-5, 200), st.text(max_size=4)),
    limit=prices,
    stop=prices,
)
def test_validation_accepts_exactly_the_valid_space(
    side: str, order_type: str, tif: str, quantity: object, limit: object, stop: object
) -> None:
    def valid_price(raw: object) -> bool:
        price = parse_price(raw)
        return price is not None and 0 < price < MAX_PRICE and is_on_tick(price, TICK)

    kind = OrderType(order_type) if order_type in set(OrderType) else None
    expected_valid = (
        side in ("BUY", "SELL")
        and kind is not None
        and tif in set(TimeInForce)
        and (isinstance(quantity, int) or (isinstance(quantity, str) and re.fullmatch(
            r"-?[0-9]{1,9}", quantity.strip()) is not None))
        and 1 <= int(str(quantity).strip()) <= 100
        and (not needs_limit_price(kind) or valid_price(limit))
        and (not needs_stop_price(kind) or valid_price(stop))
    )
    try:
        request = build_order(account="Sim101", instrument="ES 12-26", side=side,
                              quantity=quantity, order_type=order_type, time_in_force=tif,
                              limit_price=limit, stop_price=stop, tick_size=TICK)
    except OrderValidationError as error:
        assert not expected_valid, error.problems
        assert error.problems and all(p.message for p in error.problems)
        return
    assert expected_valid
    body = order_body(request)
    assert set(body) <= DOCUMENTED_FIELDS
    assert ("limitPrice" in body) == needs_limit_price(request.order_type)
    assert ("stopPrice" in body) == needs_stop_price(request.order_type)
    assert body["action"] in ("BUY", "SELL") and isinstance(body["quantity"], int)
    # The body is plain JSON: numbers for prices, exact on the tick after a round trip.
    decoded = json.loads(json.dumps(body))
    for key in ("limitPrice", "stopPrice"):
        if key in decoded:
            assert is_on_tick(Decimal(repr(decoded[key])), TICK)


@given(st.text(max_size=20))
def test_instrument_normalisation_is_idempotent_and_total(text: str) -> None:
    once = normalize_instrument(text)
    assert normalize_instrument(once) == once
    problem = instrument_problem(text)
    assert problem is None or problem.endswith(".")


def test_side_opposite() -> None:
    assert Side.BUY.opposite is Side.SELL and Side.SELL.opposite is Side.BUY
