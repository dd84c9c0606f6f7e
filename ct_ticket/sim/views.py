"""The read side of the simulator: the API objects of accounts, positions, orders, their
lifecycles, executions and quotes, as the GET routes answer them.

``SimViews`` is a base of ``Simulator``; every method takes the simulator's lock and first
carries out whatever order steps fell due (``settle``), so a read never shows a stale state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ct_ticket.sim.book import STARTING_CASH, SimAccount, SimPosition
from ct_ticket.sim.errors import SimError, invalid_request
from ct_ticket.sim.exchange import Exchange
from ct_ticket.sim.instruments import ResolvedInstrument
from ct_ticket.sim.orders import SimOrder, iso_utc

__all__ = ["MAX_LOOKBACK", "SimViews"]

MAX_LOOKBACK = 900  # §8: executions lookbackTime is at most 900 s
MAX_LIFECYCLE_LIMIT = 2000  # §7: lifecycle limit is at most 2000


def _order_not_found(order_id: str, account: str) -> SimError:
    return SimError(400, {
        "success": False, "error": "order_not_found",
        "detail": f"Order '{order_id}' not found in account '{account}'",
    })


class SimViews:
    """API views over ``exchange``; needs ``lock``, ``exchange`` and ``wall_clock``."""

    lock: threading.RLock
    exchange: Exchange
    wall_clock: Callable[[], float]

    def settle(self) -> None:
        """Carry out every order step that is due by the simulator's clock."""
        with self.lock:
            self.exchange.advance()

    # -- accounts --------------------------------------------------------------------------

    def account_api(self, name: str) -> dict[str, Any]:
        """The §5 account object for one account (400 invalid_account if unknown)."""
        with self.lock:
            self.settle()
            account, unrealized = self._figures(name)
            return account.to_api(unrealized)

    def _figures(self, name: str) -> tuple[SimAccount, float]:
        """The account and its open P&L now, after sampling its watermarks."""
        account = self.exchange.account(name)
        tapes = self.exchange.tapes
        positions = self.exchange.book.open_positions(account.name)
        unrealized = sum(p.unrealized(tapes[p.instrument.contract.root].last) for p in positions)
        account.reported = account.reported or bool(positions) or account.realized != 0
        if account.reported:
            total = account.realized + unrealized
            netliq = STARTING_CASH + total
            account.pnl_high = max(total, account.pnl_high if account.pnl_high is not None
                                   else total)
            account.netliq_high = max(netliq, account.netliq_high or netliq)
            account.unrealized_high = max(unrealized, account.unrealized_high
                                          if account.unrealized_high is not None else unrealized)
        return account, unrealized

    def watermarks_api(self, name: str) -> dict[str, Any]:
        """GET watermarks' ``data``: the session's highs and the figures now; both objects
        empty while the account has no P&L this session."""
        with self.lock:
            self.settle()
            account, unrealized = self._figures(name)
            data: dict[str, Any] = {"account": account.name, "watermarks": {}, "stats": {}}
            if not account.reported:
                return data
            highs = {"pnlhigh": round(account.pnl_high or 0.0, 2),
                     "netliqhigh": round(account.netliq_high or 0.0, 2),
                     "unrealhigh": round(account.unrealized_high or 0.0, 2)}
            total = account.realized + unrealized
            count = len(self.exchange.book.open_positions(account.name))
            data["watermarks"] = highs
            data["stats"] = {"pnl": round(total, 2), "total": round(total, 2),
                             "unrealized": round(unrealized, 2), "poscount": count,
                             "netliq": round(STARTING_CASH + total, 2), **highs}
            return data

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

    # -- positions -------------------------------------------------------------------------

    def resolve(self, instrument: object) -> ResolvedInstrument:
        """Resolve any §3 instrument form (400 SimError when unknown)."""
        return self.exchange.resolve(instrument)

    def positions_api(
        self, account: str | None = None, include_flat: bool = False
    ) -> list[dict[str, Any]]:
        """Position objects, optionally of one account; flat ones only with ``include_flat``."""
        with self.lock:
            self.settle()
            name = None if account is None else self.exchange.account(account).name
            return [
                self.exchange.view(p) for p in self.exchange.book.positions.values()
                if (include_flat or p.quantity) and (name is None or p.account == name)
            ]

    def position_api(self, account: str, instrument: object) -> dict[str, Any]:
        """The position object, or a Flat one (quantity 0, averagePrice 0.0) when flat."""
        with self.lock:
            self.settle()
            name = self.exchange.account(account).name
            resolved = self.resolve(instrument)
            found = self.exchange.book.positions.get((name, resolved.name))
            return self.exchange.view(found or SimPosition(name, resolved))

    def position(self, account: str, instrument: object) -> dict[str, Any] | None:
        """The position object as the API returns it, or None when flat."""
        found = self.position_api(account, instrument)
        return found if found["quantity"] else None

    # -- orders ----------------------------------------------------------------------------

    def working_orders(self, account: str) -> list[dict[str, Any]]:
        """Order objects of ``account`` that are not final yet (Submitted … PartFilled)."""
        with self.lock:
            self.settle()
            name = self.exchange.account(account).name
            return [o.to_api() for o in self.exchange.book.live(name)]

    def orders_api(self, account: str) -> list[dict[str, Any]]:
        """Every order of ``account`` this session, oldest first."""
        with self.lock:
            self.settle()
            name = self.exchange.account(account).name
            return [o.to_api() for o in self.exchange.book.orders if o.account == name]

    def _order(self, account: str, order_id: str) -> SimOrder:
        order = self.exchange.book.find(self.exchange.account(account).name, order_id)
        if order is None:
            raise _order_not_found(order_id, account)
        return order

    def order_api(self, account: str, order_id: str) -> dict[str, Any]:
        """One order object by any id it had; 400 when ``account`` has no such order."""
        with self.lock:
            self.settle()
            return self._order(account, order_id).to_api()

    def lifecycle_api(self, account: str, order_id: str, include_fills: bool = True,
                      include_raw: bool = False, limit: int = 200) -> dict[str, Any]:
        """Every state, fill and submission of an order, found by any of its ids.

        §7: ``account`` is not used for filtering, so an order of another account is found too.
        """
        if not 1 <= limit <= MAX_LIFECYCLE_LIMIT:
            raise invalid_request(f"limit must be between 1 and {MAX_LIFECYCLE_LIMIT}")
        with self.lock:
            self.settle()
            self.exchange.account(account)
            order = self.exchange.book.lookup(order_id)
            if order is None:
                raise _order_not_found(order_id, account)
            return order.lifecycle_api(include_fills, include_raw, limit)

    # -- executions ------------------------------------------------------------------------

    def executions_api(self, account: str, lookback: float = 320) -> list[dict[str, Any]]:
        """§8: the account's executions of the last ``lookback`` seconds, oldest first."""
        if not 0 < lookback <= MAX_LOOKBACK:
            raise invalid_request(f"lookbackTime must be between 1 and {MAX_LOOKBACK} seconds")
        with self.lock:
            self.settle()
            name = self.exchange.account(account).name
            since = self.wall_clock() - lookback
            return [e.to_api() for e in self.exchange.book.executions
                    if e.order.account == name and e.epoch >= since]

    def execution_api(self, account: str, execution_id: str) -> dict[str, Any]:
        """§8: one execution of ``account`` by its id; 400 when there is none."""
        with self.lock:
            self.settle()
            name = self.exchange.account(account).name
            for execution in self.exchange.book.executions:
                if execution.execution_id == execution_id and execution.order.account == name:
                    return execution.to_api()
            raise SimError(400, {
                "success": False, "error": "execution_not_found",
                "detail": f"Execution '{execution_id}' not found in account '{account}'",
            })

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
