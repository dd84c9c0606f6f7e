"""Account groups as pure arithmetic: member quantities, SIM/LIVE, words, hedges, sync, room."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ct_ticket.api import wire
from ct_ticket.model import Account, AccountKind
from ct_ticket.model.groups import (
    RoomLevel,
    group_from,
    group_kind,
    group_label,
    member_quantities,
    opposite_sides,
    out_of_sync,
    parse_multiplier,
    room_of,
)

GROUP = group_from("Apex-all", [("A", Decimal(1)), ("B", Decimal(2)), ("C", Decimal("0.5"))])


def test_member_quantities_round_down_and_skip_with_reason() -> None:
    assert [(m.account, m.quantity) for m in member_quantities(GROUP, 2)] == [
        ("A", 2), ("B", 4), ("C", 1)]
    three = member_quantities(GROUP, 3)
    assert [m.quantity for m in three] == [3, 6, 1]  # 1.5 rounds down, never up
    [_, _, c] = member_quantities(GROUP, 1)
    assert c.quantity == 0 and "rounds down to 0" in c.skipped and "0.5" in c.skipped


def test_group_kind_is_the_most_cautious_member() -> None:
    assert group_kind(GROUP, lambda a: AccountKind.SIM) is AccountKind.SIM
    assert group_kind(GROUP, lambda a: AccountKind.LIVE if a == "C" else AccountKind.SIM
                      ) is AccountKind.LIVE


def test_group_label_names_size_and_total() -> None:
    assert group_label(GROUP, AccountKind.LIVE, 2, "MES") == "LIVE Apex-all · 3 accounts · 7 MES"
    assert group_label(GROUP, AccountKind.SIM, 1, "MES") == "SIM Apex-all · 2 accounts · 3 MES"


def test_parse_multiplier() -> None:
    assert parse_multiplier("\u00d70.5") == Decimal("0.5")
    for bad in ("0", "-1", "abc", "nan"):
        with pytest.raises(ValueError):
            parse_multiplier(bad)


def test_opposite_sides_names_both() -> None:
    assert opposite_sides({"A": 2, "B": 0, "C": -1}) == (("A",), ("C",))
    assert opposite_sides({"A": 2, "B": 4}) is None


def test_out_of_sync_names_the_member_that_missed() -> None:
    assert out_of_sync(GROUP, {"A": 2, "B": 4, "C": 1}) == ()
    assert out_of_sync(GROUP, {"A": 2, "B": 4, "C": 0}) == ("C",)
    assert out_of_sync(GROUP, {"A": 0, "B": 0, "C": 0}) == ()
    assert out_of_sync(GROUP, {"A": -2, "B": -4, "C": -1}) == ()
    assert out_of_sync(GROUP, {"A": 2, "B": 4}) == ("C",)  # unknown is not in step


def test_room_daily_left_and_colours() -> None:
    account = Account("A", realized_pnl=-750.0, unrealized_pnl=0.0, daily_loss_limit=1000.0,
                      trailing_max_drawdown=1100.0)
    room = room_of(account, peak_pnl=-750.0)
    assert room.daily_left == 250.0
    assert room.text == "$250 left today · $1,100 to drawdown"
    assert room.level is RoomLevel.OK  # 25 % is not under 25 %
    assert room_of(Account("A", realized_pnl=-800.0, daily_loss_limit=1000.0)
                   ).level is RoomLevel.AMBER
    assert room_of(Account("A", realized_pnl=-950.0, daily_loss_limit=1000.0)
                   ).level is RoomLevel.RED
    [text] = room.shortfalls(300.0)
    assert "$300" in text and "$250" in text and "$1,000" in text
    assert room.shortfalls(200.0) == []


def test_room_unknown_is_never_zero() -> None:
    room = room_of(Account("A"))
    assert room.text == "daily loss limit unknown · drawdown unknown"
    assert room.level is RoomLevel.UNKNOWN and room.shortfalls(10_000.0) == []
    none = room_of(Account("A", realized_pnl=0.0, daily_loss_limit=0.0,
                           trailing_max_drawdown=0.0))
    assert none.text == "no daily loss limit · no trailing drawdown"


def test_wire_reads_the_limit_fields() -> None:
    account = wire.parse_account({
        "name": "Apex-12", "dailyLossLimit": 1000.0, "maxOrderSize": 5, "maxPositionSize": 10,
        "item": {"realizedProfitLoss": -750.0, "unrealizedProfitLoss": 0.0,
                 "trailingMaxDrawdown": 2500.0}})
    assert (account.daily_loss_limit, account.trailing_max_drawdown, account.max_order_size,
            account.max_position_size, account.realized_pnl) == (1000.0, 2500.0, 5, 10, -750.0)
    bare = wire.parse_account({"name": "Sim101"})
    assert bare.daily_loss_limit is None and bare.max_order_size is None
