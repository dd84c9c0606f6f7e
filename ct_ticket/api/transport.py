"""Below the client: the query string, JSON decoding, Retry-After and what an httpx failure
means for an order (could the request have reached the server?)."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from ct_ticket.api.errors import TransportError

__all__ = ["MAX_DEPTH", "Unreadable", "decode_json", "query_string", "retry_after_seconds",
           "transport_error"]


def _settle_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` cheap when sniffio is not installed.

    httpcore asks ``import sniffio`` each time it makes a lock or a cancel shield (two or more
    times per request) to learn whether it runs under asyncio or trio. Current anyio no longer
    brings sniffio along, so each ask was a failed import that searched every folder on
    ``sys.path`` again: about 0.3 ms per request before its first byte, profiled. A ``None`` in
    ``sys.modules`` is Python's documented "known to be missing": the import fails at once and
    httpcore takes asyncio, which is what the ticket runs on. An installed sniffio is kept.
    """
    try:
        importlib.import_module("sniffio")
    except ImportError:
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


_settle_sniffio()

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


def transport_error(error: httpx.TransportError, method: str, path: str) -> TransportError:
    """Classify an httpx failure, knowing whether the request can have reached the server."""
    # httpx raises LocalProtocolError while building the request head (an illegal header value,
    # such as a token pasted with a line break): nothing was written to the socket.
    never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
                            | httpx.LocalProtocolError | httpx.UnsupportedProtocol)
    if isinstance(error, httpx.ConnectTimeout):
        reason = "connection timed out"
    elif isinstance(error, httpx.ConnectError):
        reason = "connection refused or no network"
    elif isinstance(error, httpx.ReadTimeout):
        reason = "timed out waiting for the answer"
    elif isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        reason = "connection closed before the answer"
    elif isinstance(error, httpx.LocalProtocolError):
        reason = "the API token has a space, line break or control character in it"
    else:
        reason = type(error).__name__
    return TransportError(reason, method=method, path=path, request_sent=not never_sent)

