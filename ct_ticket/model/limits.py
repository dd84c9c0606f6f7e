"""The safety-limit values: sim or live, the precautionary limits per kind, a broken rule.

Only the types and their defaults live here, so settings can store them without knowing the
rules; rails.py checks an order against them. Pure Python: no Qt, no HTTP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ct_ticket.model.market import Account

__all__ = ["DEFAULT_LIMITS", "AccountKind", "Breach", "Limits", "account_kind"]

_SIM_PROVIDERS = {"simulator", "playback", "sim", "replay"}
# NT8 and prop-firm conventions for practice accounts: Sim101, SimApex..., DEMO..., Playback101
_SIM_NAME = re.compile(r"^(sim|demo|playback|paper|practice)", re.IGNORECASE)


class AccountKind(StrEnum):
    """Simulated or live money; the limits and the window's badge follow it."""

    SIM = "sim"
    LIVE = "live"


def account_kind(name: str, account: Account | None = None) -> AccountKind:
    """SIM when the provider or the name says simulated; anything else counts as LIVE, the
    cautious reading (a live account mistaken for sim is the expensive mistake)."""
    if account is not None and account.provider.strip().lower() in _SIM_PROVIDERS:
        return AccountKind.SIM
    return AccountKind.SIM if _SIM_NAME.match(name.strip()) else AccountKind.LIVE


@dataclass(frozen=True)
class Limits:
    """Precautionary limits for one kind of account: an order beyond one is sent only after
    the trader confirms it (unlike the quantity box's hard cap, which refuses outright)."""

    ask_above_quantity: int
    max_notional: float  # quantity * point value * price, in the account's currency
    max_ticks_through: int  # how far a limit/stop may sit through the market
    # The stop distance an order without a stop-loss is assumed to risk, per contract, when
    # it is checked against the account's room to its daily loss limit and trailing drawdown.
    room_stop_ticks: int = 20


DEFAULT_LIMITS = {
    AccountKind.SIM: Limits(ask_above_quantity=50, max_notional=10_000_000,
                            max_ticks_through=200),
    AccountKind.LIVE: Limits(ask_above_quantity=10, max_notional=1_000_000,
                             max_ticks_through=20),
}


@dataclass(frozen=True)
class Breach:
    """A rule the order breaks: its name and a sentence naming the numbers."""

    rule: str
    message: str
