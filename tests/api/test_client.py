"""CrossTradeClient over real loopback sockets: the simulator served by uvicorn, and the fault
server in front of it. What these prove: the documented bodies and paths go out, every failure
becomes the right error class with the right `may_have_executed`, an order POST is sent exactly
once whatever happens, GETs retry a bounded number of times, one warm connection carries the
traffic, and the token goes nowhere but the Authorization header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from faultserver import FaultKind, FaultServer

from ct_ticket.api import (
    AuthenticationError,
    BadResponseError,
    CrossTradeClient,
    CrossTradeError,
    NotConnectedError,
    RateLimitedError,
    RejectedError,
    ServerError,
    Timeouts,
    TransportError,
)
from ct_ticket.api.client import check_base_url
from ct_ticket.model import OrderRequest, OrderType, Side, TimeInForce, build_order
from ct_ticket.sim import Simulator, create_app

TOKEN = "ct-test-token-7f3e9a2b51"
WRONG_TOKEN = "ct-wrong-token-0c4d8e"
RIGHT_TOKEN = "ct-right-token-a61f93"
SECRETS = (TOKEN, WRONG_TOKEN, RIGHT_TOKEN)
FAST = Timeouts(connect=1, read=0.5)
GET_RETRIES = 2  # the client's default: three attempts in all

SEED = build_order(account="Sim101", instrument="MES 12-25", side="BUY", quantity=1,
                   order_type="MARKET", time_in_force="DAY")
SEED_BODY = {"instrument": "MES 12-25", "action": "BUY", "quantity": 1, "orderType": "MARKET",
             "timeInForce": "DAY"}
PLACE = "/orders/place"

T = TypeVar("T")
E = TypeVar("E", bound=CrossTradeError)
Call = Callable[[CrossTradeClient], Awaitable[Any]]


# --- helpers ------------------------------------------------------------------------------


def run(url: str, call: Callable[[CrossTradeClient], Awaitable[T]], *, token: str = TOKEN,
        **options: Any) -> T:
    """Run one call with a fresh client (fast timeouts, tiny backoff) on a fresh event loop."""
    async def main() -> T:
        async with CrossTradeClient(token, base_url=url, timeouts=FAST, backoff=0.01,
                                    **options) as client:
            return await call(client)
    return asyncio.run(main())


def fails(error_type: type[E], url: str, call: Call, **options: Any) -> E:
    """Run a call that must raise `error_type`; the error must not carry any token."""
    with pytest.raises(error_type) as caught:
        run(url, call, **options)
    error = caught.value
    for text in (str(error), repr(error), error.trader_message, error.outcome_note):
        assert not any(secret in text for secret in SECRETS)
    return error


def place(order: OrderRequest = SEED) -> Call:
    return lambda client: client.place(order)


def quote(client: CrossTradeClient) -> Awaitable[Any]:
    return client.quote("MES 12-25")


@pytest.fixture(autouse=True)
def _token_never_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test of this module runs with DEBUG logging captured; no record may hold a token."""
    caplog.set_level(logging.DEBUG)
    yield
    # In teardown `caplog.records` holds teardown's records only: ask for each stage's.
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    formatter = logging.Formatter()  # message plus any exception text
    for record in records:
        assert not any(secret in formatter.format(record) for secret in SECRETS), record


@pytest.fixture
def sim(served: tuple[Any, str]) -> Iterator[Simulator]:
    """A fresh simulator behind the served URL; afterwards, no token may have travelled in a
    path, query or body."""
    simulator = Simulator(seed=7)
    served[0].app = create_app(simulator)
    yield simulator
    for request in simulator.requests:
        for secret in SECRETS:
            assert secret not in request.path + request.query
            assert secret.encode() not in request.body


@pytest.fixture
def url(served: tuple[Any, str], sim: Simulator) -> str:
    return served[1]


@pytest.fixture
def faults(url: str) -> Iterator[FaultServer]:
    with FaultServer(upstream=url) as server:
        yield server


