"""Safety rails the ticket keeps on itself: precautionary limits, the same order twice.

The values (sim or live, the limits, a breach) are model types (model/limits.py); the rules
that apply them live here. These are warnings that hold a send until the trader says "Send
anyway"; CrossTrade and NT8 remain the real risk controls. Pure Python: no Qt, no HTTP.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ct_ticket.events import Action
from ct_ticket.model import (
    AccountKind,
    Breach,
    Limits,
    OrderRequest,
    OrderType,
    Quote,
    Side,
    contract_spec,
)

__all__ = ["REPEAT_WINDOW_S", "RecentOrders", "Review", "check_limits", "marketable_limit",
           "missing_stop", "review_send", "stop_on_wrong_side"]

REPEAT_WINDOW_S = 5.0  # "the same order within N seconds" asks first (DAS uses 10 s)


def _through_ticks(side: Side, price: Decimal, quote: Quote, tick: Decimal, *,
                   stop: bool) -> Decimal | None:
    """Ticks by which a price sits on the wrong side of the market, None when it does not.

    A buy limit above the ask (or a sell limit below the bid) fills at once at a worse price;
    a buy stop below the bid (or a sell stop above the ask) triggers at once.
    """
    bid = Decimal(repr(quote.bid)) if quote.bid else None
    ask = Decimal(repr(quote.ask)) if quote.ask else None
    buying = side is Side.BUY
    if stop:
        reference, excess = (bid, (bid - price) if bid else None) if buying else (
            ask, (price - ask) if ask else None)
    else:
        reference, excess = (ask, (price - ask) if ask else None) if buying else (
            bid, (bid - price) if bid else None)
    if reference is None or excess is None or excess <= 0:
        return None
    return excess / tick


def check_limits(order: OrderRequest, limits: Limits, quote: Quote | None) -> list[Breach]:
    """Every precautionary limit the order breaks (empty when none)."""
    breaches: list[Breach] = []
    if order.quantity > limits.ask_above_quantity:
        breaches.append(Breach("Maximum quantity",
                               f"{order.quantity} contracts is above the maximum of "
                               f"{limits.ask_above_quantity} for this account."))
    spec = contract_spec(order.instrument)
    point_value = (Decimal(repr(quote.point_value)) if quote and quote.point_value
                   else spec.point_value if spec else None)
    tick = (Decimal(repr(quote.tick_size)) if quote and quote.tick_size
            else spec.tick_size if spec else None)
    price = order.limit_price or order.stop_price or (
        Decimal(repr(quote.ask if order.side is Side.BUY else quote.bid))
        if quote and (quote.ask if order.side is Side.BUY else quote.bid) else None)
    if point_value is not None and price is not None:
        notional = order.quantity * point_value * price
        if notional > Decimal(repr(limits.max_notional)):
            breaches.append(Breach("Maximum notional",
                                   f"Notional {notional:,.0f} is above the maximum of "
                                   f"{limits.max_notional:,.0f}."))
    if quote is not None and tick:
        checks = []
        if order.limit_price is not None and order.order_type is not OrderType.STOPLIMIT:
            checks.append(("Limit", order.limit_price, False))
        if order.stop_price is not None:
            checks.append(("Stop", order.stop_price, True))
        for label, level, is_stop in checks:
            ticks = _through_ticks(order.side, level, quote, tick, stop=is_stop)
            if ticks is not None and ticks > limits.max_ticks_through:
                breaches.append(Breach("Price through the market",
                                       f"{label} price {level} is {ticks:.0f} ticks through "
                                       f"the market (maximum {limits.max_ticks_through})."))
    return breaches


def _order_key(order: OrderRequest) -> tuple[object, ...]:
    return (order.account.lower(), order.instrument, order.side, order.quantity,
            order.order_type, order.limit_price, order.stop_price)


class RecentOrders:
    """Orders sent in the last few seconds, to catch the same order sent twice."""

    def __init__(self, window_s: float = REPEAT_WINDOW_S,
                 clock: Callable[[], float] | None = None) -> None:
        self.window_s = window_s
        self._clock = clock or time.monotonic
        self._sent: deque[tuple[float, tuple[object, ...]]] = deque()

    def _expire(self, now: float) -> None:
        while self._sent and now - self._sent[0][0] > self.window_s:
            self._sent.popleft()

    def record(self, order: OrderRequest) -> None:
        now = self._clock()
        self._expire(now)
        self._sent.append((now, _order_key(order)))

    def seconds_since_same(self, order: OrderRequest) -> float | None:
        """Seconds since an identical order was sent, None if not within the window."""
        now = self._clock()
        self._expire(now)
        key = _order_key(order)
        for stamp, sent in reversed(self._sent):
            if sent == key:
                return now - stamp
        return None


@dataclass(frozen=True)
class Review:
    """What must be asked before an action is sent, decided by the ticket, asked by the window.

    `breaches` hold an order behind "Send anyway"; `confirm_order` is confirm-every-order;
    `blast_radius` asks before a flatten, after listing what it would close; `require_word`
    must be typed to confirm (the all-accounts kill switch).
    """

    action: Action
    order: OrderRequest | None
    account: str
    kind: AccountKind
    breaches: tuple[Breach, ...] = ()
    confirm_order: bool = False
    blast_radius: bool = False
    require_word: str | None = None
    notes: tuple[str, ...] = ()  # said on the status line, never asked (a marketable limit)
    refusal: str | None = None  # why nothing may be sent at all (no answer can override it)

    @property
    def needs_answer(self) -> bool:
        return bool(self.breaches) or self.confirm_order or self.blast_radius


def review_send(action: Action, order: OrderRequest | None, *, account: str, kind: AccountKind,
                limits: Limits, quote: Quote | None, recent: RecentOrders,
                confirm_every_order: bool, require_stop: bool = False,
                position: int = 0) -> Review:
    """The questions an action raises, as data: a pure function of the order, the ticket's
    state and the trader's settings.

    With `require_stop`, an entry with neither a stop-loss in ticks nor an ATM template is
    refused outright (`refusal`). An order that only reduces the signed `position` of its
    instrument is an exit, never an entry; Close, Reverse and flattens carry no order and are
    never refused."""
    if action in (Action.FLATTEN_ACCOUNT, Action.KILL_SWITCH):
        everything = action is Action.KILL_SWITCH
        return Review(action, None, account, kind, blast_radius=True,
                      require_word="FLATTEN" if everything else None)
    if order is None:
        return Review(action, None, account, kind)
    if require_stop and (refusal := missing_stop(order, position)) is not None:
        return Review(action, order, order.account, kind, refusal=refusal)
    breaches = check_limits(order, limits, quote)
    if (wrong_side := stop_on_wrong_side(order, quote)) is not None:
        breaches.insert(0, wrong_side)
    since = recent.seconds_since_same(order)
    if since is not None:
        breaches.append(Breach("Same order twice", f"The same order was sent {since:.1f} s ago."))
    notes = (marketable,) if (marketable := marketable_limit(order, quote)) else ()
    return Review(action, order, order.account, kind, tuple(breaches),
                  confirm_order=confirm_every_order and not breaches, notes=notes)


def missing_stop(order: OrderRequest, position: int) -> str | None:
    """Why an entry without protection is refused; None for a protected entry or an exit."""
    signed = order.quantity if order.side is Side.BUY else -order.quantity
    exits = position != 0 and (signed > 0) != (position > 0) and abs(signed) <= abs(position)
    if exits or order.stop_loss_ticks is not None or order.atm_strategy:
        return None
    entry = f"{order.side.value} {order.quantity} {order.instrument}"
    return (f"Not sent: {entry} needs a stop-loss (in ticks) or an ATM template: "
            "\"Require a stop\" is on for this account kind (Safety limits).")


def _decimal(value: float | None) -> Decimal | None:
    return Decimal(repr(value)) if value else None


def stop_on_wrong_side(order: OrderRequest, quote: Quote | None) -> Breach | None:
    """A sell stop at or above the bid, or a buy stop at or below the ask: NT8 rejects it
    (or it would trigger at once). Names both prices."""
    if order.stop_price is None or quote is None:
        return None
    stop = order.stop_price
    if order.side is Side.SELL and (bid := _decimal(quote.bid)) is not None and stop >= bid:
        return Breach("Stop on the wrong side of the market",
                      f"Sell stop {format(stop, 'f')} is at or above the bid "
                      f"{format(bid, 'f')}: NT8 rejects a sell stop above the market.")
    if order.side is Side.BUY and (ask := _decimal(quote.ask)) is not None and stop <= ask:
        return Breach("Stop on the wrong side of the market",
                      f"Buy stop {format(stop, 'f')} is at or below the ask "
                      f"{format(ask, 'f')}: NT8 rejects a buy stop below the market.")
    return None


def marketable_limit(order: OrderRequest, quote: Quote | None) -> str | None:
    """A buy limit above the ask (a sell limit below the bid) fills at once, at the market."""
    if order.order_type is not OrderType.LIMIT or order.limit_price is None or quote is None:
        return None
    limit = order.limit_price
    if order.side is Side.BUY and (ask := _decimal(quote.ask)) is not None and limit > ask:
        return (f"Buy limit {format(limit, 'f')} is above the ask {format(ask, 'f')}: it fills "
                "at once, like a market order.")
    if order.side is Side.SELL and (bid := _decimal(quote.bid)) is not None and limit < bid:
        return (f"Sell limit {format(limit, 'f')} is below the bid {format(bid, 'f')}: it fills "
                "at once, like a market order.")
    return None
