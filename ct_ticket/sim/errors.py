"""The simulator's one exception: an HTTP status plus the exact JSON body to answer with.

The body shapes follow the reference's §4 quirks on purpose: validation failures carry
``success``/``error``/``detail``, while "nothing to act on" failures are a bare ``{"error": ...}``
as in the per-endpoint examples, so clients must parse both.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SimError", "invalid_account", "invalid_request"]


class SimError(Exception):
    """A request the simulated API refuses: ``status`` and the JSON ``body`` to send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("detail") or body.get("error"))
        self.status = status
        self.body = body


def invalid_request(detail: str) -> SimError:
    """400 for a body or query that fails validation; ``detail`` names the field."""
    return SimError(400, {"success": False, "error": "invalid_request", "detail": detail})


def invalid_account(name: str) -> SimError:
    """400 for an account name NT8 does not know (the §4 generic example)."""
    return SimError(
        400, {"success": False, "error": "invalid_account", "detail": f"Account {name} not found"}
    )
