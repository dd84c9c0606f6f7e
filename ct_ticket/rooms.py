"""Each account's room to its own limits, kept fresh for the ticket: the account's fields (§5)
and, when the add-on has them, its watermarks; and the order checks that use them.

No Qt. The ticket composes it (`ticket.rooms`) and publishes `RoomUpdated` for the position
panel; the group results show `ticket.rooms.room_of(account)`. Rules:

* the room is read with the account (`GET /accounts/{a}` and `GET .../watermarks` together),
  at most every `REFRESH_S` seconds per account, as ordinary reads: the shared rate budget makes
  them wait behind any order or flatten, and a read never holds a send up;
* the watermarks are optional: an add-on without the endpoint (404, unknown command) is asked
  once, and the room then comes from the account fields alone, which the note says; an empty
  answer (no P&L this session yet) is "no peak known", never a zero;
* a failed read keeps the last figures and says so in the note; it never raises a dialog.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ct_ticket.api.errors import CrossTradeError
from ct_ticket.events import RoomUpdated
from ct_ticket.model import Account, Breach, OrderRequest, Quote
from ct_ticket.model.room import (
    Room,
    Watermarks,
    adds_exposure,
    order_risk,
    room_of,
    size_shortfalls,
)

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["REFRESH_S", "ROOM_RULE", "SIZE_RULE", "Rooms"]

log = logging.getLogger(__name__)
REFRESH_S = 10.0  # a room older than this is read again with the next account read
ROOM_RULE = "Room to the account's limits"
SIZE_RULE = "Account's own size limit"
NO_WATERMARKS = "This add-on has no watermarks: the drawdown comes from the account fields alone."


class Rooms:
    """The freshest account fields and watermarks per account, and the rooms made of them."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self._accounts: dict[str, Account] = {}
        self._marks: dict[str, Watermarks] = {}
        self._read_at: dict[str, float] = {}
        self._notes: dict[str, str] = {}
        self._reading: set[str] = set()
        self.watermarks_supported: bool | None = None  # None: not asked yet

    # --- what is known ----------------------------------------------------------------------

    def account(self, name: str) -> Account | None:
        """The account as last read: its own read if any, else the account list's entry."""
        if name in self._accounts:
            return self._accounts[name]
        return next((a for a in self.ticket.accounts if a.name == name), None)

    def room_of(self, name: str) -> Room:
        """`name`'s room now (every figure unknown for an account never read)."""
        return room_of(self.account(name) or Account(name), marks=self._marks.get(name))

    def accounts_loaded(self, accounts: Iterable[Account]) -> None:
        """A fresh account list: its entries replace older reads of the same accounts."""
        for account in accounts:
            self._accounts[account.name] = account
        if self.ticket.account:
            self.announce(self.ticket.account)

    def announce(self, name: str) -> None:
        """Publish `name`'s room as it stands (the panel draws it at once, before any read)."""
        self.ticket.publish(RoomUpdated(name, self.room_of(name), self._notes.get(name, "")))

    # --- reading ----------------------------------------------------------------------------

    def due(self, name: str) -> bool:
        """Whether `name`'s room is older than `REFRESH_S` (or was never read)."""
        read_at = self._read_at.get(name)
        return read_at is None or time.monotonic() - read_at >= REFRESH_S

    def refresh_soon(self, name: str) -> None:
        """Read `name`'s room in its own task when it is due (called with the account reads;
        nothing happens outside a running event loop)."""
        if not name or name in self._reading or not self.due(name):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self.ticket.keep(asyncio.ensure_future(self.refresh(name)))

    async def refresh(self, name: str) -> Room | None:
        """Read the account and its watermarks together, then publish its room; None when a
        read of the same account is already under way."""
        if name in self._reading:
            return None
        self._reading.add(name)
        try:
            client = self.ticket.client
            read, marks = await asyncio.gather(client.get_account(name), self._watermarks(name),
                                               return_exceptions=True)
        finally:
            self._reading.discard(name)
        notes = []
        if isinstance(read, Account):
            self._accounts[name] = read
        elif isinstance(read, CrossTradeError):
            log.info("account %s unreadable for its room: %s", name, read)
            notes.append(f"The account read failed ({read.trader_message}): last figures shown.")
        elif isinstance(read, BaseException):
            raise read
        if isinstance(marks, BaseException):
            raise marks
        if marks:
            notes.append(marks)
        self._read_at[name] = time.monotonic()
        self._notes[name] = " ".join(notes)
        self.announce(name)
        return self.room_of(name)

    async def _watermarks(self, name: str) -> str:
        """Read `name`'s watermarks unless the add-on has none; what could not be read."""
        if self.watermarks_supported is False:
            return NO_WATERMARKS
        try:
            marks = await self.ticket.client.watermarks(name)
        except CrossTradeError as error:
            log.info("watermarks of %s unreadable: %s", name, error)
            return f"The watermarks read failed ({error.trader_message})."
        if marks is None:
            self.watermarks_supported = False
            self._marks.clear()
            return NO_WATERMARKS
        self.watermarks_supported = True
        self._marks[name] = marks
        return "" if not marks.empty else "No P&L reported this session yet: no peak known."

    # --- checking an order ------------------------------------------------------------------

    def breaches(self, order: OrderRequest, quote: Quote | None, position: int,
                 stop_ticks: int) -> list[Breach]:
        """What holds `order` for an answer: the account's own order and position sizes, and a
        risk (the bracket's stop-loss, else `stop_ticks` per contract) above its room; each
        names the account and both figures. An order that only reduces `position` risks
        nothing new."""
        found = []
        account = self.account(order.account)
        if account is not None:
            found += [Breach(SIZE_RULE, f"{text}.")
                      for text in size_shortfalls(account, order, position)]
        if adds_exposure(order, position):
            risk = order_risk(order, quote, stop_ticks)
            basis = (f"its stop-loss of {order.stop_loss_ticks} ticks"
                     if order.stop_loss_ticks is not None else
                     f"the assumed stop of {stop_ticks} ticks (Safety limits)")
            if risk is not None:
                found += [Breach(ROOM_RULE, f"{text}; the risk is at {basis}.")
                          for text in self.room_of(order.account).shortfalls(risk)]
        return found
