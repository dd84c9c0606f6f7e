"""Below the client: the query string, JSON decoding, Retry-After and what an httpx failure
means for an order (could the request have reached the server?)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from ct_ticket.api.errors import TransportError

__all__ = ["NOT_JSON", "decode_json", "query_string", "retry_after_seconds", "transport_error"]

NOT_JSON = object()  # decode_json's answer for a body that is not JSON


def query_string(params: Mapping[str, str]) -> str:
    """A query string with spaces as %20, as the reference shows (`ES%2003-26`), not '+'."""
    return urlencode(params, quote_via=quote, safe=",")


def decode_json(raw: bytes) -> Any:
    """The decoded body: {} when empty, NOT_JSON when unreadable."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


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

