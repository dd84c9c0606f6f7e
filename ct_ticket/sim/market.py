"""The simulated NinjaTrader 8 behind the simulated CrossTrade API (pure Python, no web code).

Starting state, chosen so tests are predictable:

* Accounts ``Sim101`` and ``Sim102`` (provider ``Simulator``) and the live-looking ``Apex-12``
  (provider ``Rithmic``), all ``Connected``, each with 100,000 USD cash.
* ``Sim101`` is flat with no orders. With ``demo_position=True`` (the default) ``Sim102`` holds
  a demo long 2 ``MES 12-26`` bought 8 ticks under the starting price, so the ticket has P&L to
  show; pass ``demo_position=False`` for an entirely flat simulator.
* Every root starts at its catalogue price. Quotes are one tick wide: ``bid == last`` and
  ``ask == last + 1 tick``. Prices move through ``set_price`` and ``step``, and lazily: while
  requests are served, one ``step`` at most every ``walk_interval`` seconds (0.25 by default,
  measured on the injected clock) so a demo shows a live market. A root given a price with
  ``set_price`` holds it against that lazy walk (``step`` still moves it), so a test that needs
  an exact fill price sets the price first; ``walk_interval=None`` stills every root.

Fill rules: MARKET fills at once at the ask (buy) or bid (sell). A LIMIT that is marketable
when placed (buy: last <= limit) fills at the limit or better; a resting LIMIT fills at its limit
price when ``last`` reaches it. A buy stop triggers when ``last >= stop`` (sell: ``<=``) and
fills at the ask/bid; a STOPLIMIT then rests as a limit. Stops placed on the wrong side of the
market, and any order in an account that is not ``Connected``, end ``Rejected`` (the placement
itself still answers 200 with an orderId, as NT8 rejects asynchronously). Resting limits are
``Working``, resting stops ``Accepted`` (NT8's simulation engine holds stops locally). Orders
sharing an ``ocoId`` in one account cancel each other when one fills or is cancelled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ct_ticket.sim.book import SimAccount, SimPosition, iso_utc
from ct_ticket.sim.errors import SimError
from ct_ticket.sim.exchange import Exchange
from ct_ticket.sim.instruments import DEFAULT_FRONT_MONTH, ResolvedInstrument
from ct_ticket.sim.traffic import RecordedRequest, StreamHub, TokenBucket
from ct_ticket.sim.validation import OrderTicket, parse_order_change

__all__ = ["Simulator"]

_DEFAULT_ACCOUNTS = (("Sim101", "Simulator"), ("Sim102", "Simulator"), ("Apex-12", "Rithmic"))


class Simulator:
    """Simulated NT8 state plus the switches tests flip (connection, rate limit, token, stream).

    ``token=None`` accepts any non-empty Bearer token; otherwise only that token. ``clock``
    drives the rate limit and the lazy price walk (inject a fake one to avoid sleeping);
    ``wall_clock`` stamps quotes and orders. Every method is safe to call from a test thread
    while the app serves requests on another: one lock serialises them.
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
    ) -> None:
        self.token = token
        self.nt_connected = True
        self.rate_limit_enabled = True
        self.walk_interval = walk_interval
        self.clock = clock
        self.wall_clock = wall_clock
        self.exchange = Exchange(front_month, seed, wall_clock)
        self.lock = threading.RLock()
        self._bucket = TokenBucket()
        self._requests: list[RecordedRequest] = []
        self._last_walk = clock()
        self._held: set[str] = set()  # roots placed by set_price, which the lazy walk leaves be
        self.streams = StreamHub()  # the /ws/stream connections (ct_ticket.sim.stream)
        self.stream_garbage = False  # True: streams interleave junk frames between real ones
        for name, provider in _DEFAULT_ACCOUNTS:
            self.add_account(name, provider)
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

    def account_api(self, name: str) -> dict[str, Any]:
        """The §5 account object for one account (400 invalid_account if unknown)."""
        with self.lock:
            account = self.exchange.account(name)
            tapes = self.exchange.tapes
            unrealized = sum(
                p.unrealized(tapes[p.instrument.contract.root].last)
                for p in self.exchange.book.open_positions(account.name)
            )
            return account.to_api(unrealized)

    def accounts_api(self) -> list[dict[str, Any]]:
        """Every account object, in creation order."""
        with self.lock:
            return [self.account_api(a.name) for a in self.exchange.book.accounts.values()]

    def snapshot_api(self) -> dict[str, Any]:
        """The §5 accounts snapshot: every account with its open positions."""
        with self.lock:
            now = self.wall_clock()
            entries = []
            for account in self.exchange.book.accounts.values():
                positions = self.positions_api(account.name)
                body = self.account_api(account.name)
                body.update({"type": "NinjaTrader.Cbi.Account", "isAccountFlat": not positions})
                entries.append({"account": body, "positions": positions})
            return {
                "type": "snapshot", "timestamp": iso_utc(now), "epoch": int(now * 1000),
                "accounts": entries,
            }

    # -- positions and orders as the API shows them ----------------------------------------

    def resolve(self, instrument: object) -> ResolvedInstrument:
        """Resolve any §3 instrument form (400 SimError when unknown)."""
        return self.exchange.resolve(instrument)

    def positions_api(
        self, account: str | None = None, include_flat: bool = False
    ) -> list[dict[str, Any]]:
        """Position objects, optionally of one account; flat ones only with ``include_flat``."""
        with self.lock:
            name = None if account is None else self.exchange.account(account).name
            return [
                self.exchange.view(p) for p in self.exchange.book.positions.values()
                if (include_flat or p.quantity) and (name is None or p.account == name)
            ]

    def position_api(self, account: str, instrument: object) -> dict[str, Any]:
        """The position object, or a Flat one (quantity 0, averagePrice 0.0) when flat."""
        with self.lock:
            name = self.exchange.account(account).name
            resolved = self.resolve(instrument)
            found = self.exchange.book.positions.get((name, resolved.name))
            return self.exchange.view(found or SimPosition(name, resolved))

    def position(self, account: str, instrument: object) -> dict[str, Any] | None:
        """The position object as the API returns it, or None when flat."""
        found = self.position_api(account, instrument)
        return found if found["quantity"] else None

    def working_orders(self, account: str) -> list[dict[str, Any]]:
        """Order objects of ``account`` that are still resting (Working or Accepted)."""
        with self.lock:
            name = self.exchange.account(account).name
            return [o.to_api() for o in self.exchange.book.resting(name)]

    def orders_api(self, account: str) -> list[dict[str, Any]]:
        """Every order of ``account`` this session, oldest first."""
        with self.lock:
            name = self.exchange.account(account).name
            return [o.to_api() for o in self.exchange.book.orders if o.account == name]

    def order_api(self, account: str, order_id: str) -> dict[str, Any]:
        """One order object by any id it had; 400 when ``account`` has no such order."""
        with self.lock:
            order = self.exchange.book.find(self.exchange.account(account).name, order_id)
            if order is None:
                raise SimError(400, {
                    "success": False, "error": "order_not_found",
                    "detail": f"Order '{order_id}' not found in account '{account}'",
                })
            return order.to_api()

    # -- the market ------------------------------------------------------------------------

    def quote_api(self, instrument: object) -> dict[str, Any]:
        """The §9 quote object for one instrument (without ``success``)."""
        with self.lock:
            resolved = self.resolve(instrument)
            tape = self.exchange.tapes[resolved.contract.root]
            c = tape.contract
            now = self.wall_clock()
            return {
                "instrument": resolved.name, "description": c.description, "type": "Future",
                "tickSize": c.tick_size, "pointValue": c.point_value,
                "tickValue": round(c.tick_value, 6), "exchange": c.exchange,
                "expiration": resolved.expiration, "tradingHours": c.trading_hours,
                "bid": c.tick_price(tape.last), "ask": c.tick_price(tape.last + 1),
                "last": c.tick_price(tape.last), "open": c.tick_price(tape.open),
                "high": c.tick_price(tape.high), "low": c.tick_price(tape.low),
                "close": c.tick_price(tape.close), "volume": tape.volume,
                "quoteTime": time.strftime("%m/%d/%Y %I:%M:%S %p", time.localtime(now)),
                "quoteTimeUtc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)),
                "epoch": int(now),
                "dataSource": {"status": "Live", "connectedFeeds": ["Simulated Data Feed"]},
                "isMarketOpen": True,
            }

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
            self.exchange.move(contract.root, contract.to_ticks(price), 1)

    def step(self) -> None:
        """Random-walk every instrument one tick (deterministic for a given seed)."""
        with self.lock:
            self.exchange.step()

    def walk_if_due(self) -> None:
        """Step once if ``walk_interval`` seconds passed since the last walk (app calls this)."""
        with self.lock:
            now = self.clock()
            if self.walk_interval is not None and now - self._last_walk >= self.walk_interval:
                self._last_walk = now
                self.exchange.step(skip=frozenset(self._held))

    # -- commands (the app's POST/PUT routes) ------------------------------------------------

    def place(self, account: str, ticket: OrderTicket, flatten_first: bool = False) -> str:
        """Place (or with ``flatten_first`` flat-place) an order; returns its id."""
        with self.lock:
            return self.exchange.place(account, ticket, flatten_first)

    def close_position(
        self, account: str, instrument: ResolvedInstrument, quantity: int | None = None,
        percent: float | None = None,
    ) -> list[dict[str, Any]]:
        """Close all or part of a position; returns closedPositions."""
        with self.lock:
            return self.exchange.close_position(account, instrument, quantity, percent)

    def reverse(self, account: str, instrument: ResolvedInstrument) -> str:
        """Flip a position; returns the new entry's order id."""
        with self.lock:
            return self.exchange.reverse(account, instrument)

    def reverse_position(self, account: str, ticket: OrderTicket) -> str:
        """Close the position, then place ``ticket``; returns its order id."""
        with self.lock:
            return self.exchange.reverse_position(account, ticket)

    def flatten_account(
        self, account: str, instrument: ResolvedInstrument | None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Flatten one instrument or the whole account; returns (closed, cancelled ids)."""
        with self.lock:
            name = self.exchange.account(account).name
            return self.exchange.flatten(name, None if instrument is None else instrument.name)

    def flatten_everything(
        self, account: str | None, instrument: ResolvedInstrument | None, direction: int
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Flatten every account (or the filtered ones); returns (closed, cancelled ids)."""
        with self.lock:
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
        """Cancel the account's resting orders (of one instrument, if given)."""
        with self.lock:
            return self.exchange.cancel_orders(account, instrument)

    def cancel_order(self, account: str, order_id: str) -> str:
        """Cancel one resting order; returns its id."""
        with self.lock:
            return self.exchange.cancel_order(account, order_id)

    def change_order(
        self, account: str, order_id: str, change: dict[str, Any]
    ) -> str:
        """Apply a validated change body to a resting order; returns the order's new id."""
        with self.lock:
            order = self.exchange.working(account, order_id)
            quantity, limit, stop = parse_order_change(change, order.instrument)
            return self.exchange.change_order(account, order_id, quantity, limit, stop)

    def replace_order(self, account: str, order_id: str, ticket: OrderTicket) -> str:
        """Cancel a resting order and place ``ticket``; returns the new id."""
        with self.lock:
            return self.exchange.replace_order(account, order_id, ticket)
