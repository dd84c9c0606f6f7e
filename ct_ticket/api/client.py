"""CrossTradeClient: the async CrossTrade REST client, one method per endpoint the ticket uses.

The client's connections (`lanes.py`) live as long as the client, so every call reuses a warm
keep-alive connection (the difference between one round trip per order and three). Requests
that act (place, cancel, change, bracket, close, flatten) are sent exactly once, never retried:
one whose answer is lost or unreadable raises an error with `may_have_executed=True` and the
caller settles it by looking the order up (by the ticket's own `orderId`). GETs retry transport
failures and 502/503/504 a bounded number of times with backoff, and wait out a short 429
`Retry-After`. Every request has a deadline for its whole exchange and never waits silently for
a connection: see api/requester.py. Nothing but a `CrossTradeError` leaves a method because of
what the server answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

from ct_ticket.api import wire
from ct_ticket.api.budget import RateBudget
from ct_ticket.api.errors import (
    ApiError,
    BadResponseError,
    OrderNotFoundError,
    RejectedError,
    UnsupportedError,
)
from ct_ticket.api.requester import BearerAuth, Exchanger, Requester, Timeouts, check_base_url
from ct_ticket.model import (
    Account,
    BracketAck,
    CloseResult,
    Execution,
    OrderAck,
    OrderInfo,
    OrderLifecycle,
    OrderRequest,
    Position,
    Quote,
    Side,
    normalize_instrument,
)
from ct_ticket.model.room import Watermarks

__all__ = ["DEFAULT_BASE_URL", "MAX_LOOKBACK_S", "CrossTradeClient", "Timeouts",
           "account_path", "check_base_url"]

DEFAULT_BASE_URL = "https://app.crosstrade.io"
API = "/v1/api"
MAX_LOOKBACK_S = 900  # §8: executions reach back at most 900 s
log = logging.getLogger(__name__)
T = TypeVar("T")
_BearerAuth = BearerAuth  # the name the test suite's token check instruments


def account_path(account: str, *rest: str) -> str:
    """`/v1/api/accounts/<account>/...` with the account as one percent-encoded path segment."""
    segments = [quote(account, safe=""), *(quote(part, safe="") for part in rest)]
    return f"{API}/accounts/" + "/".join(segments)


def _lookup_error(error: ApiError) -> ApiError:
    """An order lookup's failure in its own words: no such order, or no such command."""
    if error.unknown_command:
        return UnsupportedError(error.message, status=error.status, error=error.error,
                                detail=error.detail, method=error.method, path=error.path)
    if isinstance(error, RejectedError) and (
            error.status == 404 or wire.is_order_not_found(error.error, error.detail)):
        return OrderNotFoundError(error.message, status=error.status, error=error.error,
                                  detail=error.detail, method=error.method, path=error.path)
    return error


def _accounts_if_readable(payload: Any) -> list[Account]:
    """The token test's reading: JSON of a list shape we cannot read still means the token was
    accepted (a 2xx); only an answer that is not JSON at all stays an error."""
    try:
        return wire.parse_accounts(payload)
    except wire.ShapeError:
        return []


