"""The simulator's own futures catalogue and the §3 instrument-name resolution.

Every form the CrossTrade API accepts resolves to a dated NT8 name:
``"ES 12-26"`` (dated; any expiry of a known root is accepted and echoed as given, even an
expired one), ``"ES"`` and ``"ES1!"`` (front month), ``"ESZ26"``/``"ESZ6"`` (CME code) and
``"ES DEC26"`` (webhook style). Matching is case-insensitive. All expiries of one root share
one simulated price: the simulator models a market per root, not per contract month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ct_ticket.sim.errors import SimError, invalid_request

__all__ = [
    "CATALOGUE",
    "DEFAULT_FRONT_MONTH",
    "Contract",
    "ResolvedInstrument",
    "resolve_instrument",
]

# Today is 2026-11-28: December 2026 is the front month for every root we carry (they all list
# a December contract), which keeps "ES" -> "ES 12-26" predictable for tests.
DEFAULT_FRONT_MONTH = "12-26"

_MONTH_CODES = "FGHJKMNQUVXZ"
_MONTH_ABBREVIATIONS = (
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
)


@dataclass(frozen=True)
class Contract:
    """One futures root: what NT8's MasterInstrument would tell us about it."""

    root: str
    description: str
    exchange: str
    trading_hours: str
    tick_size: float
    point_value: float
    start_price: float

    @property
    def tick_value(self) -> float:
        """Currency value of one tick for one contract."""
        return self.tick_size * self.point_value

    @property
    def decimals(self) -> int:
        """Decimal places needed to print a price exactly (0.03125 -> 5)."""
        exponent = Decimal(repr(self.tick_size)).normalize().as_tuple().exponent
        return max(0, -int(exponent))

    def to_ticks(self, price: float) -> int:
        """Nearest whole number of ticks for ``price``."""
        return round(price / self.tick_size)

    def on_tick(self, price: float) -> bool:
        """True when ``price`` is a whole number of ticks (within float noise)."""
        return abs(price / self.tick_size - self.to_ticks(price)) < 1e-6

    def price(self, ticks: float) -> float:
        """Price for a (possibly fractional, for averages) number of ticks."""
        return round(ticks * self.tick_size, self.decimals + 6)

    def tick_price(self, ticks: int) -> float:
        """Price of a whole number of ticks, rounded to the tick's decimals."""
        return round(ticks * self.tick_size, self.decimals)


def _c(
    root: str, description: str, exchange: str, hours: str, tick: float, pv: float, start: float
) -> Contract:
    return Contract(root, description, exchange, hours, tick, pv, start)


_INDEX = "CME US Index Futures ETH"
_ENERGY = "Nymex Energy ETH"
_METALS = "Comex Metals ETH"
_RATES = "CBOT Interest Rate ETH"

CATALOGUE: dict[str, Contract] = {
    c.root: c
    for c in (
        _c("ES", "E-mini S&P 500 Futures", "Globex", _INDEX, 0.25, 50.0, 6850.0),
        _c("MES", "Micro E-mini S&P 500 Index Futures", "Globex", _INDEX, 0.25, 5.0, 6850.0),
        _c("NQ", "E-mini Nasdaq-100 Futures", "Globex", _INDEX, 0.25, 20.0, 25200.0),
        _c("MNQ", "Micro E-mini Nasdaq-100 Index Futures", "Globex", _INDEX, 0.25, 2.0, 25200.0),
        _c("YM", "E-mini Dow ($5) Futures", "ECBOT", _INDEX, 1.0, 5.0, 47500.0),
        _c("MYM", "Micro E-mini Dow Jones Industrial Average Index Futures", "ECBOT", _INDEX,
           1.0, 0.5, 47500.0),
        _c("RTY", "E-mini Russell 2000 Index Futures", "Globex", _INDEX, 0.1, 50.0, 2450.0),
        _c("M2K", "Micro E-mini Russell 2000 Index Futures", "Globex", _INDEX, 0.1, 5.0, 2450.0),
        _c("CL", "Crude Oil Futures", "Nymex", _ENERGY, 0.01, 1000.0, 62.5),
        _c("MCL", "Micro WTI Crude Oil Futures", "Nymex", _ENERGY, 0.01, 100.0, 62.5),
        _c("NG", "Henry Hub Natural Gas Futures", "Nymex", _ENERGY, 0.001, 10000.0, 3.95),
        _c("GC", "Gold Futures", "Comex", _METALS, 0.1, 100.0, 4150.0),
        _c("MGC", "Micro Gold Futures", "Comex", _METALS, 0.1, 10.0, 4150.0),
        _c("SI", "Silver Futures", "Comex", _METALS, 0.005, 5000.0, 51.5),
        _c("ZB", "U.S. Treasury Bond Futures", "ECBOT", _RATES, 0.03125, 1000.0, 117.0),
        _c("ZN", "10-Year T-Note Futures", "ECBOT", _RATES, 0.015625, 1000.0, 112.5),
        _c("ZC", "Corn Futures", "ECBOT", "CBOT Agriculturals ETH", 0.25, 50.0, 435.0),
        _c("6E", "Euro FX Futures", "Globex", "CME FX Futures ETH", 0.00005, 125000.0, 1.165),
    )
}

