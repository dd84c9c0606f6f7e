"""Account groups: named sets of accounts traded with one click, each with its multiplier.

Pure arithmetic, no Qt and no I/O, so every rule a group's send depends on is tested alone:
each member's quantity for a base quantity (rounded down; a member left with 0 is skipped
and says why), the group's SIM/LIVE (its most cautious member), the words on the send buttons,
the hedge across accounts that prop firms forbid, whether the members' positions still match
their multipliers. Each account's room to its own limits lives in model/room.py (re-exported
here for the group code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import NamedTuple

from ct_ticket.model.limits import AccountKind
from ct_ticket.model.room import Room, RoomLevel, money, room_of

__all__ = [
    "AccountGroup",
    "GroupMember",
    "MemberQuantity",
    "Room",
    "RoomLevel",
    "group_from",
    "group_kind",
    "group_label",
    "member_quantities",
    "money",
    "opposite_sides",
    "out_of_sync",
    "parse_multiplier",
    "room_of",
]


class GroupMember(NamedTuple):
    """One account of a group and how many of the base quantity it trades (x1, x2, x0.5)."""

    account: str
    multiplier: Decimal


@dataclass(frozen=True)
class AccountGroup:
    """A named group of accounts, in the order the trader listed them."""

    name: str
    members: tuple[GroupMember, ...]

    @property
    def accounts(self) -> tuple[str, ...]:
        """The members' account names."""
        return tuple(member.account for member in self.members)


def parse_multiplier(text: str) -> Decimal:
    """A multiplier as typed ("2", "0.5", "x1.5"); ValueError unless it is a positive number."""
    cleaned = text.strip().lstrip("\u00d7xX*").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a multiplier") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"a multiplier must be above 0, not {text!r}")
    return value


@dataclass(frozen=True)
class MemberQuantity:
    """What one member trades for a base quantity: 0 with a reason when it is skipped."""

    account: str
    quantity: int
    skipped: str = ""


def member_quantities(group: AccountGroup, base: int) -> tuple[MemberQuantity, ...]:
    """Each member's quantity for `base`, rounded down (never more than the trader asked);
    a member whose quantity rounds to 0 is skipped with the reason."""
    result = []
    for account, multiplier in group.members:
        exact = Decimal(base) * multiplier
        quantity = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        skipped = "" if quantity > 0 else (
            f"skipped: {base} \u00d7 {multiplier:f} = {exact:f} rounds down to 0")
        result.append(MemberQuantity(account, max(quantity, 0), skipped))
    return tuple(result)


def group_kind(group: AccountGroup, kind_of: Callable[[str], AccountKind]) -> AccountKind:
    """LIVE when any member is live: the most cautious member decides (so do the limits)."""
    kinds = {kind_of(account) for account in group.accounts}
    return AccountKind.LIVE if AccountKind.LIVE in kinds or not kinds else AccountKind.SIM


def group_label(group: AccountGroup, kind: AccountKind, base: int, root: str) -> str:
    """What the send buttons say for a group: "LIVE Apex-all · 3 accounts · 5 MES"."""
    sent = [m for m in member_quantities(group, base) if m.quantity > 0]
    total = sum(m.quantity for m in sent)
    noun = "account" if len(sent) == 1 else "accounts"
    return f"{kind.value.upper()} {group.name} · {len(sent)} {noun} · {total} {root}".rstrip()


def opposite_sides(after: Mapping[str, int]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The accounts left long and those left short (signed positions after an order), or None
    when no member would hedge another."""
    longs = tuple(account for account, size in after.items() if size > 0)
    shorts = tuple(account for account, size in after.items() if size < 0)
    return (longs, shorts) if longs and shorts else None


def _expected(base: Decimal, multiplier: Decimal) -> int:
    sign = -1 if base < 0 else 1
    return sign * int((abs(base) * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def out_of_sync(group: AccountGroup, positions: Mapping[str, int]) -> tuple[str, ...]:
    """Members whose signed position no longer matches its multiplier, in the group's order.

    The base the group stands at is the one most members agree with (each member's position
    over its multiplier is a candidate; ties go to the larger base, so one filled member and
    one rejected member name the rejected one). Members whose position is unknown are left
    out of the vote and named: nobody can say they are in step.
    """
    known = {m.account: positions[m.account] for m in group.members if m.account in positions}
    candidates = {Decimal(size) / m.multiplier for m in group.members
                  if (size := known.get(m.account)) is not None}
    best: tuple[int, Decimal] | None = None
    for base in candidates:
        agree = sum(1 for m in group.members if m.account in known
                    and known[m.account] == _expected(base, m.multiplier))
        if best is None or (agree, abs(base)) > (best[0], abs(best[1])):
            best = (agree, base)
    base = best[1] if best else Decimal(0)
    return tuple(m.account for m in group.members if m.account not in known
                 or known[m.account] != _expected(base, m.multiplier))


def group_from(name: str, members: Iterable[tuple[str, Decimal]]) -> AccountGroup:
    """A group from (account, multiplier) pairs; a repeated account keeps its first entry."""
    seen: dict[str, Decimal] = {}
    for account, multiplier in members:
        seen.setdefault(account, multiplier)
    return AccountGroup(name, tuple(GroupMember(a, m) for a, m in seen.items()))
