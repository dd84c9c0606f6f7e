"""The one place the client makes HTTP requests: connections, deadlines, retries, and turning
every answer (or its absence) into a value or one of the client's errors.

Three rules hold here for every endpoint:

- **A deadline for the whole exchange.** Connecting, sending and reading every byte of the
  answer must finish within the request's deadline (`Timeouts.order_deadline` for requests that
  act, `Timeouts.read_deadline` for each attempt of a read), however slowly the bytes trickle
  in: a read timeout alone restarts with every byte. Past it the request is a
  `TransportError`; for a POST or PUT the outcome is unknown (`may_have_executed`).
- **No silent queue.** At most 24 requests are in flight, each on a connection of its own
  (`lanes.py`), so a group's 20 orders leave together; reads may take only three connections,
  so an order never queues behind slow reads. A request that waits for a connection is logged
  and counted; past `Timeouts.pool` it fails with `SlowServerError` ("CrossTrade is slow: N
  requests waiting"), which was never sent.
- **Nothing unreadable escapes as anything but a `CrossTradeError`.** A body that is not JSON,
  nests too deep, uses NaN, is too big, or has the wrong shape or types anywhere is a
  `BadResponseError`; the parsers' own mistakes on a hostile body are too (and are logged with
  their traceback, so a parser bug stays visible).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from ct_ticket import timing
from ct_ticket.api import wire
from ct_ticket.api.budget import RateBudget
from ct_ticket.api.errors import (
    AuthenticationError,
    BadResponseError,
    NotConnectedError,
    RateLimitedError,
    RejectedError,
    ServerError,
    SlowServerError,
    TransportError,
    changes_state,
)
from ct_ticket.api.http1 import Answer, TooLarge, UndecodableBody, WireError, Written
from ct_ticket.api.lanes import Lanes, PoolFull
from ct_ticket.api.origin import Origin, check_base_url
from ct_ticket.api.transport import (
    Unreadable,
    decode_json,
    query_string,
    retry_after_seconds,
)

__all__ = ["BIG_ANSWER", "MAX_CONNECTIONS", "READ_CONNECTIONS", "BearerAuth", "Exchanger",
           "Requester", "Timeouts", "check_base_url"]

log = logging.getLogger("ct_ticket.api.client")
T = TypeVar("T")
# A wave of the rate budget's burst (20 orders: a group of 20 accounts) plus the reads' three
# and one to spare. Each stays open between clicks for `KEEP_ALIVE_S`.
MAX_CONNECTIONS = 24
READ_CONNECTIONS = 3  # reads may hold at most this many: the rest are always for orders
KEEP_ALIVE_S = 120.0  # how long an idle connection is kept open for the next request
# Bytes past which an answer is decoded and parsed in a worker thread, not on the GUI's loop:
# about 40 orders or fills, some 5 ms of parsing on a slow machine. An order's answer is far
# smaller and never takes the detour.
BIG_ANSWER = 16_384
# Every request's own headers (Host, Content-Length and Authorization are added per request).
_HEADERS = [(b"Accept", b"application/json"), (b"User-Agent", b"ct-ticket"),
            (b"Accept-Encoding", b"gzip, deflate")]
_JSON = (b"Content-Type", b"application/json")


class Timeouts:
    """Seconds. `connect` bounds opening a connection and `read` each wait for the answer's
    next bytes (a dead network should say so fast); `order_deadline` bounds the whole
    exchange of a request that acts (place, cancel, change, close, flatten) and
    `read_deadline` each attempt of a read; `pool` how long a request may wait for a free
    connection (default: `connect`)."""

    def __init__(self, connect: float = 5.0, read: float = 10.0, *,
                 order_deadline: float = 10.0, read_deadline: float = 15.0,
                 pool: float | None = None) -> None:
        self.connect = connect
        self.read = read
        self.order_deadline = order_deadline
        self.read_deadline = read_deadline
        self.pool = connect if pool is None else pool

    def deadline(self, method: str) -> float:
        """The whole-exchange deadline of one attempt of `method`."""
        return self.order_deadline if changes_state(method) else self.read_deadline


class Exchanger(Protocol):
    """What carries a request: `Lanes` (the network) or `AsgiTransport` (an app in-process)."""

    async def exchange(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
                       body: bytes, *, read_timeout: float, max_bytes: int,
                       written: Written | None = None) -> Answer: ...

    async def aclose(self) -> None: ...


class BearerAuth:
    """The Authorization header's value; keeps the token out of reprs and URLs."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth(***)"

    def header(self) -> tuple[bytes, bytes]:
        """(name, value), or ValueError for a token no header can carry. h11 would refuse
        it too, but quote it, token and all, in its error: refused here without repeating
        it, and nothing is sent."""
        token = self._token
        if token != token.strip() or not token.isascii() or any(
                ord(ch) < 0x20 or ord(ch) == 0x7F for ch in token):
            raise ValueError("the API token has a space, line break or control character in it")
        return b"Authorization", f"Bearer {token}".encode("ascii")


