"""cancel_and_bracket (§7) and OCO groups: the bracket is sized to the position, replaces the
instrument's orders, and its legs cancel each other."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sim_clock import FakeClock

from ct_ticket.sim import Simulator

PLACE = "/v1/api/accounts/Sim101/orders/place"
BRACKET = "/v1/api/accounts/Sim101/orders/cancel_and_bracket"


def _get(client: httpx.Client, order_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/v1/api/accounts/Sim101/orders/{order_id}").json()
    return body


def _long(client: httpx.Client, sim: Simulator, order: Any, quantity: int = 2) -> None:
    sim.set_price("MES", 6850.0)
    assert client.post(PLACE, json=order("MES", quantity)).status_code == 200


def test_bracket_replaces_the_instruments_orders_with_an_oco_pair_sized_to_the_position(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _long(client, sim, order)
    old = client.post(PLACE, json=order("MES", 1, action="SELL", order_type="LIMIT",
                                        limitPrice=6870.0)).json()["orderId"]
    other = client.post(PLACE, json=order("ES", 1, order_type="LIMIT",
                                          limitPrice=6800.0)).json()["orderId"]
    response = client.post(BRACKET, json={"instrument": "MES", "action": "BUY",
                                          "quantity": 5, "takeProfit": 6854.0,
                                          "stopLoss": 6848.0})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cancelledOrderIds"] == [old]
    assert body["quantity"] == 2  # clamped to the position
    target, stop = _get(client, body["takeProfitOrderId"]), _get(client, body["stopLossOrderId"])
    assert body["orderIds"] == [target["orderId"], stop["orderId"]]
    assert (target["orderType"], target["orderAction"], target["limitPrice"],
            target["quantity"], target["orderState"]) == ("Limit", "Sell", 6854.0, 2, "Working")
    assert (stop["orderType"], stop["orderAction"], stop["stopPrice"], stop["orderState"]) == (
        "StopMarket", "Sell", 6848.0, "Accepted")
    assert target["oco"] == stop["oco"] == body["ocoId"] != ""
    assert (target["timeInForce"], target["name"], stop["name"]) == (
        "Gtc", "Profit target", "Stop loss")
    assert _get(client, other)["orderState"] == "Working"  # another instrument: untouched


def test_when_the_target_fills_the_stop_is_cancelled_and_the_position_is_flat(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _long(client, sim, order, 1)
    body = client.post(BRACKET, json={"instrument": "MES 12-26", "action": "Buy",
                                      "takeProfit": 6854.0, "stopLoss": 6848.0}).json()
    sim.set_price("MES", 6855.0)
    assert _get(client, body["takeProfitOrderId"])["orderState"] == "Filled"
    assert _get(client, body["stopLossOrderId"])["orderState"] == "Cancelled"
    assert sim.position("Sim101", "MES") is None
    assert sim.working_orders("Sim101") == []


def test_a_part_filled_target_shrinks_its_stop(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _long(client, sim, order, 3)
    body = client.post(BRACKET, json={"instrument": "MES", "action": "BUY",
                                      "takeProfit": 6854.0, "stopLoss": 6848.0}).json()
    sim.fill_order("Sim101", body["takeProfitOrderId"], quantity=1)
    assert _get(client, body["takeProfitOrderId"])["orderState"] == "PartFilled"
    assert _get(client, body["stopLossOrderId"])["quantity"] == 2
    position = sim.position("Sim101", "MES")
    assert position is not None and position["quantity"] == 2


def test_a_short_is_protected_with_buy_orders(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    client.post(PLACE, json=order("ES", 1, action="SELL"))
    body = client.post(BRACKET, json={"instrument": "ES", "action": "SELL",
                                      "stopLoss": 6010.0}).json()
    assert body["takeProfitOrderId"] is None
    assert _get(client, body["stopLossOrderId"])["orderAction"] == "Buy"
    sim.set_price("ES", 6010.0)
    assert sim.position("Sim101", "ES") is None


def test_webhook_spellings_are_accepted(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _long(client, sim, order, 2)
    body = client.post(BRACKET, json={"instrument": "MES", "action": "buy", "qty": 1,
                                      "take_profit": 6860.0, "stop_loss": 6840.0}).json()
    assert body["quantity"] == 1
    assert _get(client, body["takeProfitOrderId"])["limitPrice"] == 6860.0


@pytest.mark.parametrize(("body", "detail"), [
    ({"action": "BUY", "stopLoss": 6840.0}, "instrument"),
    ({"instrument": "MES", "action": "BUY"}, "takeProfit"),
    ({"instrument": "MES", "action": "SELL", "stopLoss": 6860.0}, "does not match"),
    ({"instrument": "MES", "action": "BUY", "stopLoss": 6840.1}, "tick"),
])
def test_bad_bracket_bodies_are_400_and_cancel_nothing(
    client: httpx.Client, sim: Simulator, order: Any, body: dict[str, Any], detail: str
) -> None:
    _long(client, sim, order, 1)
    resting = client.post(PLACE, json=order("MES", 1, action="SELL", order_type="LIMIT",
                                            limitPrice=6870.0)).json()["orderId"]
    response = client.post(BRACKET, json=body)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert _get(client, resting)["orderState"] == "Working"


def test_with_no_position_the_documented_oco_entry_or_a_400_when_refused(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_price("MES", 6850.0)
    straddle = {"instrument": "MES", "action": "BUY", "quantity": 1,
                "takeProfit": 6856.0, "stopLoss": 6840.0}
    entry = client.post(BRACKET, json=straddle).json()  # §7: "acts as an OCO entry"
    assert len(entry["orderIds"]) == 2
    sim.refuse_flat_bracket = True
    refused = client.post("/v1/api/accounts/Sim102/orders/cancel_and_bracket",
                          json={**straddle, "instrument": "ES"})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "No position found for instrument 'ES 12-26' in account 'Sim102'"}


def test_the_bracket_is_dropped_if_the_position_goes_flat_before_nt8_takes_it(
    client: httpx.Client, sim: Simulator, clock: FakeClock, order: Any
) -> None:
    _long(client, sim, order, 1)
    sim.order_latency = 0.2
    body = client.post(BRACKET, json={"instrument": "MES", "action": "BUY",
                                      "takeProfit": 6854.0, "stopLoss": 6848.0}).json()
    client.post("/v1/api/accounts/Sim101/positions/close", json={"instrument": "MES"})
    clock.advance(0.2)
    assert sim.position("Sim101", "MES") is None
    for key in ("takeProfitOrderId", "stopLossOrderId"):
        assert _get(client, body[key])["orderState"] == "Cancelled"


def test_cancelling_one_leg_of_an_oco_group_cancels_the_group(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _long(client, sim, order, 1)
    body = client.post(BRACKET, json={"instrument": "MES", "action": "BUY",
                                      "takeProfit": 6854.0, "stopLoss": 6848.0}).json()
    cancel = client.post(f"/v1/api/accounts/Sim101/orders/{body['stopLossOrderId']}/cancel",
                         json={})
    assert cancel.status_code == 200
    assert sim.working_orders("Sim101") == []
