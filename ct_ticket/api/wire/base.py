"""The wire's building blocks: failure bodies, the `data` wrapper, and forgiving readers of
JSON values (numbers sent as text, times with or without a zone).

Every reader here takes any decoded JSON value and either returns a plain Python value or
raises `ShapeError`; none lets a TypeError or a non-finite number through.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ShapeError",
    "acknowledged",
    "error_fields",
    "integer",
    "is_order_not_found",
    "json_number",
    "json_object",
    "list_field",
    "optional_text",
    "text",
    "timestamp",
    "unknown_command",
    "unwrap",
]


class ShapeError(ValueError):
    """The JSON is valid but not shaped like CrossTrade's answer."""


def unwrap(payload: Any) -> Any:
    """Strip a `{"data": ...}` wrapper if present (documented generically, never seen)."""
    if isinstance(payload, dict) and "data" in payload and isinstance(payload["data"], dict | list):
        inner = payload["data"]
        if isinstance(inner, dict):
            return {**{k: v for k, v in payload.items() if k != "data"}, **inner}
        return inner
    return payload


def error_fields(payload: Any) -> tuple[str | None, str | None] | None:
    """`(error, detail)` when the body reports a failure (`error` present or `success: false`).

    An order object (it has `orderState`) is the exception: there `error` is NT8's ErrorCode of
    the order (e.g. `OrderRejected`), which says what became of the order, not of the call.
    """
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if error is None and payload.get("success") is not False:
        return None
    if "orderState" in payload and payload.get("success") is not False:
        return None
    detail = payload.get("detail") or payload.get("message")
    return (text(error) if error is not None else None,
            text(detail) if detail is not None else None)


def unknown_command(payload: Any) -> bool:
    """True when a failure body says the route or command does not exist here: an add-on
    too old for it ("Unknown API command") or CrossTrade's 404 with `did_you_mean`."""
    if not isinstance(payload, dict):
        return False
    if "did_you_mean" in payload:
        return True
    words = " ".join(text(payload.get(key)) for key in ("error", "detail", "message")).lower()
    return "unknown api command" in words or "unknown command" in words


_ORDER_NOT_FOUND = re.compile(r"\border\b.*\bnot found\b", re.IGNORECASE | re.DOTALL)


def is_order_not_found(error: str | None, detail: str | None) -> bool:
    """True when CrossTrade's words say the order id is unknown: the `order_not_found` code, or
    "Order linked to '…' not found or already terminal." (the docs call it stable)."""
    if (error or "").lower() == "invalid_account":
        return False
    if (error or "").lower() == "order_not_found":
        return True
    return bool(_ORDER_NOT_FOUND.search(f"{error or ''} {detail or ''}"))


def json_object(payload: Any, what: str) -> dict[str, Any]:
    """`payload` (unwrapped) as a JSON object, or a ShapeError naming `what` was expected."""
    payload = unwrap(payload)
    if not isinstance(payload, dict):
        raise ShapeError(f"expected a JSON object for {what}, got {type(payload).__name__}")
    return payload


def acknowledged(found: dict[str, Any], *fields: str) -> dict[str, Any]:
    """`found` when it carries one of `fields` or `success: true`; else a ShapeError, so an
    answer that is not CrossTrade's never reads as "flat" or "nothing closed"."""
    if found.get("success") is not True and not any(name in found for name in fields):
        raise ShapeError(f"the answer has no {' or '.join(fields)} and no success flag")
    return found


def json_number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric text (some feeds quote numbers); None for
    anything else, NaN and infinities included, so a bad field never becomes a price."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int with hundreds of digits
            return None
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def integer(value: Any) -> int:
    """A whole number from a number or numeric text; 0 when there is none."""
    number = json_number(value)
    return int(number) if number is not None else 0


def text(value: Any) -> str:
    """Text as sent; a number or flag in its JSON spelling; "" for null, objects and arrays
    (an object where text belongs is not text to show a trader)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        number = json_number(value)
        return "" if number is None else (str(value) if isinstance(value, int) else repr(number))
    return ""


def optional_text(value: Any) -> str | None:
    """Stripped text, or None when empty or not text."""
    found = text(value).strip()
    return found or None


def list_field(payload: dict[str, Any], key: str) -> list[Any]:
    """`payload[key]` when it is an array, else an empty list."""
    value = payload.get(key)
    return value if isinstance(value, list) else []


def timestamp(epoch_ms: Any, iso: Any) -> datetime | None:
    """An aware datetime from epoch milliseconds (preferred: no zone to guess) or ISO text.

    NT8 writes times without a zone, in the local time of the machine it runs on, which for
    this ticket is the trader's own: such a time is read as local time.
    """
    millis = json_number(epoch_ms)
    if millis is not None and 0 < millis < 1e14:  # beyond year 5000 is not a time
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    if not isinstance(iso, str) or not iso.strip() or len(iso) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(iso.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return parsed if parsed.tzinfo is not None else parsed.astimezone()
    except (OverflowError, OSError, ValueError):  # year 1 or 9999 has no local offset
        return None
