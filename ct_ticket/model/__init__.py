"""The model: orders, market data, instruments, ticks and the safety-limit values.

Pure Python on purpose: no Qt, no HTTP, and nothing from the client, the ticket or the
window, so every other part can share these values and test them alone. Every public name is
importable from here: `from ct_ticket.model import OrderRequest, Account, AccountKind`.
"""

from ct_ticket.model.instruments import (
    ContractSpec,
    contract_spec,
    instrument_problem,
    normalize_instrument,
    root_symbol,
)
from ct_ticket.model.limits import DEFAULT_LIMITS, AccountKind, Breach, Limits, account_kind
from ct_ticket.model.market import (
    Account,
    BracketAck,
    CloseResult,
    Execution,
    LifecycleEvent,
    OrderAck,
    OrderInfo,
    OrderLifecycle,
    OrderState,
    Position,
    Quote,
)
from ct_ticket.model.orders import (
    DEFAULT_QUANTITY_CAP,
    MAX_PRICE,
    OrderProblem,
    OrderRequest,
    OrderType,
    OrderValidationError,
    Side,
    TimeInForce,
    build_order,
    is_on_tick,
    needs_limit_price,
    needs_stop_price,
    parse_price,
    round_to_tick,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_QUANTITY_CAP",
    "MAX_PRICE",
    "Account",
    "AccountKind",
    "BracketAck",
    "Breach",
    "CloseResult",
    "ContractSpec",
    "Execution",
    "LifecycleEvent",
    "Limits",
    "OrderAck",
    "OrderInfo",
    "OrderLifecycle",
    "OrderProblem",
    "OrderRequest",
    "OrderState",
    "OrderType",
    "OrderValidationError",
    "Position",
    "Quote",
    "Side",
    "TimeInForce",
    "account_kind",
    "build_order",
    "contract_spec",
    "instrument_problem",
    "is_on_tick",
    "needs_limit_price",
    "needs_stop_price",
    "normalize_instrument",
    "parse_price",
    "root_symbol",
    "round_to_tick",
]
