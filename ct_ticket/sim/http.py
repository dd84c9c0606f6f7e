"""The simulated CrossTrade HTTP API as a plain ASGI app for HTTP: ``SimHttp(sim)``.

``create_app`` (``ct_ticket.sim.app``) serves it under Starlette beside the WebSocket stream;
``--demo`` calls it in-process without Starlette, whose import would cost its first load
~45 ms and ~3.5 MB. Either way the answers are the same bytes: Starlette's own rendering
(compact JSON, ``content-length`` then ``content-type``) is reproduced here.

Every request goes through one endpoint that routes on ``scope["raw_path"]`` itself, because a
router sees the decoded path, where an account ``Prop%20Firm%2F01`` would already have become
two segments. Checks run in this order:

1. outside ``/v1/api/``: 404 HTML, like the marketing site the reference warns about;
2. auth: a non-empty ``Authorization: Bearer`` token (the configured one, if any), else 401;
3. the shared rate-limit bucket, else 429 ``{"error": "Rate limit exceeded"}`` + ``Retry-After``;
4. the route table, else 404 with ``did_you_mean`` (or 405 for a known path, wrong method);
5. NinjaTrader connected, else 408 (``_endpoints`` is answered by the server, not NT8);
6. the JSON body (non-JSON or form-encoded: 400), then the handler's own validation.

A place or flat-place request first takes a pending fault set with ``sim.delay_next_order`` or
``sim.fail_next_order``: the answer waits, and/or is an error status, before or after the order
was placed.

Every request, whatever its outcome, is recorded in ``sim.requests`` with its final status.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from ct_ticket.sim.errors import SimError, invalid_request
from ct_ticket.sim.market import Simulator
from ct_ticket.sim.routes import ROUTES, Call, Route
from ct_ticket.sim.traffic import RecordedRequest

__all__ = ["METHODS", "Answer", "SimHttp", "authorized"]

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_NOT_CONNECTED = {
    "success": False,
    "error": "NinjaTrader is not connected",
    "detail": "The CrossTrade XT add-on is offline: start NinjaTrader 8 and enable the add-on.",
}
_ORDER_POSTS = frozenset({
    "accounts/{account}/orders/place", "accounts/{account}/orders/flatplace",
})
# Answered by CrossTrade's own servers: no add-on needed (the watermarks docs say so).
_SERVER_SIDE = frozenset({"_endpoints", "accounts/{account}/watermarks"})
_FAULT_ERRORS = {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable",
                 504: "gateway_timeout"}
_UNAUTHORIZED = {"success": False, "error": "unauthorized", "detail": "Missing or invalid API key"}
_MARKETING_404 = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found | CrossTrade</title></head>
<body><h1>404</h1><p>We couldn't find the page you were looking for.</p>
<p><a href="/">Back to CrossTrade</a></p></body></html>
"""



@dataclass
class Answer:
    """A response as Starlette would render it: status, raw headers, body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @classmethod
    def json(cls, content: Any, status: int = 200, headers: dict[str, str] | None = None
             ) -> Answer:
        """Starlette's ``JSONResponse``: compact, UTF-8, NaN refused."""
        body = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")
        return cls.render(body, status, "application/json", headers)

    @classmethod
    def render(cls, body: bytes, status: int, media_type: str,
               headers: dict[str, str] | None = None) -> Answer:
        """Starlette's ``Response`` headers: the given ones, then length and type."""
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1"))
               for k, v in (headers or {}).items()]
        raw.append((b"content-length", str(len(body)).encode("latin-1")))
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        raw.append((b"content-type", media_type.encode("latin-1")))
        return cls(status, raw, body)


def _raw_path(scope: dict[str, Any]) -> str:
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        # Some clients' ASGI transports put the query string into raw_path as well.
        return raw.split(b"?", 1)[0].decode("latin-1")
    return quote(scope["path"])


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:  # includes UnicodeDecodeError
        return None


