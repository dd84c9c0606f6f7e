"""What the ticket tells its views: small immutable events (their words are in wording.py).

The ticket (ct_ticket/ticket.py) publishes these; the window turns them into widget state. No
Qt here, so the ticket's behaviour is tested without a window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from ct_ticket.model import Account, Execution, OrderInfo, Position, Quote
from ct_ticket.model.room import Room

__all__ = [
    "FAILED",
    "AccountsLoaded",
    "Action",
    "AuthFailed",
    "Busy",
    "Connection",
    "FillsUpdated",
    "GroupResults",
    "LogEntry",
    "MemberResult",
    "NakedPosition",
    "OrderReplaced",
    "PositionUpdated",
    "QuoteUpdated",
    "RoomUpdated",
    "Selected",
    "Status",
    "StatusLevel",
    "TicketEvent",
    "WorkingOrdersUpdated",
]


class Action(StrEnum):
    """Everything the ticket can send; the value is the trader's name for it."""

    PLACE = "Place"
    FLAT_PLACE = "Flatten & Place"
    CLOSE = "Close position"
    REVERSE = "Reverse"
    CANCEL_ALL = "Cancel all orders"
    FLATTEN_ACCOUNT = "Flatten everything"
    KILL_SWITCH = "Flatten all accounts"

    @property
    def places_order(self) -> bool:
        return self in (Action.PLACE, Action.FLAT_PLACE)

    @property
    def slot(self) -> str:
        """Sends in one slot wait for each other; different slots never do, so an order that
        hangs never holds up a way out (Close, Cancel all, Flatten all, the kill switch)."""
        return "order" if self in (Action.PLACE, Action.FLAT_PLACE, Action.REVERSE) else self.value

    @property
    def changes_position(self) -> bool:
        """Actions after which the ticket re-reads and states the position (the post-check)."""
        return self is not Action.CANCEL_ALL


class StatusLevel(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    UNKNOWN = "unknown"  # an order whose outcome is not known yet


@dataclass(frozen=True)
class Status:
    """The one-line status under the buttons."""

    level: StatusLevel
    text: str
    account: str = ""  # the account it is about, when it is about one


@dataclass(frozen=True)
class LogEntry:
    """One line of the activity log: when, what was asked, what came back."""

    level: StatusLevel
    request: str
    result: str
    order_id: str | None = None
    latency_ms: float | None = None
    time: dt.datetime = field(default_factory=dt.datetime.now)

    def line(self) -> str:
        stamp = self.time.strftime("%H:%M:%S.%f")[:-3]
        parts = [stamp, self.request, "→", self.result]
        if self.latency_ms is not None:
            parts.append(f"({self.latency_ms:.0f} ms)")
        if self.order_id:
            parts.append(f"[order {self.order_id}]")
        return " ".join(parts)


@dataclass(frozen=True)
class Busy:
    """Whether a POST is in flight: every send button is disabled while it is."""

    busy: bool
    action: Action | None = None


@dataclass(frozen=True)
class AccountsLoaded:
    accounts: tuple[Account, ...]


@dataclass(frozen=True)
class QuoteUpdated:
    instrument: str
    quote: Quote | None  # None: the read failed; the table's tick size still applies
    error: str | None = None


@dataclass(frozen=True)
class PositionUpdated:
    account: str
    instrument: str
    position: Position | None  # None: unknown (the read failed)
    error: str | None = None


@dataclass(frozen=True)
class Selected:
    """The ticket now points at this account and instrument; `kind` is "sim" or "live"."""

    account: str
    instrument: str
    kind: str


@dataclass(frozen=True)
class WorkingOrdersUpdated:
    """The account's working orders as last read (`count` None: CrossTrade would not say)."""

    account: str
    count: int | None
    orders: tuple[OrderInfo, ...] = ()


@dataclass(frozen=True)
class OrderReplaced:
    """A change gave an order a new id: lists keep it selected under the new one."""

    account: str
    old_id: str
    new_id: str


@dataclass(frozen=True)
class FillsUpdated:
    """The account's recent executions, newest last."""

    account: str
    executions: tuple[Execution, ...]


@dataclass(frozen=True)
class Connection:
    """Reachability of CrossTrade and, through it, NinjaTrader (None: not known yet)."""

    crosstrade: bool | None
    ninjatrader: bool | None


@dataclass(frozen=True)
class AuthFailed:
    """CrossTrade refused the token: the app asks for a new one."""

    reason: str


@dataclass(frozen=True)
class NakedPosition:
    """Whether the chosen position has gone unprotected (no working stop covers `uncovered`
    of its contracts) for longer than the grace period; `alarm` False: protected again."""

    account: str
    instrument: str
    uncovered: int
    alarm: bool


@dataclass(frozen=True)
class RoomUpdated:
    """An account's room to its own daily loss limit and trailing drawdown, as last read;
    `note` says what it could not be read from (no watermarks from this add-on, a failed read)."""

    account: str
    room: Room
    note: str = ""


TicketEvent = (
    Status | LogEntry | Busy | AccountsLoaded | QuoteUpdated | PositionUpdated
    | WorkingOrdersUpdated | Connection | AuthFailed | Selected | FillsUpdated
    | OrderReplaced | NakedPosition | RoomUpdated
)


# --- a group's send (fanout.py publishes them to the group results panel) ----------------

# A definite failure: nothing is working or filled for this member, and retrying is safe.
FAILED = frozenset({"rejected", "not sent", "not placed"})
@dataclass(frozen=True)
class MemberResult:
    """One member's row: what it was sent, where it stands, and why."""

    account: str
    quantity: int
    state: str  # sending, accepted, working, filled, rejected, unknown, not sent, skipped, done
    reason: str = ""
    position: int | None = None  # signed, read after the send; None: not read (yet)
    order_id: str = ""
    unprotected: bool = False  # filled, but its bracket in ticks is not in place

    @property
    def failed(self) -> bool:
        """A definite failure (safe to send again)."""
        return self.state in FAILED


@dataclass(frozen=True)
class GroupResults:
    """The rows of a group's last send, and the members out of step with their multipliers."""

    group: str
    action: Action
    rows: tuple[MemberResult, ...]
    out_of_sync: tuple[str, ...] = ()
    done: bool = False
