"""Client overhead: from the click on Flatten & Place to the request's first byte at a loopback
server, against a bare POST on a warm connection to the same server made with the ticket's own
HTTP connection (``Lanes.exchange``: the request as bytes, no ticket, no client). A bare
``httpx.AsyncClient.post`` is timed too, interleaved, for comparison with earlier rounds (the
client used httpx until round 4).

The server side is the child process of `benchmarks.netsim` with no delay and plain HTTP (so
the request line is readable); it stamps first bytes with ``perf_counter_ns``, the same
monotonic clock this process reads, so the two can be subtracted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from benchmarks.common import (
    ClickMarks,
    Row,
    args_for,
    breakdown_rows,
    close_window,
    exit_now,
    median,
    percentile,
    print_rows,
    ready_window,
    run_qt,
)
from benchmarks.netsim import NetSim

__all__ = ["main", "measure"]

GOAL_MS = 0.5
GOAL_P99_MS = 1.0
SETTLE_S = 0.03
_PATH = "/v1/api/accounts/Sim101/orders/flatplace"


def _first_byte(net: NetSim, since_ns: int) -> int:
    """The stamp of the first flatplace request that reached the server after `since_ns`."""
    stamps = [ns for ns, line in net.stamps() if ns >= since_ns and "/orders/flatplace" in line]
    if not stamps:
        raise RuntimeError("no flatplace request reached the server")
    return stamps[0]


async def measure(n: int) -> list[Row]:
    """`n` clicks and `n` bare posts, interleaved; overhead in ms."""
    import json

    import httpx

    from ct_ticket import timing
    from ct_ticket.api.lanes import Lanes
    from ct_ticket.api.origin import check_base_url

    with NetSim(tls=False, rtt_ms=0) as net:
        window = await ready_window(net.proxy_url)
        bare = Lanes(check_base_url(net.proxy_url), 1, verify=True, keepalive_expiry=120,
                     connect_timeout=5)
        headers = [(b"Authorization", b"Bearer bench"), (b"Content-Type", b"application/json")]
        old = httpx.AsyncClient(base_url=net.proxy_url,
                                headers={"Authorization": "Bearer bench"})
        # The ticket's clicks carry the breakdown's wire hook; the bare post carries the same
        # hook, so the difference is not the measuring's own cost.
        bare_marks: list[tuple[str, int]] = []
        marks = ClickMarks(window)
        ticket_ms: list[float] = []
        bare_ms: list[float] = []
        httpx_ms: list[float] = []

        async def bare_post(content: bytes) -> None:
            answer = await bare.exchange(b"POST", _PATH.encode(), headers, content,
                                         read_timeout=10, max_bytes=1_000_000,
                                         written=timing.wire_hook())
            if answer.status != 200:
                raise RuntimeError(f"the bare post was answered {answer.status}")

        try:
            await bare.exchange(b"GET", b"/v1/api/accounts", headers[:1], b"", read_timeout=10,
                                max_bytes=1_000_000)  # open the connection
            (await old.get("/v1/api/accounts")).raise_for_status()
            for i in range(n):
                window.entry.view.quantity_field.setValue(1 + i % 20)
                await asyncio.sleep(SETTLE_S)  # a trader edits, then clicks (see latency.py)
                net.stamps()  # forget the reads of the last post-check
                clicked = marks.click(window.entry.view.flatten_place_button)
                await window.ticket.wait_idle()
                marks.finish()  # painted long before the post-check's reads ended
                ticket_ms.append((_first_byte(net, clicked) - clicked) / 1e6)

                body = {"instrument": "MES", "action": "BUY", "quantity": 1 + i % 20,
                        "orderType": "MARKET", "timeInForce": "DAY"}
                await asyncio.sleep(SETTLE_S)
                net.stamps()
                called = time.perf_counter_ns()
                timing.record(bare_marks.append)
                await bare_post(json.dumps(body, separators=(",", ":")).encode())
                timing.record(None)
                bare_marks.clear()
                bare_ms.append((_first_byte(net, called) - called) / 1e6)

                await asyncio.sleep(SETTLE_S)
                net.stamps()
                called = time.perf_counter_ns()
                (await old.post(_PATH, json=body)).raise_for_status()
                httpx_ms.append((_first_byte(net, called) - called) / 1e6)
        finally:
            await bare.aclose()
            await old.aclose()
            await close_window(window)
    b_med, b_p99 = median(bare_ms), percentile(bare_ms, 99)
    t_med, t_p99 = median(ticket_ms), percentile(ticket_ms, 99)
    return [
        Row("overhead", f"for comparison: bare httpx post to first byte median (n={n})",
            median(httpx_ms), "ms"),
        Row("overhead", "for comparison: bare httpx post to first byte p99",
            percentile(httpx_ms, 99), "ms"),
        Row("overhead", f"bare post on the ticket's own connection to first byte median (n={n})",
            b_med, "ms"),
        Row("overhead", "bare post on the ticket's own connection to first byte p99", b_p99,
            "ms"),
        Row("overhead", f"ticket click to first byte median (n={n})", t_med, "ms", b_med),
        Row("overhead", "ticket click to first byte p99", t_p99, "ms", b_p99),
        Row("overhead", "ticket added overhead, median", t_med - b_med, "ms", None, None,
            f"<= {GOAL_MS:g} ms", t_med - b_med <= GOAL_MS),
        Row("overhead", "ticket added overhead, p99", t_p99 - b_p99, "ms", None, None,
            f"<= {GOAL_P99_MS:g} ms", t_p99 - b_p99 <= GOAL_P99_MS),
        *breakdown_rows("overhead", marks),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.overhead [--quick] [--json]``."""
    args = args_for(__doc__ or "", argv)
    n = 50 if args.quick else 200
    print_rows(run_qt(lambda: measure(n)), args.json)
    exit_now()


if __name__ == "__main__":
    main()
