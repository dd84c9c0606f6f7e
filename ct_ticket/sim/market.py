"""The simulated NinjaTrader 8 behind the simulated CrossTrade API (pure Python, no web code).

Starting state, chosen so tests are predictable:

* Accounts ``Sim101`` and ``Sim102`` (provider ``Simulator``) and the live-looking ``Apex-12``
  (provider ``Rithmic``), all ``Connected``, each with 100,000 USD cash and no limits.
  ``accounts=N`` adds ``Sim103``, ``Sim104``… up to N accounts in all (for group tests).
* ``Sim101`` is flat with no orders. With ``demo_position=True`` (the default) ``Sim102`` holds
  a demo long 2 ``MES 12-26`` bought 8 ticks under the starting price, so the ticket has P&L to
  show; pass ``demo_position=False`` for an entirely flat simulator.
* Every root starts at its catalogue price. Quotes are one tick wide: ``bid == last`` and
  ``ask == last + 1 tick``. Prices move through ``set_price`` and ``step``, and lazily: while
  requests are served, one ``step`` at most every ``walk_interval`` seconds (0.25 by default,
  measured on the injected clock) so a demo shows a live market. A root given a price with
  ``set_price`` holds it against that lazy walk (``step`` still moves it), so a test that needs
  an exact fill price sets the price first; ``walk_interval=None`` stills every root.

Orders follow NT8's states (see ``ct_ticket.sim.matching``): a place answers 200 with an orderId
once CrossTrade relayed the order, ``Submitted``; ``order_latency`` seconds later NT8 rejects it
(a stop on the wrong side of the market, an account not ``Connected``, an order or position
over the account's limits, or a rejection asked for with ``reject_next_orders``; the reason is
the order's ``nativeError``) or accepts it: ``Accepted``/``Working``, then fills.

Fill rules: MARKET fills at once at the ask (buy) or bid (sell). A LIMIT that is marketable
when NT8 takes it (buy: last <= limit) fills at the limit or better; a resting LIMIT fills at its
limit price: ``touch_liquidity`` contracts (1 by default) each time the market trades at the limit,
the rest when it trades through (``PartFilled`` until then). A buy stop triggers when
``last >= stop`` (sell: ``<=``) and fills at the ask/bid; a STOPLIMIT then rests as a limit.
Resting limits are ``Working``, resting stops ``Accepted`` (NT8's simulation engine holds stops
locally). Orders sharing an ``ocoId`` in one account form a group: a full fill of one cancels the
others at once, a part fill shrinks them to what is left open, and cancelling one cancels all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ct_ticket.sim.book import SimAccount, SimPosition
from ct_ticket.sim.controls import OrderFault, SimControls
from ct_ticket.sim.errors import SimError
from ct_ticket.sim.exchange import Exchange
from ct_ticket.sim.instruments import DEFAULT_FRONT_MONTH, ResolvedInstrument
from ct_ticket.sim.traffic import RecordedRequest, StreamHub, TokenBucket
from ct_ticket.sim.validation import Bracket, OrderTicket, parse_order_change

__all__ = ["Simulator"]

_DEFAULT_ACCOUNTS = (("Sim101", "Simulator"), ("Sim102", "Simulator"), ("Apex-12", "Rithmic"))


class Simulator(SimControls):
    """Simulated NT8 state plus the switches tests flip (connection, rate limit, token, stream,
    order faults and rejections: see ``SimControls``).

    ``token=None`` accepts any non-empty Bearer token; otherwise only that token. ``clock``
    drives the rate limit, the lazy price walk and NT8's ``order_latency`` (inject a fake one to
    avoid sleeping); ``wall_clock`` stamps quotes, orders and executions. Every method is safe
    to call from a test thread while the app serves requests on another: one lock serialises
    them.
    """

    def __init__(
        self,
        token: str | None = None,
        seed: int | None = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        front_month: str = DEFAULT_FRONT_MONTH,
        walk_interval: float | None = 0.25,
        demo_position: bool = True,
        accounts: int = len(_DEFAULT_ACCOUNTS),
        order_latency: float = 0.0,
    ) -> None:
        self.token = token
        self.nt_connected = True
        self.rate_limit_enabled = True
        self.walk_interval = walk_interval
        self.clock = clock
        self.wall_clock = wall_clock
        self.exchange = Exchange(front_month, seed, clock, wall_clock)
        self.exchange.latency = max(0.0, order_latency)
        self.lock = threading.RLock()
        self._bucket = TokenBucket()
        self._requests: list[RecordedRequest] = []
        self._faults: list[OrderFault] = []
        self._last_walk = clock()
        self._held: set[str] = set()  # roots placed by set_price, which the lazy walk leaves be
        self.streams = StreamHub()  # the /ws/stream connections (ct_ticket.sim.stream)
        self.stream_garbage = False  # True: streams interleave junk frames between real ones
        # False: pnlUpdate entries carry no ``positions`` (whether the real ones do is
        # unconfirmed, §12), so a client must read positions over REST.
        self.stream_pnl_positions = True
        # False: GET .../watermarks answers 404, as an add-on older than the endpoint does.
        self.watermarks_supported = True
        for name, provider in _DEFAULT_ACCOUNTS:
            self.add_account(name, provider)
        for number in range(103, 103 + accounts - len(_DEFAULT_ACCOUNTS)):
            self.add_account(f"Sim{number}")
        if demo_position:
            mes = self.exchange.resolve("MES")
            entry = self.exchange.tapes["MES"].last - 8.0
            demo = SimPosition("Sim102", mes, 2, entry)
            self.exchange.book.positions[("Sim102", mes.name)] = demo

    @property
    def front_month(self) -> str:
        """The ``MM-YY`` label that bare roots like ``"ES"`` resolve to."""
        return self.exchange.front_month

    # -- request log and rate limit --------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (a copy; the records themselves are live)."""
        with self.lock:
            return list(self._requests)

    def order_posts(self, kind: str | None = None) -> list[RecordedRequest]:
        """Recorded POSTs to ``.../orders/place`` and ``.../orders/flatplace`` (or one kind)."""
        if kind not in (None, "place", "flatplace"):
            raise ValueError("kind must be None, 'place' or 'flatplace'")
        kinds = ("place", "flatplace") if kind is None else (kind,)
        return [
            r for r in self.requests
            if r.method == "POST" and any(r.path.endswith(f"/orders/{k}") for k in kinds)
        ]

    def record(self, request: RecordedRequest) -> None:
        """Append a request to the log (the app calls this for every request)."""
        with self.lock:
            self._requests.append(request)

    def clear_requests(self) -> None:
        """Forget the request log, e.g. after a test's setup calls."""
        with self.lock:
            self._requests.clear()

    def admit(self) -> int | None:
        """Charge one request to the shared bucket: None if allowed, else Retry-After seconds."""
        with self.lock:
            if not self.rate_limit_enabled:
                return None
            return self._bucket.take(self.clock())

    def reset_rate_limit(self) -> None:
        """Refill the bucket to a full burst."""
        with self.lock:
            self._bucket.refill()

    # -- the WebSocket stream (switches for tests) -----------------------------------------

    def stream_drop(self) -> int:
        """Drop every live stream connection abruptly (no close frame); returns how many."""
        return self.streams.drop_all()

    def stream_subscriptions(self) -> dict[str, int]:
        """Live quote subscriptions per dated instrument, summed over open stream connections."""
        return self.streams.subscriptions()

    def stream_actions(self) -> dict[str, int]:
        """Frames stream clients sent, by action (``subscribe``, ``unsubscribe``, ``ping``...);
        ``refused`` counts subscription changes turned down by the ~20/min cap."""
        return self.streams.actions()

    # -- accounts --------------------------------------------------------------------------

    def add_account(
        self, name: str, provider: str = "Simulator", connection_status: str = "Connected"
    ) -> None:
        """Add an account such as ``"Prop Firm/01"``; names are unique case-insensitively."""
        with self.lock:
            book = self.exchange.book
            if book.account(name) is not None:
                raise ValueError(f"account {name!r} already exists")
            account = SimAccount(len(book.accounts) + 1, name, provider, connection_status)
            book.accounts[name.casefold()] = account

    def set_connection_status(self, account: str, status: str) -> None:
        """Change an account's ``connectionStatus``; orders in it are rejected unless Connected."""
        with self.lock:
            self.exchange.account(account).connection_status = status

    # -- the market ------------------------------------------------------------------------

    def set_price(self, instrument: str, price: float) -> None:
        """Move ``instrument``'s market (any §3 form) to ``price``, filling orders it crosses.

        The root then holds this price against the lazy walk; ``step()`` still moves it.
        """
        with self.lock:
            try:
                contract = self.resolve(instrument).contract
            except SimError as error:
                raise ValueError(str(error)) from None
            if price <= 0 or not contract.on_tick(price):
                raise ValueError(f"{price} is not a positive multiple of {contract.tick_size}")
            self._held.add(contract.root)
            self.exchange.advance()
            self.exchange.move(contract.root, contract.to_ticks(price), 1)

    def step(self) -> None:
        """Random-walk every instrument one tick (deterministic for a given seed)."""
        with self.lock:
            self.exchange.advance()
            self.exchange.step()

    def walk_if_due(self) -> None:
        """Step once if ``walk_interval`` seconds passed since the last walk (app calls this)."""
        with self.lock:
            now = self.clock()
            if self.walk_interval is not None and now - self._last_walk >= self.walk_interval:
                self._last_walk = now
                self.exchange.step(skip=frozenset(self._held))
            self.exchange.advance()

    # -- commands (the app's POST/PUT routes) ------------------------------------------------
    # Each first carries out the order steps that fell due, so it acts on the current book.

    def place(self, account: str, ticket: OrderTicket, flatten_first: bool = False) -> str:
        """Place (or with ``flatten_first`` flat-place) an order; returns its id."""
        with self.lock:
            self.settle()
            return self.exchange.place(account, ticket, flatten_first)

    def close_position(
        self, account: str, instrument: ResolvedInstrument, quantity: int | None = None,
        percent: float | None = None,
    ) -> list[dict[str, Any]]:
        """Close all or part of a position; returns closedPositions."""
        with self.lock:
            self.settle()
            return self.exchange.close_position(account, instrument, quantity, percent)

    def reverse(self, account: str, instrument: ResolvedInstrument) -> str:
        """Flip a position; returns the new entry's order id."""
        with self.lock:
            self.settle()
            return self.exchange.reverse(account, instrument)

    def reverse_position(self, account: str, ticket: OrderTicket) -> str:
        """Close the position, then place ``ticket``; returns its order id."""
        with self.lock:
            self.settle()
            return self.exchange.reverse_position(account, ticket)

    def flatten_account(
        self, account: str, instrument: ResolvedInstrument | None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Flatten one instrument or the whole account; returns (closed, cancelled ids)."""
        with self.lock:
            self.settle()
            name = self.exchange.account(account).name
            return self.exchange.flatten(name, None if instrument is None else instrument.name)

    def flatten_everything(
        self, account: str | None, instrument: ResolvedInstrument | None, direction: int
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Flatten every account (or the filtered ones); returns (closed, cancelled ids)."""
        with self.lock:
            self.settle()
            book = self.exchange.book
            names = [a.name for a in book.accounts.values()] if account is None else [
                self.exchange.account(account).name
            ]
            closed: list[dict[str, Any]] = []
            cancelled: list[str] = []
            for name in names:
                c, x = self.exchange.flatten(
                    name, None if instrument is None else instrument.name, direction
                )
                closed += c
                cancelled += x
            return closed, cancelled

    def cancel_orders(self, account: str, instrument: ResolvedInstrument | None) -> list[str]:
        """Cancel the account's live orders (of one instrument, if given)."""
        with self.lock:
            self.settle()
            return self.exchange.cancel_orders(account, instrument)

    def cancel_order(self, account: str, order_id: str) -> str:
        """Ask to cancel one order; returns its id."""
        with self.lock:
            self.settle()
            return self.exchange.cancel_order(account, order_id)

    def change_order(
        self, account: str, order_id: str, change: dict[str, Any]
    ) -> str:
        """Apply a validated change body to a live order; returns the order's new id."""
        with self.lock:
            self.settle()
            order = self.exchange.working(account, order_id)
            quantity, limit, stop = parse_order_change(change, order.instrument)
            return self.exchange.change_order(account, order_id, quantity, limit, stop)

    def replace_order(self, account: str, order_id: str, ticket: OrderTicket) -> str:
        """Cancel a live order and place ``ticket``; returns the new id."""
        with self.lock:
            self.settle()
            return self.exchange.replace_order(account, order_id, ticket)

    def cancel_and_bracket(self, account: str, bracket: Bracket) -> dict[str, Any]:
        """Cancel the instrument's orders and place an OCO target and stop (see ``Exchange``)."""
        with self.lock:
            self.settle()
            return self.exchange.cancel_and_bracket(account, bracket)
