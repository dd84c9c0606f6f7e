"""The in-process transport (`api/asgi.py`, what `--demo` and the self-test answer REST with)
hands the app the request the network would carry and the client the answer as the network
would: the base URL's path prefix, the query, the headers and the body; the status, headers
and body back; an answer over the size limit refused as on the wire."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from ct_ticket.api import BadResponseError, CrossTradeClient, RateLimitedError
from ct_ticket.api.asgi import AsgiTransport
from ct_ticket.model import build_order

ORDER = build_order(account="Sim 1", instrument="MES 12-25", side="BUY", quantity=2,
                    order_type="MARKET")


class Recording:
    """An ASGI app that notes each request and answers `answer` (a JSON value)."""

    def __init__(self, answer: Any, status: int = 200) -> None:
        self.answer, self.status = answer, status
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        self.seen.append({"method": scope["method"], "path": scope["path"],
                          "raw_path": scope["raw_path"], "query": scope["query_string"],
                          "headers": dict(scope["headers"]), "body": message["body"]})
        body = json.dumps(self.answer).encode()
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"retry-after", b"7")]})
        await send({"type": "http.response.body", "body": body[:5], "more_body": True})
        await send({"type": "http.response.body", "body": body[5:]})


def _client(app: Any, base_url: str = "http://127.0.0.1", **kwargs: Any) -> CrossTradeClient:
    return CrossTradeClient("asgi-token", base_url=base_url, transport=AsgiTransport(app),
                            **kwargs)


def test_the_app_sees_the_request_the_network_would_carry() -> None:
    app = Recording({"success": True, "orderId": "o-1"})

    async def main() -> Any:
        async with _client(app, "http://127.0.0.1:8765/ct/") as client:
            ack = await client.place(ORDER)
            await client.position("Sim 1", "MES 12-25")
            return ack

    ack = asyncio.run(main())
    assert ack.order_id == "o-1"
    post, get = app.seen
    assert (post["method"], post["path"]) == ("POST", "/ct/v1/api/accounts/Sim 1/orders/place")
    assert post["raw_path"] == b"/ct/v1/api/accounts/Sim%201/orders/place"
    assert post["headers"][b"authorization"] == b"Bearer asgi-token"
    assert post["headers"][b"content-type"] == b"application/json"
    assert json.loads(post["body"])["quantity"] == 2
    assert (get["method"], get["query"]) == ("GET", b"instrument=MES%2012-25")


def test_an_answer_over_the_size_limit_is_refused_as_on_the_wire() -> None:
    app = Recording({"pad": "x" * 5_000})

    async def main() -> None:
        async with _client(app, max_response_bytes=1_000) as client:
            await client.place(ORDER)

    with pytest.raises(BadResponseError, match="too large") as failed:
        asyncio.run(main())
    assert failed.value.may_have_executed  # the app acted: the order's outcome is unknown


def test_a_429_answer_carries_its_retry_after() -> None:
    app = Recording({"error": "Too Many Requests"}, status=429)

    async def main() -> None:
        async with _client(app, get_retries=0) as client:
            await client.place(ORDER)

    with pytest.raises(RateLimitedError) as failed:
        asyncio.run(main())
    assert failed.value.retry_after == 7