# --- the documented requests --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["place", "flatplace"])
def test_seed_market_order_sends_the_documented_body_and_gets_an_order_id(
        url: str, sim: Simulator, caplog: pytest.LogCaptureFixture, kind: str) -> None:
    ack = run(url, lambda c: c.place(SEED) if kind == "place" else c.flat_place(SEED))

    assert ack.order_id
    [post] = sim.order_posts(kind)
    assert post.path == f"/v1/api/accounts/Sim101/orders/{kind}"
    assert json.loads(post.body) == SEED_BODY
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.headers["content-type"] == "application/json"
    assert post.status == 200
    assert sim.order_api("Sim101", ack.order_id)["orderId"] == ack.order_id
    position = sim.position("Sim101", "MES 12-25")
    assert position is not None
    assert (position["marketPosition"], position["quantity"]) == ("Long", 1)
    # The module's no-token-in-logs check is live: the client's records are seen.
    assert "ct_ticket.api.client" in {r.name for r in caplog.records}


@pytest.mark.parametrize(("order_type", "expected_prices"), [
    ("MARKET", {}),
    ("LIMIT", {"limitPrice": 6840.25}),
    ("STOPMARKET", {"stopPrice": 6860.5}),
    ("STOPLIMIT", {"limitPrice": 6840.25, "stopPrice": 6860.5}),
])
def test_each_order_type_sends_exactly_its_price_fields(
        url: str, sim: Simulator, order_type: str, expected_prices: dict[str, float]) -> None:
    # Both prices are typed in every time: the ones the type does not take must not leave.
    order = build_order(account="Sim101", instrument="MES 12-25", side="BUY", quantity=2,
                        order_type=order_type, time_in_force="GTC",
                        limit_price="6840.25", stop_price=Decimal("6860.5"))
    assert run(url, place(order)).order_id

    [post] = sim.order_posts("place")
    assert post.json == {"instrument": "MES 12-25", "action": "BUY", "quantity": 2,
                         "orderType": order_type, "timeInForce": "GTC", **expected_prices}


def test_account_with_space_and_slash_is_one_encoded_path_segment(
        url: str, sim: Simulator) -> None:
    sim.add_account("Prop Firm/01")
    order = build_order(account="Prop Firm/01", instrument="MES 12-25", side="SELL",
                        quantity=1, order_type="MARKET")

    run(url, place(order))
    account = run(url, lambda c: c.get_account("Prop Firm/01"))

    [post] = sim.order_posts()
    assert post.path == "/v1/api/accounts/Prop%20Firm%2F01/orders/place"
    assert account.name == "Prop Firm/01"
    position = sim.position("Prop Firm/01", "MES 12-25")
    assert position is not None and position["marketPosition"] == "Short"
    assert sim.position("Sim101", "MES 12-25") is None


def test_reads_parse_the_simulator_answers(url: str, sim: Simulator) -> None:
    async def session(client: CrossTradeClient) -> dict[str, Any]:
        flat = await client.position("Sim101", "mes 12-25")
        ack = await client.place(SEED)
        return {"flat": flat, "ack": ack, "long": await client.position("Sim101", "MES 12-25"),
                "order": await client.get_order("Sim101", ack.order_id),
                "quotes": await client.quotes(["MES 12-25", "ES 12-25"]),
                "accounts": await client.list_accounts()}

    seen = run(url, session)

    assert seen["flat"].is_flat and seen["flat"].signed_quantity == 0
    assert seen["long"].signed_quantity == 1
    assert seen["order"].order_id == seen["ack"].order_id
    assert [q.instrument for q in seen["quotes"]] == ["MES 12-25", "ES 12-25"]
    assert seen["quotes"][0].tick_size == 0.25
    assert [a.name for a in seen["accounts"]] == ["Sim101", "Sim102", "Apex-12"]
    [position_read, *_] = [r for r in sim.requests if r.path.endswith("/position")]
    assert position_read.query == "instrument=MES%2012-25"


