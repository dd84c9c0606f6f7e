"""GET watermarks in the simulator: the documented shape (`data` around `account`, `watermarks`
and `stats`), empty objects before the account has P&L, highs that stay when the P&L falls back,
answered by CrossTrade itself while the add-on is offline, and a 404 from an older add-on."""

from __future__ import annotations

import httpx

from ct_ticket.sim import Simulator

WATERMARKS = "/v1/api/accounts/{}/watermarks"


def test_an_account_without_pnl_this_session_answers_empty_objects(
    client: httpx.Client, sim: Simulator
) -> None:
    answer = client.get(WATERMARKS.format("Sim101"))
    assert answer.status_code == 200
    assert answer.json() == {"success": True, "data": {
        "account": "Sim101", "watermarks": {}, "stats": {}}}


def test_the_documented_shape_with_highs_that_stay_when_the_pnl_falls_back(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_position("Sim101", "MES", 2, 6000.0)  # long 2 MES at 6000: $10 a point
    sim.set_price("MES", 6010.0)
    data = client.get(WATERMARKS.format("Sim101")).json()["data"]
    assert data["account"] == "Sim101"
    assert data["watermarks"] == {"pnlhigh": 100.0, "netliqhigh": 100_100.0,
                                  "unrealhigh": 100.0}
    assert data["stats"]["pnl"] == data["stats"]["total"] == 100.0
    assert data["stats"]["poscount"] == 1
    sim.set_price("MES", 5995.0)  # now down $50: the highs are the earlier ones
    data = client.get(WATERMARKS.format("Sim101")).json()["data"]
    assert data["watermarks"] == {"pnlhigh": 100.0, "netliqhigh": 100_100.0,
                                  "unrealhigh": 100.0}
    stats = data["stats"]
    assert (stats["total"], stats["unrealized"], stats["netliq"]) == (-50.0, -50.0, 99_950.0)
    assert stats["pnlhigh"] == 100.0  # stats repeat the highs, as in the docs' example


def test_a_reading_of_the_account_samples_the_highs_too(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.set_position("Sim101", "MES", 1, 6000.0)
    sim.set_price("MES", 6020.0)
    client.get("/v1/api/accounts/Sim101")  # the monitor samples P&L whenever it is read
    sim.set_price("MES", 6000.0)
    data = client.get(WATERMARKS.format("Sim101")).json()["data"]
    assert data["watermarks"]["pnlhigh"] == 100.0 and data["stats"]["total"] == 0.0


def test_highs_set_by_a_test_and_realized_pnl(client: httpx.Client, sim: Simulator) -> None:
    sim.set_realized_pnl("Apex-12", -750.0)
    sim.set_watermarks("Apex-12", pnl_high=350.0, netliq_high=100_350.0)
    data = client.get(WATERMARKS.format("apex-12")).json()["data"]
    assert data["watermarks"]["pnlhigh"] == 350.0
    assert data["watermarks"]["netliqhigh"] == 100_350.0
    assert data["stats"]["netliq"] == 99_250.0 and data["stats"]["total"] == -750.0


def test_watermarks_answer_while_the_add_on_is_offline(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.nt_connected = False
    assert client.get("/v1/api/accounts/Sim101").status_code == 408
    assert client.get(WATERMARKS.format("Sim101")).status_code == 200


def test_an_older_add_on_answers_404_and_an_unknown_account_400(
    client: httpx.Client, sim: Simulator
) -> None:
    assert client.get(WATERMARKS.format("Nope")).status_code == 400
    sim.watermarks_supported = False
    answer = client.get(WATERMARKS.format("Sim101"))
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
