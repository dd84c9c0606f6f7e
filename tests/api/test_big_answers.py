"""Big answers are read off the loop: a day's orders or fills (tens of KB of JSON) are decoded
and parsed in a worker thread, so the window keeps painting while they are read; small answers
(every order's own answer) are read on the loop, where a thread's hand-off would only add time.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ct_ticket.api import CrossTradeClient
from ct_ticket.api.asgi import AsgiTransport
from ct_ticket.api.requester import BIG_ANSWER

ORDER = {"orderId": "x", "account": "Sim101", "instrument": "MES 12-25", "action": "BUY",
         "quantity": 1, "orderType": "LIMIT", "limitPrice": 5000.25, "orderState": "Working",
         "filled": 0, "timeInForce": "DAY", "time": "2025-12-01T09:30:00Z"}


def _app(count: int) -> Starlette:
    async def orders(_request: Request) -> JSONResponse:
        return JSONResponse([{**ORDER, "orderId": f"o-{i}"} for i in range(count)])

    return Starlette(routes=[Route("/v1/api/accounts/Sim101/orders", orders)])


def _read(count: int) -> tuple[int, int, list[Any]]:
    """(the loop's thread, the parser's thread, the payload) for a list of `count` orders."""
    async def main() -> tuple[int, int, list[Any]]:
        transport = AsgiTransport(_app(count))
        async with CrossTradeClient("big-answer-token", base_url="http://127.0.0.1",
                                    transport=transport) as client:
            def parser(payload: Any) -> tuple[int, list[Any]]:
                return threading.get_ident(), payload

            parsed, payload = await client._requester.call(
                "GET", "/v1/api/accounts/Sim101/orders", parser)
            return threading.get_ident(), parsed, payload
    return asyncio.run(main())


def test_a_big_answer_is_parsed_off_the_loop_and_arrives_whole() -> None:
    loop_thread, parser_thread, payload = _read(400)
    assert len(str(payload)) > BIG_ANSWER
    assert parser_thread != loop_thread
    assert [order["orderId"] for order in payload] == [f"o-{i}" for i in range(400)]


def test_a_small_answer_is_parsed_on_the_loop() -> None:
    loop_thread, parser_thread, payload = _read(2)
    assert parser_thread == loop_thread
    assert len(payload) == 2


def test_a_big_answer_still_reaches_the_real_parser() -> None:
    async def main() -> list[str]:
        transport = AsgiTransport(_app(300))
        async with CrossTradeClient("big-answer-token", base_url="http://127.0.0.1",
                                    transport=transport) as client:
            return [order.order_id for order in await client.orders("Sim101")]

    assert asyncio.run(main()) == [f"o-{i}" for i in range(300)]
