"""The order-POST faults tests ask for: an answer after the client's timeout (order placed), a
5xx or 408 with or without the order placed, one account's POST only."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from ct_ticket.sim import ServedSim, Simulator

PLACE = "/v1/api/accounts/Sim101/orders/place"


def test_a_delayed_answer_still_places_the_order_at_once(
    served: ServedSim, client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.delay_next_order(0.6)
    started = time.monotonic()
    with httpx.Client(base_url=served.url, headers={"Authorization": "Bearer t"},
                      timeout=0.2) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.post(PLACE, json=order(orderId="late-1"))
    assert time.monotonic() - started < 0.5
    found = client.get("/v1/api/accounts/Sim101/orders/late-1").json()
    assert found["orderState"] == "Filled"
    assert len(sim.order_posts()) == 1
    # The fault was used up: the next POST answers at once.
    started = time.monotonic()
    assert client.post(PLACE, json=order()).status_code == 200
    assert time.monotonic() - started < 0.5


def test_a_delayed_answer_arrives_with_the_order_id(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.delay_next_order(0.3)
    started = time.monotonic()
    response = client.post(PLACE, json=order(orderId="slow-1"))
    assert time.monotonic() - started >= 0.3
    assert response.json() == {"orderId": "slow-1", "success": True}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_failed_post_places_nothing(
    client: httpx.Client, sim: Simulator, order: Any, status: int
) -> None:
    sim.fail_next_order(status)
    response = client.post(PLACE, json=order(orderId="lost-1"))
    assert response.status_code == status
    assert response.json()["success"] is False
    assert client.get("/v1/api/accounts/Sim101/orders/lost-1").status_code == 400
    assert sim.position("Sim101", "ES") is None
    assert sim.orders_api("Sim101") == []


def test_a_408_after_the_order_was_placed(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.fail_next_order(408, placed=True)
    response = client.post(PLACE, json=order(orderId="maybe-1"))
    assert response.status_code == 408
    assert response.json()["error"] == "NinjaTrader is not connected"
    assert client.get("/v1/api/accounts/Sim101/orders/maybe-1").json()["orderState"] == (
        "Filled")


def test_a_fault_for_one_account_waits_for_that_account(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.fail_next_order(503, account="apex-12")
    assert client.post(PLACE, json=order()).status_code == 200
    assert client.post("/v1/api/accounts/Sim101/orders/flatplace",
                       json=order()).status_code == 200
    assert client.post("/v1/api/accounts/Apex-12/orders/place",
                       json=order()).status_code == 503
    assert client.post("/v1/api/accounts/Apex-12/orders/place",
                       json=order()).status_code == 200


def test_faults_do_not_touch_other_routes(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.fail_next_order(500)
    assert client.get("/v1/api/accounts/Sim101").status_code == 200
    assert client.post("/v1/api/accounts/Sim101/orders/cancel", json={}).status_code == 200
    assert client.post(PLACE, json=order()).status_code == 500


def test_fail_next_order_wants_an_error_status(sim: Simulator) -> None:
    with pytest.raises(ValueError):
        sim.fail_next_order(200)
