"""The client's copy of CrossTrade's shared rate budget: orders first, reads leave a reserve,
a fan-out's waves said before sending, and a burst larger than the budget gets zero 429s."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from ct_ticket.api import CrossTradeClient, Timeouts
from ct_ticket.api.budget import ARRIVAL_LAG, RateBudget, plan
from ct_ticket.model import build_order
from ct_ticket.sim import Simulator, create_app


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reads_leave_the_reserve_to_orders() -> None:
    clock = Clock()
    budget = RateBudget(burst=20, reserve=5, clock=clock)
    for _ in range(15):
        assert budget.try_take(urgent=False) == 0.0
    assert budget.try_take(urgent=False) > 0.0  # the last five are the orders'
    for _ in range(5):
        assert budget.try_take(urgent=True) == 0.0
    wait = budget.try_take(urgent=True)
    # one token refills in about a third of a second, after the burst's arrival lag
    assert 0.3 + ARRIVAL_LAG < wait < 0.4 + ARRIVAL_LAG
    clock.now += wait
    assert budget.try_take(urgent=True) == 0.0


def test_a_waiting_order_goes_before_reads() -> None:
    async def main() -> list[str]:
        budget = RateBudget(per_minute=1200, burst=2, reserve=0)
        order: list[str] = []
        budget.try_take(urgent=True)
        budget.try_take(urgent=True)

        async def take(name: str, urgent: bool) -> None:
            await budget.take(urgent=urgent)
            order.append(name)
        await asyncio.gather(take("read", False), take("order", True))
        return order
    assert asyncio.run(main()) == ["order", "read"]


def test_plan_says_waves_and_time() -> None:
    assert plan(25).text == "25 accounts: 2 waves, about 2 s"
    assert plan(3).text == "3 accounts: at once"
    assert plan(20).waves == 1
    assert plan(45).waves == 3


def test_twenty_five_orders_at_once_get_zero_429s(served: tuple[Any, str]) -> None:
    sim = Simulator(seed=7, accounts=25)
    served[0].app = create_app(sim)  # the simulator's limiter stays ON
    names = [account.name for account in sim.exchange.book.accounts.values()]
    assert len(names) == 25

    async def main() -> list[str]:
        async with CrossTradeClient("t", base_url=served[1], timeouts=Timeouts(2, 5)) as client:
            orders = [dataclasses.replace(
                build_order(account=name, instrument="MES 12-25", side="BUY", quantity=1,
                            order_type="MARKET"), order_id=f"fan-{i}")
                for i, name in enumerate(names)]
            acks = await asyncio.gather(*(client.place(o) for o in orders))
            return [ack.order_id for ack in acks]
    ids = asyncio.run(main())
    assert len(set(ids)) == 25
    statuses = [r.status for r in sim.requests if "/orders/place" in r.path]
    assert len(statuses) == 25 and 429 not in statuses
