"""What the ticket asks before a send, assembled from its state: the rails (rails.py) with the
quote and position that belong to the order, plus the account's own limits and room (rooms.py).

No Qt. `Ticket.review` calls `review_for` and keeps the single-intent bookkeeping itself.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ct_ticket.events import Action
from ct_ticket.model import OrderRequest, normalize_instrument
from ct_ticket.rails import Review, review_send

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["review_for"]


def review_for(ticket: Ticket, action: Action, order: OrderRequest | None) -> Review:
    """The review of `action` in `ticket`'s present state: the precautionary limits of the
    account's kind, the quote and position of the order's own instrument only, and the
    account's own sizes and room to its limits (held with both figures, like the limits)."""
    account = order.account if order else ticket.account
    kind = ticket.account_kind(account)
    quote = ticket.quote
    if order is not None and quote is not None and ticket.instrument != order.instrument and (
            normalize_instrument(quote.instrument) != order.instrument):
        quote = None  # another instrument's prices say nothing about this order
    held = ticket.position if order is not None and ticket.position is not None and (
        normalize_instrument(ticket.position.instrument) == order.instrument) else None
    position = held.signed_quantity if held else 0
    limits = ticket.limits[kind]
    review = review_send(action, order, account=account, kind=kind, limits=limits,
                         quote=quote, recent=ticket.recent_orders,
                         confirm_every_order=ticket.confirm_every_order,
                         require_stop=ticket.require_stop.get(kind, False), position=position)
    if order is None or review.refusal is not None or review.blast_radius:
        return review
    room = ticket.rooms.breaches(order, quote, position, limits.room_stop_ticks)
    if not room:
        return review
    return replace(review, breaches=review.breaches + tuple(room), confirm_order=False)
