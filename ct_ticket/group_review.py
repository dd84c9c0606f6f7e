"""What must be asked before a group's send: each member's room to its own limits and the hedge
across accounts that prop firms forbid, as a `Review` with `Breach`es (asked like any other).

No Qt and no I/O: the caller passes the accounts as CrossTrade last described them and the
members' signed positions; the words name the accounts and both figures.
"""

from __future__ import annotations

from collections.abc import Mapping

from ct_ticket.events import Action
from ct_ticket.model import Account, AccountKind, Breach, OrderRequest, Side
from ct_ticket.model.groups import AccountGroup, member_quantities, opposite_sides, room_of
from ct_ticket.rails import Review

__all__ = ["review_group", "room_breaches"]


def room_breaches(accounts: Mapping[str, Account], quantities: Mapping[str, int],
                  risk_per_contract: float) -> list[Breach]:
    """Members whose order risks more than the room left to their daily loss limit or trailing
    drawdown (risk: the bracket's, or quantity x a configured stop distance in dollars)."""
    breaches = []
    for account, quantity in quantities.items():
        known = accounts.get(account)
        if known is None or quantity <= 0:
            continue
        for text in room_of(known).shortfalls(quantity * risk_per_contract):
            breaches.append(Breach("Room to the account's limits", text + "."))
    return breaches


def review_group(action: Action, order: OrderRequest, group: AccountGroup, kind: AccountKind,
                 *, accounts: Mapping[str, Account], positions: Mapping[str, int],
                 risk_per_contract: float) -> Review:
    """The review of `order` sent to every member of `group`: held when a member's risk passes
    its room, or when the members would end long and short in the same instrument."""
    quantities = {m.account: m.quantity for m in member_quantities(group, order.quantity)}
    breaches = room_breaches(accounts, quantities, risk_per_contract)
    direction = 1 if order.side is Side.BUY else -1
    after = {}
    for account in group.accounts:
        start = 0 if action is Action.FLAT_PLACE else positions.get(account, 0)
        after[account] = start + direction * quantities.get(account, 0)
    hedge = opposite_sides(after)
    if hedge is not None:
        longs, shorts = hedge
        breaches.append(Breach("Opposite positions across accounts", (
            f"This would leave {', '.join(longs)} long and {', '.join(shorts)} short in "
            f"{order.instrument}: prop firms forbid hedging across accounts.")))
    return Review(action, order, group.name, kind, breaches=tuple(breaches))
