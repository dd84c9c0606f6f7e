"""Answers the client cannot read, on every endpoint it parses: only `CrossTradeError`s escape.

A real loopback server (tests/faultserver.py, no upstream) answers every request with one
hostile body: nested 10,000 deep, bigger than the client accepts, not JSON, NaN, or JSON whose
values have the wrong types anywhere (Hypothesis draws them from the field names CrossTrade
uses). Whatever comes back, a call either returns a value or raises a `CrossTradeError`; an
unreadable 2xx to anything that acts (place, cancel, change, bracket, close, flatten) is a
`BadResponseError` that may have executed, so the ticket reconciles instead of crashing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from faultserver import FaultServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ct_ticket.api import BadResponseError, CrossTradeClient, CrossTradeError, Timeouts
from ct_ticket.model import Side, build_order

TOKEN = "ct-hostile-token-4e8a06"
MAX_BYTES = 20_000
ORDER = build_order(account="Sim101", instrument="MES 12-25", side="BUY", quantity=1,
                    order_type="LIMIT", limit_price="6850.25", time_in_force="DAY")

Call = Callable[[CrossTradeClient], Awaitable[Any]]
# Every public method that reads an answer, and whether it acts (its lost answer is unknown).
ENDPOINTS: dict[str, tuple[bool, Call]] = {
    "list_accounts": (False, lambda c: c.list_accounts()),
    "verify_token": (False, lambda c: c.verify_token("ct-candidate-token-11")),
    "get_account": (False, lambda c: c.get_account("Sim101")),
    "watermarks": (False, lambda c: c.watermarks("Sim101")),
    "positions": (False, lambda c: c.positions(include_flat=True)),
    "account_positions": (False, lambda c: c.account_positions("Sim101")),
    "position": (False, lambda c: c.position("Sim101", "MES 12-25")),
    "orders": (False, lambda c: c.orders("Sim101")),
    "get_order": (False, lambda c: c.get_order("Sim101", "abc")),
    "order_lifecycle": (False, lambda c: c.order_lifecycle("Sim101", "abc")),
    "executions": (False, lambda c: c.executions("Sim101")),
    "execution": (False, lambda c: c.execution("Sim101", "e1")),
    "quote": (False, lambda c: c.quote("MES 12-25")),
    "quotes": (False, lambda c: c.quotes(["MES 12-25", "ES 12-25"])),
    "place": (True, lambda c: c.place(ORDER)),
    "flat_place": (True, lambda c: c.flat_place(ORDER)),
    "cancel_orders": (True, lambda c: c.cancel_orders("Sim101")),
    "cancel_order": (True, lambda c: c.cancel_order("Sim101", "abc")),
    "change_order": (True, lambda c: c.change_order("Sim101", "abc", quantity=2)),
    "cancel_and_bracket": (True, lambda c: c.cancel_and_bracket(
        "Sim101", "MES 12-25", Side.BUY, 1, stop_loss=Decimal("6840"),
        take_profit=Decimal("6860"))),
    "close_position": (True, lambda c: c.close_position("Sim101", "MES 12-25")),
    "reverse": (True, lambda c: c.reverse("Sim101", "MES 12-25")),
    "flatten_account": (True, lambda c: c.flatten_account("Sim101")),
    "flatten_everything": (True, lambda c: c.flatten_everything()),
}

# The field names CrossTrade's answers use, so drawn objects reach deep into the parsers.
KEYS = ["orderId", "orderState", "orderAction", "action", "orderType", "quantity", "filled",
        "averageFillPrice", "limitPrice", "stopPrice", "timeInForce", "oco", "ocoId", "time",
        "epoch", "timestamp", "nativeError", "error", "errorCode", "detail", "message",
        "success", "warning", "data", "accounts", "account", "name", "item", "positions",
        "marketPosition", "averagePrice", "instrument", "bid", "ask", "last", "tickSize",
        "pointValue", "isMarketOpen", "executions", "id", "executionId", "price", "events",
        "type", "state", "customOrderId", "orderIds", "closedPositions", "cancelledOrderIds",
        "stopLossOrderId", "takeProfitOrderId", "did_you_mean", "quotes", "comment", "reason",
        "watermarks", "stats", "pnlhigh", "netliqhigh", "unrealhigh", "total", "netliq",
        "poscount"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
    st.sampled_from(["Working", "Filled", "Rejected", "Long", "Short", "Buy", "SELL", "",
                     "2026-11-28T14:03:05.1230000", "9999-12-31T23:59:59", "0001-01-01",
                     "1e999", "NaN", "-Infinity", "Unknown API command"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=25,
)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, min_size=1, max_size=10)


def nested(depth: int, opener: bytes = b"[", closer: bytes = b"]") -> bytes:
    return opener * depth + closer * depth


DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
HOSTILE_BODIES: dict[str, bytes] = {
    "10000 nested arrays": nested(10_000),
    "10000 nested objects": DEEP_OBJECT,
    "deep inside a good answer": (b'{"orderId": "x", "orderState": "Working", "success": true, '
                                  b'"nativeError": ' + nested(5_000) + b"}"),
    "deep list of accounts": b'{"accounts": ' + nested(900) + b"}",
    "too big": b'{"pad": "' + b"x" * (MAX_BYTES * 2) + b'"}',
    "not JSON": b"\x00\xff<html>\xfe",
    "NaN": b'{"orderId": NaN, "bid": NaN, "success": true}',
    "Infinity": b'{"orderId": "x", "price": Infinity, "quantity": -Infinity}',
    "huge number": b'{"orderId": "x", "quantity": ' + b"9" * 5000 + b"}",
    "bare string": b'"hello"',
    "null": b"null",
}
ACTING = [name for name, (acts, _) in ENDPOINTS.items() if acts]


class Runner:
    """One client on one event loop for the whole module: thousands of calls stay cheap, and
    the client must keep working after every hostile answer it has seen."""

    def __init__(self, server: FaultServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.client = CrossTradeClient(
            TOKEN, base_url=server.url, backoff=0.001, max_read_wait=0.5,
            timeouts=Timeouts(connect=1, read=2, order_deadline=3, read_deadline=3),
            max_response_bytes=MAX_BYTES)

    def outcome(self, call: Call) -> Any:
        """The call's value, or the exception it raised (any kind)."""
        try:
            return self.loop.run_until_complete(call(self.client))
        except Exception as error:
            return error

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def hostile() -> Iterator[Runner]:
    with FaultServer() as server:
        runner = Runner(server)
        yield runner
        runner.close()