# --- every error class --------------------------------------------------------------------


def test_wrong_token_is_an_authentication_error_and_places_nothing(
        served: tuple[Any, str]) -> None:
    switch, url = served
    guarded = Simulator(token=RIGHT_TOKEN)
    switch.app = create_app(guarded)
    error = fails(AuthenticationError, url, place(), token=WRONG_TOKEN)
    assert run(url, quote, token=RIGHT_TOKEN).instrument == "MES 12-25"

    assert error.status == 401
    assert not error.may_have_executed
    assert [r.status for r in guarded.order_posts()] == [401]
    assert guarded.position("Sim101", "MES 12-25") is None


def test_403_is_an_authentication_error(faults: FaultServer) -> None:
    faults.inject("status", status=403, body={"error": "Pro plan required"})
    error = fails(AuthenticationError, faults.url, quote)
    assert error.status == 403
    assert error.error == "Pro plan required"
    assert faults.count("GET") == 1


def test_ninjatrader_offline_408_on_a_post_may_have_executed(
        url: str, sim: Simulator) -> None:
    sim.nt_connected = False
    error = fails(NotConnectedError, url, place())
    assert error.status == 408
    assert error.may_have_executed
    assert error.error == "NinjaTrader is not connected"
    assert len(sim.order_posts()) == 1


def test_ninjatrader_offline_408_on_a_get_is_not_retried(url: str, sim: Simulator) -> None:
    sim.nt_connected = False
    error = fails(NotConnectedError, url, quote)
    assert not error.may_have_executed
    assert len(sim.requests) == 1


def test_429_on_a_post_carries_retry_after_and_is_not_retried(faults: FaultServer) -> None:
    faults.inject("status", status=429, body={"error": "Rate limit exceeded"},
                  headers={"Retry-After": "7"})
    error = fails(RateLimitedError, faults.url, place())
    assert error.retry_after == 7.0
    assert error.error == "Rate limit exceeded"
    assert faults.count("POST", PLACE) == 1


def test_429_on_a_get_waits_a_short_retry_after_then_succeeds(faults: FaultServer) -> None:
    faults.inject("status", status=429, headers={"Retry-After": "1"}, method="GET", times=1)
    started = time.monotonic()
    assert run(faults.url, quote).instrument == "MES 12-25"
    assert time.monotonic() - started >= 0.9
    assert faults.count("GET") == 2


def test_429_on_a_get_with_a_long_retry_after_gives_up_at_once(faults: FaultServer) -> None:
    faults.inject("status", status=429, headers={"Retry-After": "30"}, method="GET")
    started = time.monotonic()
    error = fails(RateLimitedError, faults.url, quote)
    assert error.retry_after == 30.0
    assert time.monotonic() - started < 1.0
    assert faults.count("GET") == 1


def test_simulator_rate_limit_reaches_the_caller_on_a_post(served: tuple[Any, str]) -> None:
    # The simulator's clock stands still, so the bucket cannot refill while the burst is spent
    # (on a busy machine twenty reads can take long enough to earn the POST a token).
    sim = Simulator(seed=7, clock=lambda: 0.0)
    served[0].app = create_app(sim)

    async def burst_then_place(client: CrossTradeClient) -> Any:
        for _ in range(20):  # the documented burst
            await client.quote("MES 12-25")
        return await client.place(SEED)

    error = fails(RateLimitedError, served[1], burst_then_place)
    assert error.retry_after >= 1
    assert [r.status for r in sim.order_posts()] == [429]


def test_limit_order_without_price_is_rejected_by_the_server(url: str, sim: Simulator) -> None:
    # Built by hand to get past the model's own check: the server must still say no.
    order = OrderRequest(account="Sim101", instrument="MES 12-25", side=Side.BUY, quantity=1,
                         order_type=OrderType.LIMIT, time_in_force=TimeInForce.DAY)
    error = fails(RejectedError, url, place(order))
    assert error.status == 400
    assert error.error == "invalid_request"
    assert error.detail is not None and "limitPrice" in error.detail
    assert not error.may_have_executed
    assert error.detail in error.trader_message
    assert sim.working_orders("Sim101") == []


