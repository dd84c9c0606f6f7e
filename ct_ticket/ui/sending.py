"""Asking before sending: the ticket reviews an action, this asks the trader what the review
says must be asked (in a window-modal dialog that never blocks the loop) and passes the answer
back. Every panel's send buttons go through here.

With a group chosen in the account picker, every send but the kill switch (which stays
all-accounts) goes to the group instead: reviewed by `GroupSends`, asked the same way, then one
fan-out through `ticket.groups`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QWidget

from ct_ticket.events import Action, Status, StatusLevel
from ct_ticket.model import OrderRequest
from ct_ticket.model.groups import AccountGroup
from ct_ticket.rails import Review
from ct_ticket.ticket import Ticket
from ct_ticket.ui.dialogs import ConfirmDialog, ask
from ct_ticket.wording import Question, group_question, question_for

__all__ = ["Sender", "Spawn"]

Spawn = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]


class Sender:
    """Review → ask → decide, for one window's ticket."""

    def __init__(self, parent: QWidget, ticket: Ticket, spawn: Spawn) -> None:
        self.parent = parent
        self.ticket = ticket
        self.spawn = spawn
        self.group: AccountGroup | None = None  # chosen in the account picker: sends fan out
        self.groups = ticket.group_sends

    def send(self, action: Action, order: OrderRequest | None = None) -> None:
        """Send `action` exactly once, after asking whatever the ticket's review says.

        Synchronous up to the question: the review is pending from this click on, so a second
        click finds it pending and does nothing.
        """
        if self.group is not None and action is not Action.KILL_SWITCH:
            self.send_group(self.group, action, order)
            return
        review = self.ticket.review(action, order)
        if review is None:
            return
        if not review.needs_answer:
            self.ticket.decide(review, True)
            return
        self.spawn(self._ask(review))

    async def _ask(self, review: Review) -> None:
        approved = False
        try:
            details: list[str] | None = None
            if review.blast_radius:
                self.ticket.publish(Status(StatusLevel.OK, "Reading what would be closed…"))
                details = await self.ticket.blast_radius(
                    all_accounts=review.action is Action.KILL_SWITCH)
            approved = await self._confirm(question_for(review, details))
        finally:
            self.ticket.decide(review, approved)

    async def _confirm(self, question: Question) -> bool:
        dialog = ConfirmDialog(self.parent, question.title, question.text,
                               details=list(question.details) or None,
                               confirm_text=question.confirm_text,
                               require_word=question.require_word)
        return await ask(dialog)

    # --- groups -----------------------------------------------------------------------------

    def send_group(self, group: AccountGroup, action: Action,
                   order: OrderRequest | None = None) -> None:
        """One fan-out of `action` to `group`, after its review; a click while the group's
        last send is still going out is refused with a message (claimed synchronously)."""
        if self.groups.claim():
            self.spawn(self._group(group, action, order))

    async def _group(self, group: AccountGroup, action: Action,
                     order: OrderRequest | None) -> None:
        try:
            review = await self.groups.review(group, action, order)
        except BaseException:
            self.groups.release()
            raise
        if review is None:
            self.groups.release()
            return
        approved = False
        try:
            approved = not review.needs_answer or await self._confirm(group_question(
                review.review, review.members, review.plan_text, review.blast_radius))
        finally:
            self.groups.decide(review, approved)
