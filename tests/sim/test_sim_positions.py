"""Close, reverse and flatten, account and position reads, quotes, awkward account names."""

from __future__ import annotations

from typing import Any

import httpx

from ct_ticket.sim import Simulator

ACCOUNT = "/v1/api/accounts/Sim101"


def _buy(client: httpx.Client, order: Any, instrument: str = "ES", quantity: int = 1,
         account: str = ACCOUNT, **extra: Any) -> str:
    response = client.post(f"{account}/orders/place", json=order(instrument, quantity, **extra))
    assert response.status_code == 200, response.text
    return str(response.json()["orderId"])


def test_close_whole_position_returns_closed_positions(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    _buy(client, order, quantity=2)
    stop = _buy(client, order, action="SELL", order_type="STOPMARKET", stopPrice=5990.0)
    body = client.post(f"{ACCOUNT}/positions/close", json={"instrument": "ES 12-26"}).json()
    assert body["success"] is True
    [closed] = body["closedPositions"]
    assert (closed["instrument"], closed["marketPosition"], closed["quantity"]) == (
        "ES 12-26", "Long", 2)
    assert sim.position("Sim101", "ES") is None
    # A full close is NT8's flatten: the instrument's working orders go too.
    assert client.get(f"{ACCOUNT}/orders/{stop}").json()["orderState"] == "Cancelled"


def test_partial_close_by_percent_rounds_up_and_keeps_orders(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    _buy(client, order, quantity=3)
    _buy(client, order, action="SELL", order_type="STOPMARKET", stopPrice=5990.0)
    response = client.post(f"{ACCOUNT}/positions/close",
                           json={"instrument": "ES", "percent": 0.5})
    assert response.status_code == 200
    position = sim.position("Sim101", "ES")
    assert position is not None and position["quantity"] == 1  # ceil(1.5) = 2 closed
    assert len(sim.working_orders("Sim101")) == 1


def test_close_quantity_is_capped_at_the_open_size(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _buy(client, order, quantity=2)
    client.post(f"{ACCOUNT}/positions/close", json={"instrument": "ES", "quantity": 5})
    assert sim.position("Sim101", "ES") is None


def test_close_when_flat_is_the_documented_400(client: httpx.Client) -> None:
    response = client.post(f"{ACCOUNT}/positions/close", json={"instrument": "ES"})
    assert response.status_code == 400
    assert response.json() == {"error": "No positions found for instrument 'ES 12-26'"}


def test_reverse_flips_the_position_and_returns_the_entry_id(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _buy(client, order, "NQ", 2)
    body = client.post(f"{ACCOUNT}/positions/reverse", json={"instrument": "NQ"}).json()
    assert set(body) == {"orderId", "success"}
    position = sim.position("Sim101", "NQ")
    assert position is not None
    assert (position["marketPosition"], position["quantity"]) == ("Short", 2)
    entry = client.get(f"{ACCOUNT}/orders/{body['orderId']}").json()
    assert (entry["orderAction"], entry["quantity"], entry["orderState"]) == ("Sell", 2, "Filled")


def test_reverse_when_flat_echoes_the_account_as_sent(client: httpx.Client) -> None:
    response = client.post("/v1/api/accounts/sim101/positions/reverse", json={"instrument": "ES"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "No position found for instrument 'ES 12-26' in account 'sim101'"}


def test_account_flatten_closes_all_and_cancels_orders(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.set_price("ES", 6000.0)
    _buy(client, order, "ES")
    _buy(client, order, "CL", 3)
    _buy(client, order, "ZN", order_type="LIMIT", limitPrice=100.0)
    body = client.post(f"{ACCOUNT}/positions/flatten", json={}).json()
    assert body["success"] is True
    assert sorted(p["instrument"] for p in body["closedPositions"]) == ["CL 12-26", "ES 12-26"]
    assert "warning" not in body
    assert sim.positions_api("Sim101") == []
    assert sim.working_orders("Sim101") == []


def test_account_flatten_with_nothing_to_do_warns(client: httpx.Client) -> None:
    body = client.post(f"{ACCOUNT}/positions/flatten", json={"instrument": "ES"}).json()
    assert body["closedPositions"] == []
    assert body["success"] is True and body["warning"]


def test_flatten_everything_spans_accounts_and_honours_filters(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _buy(client, order, "ES")
    _buy(client, order, "NQ", action="SELL")
    _buy(client, order, "ES", account="/v1/api/accounts/Apex-12")
    body = client.post("/v1/api/positions/flatten", json={"marketPosition": "short"}).json()
    assert [(p["account"], p["instrument"]) for p in body["closedPositions"]] == [
        ("Sim101", "NQ 12-26")]
    body = client.post("/v1/api/positions/flatten", json={"account": "apex-12"}).json()
    assert [p["account"] for p in body["closedPositions"]] == ["Apex-12"]
    body = client.post("/v1/api/positions/flatten").json()  # no body at all: the kill switch
    assert {p["account"] for p in body["closedPositions"]} == {"Sim101", "Sim102"}
    assert set(body) == {"orderIds", "closedPositions", "success"}
    assert client.get("/v1/api/positions").json()["count"] == 0


def test_positions_include_flat_on_request(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    _buy(client, order, "ES")
    client.post(f"{ACCOUNT}/positions/close", json={"instrument": "ES"})
    assert client.get("/v1/api/accounts/Sim101/positions").json()["count"] == 0
    body = client.get("/v1/api/positions", params={"includeFlat": "true"}).json()
    flat = [p for p in body["positions"] if p["account"] == "Sim101"]
    assert [(p["marketPosition"], p["quantity"]) for p in flat] == [("Flat", 0)]


def test_flat_position_lookup_is_a_flat_object(client: httpx.Client) -> None:
    body = client.get(f"{ACCOUNT}/position", params={"instrument": "ESZ26"}).json()
    assert (body["instrument"], body["marketPosition"], body["quantity"]) == (
        "ES 12-26", "Flat", 0)
    assert body["success"] is True


def test_unknown_account_is_invalid_account(client: httpx.Client, order: Any) -> None:
    for response in (client.get("/v1/api/accounts/Sim999"),
                     client.post("/v1/api/accounts/Sim999/orders/place", json=order())):
        assert response.status_code == 400
        assert response.json() == {
            "success": False, "error": "invalid_account", "detail": "Account Sim999 not found"}


def test_accounts_are_case_insensitive_and_echoed_canonically(client: httpx.Client) -> None:
    body = client.get("/v1/api/accounts/SIM101").json()
    assert (body["name"], body["provider"], body["connectionStatus"]) == (
        "Sim101", "Simulator", "Connected")
    assert body["item"]["cashValue"] == 100000.0
    accounts = client.get("/v1/api/accounts").json()
    assert [(a["name"], a["provider"]) for a in accounts["accounts"]] == [
        ("Sim101", "Simulator"), ("Sim102", "Simulator"), ("Apex-12", "Rithmic")]


def test_snapshot_has_accounts_with_positions(client: httpx.Client) -> None:
    body = client.get("/v1/api/accounts/snapshot").json()
    assert body["type"] == "snapshot"
    assert isinstance(body["epoch"], int) and body["epoch"] > 10**12  # milliseconds
    by_name = {e["account"]["name"]: e for e in body["accounts"]}
    assert by_name["Sim101"]["account"]["isAccountFlat"] is True
    assert [p["instrument"] for p in by_name["Sim102"]["positions"]] == ["MES 12-26"]


def test_account_with_space_and_slash_is_one_percent_encoded_segment(
    client: httpx.Client, sim: Simulator, order: Any
) -> None:
    sim.add_account("Prop Firm/01", provider="Tradovate")
    account = "/v1/api/accounts/Prop%20Firm%2F01"
    assert client.get(account).json()["name"] == "Prop Firm/01"
    _buy(client, order, "MNQ", 2, account=account)
    position = sim.position("prop firm/01", "MNQ")
    assert position is not None and position["account"] == "Prop Firm/01"
    assert sim.order_posts("place")[-1].path == f"{account}/orders/place"
    # Unencoded, the slash makes it a different (unknown) path.
    assert client.get("/v1/api/accounts/Prop Firm/01").status_code == 404


def test_single_quote_is_an_object_with_success(client: httpx.Client, sim: Simulator) -> None:
    sim.set_price("ES", 6000.0)
    body = client.get("/v1/api/market/quote", params={"instrument": "ES 12-26"}).json()
    assert body["success"] is True
    assert (body["instrument"], body["bid"], body["ask"], body["last"]) == (
        "ES 12-26", 6000.0, 6000.25, 6000.0)
    assert (body["tickSize"], body["pointValue"], body["tickValue"]) == (0.25, 50.0, 12.5)
    assert isinstance(body["epoch"], int) and body["epoch"] < 10**11  # seconds


def test_several_quotes_are_a_bare_array(client: httpx.Client) -> None:
    response = client.get("/v1/api/market/quote?instrument=ES%2012-26,NQ1!,6EZ26")
    body = response.json()
    assert isinstance(body, list)
    assert [q["instrument"] for q in body] == ["ES 12-26", "NQ 12-26", "6E 12-26"]
    assert all("success" not in q for q in body)


def test_quote_needs_a_known_instrument(client: httpx.Client) -> None:
    assert client.get("/v1/api/market/quote").status_code == 400
    assert client.get("/v1/api/market/quote", params={"instrument": "FOO"}).status_code == 400
