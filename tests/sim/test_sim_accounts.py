"""Accounts on demand and the prop-firm limit fields (§5), with NT8 enforcing the sizes."""

from __future__ import annotations

from typing import Any

import httpx

from ct_ticket.sim import Simulator

PLACE = "/v1/api/accounts/{}/orders/place"


def test_the_default_accounts_are_the_demo_three() -> None:
    names = [a["name"] for a in Simulator(walk_interval=None).accounts_api()]
    assert names == ["Sim101", "Sim102", "Apex-12"]


def test_thirty_accounts_on_demand_keep_the_demo_three_first() -> None:
    sim = Simulator(walk_interval=None, accounts=30)
    names = [a["name"] for a in sim.accounts_api()]
    assert len(names) == len(set(names)) == 30
    assert names[:4] == ["Sim101", "Sim102", "Apex-12", "Sim103"]
    assert names[-1] == "Sim129"
    assert all(a["connectionStatus"] == "Connected" for a in sim.accounts_api())


def test_limit_fields_and_todays_pnl_are_reported_where_section_5_puts_them(
    client: httpx.Client, sim: Simulator
) -> None:
    before = client.get("/v1/api/accounts/Apex-12").json()
    assert (before["dailyLossLimit"], before["maxOrderSize"], before["maxPositionSize"],
            before["item"]["trailingMaxDrawdown"]) == (0.0, 0, 0, 0.0)
    sim.set_limits("apex-12", daily_loss_limit=1000.0, trailing_max_drawdown=2500.0,
                   max_order_size=5, max_position_size=10)
    sim.set_realized_pnl("Apex-12", -750.0)
    after = client.get("/v1/api/accounts/Apex-12").json()
    assert (after["dailyLossLimit"], after["maxOrderSize"], after["maxPositionSize"]) == (
        1000.0, 5, 10)
    item = after["item"]
    assert (item["trailingMaxDrawdown"], item["realizedProfitLoss"], item["cashValue"]) == (
        2500.0, -750.0, 99250.0)
    snapshot = client.get("/v1/api/accounts/snapshot").json()
    apex = next(e["account"] for e in snapshot["accounts"] if e["account"]["name"] == "Apex-12")
    assert apex["dailyLossLimit"] == 1000.0


def test_nt8_rejects_orders_over_the_max_order_size(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_limits("Apex-12", max_order_size=3)
    too_big = client.post(PLACE.format("Apex-12"), json=order(quantity=4)).json()["orderId"]
    rejected = client.get(f"/v1/api/accounts/Apex-12/orders/{too_big}").json()
    assert rejected["orderState"] == "Rejected"
    assert rejected["nativeError"] == (
        "Order quantity 4 exceeds the account's max order size of 3.")
    ok = client.post(PLACE.format("Apex-12"), json=order(quantity=3)).json()["orderId"]
    assert client.get(f"/v1/api/accounts/Apex-12/orders/{ok}").json()["orderState"] == "Filled"


def test_nt8_rejects_adding_past_the_max_position_size_but_lets_it_shrink(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_limits("Sim101", max_position_size=2)
    client.post(PLACE.format("Sim101"), json=order(quantity=2))
    add = client.post(PLACE.format("Sim101"), json=order()).json()["orderId"]
    state = client.get(f"/v1/api/accounts/Sim101/orders/{add}").json()
    assert state["orderState"] == "Rejected"
    assert "max position size of 2" in state["nativeError"]
    reduce = client.post(PLACE.format("Sim101"), json=order(action="SELL")).json()["orderId"]
    assert client.get(f"/v1/api/accounts/Sim101/orders/{reduce}").json()["orderState"] == (
        "Filled")
    position = sim.position("Sim101", "ES")
    assert position is not None and position["quantity"] == 1
