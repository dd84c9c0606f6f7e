"""Quote message to painted label, and the ticket's CPU use, at 50 quotes/s over a WebSocket.

A child process serves a CrossTrade-shaped stream (``marketData`` frames for MES 12-26, each
with a new bid) at a steady 50 frames/s on loopback. The real window follows MES 12-26 through
the real `StreamClient` and `Feed`; REST answers in-process from the simulator. Latency is taken
from the moment the stream client has the quote (`StreamQuote.received_at`) to the moment the Bid
button paints that price. The feed repaints at most once a frame (1/60 s), so a quote that a
newer one replaced before the paint is counted, not timed. CPU is this process's CPU time over the
window of measurement, as a share of one core. A second window then follows a stream that is
connected but sends no quotes (an idle market) for as long: its CPU is the idle row.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Row,
    app_logging,
    args_for,
    exit_now,
    median,
    percentile,
    print_rows,
    run_qt,
)

RATE = 50  # quotes per second
P99_GOAL_MS = 16.0  # one frame at 60 Hz
CPU_GOAL = 2.0  # % of one core at RATE
IDLE_CPU_GOAL = 0.5  # % of one core, stream connected, no quotes
SERVER = r"""
import asyncio, json, sys, time
from websockets.asyncio.server import serve
RATE = int(sys.argv[1])

async def feed(ws):
    seq = 0
    next_at = time.monotonic()
    async def reader():
        async for message in ws:
            if json.loads(message).get("action") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
    asyncio.ensure_future(reader())
    while RATE == 0:  # an idle market: the connection lives, answers pings, sends nothing
        await asyncio.sleep(3600)
    while True:
        seq += 1
        bid = 5000 + seq * 0.25
        await ws.send(json.dumps({"type": "marketData", "quotes": [
            {"instrument": "MES 12-26", "bid": bid, "ask": bid + 0.25, "last": bid,
             "volume": seq}]}))
        next_at += 1 / RATE
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))

async def main():
    async with serve(feed, "127.0.0.1", 0) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()

asyncio.run(main())
"""


def _price(label: str) -> float | None:
    """The price a Bid button shows ("Bid 5000.50" -> 5000.5), None for "Bid —"."""
    try:
        return float(label.removeprefix("Bid "))
    except ValueError:
        return None


async def measure(seconds: float, rate: int = RATE) -> list[Row]:
    """Run the window on the stream for `seconds` and time every painted quote."""
    from PySide6.QtCore import QEvent, QObject

    from ct_ticket.api.asgi import AsgiTransport
    from ct_ticket.api.client import CrossTradeClient
    from ct_ticket.api.stream import StreamClient
    from ct_ticket.api.stream_messages import StreamEvent, StreamQuote
    from ct_ticket.feed import Feed
    from ct_ticket.settings import Settings
    from ct_ticket.sim import Simulator, create_app
    from ct_ticket.ticket import Ticket
    from ct_ticket.ui.window import TicketWindow

    server = subprocess.Popen([sys.executable, "-c", SERVER, str(rate)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    received: dict[float, float] = {}
    latencies: list[float] = []
    painted: set[float] = set()

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
            if event.type() == QEvent.Type.Paint:
                price = _price(window.entry.view.bid_button.text())
                if price in received and price not in painted:
                    painted.add(price)
                    latencies.append((time.monotonic() - received[price]) * 1000)
            return False

    def on_stream(event: StreamEvent) -> None:
        if isinstance(event, StreamQuote) and event.bid is not None:
            received.setdefault(event.bid, event.received_at)

    client = CrossTradeClient("bench", base_url="http://127.0.0.1",
                              transport=AsgiTransport(create_app(Simulator())))
    folder = Path(tempfile.mkdtemp(prefix="ct-bench-stream-"))
    app_logging(folder, "bench-token")
    settings = Settings(folder / "settings.ini")
    settings.instrument = "MES 12-26"
    window = TicketWindow(Ticket(client), settings)
    stream = StreamClient("bench", base_url=f"http://127.0.0.1:{port}")
    stream.subscribe(on_stream)
    window.show()
    await asyncio.wait_for(window.start(), 30)  # start() hands back the first load's task
    gc.freeze()  # as app.run does after the first load
    window.attach_feed(Feed(window.ticket, stream))
    watch = PaintWatch()
    window.entry.view.bid_button.installEventFilter(watch)
    stream.start()
    try:
        await asyncio.sleep(1.0)  # connect and settle
        received.clear()
        latencies.clear()
        painted.clear()
        cpu_start, wall_start = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu = (time.process_time() - cpu_start) / (time.monotonic() - wall_start) * 100
    finally:
        await stream.aclose()
        window.close()
        await window.ticket.wait_idle()
        await client.aclose()
        server.kill()
    quotes = len(received)
    if rate == 0:
        return [Row("stream", "idle window, stream live (no quotes): CPU, share of one core", cpu,
                    "%", None, None, f"<= {IDLE_CPU_GOAL:g} %", cpu <= IDLE_CPU_GOAL)]
    return [
        Row("stream", f"quotes received at {RATE}/s", quotes, "quotes"),
        Row("stream", "quotes painted (the rest superseded within a frame)", len(latencies),
            "quotes"),
        Row("stream", "quote message to Bid painted: median", median(latencies), "ms"),
        Row("stream", "quote message to Bid painted: p99", percentile(latencies, 99), "ms",
            None, None, f"<= {P99_GOAL_MS:g} ms", percentile(latencies, 99) <= P99_GOAL_MS),
        Row("stream", f"ticket CPU at {RATE} quotes/s (share of one core)", cpu, "%", None, None,
            f"<= {CPU_GOAL:g} %", cpu <= CPU_GOAL),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.stream [--quick] [--json]``."""
    args = args_for(__doc__ or "", argv)
    seconds = 5.0 if args.quick else 15.0

    async def both() -> list[Row]:
        return [*await measure(seconds), *await measure(seconds, rate=0)]

    rows: list[Any] = run_qt(both)
    print_rows(rows, args.json)
    exit_now()


if __name__ == "__main__":
    main()
