"""Following an order through NT8's states over the API: GET order, the lifecycle endpoint,
rejections after the 200, cancels in flight, part fills and executions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sim_clock import FakeClock

from ct_ticket.sim import Simulator
from ct_ticket.sim.validation import parse_order

PLACE = "/v1/api/accounts/Sim101/orders/place"
ORDER = "/v1/api/accounts/Sim101/orders/{}"


def _place(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post(PLACE, json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"orderId", "success"}
    return str(response.json()["orderId"])


def _order(client: httpx.Client, order_id: str) -> dict[str, Any]:
    response = client.get(ORDER.format(order_id))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _states(client: httpx.Client, order_id: str) -> list[str]:
    events = client.get(ORDER.format(order_id) + "/lifecycle").json()["events"]
    return [e["orderState"] for e in events if e["type"] == "state"]


def test_a_market_order_is_only_submitted_when_the_post_answers_then_fills(
    client: httpx.Client, sim: Simulator, clock: FakeClock, order: Any
) -> None:
    sim.order_latency = 0.2
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order())
    assert _order(client, order_id)["orderState"] == "Submitted"
    assert sim.position("Sim101", "ES") is None
    clock.advance(0.2)
    filled = _order(client, order_id)
    assert (filled["orderState"], filled["filled"], filled["averageFillPrice"]) == (
        "Filled", 1, 6000.25)
    assert _states(client, order_id) == ["Submitted", "Accepted", "Working", "Filled"]


def test_lifecycle_lists_the_submission_states_and_fills_with_times(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(quantity=2, orderId="ticket-0001"))
    body = client.get(ORDER.format("ticket-0001") + "/lifecycle",
                      params={"includeRaw": "true"}).json()
    assert (body["success"], body["orderId"], body["customOrderId"]) == (True, order_id,
                                                                         "ticket-0001")
    kinds = [e["type"] for e in body["events"]]
    assert kinds == ["submission", "state", "state", "state", "fill", "state"]
    submission = body["events"][0]
    assert submission["api"] == "PlaceOrder" and submission["raw"]["quantity"] == 2
    fill = body["events"][4]
    assert (fill["price"], fill["quantity"]) == (6000.25, 2)
    for event in body["events"]:
        assert event["timestamp"].endswith("Z") and isinstance(event["epoch"], int)
    without_fills = client.get(ORDER.format(order_id) + "/lifecycle",
                               params={"includeFills": "false", "limit": 2}).json()
    assert [e["type"] for e in without_fills["events"]] == ["submission", "state"]
    assert "raw" not in without_fills["events"][0]
    too_many = client.get(ORDER.format(order_id) + "/lifecycle", params={"limit": 2001})
    assert too_many.status_code == 400


def test_lifecycle_finds_an_order_whatever_account_is_in_the_path(
    client: httpx.Client, order: Any
) -> None:
    order_id = _place(client, order())
    body = client.get(f"/v1/api/accounts/Sim102/orders/{order_id}/lifecycle").json()
    assert body["account"] == "Sim101"
    unknown = client.get("/v1/api/accounts/Sim101/orders/nope/lifecycle")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "order_not_found"


def test_sell_stop_above_the_market_is_relayed_then_rejected_with_nt8s_reason(
    client: httpx.Client, sim: Simulator, clock: FakeClock, order: Any
) -> None:
    sim.order_latency = 0.1
    sim.set_price("MES", 6850.0)
    order_id = _place(client, order("MES", action="SELL", order_type="STOPLIMIT",
                                    stopPrice=6852.0, limitPrice=6852.0))
    assert _order(client, order_id)["orderState"] == "Submitted"
    clock.advance(0.1)
    rejected = _order(client, order_id)
    assert rejected["orderState"] == "Rejected"
    assert rejected["nativeError"] == (
        "Sell stop or sell stop limit orders can't be placed above the market.")
    assert rejected["errorCode"] == "OrderRejected"
    events = client.get(ORDER.format(order_id) + "/lifecycle").json()["events"]
    assert events[-1]["orderState"] == "Rejected"
    assert events[-1]["nativeError"] == rejected["nativeError"]
    assert sim.working_orders("Sim101") == []


def test_a_buy_stop_at_the_market_is_rejected_with_the_buy_wording(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="STOPMARKET", stopPrice=6000.0))
    assert _order(client, order_id)["nativeError"] == (
        "Buy stop or buy stop limit orders can't be placed below the market.")


def test_rejections_on_demand_hit_only_that_account_and_only_the_next_ones(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.reject_next_orders("sim102", count=2, reason="Insufficient margin")
    first = _place(client, order())
    assert _order(client, first)["orderState"] == "Filled"
    path = "/v1/api/accounts/Sim102/orders/"
    ids = [client.post(path + "place", json=order()).json()["orderId"] for _ in range(3)]
    states = [client.get(path + i).json() for i in ids]
    assert [s["orderState"] for s in states] == ["Rejected", "Rejected", "Filled"]
    assert states[0]["nativeError"] == "Insufficient margin"


def test_a_cancel_is_pending_until_nt8_confirms_it(
    client: httpx.Client, sim: Simulator, clock: FakeClock, order: Any
) -> None:
    sim.order_latency = 0.2
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="LIMIT", limitPrice=5990.0))
    clock.advance(0.2)
    assert _order(client, order_id)["orderState"] == "Working"
    answer = client.post(ORDER.format(order_id) + "/cancel", json={})
    assert answer.json() == {"orderId": order_id, "success": True}
    assert _order(client, order_id)["orderState"] == "CancelPending"
    again = client.post(ORDER.format(order_id) + "/cancel", json={})
    assert again.status_code == 200  # in flight: asking twice changes nothing
    clock.advance(0.2)
    assert _order(client, order_id)["orderState"] == "Cancelled"
    assert _states(client, order_id) == ["Submitted", "Accepted", "Working", "CancelPending",
                                         "Cancelled"]


def test_a_fill_can_overtake_a_cancel_in_flight(
    client: httpx.Client, sim: Simulator, clock: FakeClock, order: Any
) -> None:
    sim.order_latency = 0.2
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="LIMIT", limitPrice=5990.0))
    clock.advance(0.2)
    client.post(ORDER.format(order_id) + "/cancel", json={})
    sim.set_price("ES", 5985.0)
    clock.advance(0.2)
    assert _order(client, order_id)["orderState"] == "Filled"
    assert sim.position("Sim101", "ES") is not None


def test_two_working_limits_cancel_one_leaves_the_other(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    keep = _place(client, order(order_type="LIMIT", limitPrice=5990.0))
    drop = _place(client, order(order_type="LIMIT", limitPrice=5980.0))
    client.post(ORDER.format(drop) + "/cancel", json={})
    assert [o["orderId"] for o in sim.working_orders("Sim101")] == [keep]


def test_a_large_limit_fills_in_parts_as_the_price_touches_then_crosses(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    sim.touch_liquidity = 2
    order_id = _place(client, order(quantity=5, order_type="LIMIT", limitPrice=5990.0))
    sim.set_price("ES", 5990.0)
    part = _order(client, order_id)
    assert (part["orderState"], part["filled"]) == ("PartFilled", 2)
    sim.set_price("ES", 5991.0)
    sim.set_price("ES", 5990.0)
    assert _order(client, order_id)["filled"] == 4
    sim.set_price("ES", 5989.0)
    done = _order(client, order_id)
    assert (done["orderState"], done["filled"], done["averageFillPrice"]) == (
        "Filled", 5, 5990.0)
    fills = client.get("/v1/api/accounts/Sim101/executions").json()["executions"]
    assert [f["quantity"] for f in fills] == [2, 2, 1]
    position = sim.position("Sim101", "ES")
    assert position is not None and position["quantity"] == 5


def test_executions_carry_time_side_quantity_price_instrument_and_order(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("MES", 6850.0)
    buy = _place(client, order("MES", quantity=2))
    sell = _place(client, order("MES", action="SELL"))
    body = client.get("/v1/api/accounts/Sim101/executions",
                      params={"lookbackTime": 60}).json()
    assert body["success"] is True
    first, second = body["executions"]
    assert (first["orderId"], first["marketPosition"], first["quantity"], first["price"],
            first["instrument"]) == (buy, "Long", 2, 6850.25, "MES 12-26")
    assert (second["orderId"], second["marketPosition"], second["price"]) == (
        sell, "Short", 6850.0)
    assert first["type"] == "NinjaTrader.Cbi.Execution"
    assert first["time"].count("T") == 1 and not first["time"].endswith("Z")
    assert (first["isEntry"], second["isEntry"]) == (True, False)
    one = client.get(f"/v1/api/accounts/Sim101/executions/{second['id']}").json()
    assert one["orderId"] == sell and one["success"] is True
    assert client.get("/v1/api/accounts/Sim102/executions").json()["executions"] == []
    assert client.get("/v1/api/accounts/Sim102/executions/" + second["id"]).status_code == 400


@pytest.mark.parametrize("lookback", ["0", "901", "soon"])
def test_executions_lookback_outside_1_to_900_is_400(client: httpx.Client, lookback: str) -> None:
    response = client.get("/v1/api/accounts/Sim101/executions",
                          params={"lookbackTime": lookback})
    assert response.status_code == 400


def test_executions_older_than_the_lookback_are_left_out(clock: FakeClock, order: Any) -> None:
    now = [1_800_000_000.0]
    sim = Simulator(seed=1, clock=clock, wall_clock=lambda: now[0], walk_interval=None)
    sim.place("Sim101", parse_order(order(), sim.front_month))
    now[0] += 400
    assert sim.executions_api("Sim101", 320) == []
    assert len(sim.executions_api("Sim101", 900)) == 1


def test_custom_ids_are_unique_across_accounts_and_survive_a_change(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    assert _place(client, order(order_type="LIMIT", limitPrice=5990.0, orderId="t-1")) == "t-1"
    other = client.post("/v1/api/accounts/Sim102/orders/flatplace", json=order(orderId="T-1"))
    assert other.status_code == 400
    assert other.json() == {"success": False, "error": "invalid_request",
                            "detail": "orderId 'T-1' is already in use"}
    new_id = client.put(ORDER.format("t-1") + "/change",
                        json={"limitPrice": 5992.0}).json()["orderId"]
    assert new_id != "t-1"
    assert _order(client, "t-1")["orderId"] == new_id
    assert _order(client, new_id)["limitPrice"] == 5992.0
    assert "ChangePending" in _states(client, "t-1")


def test_an_order_cancelled_before_nt8_took_it_never_works(
    client: httpx.Client, sim: Simulator, clock: FakeClock, order: Any
) -> None:
    sim.order_latency = 0.2
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="LIMIT", limitPrice=5990.0))
    assert client.post(ORDER.format(order_id) + "/cancel", json={}).status_code == 200
    clock.advance(0.2)
    sim.set_price("ES", 5980.0)
    assert _states(client, order_id) == ["Submitted", "CancelPending", "Cancelled"]
    assert sim.position("Sim101", "ES") is None


def test_fill_order_fills_a_resting_order_now(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    order_id = _place(client, order(order_type="LIMIT", limitPrice=5990.0, quantity=3))
    sim.fill_order("Sim101", order_id, quantity=1)
    assert (_order(client, order_id)["orderState"], _order(client, order_id)["filled"]) == (
        "PartFilled", 1)
    sim.fill_order("Sim101", order_id)
    filled = _order(client, order_id)
    assert (filled["orderState"], filled["averageFillPrice"]) == ("Filled", 5990.0)
    with pytest.raises(ValueError):
        sim.fill_order("Sim101", order_id)


def test_set_position_gives_an_exact_average(client: httpx.Client, sim: Simulator) -> None:
    sim.set_position("Sim101", "ES", 2, 5000.0)
    position = client.get("/v1/api/accounts/Sim101/position",
                          params={"instrument": "ES"}).json()
    assert (position["marketPosition"], position["quantity"], position["averagePrice"]) == (
        "Long", 2, 5000.0)
    sim.set_position("Sim101", "ES", -1, 5001.25)
    short = sim.position("Sim101", "ES 12-26")
    assert short is not None and (short["marketPosition"], short["quantity"]) == ("Short", 1)