class CrossTradeClient:
    """Async client for the CrossTrade REST API (see the module docstring for retry rules)."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeouts: Timeouts | None = None,
        transport: Exchanger | None = None,
        get_retries: int = 2,
        backoff: float = 0.25,
        max_read_wait: float = 3.0,
        max_response_bytes: int = 2_000_000,
        verify: bool | str = True,
        budget: RateBudget | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self._requester = Requester(
            self.base_url, _BearerAuth(token), timeouts=timeouts or Timeouts(),
            transport=transport, get_retries=get_retries, backoff=backoff,
            max_read_wait=max_read_wait, max_response_bytes=max_response_bytes, verify=verify,
            budget=budget)

    def __repr__(self) -> str:
        return f"CrossTradeClient(base_url={str(self.base_url)!r})"

    @property
    def budget(self) -> RateBudget:
        """The rate budget every request waits on (give it to the stream: one bucket)."""
        return self._requester.budget

    @property
    def rate_limited_until(self) -> float:
        """time.monotonic() before which CrossTrade said "wait" (its last 429)."""
        return self._requester.rate_limited_until

    @property
    def requests_waiting(self) -> int:
        """Requests waiting for a free connection right now (0 unless CrossTrade is slow)."""
        return self._requester.waiting

    def set_token(self, token: str) -> None:
        """Use a new token for every following call (after the token dialog saved one)."""
        self._requester.set_auth(_BearerAuth(token))

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._requester.aclose()

    async def __aenter__(self) -> CrossTradeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _get(self, parser: Callable[[Any], T], path: str,
                   params: dict[str, str] | None = None) -> T:
        return await self._requester.call("GET", path, parser, params=params)

    async def _post(self, parser: Callable[[Any], T], path: str,
                    body: dict[str, Any] | None = None) -> T:
        return await self._requester.call("POST", path, parser,
                                          body=body if body is not None else {})

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
        return await self._requester.call("GET", f"{API}/accounts", _accounts_if_readable,
                                          auth=_BearerAuth(token))

    async def get_account(self, account: str) -> Account:
        """One account with its balances."""
        return await self._get(wire.parse_account_answer, account_path(account))

    async def watermarks(self, account: str) -> Watermarks | None:
        """The account's session highs and current P&L (`GET .../watermarks`, answered by
        CrossTrade itself, even while the add-on is offline). Empty figures when the account
        has no P&L yet; None when this add-on has no such endpoint (an older one: 404 or an
        unknown command), which the caller takes as "room from the account fields alone"."""
        try:
            return await self._get(wire.parse_watermarks, account_path(account, "watermarks"))
        except RejectedError as error:
            if error.status == 404 or error.unknown_command:
                return None
            raise

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

    async def cancel_order(self, account: str, order_id: str) -> OrderAck:
        """Cancel one order by id; the acknowledgement carries the id CrossTrade cancelled.

        Cancelling is asking: the order is CancelPending until NT8 confirms, and a fill can
        overtake it. Follow it with `get_order`. Never retried. An order that is unknown or
        already final is a RejectedError ("not found or already terminal").
        """
        return await self._post(wire.parse_order_ack,
                                account_path(account, "orders", order_id, "cancel"))

    async def change_order(self, account: str, order_id: str, *, quantity: int | None = None,
                           limit_price: Decimal | None = None,
                           stop_price: Decimal | None = None) -> OrderAck:
        """Change a live order's quantity and/or prices (`PUT .../change`). Never retried.

        CrossTrade answers with the order's NEW id: store it and follow the order by it (the
        old one may still find it, but the docs promise only the new one).
        """
        body = wire.change_body(quantity=quantity, limit_price=limit_price,
                                stop_price=stop_price)
        if not body:
            raise ValueError("change_order needs a quantity, limit_price or stop_price")
        return await self._requester.call(
            "PUT", account_path(account, "orders", order_id, "change"),
            wire.parse_order_ack, body=body)

    async def cancel_and_bracket(self, account: str, instrument: str, side: Side,
                                 quantity: int, *, stop_loss: Decimal | None,
                                 take_profit: Decimal | None) -> BracketAck:
        """Protect a position: cancel the instrument's live orders, then place a stop loss and/or
        a profit target as an OCO pair. `side` is the position's side (BUY for a long); the
        quantity is clamped to the position by CrossTrade. Never retried.
        """
        if stop_loss is None and take_profit is None:
            raise ValueError("cancel_and_bracket needs a stop_loss or a take_profit")
        body = wire.bracket_body(normalize_instrument(instrument), side, quantity,
                                 stop_loss=stop_loss, take_profit=take_profit)
        return await self._post(
            wire.parse_bracket_ack, account_path(account, "orders", "cancel_and_bracket"), body)

    async def get_order(self, account: str, order_id: str) -> OrderInfo:
        """One order by any of its ids (NT8's, a former one, or the ticket's own): its state and,
        for a rejection, NT8's reason. OrderNotFoundError when CrossTrade knows no such order;
        UnsupportedError when the add-on has no order lookup."""
        try:
            return await self._get(
                wire.parse_order, account_path(account, "orders", order_id))
        except ApiError as error:
            raise _lookup_error(error) from None

    async def order_lifecycle(self, account: str, order_id: str) -> OrderLifecycle:
        """Every state, fill and submission of an order, oldest first (add-on ≥ v1.13.2).
        OrderNotFoundError for an unknown id; UnsupportedError from an older add-on."""
        try:
            return await self._get(
                wire.parse_lifecycle, account_path(account, "orders", order_id, "lifecycle"))
        except ApiError as error:
            raise _lookup_error(error) from None

    async def orders(self, account: str) -> list[OrderInfo]:
        """The account's orders (route shape unconfirmed; working ones have `is_working`)."""
        return await self._get(
            wire.parse_orders, account_path(account, "orders"))

    # --- executions -------------------------------------------------------------------------

    async def executions(self, account: str, lookback_s: int = 320) -> list[Execution]:
        """The account's fills of the last `lookback_s` seconds (clamped to 1…900, §8), as
        CrossTrade lists them. NT8 keeps only the current session's."""
        lookback = max(1, min(MAX_LOOKBACK_S, int(lookback_s)))
        try:
            return await self._get(
                wire.parse_executions, account_path(account, "executions"),
                {"lookbackTime": str(lookback)})
        except ApiError as error:
            if error.unknown_command:
                raise _lookup_error(error) from None
            raise

    async def execution(self, account: str, execution_id: str) -> Execution:
        """One execution by its id."""
        return await self._get(
            wire.parse_execution, account_path(account, "executions", execution_id))

    # --- market -----------------------------------------------------------------------------

    async def quote(self, instrument: str) -> Quote:
        """The current quote with tick size and point value."""
        return await self._get(wire.parse_quote, f"{API}/market/quote",
                               {"instrument": normalize_instrument(instrument)})

    async def quotes(self, instruments: list[str]) -> list[Quote]:
        """Several quotes in one call (CrossTrade answers with a bare array)."""
        names = ",".join(normalize_instrument(i) for i in instruments)
        return await self._get(wire.parse_quotes, f"{API}/market/quote", {"instrument": names})
