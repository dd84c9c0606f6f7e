"""Which client call each of the ticket's actions makes, and the words for what came back.

One place maps an `Action` to the CrossTrade endpoint it uses, so the ticket's send path reads
as policy (single flight, unknown outcomes, post-checks) and not as a list of endpoints.
`BusyShown` decides when the panels hear that a send is in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ct_ticket import timing
from ct_ticket.api.errors import CrossTradeError
from ct_ticket.events import Action, Busy, TicketEvent
from ct_ticket.model import OrderAck, OrderRequest
from ct_ticket.wording import describe_position, working_words

if TYPE_CHECKING:  # typing only: the client's module imports h11 and ssl
    from ct_ticket.api.client import CrossTradeClient

__all__ = ["BUSY_AFTER_S", "BusyShown", "call_for", "read_blast_radius"]

log = logging.getLogger(__name__)

# Without a written request to wait for (the rate budget or a free connection holds it, a new
# connection is being set up, or the transport has no socket) the panels hear Busy after one
# frame at 60 Hz: sooner than a trader can see.
BUSY_AFTER_S = 1 / 60


class BusyShown:
    """`Busy(True)` for one send, published once its request has been written.

    Why not at the click: the panels answer Busy by disabling and re-styling their send
    buttons, and Qt paints such changes at the loop's next turn, before the send task's turn
    (qasync runs asyncio callbacks as Qt timers, after posted events). Published at the click,
    that paint came between the click and the request's bytes. The send slot is taken
    synchronously at the click all the same, so nothing can be sent twice meanwhile: the
    buttons' look follows the slot, it does not guard it. Create it inside the send task.
    """

    def __init__(self, emit: Callable[[TicketEvent], None], action: Action) -> None:
        self._emit, self._action = emit, action
        self.shown = False
        timing.when_written(self.show)  # the task's next request: this send's
        self._fallback = asyncio.get_running_loop().call_later(BUSY_AFTER_S, self.show)

    def show(self) -> None:
        """Publish Busy(True), once (the request is out, or a frame has passed)."""
        if self.shown:
            return
        self.shown = True
        self._fallback.cancel()
        try:
            self._emit(Busy(True, self._action))
        except Exception:  # may run inside the request's write: a view's fault is only logged
            log.exception("showing %s in flight", self._action)
        timing.mark("busy shown")

    def end(self) -> None:
        """The send ended: no Busy(True) from here on (Busy(False) follows from the ticket)."""
        self.shown = True
        self._fallback.cancel()
        timing.when_written(None)


async def call_for(client: CrossTradeClient, action: Action, order: OrderRequest | None,
                   account: str, instrument: str) -> tuple[str, str | None]:
    """Send `action` once; returns what came back in words and the order id, if any.

    Raises the client's `CrossTradeError`s unchanged: the ticket decides what they mean.
    """
    if order is not None:
        send = client.flat_place if action is Action.FLAT_PLACE else client.place
        ack: OrderAck = await send(order)
        return ("Accepted" if not ack.warning else f"Accepted ({ack.warning})"), ack.order_id
    if action is Action.REVERSE:
        ack = await client.reverse(account, instrument)
        return "Reversed", ack.order_id
    if action is Action.CANCEL_ALL:
        cancelled = await client.cancel_orders(account)
        return f"Cancelled {len(cancelled.order_ids)} order(s)", None
    if action is Action.CLOSE:
        result = await client.close_position(account, instrument)
    elif action is Action.FLATTEN_ACCOUNT:
        result = await client.flatten_account(account)
    else:
        result = await client.flatten_everything()
    text = f"Closed {len(result.closed_positions)} position(s)"
    return (f"{text} ({result.warning})" if result.warning else text), None


async def read_blast_radius(client: CrossTradeClient, accounts: list[str]) -> list[str]:
    """What flattening `accounts` would close and cancel, one line per account and position."""
    try:
        positions = await client.positions()
    except CrossTradeError as error:
        return [f"Open positions could not be read: {error.trader_message}"]
    lines = []
    for account in accounts:
        held = [p for p in positions if p.account.lower() == account.lower() and not p.is_flat]
        try:
            working: int | None = sum(
                1 for order in await client.orders(account) if order.is_working)
        except CrossTradeError:
            working = None
        lines.append(f"{account}: {len(held)} position(s), {working_words(working)}")
        lines += [f"    {describe_position(p, p.instrument)}" for p in held]
    return lines
