"""Risk arithmetic of a bracketed order: tick value, risk and reward in dollars, a quantity
sized from a dollar risk, the prices of a stop and a target in ticks from an average price, and
how much of a position no working stop covers. Pure Python: no Qt, no HTTP, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from ct_ticket.model.instruments import contract_spec, normalize_instrument, root_symbol
from ct_ticket.model.market import OrderInfo, Position, Quote
from ct_ticket.model.orders import Side

__all__ = ["RiskReward", "SizeFromRisk", "bracket_prices", "breakeven_price", "is_stop",
           "risk_reward", "size_from_risk", "stop_covering", "tick_size_of", "tick_value_of",
           "uncovered_quantity"]


def _decimal(value: float | None) -> Decimal | None:
    return Decimal(repr(value)) if value else None


def tick_size_of(instrument: str, quote: Quote | None = None) -> Decimal | None:
    """The instrument's tick: the quote's when it says one, else the built-in table's."""
    if quote is not None and (tick := _decimal(quote.tick_size)) is not None:
        return tick
    spec = contract_spec(instrument)
    return spec.tick_size if spec else None


def tick_value_of(instrument: str, quote: Quote | None = None) -> Decimal | None:
    """Dollars one tick is worth for one contract: the quote's point value times the tick, or the
    built-in table's; None when neither knows the instrument."""
    spec = contract_spec(instrument)
    point = (_decimal(quote.point_value) if quote is not None else None) or (
        spec.point_value if spec else None)
    tick = tick_size_of(instrument, quote)
    return point * tick if point is not None and tick is not None else None


@dataclass(frozen=True)
class RiskReward:
    """Dollars at risk to the stop and to be won at the target; None where no tick count."""

    risk: Decimal | None
    reward: Decimal | None

    @property
    def ratio(self) -> Decimal | None:
        """Reward per dollar of risk (the "2.0" of "1 : 2.0"), None without both."""
        if not self.risk or self.reward is None:
            return None
        return self.reward / self.risk


def risk_reward(quantity: int, stop_ticks: int | None, target_ticks: int | None,
                tick_value: Decimal) -> RiskReward:
    """The order's risk and reward in dollars: contracts times ticks times the tick value."""
    def dollars(ticks: int | None) -> Decimal | None:
        return None if ticks is None else quantity * ticks * tick_value
    return RiskReward(dollars(stop_ticks), dollars(target_ticks))


@dataclass(frozen=True)
class SizeFromRisk:
    """A quantity sized from a dollar risk, or the reason none can be (`quantity` is 0)."""

    quantity: int
    problem: str | None = None


def size_from_risk(dollars: Decimal, stop_ticks: int | None, tick_value: Decimal | None
                   ) -> SizeFromRisk:
    """The most contracts whose loss at the stop stays within `dollars` (rounded down)."""
    if stop_ticks is None or stop_ticks <= 0:
        return SizeFromRisk(0, "Sizing from risk needs a stop-loss in ticks.")
    if tick_value is None:
        return SizeFromRisk(0, "The tick value of this instrument is unknown: no quote.")
    if dollars <= 0:
        return SizeFromRisk(0, "The dollar risk must be above zero.")
    per_contract = stop_ticks * tick_value
    quantity = int((dollars / per_contract).to_integral_value(rounding=ROUND_FLOOR))
    if quantity < 1:
        return SizeFromRisk(0, f"${dollars:,.2f} is less than one contract's risk "
                               f"(${per_contract:,.2f} for {stop_ticks} ticks): nothing to send.")
    return SizeFromRisk(quantity)


def bracket_prices(position_side: Side, average: Decimal, tick: Decimal,
                   stop_ticks: int | None, target_ticks: int | None
                   ) -> tuple[Decimal | None, Decimal | None]:
    """(stop-loss, take-profit) `ticks` from `average`, on the losing and the winning side of
    a position on `position_side` (BUY: long, so the stop below and the target above)."""
    sign = 1 if position_side is Side.BUY else -1
    stop = None if stop_ticks is None else average - sign * stop_ticks * tick
    target = None if target_ticks is None else average + sign * target_ticks * tick
    return stop, target


def breakeven_price(position_side: Side, average: Decimal, tick: Decimal, offset_ticks: int
                    ) -> Decimal:
    """The average price ± `offset_ticks` ticks in the position's favour (+1 on a long is one
    tick above the average: a tick locked in)."""
    sign = 1 if position_side is Side.BUY else -1
    return average + sign * offset_ticks * tick


def is_stop(order: OrderInfo) -> bool:
    """A working stop order (NT8 spells the types StopMarket / StopLimit)."""
    return order.is_working and order.order_type.lower().startswith("stop")


def _same_instrument(a: str, b: str) -> bool:
    return normalize_instrument(a) == normalize_instrument(b) or (
        root_symbol(a) is not None and root_symbol(a) == root_symbol(b))


def stop_covering(position: Position, instrument: str, orders: Iterable[OrderInfo]
                  ) -> list[OrderInfo]:
    """The working stops that would close part of `position` (same instrument, the other
    side), in the order CrossTrade listed them."""
    exit_action = "sell" if position.signed_quantity > 0 else "buy"
    return [o for o in orders if is_stop(o) and _same_instrument(o.instrument, instrument)
            and o.action.lower().startswith(exit_action)]


def uncovered_quantity(position: Position | None, instrument: str,
                       orders: Iterable[OrderInfo]) -> int:
    """Contracts of the position no working stop covers (0 when flat or fully covered)."""
    if position is None or position.is_flat:
        return 0
    covered = sum(o.quantity - o.filled for o in stop_covering(position, instrument, orders))
    return max(0, position.quantity - covered)
