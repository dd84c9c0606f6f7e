"""The simulator without HTTP: instrument names, netting, the price walk, the command line."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ct_ticket.sim import CATALOGUE, SimError, Simulator
from ct_ticket.sim.instruments import resolve_instrument
from ct_ticket.sim.validation import parse_order


@pytest.mark.parametrize(
    ("text", "name"),
    [("ES 12-26", "ES 12-26"), ("es", "ES 12-26"), ("ES1!", "ES 12-26"),
     ("ESZ26", "ES 12-26"), ("esh27", "ES 03-27"), ("ESH7", "ES 03-27"),
     ("ESH5", "ES 03-25"), ("ES MAR25", "ES 03-25"), ("MES 12-25", "MES 12-25"),
     ("MESZ26", "MES 12-26"), ("M2KZ26", "M2K 12-26"), ("6E", "6E 12-26"),
     ("MYMH27", "MYM 03-27"), (" mnq  03-27 ", "MNQ 03-27")],
)
def test_every_documented_instrument_form_resolves(text: str, name: str) -> None:
    assert resolve_instrument(text).name == name


@pytest.mark.parametrize("text", ["", "XYZ", "ES 13-26", "ESA26", "ES2!", "ES 12/26"])
def test_unknown_instruments_are_a_400(text: str) -> None:
    with pytest.raises(SimError) as caught:
        resolve_instrument(text)
    assert caught.value.status == 400


def test_catalogue_covers_the_roots_the_ticket_offers() -> None:
    wanted = ["ES", "MES", "NQ", "MNQ", "YM", "MYM", "RTY", "M2K", "CL", "MCL", "NG", "GC",
              "MGC", "SI", "ZB", "ZN", "ZC", "6E"]
    assert sorted(CATALOGUE) == sorted(wanted)
    for contract in CATALOGUE.values():
        assert contract.on_tick(contract.start_price)
    assert CATALOGUE["ZN"].tick_value == 15.625


def _ticket(action: str, quantity: int, instrument: str = "ES") -> Any:
    body = {"instrument": instrument, "action": action, "orderType": "MARKET",
            "quantity": quantity, "timeInForce": "GTC"}
    return parse_order(body, "12-26")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["BUY", "SELL"]), st.integers(1, 5)), max_size=12),
       st.lists(st.integers(-40, 40), min_size=12, max_size=12))
def test_net_position_is_the_sum_of_fills_and_pnl_adds_up(
    trades: list[tuple[str, int]], moves: list[int]
) -> None:
    sim = Simulator(walk_interval=None, demo_position=False)
    signed = 0
    for (action, quantity), move in zip(trades, moves, strict=False):
        sim.set_price("ES", 6000.0 + move * 0.25)
        sim.place("Sim101", _ticket(action, quantity))
        signed += quantity if action == "BUY" else -quantity
    position = sim.position("Sim101", "ES")
    if signed == 0:
        assert position is None
    else:
        assert position is not None
        assert position["quantity"] == abs(signed)
        assert position["marketPosition"] == ("Long" if signed > 0 else "Short")
    # Closing everything turns all P&L into realized P&L: cash moves by exactly that much.
    item_before = sim.account_api("Sim101")["item"]
    sim.flatten_account("Sim101", None)
    item = sim.account_api("Sim101")["item"]
    assert item["unrealizedProfitLoss"] == 0.0
    # Positions are marked at last == bid: a long sells there for free, a short buys back at
    # the ask, one tick ($12.50) a contract above its mark.
    expected = item_before["netLiquidation"] - (-signed * 12.5 if signed < 0 else 0.0)
    assert item["netLiquidation"] == pytest.approx(expected)


def test_step_is_deterministic_for_a_seed() -> None:
    def path(seed: int) -> list[float]:
        sim = Simulator(seed=seed, walk_interval=None)
        prices = []
        for _ in range(5):
            sim.step()
            prices.append(sim.quote_api("ES")["last"])
        return prices

    assert path(3) == path(3)
    assert path(3) != path(4)
    assert all(abs(b - a) == 0.25 for a, b in zip([6850.0, *path(3)], path(3), strict=False))


def test_lazy_walk_follows_the_clock_and_spares_roots_set_by_hand() -> None:
    now = [0.0]
    sim = Simulator(clock=lambda: now[0])  # default walk_interval: 0.25 s
    sim.set_price("ES", 6000.0)
    nq = sim.quote_api("NQ")["last"]
    sim.walk_if_due()
    assert sim.quote_api("NQ")["last"] == nq  # not due yet
    now[0] += 0.3
    sim.walk_if_due()
    assert sim.quote_api("NQ")["last"] != nq
    assert sim.quote_api("ES")["last"] == 6000.0
    sim.step()  # an explicit step moves every root
    assert sim.quote_api("ES")["last"] != 6000.0


def test_set_price_refuses_off_tick_and_unknown_prices() -> None:
    sim = Simulator(walk_interval=None)
    with pytest.raises(ValueError):
        sim.set_price("ES", 6000.1)
    with pytest.raises(ValueError):
        sim.set_price("XYZ", 10.0)


def test_default_accounts_and_a_flat_sim101() -> None:
    sim = Simulator()
    assert [a["name"] for a in sim.accounts_api()] == ["Sim101", "Sim102", "Apex-12"]
    assert sim.positions_api("Sim101") == [] and sim.working_orders("Sim101") == []
    assert Simulator(demo_position=False).positions_api() == []
    with pytest.raises(ValueError):
        sim.add_account("SIM101")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_command_line_serves_the_flatplace_example() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ct_ticket.sim", "--port", str(port), "--token", "T"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/v1/api/accounts/Sim101/orders/flatplace"
        body = {"instrument": "MES 12-25", "action": "BUY", "orderType": "MARKET",
                "quantity": 1, "timeInForce": "DAY"}
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.post(url, json=body, headers={"Authorization": "Bearer T"})
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert response.status_code == 200
        assert set(response.json()) == {"orderId", "success"}
    finally:
        process.terminate()
        process.wait(timeout=10)