def test_unknown_account_is_rejected_with_the_servers_words(url: str) -> None:
    order = build_order(account="Nope999", instrument="MES 12-25", side="BUY", quantity=1,
                        order_type="MARKET")
    error = fails(RejectedError, url, place(order))
    assert (error.status, error.error) == (400, "invalid_account")
    assert error.detail == "Account Nope999 not found"


def test_bare_error_body_without_success_is_rejected(url: str) -> None:
    error = fails(RejectedError, url, lambda c: c.close_position("Sim101", "MES 12-25"))
    assert error.error == "No positions found for instrument 'MES 12-25'"
    assert error.detail is None


def test_404_under_the_api_is_rejected(faults: FaultServer) -> None:
    faults.inject("status", status=404, body={
        "success": False, "error": "not_found", "detail": "No route for GET /v1/api/market/qoute",
        "did_you_mean": ["/v1/api/market/quote"]})
    error = fails(RejectedError, faults.url, quote)
    assert (error.status, error.error) == (404, "not_found")
    assert faults.count() == 1


def test_200_with_success_false_is_rejected(faults: FaultServer) -> None:
    faults.inject("success_false", body={"success": False, "error": "order_rejected",
                                         "detail": "Insufficient margin"})
    error = fails(RejectedError, faults.url, place())
    assert (error.status, error.error, error.detail) == (200, "order_rejected",
                                                        "Insufficient margin")
    assert faults.count("POST", PLACE) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_on_a_post_may_have_executed_and_is_sent_once(
        faults: FaultServer, sim: Simulator, status: int) -> None:
    faults.inject("status", status=status)
    error = fails(ServerError, faults.url, place())
    assert error.status == status
    assert error.may_have_executed
    assert faults.count("POST", PLACE) == 1
    assert "may have gone through" in error.outcome_note


@pytest.mark.parametrize(("status", "attempts"), [(500, 1), (502, 1 + GET_RETRIES),
                                                  (503, 1 + GET_RETRIES)])
def test_server_error_on_a_get_is_retried_a_bounded_number_of_times(
        faults: FaultServer, status: int, attempts: int) -> None:
    faults.inject("status", status=status, body="<html>Bad gateway</html>")
    error = fails(ServerError, faults.url, quote)
    assert not error.may_have_executed
    assert faults.count("GET") == attempts


def test_get_recovers_when_a_503_clears(faults: FaultServer) -> None:
    faults.inject("status", status=503, method="GET", times=GET_RETRIES)
    assert run(faults.url, quote).instrument == "MES 12-25"
    assert faults.count("GET") == 1 + GET_RETRIES


def test_refused_connection_was_never_sent(faults: FaultServer) -> None:
    error = fails(TransportError, faults.refused_url(), place())
    assert not error.request_sent
    assert not error.may_have_executed
    assert error.trader_message.startswith("Cannot reach CrossTrade")


def test_refusing_server_then_recovery_when_it_comes_back(faults: FaultServer) -> None:
    async def down_then_up(client: CrossTradeClient) -> Any:
        await client.quote("MES 12-25")  # leaves a warm connection, which the outage drops
        faults.inject("refuse")
        with pytest.raises(TransportError) as caught:
            await client.quote("MES 12-25")
        assert not caught.value.request_sent
        faults.clear()
        return await client.quote("MES 12-25")

    assert run(faults.url, down_then_up).instrument == "MES 12-25"
    assert faults.count("GET") == 2


@pytest.mark.parametrize("token", [TOKEN + "\n", f"{TOKEN}\r\nX-Injected: 1", f" {TOKEN}",
                                   f"{TOKEN}\x00"], ids=["newline", "crlf", "space", "nul"])
