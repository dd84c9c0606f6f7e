"""Each account's room to its own limits (§5): how far it is from its daily loss limit and its
trailing drawdown, what an order risks, and the account's own order and position sizes.

Pure arithmetic, no Qt and no I/O. The figures come from the account object (`dailyLossLimit`,
`trailingMaxDrawdown`, `maxOrderSize`, `maxPositionSize`, today's realized and unrealized P&L)
and, when the add-on has them, the watermarks (`GET .../watermarks`: the session's peak P&L and
net liquidation). A field the account does not report is *unknown* and is said so, never taken
as 0; a limit of 0 is CrossTrade's "no limit".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from ct_ticket.model.market import Account, Quote
from ct_ticket.model.orders import OrderRequest, Side
from ct_ticket.model.risk import tick_value_of

__all__ = [
    "Room",
    "RoomLevel",
    "Watermarks",
    "adds_exposure",
    "money",
    "order_risk",
    "room_of",
    "size_shortfalls",
]

class RoomLevel(StrEnum):
    """How close an account is to a limit: fine, amber under 25 % left, red under 10 %."""

    OK = "ok"
    AMBER = "amber"
    RED = "red"
    UNKNOWN = "unknown"


def money(value: float) -> str:
    """Dollars as a trader reads them: "$1,100", "-$250", "$12.50"."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole = math.isclose(value, round(value), abs_tol=0.005)
    return f"{sign}${value:,.0f}" if whole else f"{sign}${value:,.2f}"


@dataclass(frozen=True)
class Watermarks:
    """What `GET .../watermarks` says: the session's highs and the figures now (None: not
    reported; all None when the add-on has no P&L for the account yet)."""

    pnl_high: float | None = None
    netliq_high: float | None = None
    unrealized_high: float | None = None
    pnl: float | None = None
    total: float | None = None  # today's realized + unrealized
    unrealized: float | None = None
    netliq: float | None = None
    position_count: int | None = None

    @property
    def empty(self) -> bool:
        """True when the answer carried no figure at all (no monitor, no P&L this session)."""
        return all(value is None for value in (
            self.pnl_high, self.netliq_high, self.unrealized_high, self.pnl, self.total,
            self.unrealized, self.netliq, self.position_count))


def _level(left: float | None, limit: float | None) -> RoomLevel:
    if limit is None:
        return RoomLevel.UNKNOWN
    if not limit:
        return RoomLevel.OK  # no such limit: nothing to run out of
    if left is None:
        return RoomLevel.UNKNOWN
    share = left / limit
    return RoomLevel.RED if share < 0.10 else RoomLevel.AMBER if share < 0.25 else RoomLevel.OK


def _part(limit: float | None, left: float | None, name: str, *, unknown: str,
          left_unknown: str, suffix: str) -> str:
    """One half of a room's words: unknown, no limit (CrossTrade's 0), or the room left."""
    if limit is None:
        return unknown
    if not limit:
        return f"no {name}"
    if left is None:
        return f"{name} {money(limit)}, {left_unknown}"
    return f"{money(left)} {suffix}"


@dataclass(frozen=True)
class Room:
    """How far one account is from its daily loss limit and trailing drawdown.

    None means the account does not report it (unknown, never 0); a limit of 0 means the
    account has none (CrossTrade's convention), and its room is then unlimited.
    """

    account: str
    daily_limit: float | None
    daily_left: float | None
    drawdown_limit: float | None
    drawdown_left: float | None
    drawdown_estimated: bool = False  # no peak known: the room is at most this much

    @property
    def level(self) -> RoomLevel:
        """The worse of the two: red beats amber beats fine; unknown only when both are."""
        levels = {_level(self.daily_left, self.daily_limit),
                  _level(self.drawdown_left, self.drawdown_limit)}
        for level in (RoomLevel.RED, RoomLevel.AMBER, RoomLevel.OK):
            if level in levels:
                return level
        return RoomLevel.UNKNOWN

    @property
    def text(self) -> str:
        """ "$250 left today · $1,100 to drawdown"; unknown fields say so."""
        daily = _part(self.daily_limit, self.daily_left, "daily loss limit",
                      unknown="daily loss limit unknown", left_unknown="today's P&L unknown",
                      suffix="left today")
        drawdown = _part(self.drawdown_limit, self.drawdown_left, "trailing drawdown",
                         unknown="drawdown unknown", left_unknown="room unknown",
                         suffix="to drawdown")
        if self.drawdown_estimated and self.drawdown_left is not None and self.drawdown_limit:
            drawdown = f"at most {drawdown}"
        return f"{daily} · {drawdown}"

    def shortfalls(self, risk: float) -> list[str]:
        """What `risk` dollars would overrun, each sentence naming both figures."""
        found = []
        if self.daily_limit and self.daily_left is not None and risk > self.daily_left:
            found.append(f"{self.account}: this order risks {money(risk)} but "
                         f"{money(self.daily_left)} is left today (daily loss limit "
                         f"{money(self.daily_limit)})")
        if self.drawdown_limit and self.drawdown_left is not None and risk > self.drawdown_left:
            at_most = "at most " if self.drawdown_estimated else ""
            found.append(f"{self.account}: this order risks {money(risk)} but "
                         f"{at_most}{money(self.drawdown_left)} is left to the trailing "
                         f"drawdown ({money(self.drawdown_limit)})")
        return found


