"""Following orders over the simulator on loopback: the ticket's own order id, GET order by any
of its ids, the lifecycle, executions, cancel one, change (a new id), cancel_and_bracket, and the
errors an order lookup can end in (no such order; no such command on an older add-on).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from faultserver import FaultServer

from ct_ticket.api import (
    CrossTradeClient,
    CrossTradeError,
    OrderNotFoundError,
    OrderState,
    RejectedError,
    ServerError,
    Timeouts,
    UnsupportedError,
)
from ct_ticket.model import OrderRequest, Side, build_order
from ct_ticket.sim import Simulator, create_app

TOKEN = "ct-follow-token-5d21c7"
MES = "MES 12-25"
T = TypeVar("T")


def run(url: str, call: Callable[[CrossTradeClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with CrossTradeClient(TOKEN, base_url=url, timeouts=Timeouts(1, 2),
                                    backoff=0.01) as client:
            return await call(client)
    return asyncio.run(main())


def order(side: str = "BUY", quantity: int = 1, order_type: str = "MARKET", *,
          limit: str | None = None, stop: str | None = None, order_id: str | None = None,
          account: str = "Sim101") -> OrderRequest:
    built = build_order(account=account, instrument=MES, side=side, quantity=quantity,
                        order_type=order_type, limit_price=limit, stop_price=stop)
    return dataclasses.replace(built, order_id=order_id)


@pytest.fixture
def sim(served: tuple[Any, str]) -> Simulator:
    simulator = Simulator(seed=7)
    served[0].app = create_app(simulator)
    simulator.set_price(MES, 6850.0)
    return simulator


@pytest.fixture
def url(served: tuple[Any, str], sim: Simulator) -> str:
    return served[1]


@pytest.fixture
def faults(url: str) -> Iterator[FaultServer]:
    with FaultServer(upstream=url) as server:
        yield server


# --- the ticket's own id -----------------------------------------------------------------------


def test_own_order_id_is_sent_and_the_order_is_found_by_it(url: str, sim: Simulator) -> None:
    async def call(client: CrossTradeClient) -> Any:
        ack = await client.place(order(order_id="ticket-0001"))
        return ack, await client.get_order("Sim101", "ticket-0001")

    ack, found = run(url, call)

    [post] = sim.order_posts("place")
    assert json.loads(post.body)["orderId"] == "ticket-0001"
    assert found.order_id == ack.order_id  # NT8's id, found by the ticket's
    assert found.state is OrderState.FILLED and found.is_final and not found.is_working
    assert found.order_state == "Filled"
    assert (found.account, found.instrument, found.quantity, found.filled) == (
        "Sim101", MES, 1, 1)
    assert found.reason is None
    assert found.time is not None and abs(found.time - datetime.now(UTC)) < timedelta(minutes=1)


def test_an_order_without_own_id_sends_no_order_id(url: str, sim: Simulator) -> None:
    run(url, lambda c: c.flat_place(order()))
    [post] = sim.order_posts("flatplace")
    assert "orderId" not in json.loads(post.body)


def test_reusing_an_own_order_id_is_rejected_and_places_nothing(url: str, sim: Simulator
                                                                ) -> None:
    run(url, lambda c: c.place(order(order_id="dup-1")))
    with pytest.raises(RejectedError) as caught:
        run(url, lambda c: c.place(order(order_id="dup-1")))
    assert not caught.value.may_have_executed
    assert len(sim.orders_api("Sim101")) == 1


# --- following an order ------------------------------------------------------------------------


def test_resting_limit_is_working_with_its_price_tif_and_time(url: str, sim: Simulator) -> None:
    async def call(client: CrossTradeClient) -> Any:
        ack = await client.place(order(order_type="LIMIT", limit="6840.25"))
        return await client.get_order("Sim101", ack.order_id)

    found = run(url, call)
    assert found.state is OrderState.WORKING and found.is_working
    assert found.limit_price == 6840.25
    assert found.action == "Buy" and found.order_type == "Limit"
    assert found.time_in_force.upper() == "DAY"


def test_rejection_after_acceptance_carries_nt8s_reason(url: str, sim: Simulator) -> None:
    reason = "Sell stop or sell stop limit orders can't be placed above the market."
    sim.reject_next_orders("Sim101", reason=reason)

    async def call(client: CrossTradeClient) -> Any:
        ack = await client.place(order("SELL", order_type="STOPMARKET", stop="6840.00"))
        return (await client.get_order("Sim101", ack.order_id),
                await client.order_lifecycle("Sim101", ack.order_id))

    found, lifecycle = run(url, call)
    assert found.state is OrderState.REJECTED and found.is_final
    assert found.reason == reason
    assert lifecycle.state is OrderState.REJECTED
    assert lifecycle.reason == reason
    assert [e.state for e in lifecycle.events if e.kind == "state"] == [
        OrderState.SUBMITTED, OrderState.REJECTED]


def test_lifecycle_lists_states_and_fills_in_order_by_the_own_id(url: str, sim: Simulator
                                                                  ) -> None:
    async def call(client: CrossTradeClient) -> Any:
        ack = await client.place(order(order_type="LIMIT", limit="6845.00", quantity=2,
                                       order_id="life-7"))
        sim.fill_order("Sim101", ack.order_id, quantity=1)
        sim.fill_order("Sim101", ack.order_id)
        return ack, await client.order_lifecycle("Sim101", "life-7")

    ack, lifecycle = run(url, call)
    assert lifecycle.order_id == ack.order_id and lifecycle.custom_id == "life-7"
    assert lifecycle.state is OrderState.FILLED
    states = [e.state for e in lifecycle.events if e.kind == "state"]
    assert states == [OrderState.SUBMITTED, OrderState.ACCEPTED, OrderState.WORKING,
                      OrderState.PART_FILLED, OrderState.FILLED]
    fills = [e for e in lifecycle.events if e.kind == "fill"]
    assert [(f.quantity, f.price) for f in fills] == [(1, 6845.0), (1, 6845.0)]
    times = [e.time for e in lifecycle.events]
    assert all(t is not None for t in times) and times == sorted(times)  # type: ignore[type-var]


def test_executions_after_a_fill(url: str, sim: Simulator) -> None:
    async def call(client: CrossTradeClient) -> Any:
        bought = await client.place(order(quantity=2))
        sold = await client.place(order("SELL"))
        return bought, sold, await client.executions("Sim101", lookback_s=60)

    bought, sold, fills = run(url, call)
    assert [(f.order_id, f.side, f.quantity) for f in fills] == [
        (bought.order_id, Side.BUY, 2), (sold.order_id, Side.SELL, 1)]
    assert all(f.instrument == MES and f.account == "Sim101" and f.price > 0 for f in fills)
    assert all(f.time is not None for f in fills)
    [request] = [r for r in sim.requests if r.path.endswith("/executions")]
    assert request.query == "lookbackTime=60"

    one = run(url, lambda c: c.execution("Sim101", fills[0].execution_id))
    assert one == fills[0]


def test_executions_lookback_is_clamped_to_what_the_docs_allow(url: str, sim: Simulator
                                                               ) -> None:
    assert run(url, lambda c: c.executions("Sim101", lookback_s=5000)) == []
    [request] = [r for r in sim.requests if r.path.endswith("/executions")]
    assert request.query == "lookbackTime=900"


# --- acting on one order -----------------------------------------------------------------------


def test_cancel_one_of_two_working_limits(url: str, sim: Simulator) -> None:
    async def call(client: CrossTradeClient) -> Any:
        first = await client.place(order(order_type="LIMIT", limit="6840.00"))
        second = await client.place(order(order_type="LIMIT", limit="6841.00"))
        cancelled = await client.cancel_order("Sim101", first.order_id)
        return (first, second, cancelled, await client.get_order("Sim101", first.order_id),
                await client.get_order("Sim101", second.order_id))

    first, second, cancelled, gone, kept = run(url, call)
    assert cancelled.order_id == first.order_id
    assert gone.state in (OrderState.CANCEL_PENDING, OrderState.CANCELLED)
    assert kept.state is OrderState.WORKING
    assert [o["orderId"] for o in sim.working_orders("Sim101")] in (
        [second.order_id], [first.order_id, second.order_id])  # the cancel may still be pending


def test_cancelling_an_order_twice_once_final_is_refused(url: str, sim: Simulator) -> None:
    ack = run(url, lambda c: c.place(order()))  # a market order: Filled at once
    with pytest.raises(RejectedError) as caught:
        run(url, lambda c: c.cancel_order("Sim101", ack.order_id))
    assert "not found or already terminal" in caught.value.server_text
    assert not isinstance(caught.value, OrderNotFoundError)  # it exists: it is only final


def test_change_answers_a_new_id_and_the_order_is_found_by_it(url: str, sim: Simulator) -> None:
    async def call(client: CrossTradeClient) -> Any:
        ack = await client.place(order(order_type="LIMIT", limit="6840.00"))
        changed = await client.change_order("Sim101", ack.order_id, quantity=3,
                                            limit_price=Decimal("6840.25"))
        return ack, changed, await client.get_order("Sim101", changed.order_id)

    ack, changed, found = run(url, call)
    assert changed.order_id != ack.order_id
    assert found.order_id == changed.order_id
    assert (found.quantity, found.limit_price) == (3, 6840.25)
    [put] = [r for r in sim.requests if r.method == "PUT"]
    assert put.path == f"/v1/api/accounts/Sim101/orders/{ack.order_id}/change"
    assert json.loads(put.body) == {"quantity": 3, "limitPrice": 6840.25}


def test_change_with_nothing_to_change_sends_nothing(url: str, sim: Simulator) -> None:
    with pytest.raises(ValueError):
        run(url, lambda c: c.change_order("Sim101", "abc"))
    assert not [r for r in sim.requests if r.method == "PUT"]


def test_cancel_and_bracket_protects_a_long_position(url: str, sim: Simulator) -> None:
    sim.set_position("Sim101", MES, 2, 6850.0)

    async def call(client: CrossTradeClient) -> Any:
        resting = await client.place(order(order_type="LIMIT", limit="6800.00"))
        bracket = await client.cancel_and_bracket(
            "Sim101", MES, Side.BUY, 5, stop_loss=Decimal("6840.00"),
            take_profit=Decimal("6870.00"))
        stop = await client.get_order("Sim101", bracket.stop_order_id or "")
        target = await client.get_order("Sim101", bracket.target_order_id or "")
        return resting, bracket, stop, target

    resting, bracket, stop, target = run(url, call)
    assert bracket.cancelled_order_ids == (resting.order_id,)
    assert set(bracket.order_ids) == {bracket.stop_order_id, bracket.target_order_id}
    assert bracket.quantity == 2  # clamped to the position
    assert (stop.action, stop.order_type, stop.stop_price, stop.quantity) == (
        "Sell", "StopMarket", 6840.0, 2)
    assert (target.action, target.order_type, target.limit_price) == ("Sell", "Limit", 6870.0)
    assert stop.oco_id and stop.oco_id == target.oco_id == bracket.oco_id
    assert stop.is_working and target.is_working
    [post] = [r for r in sim.requests if r.path.endswith("/cancel_and_bracket")]
    assert json.loads(post.body) == {"instrument": MES, "action": "BUY", "quantity": 5,
                                     "takeProfit": 6870.0, "stopLoss": 6840.0}


def test_bracket_refused_when_flat_is_a_rejection(url: str, sim: Simulator) -> None:
    sim.refuse_flat_bracket = True
    with pytest.raises(RejectedError) as caught:
        run(url, lambda c: c.cancel_and_bracket("Sim101", MES, Side.BUY, 1,
                                                stop_loss=Decimal("6840"), take_profit=None))
    assert "No position" in caught.value.server_text


# --- lookups that find nothing -----------------------------------------------------------------


@pytest.mark.parametrize("lookup", ["get_order", "order_lifecycle"])
def test_unknown_order_id_is_order_not_found(url: str, lookup: str) -> None:
    with pytest.raises(OrderNotFoundError) as caught:
        run(url, lambda c: getattr(c, lookup)("Sim101", "never-sent-42"))
    assert "never-sent-42" in caught.value.server_text
    assert not caught.value.may_have_executed


def test_unknown_account_is_not_mistaken_for_an_unknown_order(url: str) -> None:
    with pytest.raises(RejectedError) as caught:
        run(url, lambda c: c.get_order("Sim999", "abc"))
    assert not isinstance(caught.value, OrderNotFoundError)


@pytest.mark.parametrize(("status", "body"), [
    (404, {"success": False, "error": "not_found", "detail": "No route",
           "did_you_mean": ["/v1/api/accounts/{account}/orders/{orderId}"]}),
    (400, {"error": "Unknown API command: GetOrderLifecycle"}),
    (500, {"success": False, "error": "Unknown API command"}),
])
def test_an_older_add_on_without_the_lifecycle_is_unsupported(
        faults: FaultServer, status: int, body: dict[str, Any]) -> None:
    faults.inject("status", status=status, body=body, path="/lifecycle")
    with pytest.raises(UnsupportedError) as caught:
        run(faults.url, lambda c: c.order_lifecycle("Sim101", "abc"))
    assert "add-on" in caught.value.trader_message
    assert faults.count("GET", "/lifecycle") == 1  # not retried, even the 500


def test_404_for_an_order_is_order_not_found(faults: FaultServer) -> None:
    faults.inject("status", status=404, body={"error": "Order 'x' was not found"},
                  path="/orders/x")
    with pytest.raises(OrderNotFoundError):
        run(faults.url, lambda c: c.get_order("Sim101", "x"))


# --- what acts is sent once --------------------------------------------------------------------


@pytest.mark.parametrize("act", ["cancel", "change", "bracket"])
def test_order_changing_requests_are_never_retried(faults: FaultServer, act: str) -> None:
    calls: dict[str, Callable[[CrossTradeClient], Awaitable[Any]]] = {
        "cancel": lambda c: c.cancel_order("Sim101", "abc"),
        "change": lambda c: c.change_order("Sim101", "abc", limit_price=Decimal("6840")),
        "bracket": lambda c: c.cancel_and_bracket("Sim101", MES, Side.BUY, 1,
                                                  stop_loss=Decimal("6840"), take_profit=None),
    }
    faults.inject("status", status=503)
    with pytest.raises(ServerError) as caught:
        run(faults.url, calls[act])
    assert caught.value.may_have_executed
    assert len(faults.requests) == 1


@pytest.mark.parametrize("act", ["cancel", "change", "bracket"])
def test_lost_answers_to_order_changes_are_unknown_outcomes(faults: FaultServer, act: str
                                                            ) -> None:
    calls: dict[str, Callable[[CrossTradeClient], Awaitable[Any]]] = {
        "cancel": lambda c: c.cancel_order("Sim101", "abc"),
        "change": lambda c: c.change_order("Sim101", "abc", quantity=2),
        "bracket": lambda c: c.cancel_and_bracket("Sim101", MES, Side.SELL, 1,
                                                  stop_loss=None, take_profit=Decimal("6800")),
    }
    faults.inject("reset")
    with pytest.raises(CrossTradeError) as caught:
        run(faults.url, calls[act])
    assert caught.value.may_have_executed
    assert len(faults.requests) == 1
