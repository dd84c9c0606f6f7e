"""A group's send over the simulator on loopback: one POST per member with its own quantity
and id, each followed to its end, a rejection named with its reason and out of sync, "Retry
the failed ones" sending only to the failed member, and a group of 25 in two waves, no 429."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from ct_ticket.api import CrossTradeClient, Timeouts
from ct_ticket.events import Action
from ct_ticket.fanout import GroupResults
from ct_ticket.group_sends import GroupSends
from ct_ticket.model import build_order
from ct_ticket.model.groups import group_from
from ct_ticket.sim import Simulator, create_app
from ct_ticket.ticket import Ticket

MES = "MES 12-25"


def _order(quantity: int) -> Any:
    return build_order(account="Sim101", instrument=MES, side="BUY", quantity=quantity,
                       order_type="MARKET")


def _posts(sim: Simulator) -> list[Any]:
    return [r for r in sim.requests if r.method == "POST" and r.path.endswith("/orders/place")]


def test_group_of_three_with_a_rejection_and_a_retry(served: tuple[Any, str]) -> None:
    sim = Simulator(seed=7)
    sim.rate_limit_enabled = False
    served[0].app = create_app(sim)
    group = group_from("Trio", [("Sim101", Decimal(1)), ("Sim102", Decimal(2)),
                                ("Apex-12", Decimal("0.5"))])
    sim.reject_next_orders("Apex-12", 1, "Order exceeds the account's daily loss limit.")
    seen: list[GroupResults] = []

    async def main() -> tuple[GroupResults, GroupResults]:
        async with CrossTradeClient("t", base_url=served[1], timeouts=Timeouts(2, 5)) as client:
            ticket = Ticket(client)
            ticket.groups.subscribe(seen.append)
            task = ticket.groups.send(group, Action.PLACE, _order(2))
            assert task is not None
            await task
            first = ticket.groups.results
            assert first is not None
            retry = ticket.groups.retry_failed()
            assert retry is not None
            await retry
            second = ticket.groups.results
            assert second is not None
            return first, second

    first, second = asyncio.run(main())
    posts = _posts(sim)
    # the three members' POSTs go out together, so they may arrive in any order
    quantity_by_account = {p.path.split("/")[4]: p.json["quantity"] for p in posts[:3]}
    assert quantity_by_account == {"Sim101": 2, "Sim102": 4, "Apex-12": 1}
    ids = [p.json["orderId"] for p in posts[:3]]
    assert len(set(ids)) == 3
    rows = {row.account: row for row in first.rows}
    assert rows["Sim101"].state == rows["Sim102"].state == "filled"
    assert rows["Apex-12"].state == "rejected"
    assert "daily loss limit" in rows["Apex-12"].reason
    assert first.out_of_sync == ("Apex-12",)
    assert (rows["Sim101"].position, rows["Sim102"].position, rows["Apex-12"].position) == (
        2, 4, 0)
    # the retry: exactly one more POST, to the rejected member, with a new id
    assert len(posts) == 4 and "/Apex-12/" in posts[3].path and posts[3].json["quantity"] == 1
    assert posts[3].json["orderId"] not in ids
    assert second.out_of_sync == () and second.done
    assert any(r.rows[2].state == "sending" for r in seen)


def test_group_of_25_goes_in_two_waves_with_zero_429s(served: tuple[Any, str]) -> None:
    sim = Simulator(seed=7, accounts=25)  # the simulator's limiter stays ON
    served[0].app = create_app(sim)
    names = [account.name for account in sim.exchange.book.accounts.values()]
    group = group_from("All", [(name, Decimal(1)) for name in names])

    async def main() -> tuple[str, GroupResults]:
        async with CrossTradeClient("t", base_url=served[1], timeouts=Timeouts(2, 5)) as client:
            ticket = Ticket(client)
            said = ticket.groups.plan(group, 1).text
            task = ticket.groups.send(group, Action.PLACE, _order(1))
            assert task is not None
            await task
            assert ticket.groups.results is not None
            return said, ticket.groups.results

    said, results = asyncio.run(main())
    assert said == "25 accounts: 2 waves, about 2 s"
    assert 429 not in [r.status for r in sim.requests]
    assert len(_posts(sim)) == 25
    assert all(row.state == "filled" and row.position == 1 for row in results.rows)
    assert results.out_of_sync == ()


def test_opposite_positions_hold_a_group_order() -> None:
    from ct_ticket.group_review import review_group
    from ct_ticket.model import AccountKind

    group = group_from("Pair", [("Sim101", Decimal(1)), ("Sim102", Decimal(1))])
    order = _order(1)
    assert not review_group(Action.PLACE, order, group, AccountKind.SIM,
                            positions={}).needs_answer
    hedged = review_group(Action.PLACE, order, group, AccountKind.SIM, positions={"Sim102": -3})
    [opposite] = hedged.breaches
    assert "Sim101 long" in opposite.message and "Sim102 short" in opposite.message
    assert not review_group(Action.FLAT_PLACE, order, group, AccountKind.SIM,
                            positions={"Sim102": -3}).needs_answer


def test_a_members_room_holds_a_group_order_naming_it_and_both_figures(
    served: tuple[Any, str]
) -> None:
    """Daily loss limit 1,000 and today's P&L -750 on one member: "$250 left"; 12 MES at the
    assumed 20-tick stop risk $300 there (12 x 20 x $1.25), so the group order is held naming
    that member and both figures; the other member has no limit and is not named."""
    sim = Simulator(seed=7)
    sim.rate_limit_enabled = False
    served[0].app = create_app(sim)
    sim.set_limits("Sim101", daily_loss_limit=1000.0)
    sim.set_realized_pnl("Sim101", -750.0)
    group = group_from("Pair", [("Sim101", Decimal(1)), ("Sim102", Decimal(1))])

    async def main() -> Any:
        async with CrossTradeClient("t", base_url=served[1], timeouts=Timeouts(2, 5)) as client:
            ticket = Ticket(client)
            await ticket.load_accounts()
            ticket.select("Sim101", MES)
            review = await GroupSends(ticket).review(group, Action.PLACE, _order(12))
            assert review is not None and review.needs_answer
            return review

    review = asyncio.run(main())
    held = [b.message for b in review.review.breaches if "risks" in b.message]
    assert len(held) == 1 and held[0].startswith("Sim101: this order risks $300 but $250 is left")
    assert "$1,000" in held[0]
    assert _posts(sim) == []
