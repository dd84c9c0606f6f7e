"""Below the client: the query string, JSON decoding and Retry-After."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

__all__ = ["MAX_DEPTH", "Unreadable", "decode_json", "query_string", "retry_after_seconds"]


# No CrossTrade answer nests deeper than a handful of levels; a deeper one is hostile or broken,
# and every recursive str() or repr() of it could overflow the stack later.
MAX_DEPTH = 64


class Unreadable:
    """decode_json's answer for a body that is not JSON the client will read, and why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unreadable({self.reason!r})"


def query_string(params: Mapping[str, str]) -> str:
    """A query string with spaces as %20, as the reference shows (`ES%2003-26`), not '+'."""
    return urlencode(params, quote_via=quote, safe=",")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _too_deep(value: Any, limit: int) -> bool:
    """True when arrays and objects nest deeper than `limit` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def decode_json(raw: bytes) -> Any:
    """The decoded body: {} when empty, an `Unreadable` when it is not JSON, uses NaN or
    Infinity, or nests deeper than MAX_DEPTH."""
    if not raw.strip():
        return {}
    try:
        payload = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        return Unreadable("nested too deeply")
    except (ValueError, UnicodeDecodeError):
        return Unreadable("not JSON")
    if _too_deep(payload, MAX_DEPTH):
        return Unreadable("nested too deeply")
    return payload


def retry_after_seconds(header: str | None) -> float:
    """Seconds from a Retry-After header; one second when absent or unreadable."""
    try:
        return max(1.0, float(header)) if header else 1.0
    except ValueError:
        return 1.0