def authorized(sim: Simulator, headers: dict[str, str]) -> bool:
    """A non-empty Bearer token, and the configured one if the simulator has one."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return False
    return sim.token is None or hmac.compare_digest(token.encode(), sim.token.encode())


def _find_route(method: str, segments: list[str]) -> tuple[Route, dict[str, str]] | SimError:
    wanted = "GET" if method == "HEAD" else method
    matching = [(r, p) for r in ROUTES if (p := r.match(segments)) is not None]
    for route, params in matching:
        if route.method == wanted:
            return route, params
    path = "/v1/api/" + "/".join(segments)
    if matching:
        allowed = sorted({r.method for r, _ in matching})
        return SimError(405, {
            "success": False, "error": "method_not_allowed",
            "detail": f"{method} is not allowed on {path}", "allowed": allowed,
        })
    import difflib  # only for a wrong path: not a cost of every demo start

    known = [f"/v1/api/{r.template}" for r in ROUTES]
    return SimError(404, {
        "success": False, "error": "not_found", "detail": f"No route for {method} {path}",
        "did_you_mean": difflib.get_close_matches(path, known, n=3, cutoff=0.0),
    })


def _json_body(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    content_type = headers.get("content-type", "")
    if content_type and "json" not in content_type.lower():
        raise invalid_request("Content-Type must be application/json")
    parsed = _parse_json(body)
    if not isinstance(parsed, dict):
        raise invalid_request("Request body must be a JSON object")
    return parsed


def _fault(status: int) -> Answer:
    if status == 408:
        return Answer.json(_NOT_CONNECTED, 408)
    error = _FAULT_ERRORS.get(status, "error")
    return Answer.json({"success": False, "error": error,
                        "detail": f"Simulated {status} on an order request"}, status)


def _answer(
    sim: Simulator, scope: dict[str, Any], raw_path: str, body: bytes
) -> tuple[Answer, float]:
    """The response and how many seconds to hold it back."""
    segments = [unquote(part) for part in raw_path.split("/")[1:]]
    if segments[:2] != ["v1", "api"]:
        return Answer.render(_MARKETING_404.encode("utf-8"), 404, "text/html"), 0.0
    headers = _headers(scope)
    if not authorized(sim, headers):
        return Answer.json(_UNAUTHORIZED, 401, headers={"WWW-Authenticate": "Bearer"}), 0.0
    retry_after = sim.admit()
    if retry_after is not None:
        return Answer.json(
            {"error": "Rate limit exceeded"}, 429, headers={"Retry-After": str(retry_after)}
        ), 0.0
    fault = None
    try:
        found = _find_route(scope["method"], segments[2:])
        if isinstance(found, SimError):
            raise found
        route, params = found
        if not sim.nt_connected and route.template not in _SERVER_SIDE:
            return Answer.json(_NOT_CONNECTED, 408), 0.0
        sim.walk_if_due()
        fault = sim.take_order_fault(params["account"]) if route.template in _ORDER_POSTS else None
        if fault is not None and fault.status is not None and not fault.placed:
            return _fault(fault.status), fault.delay  # lost before CrossTrade relayed it
        call_body = _json_body(headers, body) if route.method in ("POST", "PUT") else {}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"),
                         keep_blank_values=True)
        payload = route.handler(sim, Call(params, query, call_body))
    except SimError as error:
        return Answer.json(error.body, error.status), 0.0
    if fault is not None:
        # Placed; only the answer is late or lost.
        answer = Answer.json(payload) if fault.status is None else _fault(fault.status)
        return answer, fault.delay
    return Answer.json(payload), 0.0


class SimHttp:
    """The simulator's HTTP side as an ASGI app (``sim`` is the simulator it serves)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise RuntimeError(f"SimHttp serves HTTP only, not {scope['type']!r}")
        if scope["method"] not in METHODS:  # as Starlette's route answers it
            answer = Answer.render(b"Method Not Allowed", 405, "text/plain",
                                   {"Allow": ", ".join(METHODS)})
        else:
            answer = await self._answer(scope, await _read_body(receive))
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _answer(self, scope: dict[str, Any], body: bytes) -> Answer:
        sim = self.sim
        raw_path = _raw_path(scope)
        record = RecordedRequest(
            method=scope["method"],
            path=raw_path,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=_headers(scope),
            body=body,
            json=_parse_json(body),
        )
        sim.record(record)
        delay = 0.0
        try:
            answer, delay = _answer(sim, scope, raw_path, body)
        except Exception as error:
            # A simulator bug must look like a server fault to the client, not kill the test.
            answer = Answer.json(
                {"success": False, "error": "internal_error", "detail": repr(error)}, 500
            )
        if delay > 0:
            await asyncio.sleep(delay)
        record.status = answer.status
        return answer


async def _read_body(receive: Any) -> bytes:
    """The whole request body, as Starlette's ``Request.body()`` reads it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("the client went away before its body was read")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
