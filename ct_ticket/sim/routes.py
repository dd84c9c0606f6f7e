"""The route table under ``/v1/api``: one small function per endpoint of the reference.

Templates are matched against percent-decoded path segments, so an account such as
``Prop Firm/01`` sent as ``Prop%20Firm%2F01`` is one ``{account}`` segment. Order matters:
literal segments (``snapshot``, ``place``, ``cancel``) are listed before the ``{...}`` ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ct_ticket.sim.errors import SimError, invalid_request
from ct_ticket.sim.market import Simulator
from ct_ticket.sim.validation import (
    optional_instrument,
    optional_string,
    parse_bracket,
    parse_order,
)

__all__ = ["ROUTES", "Call", "Route"]


@dataclass(frozen=True)
class Call:
    """What a handler gets: path parameters, query parameters and the JSON object body."""

    params: dict[str, str]
    query: dict[str, list[str]]
    body: dict[str, Any]

    def arg(self, name: str) -> str | None:
        """The last value of query parameter ``name``, or None."""
        values = self.query.get(name)
        return values[-1] if values else None


Handler = Callable[[Simulator, Call], Any]


@dataclass(frozen=True)
class Route:
    """One endpoint: HTTP method, template relative to ``/v1/api/`` and its handler."""

    method: str
    template: str
    handler: Handler

    @cached_property
    def parts(self) -> list[str]:
        """The template's segments, split once."""
        return self.template.split("/")

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters when ``segments`` fit the template, else None."""
        parts = self.parts
        if len(parts) != len(segments):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(parts, segments, strict=True):
            if part.startswith("{"):
                if not segment:
                    return None
                params[part[1:-1]] = segment
            elif part != segment:
                return None
        return params


def _ok(payload: dict[str, Any]) -> dict[str, Any]:
    # Every per-endpoint example is flat with "success" next to the payload (§4).
    return {**payload, "success": True}


def _flag(call: Call, name: str) -> bool:
    text = call.arg(name)
    if text is None or text == "":
        return False
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    raise invalid_request(f"{name} must be true or false")


def _required_instrument(sim: Simulator, value: object) -> Any:
    if value in (None, ""):
        raise invalid_request("instrument is required")
    return sim.resolve(value)


def _body_int(call: Call, name: str) -> int | None:
    value = call.body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid_request(f"{name} must be an integer >= 1")
    return value


def list_accounts(sim: Simulator, call: Call) -> Any:
    """GET accounts: every account object."""
    return _ok({"accounts": sim.accounts_api()})


def accounts_snapshot(sim: Simulator, call: Call) -> Any:
    """GET accounts/snapshot: the §5 shape, which has no ``success`` field."""
    return sim.snapshot_api()


def get_account(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}."""
    return _ok(sim.account_api(call.params["account"]))


