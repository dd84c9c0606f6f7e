"""The click path's marks: nothing is recorded unless a benchmark asks, and when it does, an
order's marks come in path order on the benchmark's clock, the wire's included."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ct_ticket import timing
from ct_ticket.api import CrossTradeClient
from ct_ticket.api.asgi import AsgiTransport
from ct_ticket.model import build_order
from ct_ticket.sim import Simulator, create_app

ORDER = build_order(account="Sim101", instrument="MES 12-25", side="BUY", quantity=1,
                    order_type="MARKET", time_in_force="DAY")


def _place(url: str | None = None) -> None:
    async def main() -> None:
        transport = None if url else AsgiTransport(create_app(Simulator(seed=3)))
        async with CrossTradeClient("timing-token", base_url=url or "http://127.0.0.1",
                                    transport=transport) as client:
            await client.place(ORDER)
    asyncio.run(main())


def test_off_by_default_nothing_is_recorded_and_no_trace_is_attached() -> None:
    assert not timing.recording()
    assert timing.wire_hook() is None
    timing.mark("review")  # a no-op: nowhere to go


def test_recording_gives_the_path_in_order_on_the_perf_counter_clock() -> None:
    marks: list[tuple[str, int]] = []
    before = time.perf_counter_ns()
    timing.record(marks.append)
    try:
        _place()
    finally:
        timing.record(None)
    names = [name for name, _ns in marks]
    assert names == ["call", "send", "answer parsed"]  # ASGI: no socket, so no wire events
    stamps = [ns for _name, ns in marks]
    assert stamps == sorted(stamps) and stamps[0] >= before
    assert not timing.recording()


def test_the_wire_events_are_marked_over_a_real_socket(served: tuple[Any, str]) -> None:
    served[0].app = create_app(Simulator(seed=5))
    marks: list[tuple[str, int]] = []
    timing.record(marks.append)
    try:
        _place(served[1])
    finally:
        timing.record(None)
    assert [name for name, _ns in marks] == [
        "call", "send", "request written", "answer head read", "answer parsed"]
