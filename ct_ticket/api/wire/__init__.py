"""The only place that knows CrossTrade's JSON field names, both ways.

`order_body`, `change_body` and `bracket_body` build request bodies. Each `parse_*` function
takes decoded JSON and returns a model value (ct_ticket/model/), or raises `ShapeError` when
the JSON is not the shape CrossTrade documents. `error_fields`, `unknown_command` and
`is_order_not_found` read failure bodies. The package is split by subject only to keep files
small: base.py (building blocks), market.py (accounts, positions, quotes, watermarks),
orders.py (orders, lifecycles, executions, brackets).
"""

from ct_ticket.api.wire.base import (
    ShapeError,
    error_fields,
    is_order_not_found,
    json_number,
    unknown_command,
    unwrap,
)
from ct_ticket.api.wire.market import (
    parse_account,
    parse_account_answer,
    parse_accounts,
    parse_cancel,
    parse_close,
    parse_position,
    parse_position_answer,
    parse_positions,
    parse_quote,
    parse_quotes,
    parse_watermarks,
)
from ct_ticket.api.wire.orders import (
    bracket_body,
    change_body,
    order_body,
    parse_bracket_ack,
    parse_execution,
    parse_executions,
    parse_lifecycle,
    parse_order,
    parse_order_ack,
    parse_orders,
)

__all__ = [
    "ShapeError",
    "bracket_body",
    "change_body",
    "error_fields",
    "is_order_not_found",
    "json_number",
    "order_body",
    "parse_account",
    "parse_account_answer",
    "parse_accounts",
    "parse_bracket_ack",
    "parse_cancel",
    "parse_close",
    "parse_execution",
    "parse_executions",
    "parse_lifecycle",
    "parse_order",
    "parse_order_ack",
    "parse_orders",
    "parse_position",
    "parse_position_answer",
    "parse_positions",
    "parse_quote",
    "parse_quotes",
    "parse_watermarks",
    "unknown_command",
    "unwrap",
]