def test_token_a_header_cannot_carry_is_not_sent_and_not_logged(
        url: str, sim: Simulator, token: str) -> None:
    # A pasted token with a line break is an illegal header value: nothing leaves the computer,
    # so the order is "not sent", not "unknown" (and the module fixture finds no token logged).
    error = fails(TransportError, url, place(), token=token)
    assert not error.request_sent
    assert not error.may_have_executed
    assert "API token" in error.trader_message
    assert sim.requests == []


@pytest.mark.parametrize("kind", ["hang", "slow", "reset"])
def test_post_without_an_answer_may_have_executed_and_is_sent_once(
        faults: FaultServer, sim: Simulator, kind: FaultKind) -> None:
    faults.inject(kind, method="POST", delay=1.5)
    error = fails(TransportError, faults.url, place())
    assert error.request_sent
    assert error.may_have_executed
    assert faults.count("POST", PLACE) == 1
    # A slow answer is the realistic case: CrossTrade placed the order, the answer came late.
    assert len(sim.order_posts()) == (1 if kind == "slow" else 0)


@pytest.mark.parametrize("kind", ["hang", "reset"])
def test_get_without_an_answer_is_retried_a_bounded_number_of_times(
        faults: FaultServer, kind: FaultKind) -> None:
    faults.inject(kind, method="GET")
    error = fails(TransportError, faults.url, quote, get_retries=1)
    assert error.request_sent
    assert not error.may_have_executed
    assert faults.count("GET") == 2


def test_get_recovers_when_resets_clear(faults: FaultServer) -> None:
    faults.inject("reset", method="GET", times=GET_RETRIES)
    assert run(faults.url, quote).instrument == "MES 12-25"
    assert faults.count("GET") == 1 + GET_RETRIES


@pytest.mark.parametrize(("kind", "options", "words"), [
    ("html", {}, "HTML page"),
    ("invalid_json", {}, "not JSON"),
    ("wrong_shape", {}, "orderId"),
    ("wrong_shape", {"body": []}, "JSON object"),
    ("huge", {}, "too large"),
    ("huge", {"chunked": True}, "too large"),
])
def test_unreadable_2xx_to_a_post_is_a_bad_response_that_may_have_executed(
        faults: FaultServer, kind: FaultKind, options: dict[str, Any], words: str) -> None:
    faults.inject(kind, **options)
    error = fails(BadResponseError, faults.url, place())
    assert words in error.message
    assert error.may_have_executed
    assert faults.count("POST", PLACE) == 1


def test_redirect_is_not_followed(faults: FaultServer) -> None:
    faults.inject("redirect")
    error = fails(BadResponseError, faults.url, place())
    assert error.status == 302
    assert "redirect" in error.message
    assert not error.may_have_executed
    assert faults.count() == 1


@pytest.mark.parametrize("kind", ["html", "invalid_json", "huge"])
def test_unreadable_answer_to_a_get_is_not_retried(faults: FaultServer, kind: FaultKind) -> None:
    faults.inject(kind)
    error = fails(BadResponseError, faults.url, quote)
    assert not error.may_have_executed
    assert faults.count("GET") == 1


# --- never a second POST; bounded GET retries ------------------------------------------------


POST_FAULTS: list[tuple[FaultKind, dict[str, Any]]] = [
    ("hang", {}), ("slow", {"delay": 1.0}), ("reset", {}), ("html", {}), ("redirect", {}),
    ("invalid_json", {}), ("wrong_shape", {}), ("success_false", {}), ("huge", {}),
    *[("status", {"status": s}) for s in (401, 403, 404, 408, 500, 502, 503, 504)],
    ("status", {"status": 429, "headers": {"Retry-After": "1"}}),
]


@pytest.mark.parametrize(("kind", "options"), POST_FAULTS,
                         ids=[f"{k}-{o.get('status', '')}" for k, o in POST_FAULTS])