def serve(runner: Runner, status: int, body: bytes, headers: dict[str, str] | None = None
          ) -> None:
    runner.server.clear()
    runner.server.inject("status", status=status, body=body, headers=headers or {})


def assert_contained(result: Any, name: str, status: int) -> None:
    if isinstance(result, BaseException):
        assert isinstance(result, CrossTradeError), f"{name}: {type(result).__name__}: {result}"
        acts = ENDPOINTS[name][0]
        if isinstance(result, BadResponseError) and 200 <= status < 300:
            assert result.may_have_executed == acts, name


@pytest.mark.parametrize("body_name", list(HOSTILE_BODIES))
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_hostile_body_on_a_200_is_a_bad_response(hostile: Runner, name: str,
                                                 body_name: str) -> None:
    serve(hostile, 200, HOSTILE_BODIES[body_name])
    result = hostile.outcome(ENDPOINTS[name][1])
    if name == "verify_token" and result == []:
        return  # a 2xx accepts the token, whatever its unconfirmed list looks like
    assert isinstance(result, BadResponseError), f"{name}: {result!r}"
    assert result.may_have_executed == ENDPOINTS[name][0]
    assert "unexpected answer" in result.trader_message


@pytest.mark.parametrize("name", ACTING)
def test_undecodable_content_encoding_on_an_order_is_an_unknown_outcome(
        hostile: Runner, name: str) -> None:
    serve(hostile, 200, b"this is not gzip at all", {"Content-Encoding": "gzip"})
    result = hostile.outcome(ENDPOINTS[name][1])
    assert isinstance(result, BadResponseError) and result.may_have_executed


@pytest.mark.parametrize("encoding", ["", "gzip"])
@pytest.mark.parametrize("name", ACTING)
def test_a_refusal_too_big_or_undecodable_still_says_the_order_was_not_executed(
        hostile: Runner, name: str, encoding: str) -> None:
    """A 4xx is a refusal whatever its body: too long to read, or not the encoding it names,
    the order did not act. A 5xx with the same body may have."""
    body = b"this is not gzip at all" if encoding else HOSTILE_BODIES["too big"]
    headers = {"Content-Encoding": encoding} if encoding else {}
    for status, may_have_acted in ((400, False), (500, True)):
        serve(hostile, status, body, headers)
        result = hostile.outcome(ENDPOINTS[name][1])
        assert isinstance(result, BadResponseError), f"{name} {status}: {result!r}"
        assert (result.status, result.may_have_executed) == (status, may_have_acted)


@pytest.mark.parametrize("status", [400, 404, 408, 429, 500, 503])
@pytest.mark.parametrize("body_name", ["10000 nested arrays", "10000 nested objects", "NaN"])
def test_hostile_body_on_an_error_status_is_still_a_client_error(
        hostile: Runner, status: int, body_name: str) -> None:
    for name in ("place", "get_order", "order_lifecycle", "quote"):
        serve(hostile, status, HOSTILE_BODIES[body_name])
        result = hostile.outcome(ENDPOINTS[name][1])
        assert isinstance(result, CrossTradeError), f"{name}: {result!r}"


@settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(list(ENDPOINTS)),
       status=st.sampled_from([200, 200, 200, 201, 400, 404, 500]),
       body=st.one_of(objects, json_values, st.lists(objects, max_size=3)))
def test_any_json_of_the_wrong_types_only_ever_raises_client_errors(
        hostile: Runner, name: str, status: int, body: Any) -> None:
    serve(hostile, status, json.dumps(body).encode())
    assert_contained(hostile.outcome(ENDPOINTS[name][1]), name, status)


@settings(max_examples=120, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(list(ENDPOINTS)),
       body=st.one_of(st.binary(max_size=200),
                      st.integers(1, 12_000).map(nested),
                      st.integers(1, 12_000).map(lambda n: nested(n, b'{"a":', b"}")
                                                 .replace(b"{\"a\":}", b"{}"))))
def test_any_bytes_only_ever_raise_client_errors(hostile: Runner, name: str, body: bytes
                                                 ) -> None:
    serve(hostile, 200, body)
    assert_contained(hostile.outcome(ENDPOINTS[name][1]), name, 200)
