"""Instrument names CrossTrade accepts, and the contract facts (tick size, point value) the
ticket falls back on when no quote says otherwise. Pure Python: no Qt, no HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

__all__ = [
    "ContractSpec",
    "contract_spec",
    "instrument_problem",
    "normalize_instrument",
    "root_symbol",
]

# --- instruments -------------------------------------------------------------------------

_MONTH_CODES = "FGHJKMNQUVXZ"
_MONTH_NAMES = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_ROOT = r"[A-Z0-9]{1,5}"
# Each form CrossTrade resolves (reference §3), with the root captured.
_INSTRUMENT_FORMS = (
    re.compile(rf"^(?P<root>{_ROOT}) (?:0[1-9]|1[0-2])-\d{{2}}$"),  # NT8 dated: "ES 12-25"
    re.compile(rf"^(?P<root>{_ROOT}) (?:{_MONTH_NAMES})\d{{2}}$"),  # webhook style: "ES MAR25"
    re.compile(rf"^(?P<root>{_ROOT})[12]!$"),  # TradingView continuous: "ES1!"
    re.compile(rf"^(?P<root>[A-Z0-9]{{1,4}})[{_MONTH_CODES}]\d{{1,2}}$"),  # CME code: "ESH26"
    re.compile(rf"^(?P<root>{_ROOT})$"),  # front month: "ES"
)
_HAS_LETTER = re.compile(r"[A-Z]")


def normalize_instrument(text: str) -> str:
    """Trim, collapse inner whitespace and upper-case: how a typed instrument is sent."""
    return " ".join(text.split()).upper()


@lru_cache(maxsize=512)  # asked several times per click, for the few names a trader uses
def _match_root(instrument: str) -> str | None:
    for form in _INSTRUMENT_FORMS:
        match = form.match(instrument)
        if match and _HAS_LETTER.search(match["root"]):
            return match["root"]
    return None


def instrument_problem(text: str) -> str | None:
    """Why this text is not an instrument CrossTrade accepts, or None when it is."""
    instrument = normalize_instrument(text)
    if not instrument:
        return "Choose an instrument."
    if _match_root(instrument) is None:
        return (
            f"'{instrument}' is not an instrument name CrossTrade accepts: "
            "use e.g. 'ES 12-26', 'ES', 'ES1!' or 'ESZ26'."
        )
    return None


def root_symbol(instrument: str) -> str | None:
    """The product root ("MES" for "MES 12-25", "MESZ5" or "MES1!"), None when unrecognised.

    A code such as "ESH26" also reads as a five-letter root; the known contract table decides.
    """
    normalized = normalize_instrument(instrument)
    candidates = [
        match["root"] for form in _INSTRUMENT_FORMS if (match := form.match(normalized))
    ]
    for root in candidates:
        if root in _CONTRACTS:
            return root
    return candidates[0] if candidates else None


# --- contract specifications -------------------------------------------------------------


@dataclass(frozen=True)
class ContractSpec:
    """Tick size and point value of a futures product (from the quote, or the built-in table)."""

    tick_size: Decimal
    point_value: Decimal
    description: str = ""

    @property
    def tick_value(self) -> Decimal:
        return self.tick_size * self.point_value


def _spec(tick: str, point_value: str, description: str) -> ContractSpec:
    return ContractSpec(Decimal(tick), Decimal(point_value), description)


# Offline and demo fallback; a live quote's tickSize/pointValue always wins.
_CONTRACTS: dict[str, ContractSpec] = {
    "ES": _spec("0.25", "50", "E-mini S&P 500"),
    "MES": _spec("0.25", "5", "Micro E-mini S&P 500"),
    "NQ": _spec("0.25", "20", "E-mini Nasdaq-100"),
    "MNQ": _spec("0.25", "2", "Micro E-mini Nasdaq-100"),
    "YM": _spec("1", "5", "E-mini Dow"),
    "MYM": _spec("1", "0.5", "Micro E-mini Dow"),
    "RTY": _spec("0.1", "50", "E-mini Russell 2000"),
    "M2K": _spec("0.1", "5", "Micro E-mini Russell 2000"),
    "EMD": _spec("0.1", "100", "E-mini S&P MidCap 400"),
    "CL": _spec("0.01", "1000", "Crude Oil"),
    "MCL": _spec("0.01", "100", "Micro WTI Crude Oil"),
    "QM": _spec("0.025", "500", "E-mini Crude Oil"),
    "NG": _spec("0.001", "10000", "Natural Gas"),
    "QG": _spec("0.005", "2500", "E-mini Natural Gas"),
    "RB": _spec("0.0001", "42000", "RBOB Gasoline"),
    "HO": _spec("0.0001", "42000", "NY Harbor ULSD"),
    "GC": _spec("0.1", "100", "Gold"),
    "MGC": _spec("0.1", "10", "Micro Gold"),
    "SI": _spec("0.005", "5000", "Silver"),
    "SIL": _spec("0.005", "1000", "Micro Silver"),
    "HG": _spec("0.0005", "25000", "Copper"),
    "MHG": _spec("0.0005", "2500", "Micro Copper"),
    "PL": _spec("0.1", "50", "Platinum"),
    "ZB": _spec("0.03125", "1000", "30-Year T-Bond"),
    "UB": _spec("0.03125", "1000", "Ultra T-Bond"),
    "ZN": _spec("0.015625", "1000", "10-Year T-Note"),
    "TN": _spec("0.015625", "1000", "Ultra 10-Year T-Note"),
    "ZF": _spec("0.0078125", "1000", "5-Year T-Note"),
    "ZT": _spec("0.00390625", "2000", "2-Year T-Note"),
    "ZC": _spec("0.25", "50", "Corn"),
    "ZS": _spec("0.25", "50", "Soybeans"),
    "ZW": _spec("0.25", "50", "Chicago Wheat"),
    "ZL": _spec("0.01", "600", "Soybean Oil"),
    "ZM": _spec("0.1", "100", "Soybean Meal"),
    "6E": _spec("0.00005", "125000", "Euro FX"),
    "M6E": _spec("0.0001", "12500", "Micro EUR/USD"),
    "6B": _spec("0.0001", "62500", "British Pound"),
    "6J": _spec("0.0000005", "12500000", "Japanese Yen"),
    "6A": _spec("0.00005", "100000", "Australian Dollar"),
    "6C": _spec("0.00005", "100000", "Canadian Dollar"),
    "6S": _spec("0.00005", "125000", "Swiss Franc"),
    "LE": _spec("0.025", "400", "Live Cattle"),
    "HE": _spec("0.025", "400", "Lean Hogs"),
    "BTC": _spec("5", "5", "Bitcoin"),
    "MBT": _spec("5", "0.1", "Micro Bitcoin"),
    "ETH": _spec("0.5", "50", "Ether"),
    "MET": _spec("0.5", "0.1", "Micro Ether"),
}


def contract_spec(instrument: str) -> ContractSpec | None:
    """The built-in specification for an instrument in any accepted form, None if unknown."""
    root = root_symbol(instrument)
    return _CONTRACTS.get(root) if root else None