def test_order_post_is_never_retried_under_any_fault(
        faults: FaultServer, kind: FaultKind, options: dict[str, Any]) -> None:
    faults.inject(kind, **options)
    with pytest.raises(CrossTradeError):
        run(faults.url, place())
    assert faults.count("POST", PLACE) == 1
    assert faults.count() == 1


# --- connections ---------------------------------------------------------------------------


def test_thirty_sequential_calls_share_one_keep_alive_connection(
        faults: FaultServer, sim: Simulator) -> None:
    sim.rate_limit_enabled = False

    async def thirty(client: CrossTradeClient) -> None:
        for i in range(10):
            await client.quote("MES 12-25")
            await client.position("Sim101", "MES 12-25")
            if i % 2:
                await client.place(SEED)
            else:
                await client.positions()

    run(faults.url, thirty)
    assert faults.count() == 30
    assert faults.connections == 1


def test_fault_server_close_leaves_no_threads(url: str) -> None:
    before = set(threading.enumerate())
    with FaultServer(upstream=url) as server:
        run(server.url, quote)
        server.inject("hang")
        stuck = socket.create_connection(("127.0.0.1", server.port))
        stuck.sendall(b"GET /v1/api/positions HTTP/1.1\r\nHost: x\r\n\r\n")
        while server.count() < 2:
            time.sleep(0.01)
        started = time.monotonic()
    assert time.monotonic() - started < 2
    stuck.close()
    assert set(threading.enumerate()) <= before


# --- where the token may go ----------------------------------------------------------------


@pytest.mark.parametrize("base_url", [
    "http://example.com", "http://192.168.1.10:8080", "http://localhost.evil.com",
    "http://127.0.0.1.nip.io", "ftp://127.0.0.1", "app.crosstrade.io",
])
def test_base_url_that_would_leak_the_token_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="Refusing base URL"):
        check_base_url(base_url)
    with pytest.raises(ValueError):
        CrossTradeClient(TOKEN, base_url=base_url)


@pytest.mark.parametrize("base_url", [
    "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://127.0.0.2",
    "https://app.crosstrade.io", "https://example.com",
])
def test_loopback_http_and_any_https_base_url_are_accepted(base_url: str) -> None:
    assert str(check_base_url(base_url)) == base_url


def test_token_is_not_in_the_client_repr_and_set_token_takes_effect(
        url: str, sim: Simulator) -> None:
    async def switch(client: CrossTradeClient) -> str:
        client.set_token(RIGHT_TOKEN)
        await client.quote("MES 12-25")
        return repr(client)

    text = run(url, switch)
    assert url in text
    assert not any(secret in text for secret in SECRETS)
    assert sim.requests[-1].headers["authorization"] == f"Bearer {RIGHT_TOKEN}"


# --- the unconfirmed account list ----------------------------------------------------------


def test_list_accounts_uses_the_list_route_when_it_is_readable(
        faults: FaultServer) -> None:
    names = [a.name for a in run(faults.url, lambda c: c.list_accounts())]
    assert names == ["Sim101", "Sim102", "Apex-12"]
    assert faults.count("GET", "/snapshot") == 0


@pytest.mark.parametrize(("kind", "options"), [("wrong_shape", {}), ("status", {"status": 404})])
def test_list_accounts_falls_back_to_the_snapshot(
        faults: FaultServer, kind: FaultKind, options: dict[str, Any]) -> None:
    faults.inject(kind, method="GET", path="/v1/api/accounts", exact=True, **options)
    accounts = run(faults.url, lambda c: c.list_accounts())

    assert [a.name for a in accounts] == ["Sim101", "Sim102", "Apex-12"]
    assert accounts[1].net_liquidation is not None  # the snapshot's balances were read
    assert accounts[2].provider == "Rithmic"
    assert accounts[0].connection_status == "Connected"
    assert faults.count("GET", "/v1/api/accounts/snapshot") == 1
    assert faults.count("GET") == 2
