"""A group of 20 accounts against one order, side by side: the real window's ticket sends a
MARKET order through `ticket.groups.send` to a group of 20 accounts and to a group of one, over
the latency proxy (default RTT 40 ms, TLS with a throwaway CA) in front of a simulator with 20
accounts and CrossTrade's rate limit ON (180/min, burst 20, shared by every request).

Timed from `send` to the moment every member's POST has been answered (no row left "sending");
the ratio of the group's median to the single order's median is the goal (<= 1.5x). Every send
starts with the client's budget full again, the way a trader's click usually finds it, and the
window's own periodic reads keep running throughout. The 429s are counted by the simulator:
the goal is none at all, for the whole run (orders, follow-ups, position reads, room reads).

The simulator runs in a child process (``python -m benchmarks.group --serve``), behind the same
proxy as ``benchmarks.netsim`` (`serve_child`), so the GUI thread never delays a forwarded byte.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from benchmarks.common import (
    Row,
    close_window,
    exit_now,
    median,
    percentile,
    print_rows,
    ready_window,
    run_qt,
)
from benchmarks.netsim import run_child, serve_child

if TYPE_CHECKING:
    from ct_ticket.ticket import Ticket

__all__ = ["main", "measure"]

RTT_MS = 40.0
MEMBERS = 20
GOAL_RATIO = 1.5
INSTRUMENT = "MES 12-26"
KEEP_ALIVE_S = 120


# --- the child: simulator with 20 accounts and its rate limit, behind the proxy --------------


def _commands(sim: Any) -> Callable[[str], str | None]:
    """The group's control lines: the simulator's counts, and its rate limit switched off."""
    def answer(line: str) -> str | None:
        if line == "count":
            answered = [r.status for r in sim.requests]
            posts = sum(r.method == "POST" for r in sim.requests)
            return json.dumps({"requests": len(answered), "posts": posts,
                               "429": answered.count(429)})
        if line == "unlimited":  # the direct timing after the counted run
            sim.rate_limit_enabled = False
            return "{}"
        return None
    return answer


class GroupNet:
    """Parent-side handle of the child: its proxy URL and CA, and the simulator's counts."""

    def __init__(self, rtt_ms: float) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="ct-bench-group-")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.group", "--serve", "--rtt-ms", str(rtt_ms),
             "--folder", self._folder.name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        info = json.loads(self._out.readline())
        self.proxy_url = f"https://127.0.0.1:{info['proxy']}"
        self.direct_url = f"https://127.0.0.1:{info['direct']}"
        self.ca: str = info["ca"]

    @property
    def _out(self) -> IO[str]:
        assert self._proc.stdout is not None
        return self._proc.stdout

    def counts(self) -> dict[str, int]:
        """Requests the simulator received so far, its POSTs, and how many it answered 429."""
        assert self._proc.stdin is not None
        self._proc.stdin.write("count\n")
        self._proc.stdin.flush()
        return {key: int(value) for key, value in json.loads(self._out.readline()).items()}

    def unlimited(self) -> None:
        """Switch the simulator's rate limit off (after the 429s have been counted)."""
        assert self._proc.stdin is not None
        self._proc.stdin.write("unlimited\n")
        self._proc.stdin.flush()
        self._out.readline()

    def last_byte_ns(self, until_ns: int) -> int | None:
        """perf_counter_ns of the last request's first byte at the proxy (since the previous
        call) no later than `until_ns`, or None. Over TLS the proxy cannot read the request
        line; during a group's send the reads wait for tokens (the orders spent them), so the
        last first byte before the last answer is the last member's POST. The clock is
        CLOCK_MONOTONIC, shared by every process on Linux."""
        assert self._proc.stdin is not None
        self._proc.stdin.write("stamps\n")
        self._proc.stdin.flush()
        stamps = [int(ns) for ns, _line in json.loads(self._out.readline())]
        return max((ns for ns in stamps if ns <= until_ns), default=None)

    def __enter__(self) -> GroupNet:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._folder.cleanup()


# --- the parent: the real window's ticket sends ---------------------------------------------


async def _settled(ticket: Ticket) -> None:
    """Until the previous send and its follow-up reads are done and the budget is full."""
    budget = ticket.client.budget
    while ticket.groups.busy or budget.available() < budget.burst - 0.01:
        await asyncio.sleep(0.05)


async def _direct(net: GroupNet, names: list[str], n: int) -> tuple[float, float]:
    """Median seconds for one order and for 20 at once straight to the simulator (TLS, warm,
    no proxy): the server's own time (and the client's), which no RTT hides. Run after the
    429s were counted, with the simulator's rate limit off."""
    from ct_ticket.api import CrossTradeClient
    from ct_ticket.api.budget import RateBudget
    from ct_ticket.model import OrderRequest, build_order

    net.unlimited()
    budget = RateBudget(per_minute=60_000, burst=1_000)
    async with CrossTradeClient("ct-bench-direct-token", base_url=net.direct_url,
                                verify=net.ca, budget=budget) as client:
        def orders(side: str, count: int) -> list[OrderRequest]:
            return [build_order(account=name, instrument=INSTRUMENT, side=side, quantity=1,
                                order_type="MARKET") for name in names[:count]]

        async def timed(count: int, side: str) -> float:
            batch = orders(side, count)
            started = time.perf_counter()
            await asyncio.gather(*(client.place(order) for order in batch))
            return time.perf_counter() - started

        await timed(MEMBERS, "BUY")  # opens the 20 connections
        singles, groups = [], []
        for i in range(n):
            side = "SELL" if i % 2 == 0 else "BUY"
            singles.append(await timed(1, side))
            groups.append(await timed(MEMBERS, side))
    return median(singles), median(groups)


