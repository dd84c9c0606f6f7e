"""What must be asked before a group's send that no single account's review sees: the hedge
across accounts that prop firms forbid, as a `Review` with `Breach`es (asked like any other).
Each member's own room and sizes are judged by the ticket's `rooms`, as for one account.

No Qt and no I/O: the caller passes the members' signed positions; the words name the accounts.
"""

from __future__ import annotations

from collections.abc import Mapping

from ct_ticket.events import Action
from ct_ticket.model import AccountKind, Breach, OrderRequest, Side
from ct_ticket.model.groups import AccountGroup, member_quantities, opposite_sides
from ct_ticket.rails import Review

__all__ = ["review_group"]


def review_group(action: Action, order: OrderRequest, group: AccountGroup, kind: AccountKind,
                 *, positions: Mapping[str, int]) -> Review:
    """The review of `order` sent to every member of `group`: held when the members would end
    long and short in the same instrument."""
    quantities = {m.account: m.quantity for m in member_quantities(group, order.quantity)}
    breaches: list[Breach] = []
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