# Longest roots first so "MESZ26" is read as MES, not as a root "ME" or "M".
_ROOTS_LONGEST_FIRST = sorted(CATALOGUE, key=len, reverse=True)
_DATED = re.compile(r"^(\S+)\s+(\d{2})-(\d{2})$")
_WEBHOOK = re.compile(r"^(\S+)\s+([A-Z]{3})\s?(\d{2})$")
_CME_TAIL = re.compile(rf"^([{_MONTH_CODES}])(\d{{1,2}})$")


@dataclass(frozen=True)
class ResolvedInstrument:
    """An instrument input resolved to its contract and NT8 dated name."""

    contract: Contract
    name: str

    @property
    def expiration(self) -> str:
        """ISO date of the contract month's first day, as the quote's ``expiration`` shows it."""
        month, year = self.name.split(" ")[1].split("-")
        return f"20{year}-{month}-01"


def _unknown(text: str) -> SimError:
    return invalid_request(f"Unknown instrument '{text}'")


def _dated(contract: Contract, month: int, year: int, text: str) -> ResolvedInstrument:
    if not 1 <= month <= 12:
        raise _unknown(text)
    return ResolvedInstrument(contract, f"{contract.root} {month:02d}-{year % 100:02d}")


def _single_digit_year(digit: int, front_month: str) -> int:
    """Read "ESH7" as the nearest year ending in 7 that is not long expired."""
    front_year = 2000 + int(front_month.split("-")[1])
    year = front_year - front_year % 10 + digit
    return year + 10 if year < front_year - 1 else year


def resolve_instrument(text: object, front_month: str = DEFAULT_FRONT_MONTH) -> ResolvedInstrument:
    """Resolve any §3 instrument form to a contract and dated NT8 name, or raise a 400."""
    if not isinstance(text, str) or not text.strip():
        raise invalid_request("instrument must be a non-empty string")
    wanted = " ".join(text.strip().upper().split())
    front_mm, front_yy = (int(part) for part in front_month.split("-"))

    if wanted in CATALOGUE:
        return _dated(CATALOGUE[wanted], front_mm, front_yy, text)
    if wanted.endswith("1!") and wanted[:-2] in CATALOGUE:
        return _dated(CATALOGUE[wanted[:-2]], front_mm, front_yy, text)
    match = _DATED.match(wanted)
    if match and match.group(1) in CATALOGUE:
        return _dated(CATALOGUE[match.group(1)], int(match.group(2)), int(match.group(3)), text)
    match = _WEBHOOK.match(wanted)
    if match and match.group(1) in CATALOGUE and match.group(2) in _MONTH_ABBREVIATIONS:
        month = _MONTH_ABBREVIATIONS.index(match.group(2)) + 1
        return _dated(CATALOGUE[match.group(1)], month, int(match.group(3)), text)
    for root in _ROOTS_LONGEST_FIRST:
        if not wanted.startswith(root):
            continue
        tail = _CME_TAIL.match(wanted[len(root):])
        if tail is None:
            continue
        month = _MONTH_CODES.index(tail.group(1)) + 1
        digits = tail.group(2)
        year = int(digits) if len(digits) == 2 else _single_digit_year(int(digits), front_month)
        return _dated(CATALOGUE[root], month, year, text)
    raise _unknown(text)