def _todays_pnl(account: Account, marks: Watermarks | None) -> float | None:
    """Realized + unrealized today: the account's own fields first (read together with the
    limits), the watermarks' `total` when the account does not report them."""
    if account.realized_pnl is not None:
        return account.realized_pnl + (account.unrealized_pnl or 0.0)
    return marks.total if marks is not None else None


def room_of(account: Account, peak_pnl: float | None = None, *,
            marks: Watermarks | None = None) -> Room:
    """The room `account` has, from its own fields and, when known, its watermarks (or a
    `peak_pnl` given directly).

    Trailing drawdown room = trailingMaxDrawdown - (peak - now). The peak and "now" are taken
    as a pair from one source so they compare like with like: net liquidation (the watermarks'
    `netliqhigh` against the account's `netLiquidation`, else the watermarks' own `netliq`)
    when the watermarks report it, else P&L (`pnlhigh` against today's realized + unrealized).
    A peak below "now" means the high has not been sampled since: the drawdown is then 0. With
    no peak at all the session's P&L started at 0, so the peak is at least max(P&L, 0): the room
    is then an upper bound, said "at most".
    """
    pnl = _todays_pnl(account, marks)
    daily_left = None
    if account.daily_loss_limit is not None and pnl is not None:
        daily_left = account.daily_loss_limit + pnl
    limit = account.trailing_max_drawdown
    drawdown_left, estimated = None, False
    if limit is not None:
        netliq = account.net_liquidation if account.net_liquidation is not None else (
            marks.netliq if marks is not None else None)
        pnl_peak = marks.pnl_high if marks is not None and marks.pnl_high is not None else peak_pnl
        if marks is not None and marks.netliq_high is not None and netliq is not None:
            drawdown_left = limit - max(0.0, marks.netliq_high - netliq)
        elif pnl_peak is not None and pnl is not None:
            drawdown_left = limit - max(0.0, pnl_peak - pnl)
        elif pnl is not None:
            drawdown_left, estimated = limit - (max(pnl, 0.0) - pnl), True
    return Room(account.name, account.daily_loss_limit, daily_left, limit, drawdown_left,
                estimated)


def order_risk(order: OrderRequest, quote: Quote | None, stop_ticks: int) -> float | None:
    """Dollars `order` risks: its bracket's stop-loss when it has one, else `stop_ticks` (the
    trader's assumed stop distance) for each contract; None when the tick value is unknown."""
    tick_value = tick_value_of(order.instrument, quote)
    if tick_value is None:
        return None
    ticks = order.stop_loss_ticks if order.stop_loss_ticks is not None else stop_ticks
    return float(order.quantity * max(ticks, 0) * tick_value)


def adds_exposure(order: OrderRequest, position: int) -> bool:
    """Whether `order` opens or adds to a position (an order that only reduces the signed
    `position` of its instrument risks nothing new)."""
    signed = order.quantity if order.side is Side.BUY else -order.quantity
    return not (position != 0 and (signed > 0) != (position > 0) and abs(signed) <= abs(position))


def size_shortfalls(account: Account, order: OrderRequest, position: int) -> list[str]:
    """The account's own order and position sizes (§5, when above 0) that `order` passes, with
    `position` the signed position it starts from; each sentence names both figures."""
    found = []
    if account.max_order_size and order.quantity > account.max_order_size:
        found.append(f"{account.name}: {order.quantity} contracts is above the account's "
                     f"maximum order size of {account.max_order_size}")
    after = position + (order.quantity if order.side is Side.BUY else -order.quantity)
    if account.max_position_size and abs(after) > account.max_position_size and (
            abs(after) > abs(position)):
        found.append(f"{account.name}: the position would be {abs(after)} contracts, above "
                     f"the account's maximum position size of {account.max_position_size}")
    return found

