"""The risk arithmetic (model/risk.py): tick value, risk and reward, sizing, bracket prices and
what part of a position no working stop covers."""

from __future__ import annotations

from decimal import Decimal

from ct_ticket.model import OrderInfo, Position, Side
from ct_ticket.model.risk import (
    bracket_prices,
    breakeven_price,
    risk_reward,
    size_from_risk,
    tick_value_of,
    uncovered_quantity,
)
from ct_ticket.wording import risk_words


def test_mes_one_contract_8_ticks_stop_16_target_reads_10_and_20_dollars() -> None:
    tick_value = tick_value_of("MES 12-26")
    assert tick_value == Decimal("1.25")
    assert risk_words(risk_reward(1, 8, 16, tick_value)) == (
        "risk $10.00 · reward $20.00 · 1 : 2.0")
    assert risk_words(risk_reward(2, 8, None, tick_value)) == "risk $20.00 · no target"


def test_size_from_risk_rounds_down_and_refuses_zero_with_the_reason() -> None:
    es = tick_value_of("ES 12-26")
    assert es == Decimal("12.50")
    assert size_from_risk(Decimal(200), 10, es).quantity == 1  # $125 a contract
    assert size_from_risk(Decimal(250), 10, es).quantity == 2
    zero = size_from_risk(Decimal(100), 10, es)
    assert zero.quantity == 0 and zero.problem and "less than one contract" in zero.problem
    assert size_from_risk(Decimal(200), None, es).problem is not None


def test_bracket_prices_sit_on_the_losing_and_winning_sides() -> None:
    tick = Decimal("0.25")
    assert bracket_prices(Side.BUY, Decimal("5000"), tick, 8, 16) == (Decimal("4998.00"),
                                                                      Decimal("5004.00"))
    assert bracket_prices(Side.SELL, Decimal("5000"), tick, 8, None) == (Decimal("5002.00"),
                                                                         None)
    assert breakeven_price(Side.BUY, Decimal("5000.00"), tick, 1) == Decimal("5000.25")
    assert breakeven_price(Side.SELL, Decimal("5000.00"), tick, 1) == Decimal("4999.75")


def test_uncovered_counts_only_working_stops_on_the_exit_side() -> None:
    long2 = Position("Sim101", "ES 12-26", "Long", 2, 5000.0)
    stop = OrderInfo("s", "Sim101", "ES 12-26", "Sell", "StopMarket", "Accepted", 1,
                     stop_price=4990.0)
    target = OrderInfo("t", "Sim101", "ES 12-26", "Sell", "Limit", "Working", 2,
                       limit_price=5010.0)
    wrong_side = OrderInfo("b", "Sim101", "ES 12-26", "Buy", "StopMarket", "Accepted", 2)
    assert uncovered_quantity(long2, "ES 12-26", [target, wrong_side]) == 2
    assert uncovered_quantity(long2, "ES 12-26", [stop, target]) == 1
    assert uncovered_quantity(long2, "ES 12-26", [stop, stop]) == 0
    assert uncovered_quantity(Position("Sim101", "ES 12-26", "Flat", 0), "ES 12-26", []) == 0
