"""CrossTradeClient: the async CrossTrade REST client, one method per endpoint the ticket uses.

One `httpx.AsyncClient` lives as long as the client, so every call reuses a warm keep-alive
connection (the difference between one round trip per order and three). Order POSTs are sent
exactly once, never retried: a POST whose answer is lost raises an error with
`may_have_executed=True` and the caller reconciles by reading positions and orders. GETs retry
transport failures and 502/503/504 a bounded number of times with backoff, and wait out a short
429 `Retry-After`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ct_ticket.api import wire
from ct_ticket.api.errors import (
    AuthenticationError,
    BadResponseError,
    NotConnectedError,
    RateLimitedError,
    RejectedError,
    ServerError,
    TransportError,
)
from ct_ticket.api.transport import (
    NOT_JSON,
    decode_json,
    query_string,
    retry_after_seconds,
    transport_error,
)
from ct_ticket.model import (
    Account,
    CloseResult,
    OrderAck,
    OrderInfo,
    OrderRequest,
    Position,
    Quote,
    normalize_instrument,
)

__all__ = ["DEFAULT_BASE_URL", "CrossTradeClient", "Timeouts"]

DEFAULT_BASE_URL = "https://app.crosstrade.io"
API = "/v1/api"
log = logging.getLogger(__name__)
T = TypeVar("T")


class Timeouts:
    """Connect and read timeouts in seconds. Short connect: a dead network should say so fast."""

    def __init__(self, connect: float = 5.0, read: float = 10.0) -> None:
        self.connect = connect
        self.read = read

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.read,
                             pool=self.connect)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> httpx.URL:
    """Refuse a URL the token must not travel to: plain http is allowed only to loopback."""
    url = httpx.URL(base_url)
    if url.scheme == "https" and url.host:
        return url
    if url.scheme == "http" and _is_loopback(url.host):
        return url
    raise ValueError(
        f"Refusing base URL {base_url!r}: the API token is only sent over https "
        "(or plain http to this computer's loopback address)."
    )


def account_path(account: str, *rest: str) -> str:
    """`/v1/api/accounts/<account>/...` with the account as one percent-encoded path segment."""
    segments = [quote(account, safe=""), *(quote(part, safe="") for part in rest)]
    return f"{API}/accounts/" + "/".join(segments)


class _BearerAuth(httpx.Auth):
    """Adds the token to the Authorization header only; keeps it out of reprs and URLs."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "_BearerAuth(***)"

    def auth_flow(self, request: httpx.Request) -> Any:
        # h11 would refuse such a header itself, but quote it, token and all, in its error and
        # in httpcore's debug log. Refuse it here without repeating it: nothing is sent.
        if self._token != self._token.strip() or any(
                ord(ch) < 0x20 or ord(ch) == 0x7F for ch in self._token):
            raise httpx.LocalProtocolError("the API token has a character a header cannot carry")
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class CrossTradeClient:
    """Async client for the CrossTrade REST API (see the module docstring for retry rules)."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeouts: Timeouts | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        get_retries: int = 2,
        backoff: float = 0.25,
        max_read_wait: float = 3.0,
        max_response_bytes: int = 2_000_000,
        verify: bool | str = True,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self._auth = _BearerAuth(token)
        self._get_retries = get_retries
        self._backoff = backoff
        self._max_read_wait = max_read_wait
        self._max_response_bytes = max_response_bytes
        self.rate_limited_until = 0.0  # time.monotonic() before which CrossTrade said "wait"
        # A few connections so a slow position read never queues an order behind it; calls in
        # sequence reuse the same warm one. Idle connections live long enough for the ticket's
        # periodic reads to keep one open between clicks.
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=2,
                              keepalive_expiry=120.0)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=self._auth,
            timeout=(timeouts or Timeouts()).httpx(),
            limits=limits,
            transport=transport,
            follow_redirects=False,  # a redirect means a wrong path; never carry the token along
            headers={"Accept": "application/json", "User-Agent": "ct-ticket"},
            verify=verify,
        )

    def __repr__(self) -> str:
        return f"CrossTradeClient(base_url={str(self.base_url)!r})"

    def set_token(self, token: str) -> None:
        """Use a new token for every following call (after the token dialog saved one)."""
        self._auth = _BearerAuth(token)
        self._http.auth = self._auth

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    async def __aenter__(self) -> CrossTradeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- the one place requests are made ----------------------------------------------------

    async def _request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                       body: Mapping[str, Any] | None = None,
                       auth: httpx.Auth | None = None) -> Any:
        attempts = 1 + (self._get_retries if method == "GET" else 0)
        for attempt in range(attempts):
            try:
                return await self._send_once(method, path, params, body, auth)
            except (TransportError, ServerError) as error:
                retriable = isinstance(error, TransportError) or error.status in (502, 503, 504)
                if method != "GET" or not retriable or attempt == attempts - 1:
                    raise
                delay = self._backoff * (2**attempt)
            except RateLimitedError as error:
                if (method != "GET" or attempt == attempts - 1
                        or error.retry_after > self._max_read_wait):
                    raise
                delay = error.retry_after
            log.info("retrying %s %s in %.2f s (attempt %d)", method, path, delay, attempt + 2)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send_once(self, method: str, path: str, params: Mapping[str, str] | None,
                         body: Mapping[str, Any] | None, auth: httpx.Auth | None = None) -> Any:
        started = time.perf_counter()
        url = f"{path}?{query_string(params)}" if params else path
        try:
            async with self._http.stream(method, url, json=body,
                                         auth=auth or self._auth) as response:
                raw = await self._read_limited(response, method, path)
        except httpx.TransportError as error:
            raise transport_error(error, method, path) from None
        log.info("%s %s -> %d in %.0f ms", method, path, response.status_code,
                 (time.perf_counter() - started) * 1000)
        return self._interpret(response, raw, method, path)

    async def _read_limited(self, response: httpx.Response, method: str, path: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_response_bytes:
            raise BadResponseError(f"answer of {int(declared)} bytes is too large", method=method,
                                   path=path, status=response.status_code)
        chunks = bytearray()
        async for chunk in response.aiter_bytes():
            chunks += chunk
            if len(chunks) > self._max_response_bytes:
                raise BadResponseError("answer is too large", method=method, path=path,
                                       status=response.status_code)
        return bytes(chunks)

    def _interpret(self, response: httpx.Response, raw: bytes, method: str, path: str) -> Any:
        status = response.status_code
        is_post = method == "POST"
        if 300 <= status < 400:
            raise BadResponseError(f"HTTP {status} redirect; is the base URL right?",
                                   method=method, path=path, status=status)
        payload = decode_json(raw)
        if payload is NOT_JSON and status < 500 and status not in (401, 403, 408, 429):
            looks_html = raw.lstrip()[:1] == b"<"
            raise BadResponseError(
                f"HTTP {status} with {'an HTML page' if looks_html else 'a body that is not JSON'}",
                method=method, path=path, status=status)
        error, detail = wire.error_fields(payload) or (None, None)
        common: dict[str, Any] = {"error": error, "detail": detail, "method": method, "path": path}
        if status in (401, 403):
            raise AuthenticationError(f"HTTP {status}", status=status, **common)
        if status == 408:
            # The bridge to NT8 is down; the docs warn a placement may or may not have reached it.
            raise NotConnectedError("HTTP 408", status=status, may_have_executed=is_post, **common)
        if status == 429:
            retry_after = retry_after_seconds(response.headers.get("retry-after"))
            self.rate_limited_until = time.monotonic() + retry_after
            raise RateLimitedError("HTTP 429", retry_after=retry_after, **common)
        if status >= 500:
            raise ServerError(f"HTTP {status}", status=status, may_have_executed=is_post, **common)
        if status >= 400 or error is not None or (
                isinstance(payload, dict) and payload.get("success") is False):
            raise RejectedError(f"HTTP {status}", status=status, **common)
        return payload

    def _parse(self, parser: Callable[[Any], T], payload: Any, method: str, path: str) -> T:
        try:
            return parser(payload)
        except wire.ShapeError as error:
            raise BadResponseError(str(error), method=method, path=path, status=200) from None

    async def _get(self, parser: Callable[[Any], T], path: str,
                   params: Mapping[str, str] | None = None) -> T:
        return self._parse(parser, await self._request("GET", path, params=params), "GET", path)

    async def _post(self, parser: Callable[[Any], T], path: str,
                    body: Mapping[str, Any] | None = None) -> T:
        payload = await self._request("POST", path, body=body if body is not None else {})
        return self._parse(parser, payload, "POST", path)

    # --- accounts ---------------------------------------------------------------------------

    async def list_accounts(self) -> list[Account]:
        """Every account NT8 knows. The list route's shape is unconfirmed, so a shape we cannot
        read (or a 404 for the route) falls back to the documented accounts snapshot."""
        try:
            return await self._get(wire.parse_accounts, f"{API}/accounts")
        except (BadResponseError, RejectedError) as error:
            log.warning("account list unreadable (%s); using the accounts snapshot", error)
            return await self._get(wire.parse_accounts, f"{API}/accounts/snapshot")

    async def verify_token(self, token: str) -> list[Account]:
        """Read the account list with a candidate token, without adopting it (the token dialog's
        "Test"). Raises AuthenticationError when CrossTrade refuses it."""
        path = f"{API}/accounts"
        payload = await self._request("GET", path, auth=_BearerAuth(token))
        try:
            return wire.parse_accounts(payload)
        except wire.ShapeError:
            return []  # accepted (a 2xx), even if the unconfirmed list shape is unreadable

    async def get_account(self, account: str) -> Account:
        """One account with its balances."""
        return await self._get(wire.parse_account, account_path(account))

    # --- positions --------------------------------------------------------------------------

    async def positions(self, *, include_flat: bool = False) -> list[Position]:
        """Open positions in every account."""
        params = {"includeFlat": "true"} if include_flat else None
        return await self._get(wire.parse_positions, f"{API}/positions", params)

    async def account_positions(self, account: str) -> list[Position]:
        """Open positions in one account."""
        return await self._get(wire.parse_positions, account_path(account, "positions"))

    async def position(self, account: str, instrument: str) -> Position:
        """The position in one instrument; a flat one when CrossTrade says there is none."""
        instrument = normalize_instrument(instrument)
        try:
            return await self._get(
                lambda p: wire.parse_position_answer(p, account=account, instrument=instrument),
                account_path(account, "position"), {"instrument": instrument})
        except RejectedError as error:
            if "no position" in error.server_text.lower():
                return Position(account, instrument, "Flat", 0)
            raise

    async def close_position(self, account: str, instrument: str, *, quantity: int | None = None,
                             percent: float | None = None) -> CloseResult:
        """Close all of a position, `quantity` contracts of it, or a `percent` (0-1) of it."""
        body: dict[str, Any] = {"instrument": normalize_instrument(instrument)}
        if quantity is not None:
            body["quantity"] = quantity
        elif percent is not None:
            body["percent"] = percent
        return await self._post(wire.parse_close, account_path(account, "positions", "close"),
                                body)

    async def reverse(self, account: str, instrument: str) -> OrderAck:
        """Flip the position in an instrument (400 when there is none)."""
        return await self._post(wire.parse_order_ack,
                                account_path(account, "positions", "reverse"),
                                {"instrument": normalize_instrument(instrument)})

    async def flatten_account(self, account: str, instrument: str | None = None
                              ) -> CloseResult:
        """Flatten one instrument, or with none every position and order of the account."""
        body = {"instrument": normalize_instrument(instrument)} if instrument else {}
        return await self._post(wire.parse_close, account_path(account, "positions", "flatten"),
                                body)

    async def flatten_everything(self, *, account: str | None = None,
                                 instrument: str | None = None,
                                 market_position: str | None = None) -> CloseResult:
        """The kill switch: with no filter, every position and order in every account."""
        body: dict[str, Any] = {}
        if account:
            body["account"] = account
        if instrument:
            body["instrument"] = normalize_instrument(instrument)
        if market_position:
            body["marketPosition"] = market_position.lower()
        return await self._post(wire.parse_close, f"{API}/positions/flatten", body)

    # --- orders -----------------------------------------------------------------------------

    async def place(self, order: OrderRequest) -> OrderAck:
        """Place an order. Never retried: see the module docstring."""
        return await self._post(wire.parse_order_ack,
                                account_path(order.account, "orders", "place"),
                                wire.order_body(order))

    async def flat_place(self, order: OrderRequest) -> OrderAck:
        """Close any position (and its orders) in the instrument, then place. Never retried."""
        return await self._post(wire.parse_order_ack,
                                account_path(order.account, "orders", "flatplace"),
                                wire.order_body(order))

    async def cancel_orders(self, account: str, instrument: str | None = None
                            ) -> CloseResult:
        """Cancel the account's working orders (in one instrument if given)."""
        body = {"instrument": normalize_instrument(instrument)} if instrument else {}
        return await self._post(wire.parse_cancel, account_path(account, "orders", "cancel"),
                                body)

    async def cancel_order(self, account: str, order_id: str) -> CloseResult:
        """Cancel one order by id."""
        return await self._post(wire.parse_cancel,
                                account_path(account, "orders", order_id, "cancel"))

    async def get_order(self, account: str, order_id: str) -> OrderInfo:
        """One order's state."""
        return await self._get(wire.parse_order, account_path(account, "orders", order_id))

    async def orders(self, account: str) -> list[OrderInfo]:
        """The account's orders (route shape unconfirmed; working ones have `is_working`)."""
        return await self._get(wire.parse_orders, account_path(account, "orders"))

    # --- market -----------------------------------------------------------------------------

    async def quote(self, instrument: str) -> Quote:
        """The current quote with tick size and point value."""
        return await self._get(wire.parse_quote, f"{API}/market/quote",
                               {"instrument": normalize_instrument(instrument)})

    async def quotes(self, instruments: list[str]) -> list[Quote]:
        """Several quotes in one call (CrossTrade answers with a bare array)."""
        names = ",".join(normalize_instrument(i) for i in instruments)
        return await self._get(wire.parse_quotes, f"{API}/market/quote", {"instrument": names})
