"""The stream's wire format (§10): the frames the client sends, and typed events parsed from the
frames the server pushes. Like ``wire/`` for REST, the only stream module that knows field names.

Server frames are dispatched on ``type`` first; a frame with an ``id`` and no ``type`` is an RPC
reply. Parsing is forgiving where §10 marks a shape as unconfirmed (per-account P&L fields, the
quote's field list, error frames) and raises ``ShapeError`` for a frame that cannot mean what its
``type`` says. Within a ``marketData`` or ``pnlUpdate`` frame a malformed item is skipped and
counted rather than costing the good items beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from ct_ticket.api.wire import (
    ShapeError,
    json_number,
    parse_account,
    parse_position,
)
from ct_ticket.model import Position

__all__ = [
    "AccountPnl",
    "MarketData",
    "Pong",
    "RpcReply",
    "ServerError",
    "ShapeError",
    "StateName",
    "StreamEvent",
    "StreamPnl",
    "StreamQuote",
    "StreamState",
    "UnknownFrame",
    "parse_frame",
    "ping_frame",
    "stream_pnl_frame",
    "subscribe_frame",
    "unsubscribe_frame",
]

StateName = Literal["connecting", "live", "reconnecting", "closed"]


@dataclass(frozen=True)
class StreamQuote:
    """A live quote; a price the frame left out is None. ``received_at`` is ``time.monotonic()``."""

    instrument: str
    bid: float | None
    ask: float | None
    last: float | None
    volume: int | None
    received_at: float


@dataclass(frozen=True)
class AccountPnl:
    """One account's P&L; ``positions`` is None when the frame did not list them."""

    account: str
    realized: float | None
    unrealized: float | None
    positions: tuple[Position, ...] | None = None


@dataclass(frozen=True)
class StreamPnl:
    """A ``pnlUpdate``: ``epoch`` in milliseconds as sent (None if missing)."""

    epoch: int | None
    accounts: tuple[AccountPnl, ...]
    received_at: float


@dataclass(frozen=True)
class StreamState:
    """The connection's health. ``since`` (``time.monotonic()``) is when ``state`` began;
    ``auth_failed`` says CrossTrade refused the token, and the stream stopped trying."""

    state: StateName
    detail: str
    since: float
    auth_failed: bool = False


StreamEvent = StreamQuote | StreamPnl | StreamState


@dataclass(frozen=True)
class MarketData:
    """A ``marketData`` frame: its usable quotes and how many items were unusable."""

    quotes: tuple[StreamQuote, ...]
    skipped: int = 0


@dataclass(frozen=True)
class Pong:
    """The answer to ``{"action": "ping"}`` (its shape is unconfirmed: any ``type: pong``)."""


@dataclass(frozen=True)
class RpcReply:
    """``{"id": ..., "data": ...}``: the answer to an ``rpc`` frame."""

    id: str
    data: Any


@dataclass(frozen=True)
class ServerError:
    """``{"type": "error", ...}``; ``action`` and ``instruments`` when it refuses a change."""

    error: str
    detail: str = ""
    action: str | None = None
    instruments: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnknownFrame:
    """A well-formed frame of a type this client does not know (a newer server, say)."""

    type: str


Frame = MarketData | StreamPnl | Pong | RpcReply | ServerError | UnknownFrame


# --- frames the client sends ----------------------------------------------------------------


def subscribe_frame(instruments: list[str]) -> str:
    return json.dumps({"action": "subscribe", "instruments": instruments})


def unsubscribe_frame(instruments: list[str]) -> str:
    return json.dumps({"action": "unsubscribe", "instruments": instruments})


def stream_pnl_frame(enabled: bool, interval_ms: int) -> str:
    return json.dumps({"action": "streamPnl", "enabled": enabled, "interval": interval_ms})


def ping_frame() -> str:
    return json.dumps({"action": "ping"})


# --- frames the server sends ----------------------------------------------------------------


def _name(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_frame(data: str | bytes, received_at: float) -> Frame:
    """One server frame; raises ``ShapeError`` when it is not JSON or not a usable shape."""
    if isinstance(data, bytes):
        raise ShapeError("a binary frame (the stream speaks JSON text)")
    try:
        frame = json.loads(data)
    except ValueError:
        raise ShapeError("a frame that is not JSON") from None
    if not isinstance(frame, dict):
        raise ShapeError(f"a JSON {type(frame).__name__} instead of an object")
    kind = frame.get("type")
    if kind is None and "id" in frame:
        return RpcReply(str(frame["id"]), frame.get("data"))
    if not isinstance(kind, str):
        raise ShapeError("a frame without a type")
    if kind == "marketData":
        return _market_data(frame, received_at)
    if kind == "pnlUpdate":
        return _pnl_update(frame, received_at)
    if kind == "pong":
        return Pong()
    if kind == "error":
        instruments = frame.get("instruments")
        return ServerError(
            error=str(frame.get("error") or "error"),
            detail=str(frame.get("detail") or frame.get("message") or ""),
            action=frame["action"] if isinstance(frame.get("action"), str) else None,
            instruments=tuple(i for i in instruments if isinstance(i, str))
            if isinstance(instruments, list) else (),
        )
    return UnknownFrame(kind)


def _market_data(frame: dict[str, Any], received_at: float) -> MarketData:
    items = frame.get("quotes")
    if not isinstance(items, list):
        raise ShapeError("marketData without a quotes list")
    quotes = []
    for item in items:
        if not isinstance(item, dict) or (instrument := _name(item.get("instrument"))) is None:
            continue
        volume = json_number(item.get("volume"))
        quotes.append(StreamQuote(
            instrument=instrument,
            bid=json_number(item.get("bid")),
            ask=json_number(item.get("ask")),
            last=json_number(item.get("last")),
            volume=int(volume) if volume is not None else None,
            received_at=received_at,
        ))
    return MarketData(tuple(quotes), skipped=len(items) - len(quotes))


def _pnl_update(frame: dict[str, Any], received_at: float) -> StreamPnl:
    items = frame.get("accounts")
    if not isinstance(items, list):
        raise ShapeError("pnlUpdate without an accounts list")
    accounts = [account for item in items if (account := _account_pnl(item)) is not None]
    if items and not accounts:
        raise ShapeError("pnlUpdate without one usable account")
    epoch = json_number(frame.get("epoch"))
    return StreamPnl(int(epoch) if epoch is not None else None, tuple(accounts), received_at)


def _account_pnl(item: Any) -> AccountPnl | None:
    """Either the flat shape ``{"account", "realizedProfitLoss", ...}`` or the REST snapshot's
    ``{"account": {...account object...}, "positions": [...]}``; None when unusable."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("account"), dict):
        try:
            account = parse_account(item)
        except ShapeError:
            return None
        name, realized, unrealized = account.name, account.realized_pnl, account.unrealized_pnl
    else:
        found = (_name(item.get("account")) or _name(item.get("name"))
                 or _name(item.get("accountName")))
        if found is None:
            return None
        name = found
        realized = json_number(item.get("realizedProfitLoss", item.get("realized")))
        unrealized = json_number(item.get("unrealizedProfitLoss", item.get("unrealized")))
    raw_positions = item.get("positions")
    positions = None if not isinstance(raw_positions, list) else tuple(
        parse_position(p, account=name) for p in raw_positions if isinstance(p, dict))
    return AccountPnl(name, realized, unrealized, positions)
