"""When the status line may say "Ready": never while a failure is still current.

A load reads the account list, then the quote, position and working orders. Each read that
fails says so on the status line, but a later read that succeeds may say "CrossTrade answers
again" over it, and the load used to end in "Ready: N account(s) loaded." even when the account
list itself had failed (the ticket keeps the last good list). The rule here: "Ready" only when
the account list was loaded by this very load, no read failed during it, and the line does not
show a failure. Qt-free: the decision is `may_say_ready`; `LoadWatch` only collects its inputs
from the ticket's events.
"""

from __future__ import annotations

from collections.abc import Sequence

from ct_ticket.events import AccountsLoaded, Status, StatusLevel, TicketEvent
from ct_ticket.ticket import Ticket

__all__ = ["LoadWatch", "may_say_ready"]

_QUIET_LEVELS = (None, StatusLevel.OK.value)


def may_say_ready(accounts_loaded: int | None, failures: Sequence[str],
                  shown_level: str | None) -> bool:
    """True when "Ready" is the truth: this load read a non-empty account list
    (`accounts_loaded`, None when it did not read one), nothing failed meanwhile (`failures`,
    what the ticket said), and the status line shows no failure (`shown_level`)."""
    return bool(accounts_loaded) and not failures and shown_level in _QUIET_LEVELS


class LoadWatch:
    """Remembers, per load, whether the account list arrived and which failures were said.
    Subscribe it once; each load takes a mark with `begin` and asks `ready` at its end
    (overlapping loads each see only what happened since their own mark)."""

    def __init__(self, ticket: Ticket) -> None:
        self._events: list[tuple[int, int | None, str]] = []  # (seq, accounts, failure)
        self._seq = 0
        ticket.subscribe(self._on_event)

    def _on_event(self, event: TicketEvent) -> None:
        if isinstance(event, AccountsLoaded):
            self._note(len(event.accounts), "")
        elif isinstance(event, Status) and event.level in (StatusLevel.ERROR,
                                                           StatusLevel.UNKNOWN):
            self._note(None, event.text)

    def _note(self, accounts: int | None, failure: str) -> None:
        self._seq += 1
        self._events.append((self._seq, accounts, failure))
        del self._events[:-50]  # a load is a handful of events; keep a few loads' worth

    def begin(self) -> int:
        """Mark the start of a load."""
        return self._seq

    def ready(self, mark: int, shown_level: str | None) -> bool:
        """Whether the load that began at `mark` may end in "Ready"."""
        since = [(accounts, failure) for seq, accounts, failure in self._events if seq > mark]
        loaded = next((a for a, _failure in reversed(since) if a is not None), None)
        return may_say_ready(loaded, [f for _accounts, f in since if f], shown_level)
