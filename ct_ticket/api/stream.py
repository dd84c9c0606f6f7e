"""StreamClient: live quotes and P&L over CrossTrade's WebSocket (§10), kept alive by itself.

    stream = StreamClient(token, base_url="https://app.crosstrade.io")
    stream.subscribe(listener)          # StreamQuote, StreamPnl and StreamState events
    stream.start()                      # inside the running event loop
    stream.set_instrument("MES 12-26")  # whenever the ticket's instrument changes
    ...
    await stream.aclose()

It connects, asks for P&L every ``pnl_interval_ms``, streams the quotes of one instrument and,
after any loss, reconnects with capped, jittered exponential backoff and asks for both again
(§10: the server keeps nothing across connections). Instrument switches are coalesced and paced,
because CrossTrade caps subscription changes near 20 a minute. A refused token stops the stream
(``StreamState.auth_failed``) instead of retrying; ``set_token`` starts it again. Malformed and
unknown frames are logged and skipped. The token travels only in the handshake's Authorization
header: never in the URL, a repr, a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from ct_ticket.api.budget import RateBudget
from ct_ticket.api.client import DEFAULT_BASE_URL, check_base_url
from ct_ticket.api.stream_connection import DirectConnection
from ct_ticket.api.stream_messages import (
    AccountPnl,
    MarketData,
    RpcReply,
    ServerError,
    ShapeError,
    StateName,
    StreamEvent,
    StreamPnl,
    StreamQuote,
    StreamState,
    UnknownFrame,
    parse_frame,
    ping_frame,
    stream_pnl_frame,
)
from ct_ticket.api.stream_pacing import Backoff, ChangeBudget, Subscriptions
from ct_ticket.logs import redact, register_secret

__all__ = [
    "STREAM_PATH",
    "AccountPnl",
    "Backoff",
    "StreamClient",
    "StreamEvent",
    "StreamPnl",
    "StreamQuote",
    "StreamState",
    "stream_url",
]

STREAM_PATH = "/ws/stream"
log = logging.getLogger(__name__)
# websockets logs every handshake header at DEBUG, Authorization included. Its logger is held at
# INFO so that no debug configuration can ever write the token to a log file.
_wire_log = logging.getLogger("ct_ticket.api.stream.wire")
_wire_log.setLevel(logging.INFO)
_LOUD_BAD_FRAMES = 10  # log the first few bad frames of a connection loudly, the rest quietly
_STATUS_WORDS = {
    404: "CrossTrade has no stream at this address (HTTP 404; add-on older than v1.12?)",
    408: "NinjaTrader / CrossTrade add-on not connected (HTTP 408)",
    429: "rate limited by CrossTrade (HTTP 429)",
}


def stream_url(base_url: str = DEFAULT_BASE_URL) -> str:
    """The stream's address for a REST base URL: https → wss, loopback http → ws, + /ws/stream.

    Raises ValueError for any URL the REST client would refuse (plain http off this computer).
    """
    url = check_base_url(base_url)
    scheme = "wss" if url.scheme == "https" else "ws"
    return f"{scheme}://{url.host_header.decode('ascii')}{url.prefix}{STREAM_PATH}"


class _Token:
    """The API token, shown as *** by repr and str."""

    def __init__(self, value: str) -> None:
        self.value = value
        register_secret(value)

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__


class StreamClient:
    """One self-healing connection to CrossTrade's stream (see the module docstring)."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        pnl_interval_ms: int | None = 1000,
        backoff: Backoff | None = None,
        settle: float = 0.25,
        change_limit: int = 18,
        change_window: float = 60.0,
        app_ping_interval: float = 25.0,
        ping_interval: float | None = 20.0,
        open_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        self.url = stream_url(base_url)
        self._token = _Token(token)
        self._pnl_interval_ms = pnl_interval_ms
        self._backoff = backoff or Backoff()
        self._subs = Subscriptions(settle, ChangeBudget(change_limit, change_window, clock), clock)
        self._app_ping_interval = app_ping_interval
        self._ping_interval = ping_interval
        self._open_timeout = open_timeout
        self._clock = clock
        self._rng = rng or random.Random()
        # CrossTrade charges every frame to the same bucket as REST: share the client's budget.
        self.budget = budget or RateBudget()
        self._listeners: list[Callable[[StreamEvent], None]] = []
        self._state = StreamState("closed", "Not started.", clock())
        self._stop = asyncio.Event()  # aclose() was called: end waits at once
        self._closing = False
        self._started = False
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._aux: set[asyncio.Task[Any]] = set()
        self._frames = 0  # frames received on the current connection
        self.bad_frames = 0  # unusable frames received on the current connection
        self.connections = 0  # connections opened since start

    def __repr__(self) -> str:
        return (f"StreamClient(url={self.url!r}, state={self._state.state!r}, "
                f"instrument={self._subs.wanted!r})")

    # --- what the ticket calls ------------------------------------------------------------

    @property
    def state(self) -> StreamState:
        """The latest connection state."""
        return self._state

    @property
    def instrument(self) -> str | None:
        """The instrument whose quotes are wanted (the server may still be catching up)."""
        return self._subs.wanted

    @property
    def subscribed(self) -> frozenset[str]:
        """The instruments subscribed on the current connection, as this client sent them."""
        return frozenset(self._subs.subscribed)

    def subscribe(self, listener: Callable[[StreamEvent], None]) -> None:
        """Call ``listener`` with every event from now on (on the event loop's thread)."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Connect and stay connected until ``aclose``; call from inside the running loop."""
        if self._task is not None and not self._task.done():
            return
        self._closing, self._started = False, True
        self._stop.clear()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ct-stream")

    def set_instrument(self, instrument: str | None) -> None:
        """Stream quotes of ``instrument`` only (None: of none). Rapid calls are coalesced; the
        old subscription is dropped once the new one is made, within the change budget."""
        self._subs.want(" ".join(instrument.split()) or None if instrument else None)

    def set_token(self, token: str) -> None:
        """Use a new token: reconnect with it, or start again after the old one was refused."""
        self._token = _Token(token)
        if self._closing or not self._started:
            return
        if self._task is None or self._task.done():
            self.start()
        elif self._ws is not None:
            self._spawn(self._ws.close(1000, "new token"))

    async def aclose(self) -> None:
        """Close the connection cleanly (a close frame) and stop reconnecting."""
        self._closing = True
        self._stop.set()
        ws, task, self._task = self._ws, self._task, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close(1000, "ticket closed")
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for aux in list(self._aux):
            aux.cancel()
        self._set_state("closed", "Stream closed.")

    # --- connecting and reconnecting ------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        state: StateName = "connecting"
        token = self._token.value
        if not (token and token.isascii() and token.isprintable() and " " not in token):
            # No handshake could ever carry it (a pasted line break, say): retrying is pointless.
            self._refused("The API token cannot be sent: it is empty or holds a space, a line "
                          "break or another character a header cannot carry.")
            return
        while not self._closing:
            again = f" (attempt {attempt + 1})" if attempt else ""
            self._set_state(state, f"Connecting to {self.url}{again}")
            state = "reconnecting"
            opened_at: float | None = None
            retry_after = 0.0
            try:
                async with connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {self._token.value}"},
                    user_agent_header="ct-ticket",
                    proxy=None if self.url.startswith("ws:") else True,  # ws: is loopback only
                    open_timeout=self._open_timeout,
                    ping_interval=self._ping_interval,
                    ping_timeout=self._ping_interval,
                    close_timeout=2.0,
                    max_size=4 * 2**20,
                    logger=_wire_log,
                    # Typed as a class; websockets only calls it, as any factory may be.
                    create_connection=cast("type[ClientConnection]", self._connection),
                ) as ws:
                    self._ws, opened_at = ws, self._clock()
                    self.connections += 1
                    why = await self._session(ws)
                if ws.close_code == 1008 and self._frames == 0:
                    # Closed for policy before a single frame: how some servers refuse a token.
                    self._refused(f"{why} before sending anything: the API token was refused.")
                    return
            except InvalidStatus as error:
                status = error.response.status_code
                if status in (401, 403):
                    self._refused(f"CrossTrade refused the API token (HTTP {status}).")
                    return
                why = _STATUS_WORDS.get(status, f"CrossTrade answered HTTP {status}")
                with contextlib.suppress(ValueError):
                    retry_after = float(error.response.headers.get("Retry-After", "0"))
            except (OSError, TimeoutError, WebSocketException) as error:
                why = f"cannot connect: {self._words(error)}"
            except Exception as error:  # a library surprise must not end the stream for good
                why = f"unexpected error: {self._words(error)}"
                log.error("stream: %s", why)
            finally:
                self._ws = None
            if self._closing:
                break
            if opened_at is not None and self._clock() - opened_at >= self._backoff.reset_after:
                attempt = 0
            delay = max(retry_after, self._backoff.delay(attempt, self._rng))
            attempt += 1
            self._set_state("reconnecting", f"{why[:1].upper()}{why[1:]}; retrying in "
                                            f"{delay:.1f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
        self._set_state("closed", "Stream closed.")

    def _refused(self, detail: str) -> None:
        log.warning("stream: %s Not retrying until a new token is set.", detail)
        self._set_state("closed", detail, auth_failed=True)

    def _words(self, error: BaseException) -> str:
        """An exception in words, with the token masked should a library ever echo it."""
        text = str(error) or type(error).__name__
        return redact(text.replace(self._token.value, "***") if self._token.value else text)

    def _connection(self, *args: Any, **kwargs: Any) -> DirectConnection:
        """websockets' factory for a connection: one that hands messages to `_on_message` as
        they are read (no queue, no reader task woken per frame)."""
        self._frames = self.bad_frames = 0
        return DirectConnection(*args, on_message=self._on_message, **kwargs)

    async def _session(self, ws: ClientConnection) -> str:
        """Run one open connection until it ends; returns why it ended, in words."""
        if self._pnl_interval_ms is not None:
            await self._paced(ws.send)(stream_pnl_frame(True, self._pnl_interval_ms))
        self._set_state("live", f"Streaming from {self.url}")
        self._subs.reset()  # (re)subscribe: the server forgot everything with the last connection
        tasks = [asyncio.create_task(self._read(ws), name="reader"),
                 asyncio.create_task(self._subs.keep(self._paced(ws.send)), name="subscriber"),
                 asyncio.create_task(self._keep_pinging(ws), name="pinger")]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None and not isinstance(error, ConnectionClosed):
                log.error("stream: the %s failed: %s", task.get_name(), self._words(error))
                return f"internal error ({type(error).__name__})"
        code, reason = ws.close_code, ws.close_reason
        if code == 1006 or code is None:
            return "connection lost"
        return f"CrossTrade closed the stream (code {code}{': ' + reason if reason else ''})"

    # --- one connection's work ------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        """Wait for the connection to close; messages reach `_on_message` as they are read
        (any the connection still queues come through here)."""
        with contextlib.suppress(ConnectionClosed):
            async for data in ws:
                self._on_message(data)

    def _on_message(self, data: str | bytes) -> None:
        self._frames += 1
        try:
            self._on_frame(data)
        except Exception:  # a bug handling one frame must not end the stream
            log.exception("stream: a frame could not be handled")

    def _on_frame(self, data: str | bytes) -> None:
        try:
            frame = parse_frame(data, self._clock())
        except ShapeError as error:
            self._bad_frame(str(error))
            return
        if isinstance(frame, MarketData):
            if frame.skipped:
                self._bad_frame(f"{frame.skipped} unusable quote(s) in a marketData frame")
            for quote in frame.quotes:
                self._publish(quote)
        elif isinstance(frame, StreamPnl):
            self._publish(frame)
        elif isinstance(frame, ServerError):
            self._server_error(frame)
        elif isinstance(frame, UnknownFrame):
            log.debug("stream: skipped a frame of unknown type %r", frame.type)
        elif isinstance(frame, RpcReply):
            log.debug("stream: skipped an RPC reply to %r (this client sends no rpc)", frame.id)

    def _bad_frame(self, what: str) -> None:
        self.bad_frames += 1
        level = logging.WARNING if self.bad_frames <= _LOUD_BAD_FRAMES else logging.DEBUG
        log.log(level, "stream: skipped %s", what)

    def _server_error(self, error: ServerError) -> None:
        log.warning("stream: CrossTrade said %s: %s (%s %s)", error.error, error.detail,
                    error.action or "-", ", ".join(error.instruments) or "-")
        if error.action and error.instruments:
            rate_limited = "rate" in f"{error.error} {error.detail}".lower()
            self._subs.refused(error.action, error.instruments, rate_limited)

    async def _keep_pinging(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self._app_ping_interval)
            await self._paced(ws.send)(ping_frame())

    def _paced(self, send: Callable[[str], Awaitable[None]]) -> Callable[[str], Awaitable[None]]:
        """`send`, each frame first waiting for a token of the shared budget (a read's)."""
        async def paced(frame: str) -> None:
            await self.budget.take(urgent=False)
            await send(frame)
        return paced

    # --- events ---------------------------------------------------------------------------

    def _set_state(self, state: StateName, detail: str, *, auth_failed: bool = False) -> None:
        since = self._state.since if state == self._state.state else self._clock()
        new = StreamState(state, detail, since, auth_failed)
        if new != self._state:
            self._state = new
            log.info("stream %s: %s", state, detail)
            self._publish(new)

    def _publish(self, event: StreamEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one broken view must not stop the stream for the others
                log.exception("stream: a listener failed on %s", type(event).__name__)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        # Keep a reference: asyncio holds tasks weakly and a collected task silently vanishes.
        task = asyncio.ensure_future(coroutine)
        self._aux.add(task)
        task.add_done_callback(self._aux.discard)
