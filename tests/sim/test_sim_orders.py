"""Placing, resting, filling, changing and cancelling orders through the simulated API."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from ct_ticket.sim import Simulator

PLACE = "/v1/api/accounts/Sim101/orders/place"
FLATPLACE = "/v1/api/accounts/Sim101/orders/flatplace"


def _place(client: httpx.Client, body: dict[str, Any], path: str = PLACE) -> str:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["success"] is True
    assert set(payload) == {"orderId", "success"}
    return str(payload["orderId"])


def test_market_buy_fills_at_the_ask_and_opens_a_position(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order("ES 12-26", 2))
    assert re.fullmatch(r"[0-9a-f]{32}", order_id)
    position = client.get("/v1/api/accounts/Sim101/position",
                          params={"instrument": "ES 12-26"}).json()
    assert position == {
        "type": "NinjaTrader.Cbi.Position", "account": "Sim101", "instrument": "ES 12-26",
        "instrumentType": "Future", "marketPosition": "Long", "quantity": 2,
        "averagePrice": 6000.25, "marketPrice": 6000.0, "unrealizedProfitLoss": -25.0,
        "tag": None, "success": True,
    }
    filled = client.get(f"/v1/api/accounts/Sim101/orders/{order_id}").json()
    assert filled["orderState"] == "Filled"
    assert (filled["orderType"], filled["orderAction"], filled["timeInForce"]) == (
        "Market", "Buy", "Day")
    assert (filled["filled"], filled["averageFillPrice"]) == (2, 6000.25)


def test_market_sell_fills_at_the_bid_and_adds_to_an_average(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("NQ", 20000.0)
    _place(client, order("NQ", 1, action="SELL"))
    sim.set_price("NQ", 20010.0)
    _place(client, order("NQ", 1, action="sell"))  # enums are case-insensitive
    position = sim.position("Sim101", "NQ 12-26")
    assert position is not None
    assert (position["marketPosition"], position["quantity"]) == ("Short", 2)
    assert position["averagePrice"] == 20005.0
    # (20010 - 20005) * 2 contracts * $20 a point, short so negative.
    assert position["unrealizedProfitLoss"] == -200.0


def test_closing_trade_realizes_pnl_in_the_account(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("MES", 6000.0)
    _place(client, order("MES", 1))  # bought at the ask, 6000.25
    sim.set_price("MES", 6010.0)
    _place(client, order("MES", 1, action="SELL"))  # sold at the bid, 6010.00
    item = client.get("/v1/api/accounts/Sim101").json()["item"]
    assert item["realizedProfitLoss"] == pytest.approx(9.75 * 5)
    assert sim.position("Sim101", "MES") is None


@pytest.mark.parametrize(
    ("order_type", "extra", "missing"),
    [("LIMIT", {}, "limitPrice"), ("STOPMARKET", {}, "stopPrice"),
     ("STOPLIMIT", {"stopPrice": 6010.0}, "limitPrice"),
     ("STOPLIMIT", {"limitPrice": 6010.0}, "stopPrice")],
)
def test_priced_order_without_its_price_is_400_naming_the_field(
    client: httpx.Client, sim: Simulator, order: Any, order_type: str, extra: dict[str, Any],
    missing: str,
) -> None:
    response = client.post(PLACE, json=order(order_type=order_type, **extra))
    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["error"]) == (False, "invalid_request")
    assert missing in body["detail"]
    assert sim.working_orders("Sim101") == []


@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [("orderType", "STOP", "orderType must be one of MARKET, LIMIT, STOPMARKET, STOPLIMIT"),
     ("action", "LONG", "action must be one of BUY, SELL"),
     ("timeInForce", "IOC", "timeInForce must be one of DAY, GTC"),
     ("quantity", 0, "quantity"), ("quantity", 1.5, "quantity"), ("quantity", True, "quantity"),
     ("instrument", "XYZ", "XYZ")],
)
def test_bad_field_values_are_400(
    client: httpx.Client, order: Any, field: str, value: Any, detail: str
) -> None:
    response = client.post(PLACE, json={**order(), field: value})
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_missing_required_fields_are_all_named(client: httpx.Client) -> None:
    response = client.post(PLACE, json={"instrument": "ES"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    for field in ("action", "quantity", "orderType", "timeInForce"):
        assert field in detail


def test_off_tick_limit_price_is_400(client: httpx.Client, order: Any) -> None:
    response = client.post(PLACE, json=order(order_type="LIMIT", limitPrice=6000.1))
    assert response.status_code == 400
    assert "tick" in response.json()["detail"]


def test_market_order_ignores_zero_prices_it_does_not_use(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    assert client.post(PLACE, json=order(limitPrice=0.0, stopPrice=0)).status_code == 200
    assert sim.position("Sim101", "ES") is not None


def test_pascal_case_enums_as_in_the_ws_examples_are_accepted(
    client: httpx.Client, order: Any
) -> None:
    body = {**order(), "action": "Buy", "orderType": "Market", "timeInForce": "Gtc"}
    assert client.post(PLACE, json=body).status_code == 200


def test_resting_buy_limit_fills_when_set_price_reaches_it(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="LIMIT", limitPrice=5990.0))
    working = sim.working_orders("Sim101")
    assert [(o["orderId"], o["orderState"], o["limitPrice"]) for o in working] == [
        (order_id, "Working", 5990.0)]
    sim.set_price("ES", 5995.0)
    assert sim.position("Sim101", "ES") is None
    sim.set_price("ES", 5985.0)  # gaps through the limit: filled at the limit itself
    position = sim.position("Sim101", "ES")
    assert position is not None and position["averagePrice"] == 5990.0
    assert sim.working_orders("Sim101") == []


def test_marketable_limit_fills_at_once_at_the_better_price(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    _place(client, order(order_type="LIMIT", limitPrice=6005.0))
    position = sim.position("Sim101", "ES")
    assert position is not None and position["averagePrice"] == 6000.25


def test_sell_stop_rests_accepted_then_fills_at_the_bid(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("CL", 60.0)
    order_id = _place(client, order("CL", action="SELL", order_type="STOPMARKET", stopPrice=59.5))
    assert sim.working_orders("Sim101")[0]["orderState"] == "Accepted"
    sim.set_price("CL", 59.45)
    filled = client.get(f"/v1/api/accounts/Sim101/orders/{order_id}").json()
    assert (filled["orderState"], filled["averageFillPrice"]) == ("Filled", 59.45)


def test_stop_limit_triggers_then_rests_as_a_working_limit(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("GC", 4000.0)
    _place(client, order("GC", order_type="STOPLIMIT", stopPrice=4010.0, limitPrice=4011.0))
    sim.set_price("GC", 4015.0)  # stop trades, but the market is already above the limit
    assert [o["orderState"] for o in sim.working_orders("Sim101")] == ["Working"]
    sim.set_price("GC", 4011.0)
    position = sim.position("Sim101", "GC")
    assert position is not None and position["averagePrice"] == 4011.0


def test_buy_stop_below_the_market_is_rejected_by_nt8(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="STOPMARKET", stopPrice=5990.0))
    state = client.get(f"/v1/api/accounts/Sim101/orders/{order_id}").json()["orderState"]
    assert state == "Rejected"
    assert sim.working_orders("Sim101") == []


def test_flatplace_closes_the_position_and_its_orders_then_places(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    _place(client, order(quantity=3))
    target = _place(client, order(action="SELL", order_type="LIMIT", limitPrice=6050.0))
    new_id = _place(client, order(action="SELL", quantity=1), FLATPLACE)
    position = sim.position("Sim101", "ES")
    assert position is not None
    assert (position["marketPosition"], position["quantity"]) == ("Short", 1)
    assert client.get(f"/v1/api/accounts/Sim101/orders/{target}").json()["orderState"] == (
        "Cancelled")
    assert client.get(f"/v1/api/accounts/Sim101/orders/{new_id}").json()["orderState"] == (
        "Filled")


def test_flatplace_with_an_expired_dated_name_echoes_that_name(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _place(client, order("MES 12-25"), FLATPLACE)
    positions = client.get("/v1/api/accounts/Sim101/positions").json()
    assert [p["instrument"] for p in positions["positions"]] == ["MES 12-25"]
    assert positions["count"] == 1


def test_cancel_one_order_and_cancelling_again_is_the_stable_400(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="LIMIT", limitPrice=5900.0))
    url = f"/v1/api/accounts/Sim101/orders/{order_id}/cancel"
    assert client.post(url, json={}).json() == {"orderId": order_id, "success": True}
    again = client.post(url, json={})
    assert again.status_code == 400
    assert again.json() == {
        "error": f"Order linked to '{order_id}' not found or already terminal."}


def test_cancel_orders_by_instrument_returns_their_ids(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    sim.set_price("NQ", 20000.0)
    es = _place(client, order(order_type="LIMIT", limitPrice=5900.0))
    nq = _place(client, order("NQ", order_type="LIMIT", limitPrice=19900.0))
    response = client.post("/v1/api/accounts/Sim101/orders/cancel", json={"instrument": "ES"})
    assert response.json() == {"orderIds": [es], "success": True}
    response = client.post("/v1/api/accounts/Sim101/orders/cancel", json={})
    assert response.json() == {"orderIds": [nq], "success": True}


def test_oco_pair_cancels_the_other_side_on_a_fill(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    _place(client, order(quantity=1))
    target = _place(client, order(action="SELL", order_type="LIMIT", limitPrice=6010.0,
                                  ocoId="bracket-1"))
    stop = _place(client, order(action="SELL", order_type="STOPMARKET", stopPrice=5990.0,
                                ocoId="bracket-1"))
    sim.set_price("ES", 6010.0)
    states = {
        i: client.get(f"/v1/api/accounts/Sim101/orders/{i}").json()["orderState"]
        for i in (target, stop)
    }
    assert states == {target: "Filled", stop: "Cancelled"}
    assert sim.position("Sim101", "ES") is None


def test_custom_order_id_is_used_and_must_be_unique(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    body = order(order_type="LIMIT", limitPrice=5900.0, orderId="my-entry-1")
    assert _place(client, body) == "my-entry-1"
    assert client.get("/v1/api/accounts/Sim101/orders/my-entry-1").json()["orderState"] == (
        "Working")
    duplicate = client.post(PLACE, json=body)
    assert duplicate.status_code == 400
    assert "my-entry-1" in duplicate.json()["detail"]


def test_require_market_position_and_max_positions_guards(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _place(client, order(requireMarketPosition="flat"))
    refused = client.post(PLACE, json=order(requireMarketPosition="flat"))
    assert refused.status_code == 400
    _place(client, order(requireMarketPosition="flat,long"))
    refused = client.post(PLACE, json=order("NQ", maxPositions=1))
    assert refused.status_code == 400
    _place(client, order("ES", maxPositions=1))  # adding to the open position is allowed
    position = sim.position("Sim101", "ES")
    assert position is not None and position["quantity"] == 3


def test_change_answers_a_new_id_and_the_old_one_stays_valid(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    old = _place(client, order(order_type="LIMIT", limitPrice=5900.0))
    response = client.put(f"/v1/api/accounts/Sim101/orders/{old}/change",
                          json={"limitPrice": 5950.0, "quantity": 2})
    new = response.json()["orderId"]
    assert new != old
    for order_id in (old, new):
        changed = client.get(f"/v1/api/accounts/Sim101/orders/{order_id}").json()
        assert (changed["orderId"], changed["limitPrice"], changed["quantity"]) == (
            new, 5950.0, 2)


def test_orders_list_shows_recent_orders_with_timestamps(
    client: httpx.Client, order: Any
) -> None:
    first = _place(client, order())
    body = client.get("/v1/api/accounts/sim101/orders").json()
    assert body["success"] is True
    assert [o["orderId"] for o in body["orders"]] == [first]
    assert body["orders"][0]["timestamp"].endswith("Z")
    assert body["orders"][0]["account"] == "Sim101"


def test_orders_in_a_disconnected_account_are_rejected(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.add_account("Lost-1", provider="Rithmic", connection_status="Disconnected")
    order_id = _place(client, order(), "/v1/api/accounts/Lost-1/orders/place")
    state = client.get(f"/v1/api/accounts/Lost-1/orders/{order_id}").json()["orderState"]
    assert state == "Rejected"
    assert sim.position("Lost-1", "ES") is None