class _Slots:
    """The client's own connection budget, so waiting is counted and never silent."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.all = asyncio.Semaphore(MAX_CONNECTIONS)
        self.reads = asyncio.Semaphore(READ_CONNECTIONS)
        self.waiting = 0


class Requester:
    """Sends requests for `CrossTradeClient` (see the module docstring for the rules)."""

    def __init__(self, origin: Origin, auth: BearerAuth, *, timeouts: Timeouts,
                 transport: Exchanger | None, get_retries: int, backoff: float,
                 max_read_wait: float, max_response_bytes: int, verify: bool | str,
                 budget: RateBudget | None = None) -> None:
        self.origin = origin
        self.auth = auth
        self.budget = budget or RateBudget()  # paces every request before it takes a connection
        self.timeouts = timeouts
        self._get_retries = get_retries
        self._backoff = backoff
        self._max_read_wait = max_read_wait
        self._max_response_bytes = max_response_bytes
        self._slots = _Slots()
        self.rate_limited_until = 0.0  # time.monotonic() before which CrossTrade said "wait"
        # Idle connections live long enough for the ticket's periodic reads to keep one open
        # between clicks, and a group's connections open from its last send; calls in sequence
        # reuse the same warm one (`Lanes` hands out the one freed last). Redirects are never
        # followed (there is no code for it): a redirect means a wrong path, and the token
        # must not be carried along.
        self.transport: Exchanger = transport or Lanes(
            origin, MAX_CONNECTIONS, verify=verify, keepalive_expiry=KEEP_ALIVE_S,
            connect_timeout=timeouts.connect)

    async def aclose(self) -> None:
        """Close the kept-alive connections."""
        await self.transport.aclose()

    @property
    def waiting(self) -> int:
        """Requests waiting for a free connection right now."""
        return self._slots.waiting

    def set_auth(self, auth: BearerAuth) -> None:
        self.auth = auth

    async def call(self, method: str, path: str, parser: Callable[[Any], T], *,
                   params: Mapping[str, str] | None = None,
                   body: Mapping[str, Any] | None = None, auth: BearerAuth | None = None) -> T:
        """Send (GETs with bounded retries; anything that acts exactly once) and parse."""
        timing.mark("call")
        payload, size = await self._request(method, path, params=params, body=body, auth=auth)
        try:
            # A big answer (a day's orders or fills) is read in a worker thread: parsing it in
            # one go on the loop held the window still for tens of ms while orders were out.
            parsed = await asyncio.to_thread(parser, payload) if size > BIG_ANSWER else (
                parser(payload))
            timing.mark("answer parsed")
            return parsed
        except wire.ShapeError as error:
            raise BadResponseError(str(error), method=method, path=path, status=200) from None
        except Exception as error:  # a hostile body found a parser gap: unreadable, not a crash
            log.warning("could not read the answer to %s %s", method, path, exc_info=True)
            raise BadResponseError(f"unreadable answer ({type(error).__name__})",
                                   method=method, path=path, status=200) from None

    async def _request(self, method: str, path: str, *, params: Mapping[str, str] | None,
                       body: Mapping[str, Any] | None, auth: BearerAuth | None) -> tuple[Any, int]:
        attempts = 1 + (self._get_retries if method == "GET" else 0)
        for attempt in range(attempts):
            try:
                return await self._send_once(method, path, params, body, auth)
            except SlowServerError:
                raise  # waiting longer would only lengthen the queue
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

    async def _acquire(self, method: str, path: str) -> list[asyncio.Semaphore]:
        """Take a connection slot (reads: one of three; orders: any free one) or fail loudly."""
        slots = self._slots
        loop = asyncio.get_running_loop()
        if slots.loop is not loop:  # a new event loop (tests): fresh, unbound semaphores
            self._slots = slots = _Slots()
            slots.loop = loop
        wanted = [slots.all] if changes_state(method) else [slots.reads, slots.all]
        if not any(s.locked() for s in wanted):
            for semaphore in wanted:
                await semaphore.acquire()  # free: returns at once
            return wanted
        slots.waiting += 1
        log.warning("%s %s waits for a connection (%d waiting)", method, path, slots.waiting)
        taken: list[asyncio.Semaphore] = []
        try:
            async with asyncio.timeout(self.timeouts.pool):
                for semaphore in wanted:
                    await semaphore.acquire()
                    taken.append(semaphore)
        except TimeoutError:
            for semaphore in taken:
                semaphore.release()
            raise SlowServerError(slots.waiting, method=method, path=path) from None
        finally:
            slots.waiting -= 1
        return wanted

    async def _send_once(self, method: str, path: str, params: Mapping[str, str] | None,
                         body: Mapping[str, Any] | None, auth: BearerAuth | None
                         ) -> tuple[Any, int]:
        await self.budget.take(urgent=changes_state(method))  # orders and flattens first
        taken = await self._acquire(method, path)
        try:
            return await self._exchange(method, path, params, body, auth)
        finally:
            for semaphore in reversed(taken):
                semaphore.release()

    async def _exchange(self, method: str, path: str, params: Mapping[str, str] | None,
                        body: Mapping[str, Any] | None, auth: BearerAuth | None) -> tuple[Any, int]:
        started = time.perf_counter()
        target = self.origin.prefix + (f"{path}?{query_string(params)}" if params else path)
        deadline = self.timeouts.deadline(method)
        try:
            headers = [*_HEADERS, (auth or self.auth).header()]
        except ValueError as error:
            raise TransportError(str(error), method=method, path=path,
                                 request_sent=False) from None
        content = b""
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                                 allow_nan=False).encode()
            headers.append(_JSON)
        written = timing.wire_hook()  # None unless a benchmark or a send listens
        timing.mark("send")
        try:
            async with asyncio.timeout(deadline):
                answer = await self.transport.exchange(
                    method.encode("ascii"), target.encode("ascii"), headers, content,
                    read_timeout=self.timeouts.read, max_bytes=self._max_response_bytes,
                    written=written)
        except TimeoutError:
            # The request left (or may have): for an order, the outcome is unknown.
            raise TransportError(f"no complete answer within {deadline:g} s", method=method,
                                 path=path) from None
        except PoolFull:
            raise SlowServerError(self._slots.waiting + 1, method=method, path=path) from None
        except WireError as error:
            raise TransportError(error.reason, method=method, path=path,
                                 request_sent=error.sent) from None
        except TooLarge as error:
            raise BadResponseError(str(error), method=method, path=path,
                                   status=error.status) from None
        except UndecodableBody as error:
            raise BadResponseError("an answer that cannot be decoded", method=method, path=path,
                                   status=error.status) from None
        log.info("%s %s -> %d in %.0f ms", method, path, answer.status,
                 (time.perf_counter() - started) * 1000)
        raw = answer.body
        payload = await asyncio.to_thread(decode_json, raw) if len(raw) > BIG_ANSWER else (
            decode_json(raw))
        return self._interpret(answer, payload, method, path), len(raw)

    def _interpret(self, answer: Answer, payload: Any, method: str, path: str) -> Any:
        status, raw = answer.status, answer.body
        acts = changes_state(method)
        if 300 <= status < 400:
            raise BadResponseError(f"HTTP {status} redirect; is the base URL right?",
                                   method=method, path=path, status=status)
        if isinstance(payload, Unreadable):
            if status < 500 and status not in (401, 403, 408, 429):
                if payload.reason != "not JSON":
                    what = f"a body {payload.reason}"
                elif raw.lstrip()[:1] == b"<":
                    what = "an HTML page"
                else:
                    what = "a body that is not JSON"
                raise BadResponseError(f"HTTP {status} with {what}", method=method, path=path,
                                       status=status)
            payload = None
        error, detail = wire.error_fields(payload) or (None, None)
        common: dict[str, Any] = {"error": error, "detail": detail, "method": method, "path": path}
        if status in (401, 403):
            raise AuthenticationError(f"HTTP {status}", status=status, **common)
        if status == 408:
            # The bridge to NT8 is down; the docs warn a placement may or may not have reached it.
            raise NotConnectedError("HTTP 408", status=status, may_have_executed=acts, **common)
        if status == 429:
            retry_after = retry_after_seconds(answer.headers.get("retry-after"))
            self.rate_limited_until = time.monotonic() + retry_after
            raise RateLimitedError("HTTP 429", retry_after=retry_after, **common)
        unknown = wire.unknown_command(payload)
        if status >= 500:
            raise ServerError(f"HTTP {status}", status=status, may_have_executed=acts,
                              unknown_command=unknown, **common)
        if status >= 400 or error is not None or (
                isinstance(payload, dict) and payload.get("success") is False):
            raise RejectedError(f"HTTP {status}", status=status, unknown_command=unknown,
                                **common)
        return payload