async def measure(n: int, rtt_ms: float = RTT_MS) -> list[Row]:
    """`n` sends to a group of MEMBERS and `n` to a group of one, alternating; the rows."""
    from ct_ticket.events import Action
    from ct_ticket.fanout import GroupResults
    from ct_ticket.model import build_order
    from ct_ticket.model.groups import AccountGroup, group_from

    with GroupNet(rtt_ms) as net:
        window = await ready_window(net.proxy_url, verify=net.ca)
        ticket = window.ticket
        names = [account.name for account in ticket.accounts][:MEMBERS]
        if len(names) < MEMBERS:
            raise RuntimeError(f"the simulator lists {len(names)} accounts, not {MEMBERS}")
        many = group_from(f"all-{MEMBERS}", [(name, Decimal(1)) for name in names])
        one = group_from("one", [("Sim101", Decimal(1))])
        waiting: list[tuple[str, asyncio.Future[float]]] = []
        problems: list[str] = []

        def on_results(results: GroupResults) -> None:
            if not waiting or waiting[-1][0] != results.group or waiting[-1][1].done():
                return
            if all(row.state != "sending" for row in results.rows):
                waiting[-1][1].set_result(time.perf_counter())
                problems.extend(f"{row.account}: {row.state} {row.reason}"
                                for row in results.rows if row.state not in ("accepted",
                                                                             "working", "filled"))
        ticket.groups.subscribe(on_results)

        spread: list[float] = []  # send -> the last member's POST at the proxy, 20 members

        async def send(group: AccountGroup, side: str) -> float:
            await _settled(ticket)
            net.last_byte_ns(0)  # forget the reads' and earlier sends' stamps
            order = build_order(account=group.accounts[0], instrument=INSTRUMENT, side=side,
                                quantity=1, order_type="MARKET")
            waiting.append((group.name, asyncio.get_running_loop().create_future()))
            started = time.perf_counter()
            if ticket.groups.send(group, Action.PLACE, order) is None:
                raise RuntimeError("a group send was refused: the previous one still runs")
            answered = await asyncio.wait_for(waiting[-1][1], 60)
            last = net.last_byte_ns(int(answered * 1e9))
            if len(group.members) > 1 and last is not None:
                spread.append(last / 1e9 - started)
            return answered - started

        singles: list[float] = []
        groups: list[float] = []
        try:
            for i in range(n):
                side = "BUY" if i % 2 == 0 else "SELL"
                # Alternate which goes first, so neither always finds the warmer pool.
                if i % 2 == 0:
                    singles.append(await send(one, side))
                    groups.append(await send(many, side))
                else:
                    groups.append(await send(many, side))
                    singles.append(await send(one, side))
            await _settled(ticket)
            await ticket.wait_idle()
            counts = net.counts()
        finally:
            await close_window(window)
        direct_one, direct_many = await _direct(net, names, n)
    if problems:
        raise RuntimeError(f"a member did not go through cleanly: {problems[0]}")
    ms = 1000.0
    s_med, g_med = median(singles), median(groups)
    limit = rtt_ms / ms + direct_many
    return [
        Row("group", f"server time: one order, direct (TLS, warm, n={n})", direct_one * ms, "ms"),
        Row("group", f"server and client time: {MEMBERS} orders at once, direct (n={n})",
            direct_many * ms,
            "ms"),
        Row("group", f"physical limit for {MEMBERS} (RTT {rtt_ms:g} ms + {MEMBERS} at once "
            "direct)", limit * ms, "ms"),
        Row("group", f"one order via groups.send: answered, median (n={n})", s_med * ms, "ms"),
        Row("group", f"{MEMBERS} accounts via groups.send: all answered, median (n={n})",
            g_med * ms, "ms", s_med * ms, g_med / s_med, f"<= {GOAL_RATIO}x one order",
            g_med / s_med <= GOAL_RATIO),
        Row("group", f"{MEMBERS} accounts: all answered, p95", percentile(groups, 95) * ms, "ms",
            s_med * ms, percentile(groups, 95) / s_med),
        Row("group", f"{MEMBERS} accounts: all answered, median, against their physical limit",
            g_med * ms, "ms", limit * ms, g_med / limit),
        Row("group", f"{MEMBERS} accounts: send to the last POST's first byte at the proxy "
            "(includes RTT/2), median", median(spread) * ms, "ms"),
        Row("group", f"429s from the simulator's bucket ({counts['requests']} requests, "
            f"{counts['posts']} POSTs)", float(counts["429"]), "", goal="0",
            ok=counts["429"] == 0),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.group [--quick] [--json]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--json", action="store_true", help="print rows as JSON lines")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rtt-ms", type=float, default=RTT_MS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        from ct_ticket.sim import Simulator

        sim = Simulator(seed=1, accounts=MEMBERS)  # the rate limit stays ON: 429s are counted
        run_child(serve_child(sim, tls=True, rtt=args.rtt_ms / 1000, folder=args.folder,
                              keep_alive_s=KEEP_ALIVE_S, commands=_commands(sim)))
        return
    n = 3 if args.quick else 9
    print_rows(run_qt(lambda: measure(n)), args.json)
    exit_now()


if __name__ == "__main__":
    main()
