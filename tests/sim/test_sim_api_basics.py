"""Cross-cutting behaviour of the simulated API: auth, rate limit, 408, 404s, request log."""

from __future__ import annotations

from typing import Any

import httpx

from ct_ticket.sim import ServedSim, Simulator, create_app, serve_in_thread


def test_missing_token_is_401_with_the_json_error_shape(served: ServedSim) -> None:
    response = httpx.get(f"{served.url}/v1/api/accounts")
    assert response.status_code == 401
    assert response.json() == {
        "success": False, "error": "unauthorized", "detail": "Missing or invalid API key",
    }


def test_empty_bearer_token_is_401(served: ServedSim) -> None:
    response = httpx.get(f"{served.url}/v1/api/accounts", headers={"Authorization": "Bearer"})
    assert response.status_code == 401


def test_configured_token_rejects_any_other_token() -> None:
    sim = Simulator(token="right", walk_interval=None)
    with serve_in_thread(create_app(sim)) as served:
        wrong = httpx.get(f"{served.url}/v1/api/accounts", headers={"Authorization": "Bearer no"})
        right = httpx.get(f"{served.url}/v1/api/accounts",
                          headers={"Authorization": "Bearer right"})
    assert (wrong.status_code, right.status_code) == (401, 200)


def test_burst_of_21_requests_hits_429_with_retry_after(client: httpx.Client) -> None:
    statuses = [client.get("/v1/api/accounts").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    limited = client.get("/v1/api/accounts")
    assert limited.json() == {"error": "Rate limit exceeded"}
    assert int(limited.headers["Retry-After"]) >= 1


def test_bucket_refills_with_the_injected_clock(client: httpx.Client, clock: Any) -> None:
    for _ in range(20):
        client.get("/v1/api/accounts")
    assert client.get("/v1/api/accounts").status_code == 429
    clock.advance(0.34)  # 3 tokens per second: one request's worth
    assert client.get("/v1/api/accounts").status_code == 200
    assert client.get("/v1/api/accounts").status_code == 429
    clock.advance(7)  # about 7 s idle refills the whole burst of 20
    assert [client.get("/v1/api/accounts").status_code for _ in range(20)] == [200] * 20


def test_rate_limit_can_be_switched_off(client: httpx.Client, sim: Simulator) -> None:
    sim.rate_limit_enabled = False
    assert {client.get("/v1/api/accounts").status_code for _ in range(30)} == {200}


def test_nt_disconnected_answers_408_on_every_api_call(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.nt_connected = False
    for method, path in [("GET", "/v1/api/accounts"), ("GET", "/v1/api/positions"),
                         ("POST", "/v1/api/accounts/Sim101/orders/place")]:
        response = client.request(method, path, json={})
        assert response.status_code == 408
        body = response.json()
        assert body["success"] is False
        assert "NinjaTrader" in body["error"]
    assert sim.position("Sim101", "ES") is None


def test_auth_is_checked_before_the_connection(served: ServedSim, sim: Simulator) -> None:
    sim.nt_connected = False
    assert httpx.get(f"{served.url}/v1/api/accounts").status_code == 401


def test_unknown_api_route_is_structured_404_with_did_you_mean(client: httpx.Client) -> None:
    response = client.get("/v1/api/acounts")
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert "/v1/api/accounts" in body["did_you_mean"]


def test_wrong_method_on_a_known_path_is_405(client: httpx.Client) -> None:
    response = client.get("/v1/api/accounts/Sim101/orders/place")
    # GET .../orders/{orderId} exists, so this is an order lookup that finds nothing...
    assert response.status_code == 400
    response = client.delete("/v1/api/accounts/Sim101/orders/abc")
    assert response.status_code == 405
    assert response.json()["allowed"] == ["GET"]


def test_paths_outside_v1_api_get_the_marketing_site_html(served: ServedSim) -> None:
    for path in ("/api/orders", "/api/v1/accounts", "/"):
        response = httpx.get(served.url + path, headers={"Authorization": "Bearer x"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


def test_request_log_records_order_posts_raw_and_parsed(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    client.get("/v1/api/accounts")
    client.post("/v1/api/accounts/Sim101/orders/place", json=order())
    client.post("/v1/api/accounts/Sim101/orders/flatplace", json=order(quantity=2))
    client.post("/v1/api/accounts/Sim101/orders/place", content=b"not json",
                headers={"Content-Type": "application/json"})
    assert [r.status for r in sim.requests] == [200, 200, 200, 400]
    posts = sim.order_posts()
    assert [r.path for r in posts] == [
        "/v1/api/accounts/Sim101/orders/place", "/v1/api/accounts/Sim101/orders/flatplace",
        "/v1/api/accounts/Sim101/orders/place",
    ]
    assert posts[0].json == order()
    assert posts[0].method == "POST"
    assert posts[0].headers["authorization"] == "Bearer test-token"
    assert posts[2].json is None and posts[2].body == b"not json"
    assert [r.json["quantity"] for r in sim.order_posts("flatplace")] == [2]


def test_form_encoded_bodies_are_refused(client: httpx.Client, sim: Simulator) -> None:
    response = client.post(
        "/v1/api/accounts/Sim101/orders/place",
        data={"instrument": "ES", "action": "BUY", "orderType": "MARKET", "quantity": "1",
              "timeInForce": "DAY"},
    )
    assert response.status_code == 400
    assert sim.position("Sim101", "ES") is None


def test_request_log_keeps_the_query_string(client: httpx.Client, sim: Simulator) -> None:
    client.get("/v1/api/market/quote", params={"instrument": "ES 12-26"})
    assert sim.requests[-1].query == "instrument=ES+12-26"
    assert sim.requests[-1].path == "/v1/api/market/quote"


def test_endpoints_catalogue_lists_the_routes(client: httpx.Client) -> None:
    body = client.get("/v1/api/_endpoints").json()
    paths = {(e["method"], e["path"]) for e in body["endpoints"]}
    assert ("POST", "/v1/api/accounts/{account}/orders/flatplace") in paths