def get_watermarks(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/watermarks: ``data`` wraps it, as the docs show; a 404 like any
    unknown route while ``watermarks_supported`` is off (an older add-on)."""
    if not sim.watermarks_supported:
        path = f"/v1/api/accounts/{call.params['account']}/watermarks"
        raise SimError(404, {"success": False, "error": "not_found",
                             "detail": f"No route for GET {path}", "did_you_mean": []})
    return _ok({"data": sim.watermarks_api(call.params["account"])})


def all_positions(sim: Simulator, call: Call) -> Any:
    """GET positions?includeFlat=."""
    positions = sim.positions_api(None, _flag(call, "includeFlat"))
    return _ok({"positions": positions, "count": len(positions)})


def account_positions(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/positions (shape assumed to match GET positions)."""
    positions = sim.positions_api(call.params["account"], _flag(call, "includeFlat"))
    return _ok({"positions": positions, "count": len(positions)})


def get_position(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/position?instrument=: a Flat object when there is none."""
    instrument = _required_instrument(sim, call.arg("instrument"))
    return _ok(sim.position_api(call.params["account"], instrument.name))


def get_quote(sim: Simulator, call: Call) -> Any:
    """GET market/quote?instrument=: one object, or a bare array for a CSV of several."""
    text = call.arg("instrument")
    if not text or not text.strip(","):
        raise invalid_request("instrument is required")
    names = [part.strip() for part in text.split(",") if part.strip()]
    if len(names) == 1:
        return _ok(sim.quote_api(names[0]))
    return [sim.quote_api(name) for name in names]


def place_order(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/orders/place."""
    ticket = parse_order(call.body, sim.front_month)
    return _ok({"orderId": sim.place(call.params["account"], ticket)})


def flat_place_order(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/orders/flatplace: close the instrument first, then place."""
    ticket = parse_order(call.body, sim.front_month)
    return _ok({"orderId": sim.place(call.params["account"], ticket, flatten_first=True)})


def cancel_orders(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/orders/cancel {instrument?}."""
    instrument = optional_instrument(call.body, sim.front_month)
    return _ok({"orderIds": sim.cancel_orders(call.params["account"], instrument)})


def list_orders(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/orders: this session's orders (shape UNCONFIRMED in §7)."""
    return _ok({"orders": sim.orders_api(call.params["account"])})


def get_order(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/orders/{orderId}: the order object, flat with success."""
    return _ok(sim.order_api(call.params["account"], call.params["orderId"]))


def _query_int(call: Call, name: str, default: int) -> int:
    text = call.arg(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise invalid_request(f"{name} must be an integer") from None


def order_lifecycle(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/orders/{orderId}/lifecycle?includeFills=&includeRaw=&limit=."""
    include_fills = call.arg("includeFills") in (None, "") or _flag(call, "includeFills")
    return _ok(sim.lifecycle_api(
        call.params["account"], call.params["orderId"], include_fills,
        _flag(call, "includeRaw"), _query_int(call, "limit", 200)))


def list_executions(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/executions?lookbackTime= (seconds, default 320, max 900)."""
    lookback = _query_int(call, "lookbackTime", 320)
    return _ok({"executions": sim.executions_api(call.params["account"], lookback)})


def get_execution(sim: Simulator, call: Call) -> Any:
    """GET accounts/{account}/executions/{executionId}."""
    return _ok(sim.execution_api(call.params["account"], call.params["executionId"]))


def cancel_and_bracket(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/orders/cancel_and_bracket (body and answer unconfirmed, §7)."""
    bracket = parse_bracket(call.body, sim.front_month)
    return _ok(sim.cancel_and_bracket(call.params["account"], bracket))


def cancel_order(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/orders/{orderId}/cancel."""
    return _ok({"orderId": sim.cancel_order(call.params["account"], call.params["orderId"])})


def change_order(sim: Simulator, call: Call) -> Any:
    """PUT accounts/{account}/orders/{orderId}/change: answers the order's new id."""
    params = call.params
    return _ok({"orderId": sim.change_order(params["account"], params["orderId"], call.body)})


def replace_order(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/orders/{orderId}/replace: cancel, then place the body."""
    ticket = parse_order(call.body, sim.front_month)
    params = call.params
    return _ok({"orderId": sim.replace_order(params["account"], params["orderId"], ticket)})


def close_position(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/positions/close {instrument, quantity?, percent?}."""
    instrument = _required_instrument(sim, call.body.get("instrument"))
    quantity = _body_int(call, "quantity")
    percent = call.body.get("percent")
    if percent is not None and (
        isinstance(percent, bool) or not isinstance(percent, int | float)
        or not 0 < percent <= 1
    ):
        raise invalid_request("percent must be a number greater than 0 and at most 1")
    closed = sim.close_position(call.params["account"], instrument, quantity, percent)
    return _ok({"closedPositions": closed})


def reverse(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/positions/reverse {instrument}."""
    instrument = _required_instrument(sim, call.body.get("instrument"))
    return _ok({"orderId": sim.reverse(call.params["account"], instrument)})


def reverse_position(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/positions/reverseposition with a place-order body."""
    ticket = parse_order(call.body, sim.front_month)
    return _ok({"orderId": sim.reverse_position(call.params["account"], ticket)})


def flatten_account(sim: Simulator, call: Call) -> Any:
    """POST accounts/{account}/positions/flatten {instrument?}."""
    instrument = optional_instrument(call.body, sim.front_month)
    closed, cancelled = sim.flatten_account(call.params["account"], instrument)
    payload: dict[str, Any] = {"closedPositions": closed}
    if not closed and not cancelled:
        payload["warning"] = "No positions or orders to flatten"
    return _ok(payload)


def flatten_everything(sim: Simulator, call: Call) -> Any:
    """POST positions/flatten {account?, instrument?, marketPosition?}: the kill switch."""
    account = optional_string(call.body, "account")
    instrument = optional_instrument(call.body, sim.front_month)
    side = optional_string(call.body, "marketPosition")
    directions = {None: 0, "long": 1, "short": -1}
    wanted = None if side is None else side.lower()
    if wanted not in directions:
        raise invalid_request("marketPosition must be long or short")
    closed, cancelled = sim.flatten_everything(account, instrument, directions[wanted])
    payload: dict[str, Any] = {"orderIds": cancelled, "closedPositions": closed}
    if not closed and not cancelled:
        payload["warning"] = "No positions or orders to flatten"
    return _ok(payload)


def endpoints(sim: Simulator, call: Call) -> Any:
    """GET _endpoints: the flat catalogue of what this simulator serves."""
    return _ok({"endpoints": [
        {"method": r.method, "path": f"/v1/api/{r.template}"} for r in ROUTES
    ]})


ROUTES: tuple[Route, ...] = (
    Route("GET", "_endpoints", endpoints),
    Route("GET", "accounts", list_accounts),
    Route("GET", "accounts/snapshot", accounts_snapshot),
    Route("GET", "accounts/{account}", get_account),
    Route("GET", "accounts/{account}/positions", account_positions),
    Route("GET", "accounts/{account}/watermarks", get_watermarks),
    Route("GET", "accounts/{account}/position", get_position),
    Route("POST", "accounts/{account}/positions/close", close_position),
    Route("POST", "accounts/{account}/positions/reverse", reverse),
    Route("POST", "accounts/{account}/positions/reverseposition", reverse_position),
    Route("POST", "accounts/{account}/positions/flatten", flatten_account),
    Route("GET", "accounts/{account}/orders", list_orders),
    Route("POST", "accounts/{account}/orders/place", place_order),
    Route("POST", "accounts/{account}/orders/flatplace", flat_place_order),
    Route("POST", "accounts/{account}/orders/cancel", cancel_orders),
    Route("POST", "accounts/{account}/orders/cancel_and_bracket", cancel_and_bracket),
    Route("GET", "accounts/{account}/orders/{orderId}", get_order),
    Route("GET", "accounts/{account}/orders/{orderId}/lifecycle", order_lifecycle),
    Route("POST", "accounts/{account}/orders/{orderId}/cancel", cancel_order),
    Route("PUT", "accounts/{account}/orders/{orderId}/change", change_order),
    Route("POST", "accounts/{account}/orders/{orderId}/replace", replace_order),
    Route("GET", "accounts/{account}/executions", list_executions),
    Route("GET", "accounts/{account}/executions/{executionId}", get_execution),
    Route("GET", "positions", all_positions),
    Route("POST", "positions/flatten", flatten_everything),
    Route("GET", "market/quote", get_quote),
)
