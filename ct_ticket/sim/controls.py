"""Switches tests flip on the simulator: rejections on demand, faults of the next order POST,
account limits, P&L and watermarks, filling a resting order now, order latency.

``SimControls`` is a base of ``Simulator``. The order-POST faults are taken by the app
(``ct_ticket.sim.app``) when a place or flat-place request arrives; the rest act on the book.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ct_ticket.sim.book import SimPosition
from ct_ticket.sim.views import SimViews

__all__ = ["OrderFault", "SimControls"]


@dataclass(frozen=True)
class OrderFault:
    """What happens to one order POST: its answer ``delay``, and a failure ``status``.

    ``placed`` says whether the order reaches NT8 before the failure is answered (a relay
    timeout after the fact) or not at all (a fault before CrossTrade relayed it).
    """

    account: str | None  # None: whichever account the next order POST is for
    delay: float = 0.0
    status: int | None = None
    placed: bool = True


class SimControls(SimViews):
    """Test switches; every method is safe to call from a test thread while serving."""

    _faults: list[OrderFault]

    # -- order POST faults (taken by the app) ----------------------------------------------

    def delay_next_order(self, seconds: float, account: str | None = None) -> None:
        """Place the next order POST (of ``account``, if given) at once but answer it only
        ``seconds`` later: "answered after the client's timeout"."""
        with self.lock:
            self._faults.append(OrderFault(account, delay=seconds))

    def fail_next_order(self, status: int = 500, account: str | None = None,
                        placed: bool = False, delay: float = 0.0) -> None:
        """Answer the next order POST (of ``account``, if given) with ``status`` (5xx or 408).

        ``placed=False``: the order is not placed at all; ``placed=True``: it is placed, and
        only the answer is lost. ``delay`` waits before answering.
        """
        if status < 400:
            raise ValueError("status must be an error status (408, 5xx...)")
        with self.lock:
            self._faults.append(OrderFault(account, delay, status, placed))

    def take_order_fault(self, account: str) -> OrderFault | None:
        """The first pending fault that applies to an order POST for ``account`` (consumed)."""
        with self.lock:
            for index, fault in enumerate(self._faults):
                if fault.account is None or fault.account.casefold() == account.casefold():
                    return self._faults.pop(index)
            return None

    # -- NT8's decisions -------------------------------------------------------------------

    def reject_next_orders(self, account: str, count: int = 1,
                           reason: str = "Order rejected by the simulator on request.") -> None:
        """NT8 rejects the next ``count`` orders of ``account`` after CrossTrade relayed them
        (the POST still answers 200 with an orderId), with ``reason`` as ``nativeError``."""
        with self.lock:
            name = self.exchange.account(account).name
            queue = self.exchange.forced_rejects.setdefault(name, deque())
            queue.extend([reason] * count)

    @property
    def order_latency(self) -> float:
        """Seconds NT8 takes to acknowledge a submission or a cancel (0: within the request)."""
        return self.exchange.latency

    @order_latency.setter
    def order_latency(self, seconds: float) -> None:
        with self.lock:
            self.exchange.latency = max(0.0, seconds)

    @property
    def touch_liquidity(self) -> int:
        """Contracts a resting limit fills each time the market only touches its price."""
        return self.exchange.touch_liquidity

    @touch_liquidity.setter
    def touch_liquidity(self, contracts: int) -> None:
        if contracts < 1:
            raise ValueError("touch_liquidity must be at least 1")
        with self.lock:
            self.exchange.touch_liquidity = contracts

    @property
    def refuse_flat_bracket(self) -> bool:
        """True: cancel_and_bracket with no position answers 400 instead of the OCO entry."""
        return self.exchange.refuse_flat_bracket

    @refuse_flat_bracket.setter
    def refuse_flat_bracket(self, refuse: bool) -> None:
        with self.lock:
            self.exchange.refuse_flat_bracket = refuse

    def fill_order(self, account: str, order_id: str, quantity: int | None = None,
                   price: float | None = None) -> None:
        """Fill a resting order now: ``quantity`` of it (default: all that is left) at
        ``price`` (default: its limit, else its stop, else the market)."""
        with self.lock:
            self.settle()
            exchange = self.exchange
            order = exchange.book.find(exchange.account(account).name, order_id)
            if order is None or not order.fillable:
                raise ValueError(f"no resting order {order_id!r} in {account!r}")
            contract = order.instrument.contract
            if price is not None:
                ticks = contract.to_ticks(price)
            elif order.limit_ticks is not None:
                ticks = order.limit_ticks
            elif order.stop_ticks is not None:
                ticks = order.stop_ticks
            else:
                ticks = exchange.tapes[contract.root].last
            order.triggered = True
            exchange.fill(order, ticks, quantity or order.remaining)

    # -- accounts --------------------------------------------------------------------------

    def set_limits(self, account: str, *, daily_loss_limit: float | None = None,
                   trailing_max_drawdown: float | None = None,
                   max_order_size: int | None = None,
                   max_position_size: int | None = None) -> None:
        """Set an account's §5 limit fields (0 = no limit; None leaves a field as it is).

        NT8 enforces the order and position sizes: an order over them is rejected after
        CrossTrade relayed it.
        """
        with self.lock:
            found = self.exchange.account(account)
            if daily_loss_limit is not None:
                found.daily_loss_limit = daily_loss_limit
            if trailing_max_drawdown is not None:
                found.trailing_max_drawdown = trailing_max_drawdown
            if max_order_size is not None:
                found.max_order_size = max_order_size
            if max_position_size is not None:
                found.max_position_size = max_position_size

    def set_watermarks(self, account: str, *, pnl_high: float | None = None,
                       netliq_high: float | None = None) -> None:
        """Give ``account`` session highs reached earlier (a peak P&L, a peak net liquidation),
        as the add-on's monitor would have sampled them; the account then has P&L to report."""
        with self.lock:
            found = self.exchange.account(account)
            found.reported = True
            if pnl_high is not None:
                found.pnl_high = pnl_high
            if netliq_high is not None:
                found.netliq_high = netliq_high

    def set_position(self, account: str, instrument: str, quantity: int,
                     average_price: float) -> None:
        """Give ``account`` a position outright (signed ``quantity``: short < 0) at
        ``average_price``, as if it had been filled earlier; no orders, no executions."""
        with self.lock:
            found = self.exchange.account(account)
            resolved = self.exchange.resolve(instrument)
            contract = resolved.contract
            if not contract.on_tick(average_price):
                raise ValueError(f"{average_price} is not on the {contract.tick_size} grid")
            position = SimPosition(found.name, resolved, quantity,
                                   contract.to_ticks(average_price) if quantity else 0.0)
            self.exchange.book.positions[(found.name, resolved.name)] = position

    def set_realized_pnl(self, account: str, realized: float) -> None:
        """Set the account's realized P&L today (``item.realizedProfitLoss``)."""
        with self.lock:
            found = self.exchange.account(account)
            found.realized = realized
            found.reported = True
