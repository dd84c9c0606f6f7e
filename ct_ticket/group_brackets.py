"""A group member's bracket: after its entry filled, the stop-loss and take-profit in ticks
from its own average price, placed in its own account.

The single account's bracket (protection.py) protects the position the ticket shows; a group's
other members are not shown, so each is bracketed here, one request per member, never retried.
Like the single account's, a bracket is never sent while the member's position reads flat or
on the other side (cancel_and_bracket would then enter a position). No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ct_ticket.api.client import CrossTradeClient
from ct_ticket.api.errors import CrossTradeError
from ct_ticket.model import OrderRequest, Quote, Side, normalize_instrument, round_to_tick
from ct_ticket.model.risk import bracket_prices, tick_size_of
from ct_ticket.wording import bracket_words, describe_position

__all__ = ["MemberBracket", "bracket_member", "needs_bracket"]


@dataclass(frozen=True)
class MemberBracket:
    """What became of one member's bracket, in words; `protected` False: say it loudly."""

    words: str
    protected: bool


def needs_bracket(order: OrderRequest) -> bool:
    """A stop-loss or take-profit in ticks and no ATM template (NT8 places an ATM's own)."""
    return not order.atm_strategy and (order.stop_loss_ticks is not None
                                       or order.take_profit_ticks is not None)


async def bracket_member(client: CrossTradeClient, order: OrderRequest,
                         average_price: float | None, quote: Quote | None) -> MemberBracket:
    """Bracket the member's position in `order`'s instrument after its entry filled."""
    account, instrument = order.account, order.instrument
    if quote is not None and normalize_instrument(quote.instrument) != instrument:
        quote = None  # another instrument's tick says nothing about this one
    tick = tick_size_of(instrument, quote)
    if tick is None:
        return MemberBracket(f"NOT protected: the tick of {instrument} is unknown", False)
    try:
        position = await client.position(account, instrument)
    except CrossTradeError as error:
        return MemberBracket(f"NOT protected: the position could not be read "
                             f"({error.trader_message})", False)
    if position.is_flat or (position.signed_quantity > 0) != (order.side is Side.BUY):
        return MemberBracket(f"bracket not sent: now {describe_position(position, instrument)}",
                             False)
    side = Side.BUY if position.signed_quantity > 0 else Side.SELL
    average = Decimal(repr(average_price or position.average_price))
    stop, target = (None if price is None else round_to_tick(price, tick)
                    for price in bracket_prices(side, average, tick, order.stop_loss_ticks,
                                                order.take_profit_ticks))
    words = bracket_words(instrument, position.quantity, stop, target, tick)
    try:
        await client.cancel_and_bracket(account, instrument, side, position.quantity,
                                        stop_loss=stop, take_profit=target)
    except CrossTradeError as error:
        return MemberBracket(f"{words} failed: {error.trader_message} NOT protected", False)
    return MemberBracket(f"{words} placed", True)
